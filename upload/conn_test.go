package upload

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// writeConn is a net.Conn that keeps what is written to it, one entry per
// Write call. It has no ReadFrom of its own.
type writeConn struct {
	net.Conn
	writes [][]byte
}

func (c *writeConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestBodyConnReadFrom(t *testing.T) {
	t.Parallel()
	head, tail := strings.Repeat("h", 100_000), `,"access_token":"t"}`
	tests := []struct {
		name       string
		r          func() io.Reader
		want       string
		wantWrites int // 0: any number
	}{
		{
			name: "body under its Content-Length",
			r: func() io.Reader {
				return io.LimitReader(newBodyReader([]byte(head), []byte(tail), nil), int64(len(head)+len(tail)))
			},
			want:       head + tail,
			wantWrites: 2,
		},
		{
			name:       "body without a tail",
			r:          func() io.Reader { return io.LimitReader(newBodyReader([]byte(head), nil, nil), int64(len(head))) },
			want:       head,
			wantWrites: 1,
		},
		{
			// A limit shorter than the body is not what net/http sends
			// for Run's bodies; it must still be honoured.
			name: "body under a shorter limit",
			r:    func() io.Reader { return io.LimitReader(newBodyReader([]byte(head), []byte(tail), nil), 10) },
			want: head[:10],
		},
		{
			name: "body not under a limit",
			r:    func() io.Reader { return newBodyReader([]byte(head), []byte(tail), nil) },
			want: head + tail,
		},
		{
			name: "another reader",
			r:    func() io.Reader { return io.LimitReader(strings.NewReader(head), int64(len(head))) },
			want: head,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wc := &writeConn{}
			n, err := bodyConn{wc}.ReadFrom(tt.r())
			if err != nil || n != int64(len(tt.want)) {
				t.Fatalf("ReadFrom = %d, %v; want %d, nil", n, err, len(tt.want))
			}
			if got := string(bytes.Join(wc.writes, nil)); got != tt.want {
				t.Errorf("wrote %d bytes that differ from the %d expected", len(got), len(tt.want))
			}
			if tt.wantWrites != 0 && len(wc.writes) != tt.wantWrites {
				t.Errorf("%d writes; want %d", len(wc.writes), tt.wantWrites)
			}
		})
	}
}

// countConn counts the Write calls made to a real connection.
type countConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestClientWritesBodyWhole checks the assumption bodyConn rests on, which
// a new Go release could break: that net/http hands a plain-HTTP request
// body of known length to the connection's ReadFrom, so that an 800 KB
// body leaves in a few writes rather than 25 pieces of 32 KiB.
func TestClientWritesBodyWhole(t *testing.T) {
	t.Parallel()
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		io.WriteString(w, `{"events_received":1,"fbtrace_id":"T"}`)
	}))
	t.Cleanup(srv.Close)
	var writes atomic.Int64
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = dialBodyConns(func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countConn{c, &writes}, nil
	})
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient(ClientOptions{BaseURL: srv.URL, Token: "tok", PixelID: testPixel, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	if want := sendBig(t, c); got.Load() != want {
		t.Fatalf("server read %d bytes; want %d", got.Load(), want)
	}
	// Headers, the body before the token, the token part.
	if n := writes.Load(); n > 3 {
		t.Errorf("the request took %d writes; want at most 3 (net/http no longer hands the body to ReadFrom?)", n)
	}
}

// TestBodyConnUnderTLS: over HTTPS the wrapper sits below TLS, and a
// request, HTTP/2 as against Meta, goes through whole.
func TestBodyConnUnderTLS(t *testing.T) {
	t.Parallel()
	var got atomic.Int64
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		proto.Store(r.Proto)
		io.WriteString(w, `{"events_received":1,"fbtrace_id":"T"}`)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialBodyConns(tr.DialContext)
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient(ClientOptions{BaseURL: srv.URL, Token: "tok", PixelID: testPixel, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	if want := sendBig(t, c); got.Load() != want {
		t.Errorf("server read %d bytes; want %d", got.Load(), want)
	}
	if p := proto.Load(); p != "HTTP/2.0" {
		t.Errorf("request went as %v; want HTTP/2.0", p)
	}
}

// sendBig sends an 800 KB body with c and returns the length the server
// must read, credentials included.
func sendBig(t *testing.T, c *Client) int64 {
	t.Helper()
	body := []byte(`{"data":["` + strings.Repeat("x", 800_000) + `"]}`)
	if _, err := c.Send(context.Background(), &Request{Seq: 1, Attempt: 1, Events: 1, Body: body}); err != nil {
		t.Fatal(err)
	}
	return int64(len(c.authorize(body)))
}

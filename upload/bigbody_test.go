package upload

import (
	"capi-upload/capi"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestClientSendsBigBody: over plain HTTP (a local endpoint or relay),
// an 800 KB body arrives whole, credentials included.
func TestClientSendsBigBody(t *testing.T) {
	t.Parallel()
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		io.WriteString(w, `{"events_received":1,"fbtrace_id":"T"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientOptions{BaseURL: srv.URL, Token: "tok", PixelID: testPixel})
	if err != nil {
		t.Fatal(err)
	}
	if want := sendBig(t, c); got.Load() != want {
		t.Fatalf("server read %d bytes; want %d", got.Load(), want)
	}
}

// TestClientSendsBigBodyTLS: over HTTPS a request, HTTP/2 as against
// Meta, goes through whole.
func TestClientSendsBigBodyTLS(t *testing.T) {
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
	if _, err := c.Send(context.Background(), &capi.Request{Seq: 1, Attempt: 1, Events: 1, Body: body}); err != nil {
		t.Fatal(err)
	}
	return int64(len(c.authorize(body)))
}

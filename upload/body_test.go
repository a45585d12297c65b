package upload

import (
	"bytes"
	"capi-upload/ledger/ledgertest"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestBodyReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		head, tail string
		chunk      int // Read buffer size; 0: WriteTo
	}{
		{"both parts, WriteTo", `{"data":[1]`, `,"access_token":"t"}`, 0},
		{"both parts, small reads", `{"data":[1]`, `,"access_token":"t"}`, 3},
		{"read spanning the parts", `{"a":1`, `}`, 64},
		{"empty tail", `{}`, ``, 1},
		{"empty", ``, ``, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newBodyReader([]byte(tt.head), []byte(tt.tail), nil)
			var got bytes.Buffer
			if tt.chunk == 0 {
				n, err := r.WriteTo(&got)
				if err != nil || n != int64(len(tt.head)+len(tt.tail)) {
					t.Fatalf("WriteTo = %d, %v", n, err)
				}
			} else {
				buf := make([]byte, tt.chunk)
				for {
					n, err := r.Read(buf)
					got.Write(buf[:n])
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			if want := tt.head + tt.tail; got.String() != want {
				t.Errorf("read %q, want %q", got.String(), want)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBodyPoolReusesOnlyReleased(t *testing.T) {
	t.Parallel()
	p := newBodyPool(2)
	a := p.get(10)
	a.b = append(a.b, "a"...)
	r1 := newBodyReader(a.b, nil, a)
	r2 := newBodyReader(a.b, nil, a)
	a.release() // Run is done with it; two readers still hold it
	if b := p.get(10); b == a {
		t.Fatal("a body still read by two readers was handed out again")
	}
	r1.Close()
	r1.Close() // a second Close must not release twice
	if b := p.get(10); b == a {
		t.Fatal("a body still read by one reader was handed out again")
	}
	r2.Close()
	b := p.get(10)
	if b != a {
		t.Fatal("a body released by everyone was not reused")
	}
	if len(b.b) != 0 || b.refs.Load() != 1 {
		t.Fatalf("reused body has %d bytes and %d references, want 0 and 1", len(b.b), b.refs.Load())
	}
	if c := p.get(1 << 20); cap(c.b) < 1<<20 {
		t.Fatalf("body of capacity %d for 1 MiB", cap(c.b))
	}
}

func TestBodyPoolNilNeverReuses(t *testing.T) {
	t.Parallel()
	var p *bodyPool
	a := p.get(10)
	a.release()
	if b := p.get(10); b == a {
		t.Fatal("a nil pool reused a body")
	}
}

// lateTransport answers every request at once and keeps its body unread
// and unclosed, as net/http does when an answer comes before the body was
// all written; bodies are read only at the end.
type lateTransport struct {
	mu     sync.Mutex
	bodies []io.ReadCloser
}

func (lt *lateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.bodies = append(lt.bodies, req.Body)
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"events_received":100,"fbtrace_id":"late"}`)),
		Request:    req,
	}, nil
}

// TestRunNeverReusesABodyStillRead fails if Run hands a body's buffer to
// the next batch while net/http may still be writing it.
func TestRunNeverReusesABodyStillRead(t *testing.T) {
	t.Parallel()
	lt := &lateTransport{}
	c, err := NewClient(ClientOptions{
		BaseURL: "http://127.0.0.1:1", Token: "tok", PixelID: testPixel,
		HTTPClient: &http.Client{Transport: lt},
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := makeEvents(5000)
	var col collector
	if err := Run(context.Background(), c, ledgertest.NewMem(), feed(context.Background(), evs), col.options(Options{BatchSize: 100, Concurrency: 2})); err != nil {
		t.Fatal(err)
	}
	col.checkOneOutcome(t, evs)
	seen := map[string]int{}
	for i, b := range lt.bodies {
		raw, err := io.ReadAll(b)
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
		var body struct {
			Data []struct {
				EventID string `json:"event_id"`
			} `json:"data"`
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("body %d read late is not the JSON sent: %v", i, err)
		}
		for _, d := range body.Data {
			seen[d.EventID]++
		}
	}
	for _, ev := range evs {
		if seen[ev.EventID] != 1 {
			t.Fatalf("event %s is in %d of the bodies read late, want 1: a buffer was reused while still being read", ev.EventID, seen[ev.EventID])
		}
	}
}

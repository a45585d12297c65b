package upload

import (
	"capi-upload/ledger/ledgertest"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

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

package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger/ledgertest"
)

const (
	testToken  = "EAAtesttokenSECRET0123456789"
	testSecret = "appsecret-xyz"
	testPixel  = "123456789012345"
)

// edge is a hand-written fake of the /events edge: it checks the route and
// the token, rejects a whole batch holding a poison event id with code 100,
// records what it accepted, and lets a test script answers per request.
type edge struct {
	t   *testing.T
	srv *httptest.Server

	// script, when set, may answer a request instead of the default
	// behaviour; n is the 1-based request number.
	script func(n int, w http.ResponseWriter, r *http.Request, ids []string) bool
	poison map[string]bool
	delay  time.Duration

	n        atomic.Int64
	inFlight atomic.Int64
	maxInFl  atomic.Int64

	mu       sync.Mutex
	accepted map[string]int // event_id → times accepted
	bodies   [][]byte
	urls     []string
}

func newEdge(t *testing.T) *edge {
	t.Helper()
	e := &edge{t: t, accepted: map[string]int{}, poison: map[string]bool{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *edge) client(t *testing.T, mod func(*ClientOptions)) *Client {
	t.Helper()
	opt := ClientOptions{BaseURL: e.srv.URL, Token: testToken, PixelID: testPixel, APIVersion: "v24.0", RequestTimeout: 30 * time.Second}
	if mod != nil {
		mod(&opt)
	}
	c, err := NewClient(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type wireBody struct {
	Data []struct {
		EventID string `json:"event_id"`
	} `json:"data"`
	AccessToken    string `json:"access_token"`
	AppSecretProof string `json:"appsecret_proof"`
	PartnerAgent   string `json:"partner_agent"`
}

func graphErr(w http.ResponseWriter, status, code, subcode int, transient bool, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"is_transient":%t,"error_user_title":"Bad event","error_user_msg":"fix it","fbtrace_id":"TRACE%d"}}`,
		msg, code, subcode, transient, code)
}

func (e *edge) serve(w http.ResponseWriter, r *http.Request) {
	cur := e.inFlight.Add(1)
	defer e.inFlight.Add(-1)
	for {
		m := e.maxInFl.Load()
		if cur <= m || e.maxInFl.CompareAndSwap(m, cur) {
			break
		}
	}
	n := int(e.n.Add(1))
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.bodies = append(e.bodies, body)
	e.urls = append(e.urls, r.URL.String())
	e.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v24.0/"+testPixel+"/events" || r.URL.RawQuery != "" {
		graphErr(w, 400, 100, 33, false, "Unsupported post request")
		return
	}
	var b wireBody
	if err := json.Unmarshal(body, &b); err != nil {
		graphErr(w, 400, 100, 0, false, "bad json")
		return
	}
	if b.AccessToken != testToken {
		graphErr(w, 400, 190, 467, false, "Invalid OAuth access token")
		return
	}
	if len(b.Data) == 0 || len(b.Data) > capi.MaxBatchSize {
		graphErr(w, 400, 100, 0, false, "bad data")
		return
	}
	ids := make([]string, len(b.Data))
	for i, d := range b.Data {
		ids[i] = d.EventID
	}
	if e.delay > 0 {
		select {
		case <-time.After(e.delay):
		case <-r.Context().Done():
			return
		}
	}
	if e.script != nil && e.script(n, w, r, ids) {
		return
	}
	for _, id := range ids {
		if e.poison[id] {
			graphErr(w, 400, 100, 2804050, false, "Invalid parameter")
			return
		}
	}
	e.mu.Lock()
	for _, id := range ids {
		e.accepted[id]++
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"events_received":%d,"messages":[],"fbtrace_id":"OK%d"}`, len(ids), n)
}

func (e *edge) requests() int { return int(e.n.Load()) }

func (e *edge) acceptedIDs() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := make(map[string]int, len(e.accepted))
	for k, v := range e.accepted {
		m[k] = v
	}
	return m
}

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func makeEvents(n int) []capi.Event {
	evs := make([]capi.Event, n)
	for i := range evs {
		evs[i] = capi.Event{
			EventName:    "Purchase",
			EventTime:    testNow.Add(-time.Hour).Unix(),
			ActionSource: "physical_store",
			EventID:      fmt.Sprintf("e%05d", i),
			UserData:     capi.UserData{capi.KeyEm: {strings.Repeat("ab", 32)}},
			CustomData:   capi.CustomData{{Key: "value", Value: 12.5}, {Key: "currency", Value: "USD"}},
			File:         "sales.csv",
			Row:          i + 2,
		}
	}
	return evs
}

// feed sends evs on a channel the way the caller of Run does: stopping
// when ctx is done, closing the channel.
func feed(ctx context.Context, evs []capi.Event) <-chan []capi.Event {
	// Slices of 7, which no batch size divides, from a ring as small as
	// Run's contract allows: on an unbuffered channel, the sender refills
	// a slice as soon as Run has received the next one, so an event Run
	// kept a pointer to would change under it.
	ch := make(chan []capi.Event)
	go func() {
		defer close(ch)
		var ring [2][]capi.Event
		for i := 0; i < len(evs); i += 7 {
			s := append(ring[i/7%2][:0], evs[i:min(i+7, len(evs))]...)
			ring[i/7%2] = s
			select {
			case ch <- s:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// collector gathers what Run reports.
type collector struct {
	outcomes map[string][]capi.Outcome // event_id → outcomes (copied)
	requests []capi.RequestLog
	statuses map[capi.Status]int
}

func (c *collector) options(o Options) Options {
	c.outcomes = map[string][]capi.Outcome{}
	c.statuses = map[capi.Status]int{}
	o.OnOutcome = func(out capi.Outcome) {
		ev := *out.Event
		out.Event = &ev
		c.outcomes[ev.EventID] = append(c.outcomes[ev.EventID], out)
		c.statuses[out.Status]++
	}
	o.OnRequest = func(l capi.RequestLog) { c.requests = append(c.requests, l) }
	if o.PixelID == "" {
		o.PixelID = testPixel
	}
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	if o.Backoff == nil {
		o.Backoff = func(int, bool, time.Duration) time.Duration { return time.Millisecond }
	}
	return o
}

// checkOneOutcome fails unless every event of evs got exactly one outcome.
func (c *collector) checkOneOutcome(t *testing.T, evs []capi.Event) {
	t.Helper()
	for _, ev := range evs {
		if n := len(c.outcomes[ev.EventID]); n != 1 {
			t.Fatalf("event %s got %d outcomes, want 1", ev.EventID, n)
		}
	}
	if len(c.outcomes) != len(evs) {
		t.Fatalf("outcomes for %d events, want %d", len(c.outcomes), len(evs))
	}
}

// failingLedger is a ledger whose writes fail with err, as on a full disk.
type failingLedger struct {
	*ledgertest.Mem
	err error
}

func (l failingLedger) MarkSent([]string, time.Time) error { return l.err }

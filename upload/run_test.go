package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"capi-upload/capi"
	"capi-upload/ledger"
	"capi-upload/ledger/ledgertest"
)

// failFirst answers the first n requests with fail and lets the rest
// through.
func failFirst(n int, fail func(w http.ResponseWriter)) func(int, http.ResponseWriter, *http.Request, []string) bool {
	return func(i int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
		if i <= n {
			fail(w)
			return true
		}
		return false
	}
}

func always(fail func(w http.ResponseWriter)) func(int, http.ResponseWriter, *http.Request, []string) bool {
	return failFirst(1<<30, fail)
}

// inTurn answers the first requests with fails, one each, and lets the
// edge answer the rest.
func inTurn(fails ...func(w http.ResponseWriter)) func(int, http.ResponseWriter, *http.Request, []string) bool {
	return func(n int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n > len(fails) {
			return false
		}
		fails[n-1](w)
		return true
	}
}

func graph(status, code, subcode int, transient bool, msg string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { graphErr(w, status, code, subcode, transient, msg) }
}

func TestRunErrorClasses(t *testing.T) {
	t.Parallel()
	html503 := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(503)
		fmt.Fprint(w, "<html>Service Unavailable</html>")
	}
	reset := func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	slow := func(w http.ResponseWriter) {
		time.Sleep(2500 * time.Millisecond) // longer than the request timeout below
		graphErr(w, 500, 2, 0, true, "too late")
	}
	throttle := func(code int) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "2")
			graphErr(w, 400, code, 2446079, false, "User request limit reached")
		}
	}
	tests := []struct {
		name          string
		script        func(int, http.ResponseWriter, *http.Request, []string) bool
		poison        []string
		maxAttempts   int
		wantStatus    map[capi.Status]int
		wantRequests  int
		wantAuthCode  int    // 0: Run returns nil
		wantDetail    string // in the detail of every non-sent event
		wantAuthMsg   string
		wantThrottled bool
	}{
		{name: "success", wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 1},
		{name: "invalid event is isolated", poison: []string{"e00003"},
			wantStatus: map[capi.Status]int{capi.StatusSent: 9, capi.StatusRejected: 1}, wantRequests: 9,
			wantDetail: "Bad event: fix it (code 100, subcode 2804050) fbtrace_id TRACE100"},
		{name: "token 190", script: always(graph(400, 190, 463, false, "Session has expired")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 190,
			wantAuthMsg: "Events Manager", wantDetail: detailStopped},
		{name: "session 102", script: always(graph(400, 102, 0, false, "session")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 102, wantAuthMsg: "generate a new one"},
		{name: "no token 104", script: always(graph(400, 104, 0, false, "An access token is required")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 104, wantAuthMsg: "CAPI_ACCESS_TOKEN"},
		{name: "permission 10", script: always(graph(403, 10, 0, false, "Permission denied")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 10, wantAuthMsg: "ads_management"},
		{name: "permission 200", script: always(graph(403, 200, 0, false, "Permissions error")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 200, wantAuthMsg: "permission denied"},
		{name: "appsecret_proof refused", script: always(graph(400, 100, 0, false, "Invalid appsecret_proof provided in the API argument")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 100, wantAuthMsg: "CAPI_APP_SECRET"},
		{name: "unknown pixel 100/33", script: always(graph(400, 100, 33, false, "Unsupported post request")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1, wantAuthCode: 100, wantAuthMsg: "pixel_id"},
		{name: "code 1 retried", script: failFirst(2, graph(500, 1, 0, false, "An unknown error occurred")),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 3},
		{name: "code 2 retried", script: failFirst(1, graph(503, 2, 0, true, "Service temporarily unavailable")),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "code 341 retried", script: failFirst(1, graph(400, 341, 0, false, "Application limit reached")),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "code 368 retried", script: failFirst(1, graph(400, 368, 0, false, "Temporarily blocked")),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "is_transient retried", script: failFirst(1, graph(400, 9999, 0, true, "transient")),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "HTML 503 retried", script: failFirst(2, html503),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 3},
		{name: "timeout retried", script: failFirst(1, slow),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "connection reset retried", script: failFirst(1, reset),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2},
		{name: "throttle 17 honours Retry-After", script: failFirst(1, throttle(17)),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2, wantThrottled: true},
		{name: "throttle 4", script: failFirst(1, throttle(4)),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2, wantThrottled: true},
		{name: "throttle 613", script: failFirst(1, throttle(613)),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2, wantThrottled: true},
		{name: "throttle 80004", script: failFirst(1, throttle(80004)),
			wantStatus: map[capi.Status]int{capi.StatusSent: 10}, wantRequests: 2, wantThrottled: true},
		{name: "attempts exhausted", script: always(graph(500, 2, 0, true, "down")), maxAttempts: 3,
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 3,
			wantDetail: "giving up after 3 attempt(s): graph error: HTTP 500, code 2: down (fbtrace_id TRACE2)"},
		{name: "unknown client error fails at once", script: always(graph(400, 3, 0, false, "Unknown method")),
			wantStatus: map[capi.Status]int{capi.StatusFailed: 10}, wantRequests: 1,
			wantDetail: "graph error: HTTP 400, code 3: Unknown method (fbtrace_id TRACE3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			e.script = tt.script
			for _, id := range tt.poison {
				e.poison[id] = true
			}
			// Long enough for a loaded machine, shorter than slow.
			c := e.client(t, func(o *ClientOptions) { o.RequestTimeout = 2 * time.Second })
			var col collector
			var throttled atomic.Bool
			var retryAfter atomic.Int64
			opt := col.options(Options{BatchSize: 10, Concurrency: 2, MaxAttempts: tt.maxAttempts})
			opt.Backoff = func(_ int, th bool, ra time.Duration) time.Duration {
				if th && ra > 0 {
					throttled.Store(true)
					retryAfter.Store(int64(ra))
				}
				return time.Millisecond
			}
			evs := makeEvents(10)
			led := ledgertest.NewMem()
			err := Run(t.Context(), c, led, feed(t.Context(), evs), opt)
			if tt.wantAuthCode != 0 {
				ae, ok := errors.AsType[*AuthError](err)
				if !ok {
					t.Fatalf("Run = %v, want *AuthError", err)
				}
				if ae.Code != tt.wantAuthCode || !strings.Contains(ae.Error(), tt.wantAuthMsg) {
					t.Errorf("AuthError = %d %q, want code %d and %q", ae.Code, ae.Error(), tt.wantAuthCode, tt.wantAuthMsg)
				}
			} else if err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			col.checkOneOutcome(t, evs)
			if diff := cmp.Diff(tt.wantStatus, col.statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := e.requests(); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			if got := len(col.requests); got != tt.wantRequests {
				t.Errorf("OnRequest calls = %d, want %d", got, tt.wantRequests)
			}
			if led.Len() != col.statuses[capi.StatusSent] {
				t.Errorf("ledger holds %d, want %d (sent)", led.Len(), col.statuses[capi.StatusSent])
			}
			for id, outs := range col.outcomes {
				o := outs[0]
				if o.Status == capi.StatusSent {
					if o.Reason != "" || o.Detail != "" {
						t.Errorf("%s: sent with reason %q detail %q", id, o.Reason, o.Detail)
					}
					continue
				}
				if tt.wantDetail != "" && o.Detail != tt.wantDetail {
					t.Errorf("%s: detail = %q, want %q", id, o.Detail, tt.wantDetail)
				}
				want := map[capi.Status]capi.Reason{capi.StatusFailed: capi.ReasonUploadFailed, capi.StatusRejected: capi.ReasonAPIRejected}[o.Status]
				if o.Reason != want {
					t.Errorf("%s: reason = %q, want %q", id, o.Reason, want)
				}
			}
			if throttled.Load() != tt.wantThrottled {
				t.Errorf("throttled backoff with Retry-After = %v, want %v", throttled.Load(), tt.wantThrottled)
			}
			if tt.wantThrottled && time.Duration(retryAfter.Load()) != 2*time.Second {
				t.Errorf("Retry-After seen = %v, want 2s", time.Duration(retryAfter.Load()))
			}
		})
	}
}

func TestRunOneBadInThousand(t *testing.T) {
	t.Parallel()
	for _, bad := range []int{0, 499, 500, 999} {
		t.Run(fmt.Sprint(bad), func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			evs := makeEvents(1000)
			e.poison[evs[bad].EventID] = true
			var col collector
			err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), col.options(Options{}))
			if err != nil {
				t.Fatal(err)
			}
			col.checkOneOutcome(t, evs)
			if diff := cmp.Diff(map[capi.Status]int{capi.StatusSent: 999, capi.StatusRejected: 1}, col.statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if got := col.outcomes[evs[bad].EventID][0].Status; got != capi.StatusRejected {
				t.Errorf("bad event status = %s", got)
			}
			// 1 request, then two per level of a 10-level bisection.
			if extra := e.requests() - 1; extra > 20 {
				t.Errorf("extra requests = %d, want <= 20", extra)
			}
			acc := e.acceptedIDs()
			if len(acc) != 999 {
				t.Errorf("server accepted %d events, want 999", len(acc))
			}
			for id, n := range acc {
				if n != 1 {
					t.Errorf("server accepted %s %d times", id, n)
				}
			}
		})
	}
}

func TestRunAuthStopCancelsSiblings(t *testing.T) {
	// Not parallel: it measures how fast Run returns.
	e := newEdge(t)
	e.script = func(n int, w http.ResponseWriter, r *http.Request, _ []string) bool {
		if n == 1 {
			time.Sleep(20 * time.Millisecond) // let the siblings leave
			graphErr(w, 400, 190, 463, false, "Session has expired")
			return true
		}
		select { // siblings hang until the client gives up on them
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return true
	}
	evs := makeEvents(100)
	var col collector
	start := time.Now()
	err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), col.options(Options{BatchSize: 10, Concurrency: 4}))
	if _, ok := errors.AsType[*AuthError](err); !ok {
		t.Fatalf("Run = %v, want *AuthError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %v after an auth error, want it to cancel siblings at once", d)
	}
	// Run read on after the stop, so the feeder never blocked and every
	// event it handed in failed.
	col.checkOneOutcome(t, evs)
	if diff := cmp.Diff(map[capi.Status]int{capi.StatusFailed: 100}, col.statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if e.requests() > 4 {
		t.Errorf("requests = %d, want at most the 4 in flight", e.requests())
	}
}

func TestRunCancelAndRerun(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	e.delay = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.script = func(n int, _ http.ResponseWriter, _ *http.Request, _ []string) bool {
		if n == 4 {
			cancel() // SIGINT while this request and its sibling are in flight
		}
		return false
	}
	path := filepath.Join(t.TempDir(), "state.db")
	// The ledger runs on the run's clock (collector.options' testNow), as
	// the command's does: on the wall clock it would prune them at close.
	clock := func() time.Time { return testNow }
	led, err := ledger.Open(path, false, clock)
	if err != nil {
		t.Fatal(err)
	}
	evs := makeEvents(200)
	var col collector
	err = Run(ctx, e.client(t, nil), led, feed(ctx, evs), col.options(Options{BatchSize: 10, Concurrency: 2}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	var sent []string
	for id, outs := range col.outcomes {
		if len(outs) != 1 {
			t.Fatalf("%s: %d outcomes", id, len(outs))
		}
		switch o := outs[0]; o.Status {
		case capi.StatusSent:
			sent = append(sent, id)
		case capi.StatusFailed:
			if o.Detail != detailInterrupted {
				t.Errorf("%s: detail %q, want %q", id, o.Detail, detailInterrupted)
			}
		default:
			t.Errorf("%s: status %s", id, o.Status)
		}
	}
	if len(sent) < 30 || len(sent) == len(evs) {
		t.Fatalf("sent %d events; want the acknowledged batches only (>= 30, < %d)", len(sent), len(evs))
	}
	// The ledger holds exactly the acknowledged events, which are exactly
	// what the server accepted (in-flight requests finished in the grace).
	acc := e.acceptedIDs()
	if len(acc) != len(sent) {
		t.Errorf("server accepted %d, sent outcomes %d", len(acc), len(sent))
	}
	// Each run opens the ledger anew, as the command does: a handle sees
	// what earlier runs recorded (capi.Ledger).
	reopen := func() {
		t.Helper()
		if err := led.Close(); err != nil {
			t.Fatal(err)
		}
		if led, err = ledger.Open(path, false, clock); err != nil {
			t.Fatal(err)
		}
	}
	reopen()
	seen := make([]bool, 1)
	for _, ev := range evs {
		if err := led.SeenAll([]string{ev.LedgerKey(testPixel)}, seen); err != nil {
			t.Fatal(err)
		}
		if _, ok := acc[ev.EventID]; seen[0] != ok {
			t.Errorf("%s: in ledger %v, accepted by server %v", ev.EventID, seen[0], ok)
		}
	}

	// A rerun sends only what was not acknowledged, and a third run nothing.
	for run, wantSent := range []int{len(evs) - len(sent), 0} {
		if run > 0 {
			reopen()
		}
		var col2 collector
		e.script = nil
		before := e.requests()
		if err := Run(t.Context(), e.client(t, nil), led, feed(t.Context(), evs), col2.options(Options{BatchSize: 10, Concurrency: 2})); err != nil {
			t.Fatal(err)
		}
		col2.checkOneOutcome(t, evs)
		want := map[capi.Status]int{capi.StatusSent: wantSent, capi.StatusAlreadySent: len(evs) - wantSent}
		if wantSent == 0 {
			delete(want, capi.StatusSent)
			if e.requests() != before {
				t.Errorf("run %d: %d requests, want none", run+2, e.requests()-before)
			}
		}
		if diff := cmp.Diff(want, col2.statuses); diff != "" {
			t.Errorf("run %d statuses (-want +got):\n%s", run+2, diff)
		}
	}
	for id, n := range e.acceptedIDs() {
		if n != 1 {
			t.Errorf("%s accepted %d times over three runs", id, n)
		}
	}
	if len(e.acceptedIDs()) != len(evs) {
		t.Errorf("accepted %d distinct events, want %d", len(e.acceptedIDs()), len(evs))
	}
	if err := led.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRunGraceAbandonsSlowRequests(t *testing.T) {
	// Not parallel: it measures how fast Run returns.
	e := newEdge(t)
	e.delay = 20 * time.Second
	ctx, cancel := context.WithCancel(t.Context())
	evs := makeEvents(30)
	var col collector
	opt := col.options(Options{BatchSize: 10, Concurrency: 3, Grace: 50 * time.Millisecond})
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := Run(ctx, e.client(t, nil), ledgertest.NewMem(), feed(ctx, evs), opt)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v, want cancel + grace", d)
	}
	col.checkOneOutcome(t, evs)
	if diff := cmp.Diff(map[capi.Status]int{capi.StatusFailed: 30}, col.statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestRunInFlightLimit(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			e.delay = 5 * time.Millisecond
			evs := makeEvents(400)
			var col collector
			if err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), col.options(Options{BatchSize: 10, Concurrency: conc})); err != nil {
				t.Fatal(err)
			}
			col.checkOneOutcome(t, evs)
			if got := int(e.maxInFl.Load()); got > conc || got < min(conc, 2) {
				t.Errorf("max in flight = %d, want <= %d (and the limit used)", got, conc)
			}
		})
	}
}

func TestRunLedgerFailureStops(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	led := failingLedger{ledgertest.NewMem(), errors.New("disk full")}
	// Many batches: the ledger writer fails on its first commit, long
	// before the last batch could go out.
	evs := makeEvents(2000)
	var col collector
	err := Run(t.Context(), e.client(t, nil), led, feed(t.Context(), evs), col.options(Options{BatchSize: 10, Concurrency: 1}))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run = %v, want the ledger error", err)
	}
	for id, outs := range col.outcomes {
		if len(outs) != 1 {
			t.Errorf("%s: %d outcomes", id, len(outs))
		}
	}
	// Meta acknowledged the first batch, and maybe those sent while its
	// commit failed: they count as sent. The rest were never sent.
	if sent := col.statuses[capi.StatusSent]; sent < 10 || sent%10 != 0 || sent >= len(evs) {
		t.Errorf("sent = %d, want whole batches, at least the first, not all", sent)
	}
	if col.statuses[capi.StatusSent]+col.statuses[capi.StatusFailed] != len(evs) {
		t.Errorf("statuses = %v, want sent + failed = %d", col.statuses, len(evs))
	}
}

// blockingLedger's MarkSent waits until release is closed.
type blockingLedger struct {
	*ledgertest.Mem
	entered chan struct{} // closed by the first MarkSent
	once    sync.Once
	release chan struct{}
}

func (l *blockingLedger) MarkSent(keys []string, t time.Time) error {
	l.once.Do(func() { close(l.entered) })
	<-l.release
	return l.Mem.MarkSent(keys, t)
}

// A commit that waits for the disk holds no request slot: with one slot,
// every batch goes out while the first commit is still waiting, and Run
// returns only once all of them are in the ledger.
func TestRunLedgerCommitFreesSlot(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	led := &blockingLedger{Mem: ledgertest.NewMem(), entered: make(chan struct{}), release: make(chan struct{})}
	evs := makeEvents(50)
	var col collector
	done := make(chan error, 1)
	go func() {
		done <- Run(t.Context(), e.client(t, nil), led, feed(t.Context(), evs), col.options(Options{BatchSize: 10, Concurrency: 1}))
	}()
	<-led.entered
	deadline := time.After(10 * time.Second)
	for e.requests() < 5 {
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before the ledger commit finished", err)
		case <-deadline:
			t.Fatalf("%d of 5 requests sent while the first commit waited", e.requests())
		case <-time.After(5 * time.Millisecond):
		}
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v with commits outstanding", err)
	default:
	}
	close(led.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := led.Len(); n != 50 {
		t.Errorf("ledger holds %d events, want 50", n)
	}
}

// TestRunShortAcknowledgement: an answer that acknowledges fewer events
// than the request held is a failed attempt, however the Sender came by
// it; the retry carries the same event_ids and nothing reaches the ledger
// until an answer acknowledges the batch in full.
func TestRunShortAcknowledgement(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	e.script = func(_ int, w http.ResponseWriter, _ *http.Request, ids []string) bool {
		fmt.Fprintf(w, `{"events_received":%d,"fbtrace_id":"SHORT"}`, len(ids)-1)
		return true
	}
	var col collector
	opt := col.options(Options{MaxAttempts: 3, Backoff: func(int, bool, time.Duration) time.Duration { return 0 }})
	evs := makeEvents(5)
	l := ledgertest.NewMem()
	if err := Run(t.Context(), e.client(t, nil), l, feed(t.Context(), evs), opt); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[capi.Status]int{capi.StatusFailed: 5}, col.statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if l.Len() != 0 {
		t.Errorf("ledger holds %d keys, want none", l.Len())
	}
	if len(col.requests) != 3 {
		t.Fatalf("requests = %d, want 3 attempts", len(col.requests))
	}
	for _, r := range col.requests {
		if r.EventsReceived != 4 || r.FBTraceID != "SHORT" || !strings.Contains(r.Error, "acknowledged 4 of 5 events") {
			t.Errorf("request log %+v, want events_received 4 and the short count as its error", r)
		}
	}
	for id, os := range col.outcomes {
		if !strings.Contains(os[0].Detail, "acknowledged 4 of 5") {
			t.Errorf("%s: detail %q, want the short count", id, os[0].Detail)
		}
	}
}

// shortSender acknowledges one event fewer than it was given, without an
// error: Run must not trust a Sender's count blindly either.
type shortSender struct{}

func (shortSender) Send(_ context.Context, req *capi.Request) (capi.Response, error) {
	return capi.Response{HTTPStatus: 200, EventsReceived: req.Events - 1}, nil
}

func TestRunChecksEverySendersCount(t *testing.T) {
	t.Parallel()
	var col collector
	opt := col.options(Options{MaxAttempts: 2, Backoff: func(int, bool, time.Duration) time.Duration { return 0 }})
	l := ledgertest.NewMem()
	if err := Run(t.Context(), shortSender{}, l, feed(t.Context(), makeEvents(3)), opt); err != nil {
		t.Fatal(err)
	}
	if col.statuses[capi.StatusFailed] != 3 || l.Len() != 0 {
		t.Errorf("statuses %v, ledger %d keys; want 3 failed, none recorded", col.statuses, l.Len())
	}
}

// TestSecretsNeverLeak runs through the error paths with an app secret and
// scans every log line, error, detail and URL for the token and the proof.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	e.script = func(n int, w http.ResponseWriter, r *http.Request, _ []string) bool {
		switch n {
		case 1:
			graphErr(w, 500, 1, 0, true, "unknown")
		case 2:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case 3:
			select { // longer than the request timeout
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case 4:
			w.Header().Set("Retry-After", "1")
			graphErr(w, 400, 17, 0, false, "throttled")
		case 5:
			graphErr(w, 400, 190, 467, false, "Invalid OAuth access token")
		default:
			return false
		}
		return true
	}
	var logs bytes.Buffer
	lg := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := e.client(t, func(o *ClientOptions) {
		o.AppSecret = testSecret
		o.RequestTimeout = 2 * time.Second
		o.Logger = lg
	})
	var col collector
	var all []string
	opt := col.options(Options{BatchSize: 10, Concurrency: 1, Logger: lg, MaxAttempts: 10})
	err := Run(t.Context(), c, ledgertest.NewMem(), feed(t.Context(), makeEvents(10)), opt)
	if _, ok := errors.AsType[*AuthError](err); !ok {
		t.Fatalf("Run = %v, want *AuthError", err)
	}
	all = append(all, err.Error(), logs.String())
	for _, outs := range col.outcomes {
		all = append(all, outs[0].Detail)
	}
	for _, l := range col.requests {
		all = append(all, l.Error)
	}
	all = append(all, e.urls...)
	proof := AppSecretProof(testToken, testSecret)
	for _, s := range all {
		for _, secret := range []string{testToken, proof, testSecret} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q leaked in %q", secret[:6], s)
			}
		}
	}
	if len(col.requests) < 5 {
		t.Errorf("requests = %d, want 5 or more", len(col.requests))
	}
	// The body carries the token and the proof.
	var b wireBody
	if err := json.Unmarshal(e.bodies[0], &b); err != nil {
		t.Fatal(err)
	}
	if b.AccessToken != testToken || b.AppSecretProof != proof || b.PartnerAgent != "capi-upload" {
		t.Errorf("body auth = %q %q %q", b.AccessToken[:4], b.AppSecretProof, b.PartnerAgent)
	}
}

func TestScrubRedactsTokenFromErrors(t *testing.T) {
	t.Parallel()
	c := &Client{token: testToken, proof: "p00f"}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{name: "clean", err: errors.New("dial tcp: refused"), want: "dial tcp: refused"},
		{name: "token", err: fmt.Errorf("proxy said %s", testToken), want: "proxy said REDACTED"},
		{name: "proof", err: errors.New("x p00f y"), want: "x REDACTED y"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.scrub(tt.err).Error(); got != tt.want {
				t.Errorf("scrub = %q, want %q", got, tt.want)
			}
		})
	}
	if got, want := sanitizeURL("http://u:p@h/x?access_token="+testToken), "http://h/x?REDACTED"; got != want {
		t.Errorf("sanitizeURL = %q, want %q", got, want)
	}
}

func TestRunConcurrentCallbacksSerialized(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	evs := makeEvents(3000)
	var mu sync.Mutex // TryLock fails if two callbacks overlap
	overlap := false
	var ids []string
	opt := Options{PixelID: testPixel, BatchSize: 100, Concurrency: 8, Now: func() time.Time { return testNow }}
	opt.OnOutcome = func(o capi.Outcome) {
		if !mu.TryLock() {
			overlap = true
			return
		}
		ids = append(ids, o.Event.EventID)
		mu.Unlock()
	}
	var progress []int
	opt.OnProgress = func(sent, read int) {
		if !mu.TryLock() {
			overlap = true
			return
		}
		progress = append(progress, sent)
		mu.Unlock()
	}
	if err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), opt); err != nil {
		t.Fatal(err)
	}
	if overlap {
		t.Error("callbacks overlapped")
	}
	sort.Strings(ids)
	if len(ids) != 3000 || ids[0] != "e00000" || ids[2999] != "e02999" {
		t.Errorf("got %d outcomes", len(ids))
	}
	if len(progress) != 30 || progress[29] != 3000 || !sort.IntsAreSorted(progress) {
		t.Errorf("progress = %v", progress)
	}
}

type retainLedger struct {
	*ledgertest.Mem
	got time.Duration
}

func (l *retainLedger) Retain(d time.Duration) { l.got = d }

func TestRunTellsLedgerMaxAge(t *testing.T) {
	t.Parallel()
	l := &retainLedger{Mem: ledgertest.NewMem()}
	var col collector
	err := Run(t.Context(), NewDryRun(t.TempDir()), l, feed(t.Context(), makeEvents(3)), col.options(Options{MaxAge: 30 * 24 * time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	if l.got != 30*24*time.Hour {
		t.Errorf("Retain(%v), want 720h", l.got)
	}
}

func TestRunAuthStopDuringSplit(t *testing.T) {
	t.Parallel()
	e := newEdge(t)
	e.script = inTurn(graph(400, 100, 2804050, false, "Invalid parameter"), graph(400, 190, 463, false, "Session has expired"))
	evs := makeEvents(10)
	var col collector
	err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), col.options(Options{BatchSize: 10}))
	if _, ok := errors.AsType[*AuthError](err); !ok {
		t.Fatalf("Run = %v, want *AuthError", err)
	}
	col.checkOneOutcome(t, evs)
	if diff := cmp.Diff(map[capi.Status]int{capi.StatusFailed: 10}, col.statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if e.requests() != 2 {
		t.Errorf("requests = %d, want 2", e.requests())
	}
}

func TestRunSlowsDownOnHighUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		usage   int
		minTime time.Duration
	}{
		{name: "low usage runs free", usage: 40},
		{name: "full usage spaces requests", usage: 100, minTime: 4 * 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			e.script = func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				w.Header().Set("X-App-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":1,"total_time":1}`, tt.usage))
				return false
			}
			var col collector
			opt := col.options(Options{BatchSize: 10, Concurrency: 1})
			var asked atomic.Int64
			opt.Backoff = func(_ int, throttled bool, _ time.Duration) time.Duration {
				asked.Add(1)
				return 100 * time.Millisecond
			}
			start := time.Now()
			if err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), makeEvents(50)), opt); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			if tt.minTime > 0 && d < tt.minTime {
				t.Errorf("5 requests took %v, want >= %v", d, tt.minTime)
			}
			if tt.minTime == 0 && asked.Load() != 0 {
				t.Errorf("Backoff asked %d times at low usage", asked.Load())
			}
		})
	}
}

// Events that turn stale while their batch is retried are taken out
// before the next attempt and reported stale. When the batch is then
// found invalid, they still get exactly one outcome: the halves cut from
// the batch judge them again, and only then are they reported stale.
func TestRunStaleBetweenAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script func(int, http.ResponseWriter, *http.Request, []string) bool
	}{
		{"rechecked before each attempt", failFirst(1, graph(503, 2, 0, true, "down"))},
		// The second attempt is refused as invalid.
		{"then split", inTurn(graph(503, 2, 0, true, "down"), graph(400, 100, 2804050, false, "Invalid parameter"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			e.script = tt.script
			var col collector
			evs, opt := agingRun(&col)
			led := ledgertest.NewMem()
			if err := Run(t.Context(), e.client(t, nil), led, feed(t.Context(), evs), opt); err != nil {
				t.Fatal(err)
			}
			col.checkOneOutcome(t, evs)
			if diff := cmp.Diff(map[capi.Status]int{capi.StatusSent: 6, capi.StatusStale: 4}, col.statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if o := col.outcomes["e00000"][0]; o.Reason != capi.ReasonStale || o.Field != "event_time" {
				t.Errorf("reason = %q, field %q; want stale, event_time", o.Reason, o.Field)
			}
			var b wireBody
			if err := json.Unmarshal(e.bodies[1], &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Data) != 6 {
				t.Errorf("second attempt carried %d events, want 6", len(b.Data))
			}
			checkLedgerHoldsSent(t, led, &col)
		})
	}
}

// agingRun returns ten events in one batch, four of them 6d23h30m old, and
// options whose clock moves an hour with every wait between attempts, so
// those four turn stale after the first failed attempt.
// checkLedgerHoldsSent fails unless the ledger holds exactly the events
// that got StatusSent: stale events taken out of a batch must not be
// recorded with it.
func checkLedgerHoldsSent(t *testing.T, led *ledgertest.Mem, col *collector) {
	t.Helper()
	want := map[string]bool{}
	for _, outs := range col.outcomes {
		if outs[0].Status == capi.StatusSent {
			want[outs[0].Event.LedgerKey(testPixel)] = true
		}
	}
	got := map[string]bool{}
	for _, k := range led.Keys() {
		got[k] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
}

func agingRun(col *collector) ([]capi.Event, Options) {
	var clock atomic.Int64
	clock.Store(testNow.Unix())
	evs := makeEvents(10)
	for i := range 4 {
		evs[i].EventTime = testNow.Add(-7*24*time.Hour + 30*time.Minute).Unix()
	}
	opt := col.options(Options{BatchSize: 10})
	opt.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	opt.Backoff = func(int, bool, time.Duration) time.Duration {
		clock.Add(3600)
		return time.Millisecond
	}
	return evs, opt
}

// TestDropStaleAgreesWithCheckTime: dropStale computes the cut once per
// batch; it must take out exactly the events CheckTime calls stale.
func TestDropStaleAgreesWithCheckTime(t *testing.T) {
	t.Parallel()
	maxAge := 7 * 24 * time.Hour
	// A clock on a whole second, and one with a fraction, whose cut
	// falls between two event times.
	for _, nsec := range []int{0, 1, 500_000_000, 999_999_999} {
		now := time.Date(2026, 11, 26, 12, 0, 0, nsec, time.UTC)
		cut := now.Add(-maxAge).Unix()
		var evs []capi.Event
		for _, d := range []int64{-3600, -2, -1, 0, 1, 2, 3600} {
			evs = append(evs, capi.Event{EventID: fmt.Sprint(d), EventTime: cut + d})
		}
		r := &runner{opt: Options{MaxAge: maxAge, Now: func() time.Time { return now }}}
		_, stale := r.dropStale(evs)
		got := map[string]bool{}
		for _, ev := range stale {
			got[ev.EventID] = true
		}
		for _, ev := range evs {
			want := capi.CheckTime(ev.EventTime, now, maxAge) == capi.ReasonStale
			if got[ev.EventID] != want {
				t.Errorf("now +%dns, event at cut%+ss: dropped %v, CheckTime says stale %v", nsec, ev.EventID, got[ev.EventID], want)
			}
		}
	}
}

// A run against an endpoint that keeps failing gives up after GiveUpAfter
// requests in a row failed for good, instead of spending every batch's
// attempts in turn; an acknowledged request starts the count again.
func TestRunGivesUp(t *testing.T) {
	t.Parallel()
	const n, batch, conc, attempts = 300, 10, 2, 2 // 30 batches
	tests := []struct {
		name         string
		script       func(int, http.ResponseWriter, *http.Request, []string) bool
		giveUpAfter  int
		wantGiveUp   bool
		maxRequests  int // at most, when it gives up
		wantRequests int // exactly, when it does not
		wantSent     int
	}{
		// Two rounds of two requests in flight fail, each after 2
		// attempts; the requests of the third round may be under way.
		{name: "5xx, attempts spent", script: always(graph(503, 2, 0, true, "down")),
			wantGiveUp: true, maxRequests: (4 + conc) * attempts},
		{name: "an error not worth a retry", script: always(graph(400, 3, 0, false, "Unknown method")),
			wantGiveUp: true, maxRequests: 4 + conc},
		{name: "a success in between starts the count again", giveUpAfter: 2,
			// Each batch fails its first attempt and every other batch
			// its second as well: never two failed batches in a row.
			script: func(i int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				if i%4 != 0 {
					graphErr(w, 503, 2, 0, true, "flaky")
					return true
				}
				return false
			},
			wantRequests: 60, wantSent: 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEdge(t)
			e.script = tt.script
			var col collector
			c := conc
			if !tt.wantGiveUp {
				c = 1 // the script's pattern needs the requests in order
			}
			opt := col.options(Options{BatchSize: batch, Concurrency: c, MaxAttempts: attempts, GiveUpAfter: tt.giveUpAfter})
			opt.Backoff = func(int, bool, time.Duration) time.Duration { return time.Millisecond }
			var logs bytes.Buffer // slog's handler serializes its writes
			opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			evs := makeEvents(n)
			led := ledgertest.NewMem()
			err := Run(t.Context(), e.client(t, nil), led, feed(t.Context(), evs), opt)
			col.checkOneOutcome(t, evs)
			gu, gaveUp := errors.AsType[*GaveUpError](err)
			if gaveUp != tt.wantGiveUp || (!gaveUp && err != nil) {
				t.Fatalf("Run = %v, want a *GaveUpError: %v", err, tt.wantGiveUp)
			}
			if gaveUp {
				if gu.Requests < 4 || gu.Last == nil || strings.Contains(gu.Error(), "capitest-token") {
					t.Errorf("GaveUpError = %+v", gu)
				}
				if got := e.requests(); got > tt.maxRequests {
					t.Errorf("requests = %d, want at most %d", got, tt.maxRequests)
				}
				if col.statuses[capi.StatusFailed] != n {
					t.Errorf("statuses %v, want all %d failed", col.statuses, n)
				}
				// Each request that failed for good says so in the log, and
				// the run says it gave up.
				if got := strings.Count(logs.String(), "its rows are upload_failed"); got < gu.Requests || !strings.Contains(logs.String(), "giving up") {
					t.Errorf("log has %d failed requests (want %d or more) and a give-up line:\n%s", got, gu.Requests, logs.String())
				}
			} else {
				if got := e.requests(); got != tt.wantRequests {
					t.Errorf("requests = %d, want %d", got, tt.wantRequests)
				}
				if col.statuses[capi.StatusSent] != tt.wantSent {
					t.Errorf("statuses %v, want %d sent", col.statuses, tt.wantSent)
				}
			}
			if led.Len() != col.statuses[capi.StatusSent] {
				t.Errorf("ledger holds %d, want %d (sent)", led.Len(), col.statuses[capi.StatusSent])
			}
		})
	}
}

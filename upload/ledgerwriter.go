package upload

import (
	"capi-upload/capi"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ledgerWriter records acknowledged events in the ledger from its own
// goroutine. A commit waits for the disk (two fsyncs, milliseconds each),
// and a request slot held for that is a request not in flight; the keys
// acknowledged meanwhile go into the next commit, in one transaction.
// The events count as sent at once: Meta has them whatever the disk does,
// and a failed write stops the run as it always did.
//
// Commits start at least LedgerCommitGap apart. An fsync blocks the thread
// that makes it, and with one CPU (GOMAXPROCS 1) the Go scheduler took
// that thread's processor back only now and then: a commit per request,
// a thousand per million events, left the CPU idle for about half a
// second of a 7-second upload. At 50 ms apart (about 100 commits, 290
// fsyncs totalling 0.29 s per million events, strace -T) the CPU still
// idled about 0.12 s per run; at 250 ms (81 fsyncs, 0.11 s), 0.05 s
// (medians of 7 pinned runs). The gap bounds what a crash (not an
// interrupt: Run waits for the last commit) can leave unrecorded; those
// events are sent again by the next run, and Meta deduplicates them by
// event_id.
type ledgerWriter struct {
	l    capi.Ledger
	now  func() time.Time
	fail func(error) // stops the run
	gap  time.Duration
	max  int // queued keys that start a commit before the gap is over

	mu   sync.Mutex
	keys []string // acknowledged, not yet committed
	adds []keyAdd // where each add's keys are in keys, in the order added
	// spare is the slice of the last commit, emptied, for the next keys:
	// growing a new one by appends for every commit was 50 MB of
	// allocation per million events. spareAdds likewise.
	spare     []string
	spareAdds []keyAdd
	// ordered is the loop's buffer for a commit's keys put in request
	// order (inOrder).
	ordered []string
	closed  bool
	err     error // the first failed commit
	wake    chan struct{}
	done    chan struct{}
}

// LedgerCommitGap is the least time between the starts of two ledger
// commits in a run: a crash (kill -9, power loss) can leave the events
// acknowledged in the last LedgerCommitGap unrecorded, besides those in
// flight. commitMax is the queued keys that start a commit sooner.
const (
	LedgerCommitGap = 250 * time.Millisecond
	commitMax       = 100_000
)

func newLedgerWriter(l capi.Ledger, now func() time.Time, fail func(error)) *ledgerWriter {
	return (&ledgerWriter{l: l, now: now, fail: fail, gap: LedgerCommitGap, max: commitMax}).start()
}

// start starts w's goroutine; w's fields are set.
func (w *ledgerWriter) start() *ledgerWriter {
	w.wake, w.done = make(chan struct{}, 1), make(chan struct{})
	go w.loop()
	return w
}

// keyAdd is one add: the request's sequence number and where its keys are.
type keyAdd struct{ seq, from, to int }

// add queues the keys of request seq for the next commit; it never waits
// for the disk.
func (w *ledgerWriter) add(seq int, keys []string) {
	w.mu.Lock()
	// The writer waits for the first keys after a commit, and for the
	// queue to fill; other adds need not wake it.
	signal := len(w.keys) == 0 || len(w.keys) < w.max && len(w.keys)+len(keys) >= w.max
	w.adds = append(w.adds, keyAdd{seq, len(w.keys), len(w.keys) + len(keys)})
	w.keys = append(w.keys, keys...)
	w.mu.Unlock()
	if signal {
		w.signal()
	}
}

func (w *ledgerWriter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// close commits what is queued and returns the first commit error.
func (w *ledgerWriter) close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.signal()
	<-w.done
	return w.err
}

func (w *ledgerWriter) loop() {
	defer close(w.done)
	var last time.Time // when the last commit started
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		w.mu.Lock()
		n, closed := len(w.keys), w.closed
		w.mu.Unlock()
		if n == 0 {
			if closed {
				return
			}
			<-w.wake
			continue
		}
		if wait := w.gap - time.Since(last); wait > 0 && !closed && n < w.max {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-w.wake: // closing, or the queue filled up: look again
				timer.Stop()
			}
			continue
		}
		w.mu.Lock()
		keys, adds := w.keys, w.adds
		w.keys, w.spare = w.spare, nil
		w.adds, w.spareAdds = w.spareAdds, nil
		w.mu.Unlock()
		last = time.Now()
		if w.err == nil {
			commit := w.inOrder(keys, adds)
			if err := w.l.MarkSent(commit, w.now()); err != nil {
				w.err = fmt.Errorf("ledger: record %d sent events: %w", len(keys), err)
				w.fail(w.err)
			}
		}
		// After a failure the keys are dropped: the run is stopping, and
		// the events they name were reported sent, as Meta has them.
		// A Ledger does not keep keys (capi.Ledger.MarkSent), so the slices
		// take the next commit's, without the strings they held.
		clear(keys)
		clear(w.ordered)
		w.mu.Lock()
		if w.keys == nil {
			w.keys, w.adds = keys[:0], adds[:0]
		} else {
			w.spare, w.spareAdds = keys[:0], adds[:0]
		}
		w.mu.Unlock()
	}
}

// inOrder returns a commit's keys with each request's keys in the order
// the requests were made (their sequence numbers), keys itself when they
// already are. Requests in flight together are acknowledged in any order,
// and a commit that takes keys in that order hands the ledger overlapping
// runs of receipt numbers, which it sorts key by key (bench/README.md,
// "Figures"), where in request order the
// keys of a sorted export are one ascending run. The keys of a request
// acknowledged only after a later request's commit sort before the last
// key recorded, and still go to the ledger's journal.
func (w *ledgerWriter) inOrder(keys []string, adds []keyAdd) []string {
	byseq := func(a, b keyAdd) int { return a.seq - b.seq }
	if slices.IsSortedFunc(adds, byseq) {
		return keys
	}
	slices.SortStableFunc(adds, byseq)
	w.ordered = w.ordered[:0]
	for _, a := range adds {
		w.ordered = append(w.ordered, keys[a.from:a.to]...)
	}
	return w.ordered
}

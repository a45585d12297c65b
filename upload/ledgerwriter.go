package upload

import (
	"fmt"
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
	l    Ledger
	now  func() time.Time
	fail func(error) // stops the run
	gap  time.Duration
	max  int // queued keys that start a commit before the gap is over

	mu   sync.Mutex
	keys []string // acknowledged, not yet committed
	// spare is the slice of the last commit, emptied, for the next keys:
	// growing a new one by appends for every commit was 50 MB of
	// allocation per million events.
	spare  []string
	closed bool
	err    error // the first failed commit
	wake   chan struct{}
	done   chan struct{}
}

// LedgerCommitGap is the least time between the starts of two ledger
// commits in a run: a crash (kill -9, power loss) can leave the events
// acknowledged in the last LedgerCommitGap unrecorded, besides those in
// flight. commitMax is the queued keys that start a commit sooner.
const (
	LedgerCommitGap = 250 * time.Millisecond
	commitMax       = 100_000
)

func newLedgerWriter(l Ledger, now func() time.Time, fail func(error)) *ledgerWriter {
	return (&ledgerWriter{l: l, now: now, fail: fail, gap: LedgerCommitGap, max: commitMax}).start()
}

// start starts w's goroutine; w's fields are set.
func (w *ledgerWriter) start() *ledgerWriter {
	w.wake, w.done = make(chan struct{}, 1), make(chan struct{})
	go w.loop()
	return w
}

// add queues keys for the next commit; it never waits for the disk.
func (w *ledgerWriter) add(keys []string) {
	w.mu.Lock()
	// The writer waits for the first keys after a commit, and for the
	// queue to fill; other adds need not wake it.
	signal := len(w.keys) == 0 || len(w.keys) < w.max && len(w.keys)+len(keys) >= w.max
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
		keys := w.keys
		w.keys, w.spare = w.spare, nil
		w.mu.Unlock()
		last = time.Now()
		if w.err == nil {
			if err := w.l.MarkSent(keys, w.now()); err != nil {
				w.err = fmt.Errorf("ledger: record %d sent events: %w", len(keys), err)
				w.fail(w.err)
			}
		}
		// After a failure the keys are dropped: the run is stopping, and
		// the events they name were reported sent, as Meta has them.
		// A Ledger does not keep keys (Ledger.MarkSent), so the slice
		// takes the next commit's, without the strings it held.
		clear(keys)
		w.mu.Lock()
		if w.keys == nil {
			w.keys = keys[:0]
		} else {
			w.spare = keys[:0]
		}
		w.mu.Unlock()
	}
}

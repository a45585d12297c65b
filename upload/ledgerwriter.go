package upload

import (
	"fmt"
	"sync"
	"time"
)

// ledgerWriter records acknowledged events in the ledger from its own
// goroutine. A commit waits for the disk (two fsyncs, milliseconds each),
// and a request slot held for that is a request not in flight; the keys
// acknowledged while one commit runs go into the next, in one transaction.
// The events count as sent at once: Meta has them whatever the disk does,
// and a failed write stops the run as it always did.
type ledgerWriter struct {
	l    Ledger
	now  func() time.Time
	fail func(error) // stops the run

	mu     sync.Mutex
	keys   []string // acknowledged, not yet committed
	closed bool
	err    error // the first failed commit
	wake   chan struct{}
	done   chan struct{}
}

func newLedgerWriter(l Ledger, now func() time.Time, fail func(error)) *ledgerWriter {
	w := &ledgerWriter{l: l, now: now, fail: fail, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.loop()
	return w
}

// add queues keys for the next commit; it never waits for the disk.
func (w *ledgerWriter) add(keys []string) {
	w.mu.Lock()
	w.keys = append(w.keys, keys...)
	w.mu.Unlock()
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
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
	return w.err
}

func (w *ledgerWriter) loop() {
	defer close(w.done)
	for range w.wake {
		for {
			w.mu.Lock()
			keys, closed := w.keys, w.closed
			w.keys = nil // a Ledger may keep the slice it was given
			w.mu.Unlock()
			if len(keys) == 0 {
				if closed {
					return
				}
				break
			}
			if w.err == nil {
				if err := w.l.MarkSent(keys, w.now()); err != nil {
					w.err = fmt.Errorf("ledger: record %d sent events: %w", len(keys), err)
					w.fail(w.err)
				}
			}
			// After a failure the keys are dropped: the run is stopping,
			// and the events they name were reported sent, as Meta has
			// them.
		}
	}
}

package capi

import "time"

// Ledger remembers which events were acknowledged, across runs: keys are
// Event.LedgerKey values. Package ledger keeps it in a file; ledgertest.Mem
// in memory. The uploader asks SeenAll once per batch and calls MarkSent
// from one goroutine, reusing keys after it returns.
type Ledger interface {
	// SeenAll sets seen[i] to whether keys[i] was sent by an earlier run:
	// recorded before this ledger was opened. len(seen) >= len(keys).
	// Keys this handle recorded itself need not be seen until the ledger
	// is opened again: a run never asks about them, because it rejects a
	// repeated event before it reaches the uploader (duplicate_event_id),
	// and so a run's memory is the ledger it found, not the events it
	// sends.
	SeenAll(keys []string, seen []bool) error
	// MarkSent records keys as sent at t, on disk when it returns; it keeps no key.
	MarkSent(keys []string, t time.Time) error
	Close() error
}

package capi

import "time"

// Ledger remembers which events were acknowledged, across runs: keys are
// Event.LedgerKey values. Package ledger keeps it in a file; ledgertest.Mem
// in memory. The uploader asks SeenAll once per batch and calls MarkSent
// from one goroutine, reusing keys after it returns.
type Ledger interface {
	// SeenAll sets seen[i] to whether keys[i] was sent before, len(seen) >= len(keys).
	SeenAll(keys []string, seen []bool) error
	// MarkSent records keys as sent at t, on disk when it returns; it keeps no key.
	MarkSent(keys []string, t time.Time) error
	Close() error
}

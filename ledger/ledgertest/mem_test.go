package ledgertest

import (
	"capi-upload/capi"
	"testing"
	"time"
)

func TestMem(t *testing.T) {
	Run(t, func(t *testing.T) *Store {
		m := NewMem()
		m.Close() // NewMem's handle prunes nothing; the suite's have clocks
		return &Store{
			Open: func(t *testing.T, readOnly bool, now func() time.Time) (capi.Ledger, error) {
				return m.Reopen(readOnly, now)
			},
			Crash: func(t *testing.T, l capi.Ledger) {
				l.(*Mem).f.mu.Lock()
				l.(*Mem).release()
				l.(*Mem).f.mu.Unlock()
			},
			Damage: func(t *testing.T) { m.f.damaged = true },
			Path:   "(memory)",
		}
	})
}

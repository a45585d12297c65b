package ledgertest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger"
)

// Mem is a capi.Ledger in memory, for tests of the packages that use
// one. It behaves as ledger.Bolt does (Run holds both to it): Reopen
// opens the same records again as a later run would, a handle open for
// writing locks out the others, and Close prunes by the handle's clock.
type Mem struct {
	f        *memFile
	readOnly bool
	now      func() time.Time // nil: Close prunes nothing
	keep     time.Duration
	closed   bool
}

// memFile is what a Bolt ledger's file holds, and its lock.
type memFile struct {
	mu      sync.Mutex
	sent    map[string]time.Time
	by      map[string]*Mem // the handle that recorded each key
	writer  bool            // a handle open for writing holds the lock
	readers int
	damaged bool
}

var _ capi.Ledger = (*Mem)(nil)

// NewMem returns a new, empty ledger in memory, open for writing; its
// Close prunes nothing.
func NewMem() *Mem {
	return &Mem{f: &memFile{sent: map[string]time.Time{}, by: map[string]*Mem{}, writer: true}, keep: ledger.Retention}
}

// Reopen opens m's records as another run would, with its own lock and
// clock: a *LockedError while a handle for writing is open (or, for
// writing, any handle).
func (m *Mem) Reopen(readOnly bool, now func() time.Time) (*Mem, error) {
	f := m.f
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.damaged:
		return nil, &ledger.CorruptError{Path: "(memory)", Err: errors.New("damaged")}
	case f.writer || !readOnly && f.readers > 0:
		return nil, &ledger.LockedError{Path: "(memory)"}
	case readOnly:
		f.readers++
	default:
		f.writer = true
	}
	return &Mem{f: f, readOnly: readOnly, now: now, keep: ledger.Retention}, nil
}

// SeenAll sets seen[i] to whether keys[i] was recorded as sent by another
// handle, an earlier run's.
func (m *Mem) SeenAll(keys []string, seen []bool) error {
	if len(seen) < len(keys) {
		return fmt.Errorf("ledger: %d results for %d keys", len(seen), len(keys))
	}
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	for i, k := range keys {
		// As ledger.Bolt: what this handle recorded is seen once the
		// ledger is opened again, not before (capi.Ledger).
		_, sent := m.f.sent[k]
		seen[i] = sent && m.f.by[k] != m
	}
	return nil
}

// MarkSent records keys as sent at t.
func (m *Mem) MarkSent(keys []string, t time.Time) error {
	if m.readOnly || m.closed {
		return errors.New("ledger (memory) is not open for writing")
	}
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	for _, k := range keys {
		m.f.sent[k] = t
		m.f.by[k] = m
	}
	return nil
}

// Retain keeps records for at least d plus a day, as ledger.Bolt's does.
func (m *Mem) Retain(d time.Duration) { m.keep = max(m.keep, d+24*time.Hour) }

// Len returns how many keys m holds.
func (m *Mem) Len() int {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	return len(m.f.sent)
}

// Close prunes as ledger.Bolt's does (whole UTC days past the retention), unless
// read-only, and releases the lock.
func (m *Mem) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	if !m.readOnly && m.now != nil {
		cut := m.now().Add(-m.keep)
		for k, t := range m.f.sent {
			if day := t.UTC().Truncate(24 * time.Hour); !day.Add(24 * time.Hour).After(cut) {
				delete(m.f.sent, k)
				delete(m.f.by, k)
			}
		}
	}
	m.release()
	return nil
}

// release gives up m's lock, as a process's end (kill -9 too) does.
func (m *Mem) release() {
	if m.readOnly {
		m.f.readers--
	} else {
		m.f.writer = false
	}
}

// Keys returns the keys m holds, sorted.
func (m *Mem) Keys() []string {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	return slices.Sorted(maps.Keys(m.f.sent))
}

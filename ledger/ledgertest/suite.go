// Package ledgertest holds what tests need of ledgers: Run, the
// conformance suite every capi.Ledger passes (restic's backend tests are
// the model), and Mem, a ledger in memory that passes it, for the tests of
// packages that use a ledger.
package ledgertest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger"
)

// Store is one ledger as Run sees it, opened again and again as runs do.
type Store struct {
	// Open opens the ledger as a run would.
	Open func(t *testing.T, readOnly bool, now func() time.Time) (capi.Ledger, error)
	// Crash abandons l, open for writing, as kill -9 would: no Close, and
	// the next Open sees only what is on disk.
	Crash func(t *testing.T, l capi.Ledger)
	// Damage damages what the next Open reads.
	Damage func(t *testing.T)
	// Path is what LockedError and CorruptError name.
	Path string
}

// Run runs the suite, each case on a new Store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) *Store) {
	wall := time.Now()
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, s *Store)
	}{
		{"RecordSeen", testRecordSeen},
		{"PruneClockNow", func(t *testing.T, s *Store) { testPrune(t, s, wall) }},
		{"PruneClockYearAhead", func(t *testing.T, s *Store) { testPrune(t, s, wall.AddDate(1, 0, 0)) }},
		{"PruneClockYearBehind", func(t *testing.T, s *Store) { testPrune(t, s, wall.AddDate(-1, 0, 0)) }},
		{"Retain", testRetain},
		{"Crash", testCrash},
		{"Locked", testLocked},
		{"ReadOnly", testReadOnly},
		{"Damaged", testDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newStore(t))
		})
	}
}

// Keys returns n ledger keys of the event ids prefix0 … prefix(n-1).
func Keys(prefix string, n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = fmt.Sprintf("1234567890\x00Purchase\x00%s%d", prefix, i)
	}
	return k
}

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustOpen(t *testing.T, s *Store, readOnly bool, now time.Time) capi.Ledger {
	t.Helper()
	l, err := s.Open(t, readOnly, clock(now))
	if err != nil {
		t.Fatalf("Open(readOnly %v) = %v", readOnly, err)
	}
	return l
}

func mustClose(t *testing.T, l capi.Ledger) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
}

// expectSeen checks what l says of keys.
func expectSeen(t *testing.T, l capi.Ledger, keys []string, want bool) {
	t.Helper()
	seen := make([]bool, len(keys)+1) // longer than keys is allowed
	if err := l.SeenAll(keys, seen); err != nil {
		t.Fatalf("SeenAll = %v", err)
	}
	for i, k := range keys {
		if seen[i] != want {
			t.Fatalf("SeenAll: %q seen %v, want %v", k, seen[i], want)
		}
	}
}

func testRecordSeen(t *testing.T, s *Store) {
	now := time.Now()
	l := mustOpen(t, s, false, now)
	a, b := Keys("a", 1500), Keys("b", 10)
	expectSeen(t, l, a, false)
	for _, part := range [][]string{a[:1000], a[1000:], a[:3]} { // a key twice is allowed
		if err := l.MarkSent(part, now); err != nil {
			t.Fatalf("MarkSent = %v", err)
		}
	}
	if err := l.MarkSent(nil, now); err != nil {
		t.Fatalf("MarkSent(nil) = %v", err)
	}
	// A handle's own records are seen from the next open on (capi.Ledger):
	// the set it answers from is the ledger it opened, so an upload's
	// memory does not grow with the events it sends.
	expectSeen(t, l, a, false)
	expectSeen(t, l, b, false)
	mustClose(t, l)
	for _, ro := range []bool{false, true} {
		l := mustOpen(t, s, ro, now)
		expectSeen(t, l, a, true)
		expectSeen(t, l, b, false)
		if ro && l.MarkSent(b, now) == nil {
			t.Error("MarkSent on a read-only ledger succeeded")
		}
		mustClose(t, l)
	}
}

// testPrune records keys at now and reopens the ledger on later clocks:
// kept 8 days at least, gone after 9, judged by the clock passed in.
func testPrune(t *testing.T, s *Store, now time.Time) {
	l := mustOpen(t, s, false, now)
	keys := Keys("p", 5)
	if err := l.MarkSent(keys, now); err != nil {
		t.Fatal(err)
	}
	mustClose(t, l)
	for _, step := range []struct {
		after time.Duration
		seen  bool
	}{{time.Hour, true}, {ledger.Retention - time.Minute, true}, {ledger.Retention + 24*time.Hour + time.Minute, true}, {0, false}} {
		l := mustOpen(t, s, false, now.Add(step.after))
		expectSeen(t, l, keys, step.seen) // the last step sees the prune of the one before
		mustClose(t, l)
	}
}

// testRetain: a longer --max-age keeps records longer.
func testRetain(t *testing.T, s *Store) {
	now := time.Now()
	l := mustOpen(t, s, false, now)
	keys := Keys("r", 3)
	if err := l.MarkSent(keys, now); err != nil {
		t.Fatal(err)
	}
	mustClose(t, l)
	later := now.Add(20 * 24 * time.Hour)
	l = mustOpen(t, s, false, later)
	l.(interface{ Retain(time.Duration) }).Retain(30 * 24 * time.Hour)
	mustClose(t, l)
	l = mustOpen(t, s, true, later)
	expectSeen(t, l, keys, true)
	mustClose(t, l)
}

// testCrash: what MarkSent returned for is there after kill -9, and the
// lock went with the process.
func testCrash(t *testing.T, s *Store) {
	now := time.Now()
	l := mustOpen(t, s, false, now)
	keys := Keys("c", 100)
	if err := l.MarkSent(keys, now); err != nil {
		t.Fatal(err)
	}
	s.Crash(t, l)
	l = mustOpen(t, s, false, now)
	expectSeen(t, l, keys, true)
	mustClose(t, l)
}

// testLocked: a second run, reading or writing, is told at once that the
// ledger is locked, naming it.
func testLocked(t *testing.T, s *Store) {
	now := time.Now()
	l := mustOpen(t, s, false, now)
	defer mustClose(t, l)
	for _, ro := range []bool{false, true} {
		start := time.Now()
		l2, err := s.Open(t, ro, clock(now))
		if err == nil {
			l2.Close()
		}
		le, ok := errors.AsType[*ledger.LockedError](err)
		if !ok || le.Path != s.Path || !strings.Contains(err.Error(), s.Path) {
			t.Errorf("second Open(readOnly %v) = %v, want a *LockedError naming %s", ro, err, s.Path)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v to report the lock", d)
		}
	}
}

// testReadOnly: readers share the ledger, and lock out a writer.
func testReadOnly(t *testing.T, s *Store) {
	now := time.Now()
	mustClose(t, mustOpen(t, s, false, now))
	r1 := mustOpen(t, s, true, now)
	r2 := mustOpen(t, s, true, now)
	if l, err := s.Open(t, false, clock(now)); err == nil {
		l.Close()
		t.Error("Open for writing while read-only handles are open succeeded")
	}
	mustClose(t, r1)
	mustClose(t, r2)
}

// testDamaged: a damaged ledger is a *CorruptError naming it and the way
// out, read-only or not, never an empty ledger.
func testDamaged(t *testing.T, s *Store) {
	now := time.Now()
	l := mustOpen(t, s, false, now)
	if err := l.MarkSent(Keys("d", 10), now); err != nil {
		t.Fatal(err)
	}
	mustClose(t, l)
	s.Damage(t)
	for _, ro := range []bool{true, false} {
		l, err := s.Open(t, ro, clock(now))
		if err == nil {
			l.Close()
		}
		ce, ok := errors.AsType[*ledger.CorruptError](err)
		if !ok || ce.Path != s.Path || !strings.Contains(err.Error(), "move it aside") {
			t.Errorf("Open(readOnly %v) of a damaged ledger = %v, want a *CorruptError with the way out", ro, err)
		}
	}
}

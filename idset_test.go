package main

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestIDSet checks the open-addressing set against a map through several
// growths, with repeats, the reserved value 0 and keys that collide in
// the low bits.
func TestIDSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  func(r *rand.Rand) uint64
	}{
		{"random", func(r *rand.Rand) uint64 { return r.Uint64N(50_000) * 0x9E3779B97F4A7C15 }},
		{"low bits equal", func(r *rand.Rand) uint64 { return r.Uint64N(20_000) << 32 }},
		{"small with zero", func(r *rand.Rand) uint64 { return r.Uint64N(3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			s := newIDSet()
			defer s.close()
			want := map[uint64]bool{}
			for i := range 60_000 {
				k := tt.key(r)
				norm := k
				if norm == 0 {
					norm = 1
				}
				got, err := s.addHash(k)
				if err != nil {
					t.Fatal(err)
				}
				if got == want[norm] {
					t.Fatalf("add #%d of %#x = %v; a map says new=%v", i, k, got, !want[norm])
				}
				want[norm] = true
			}
			if s.n != len(want) {
				t.Errorf("set holds %d keys; want %d", s.n, len(want))
			}
		})
	}
}

func TestIDSetAddByParts(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	defer s.close()
	add := func(pixel, name, id string) bool {
		t.Helper()
		ok, err := s.add(pixel, name, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !add("1", "Purchase", "r1") || add("1", "Purchase", "r1") {
		t.Fatal("the same ledger key is not found a second time")
	}
	// The parts are separated, so moving a byte between them is another key.
	if !add("1", "Purchaser", "1") || !add("1", "Purchase", "1") || !add("2", "Purchase", "r1") {
		t.Fatal("a different ledger key was taken for a duplicate")
	}
}

func BenchmarkIDSet(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = "R" + strconv.Itoa(10_000_000+i)
	}
	b.ReportAllocs()
	s := newIDSet()
	i := 0
	for b.Loop() {
		s.add("123456789012345", "Purchase", ids[i&(len(ids)-1)])
		i++
	}
}

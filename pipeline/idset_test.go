package pipeline

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// addHash inserts the hash k as add inserts a key's, and reports whether
// it was absent: tests choose the hashes, to collide.
func (s *idSet) addHash(k uint64) bool {
	return s.addMixed(mix(k))
}

// TestIDSet checks the set against a map, as its table grows from
// idFirstSlots, with repeats, the reserved value 0 and keys that collide
// in the low bits.
func TestIDSet(t *testing.T) {
	t.Parallel()
	keys := []struct {
		name string
		key  func(r *rand.Rand) uint64
	}{
		{"random", func(r *rand.Rand) uint64 { return r.Uint64N(20_000) * 0x9E3779B97F4A7C15 }},
		{"low bits equal", func(r *rand.Rand) uint64 { return r.Uint64N(20_000) << 32 }},
		{"small with zero", func(r *rand.Rand) uint64 { return r.Uint64N(3) }},
	}
	for _, kk := range keys {
		t.Run(kk.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			s := newIDSet()
			want := map[uint64]bool{}
			// Keys come in chunks, as readAll adds them, and each
			// chunk is prefetched first, with a 0 for a row that
			// made no event: prefetch must not change an answer.
			chunk := make([]uint64, 0, 513)
			for i := 0; i < 30_000; i += 512 {
				chunk = append(chunk[:0], 0)
				for range min(512, 30_000-i) {
					chunk = append(chunk, kk.key(r))
				}
				mixed := make([]uint64, len(chunk))
				for j, k := range chunk[1:] {
					mixed[j+1] = mix(k)
				}
				s.prefetch(mixed)
				for j, k := range chunk[1:] {
					norm := max(k, 1)
					if got := s.addHash(k); got == want[norm] {
						t.Fatalf("add #%d of %#x = %v; a map says new=%v", i+j, k, got, !want[norm])
					}
					want[norm] = true
				}
			}
			if s.n != len(want) {
				t.Errorf("set holds %d keys; want %d", s.n, len(want))
			}
			if grew := s.size > idFirstSlots; grew != (len(want) > idFirstSlots*3/4) {
				t.Errorf("table of %d home slots for %d keys", s.size, len(want))
			}
		})
	}
}

func TestIDSetAddByParts(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	add := s.add
	if !add("1", "Purchase", "r1") || add("1", "Purchase", "r1") {
		t.Fatal("the same ledger key is not found a second time")
	}
	// The parts are separated, so moving a byte between them is another key.
	if !add("1", "Purchaser", "1") || !add("1", "Purchase", "1") || !add("2", "Purchase", "r1") {
		t.Fatal("a different ledger key was taken for a duplicate")
	}
}

// TestIDSetOverflow fills the slots after one home to the end of the
// table, which grows the table before it is 3/4 full.
func TestIDSetOverflow(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	pad := 64 + idFirstSlots/64
	// Top 12 bits set: every key's home is the last one, so 1 + pad fit.
	const top = 0xFFF0_0000_0000_0000
	for i := uint64(1); i <= uint64(pad)+10; i++ {
		if !s.addMixed(top | i) {
			t.Fatalf("addMixed(%#x) = false; want true", top|i)
		}
	}
	if s.size != 2*idFirstSlots || s.n != pad+10 {
		t.Fatalf("table of %d home slots holding %d keys; want %d and %d", s.size, s.n, 2*idFirstSlots, pad+10)
	}
	for i := uint64(1); i <= uint64(pad)+10; i++ {
		if s.addMixed(top | i) {
			t.Fatalf("second addMixed(%#x) = true; want false", top|i)
		}
	}
}

// BenchmarkIDSet times one add of a new key, in a set of at most 500,000
// keys, and the adds of a 5-million-row file with the table's size.
func BenchmarkIDSet(b *testing.B) {
	ids := make([]string, 1<<20)
	for i := range ids {
		ids[i] = "R" + strconv.Itoa(10_000_000+i)
	}
	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		s := newIDSet()
		i := 0
		for b.Loop() {
			if s.n == 500_000 { // a file that fits in memory
				s = newIDSet()
			}
			s.add("123456789012345", "Purchase", ids[i&(len(ids)-1)])
			i++
		}
	})
	// As readAll adds keys: a chunk of 512 at a time, prefetched first.
	b.Run("memory prefetched", func(b *testing.B) {
		b.ReportAllocs()
		s := newIDSet()
		keys := make([]uint64, 512)
		i := 0
		for b.Loop() {
			j := i % len(keys)
			if j == 0 {
				if s.n >= 500_000 {
					s = newIDSet()
				}
				for j := range keys {
					keys[j] = s.key("123456789012345", "Purchase", ids[(i+j)&(len(ids)-1)])
				}
				s.prefetch(keys)
			}
			s.addMixed(keys[j])
			i++
		}
	})
	for _, n := range []int{1_000_000, 5_000_000} {
		b.Run(strconv.Itoa(n)+" keys", func(b *testing.B) {
			var s *idSet
			for b.Loop() {
				s = newIDSet()
				for k := range uint64(n) {
					s.addHash(k + 1)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
			b.ReportMetric(float64(len(s.slots)*8)/(1<<20), "MiB")
		})
	}
}

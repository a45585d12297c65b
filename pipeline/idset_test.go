package pipeline

import (
	"errors"
	"io/fs"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// addHash inserts the hash k as add inserts a key's, and reports whether
// it was absent: tests choose the hashes, to collide or to spill.
func (s *idSet) addHash(k uint64) (bool, error) {
	return s.addMixed(mix(k))
}

// mustAdd adds k and fails the test on an error.
func mustAdd(t testing.TB, s *idSet, k uint64) bool {
	t.Helper()
	ok, err := s.addHash(k)
	if err != nil {
		t.Fatalf("addHash(%#x): %v", k, err)
	}
	return ok
}

// closeSet closes s at the end of the test and checks it succeeds.
func closeSet(t testing.TB, s *idSet) {
	t.Helper()
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
}

// TestIDSet checks the set against a map, in memory, across many spills,
// with a Bloom filter so small that every lookup goes to disk, with
// repeats, the reserved value 0 and keys that collide in the low bits.
func TestIDSet(t *testing.T) {
	t.Parallel()
	sizes := []struct {
		name        string
		maxSlots    int
		bloomBlocks int
		spills      bool
	}{
		{"memory", idMaxSlots, idBloomBytes / 32, false},
		{"spilled", 256, 1024, true},
		{"bigger table", 4096, 64, true},
		{"one-block Bloom filter", 256, 1, true},
	}
	keys := []struct {
		name string
		key  func(r *rand.Rand) uint64
	}{
		{"random", func(r *rand.Rand) uint64 { return r.Uint64N(20_000) * 0x9E3779B97F4A7C15 }},
		{"low bits equal", func(r *rand.Rand) uint64 { return r.Uint64N(20_000) << 32 }},
		{"small with zero", func(r *rand.Rand) uint64 { return r.Uint64N(3) }},
	}
	for _, sz := range sizes {
		for _, kk := range keys {
			t.Run(sz.name+"/"+kk.name, func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(1, 2))
				s := newIDSetSize(sz.maxSlots, sz.bloomBlocks, t.TempDir())
				closeSet(t, s)
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
						if got := mustAdd(t, s, k); got == want[norm] {
							t.Fatalf("add #%d of %#x = %v; a map says new=%v", i+j, k, got, !want[norm])
						}
						want[norm] = true
					}
				}
				onDisk := 0
				for _, r := range s.runs {
					onDisk += r.n
				}
				if s.n+onDisk != len(want) {
					t.Errorf("set holds %d keys in memory and %d on disk; want %d in all", s.n, onDisk, len(want))
				}
				if spilled := len(s.runs) > 0; spilled != (sz.spills && len(want) > sz.maxSlots) {
					t.Errorf("set has %d runs; want spills %v", len(s.runs), sz.spills)
				}
			})
		}
	}
}

func TestIDSetAddByParts(t *testing.T) {
	t.Parallel()
	s := newIDSet()
	closeSet(t, s)
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

// TestIDSetStraddle repeats keys that sit in each tier: in the oldest run,
// in the newest, in the table, and keys never seen.
func TestIDSetStraddle(t *testing.T) {
	t.Parallel()
	// A table of 64 slots spills every 48 keys; 5 spills leave runs of
	// 4×48 and 48 keys (binary 101) and 8 keys in the table.
	s := newIDSetSize(64, 64, t.TempDir())
	closeSet(t, s)
	for k := uint64(1); k <= 5*48+8; k++ {
		if !mustAdd(t, s, k) {
			t.Fatalf("addHash(%d) on first sight = false; want true", k)
		}
	}
	var lens []int
	for _, r := range s.runs {
		lens = append(lens, r.n)
	}
	if want := []int{4 * 48, 48}; !slices.Equal(lens, want) || s.n != 8 {
		t.Fatalf("runs of %v keys and %d in the table; want %v and 8", lens, s.n, want)
	}
	tests := []struct {
		name   string
		lo, hi uint64
		want   bool
	}{
		{"oldest run", 1, 4 * 48, false},
		{"newest run", 4*48 + 1, 5 * 48, false},
		{"table", 5*48 + 1, 5*48 + 8, false},
		{"new", 1000, 1030, true},
		{"new again", 1000, 1030, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := tt.lo; k <= tt.hi; k++ {
				if got := mustAdd(t, s, k); got != tt.want {
					t.Fatalf("addHash(%d) = %v; want %v", k, got, tt.want)
				}
			}
		})
	}
}

// TestIDSetRuns checks that equal runs merge as a binary counter carries,
// and that every run is sorted, holds distinct hashes and has the right
// fences.
func TestIDSetRuns(t *testing.T) {
	t.Parallel()
	for spills := 1; spills <= 9; spills++ {
		t.Run(strconv.Itoa(spills), func(t *testing.T) {
			t.Parallel()
			s := newIDSetSize(64, 64, t.TempDir())
			closeSet(t, s)
			r := rand.New(rand.NewPCG(uint64(spills), 7))
			// Enough keys for spills spills and one in the table.
			for s.n != 1 || spillsOf(s) != spills {
				if len(s.runs) > 0 && spillsOf(s) > spills {
					t.Fatalf("%d spills; want %d", spillsOf(s), spills)
				}
				mustAdd(t, s, r.Uint64())
			}
			if len(s.runs) != bits.OnesCount(uint(spills)) {
				t.Errorf("%d runs after %d spills; want %d", len(s.runs), spills, bits.OnesCount(uint(spills)))
			}
			var all []uint64
			for i, run := range s.runs {
				if i > 0 && s.runs[i-1].n <= run.n {
					t.Errorf("run %d has %d keys, run %d before it %d; want fewer than before", i, run.n, i-1, s.runs[i-1].n)
				}
				keys := readRun(t, run)
				if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
					t.Errorf("run %d is not strictly ascending", i)
				}
				var fences []uint64
				for j := 0; j < len(keys); j += idBlockKeys {
					fences = append(fences, keys[j])
				}
				if !slices.Equal(run.fences, fences) || run.last != keys[len(keys)-1] {
					t.Errorf("run %d: fences %x last %x; want %x and %x", i, run.fences, run.last, fences, keys[len(keys)-1])
				}
				all = append(all, keys...)
			}
			slices.Sort(all)
			if len(slices.Compact(all)) != 48*spills {
				t.Errorf("runs hold %d distinct keys; want %d", len(all), 48*spills)
			}
		})
	}
}

// spillsOf counts the tables s has spilled: runs hold 48 keys per spill.
func spillsOf(s *idSet) int {
	n := 0
	for _, r := range s.runs {
		n += r.n
	}
	return n / 48
}

func readRun(t *testing.T, r *idRun) []uint64 {
	t.Helper()
	c := newRunCursor(r)
	var keys []uint64
	for v, ok := c.next(); ok; v, ok = c.next() {
		keys = append(keys, v)
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	if len(keys) != r.n {
		t.Fatalf("run holds %d keys; want %d", len(keys), r.n)
	}
	return keys
}

// TestIDSetLongRuns checks lookups in runs of many blocks, where the
// fences and the block read matter, for keys on fences, between them,
// before the first and after the last.
func TestIDSetLongRuns(t *testing.T) {
	t.Parallel()
	s := newIDSetSize(1<<14, 1, t.TempDir()) // spills every 12,288 keys
	closeSet(t, s)
	const n = 3*12_288 + 1
	for i := uint64(1); i <= n; i++ {
		mustAdd(t, s, 2*i) // even keys only
	}
	if len(s.runs) != 2 || s.runs[0].n != 2*12_288 || len(s.runs[0].fences) != 2*12_288/idBlockKeys {
		t.Fatalf("%d runs; want 2, the first of 48 blocks", len(s.runs))
	}
	// Every even key is a duplicate, every odd one new, whether it falls
	// on a fence, inside a block or outside a run's range.
	for i := uint64(1); i <= n; i++ {
		if mustAdd(t, s, 2*i) {
			t.Fatalf("addHash(%d) = true for a key added before", 2*i)
		}
		if !mustAdd(t, s, 2*i+1) {
			t.Fatalf("addHash(%d) = false for a new key", 2*i+1)
		}
	}
}

// TestIDSetOverflow fills the slots after one home to the end of the
// table, which spills the table before it is 3/4 full.
func TestIDSetOverflow(t *testing.T) {
	t.Parallel()
	s := newIDSetSize(idFirstSlots, 64, t.TempDir())
	closeSet(t, s)
	pad := 64 + idFirstSlots/64
	// Top 12 bits set: every key's home is the last one, so 1 + pad fit.
	const top = 0xFFF0_0000_0000_0000
	for i := uint64(1); i <= uint64(pad)+10; i++ {
		if ok, err := s.addMixed(top | i); !ok || err != nil {
			t.Fatalf("addMixed(%#x) = %v, %v; want true", top|i, ok, err)
		}
	}
	if len(s.runs) != 1 || s.runs[0].n != pad+1 || s.n != 9 {
		t.Fatalf("%d runs and %d keys in the table; want one run of %d and 9", len(s.runs), s.n, pad+1)
	}
	for i := uint64(1); i <= uint64(pad)+10; i++ {
		if ok, err := s.addMixed(top | i); ok || err != nil {
			t.Fatalf("second addMixed(%#x) = %v, %v; want false", top|i, ok, err)
		}
	}
}

// TestIDSetBloomFalsePositives forces false positives with a filter of
// one block: keys the filter says "maybe" to are new all the same.
func TestIDSetBloomFalsePositives(t *testing.T) {
	t.Parallel()
	s := newIDSetSize(256, 1, t.TempDir()) // spills every 192 keys
	closeSet(t, s)
	for k := uint64(1); k <= 193; k++ {
		mustAdd(t, s, k)
	}
	if len(s.runs) != 1 {
		t.Fatalf("%d runs; want 1", len(s.runs))
	}
	falsePos := 0
	for k := uint64(1000); k < 1040; k++ {
		if s.bloomHas(k * 0x9E3779B97F4A7C15) {
			falsePos++
		}
		if !mustAdd(t, s, k) {
			t.Fatalf("addHash(%d) = false for a key never added", k)
		}
	}
	if falsePos < 30 {
		t.Errorf("a one-block filter over 192 keys said maybe to %d of 40 new keys; want most", falsePos)
	}
}

// TestIDSetBloom checks the filter alone: no false negatives, and about
// the false-positive rate its size promises.
func TestIDSetBloom(t *testing.T) {
	t.Parallel()
	s := newIDSetSize(64, 1<<12, "")
	s.bloom = make([]uint64, 4*s.bloomBlocks) // 128 KiB
	r := rand.New(rand.NewPCG(3, 4))
	const n = 80_000 // 13 bits per key
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = r.Uint64()
		s.bloomAdd(keys[i])
	}
	for _, k := range keys {
		if !s.bloomHas(k) {
			t.Fatalf("bloomHas(%#x) = false for a key added", k)
		}
	}
	falsePos := 0
	for range n {
		if s.bloomHas(r.Uint64()) {
			falsePos++
		}
	}
	// A split-block filter at 13 bits per key: about 0.3%.
	if rate := float64(falsePos) / n; rate > 0.01 {
		t.Errorf("false-positive rate %.4f; want below 0.01", rate)
	}
}

// TestIDSetIOError: a failing temporary file makes add return an error,
// and every add after it, rather than a guess.
func TestIDSetIOError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// breakIt prepares a set and returns the add that fails.
		breakIt func(t *testing.T, dir string) (*idSet, func() (bool, error))
		want    error
	}{
		{
			name: "temp dir missing",
			breakIt: func(t *testing.T, dir string) (*idSet, func() (bool, error)) {
				s := newIDSetSize(64, 16, filepath.Join(dir, "nosuch"))
				for k := uint64(1); k <= 48; k++ {
					mustAdd(t, s, k)
				}
				return s, func() (bool, error) { return s.addHash(49) } // spills
			},
			want: fs.ErrNotExist,
		},
		{
			name: "run unreadable",
			breakIt: func(t *testing.T, dir string) (*idSet, func() (bool, error)) {
				s := newIDSetSize(64, 1, dir)
				for k := uint64(1); k <= 49; k++ {
					if ok, err := s.addMixed(k << 40); !ok || err != nil {
						t.Fatalf("addMixed = %v, %v", ok, err)
					}
				}
				s.runs[0].f.Close()
				for i := range s.bloom {
					s.bloom[i] = ^uint64(0) // "maybe" to everything
				}
				// Inside the run's range and not a fence: a block is read.
				return s, func() (bool, error) { return s.addMixed(5<<40 + 1) }
			},
			want: os.ErrClosed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, add := tt.breakIt(t, t.TempDir())
			t.Cleanup(func() { s.close() })
			ok, err := add()
			if !errors.Is(err, tt.want) || ok {
				t.Fatalf("add = %v, %v; want false, %v", ok, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "duplicate-id set: ") {
				t.Errorf("error %q does not say where it came from", err)
			}
			if ok, err2 := s.addHash(12345); ok || !errors.Is(err2, tt.want) {
				t.Errorf("add after the error = %v, %v; want false, %v", ok, err2, err)
			}
		})
	}
}

// TestIDSetTempFiles: nothing is left in the temporary directory, and
// where open files can be removed (not Windows) not even while the set is
// in use.
func TestIDSetTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newIDSetSize(64, 16, dir)
	for k := uint64(1); k <= 1000; k++ {
		mustAdd(t, s, k)
	}
	if len(s.runs) == 0 {
		t.Fatal("no spill")
	}
	files := func() []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	if got := files(); runtime.GOOS != "windows" && len(got) != 0 {
		t.Errorf("while in use, the temp dir holds %v; want nothing", got)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 0 {
		t.Errorf("after close, the temp dir holds %v; want nothing", got)
	}
	if ok, err := s.addHash(1); ok || !errors.Is(err, errIDSetClosed) {
		t.Errorf("add after close = %v, %v; want false, %v", ok, err, errIDSetClosed)
	}
}

// BenchmarkIDSet times one add of a new key: in the table of a small run,
// and in a run that has spilled 3 million keys, where each add also asks
// the Bloom filter and pays its share of the spills and merges.
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
				s.close()
				s = newIDSet()
			}
			s.add("123456789012345", "Purchase", ids[i&(len(ids)-1)])
			i++
		}
		s.close()
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
					s.close()
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
		s.close()
	})
	b.Run("spilled", func(b *testing.B) {
		b.ReportAllocs()
		s := newIDSet()
		defer s.close()
		r := rand.New(rand.NewPCG(5, 6))
		for range 3_000_000 {
			if _, err := s.addHash(r.Uint64()); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			if _, err := s.addHash(r.Uint64()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(s.runs)), "runs")
	})
	b.Run("duplicate on disk", func(b *testing.B) {
		b.ReportAllocs()
		s := newIDSet()
		defer s.close()
		for k := range uint64(2_000_000) {
			if _, err := s.addHash(k + 1); err != nil {
				b.Fatal(err)
			}
		}
		k := uint64(0)
		for b.Loop() {
			if _, err := s.addHash(k%1_000_000 + 1); err != nil {
				b.Fatal(err)
			}
			k++
		}
	})
}

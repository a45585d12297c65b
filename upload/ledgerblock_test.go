package upload

import (
	"encoding/binary"
	"slices"
	"testing"
)

func testRecords(keys ...string) []record {
	recs := make([]record, len(keys))
	for i, k := range keys {
		recs[i] = record{k, int64(1_800_000_000 + i)}
	}
	return recs
}

// TestBlockSearch: every key of a block is found with its time, keys
// between, before and after them are not, whatever the hint.
func TestBlockSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		keys    []string
		missing []string
	}{
		{"one key", []string{"p\x00Purchase\x00a"}, []string{"", "p\x00Purchase\x00", "p\x00Purchase\x00b", "p\x00Purchase\x00a\x00"}},
		{"shared prefix", []string{"p\x00Purchase\x00R01", "p\x00Purchase\x00R02", "p\x00Purchase\x00R10"}, []string{"p\x00Purchase\x00R0", "p\x00Purchase\x00R03", "p\x00Purchase\x00R1", "p\x00Purchase\x00R11", "q"}},
		{"no prefix", []string{"a", "b", "b\x00", "ba", "\xff"}, []string{"", "a\x00", "b\x00\x00", "c", "\xff\xff"}},
		{"key is the prefix", []string{"ab", "abc", "abd"}, []string{"a", "abb", "abca"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := testRecords(tt.keys...)
			blk, err := parseBlock(encodeBlock(recs))
			if err != nil {
				t.Fatal(err)
			}
			if err := blk.validate(); err != nil {
				t.Fatal(err)
			}
			for hint := -1; hint <= blk.n; hint++ {
				for i, r := range recs {
					got, found, err := blk.search([]byte(r.k), hint)
					if err != nil || !found || got != i || blk.time(got) != r.t {
						t.Errorf("hint %d: search(%q) = %d, %v, %v; want %d", hint, r.k, got, found, err, i)
					}
				}
				for _, k := range tt.missing {
					if _, found, err := blk.search([]byte(k), hint); err != nil || found {
						t.Errorf("hint %d: search(%q) found it (%v)", hint, k, err)
					}
				}
			}
			back, err := blk.records(nil)
			if err != nil || !slices.EqualFunc(back, recs, func(a, b record) bool { return a == b }) {
				t.Errorf("records = %v, %v", back, err)
			}
		})
	}
}

// TestParseBlockDamaged: damaged blocks are errors, never a panic.
func TestParseBlockDamaged(t *testing.T) {
	t.Parallel()
	good := encodeBlock(testRecords("k\x00a", "k\x00b", "k\x00c"))
	with := func(at int, b ...byte) []byte {
		v := slices.Clone(good)
		copy(v[at:], b)
		return v
	}
	plen := int(binary.BigEndian.Uint32(good[5:]))
	offs := blockHeader + plen
	tests := []struct {
		name  string
		v     []byte
		parse bool // parseBlock takes it; validate must not
	}{
		{name: "empty"},
		{name: "header only", v: good[:blockHeader]},
		{name: "cut short", v: good[:len(good)-1]},
		{name: "unknown version", v: with(0, 2)},
		{name: "no records", v: with(1, 0, 0, 0, 0)},
		{name: "huge count", v: with(1, 0xff, 0xff, 0xff, 0xff)},
		{name: "huge prefix", v: with(5, 0xff, 0xff, 0xff, 0xff)},
		{name: "first offset not 0", v: with(offs, 0, 0, 0, 1)},
		{name: "last offset past the end", v: with(offs+12, 0, 0, 0, 9)},
		{name: "offset past the end", v: with(offs+4, 0, 0, 1, 0), parse: true},
		{name: "offsets backwards", v: with(offs+4, 0, 0, 0, 3), parse: true},
		{name: "keys out of order", v: with(len(good)-3, 'c', 'b', 'a'), parse: true},
		{name: "equal keys", v: with(len(good)-3, 'a', 'a', 'c'), parse: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blk, err := parseBlock(tt.v)
			if (err == nil) != tt.parse {
				t.Fatalf("parseBlock = %v, want an error: %v", err, !tt.parse)
			}
			if err != nil {
				if !isDamage(err) {
					t.Errorf("error %v is not damage", err)
				}
				return
			}
			if err := blk.validate(); err == nil || !isDamage(err) {
				t.Errorf("validate = %v, want damage", err)
			}
		})
	}
}

// FuzzParseBlock feeds hostile bytes to the block decoder: it returns an
// error or a block whose every read stays inside the bytes, and a block
// that validates holds its records in order, each found by a search.
func FuzzParseBlock(f *testing.F) {
	f.Add(encodeBlock(testRecords("p\x00Purchase\x00R01", "p\x00Purchase\x00R02")), []byte("p\x00Purchase\x00R02"))
	f.Add(encodeBlock(testRecords("a", "b", "b\x00", "ba")), []byte("b"))
	f.Add(encodeBlock(testRecords("")), []byte(""))
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte("x"))
	f.Fuzz(func(t *testing.T, v, key []byte) {
		blk, err := parseBlock(v)
		if err != nil {
			if !isDamage(err) {
				t.Fatalf("error %v is not damage", err)
			}
			return
		}
		for _, hint := range []int{-1, 0, blk.n / 2, blk.n - 1, blk.n, blk.n + 1} {
			blk.search(key, hint)
		}
		recs, recErr := blk.records(nil)
		if err := blk.validate(); err != nil {
			return
		}
		if recErr != nil {
			t.Fatalf("a block that validates has no records: %v", recErr)
		}
		for i, r := range recs {
			got, found, err := blk.search([]byte(r.k), -1)
			if err != nil || !found || got != i || blk.time(i) != r.t {
				t.Fatalf("record %d (%q) not found: %d, %v, %v", i, r.k, got, found, err)
			}
			if i > 0 && recs[i-1].k >= r.k {
				t.Fatalf("records %d and %d out of order", i-1, i)
			}
		}
		again, err := parseBlock(encodeBlock(recs))
		if err != nil {
			t.Fatal(err)
		}
		back, err := again.records(nil)
		if err != nil || !slices.EqualFunc(back, recs, func(a, b record) bool { return a == b }) {
			t.Fatalf("records changed by a round trip: %v", err)
		}
	})
}

package upload

import (
	"hash/maphash"
	"math/bits"
)

// keyFilter is a blocked Bloom filter of every key the ledger holds, so
// that SeenAll answers "never sent" for most new keys without a lookup in
// the blocks. A lookup of a key in no order (a derived event id) lands in
// a random block of a file of tens of megabytes, a dozen cache misses
// (about 1.5 µs); the filter costs one. It may say yes for a key never
// recorded (about 1 in 50; the blocks then answer), never no for one
// recorded: every key is added before its commit, and nothing is taken
// out (a pruned key only costs a lookup).
type keyFilter struct {
	lines [][8]uint64 // one 64-byte cache line per key
	n     int         // keys added
	limit int         // keys it was sized for: past that it is rebuilt
}

// filterBits is how many bits of the filter each key is sized for, and
// filterProbes how many it sets, all in one line: about 2% false
// positives.
const (
	filterBits   = 12
	filterProbes = 6
)

func newKeyFilter(keys int) *keyFilter {
	keys = max(keys, 1)
	return &keyFilter{lines: make([][8]uint64, keys*filterBits/512+1), limit: keys}
}

// filterHash is the hash the filter takes: the first half of the key's
// keyHash, so that SeenAll computes the second only for the keys the
// filter lets through.
func filterHash[S string | []byte](k S) uint64 {
	if b, ok := any(k).([]byte); ok {
		return maphash.Bytes(keySeeds[0], b) // string(k) would copy it
	}
	return maphash.String(keySeeds[0], string(k))
}

// line picks the cache line of h by its high bits (h scaled to the
// lines); its low 54 bits give the bits in the line.
func (f *keyFilter) line(h uint64) *[8]uint64 {
	i, _ := bits.Mul64(h, uint64(len(f.lines)))
	return &f.lines[i]
}

func (f *keyFilter) add(h uint64) {
	l := f.line(h)
	for p := range filterProbes {
		bit := h >> (9 * p) & 511
		l[bit>>6] |= 1 << (bit & 63)
	}
	f.n++
}

// has reports whether h may have been added; false means it never was.
func (f *keyFilter) has(h uint64) bool {
	l := f.line(h)
	for p := range filterProbes {
		bit := h >> (9 * p) & 511
		if l[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}

// full reports whether the filter holds more keys than it was sized for:
// its false positives then climb, and it is rebuilt, twice the size.
func (f *keyFilter) full() bool { return f.n > f.limit }

package mapping

import (
	"hash/maphash"
	"sync/atomic"
)

// memo remembers the result for the values of customer keys that repeat on
// most rows of an export: country, state, city and gender take a few
// hundred distinct values in a million rows, and normalizing and hashing
// them again for every row was a large share of the work. It is a table of
// immutable entries swapped in atomically, so the workers that share a
// Mapper use it without a lock; a miss only costs a recomputation.
//
// Each value may sit in either slot of a pair. With one slot per value,
// two frequent values whose hashes met under a run's random seed evicted
// each other on every row: some runs hashed many more values, and
// benchmarks of the same code drifted with the seed.
type memo struct {
	seed  maphash.Seed
	slots [memoSlots]atomic.Pointer[memoEntry]
}

const memoSlots = 4096

// memoEntry is one remembered result. The value is copied, so that the
// table does not keep a row's cells alive.
type memoEntry struct {
	key     int    // index into userKeyList
	country string // the rules the value was read by (st); "" for others
	value   string // the cell as read
	out     string // the value to send: 64 lower-case hex digits
	norm    string // the normalized form (country: the alpha-2 code)
	code    string // when the value is invalid, its ValueError code
}

// memoizable reports whether key i (of userKeyList) repeats enough to be
// worth remembering.
func memoizable(i int) bool { return memoKeys[i] }

var memoKeys = func() (keys [len(userKeyList)]bool) {
	for i, k := range userKeyList {
		switch k {
		case "country", "st", "ct", "ge":
			keys[i] = true
		}
	}
	return keys
}()

// pair returns the first slot of the value's pair; the other is the next.
func (m *memo) pair(key int, country, value string) int {
	// maphash.String is the runtime's string hash without a Hash's
	// setup; key and country are folded in by arithmetic. A collision
	// only costs a recomputation: get compares the whole entry.
	h := maphash.String(m.seed, value)
	h ^= uint64(key+1) * 0x9E3779B97F4A7C15
	for i := 0; i < len(country); i++ {
		h = (h ^ uint64(country[i])) * 0x100000001B3
	}
	h ^= h >> 29
	return int(h%memoSlots) &^ 1
}

// get returns the entry for the value, or nil.
func (m *memo) get(key int, country, value string) *memoEntry {
	i := m.pair(key, country, value)
	for j := i; j < i+2; j++ {
		if e := m.slots[j].Load(); e != nil && e.key == key && e.country == country && e.value == value {
			return e
		}
	}
	return nil
}

// put stores e in its pair: in the first slot if that is free, else in the
// second, so that the first value to arrive, usually the most frequent,
// stays while others take turns in the second slot.
func (m *memo) put(e *memoEntry) {
	i := m.pair(e.key, e.country, e.value)
	if m.slots[i].Load() != nil {
		i++
	}
	m.slots[i].Store(e)
}

package mapping

import (
	"hash/maphash"
	"sync/atomic"
)

// memo remembers the result for the values of customer keys that repeat on
// most rows of an export: country, state, city and gender take a few
// hundred distinct values in a million rows, and normalizing and hashing
// them again for every row was a large share of the work. It is a
// direct-mapped table of immutable entries swapped in atomically, so the
// workers that share a Mapper use it without a lock; a collision only
// costs a recomputation.
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

func (m *memo) slot(key int, country, value string) *atomic.Pointer[memoEntry] {
	// maphash.String is the runtime's string hash without a Hash's
	// setup; key and country are folded in by arithmetic. A collision
	// only costs a recomputation: get compares the whole entry.
	h := maphash.String(m.seed, value)
	h ^= uint64(key+1) * 0x9E3779B97F4A7C15
	for i := 0; i < len(country); i++ {
		h = (h ^ uint64(country[i])) * 0x100000001B3
	}
	h ^= h >> 29
	return &m.slots[h%memoSlots]
}

// get returns the entry for the value, or nil.
func (m *memo) get(key int, country, value string) *memoEntry {
	e := m.slot(key, country, value).Load()
	if e == nil || e.key != key || e.country != country || e.value != value {
		return nil
	}
	return e
}

func (m *memo) put(e *memoEntry) {
	m.slot(e.key, e.country, e.value).Store(e)
}

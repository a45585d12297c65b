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

// memoizable reports whether key i repeats enough to be worth remembering.
func memoizable(i int) bool {
	switch userKeyList[i] {
	case "country", "st", "ct", "ge":
		return true
	}
	return false
}

func (m *memo) slot(key int, country, value string) *atomic.Pointer[memoEntry] {
	var h maphash.Hash
	h.SetSeed(m.seed)
	h.WriteByte(byte(key))
	h.WriteString(country)
	h.WriteByte(0)
	h.WriteString(value)
	return &m.slots[h.Sum64()%memoSlots]
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

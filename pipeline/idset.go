package pipeline

import (
	"hash/maphash"
	"math/bits"
)

// idSet remembers the events of this run to find duplicate event ids.
//
// It keeps 8 bytes of a hash of the event's ledger key (pixel, event_name,
// event_id) rather than the key itself; a false "duplicate" would need a
// 64-bit collision under a per-run random seed. The hashes sit in an
// open-addressing table (linear probing, at most 3/4 full) that doubles
// as it fills: 8 to 16 bytes per event, 16 MiB for a million events and
// 64 MiB for five million (bench/README.md, "Figures"). A Go map of the
// same hashes takes about 36 MiB per million.
//
// An idSet is used by one goroutine.
type idSet struct {
	h maphash.Hash

	// slots has size home slots and pad overflow slots after them. A
	// hash's home is its top bits; probing never wraps around, and a hash
	// that finds no free slot before the end grows the table.
	slots []uint64 // 0 marks an empty slot
	size  int      // a power of two
	shift uint     // 64 - log2(size)
	n     int      // hashes in slots
	limit int      // n at which the table grows

	sink uint64 // prefetch's loads
}

// idFirstSlots is the size of a new set's table.
const idFirstSlots = 1 << 12

func newIDSet() *idSet {
	s := &idSet{}
	s.h.SetSeed(maphash.MakeSeed())
	return s
}

// add records the event whose capi.Event.LedgerKey is made of pixel,
// name and id, and reports whether it was new. The key is hashed in
// parts, so a row costs no allocation.
func (s *idSet) add(pixel, name, id string) bool {
	return s.addMixed(s.key(pixel, name, id))
}

// key returns the hash that add keeps for an event's key, never 0, for
// addMixed and prefetch.
func (s *idSet) key(pixel, name, id string) uint64 {
	s.h.Reset()
	s.h.WriteString(pixel)
	s.h.WriteByte(0)
	s.h.WriteString(name)
	s.h.WriteByte(0)
	s.h.WriteString(id)
	return mix(s.h.Sum64())
}

// mix turns a hash into the form the set keeps, which is never 0.
func mix(k uint64) uint64 {
	if k == 0 {
		k = 1 // 0 marks empty slots
	}
	// Multiplying by an odd constant is a bijection, so no two keys
	// become one, and it spreads keys that differ only in their low bits
	// over the top bits, which choose the home slot.
	return k * 0x9E3779B97F4A7C15
}

// prefetch reads the home slot of each key from key (0 is skipped), so
// that adding those keys soon after finds them in cache. A million keys'
// slots are 16 MiB, more than the L2 cache, and each add used to wait for
// its own miss between a row's other work; loads issued back to back
// overlap their misses. The answer of add does not depend on it.
func (s *idSet) prefetch(ms []uint64) {
	if s.slots == nil {
		return
	}
	var x uint64
	for _, m := range ms {
		if m != 0 {
			x ^= s.slots[m>>s.shift]
		}
	}
	// Stored, so that the compiler keeps the loads.
	s.sink = x
}

// addMixed inserts m, which is not 0, and reports whether it was absent.
func (s *idSet) addMixed(m uint64) bool {
	if s.slots == nil {
		s.alloc(idFirstSlots)
	}
	i, found := s.probe(m)
	if found {
		return false
	}
	for i < 0 || s.n >= s.limit {
		s.grow()
		i, _ = s.probe(m)
	}
	s.slots[i] = m
	s.n++
	return true
}

// probe returns m's slot and true when the table holds m, or else the
// free slot where m goes, or -1 when there is none before the end.
func (s *idSet) probe(m uint64) (int, bool) {
	for i := int(m >> s.shift); i < len(s.slots); i++ {
		switch s.slots[i] {
		case m:
			return i, true
		case 0:
			return i, false
		}
	}
	return -1, false
}

// alloc gives the set an empty table of size home slots.
func (s *idSet) alloc(size int) {
	s.slots = make([]uint64, size+64+size/64)
	s.size, s.n, s.limit = size, 0, size/4*3
	s.shift = uint(64 - bits.TrailingZeros(uint(size)))
}

// grow doubles the table. Each hash of the old one finds a free slot: a
// hash's home at most doubles, and the overflow slots at the end are
// never fewer than before, so the hashes homed at or after any slot fit
// in the slots from there on whenever they fitted in the old table.
func (s *idSet) grow() {
	old := s.slots
	s.alloc(2 * s.size)
	for _, m := range old {
		if m != 0 {
			i, _ := s.probe(m)
			s.slots[i] = m
			s.n++
		}
	}
}

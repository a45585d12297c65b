package ledger

import "encoding/binary"

// hashSet holds key hashes in an open-addressing table with linear
// probing, at most three quarters full; the hashes are uniform, so their
// first 8 bytes pick the slot. Loading 3M keys takes a fraction of the
// time and memory a map takes. The low bit of a slot's second word is
// set, so that no hash is the empty slot (at the cost of one bit of 128).
type hashSet struct {
	slots [][2]uint64
	n     int
}

// grow makes room for n more hashes at once, so that a load rehashes
// nothing.
func (s *hashSet) grow(n int) {
	size := max(len(s.slots), 1024)
	for (s.n+n)*4 > size*3 {
		size *= 2
	}
	if size != len(s.slots) {
		old := s.slots
		s.slots, s.n = make([][2]uint64, size), 0
		for _, v := range old {
			if v != ([2]uint64{}) {
				s.find(v, true)
			}
		}
	}
}

func (s *hashSet) add(h [16]byte) {
	s.grow(1)
	s.find(slot(h), true)
}

func (s *hashSet) has(h [16]byte) bool { return s.n > 0 && s.find(slot(h), false) }

func slot(h [16]byte) [2]uint64 {
	return [2]uint64{binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:]) | 1}
}

// find reports whether v is in the set, adding it if not and add is set.
func (s *hashSet) find(v [2]uint64, add bool) bool {
	mask := uint64(len(s.slots) - 1)
	for i := v[0] & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case v:
			return true
		case [2]uint64{}:
			if add {
				s.slots[i] = v
				s.n++
			}
			return false
		}
	}
}

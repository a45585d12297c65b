package main

import "hash/maphash"

// idSet remembers the events of this run to find duplicate event ids. It
// keeps 8 bytes of a hash of the event's ledger key (pixel, event_name,
// event_id) rather than the key itself; a false "duplicate" would need a
// 64-bit collision. The hashes sit in one open-addressing table of
// uint64 (linear probing, at most 3/4 full), which costs 8 to 16 bytes
// per event and holds no pointers for the garbage collector to scan;
// a Go map of the same keys took about 35 MiB per million events.
type idSet struct {
	h     maphash.Hash
	slots []uint64 // 0 marks an empty slot; len is a power of two
	n     int
}

func newIDSet() *idSet {
	s := &idSet{slots: make([]uint64, 1<<12)}
	s.h.SetSeed(maphash.MakeSeed())
	return s
}

// add records the event whose mapping.Event.LedgerKey is made of pixel,
// name and id, and reports whether it was new. The key is hashed in
// parts, so a row costs no allocation.
func (s *idSet) add(pixel, name, id string) bool {
	s.h.Reset()
	s.h.WriteString(pixel)
	s.h.WriteByte(0)
	s.h.WriteString(name)
	s.h.WriteByte(0)
	s.h.WriteString(id)
	return s.addHash(s.h.Sum64())
}

// addHash inserts k and reports whether it was absent.
func (s *idSet) addHash(k uint64) bool {
	if k == 0 {
		k = 1 // 0 marks empty slots
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := slot(k, mask); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return false
		case 0:
			s.slots[i] = k
			s.n++
			return true
		}
	}
}

func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, k := range old {
		if k == 0 {
			continue
		}
		i := slot(k, mask)
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = k
	}
}

// slot is k's home slot: a multiplicative hash folded so that every bit
// of k counts, so keys that differ only in their high bits still spread
// over the table.
func slot(k, mask uint64) uint64 {
	h := k * 0x9E3779B97F4A7C15
	return (h ^ h>>32) & mask
}

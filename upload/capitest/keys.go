package capitest

import (
	"bytes"
	"hash/maphash"
)

// keyIndex counts accepted events by EventKey. A million-event benchmark
// keeps every key, so it is laid out for that: event names are interned,
// ids are copied back to back into large chunks, and the table is an
// open-addressing hash of integers. That is about 45 bytes per distinct
// event (a 20-byte entry, 8 to 16 bytes of table, the id), and its bulk
// holds no pointers, so the garbage collector does not walk it; a
// map[EventKey]int took several times that in strings and map buckets and
// was walked on every collection. The zero keyIndex is empty and ready.
type keyIndex struct {
	seed   maphash.Seed
	names  []string          // distinct event names
	nameIx map[string]uint32 // index in names
	last   uint32            // names index of the last name added, +1

	chunks  [][]byte     // id bytes; a chunk is never moved once written
	entries [][]keyEntry // keyChunk entries per slice, so growth copies nothing
	n       int          // entries in use
	// slots is the hash table, with linear probing: 0 is free, else the
	// high 32 bits are the hash's and the low 32 bits are the entry index
	// + 1. Its length is a power of two, 1<<(64-shift), and a key's home
	// slot is the top bits of its hash, so growing reads the old table in
	// order and writes the new one almost in order, without hashing again.
	slots []uint64
	shift uint
	// touched keeps addAll's reads of the table from being optimized
	// away; hashes is its scratch.
	touched uint64
	hashes  []hashedKey
}

type hashedKey struct {
	name uint32 // index in names
	h    uint64
}

// keyEntry is one distinct (name, id).
type keyEntry struct {
	chunk, off, len uint32 // id bytes: chunks[chunk][off:off+len]
	name            uint32 // index in names
	count           uint32
}

const (
	keyChunk    = 1 << 14 // entries per entries slice
	idChunkSize = 1 << 20 // bytes per id chunk (a longer id gets its own)
)

// addAll counts one acceptance of each event. It first reads the home slot
// of every key in a loop of independent loads, which the CPU overlaps, so
// that the inserts after it find their slots in cache: at a million keys
// the table is far larger than the cache, and waiting for one miss per key
// in turn was most of the cost of accept.
func (x *keyIndex) addAll(events []event) {
	x.init()
	hs := x.hashes[:0]
	for _, ev := range events {
		ni := x.nameIndex(ev.name)
		hs = append(hs, hashedKey{ni, x.hash(ni, ev.id)})
	}
	x.hashes = hs
	var touch uint64
	for _, h := range hs {
		touch += x.slots[h.h>>x.shift]
	}
	x.touched = touch
	for i, ev := range events {
		x.addHashed(hs[i].name, ev.id, hs[i].h)
	}
}

func (x *keyIndex) init() {
	if x.slots == nil {
		x.seed = maphash.MakeSeed()
		x.nameIx = map[string]uint32{}
		x.slots, x.shift = make([]uint64, 1024), 64-10
	}
}

// addHashed counts one acceptance of (names[name], id), whose hash is h.
func (x *keyIndex) addHashed(name uint32, id []byte, h uint64) {
	if i, ok := x.find(name, id, h); ok {
		x.entry(i).count++
		return
	}
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	e := keyEntry{name: name, count: 1, len: uint32(len(id))}
	e.chunk, e.off = x.store(id)
	if x.n%keyChunk == 0 {
		x.entries = append(x.entries, make([]keyEntry, keyChunk))
	}
	*x.entry(x.n) = e
	x.n++
	x.insert(h>>32<<32 | uint64(x.n))
}

// count is how many times (name, id) was added.
func (x *keyIndex) count(name, id string) int {
	if x.slots == nil {
		return 0
	}
	ni, ok := x.nameIx[name]
	if !ok {
		return 0
	}
	i, ok := x.find(ni, []byte(id), x.hash(ni, []byte(id)))
	if !ok {
		return 0
	}
	return int(x.entry(i).count)
}

// each calls f with every distinct key counted at least atLeast times,
// and its count, in the order of first acceptance.
func (x *keyIndex) each(atLeast int, f func(k EventKey, n int)) {
	for i := range x.n {
		if e := x.entry(i); int(e.count) >= atLeast {
			f(EventKey{x.names[e.name], string(x.id(e))}, int(e.count))
		}
	}
}

func (x *keyIndex) nameIndex(name []byte) uint32 {
	if x.last > 0 && x.names[x.last-1] == string(name) {
		return x.last - 1
	}
	ni, ok := x.nameIx[string(name)]
	if !ok {
		ni = uint32(len(x.names))
		x.names = append(x.names, string(name))
		x.nameIx[x.names[ni]] = ni
	}
	x.last = ni + 1
	return ni
}

func (x *keyIndex) hash(name uint32, id []byte) uint64 {
	h := maphash.Bytes(x.seed, id) ^ uint64(name)*0x9e3779b97f4a7c15
	// A final mix, so that the name reaches all the bits.
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

func (x *keyIndex) entry(i int) *keyEntry { return &x.entries[i/keyChunk][i%keyChunk] }

func (x *keyIndex) id(e *keyEntry) []byte { return x.chunks[e.chunk][e.off : e.off+e.len] }

// find returns the index of the entry for (name, id), whose hash is h.
func (x *keyIndex) find(name uint32, id []byte, h uint64) (int, bool) {
	mask := uint64(len(x.slots) - 1)
	tag := h >> 32
	for p := h >> x.shift; ; p = (p + 1) & mask {
		s := x.slots[p]
		if s == 0 {
			return 0, false
		}
		if s>>32 == tag {
			e := x.entry(int(uint32(s)) - 1)
			if e.name == name && bytes.Equal(x.id(e), id) {
				return int(uint32(s)) - 1, true
			}
		}
	}
}

// insert puts slot value v (hash bits and entry index + 1) into the
// table, which has room.
func (x *keyIndex) insert(v uint64) {
	mask := uint64(len(x.slots) - 1)
	p := v >> x.shift
	for x.slots[p] != 0 {
		p = (p + 1) & mask
	}
	x.slots[p] = v
}

// grow doubles the table.
func (x *keyIndex) grow() {
	old := x.slots
	x.slots, x.shift = make([]uint64, 2*len(old)), x.shift-1
	for _, v := range old {
		if v != 0 {
			x.insert(v)
		}
	}
}

// store copies id into the chunks and says where it went.
func (x *keyIndex) store(id []byte) (chunk, off uint32) {
	last := len(x.chunks) - 1
	if last < 0 || len(x.chunks[last])+len(id) > cap(x.chunks[last]) {
		x.chunks = append(x.chunks, make([]byte, 0, max(idChunkSize, len(id))))
		last++
	}
	c := x.chunks[last]
	x.chunks[last] = append(c, id...)
	return uint32(last), uint32(len(c))
}

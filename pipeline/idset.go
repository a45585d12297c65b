package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"os"
	"slices"
)

// idSet remembers the events of this run to find duplicate event ids, in
// memory that does not grow with the number of rows.
//
// It keeps 8 bytes of a hash of the event's ledger key (pixel, event_name,
// event_id) rather than the key itself; a false "duplicate" would need a
// 64-bit collision, and nothing else can make one: every tier below
// answers exactly.
//
//   - The memory tier is an open-addressing table of hashes (linear
//     probing, at most 3/4 full) that doubles up to maxSlots (8 MiB, about
//     786,000 events). Files of ordinary size never leave it.
//   - When it is full its hashes are sorted and written to a temporary
//     file as a run of uint64, and the table starts again empty. Only the
//     first hash of each 4 KiB block of a run stays in memory (16 KiB per
//     million events), so a lookup reads at most one block per run. Runs
//     of equal length are merged, as a binary counter carries, so a run of
//     n events has at most log2(n/786,000)+1 runs.
//   - A Bloom filter of fixed size (8 MiB) over every hash on disk answers
//     "new" for nearly every new event without I/O. Its false positives
//     only cost a block read; on an enormous file they grow more frequent,
//     and the set slower, but never wrong.
//
// The table and the filter are pointer-free Go memory of a fixed size
// whatever the file's size. They stay on the Go heap on purpose: kept
// outside it (an anonymous mapping was tried), they no longer count
// towards the garbage collector's goal, and validate ran many more GC
// cycles (bench/README.md, "Figures").
//
// An idSet is used by one goroutine. Its temporary files hold only hashes
// under a per-run random seed, and are unlinked as soon as they are
// created where the platform allows (not on Windows, where they are
// removed at close), so a crash leaves nothing behind.
type idSet struct {
	h maphash.Hash

	// The memory tier: slots has size home slots and pad overflow slots
	// after them. A hash's home is its top bits, so the table is in
	// nearly sorted order, which makes spilling it cheap; probing never
	// wraps around, and a hash that finds no free slot before the end
	// spills the table.
	slots []uint64 // 0 marks an empty slot
	size  int      // a power of two
	shift uint     // 64 - log2(size)
	n     int      // hashes in slots
	limit int      // n at which the table grows or spills

	bloom []uint64 // filter over runs' hashes, allocated at the first spill
	runs  []*idRun // oldest first
	block []byte   // one block, for lookups

	w   *bufio.Writer // reused by every run written
	err error         // sticky: the set cannot answer once I/O failed

	sink uint64 // prefetch's loads

	// Sizes, set by newIDSetSize; tests make them small.
	maxSlots    int    // largest table, in slots; a power of two
	bloomBlocks int    // filter size, in 32-byte blocks
	dir         string // for the runs; "" is os.TempDir()
}

const (
	idFirstSlots = 1 << 12
	idMaxSlots   = 1 << 20         // 8 MiB
	idBloomBytes = 8 << 20         // 8 MiB, about 13 bits per event for 5 million spilled events
	idBlockKeys  = 512             // hashes per 4 KiB block of a run
	idBlockBytes = idBlockKeys * 8 // one read per run for a lookup
)

// errIDSetClosed answers an add after close, which would be a bug.
var errIDSetClosed = errors.New("duplicate-id set used after close")

// idSetSizes are the sizes of an idSet; tests shrink them (through
// Options.idSetSizes) so that a run spills after a few rows.
type idSetSizes struct {
	maxSlots, bloomBlocks int
	dir                   string
}

// defaultIDSetSizes are the sizes of a run's set.
var defaultIDSetSizes = idSetSizes{idMaxSlots, idBloomBytes / 32, ""}

func newIDSet() *idSet {
	return newIDSetOf(defaultIDSetSizes)
}

func newIDSetOf(z idSetSizes) *idSet {
	return newIDSetSize(z.maxSlots, z.bloomBlocks, z.dir)
}

// newIDSetSize is newIDSet with a table of at most maxSlots slots (a power
// of two), a Bloom filter of bloomBlocks 32-byte blocks and runs written
// under dir.
func newIDSetSize(maxSlots, bloomBlocks int, dir string) *idSet {
	s := &idSet{maxSlots: maxSlots, bloomBlocks: bloomBlocks, dir: dir}
	s.h.SetSeed(maphash.MakeSeed())
	return s
}

// add records the event whose capi.Event.LedgerKey is made of pixel,
// name and id, and reports whether it was new. The key is hashed in
// parts, so a row costs no allocation. An error means the set could not
// read or write its temporary file; it cannot answer any more, and the run
// must stop, because a guess either way would send a duplicate or drop an
// event.
func (s *idSet) add(pixel, name, id string) (bool, error) {
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

// prefetch reads the home slot, and the Bloom filter block once there is
// one, of each key from key (0 is skipped), so that adding those keys
// soon after finds them in cache. A million keys' slots are 8 MiB,
// more than the L2 cache, and each add used to wait for its own miss
// between a row's other work; loads issued back to back overlap their
// misses. The answer of add does not depend on it.
func (s *idSet) prefetch(ms []uint64) {
	if s.slots == nil || s.err != nil {
		return
	}
	var x uint64
	for _, m := range ms {
		if m != 0 {
			x ^= s.slots[m>>s.shift]
		}
	}
	if s.bloom != nil {
		for _, m := range ms {
			if m != 0 {
				x ^= s.bloom[s.bloomBlock(m)]
			}
		}
	}
	// Stored, so that the compiler keeps the loads.
	s.sink = x
}

// addMixed inserts m, which is not 0, and reports whether it was absent.
func (s *idSet) addMixed(m uint64) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	if s.slots == nil {
		s.alloc(min(idFirstSlots, s.maxSlots))
	}
	i, found := s.probe(m)
	if found {
		return false, nil
	}
	if s.bloom != nil && s.bloomHas(m) {
		dup, err := s.onDisk(m)
		if err != nil {
			return false, s.fail(err)
		}
		if dup {
			return false, nil
		}
	}
	for i < 0 || s.n >= s.limit {
		if err := s.makeRoom(); err != nil {
			return false, s.fail(err)
		}
		i, _ = s.probe(m)
	}
	s.slots[i] = m
	s.n++
	return true, nil
}

func (s *idSet) fail(err error) error {
	s.err = fmt.Errorf("duplicate-id set: %w", err)
	return s.err
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

// alloc gives the memory tier an empty table of size home slots.
func (s *idSet) alloc(size int) {
	s.slots = make([]uint64, size+64+size/64)
	s.size, s.n, s.limit = size, 0, size/4*3
	s.shift = uint(64 - bits.TrailingZeros(uint(size)))
}

// makeRoom grows a full table while it may, and otherwise spills it.
func (s *idSet) makeRoom() error {
	if s.n >= s.limit && s.size < s.maxSlots {
		old := s.slots
		s.alloc(2 * s.size)
		s.reinsert(old)
		return nil
	}
	return s.spill()
}

// reinsert puts the hashes of old, a table of half the size, into the
// empty table. Each finds a free slot: a hash's home at most doubles,
// and the overflow slots at the end are never fewer than before, so the
// hashes homed at or after any slot fit in the slots from there on
// whenever they fitted in the old table.
func (s *idSet) reinsert(old []uint64) {
	for _, m := range old {
		if m != 0 {
			i, _ := s.probe(m)
			s.slots[i] = m
			s.n++
		}
	}
}

// spill writes the table's hashes to a new run, adds them to the Bloom
// filter, empties the table and merges runs of equal length.
func (s *idSet) spill() error {
	// Squeeze the hashes to the front, where they are in home order but
	// for the few that probing moved past larger ones: insertion sort
	// puts those right in about one pass.
	keys := s.slots[:0]
	for _, m := range s.slots {
		if m != 0 {
			keys = append(keys, m)
		}
	}
	for i := 1; i < len(keys); i++ {
		m := keys[i]
		j := i
		for ; j > 0 && keys[j-1] > m; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = m
	}

	if s.bloom == nil {
		s.bloom = make([]uint64, 4*s.bloomBlocks)
	}
	rw, err := s.newRunWriter()
	if err != nil {
		return err
	}
	for _, m := range keys {
		// Sorted hashes fill the filter front to back: its block is
		// chosen by the top bits.
		s.bloomAdd(m)
		rw.put(m)
	}
	r, err := rw.finish()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	clear(s.slots)
	s.n = 0

	for len(s.runs) >= 2 && s.runs[len(s.runs)-2].n <= s.runs[len(s.runs)-1].n {
		a, b := s.runs[len(s.runs)-2], s.runs[len(s.runs)-1]
		m, err := s.merge(a, b)
		if err != nil {
			return err
		}
		s.runs = append(s.runs[:len(s.runs)-2], m)
		if err := errors.Join(a.close(), b.close()); err != nil {
			return err
		}
	}
	return nil
}

// onDisk reports whether a run holds m.
func (s *idSet) onDisk(m uint64) (bool, error) {
	if s.block == nil {
		s.block = make([]byte, idBlockBytes)
	}
	for _, r := range s.runs {
		if ok, err := r.has(m, s.block); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// close releases the set's memory and removes its temporary files. The set
// answers nothing after.
func (s *idSet) close() error {
	var errs []error
	for _, r := range s.runs {
		errs = append(errs, r.close())
	}
	s.runs, s.slots, s.bloom = nil, nil, nil
	s.err = errIDSetClosed
	return errors.Join(errs...)
}

// The Bloom filter is split-block, as Parquet's: each hash sets one bit in
// each of the eight 32-bit lanes of one 32-byte block, so a lookup touches
// one cache line. The block comes from the hash's top bits, the bits
// within it from the rest.
var bloomSalt = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// bloomBlock returns the index in bloom of m's block's first word.
func (s *idSet) bloomBlock(m uint64) int {
	return 4 * int((m>>32)*uint64(s.bloomBlocks)>>32)
}

// bloomMasks returns m's block and the bits it sets in the block's four
// words.
func (s *idSet) bloomMasks(m uint64) (int, [4]uint64) {
	x := uint32(m) ^ uint32(m>>32)
	var w [4]uint64
	for i, salt := range bloomSalt {
		w[i/2] |= 1 << (x*salt>>27 + uint32(32*(i&1)))
	}
	return s.bloomBlock(m), w
}

func (s *idSet) bloomAdd(m uint64) {
	b, w := s.bloomMasks(m)
	f := s.bloom[b : b+4 : b+4]
	f[0] |= w[0]
	f[1] |= w[1]
	f[2] |= w[2]
	f[3] |= w[3]
}

// bloomHas reports false when no run holds m, and true when one may.
func (s *idSet) bloomHas(m uint64) bool {
	b, w := s.bloomMasks(m)
	f := s.bloom[b : b+4 : b+4]
	return f[0]&w[0] == w[0] && f[1]&w[1] == w[1] && f[2]&w[2] == w[2] && f[3]&w[3] == w[3]
}

// idRun is a sorted run of distinct hashes in a temporary file, little
// endian, with the first hash of each block (its fence) in memory.
type idRun struct {
	f      *os.File
	name   string // to remove at close; "" once removed
	n      int    // hashes
	fences []uint64
	last   uint64
}

// has reports whether r holds m, reading at most one block into block.
func (r *idRun) has(m uint64, block []byte) (bool, error) {
	if r.n == 0 || m < r.fences[0] || m > r.last {
		return false, nil
	}
	j, found := slices.BinarySearch(r.fences, m)
	if found {
		return true, nil
	}
	j-- // fences[j] < m < fences[j+1]
	n := min(idBlockKeys, r.n-j*idBlockKeys)
	b := block[:8*n]
	if _, err := r.f.ReadAt(b, int64(j)*idBlockBytes); err != nil {
		return false, fmt.Errorf("read %s: %w", r.f.Name(), err)
	}
	lo, hi := 0, n
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		v := binary.LittleEndian.Uint64(b[8*h:])
		switch {
		case v == m:
			return true, nil
		case v < m:
			lo = h + 1
		default:
			hi = h
		}
	}
	return false, nil
}

func (r *idRun) close() error {
	err := r.f.Close()
	if r.name != "" {
		err = errors.Join(err, os.Remove(r.name))
		r.name = ""
	}
	return err
}

// idRunWriter writes a run front to back.
type idRunWriter struct {
	w   *bufio.Writer
	r   *idRun
	err error
}

// newRunWriter creates the temporary file of a new run.
func (s *idSet) newRunWriter() (*idRunWriter, error) {
	f, err := os.CreateTemp(s.dir, "capi-upload-ids-*")
	if err != nil {
		return nil, err
	}
	r := &idRun{f: f, name: f.Name()}
	// Where an open file can be removed, remove it now: the descriptor
	// keeps it, and nothing is left after a crash. Elsewhere (Windows)
	// close removes it.
	if os.Remove(r.name) == nil {
		r.name = ""
	}
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.w.Reset(f)
	}
	return &idRunWriter{w: s.w, r: r}, nil
}

// put appends m, which is larger than every hash before it.
func (rw *idRunWriter) put(m uint64) {
	r := rw.r
	if r.n%idBlockKeys == 0 {
		r.fences = append(r.fences, m)
	}
	r.n++
	r.last = m
	if _, err := rw.w.Write(binary.LittleEndian.AppendUint64(rw.w.AvailableBuffer(), m)); err != nil && rw.err == nil {
		rw.err = err
	}
}

// finish flushes the run and returns it, or removes it on error.
func (rw *idRunWriter) finish() (*idRun, error) {
	err := rw.err
	if err == nil {
		err = rw.w.Flush()
	}
	rw.w.Reset(nil)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("write %s: %w", rw.r.f.Name(), err), rw.r.close())
	}
	return rw.r, nil
}

// merge writes the union of a and b, which share no hash, as a new run.
func (s *idSet) merge(a, b *idRun) (*idRun, error) {
	rw, err := s.newRunWriter()
	if err != nil {
		return nil, err
	}
	ca, cb := newRunCursor(a), newRunCursor(b)
	va, oka := ca.next()
	vb, okb := cb.next()
	for oka && okb {
		if va < vb {
			rw.put(va)
			va, oka = ca.next()
		} else {
			rw.put(vb)
			vb, okb = cb.next()
		}
	}
	for ; oka; va, oka = ca.next() {
		rw.put(va)
	}
	for ; okb; vb, okb = cb.next() {
		rw.put(vb)
	}
	if err := errors.Join(ca.err, cb.err); err != nil {
		return nil, errors.Join(err, rw.r.close())
	}
	return rw.finish()
}

// idRunCursor reads a run front to back, 64 KiB at a time.
type idRunCursor struct {
	r   *idRun
	buf []byte
	off int64 // file offset of the next read
	i   int   // next hash in buf
	err error
}

func newRunCursor(r *idRun) *idRunCursor {
	return &idRunCursor{r: r}
}

// next returns the run's next hash, or false at its end or on an error,
// which it keeps in err.
func (c *idRunCursor) next() (uint64, bool) {
	if c.i+8 > len(c.buf) {
		left := 8*int64(c.r.n) - c.off
		if left <= 0 || c.err != nil {
			return 0, false
		}
		if c.buf == nil {
			c.buf = make([]byte, 64<<10)
		}
		c.buf = c.buf[:min(int64(cap(c.buf)), left)]
		if _, err := c.r.f.ReadAt(c.buf, c.off); err != nil {
			c.err = fmt.Errorf("read %s: %w", c.r.f.Name(), err)
			return 0, false
		}
		c.off += int64(len(c.buf))
		c.i = 0
	}
	v := binary.LittleEndian.Uint64(c.buf[c.i:])
	c.i += 8
	return v, true
}

package upload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// blocksBucket holds the ledger's records packed in blocks: each bbolt key
// is the last ledger key of its block, and its value the block. A bbolt
// key per event cost about a microsecond per event to put (a descent of
// the tree per key, the node's records grown one by one) and as much
// again to commit; a block of a few hundred records is one Put, and a
// commit writes a handful of pages.
//
// A block value is, big endian:
//
//	version   1 byte, blockVersion
//	n         uint32, records, at least 1
//	plen      uint32, length of the prefix
//	prefix    plen bytes, shared by every key of the block
//	offsets   (n+1) × uint32: key i's suffix is data[offsets[i]:offsets[i+1]]
//	times     n × int64, key i's sent-at time, Unix seconds
//	data      the suffixes, concatenated
//
// Keys are in strictly increasing order, so a key is found by a binary
// search in the value as bbolt maps it, without decoding the block. The
// prefix (pixel, event name and the leading digits of an id, as a rule)
// is stored once: a receipt number's record takes about 16 bytes in its
// block, where a bbolt key per event took about 60 in its leaf (a ledger
// of a million receipt numbers: about 35 MB of file rather than 85).
var blocksBucket = []byte("blocks")

const (
	blockVersion = 1
	blockHeader  = 1 + 4 + 4
)

// blockRecords and blockBytes bound a block, measured as its records' keys
// plus 12 bytes each: small enough that rewriting the block a merged key
// falls into is cheap, large enough that a commit of a thousand events
// is a few Puts and the tree of blocks stays shallow.
const (
	blockRecords = 512
	blockBytes   = 16 << 10
)

// damage is an error in what the ledger file holds, as opposed to one in
// reading or writing it: the ledger is then a *CorruptError.
type damage string

func (d damage) Error() string { return string(d) }

func isDamage(err error) bool {
	_, ok := errors.AsType[damage](err)
	return ok
}

// record is a ledger record on its way into a block.
type record struct {
	k string
	t int64 // sent at, Unix seconds
}

// recordSize is what a record counts against blockBytes.
func recordSize(r record) int { return len(r.k) + 12 }

// block is a block value as parsed by parseBlock; its slices point into
// the value.
type block struct {
	n      int
	prefix []byte
	offs   []byte // (n+1) × uint32
	times  []byte // n × int64
	data   []byte
}

var errBlockShort = damage("block cut short")

// parseBlock checks a block's header and sizes, in constant time, and
// returns a view of it; validate checks the rest. The accessors bound
// every read, so a damaged block yields errors, never a read outside v.
func parseBlock(v []byte) (block, error) {
	if len(v) < blockHeader {
		return block{}, errBlockShort
	}
	if v[0] != blockVersion {
		return block{}, damage(fmt.Sprintf("block of unknown format %d", v[0]))
	}
	n := uint64(binary.BigEndian.Uint32(v[1:]))
	plen := uint64(binary.BigEndian.Uint32(v[5:]))
	rest := v[blockHeader:]
	if n == 0 {
		return block{}, damage("block without records")
	}
	fixed := plen + 4*(n+1) + 8*n // no overflow: each term is below 2^37
	if fixed > uint64(len(rest)) {
		return block{}, errBlockShort
	}
	b := block{n: int(n), prefix: rest[:plen]}
	rest = rest[plen:]
	b.offs, rest = rest[:4*(n+1)], rest[4*(n+1):]
	b.times, b.data = rest[:8*n], rest[8*n:]
	if binary.BigEndian.Uint32(b.offs) != 0 || uint64(binary.BigEndian.Uint32(b.offs[4*n:])) != uint64(len(b.data)) {
		return block{}, damage("block's offsets do not span its keys")
	}
	return b, nil
}

// suffix returns key i without the block's prefix; ok is false when the
// offsets are damaged.
func (b *block) suffix(i int) (s []byte, ok bool) {
	lo, hi := binary.BigEndian.Uint32(b.offs[4*i:]), binary.BigEndian.Uint32(b.offs[4*i+4:])
	if lo > hi || uint64(hi) > uint64(len(b.data)) {
		return nil, false
	}
	return b.data[lo:hi], true
}

func (b *block) time(i int) int64 { return int64(binary.BigEndian.Uint64(b.times[8*i:])) }

var errBlockOffsets = damage("block's offsets out of order")

// validate checks what parseBlock does not: every key's bounds, and the
// keys' order.
func (b *block) validate() error {
	var prev []byte
	for i := range b.n {
		s, ok := b.suffix(i)
		if !ok {
			return errBlockOffsets
		}
		if i > 0 && bytes.Compare(prev, s) >= 0 {
			return damage("block's keys out of order")
		}
		prev = s
	}
	return nil
}

// isKey reports whether k is the block's key i (prefix and suffix).
func (b *block) isKey(i int, k []byte) (bool, error) {
	s, ok := b.suffix(i)
	if !ok {
		return false, errBlockOffsets
	}
	return len(k) == len(b.prefix)+len(s) && bytes.HasPrefix(k, b.prefix) && bytes.Equal(k[len(b.prefix):], s), nil
}

// search returns the index of key in the block, or where it would go and
// found false. hint is where to look first (the previous key's index, or
// -1): for keys asked in order, the key is there or right after it, and
// the search takes one or two comparisons rather than a dozen.
func (b *block) search(key []byte, hint int) (i int, found bool, err error) {
	if !bytes.HasPrefix(key, b.prefix) {
		return 0, false, nil
	}
	s := key[len(b.prefix):]
	lo, hi := 0, b.n
	for probe := hint; probe >= 0 && probe < b.n && probe <= hint+1; probe++ {
		suf, ok := b.suffix(probe)
		if !ok {
			return 0, false, errBlockOffsets
		}
		c := bytes.Compare(suf, s)
		if c == 0 {
			return probe, true, nil
		}
		if c > 0 {
			hi = probe
			break
		}
		lo = probe + 1
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		suf, ok := b.suffix(m)
		if !ok {
			return 0, false, errBlockOffsets
		}
		if bytes.Compare(suf, s) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == b.n {
		return lo, false, nil
	}
	suf, ok := b.suffix(lo)
	if !ok {
		return 0, false, errBlockOffsets
	}
	return lo, bytes.Equal(suf, s), nil
}

// size is what the block's records count against blockBytes.
func (b *block) size() int { return b.n*(12+len(b.prefix)) + len(b.data) }

// eachKey calls f with each key of the block, in order, in a buffer f
// must not keep.
func (b *block) eachKey(f func(key []byte)) error {
	var buf []byte
	for i := range b.n {
		s, ok := b.suffix(i)
		if !ok {
			return errBlockOffsets
		}
		buf = append(append(buf[:0], b.prefix...), s...)
		f(buf)
	}
	return nil
}

// records appends the block's records to dst, their keys copied out of
// the block (whose memory bbolt owns) into one allocation.
func (b *block) records(dst []record) ([]record, error) {
	var all strings.Builder
	all.Grow(b.n*len(b.prefix) + len(b.data))
	for i := range b.n {
		s, ok := b.suffix(i)
		if !ok {
			return dst, errBlockOffsets
		}
		all.Write(b.prefix)
		all.Write(s)
	}
	keys, at := all.String(), 0
	for i := range b.n {
		s, _ := b.suffix(i)
		n := len(b.prefix) + len(s)
		dst = append(dst, record{keys[at : at+n], b.time(i)})
		at += n
	}
	return dst, nil
}

// encodeBlock packs recs (sorted, each key once, at least one) as a block.
func encodeBlock(recs []record) []byte {
	first, last := recs[0].k, recs[len(recs)-1].k
	plen := 0
	for plen < len(first) && plen < len(last) && first[plen] == last[plen] {
		plen++
	}
	n := len(recs)
	data := 0
	for _, r := range recs {
		data += len(r.k) - plen
	}
	v := make([]byte, blockHeader+plen+4*(n+1)+8*n+data)
	v[0] = blockVersion
	binary.BigEndian.PutUint32(v[1:], uint32(n))
	binary.BigEndian.PutUint32(v[5:], uint32(plen))
	copy(v[blockHeader:], first[:plen])
	offs := v[blockHeader+plen:]
	times := offs[4*(n+1):]
	d := times[8*n:]
	at := 0
	for i, r := range recs {
		binary.BigEndian.PutUint32(offs[4*i:], uint32(at))
		binary.BigEndian.PutUint64(times[8*i:], uint64(r.t))
		at += copy(d[at:], r.k[plen:])
	}
	binary.BigEndian.PutUint32(offs[4*n:], uint32(at))
	return v
}

// putBlocks packs recs (sorted, each key once) into blocks and puts each
// under its last key. Records after the ledger's last are cut greedily,
// so that the blocks are full and the next commit fills the last one;
// records merged into the middle are cut into equal blocks, so that none
// is left small.
func putBlocks(b *bolt.Bucket, recs []record, greedy bool) error {
	put := func(part []record) error {
		return b.Put([]byte(part[len(part)-1].k), encodeBlock(part))
	}
	if greedy {
		for len(recs) > 0 {
			n, size := 0, 0
			for n < len(recs) && n < blockRecords && (n == 0 || size+recordSize(recs[n]) <= blockBytes) {
				size += recordSize(recs[n])
				n++
			}
			if err := put(recs[:n]); err != nil {
				return err
			}
			recs = recs[n:]
		}
		return nil
	}
	size := 0
	for _, r := range recs {
		size += recordSize(r)
	}
	parts := max(1, (len(recs)+blockRecords-1)/blockRecords, (size+blockBytes-1)/blockBytes)
	for p := range parts {
		if err := put(recs[p*len(recs)/parts : (p+1)*len(recs)/parts]); err != nil {
			return err
		}
	}
	return nil
}

// mergeRecords merges two sorted lists; a key in both keeps its later
// time (a --resend, or a key journalled before it was appended).
func mergeRecords(old, add []record) []record {
	out := make([]record, 0, len(old)+len(add))
	for len(old) > 0 && len(add) > 0 {
		switch c := strings.Compare(old[0].k, add[0].k); {
		case c < 0:
			out, old = append(out, old[0]), old[1:]
		case c > 0:
			out, add = append(out, add[0]), add[1:]
		default:
			out = append(out, record{old[0].k, max(old[0].t, add[0].t)})
			old, add = old[1:], add[1:]
		}
	}
	return append(append(out, old...), add...)
}

// mergeBlocks puts recs (sorted, each key once) into b: the records that
// fall into a block are merged into it and the block rewritten (split if
// it grew too big); records after the last block fill it up and become
// new blocks. It stops after rewriting maxBlocks blocks, so that a
// transaction stays small, and returns the records left.
func mergeBlocks(b *bolt.Bucket, recs []record, maxBlocks int) ([]record, error) {
	c := b.Cursor()
	for rewritten := 0; len(recs) > 0; rewritten++ {
		if rewritten == maxBlocks {
			return recs, nil
		}
		k, v := c.Seek([]byte(recs[0].k))
		if k == nil {
			return nil, appendBlocks(b, recs)
		}
		// The records up to k belong to k's block, whose last key stays k:
		// the last of its new blocks replaces it.
		n := sort.Search(len(recs), func(i int) bool { return recs[i].k > string(k) })
		blk, err := parseBlock(v)
		if err != nil {
			return nil, err
		}
		old, err := blk.records(make([]record, 0, blk.n))
		if err != nil {
			return nil, err
		}
		if err := putBlocks(b, mergeRecords(old, recs[:n]), false); err != nil {
			return nil, err
		}
		recs = recs[n:]
		c = b.Cursor() // a Put leaves a cursor's position undefined
	}
	return nil, nil
}

// appendBlocks puts recs, which all go after b's last key, at the end:
// the last block, if small, is filled first. One less than a quarter full
// is left as it is: rewriting it would cost more than it saves (a block
// takes as many pages as its records need).
func appendBlocks(b *bolt.Bucket, recs []record) error {
	k, v := b.Cursor().Last()
	if k != nil && recs[0].k <= string(k) {
		return fmt.Errorf("append of %d records before the last", len(recs))
	}
	if k != nil {
		blk, err := parseBlock(v)
		if err != nil {
			return err
		}
		if blk.size() < blockBytes/4 {
			old, err := blk.records(make([]record, 0, blk.n+len(recs)))
			if err != nil {
				return err
			}
			if err := b.Delete(k); err != nil {
				return err
			}
			recs = append(old, recs...)
		}
	}
	return putBlocks(b, recs, true)
}

// pruneBlocks takes the records sent before cut out of the blocks from
// from on (nil: the first) that hold a record sent before due (at most
// cut), deleting blocks left empty. It stops after rewriting maxBlocks
// blocks and returns where to go on, nil when done.
func pruneBlocks(b *bolt.Bucket, from []byte, cut, due int64, maxBlocks int) ([]byte, error) {
	type change struct {
		k    []byte
		keep []record
	}
	var changes []change
	c := b.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	var next []byte
	for ; k != nil; k, v = c.Next() {
		blk, err := parseBlock(v)
		if err != nil {
			return nil, err
		}
		old := -1
		for i := range blk.n {
			if blk.time(i) < due {
				old = i
				break
			}
		}
		if old < 0 {
			continue
		}
		if len(changes) == maxBlocks {
			next = bytes.Clone(k)
			break
		}
		recs, err := blk.records(make([]record, 0, blk.n))
		if err != nil {
			return nil, err
		}
		recs = slices.DeleteFunc(recs, func(r record) bool { return r.t < cut })
		changes = append(changes, change{bytes.Clone(k), recs})
	}
	// The cursor is done: bbolt's cursors do not survive changes to their
	// bucket.
	for _, ch := range changes {
		if len(ch.keep) == 0 || ch.keep[len(ch.keep)-1].k != string(ch.k) {
			if err := b.Delete(ch.k); err != nil {
				return nil, err
			}
		}
		if len(ch.keep) > 0 {
			if err := putBlocks(b, ch.keep, false); err != nil {
				return nil, err
			}
		}
	}
	return next, nil
}

// blockReader looks keys up in the blocks of one read transaction. It
// keeps the block the last key was found in: keys asked in order (receipt
// numbers) then fall into it without a descent of the tree.
type blockReader struct {
	c     *bolt.Cursor // nil: no blocks
	last  []byte       // the ledger's last key
	buf   []byte
	blk   block
	have  bool   // blk holds a block
	hint  int    // where in blk the last key was, or would be
	first []byte // blk's first key
	bkey  []byte // blk's last key
	seeks int    // descents of the tree, one per block searched
}

func newBlockReader(tx *bolt.Tx) blockReader {
	var r blockReader
	if b := tx.Bucket(blocksBucket); b != nil {
		r.c = b.Cursor()
		r.last, _ = r.c.Last()
	}
	return r
}

// after reports whether key goes after every key of the blocks.
func (r *blockReader) after(key string) bool { return r.last == nil || key > string(r.last) }

// inBlock reports whether key is within the block the last key was looked
// up in: then find needs no descent of the tree.
func (r *blockReader) inBlock(key string) bool {
	return r.have && key <= string(r.bkey) && key >= string(r.first)
}

// find returns key's sent-at time, or found false.
func (r *blockReader) find(key string) (t int64, found bool, err error) {
	if r.c == nil {
		return 0, false, nil
	}
	r.buf = append(r.buf[:0], key...)
	k := r.buf
	if !r.inBlock(key) {
		// A key after the last one recorded (a new receipt number) needs
		// no search.
		if r.last == nil || bytes.Compare(k, r.last) > 0 {
			return 0, false, nil
		}
		r.have = false
		r.seeks++
		bk, v := r.c.Seek(k)
		if bk == nil {
			return 0, false, nil
		}
		if r.blk, err = parseBlock(v); err != nil {
			return 0, false, err
		}
		s, ok := r.blk.suffix(0)
		if !ok {
			return 0, false, errBlockOffsets
		}
		r.first = append(append(r.first[:0], r.blk.prefix...), s...)
		r.bkey, r.have, r.hint = bk, true, -1
	}
	i, found, err := r.blk.search(k, r.hint)
	if err != nil {
		return 0, false, err
	}
	r.hint = i
	if !found {
		return 0, false, nil
	}
	return r.blk.time(i), true, nil
}

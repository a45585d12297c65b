package ledger

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Version 1 (before this package) had no "format" bucket and kept each
// key whole with its sent-at time (Unix seconds, 8 bytes big endian), in
// "sent" (bbolt key = ledger key, value = time), in "blocks" (sorted
// blocks: version byte 1, uint32 n and plen, a prefix of plen bytes, n+1
// uint32 offsets of the key suffixes, n int64 times, the suffixes) and in
// "journal" (a time, then uvarint-prefixed keys); "meta" noted a
// conversion's progress. The keys being whole, it converts without loss.
var v1Buckets = []string{"sent", "blocks", "journal", "meta"}

func isV1Bucket(name []byte) bool { return slices.Contains(v1Buckets, string(name)) }

// convertV1 moves a version 1 ledger's records into day buckets, adding
// each hash to the set with add, and marks the file as version 2. A file
// with no buckets (a new version 1 ledger) is only marked.
func convertV1(tx *bolt.Tx, add func([16]byte)) error {
	days := map[int64][]byte{}
	err := eachV1(tx, func(key []byte, t int64) {
		h := hashKey(key)
		day := t - t%86400 // a day before 1970 is no concern
		days[day] = append(days[day], h[:]...)
		add(h)
	})
	for day, rec := range days {
		err = errors.Join(err, appendRecord(tx, time.Unix(day, 0), rec))
	}
	for _, name := range v1Buckets {
		if tx.Bucket([]byte(name)) != nil {
			err = errors.Join(err, tx.DeleteBucket([]byte(name)))
		}
	}
	return errors.Join(err, markFormat(tx))
}

// eachV1 calls f with every key of a version 1 ledger and its sent-at
// time; key is valid only during the call.
func eachV1(tx *bolt.Tx, f func(key []byte, t int64)) error {
	u32, i64 := binary.BigEndian.Uint32, func(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }
	each := func(name string, g func(k, v []byte) error) error {
		if b := tx.Bucket([]byte(name)); b != nil {
			return b.ForEach(g)
		}
		return nil
	}
	var key []byte
	return errors.Join(each("sent", func(k, v []byte) error {
		if len(v) != 8 {
			return damage("version 1 record of a wrong size")
		}
		f(k, i64(v))
		return nil
	}), each("blocks", func(_, v []byte) error {
		if len(v) < 9 || v[0] != 1 {
			return damage("version 1 block of unknown format")
		}
		n, plen := uint64(u32(v[1:])), uint64(u32(v[5:]))
		if 9+plen+12*n+4 > uint64(len(v)) {
			return damage("version 1 block cut short")
		}
		offs, times, data := v[9+plen:], v[9+plen+4*(n+1):], v[9+plen+12*n+4:]
		for i := range n {
			lo, hi := u32(offs[4*i:]), u32(offs[4*i+4:])
			if lo > hi || int(hi) > len(data) {
				return damage("version 1 block's offsets out of bounds")
			}
			key = append(append(key[:0], v[9:9+plen]...), data[lo:hi]...)
			f(key, i64(times[8*i:]))
		}
		return nil
	}), each("journal", func(_, v []byte) error {
		for at := 8; at <= len(v); {
			if at == len(v) {
				return nil
			}
			n, w := binary.Uvarint(v[at:])
			if w <= 0 || n > uint64(len(v)-at-w) {
				break
			}
			f(v[at+w:at+w+int(n)], i64(v))
			at += w + int(n)
		}
		return damage("version 1 journal record cut short")
	}))
}

// Package ledger remembers which events Meta acknowledged, across runs, so
// that a nightly upload never sends an event twice: a few million keys kept
// 8 to 9 days, asked "seen?" a batch at a time, written so that what
// MarkSent returned for survives kill -9.
//
// Bolt keeps it in a bbolt file, format version 2:
//
//	bucket "format"      key "version" → "2"
//	bucket "YYYY-MM-DD"  one per UTC day on the run's clock; key: 8-byte
//	                     big-endian sequence number, one per MarkSent;
//	                     value: the keys sent, each as the first 16 bytes
//	                     of the SHA-256 of its ledger key, end to end
//
// Open reads every record into a hash set, which answers SeenAll; MarkSent
// appends a record to its day in one transaction, fsynced before it
// returns; Close drops the days past the retention. Version 1 ledgers are
// converted at Open (v1.go). ledgertest has the conformance suite and Mem.
package ledger

import (
	"bytes"
	"capi-upload/capi"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Retention is how long records are kept at least: Meta refuses events
// older than 7 days; a day of margin. Records go by whole UTC days, so one
// is kept 8 to 9 days. Retain lengthens it for a longer --max-age.
const Retention = 8 * 24 * time.Hour

// lockTimeout is how long Open waits for another run's lock: enough to
// ride out a run that is closing, short enough for a cron job to exit.
const (
	lockTimeout   = time.Second
	formatVersion = "2"
	dayLayout     = "2006-01-02"
)

var formatBucket, versionKey = []byte("format"), []byte("version")

// LockedError says another process holds the ledger.
type LockedError struct{ Path string }

func (e *LockedError) Error() string {
	return fmt.Sprintf("ledger %s is locked: another capi-upload run is using it; wait for it to finish or use another --state file", e.Path)
}

// CorruptError says the ledger file cannot be read as a ledger.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("ledger %s is damaged (%v): move it aside and run again; events sent in the last 7 days may then be sent a second time, which Meta deduplicates by event_id", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

var _ capi.Ledger = (*Bolt)(nil)

type damage string

func (d damage) Error() string { return string(d) }

// Bolt is the ledger in a bbolt file, locked for a run (shared if read-only).
type Bolt struct {
	db     *bolt.DB // nil: read-only, and the file does not exist
	path   string
	now    func() time.Time
	keep   time.Duration
	closed bool
	mu     sync.RWMutex // guards seen: MarkSent and SeenAll run concurrently
	seen   hashSet
}

// Open opens or creates the ledger at path and reads it through, so damage
// shows now: a *CorruptError, never a silent fresh start; a *LockedError
// when another run holds it. readOnly (validate) takes a shared lock, never
// writes, and reads a missing file as empty. Close prunes by the clock now.
func Open(path string, readOnly bool, now func() time.Time) (*Bolt, error) {
	l := &Bolt{path: path, now: now, keep: Retention}
	fi, err := os.Stat(path)
	switch {
	case readOnly && errors.Is(err, fs.ErrNotExist):
		return l, nil
	case errors.Is(err, fs.ErrNotExist):
		if err := create(path); err != nil {
			return nil, err
		}
	case err == nil && fi.Mode().IsRegular() && fi.Size() == 0: // create never leaves one
		return nil, &CorruptError{Path: path, Err: errors.New("the file is empty")}
	}
	if l.db, err = openBolt(path, readOnly); err != nil {
		return nil, err
	}
	if err := l.load(); err != nil {
		return nil, errors.Join(err, l.db.Close())
	}
	return l, nil
}

// openBolt opens the file with a short lock timeout and sorts bbolt's
// errors. bbolt panics on some damaged pages: the panic is damage too.
func openBolt(path string, readOnly bool) (db *bolt.DB, err error) {
	defer recoverCorrupt(path, &err)
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: readOnly})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, &LockedError{Path: path}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping),
		strings.Contains(err.Error(), "file size too small"): // no sentinel for this one
		return nil, &CorruptError{Path: path, Err: err}
	}
	return nil, openError("open", path, err)
}

// create makes a new ledger at path, never an empty file there (another run
// would take it for damaged; a full disk would leave it): bbolt writes into
// a temporary file, linked into place only if path still does not exist. A
// run that loses the race uses the other's, and finds it locked.
func create(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return openError("create", path, err)
	}
	defer os.Remove(tmp.Name())
	if err = errors.Join(tmp.Close(), initFile(tmp.Name())); err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return openError("create", path, err)
	}
	return nil
}

// initFile writes a new ledger at name; a test makes it fail as on a full disk.
var initFile = func(name string) error {
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	return errors.Join(db.Update(markFormat), db.Close())
}

func markFormat(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(formatBucket)
	if err != nil {
		return err
	}
	return b.Put(versionKey, []byte(formatVersion))
}

// openError names the path once, and what to do if its directory is missing.
func openError(op, path string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		err = le.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("open ledger %s: %w: create %s first, or give --state another path", path, err, filepath.Dir(path))
	}
	return fmt.Errorf("%s ledger %s: %w", op, path, err)
}

func recoverCorrupt(path string, err *error) {
	if r := recover(); r != nil {
		*err = &CorruptError{Path: path, Err: fmt.Errorf("%v", r)}
	} else if _, ok := errors.AsType[damage](*err); ok { // damage in what the file holds
		*err = &CorruptError{Path: path, Err: *err}
	}
}

// load reads and checks every record; it converts a version 1 ledger.
func (l *Bolt) load() (err error) {
	defer recoverCorrupt(l.path, &err)
	read := func(tx *bolt.Tx) error {
		version := ""
		if b := tx.Bucket(formatBucket); b != nil {
			version = string(b.Get(versionKey))
		}
		if version != "" && version != formatVersion {
			return fmt.Errorf("ledger %s was written by a newer capi-upload (format %s; this one reads %s): run that version, or give --state another path", l.path, version, formatVersion)
		}
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			switch _, err := time.Parse(dayLayout, string(name)); {
			case err == nil:
				return l.loadDay(b)
			case string(name) == string(formatBucket), version == "" && isV1Bucket(name):
				return nil
			}
			return damage(fmt.Sprintf("unexpected bucket %q: not a capi-upload ledger", name))
		})
		switch {
		case err != nil || version == formatVersion:
			return err
		case tx.Writable():
			return convertV1(tx, l.seen.add)
		}
		return eachV1(tx, func(key []byte, _ int64) { l.seen.add(hashKey(key)) })
	}
	if l.db.IsReadOnly() {
		return l.db.View(read)
	}
	return l.db.Update(read)
}

// loadDay adds a day bucket's hashes to the set.
func (l *Bolt) loadDay(b *bolt.Bucket) error {
	n := 0
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v) == 0 || len(v)%16 != 0 {
			return damage(fmt.Sprintf("record of %d bytes", len(v)))
		}
		n += len(v) / 16
		return nil
	})
	if err != nil {
		return err
	}
	l.seen.grow(n)
	return b.ForEach(func(_, v []byte) error {
		for ; len(v) > 0; v = v[16:] {
			l.seen.add([16]byte(v))
		}
		return nil
	})
}

// hashKey is a key as stored: 16 bytes of SHA-256, one size, no collisions.
func hashKey(k []byte) [16]byte {
	s := sha256.Sum256(k)
	return [16]byte(s[:16])
}

// SeenAll answers from memory, without a transaction.
func (l *Bolt) SeenAll(keys []string, seen []bool) error {
	if len(seen) < len(keys) {
		return fmt.Errorf("ledger: %d results for %d keys", len(seen), len(keys))
	}
	var buf []byte
	l.mu.RLock()
	defer l.mu.RUnlock()
	for i, k := range keys {
		buf = append(buf[:0], k...)
		seen[i] = l.seen.has(hashKey(buf))
	}
	return nil
}

// MarkSent records keys as sent at t, appended to t's UTC day in one
// transaction, and returns once they are on disk. They are not added to
// the set SeenAll answers from (capi.Ledger: a run does not ask about its
// own events), which keeps an upload's memory to the ledger it opened.
func (l *Bolt) MarkSent(keys []string, t time.Time) (err error) {
	if l.db == nil || l.db.IsReadOnly() {
		return fmt.Errorf("ledger %s is open read-only", l.path)
	}
	if len(keys) == 0 {
		return nil
	}
	rec, buf := make([]byte, 0, 16*len(keys)), []byte(nil)
	for _, k := range keys {
		h := hashKey(append(buf[:0], k...))
		rec = append(rec, h[:]...)
	}
	defer recoverCorrupt(l.path, &err)
	if err := l.db.Update(func(tx *bolt.Tx) error { return appendRecord(tx, t, rec) }); err != nil {
		return fmt.Errorf("ledger %s: record %d keys: %w", l.path, len(keys), err)
	}
	return nil
}

// appendRecord appends rec to the bucket of t's UTC day.
func appendRecord(tx *bolt.Tx, t time.Time, rec []byte) error {
	b, err := tx.CreateBucketIfNotExists([]byte(t.UTC().Format(dayLayout)))
	if err != nil {
		return err
	}
	b.FillPercent = 1 // append only: full pages
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), rec)
}

// Retain keeps records at least d plus a day: upload.Run passes its MaxAge,
// so that a --max-age above 7 days never forgets an event it could send.
func (l *Bolt) Retain(d time.Duration) { l.keep = max(l.keep, d+24*time.Hour) }

// Close drops the days wholly older than the retention on the run's clock
// (unless read-only), then releases the file and its lock.
func (l *Bolt) Close() error {
	if l.db == nil || l.closed {
		return nil
	}
	l.closed = true
	var err error
	if !l.db.IsReadOnly() {
		cut := l.now().Add(-l.keep - 24*time.Hour) // a day's bucket goes when all of it is past
		err = l.db.Update(func(tx *bolt.Tx) error {
			var old [][]byte
			err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				if day, err := time.Parse(dayLayout, string(name)); err == nil && !day.After(cut) {
					old = append(old, bytes.Clone(name))
				}
				return nil
			})
			for _, name := range old {
				err = errors.Join(err, tx.DeleteBucket(name))
			}
			return err
		})
	}
	if err != nil {
		err = fmt.Errorf("ledger %s: prune: %w", l.path, err)
	}
	return errors.Join(err, l.db.Close())
}

package upload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ledgerBucket holds one record per acknowledged event: the ledger key
// (pixel, event name, event id) → sent-at, Unix seconds, 8 bytes big endian.
var ledgerBucket = []byte("sent")

// LedgerRetention is how long records are kept at least: Meta refuses
// events older than 7 days, so a record older than that plus a day of
// margin can never again stop a duplicate. Retain lengthens it for a
// longer --max-age.
const LedgerRetention = 8 * 24 * time.Hour

// lockTimeout is how long OpenLedger waits for another run's lock: long
// enough to ride out a run that is just closing, short enough that a
// second cron job exits at once.
const lockTimeout = time.Second

// LockedError says another process holds the ledger.
type LockedError struct {
	Path string
}

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

// BoltLedger is the ledger on disk, a bbolt file locked for the duration
// of a run.
type BoltLedger struct {
	db     *bolt.DB // nil: read-only ledger whose file does not exist
	path   string
	keep   time.Duration
	now    func() time.Time
	closed bool

	gmu        sync.Mutex // guards queue and committing
	queue      []*markReq // MarkSent calls waiting for the next commit
	committing bool       // a MarkSent call is committing groups
}

var (
	_ Ledger = (*BoltLedger)(nil)
	_ Ledger = NopLedger{}
)

// OpenLedger opens or creates the ledger at path and reads it through, so
// that damage shows now rather than halfway through a run. It returns a
// *LockedError when another run holds it, and a *CorruptError when the
// file is not a readable ledger (it never starts over silently). readOnly
// (validate) takes a shared lock, never writes, and treats a missing file
// as an empty ledger without creating it. Close prunes old records.
func OpenLedger(path string, readOnly bool) (*BoltLedger, error) {
	return openLedger(path, readOnly, time.Now)
}

func openLedger(path string, readOnly bool, now func() time.Time) (*BoltLedger, error) {
	fi, statErr := os.Stat(path)
	if readOnly && errors.Is(statErr, fs.ErrNotExist) {
		return &BoltLedger{path: path, keep: LedgerRetention, now: now}, nil
	}
	// bbolt takes an empty file for a new ledger and starts over; an
	// existing ledger truncated to nothing (disk full, "> file") must not
	// silently resend everything.
	if statErr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		return nil, &CorruptError{Path: path, Err: errors.New("the file is empty")}
	}
	db, err := openBolt(path, readOnly)
	if _, ok := errors.AsType[*CorruptError](err); ok {
		return nil, err
	}
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, &LockedError{Path: path}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, &CorruptError{Path: path, Err: err}
	case err != nil:
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	l := &BoltLedger{db: db, path: path, keep: LedgerRetention, now: now}
	if err := l.check(); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// recoverCorrupt turns a bbolt panic on a damaged page into a
// *CorruptError: bbolt checks only the meta pages when it opens a file, and
// panics when a later read meets a page that is not what it should be.
func (l *BoltLedger) recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = &CorruptError{Path: l.path, Err: fmt.Errorf("%v", r)}
	}
}

// openBolt opens the file with a short lock timeout. bbolt panics when
// Open meets a damaged freelist page; the panic becomes a *CorruptError.
// The file descriptor bbolt opened then stays open (and locked) until the
// process exits, which the command does right after reporting the error.
func openBolt(path string, readOnly bool) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, &CorruptError{Path: path, Err: fmt.Errorf("%v", r)}
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: readOnly})
}

// check reads every record, so that damage shows when the ledger is
// opened rather than halfway through a run.
func (l *BoltLedger) check() (err error) {
	defer l.recoverCorrupt(&err)
	err = l.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(ledgerBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("record of %d bytes, want 8", len(v))
			}
			return nil
		})
	})
	if err != nil {
		return &CorruptError{Path: l.path, Err: err}
	}
	return nil
}

// prune deletes records sent before cut.
func (l *BoltLedger) prune(cut time.Time) (err error) {
	defer l.recoverCorrupt(&err)
	err = l.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(ledgerBucket)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; {
			if len(v) != 8 {
				return fmt.Errorf("record of %d bytes, want 8", len(v))
			}
			if int64(binary.BigEndian.Uint64(v)) < cut.Unix() {
				if err := c.Delete(); err != nil {
					return err
				}
				k, v = c.Seek(k) // Delete leaves the cursor before the next key
				continue
			}
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return &CorruptError{Path: l.path, Err: err}
	}
	return nil
}

// Seen reports whether key was recorded as sent: SeenAll for one key, for
// callers that ask about a single event.
func (l *BoltLedger) Seen(key string) (bool, error) {
	var seen [1]bool
	err := l.SeenAll([]string{key}, seen[:])
	return seen[0], err
}

// SeenAll sets seen[i] to whether keys[i] was recorded as sent, all in one
// read transaction: a transaction costs far more than a lookup, so Run and
// validate ask once per batch rather than once per event. seen must be at
// least as long as keys.
func (l *BoltLedger) SeenAll(keys []string, seen []bool) (err error) {
	if len(seen) < len(keys) {
		return fmt.Errorf("ledger: %d results for %d keys", len(seen), len(keys))
	}
	if l.db == nil {
		clear(seen[:len(keys)])
		return nil
	}
	defer l.recoverCorrupt(&err)
	err = l.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(ledgerBucket)
		if b == nil {
			clear(seen[:len(keys)])
			return nil
		}
		// One cursor and one key buffer for every key: Bucket.Get makes
		// a cursor per call, and []byte(k) would copy each key to the heap.
		c := b.Cursor()
		var buf []byte
		for i, k := range keys {
			buf = append(buf[:0], k...)
			got, v := c.Seek(buf)
			seen[i] = v != nil && bytes.Equal(got, buf)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger %s: %w", l.path, err)
	}
	return nil
}

// MarkSent records keys as sent at t and returns once they are on disk.
// Calls that arrive while a commit is under way are committed together in
// the next transaction (group commit): with 8 requests answered at about
// the same time, one fsync after another would hold each request's slot
// for the others' disk writes.
func (l *BoltLedger) MarkSent(keys []string, t time.Time) error {
	if l.db == nil || l.db.IsReadOnly() {
		return fmt.Errorf("ledger %s is open read-only", l.path)
	}
	req := &markReq{keys: keys, t: t, done: make(chan error, 1)}
	l.gmu.Lock()
	l.queue = append(l.queue, req)
	if l.committing {
		l.gmu.Unlock()
		return <-req.done
	}
	// This call leads: it commits what is queued until the queue stays
	// empty, its own keys in the first group.
	l.committing = true
	for len(l.queue) > 0 {
		group := l.queue
		l.queue = nil
		l.gmu.Unlock()
		err := l.commit(group)
		for _, r := range group {
			r.done <- err
		}
		l.gmu.Lock()
	}
	l.committing = false
	l.gmu.Unlock()
	return <-req.done
}

// markReq is one MarkSent call waiting for its group's commit.
type markReq struct {
	keys []string
	t    time.Time
	done chan error
}

// commit writes the keys of a group of MarkSent calls in one transaction.
func (l *BoltLedger) commit(group []*markReq) (err error) {
	defer l.recoverCorrupt(&err)
	err = l.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(ledgerBucket)
		if err != nil {
			return err
		}
		// Put copies the key, so one buffer serves every key.
		var buf []byte
		for _, r := range group {
			// Put keeps the value until the commit: one array per call.
			v := binary.BigEndian.AppendUint64(nil, uint64(r.t.Unix()))
			// In key order each Put lands beside the last one, in pages
			// already in memory: derived event ids are hashes, and in
			// file order they would touch a page of the tree each.
			keys := slices.Clone(r.keys)
			slices.Sort(keys)
			for _, k := range keys {
				buf = append(buf[:0], k...)
				if err := b.Put(buf, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger %s: %w", l.path, err)
	}
	return nil
}

// Retain keeps records for at least d (plus a day of margin) when Close
// prunes: Run calls it with its MaxAge, so that a --max-age longer than 7
// days never forgets an event it could still send.
func (l *BoltLedger) Retain(d time.Duration) {
	l.keep = max(l.keep, d+24*time.Hour)
}

// Close prunes records older than the retention (unless read-only), then
// releases the file and its lock.
func (l *BoltLedger) Close() error {
	if l.db == nil || l.closed {
		return nil
	}
	l.closed = true
	var err error
	if !l.db.IsReadOnly() {
		err = l.prune(l.now().Add(-l.keep))
	}
	return errors.Join(err, l.db.Close())
}

// NopLedger is the ledger of a dry run: nothing was sent before and
// nothing is recorded.
type NopLedger struct{}

// SeenAll reports every key as new.
func (NopLedger) SeenAll(keys []string, seen []bool) error {
	clear(seen[:len(keys)])
	return nil
}

// MarkSent records nothing.
func (NopLedger) MarkSent([]string, time.Time) error { return nil }

// Close does nothing.
func (NopLedger) Close() error { return nil }

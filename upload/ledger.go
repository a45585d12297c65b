package upload

import (
	"bytes"
	"crypto/sha256"
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

// The ledger file holds two buckets. eventsBucket maps the digest of an
// event's ledger key (pixel, event name, event id) to when it was sent,
// Unix seconds, 8 bytes big endian. journalBucket is where a run appends
// what Meta acknowledged, one record per commit: a sequence number → the
// sent-at time followed by the 16-byte digests of the commit's keys.
//
// A B-tree takes keys in random order badly: event ids derived from
// customer data are hashes, and a commit of a thousand of them dirtied a
// thousand pages of the tree, each written again at every later commit
// (a 1M-event upload wrote gigabytes and took 50 s). Appending to the
// journal touches the last page only. The journal is merged into the
// events bucket in key order when it grows past journalMerge digests, and
// when the ledger is opened or closed; between merges its digests are also
// kept in memory, so that SeenAll sees them.
var (
	eventsBucket  = []byte("events")
	journalBucket = []byte("journal")
	// legacyBucket is the first format: the full ledger key → sent-at.
	// OpenLedger moves its records into eventsBucket.
	legacyBucket = []byte("sent")
)

// journalMerge is how many digests the journal takes before they are
// merged into the events bucket: the memory for the set of unmerged
// digests is bounded by it (about 40 bytes each).
const journalMerge = 200_000

// digestSize is the length of a key's digest: 128 bits of SHA-256, so that
// two keys sharing one is out of the question for any ledger.
const digestSize = 16

type digest [digestSize]byte

func keyDigest(key string) digest {
	sum := sha256.Sum256([]byte(key))
	return digest(sum[:digestSize])
}

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

	// unmerged holds the digests in the journal: recorded, not yet in
	// the events bucket. Commits add to it while SeenAll reads it.
	umu      sync.RWMutex
	unmerged map[digest]struct{}
	mergeAt  int // journalMerge; smaller in tests
	// legacy: the file still has the first format's bucket (read-only
	// opens cannot move it), which SeenAll then asks too.
	legacy bool
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
	l := &BoltLedger{db: db, path: path, keep: LedgerRetention, now: now, unmerged: map[digest]struct{}{}, mergeAt: journalMerge}
	if err := l.check(); err != nil {
		db.Close()
		return nil, err
	}
	if readOnly {
		err = l.loadJournal()
	} else {
		err = l.merge(true)
	}
	if err != nil {
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
		checks := []struct {
			name  []byte
			valid func(k, v []byte) bool
		}{
			{eventsBucket, func(k, v []byte) bool { return len(k) == digestSize && len(v) == 8 }},
			{legacyBucket, func(_, v []byte) bool { return len(v) == 8 }},
			{journalBucket, func(k, v []byte) bool { return len(k) == 8 && len(v) >= 8 && (len(v)-8)%digestSize == 0 }},
		}
		for _, c := range checks {
			b := tx.Bucket(c.name)
			if b == nil {
				continue
			}
			if bytes.Equal(c.name, legacyBucket) {
				l.legacy = true
			}
			err := b.ForEach(func(k, v []byte) error {
				if !c.valid(k, v) {
					return fmt.Errorf("bucket %s: record of %d+%d bytes", c.name, len(k), len(v))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return &CorruptError{Path: l.path, Err: err}
	}
	return nil
}

// loadJournal reads the digests of a journal that a run left unmerged (it
// was killed) into memory, for a read-only ledger, which cannot merge it.
func (l *BoltLedger) loadJournal() (err error) {
	defer l.recoverCorrupt(&err)
	return l.db.View(func(tx *bolt.Tx) error {
		j := tx.Bucket(journalBucket)
		if j == nil {
			return nil
		}
		return j.ForEach(func(_, v []byte) error {
			for d := v[8:]; len(d) >= digestSize; d = d[digestSize:] {
				l.unmerged[digest(d[:digestSize])] = struct{}{}
			}
			return nil
		})
	})
}

// merge moves the journal's records, and the first format's if migrate,
// into the events bucket in key order, in one transaction.
func (l *BoltLedger) merge(migrate bool) (err error) {
	defer l.recoverCorrupt(&err)
	type record struct {
		d digest
		t [8]byte
	}
	var recs []record
	err = l.db.Update(func(tx *bolt.Tx) error {
		// The first format's records are older than any journal's: they
		// go first, so that a key in both keeps the journal's time.
		if old := tx.Bucket(legacyBucket); migrate && old != nil {
			err := old.ForEach(func(k, v []byte) error {
				var t [8]byte
				copy(t[:], v)
				recs = append(recs, record{keyDigest(string(k)), t})
				return nil
			})
			if err != nil {
				return err
			}
			if err := tx.DeleteBucket(legacyBucket); err != nil {
				return err
			}
		}
		if j := tx.Bucket(journalBucket); j != nil {
			err := j.ForEach(func(_, v []byte) error {
				var t [8]byte
				copy(t[:], v[:8])
				for d := v[8:]; len(d) >= digestSize; d = d[digestSize:] {
					recs = append(recs, record{digest(d[:digestSize]), t})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := tx.DeleteBucket(journalBucket); err != nil {
				return err
			}
		}
		if len(recs) == 0 {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(eventsBucket)
		if err != nil {
			return err
		}
		// A record sent again (--resend) keeps its latest time.
		slices.SortStableFunc(recs, func(a, b record) int { return bytes.Compare(a.d[:], b.d[:]) })
		for i := range recs {
			if i+1 < len(recs) && recs[i+1].d == recs[i].d {
				continue
			}
			// Put keeps key and value until the commit; recs outlives it.
			if err := b.Put(recs[i].d[:], recs[i].t[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger %s: merge the journal: %w", l.path, err)
	}
	if migrate {
		l.legacy = false
	}
	l.umu.Lock()
	clear(l.unmerged)
	l.umu.Unlock()
	return nil
}

// prune deletes records sent before cut.
func (l *BoltLedger) prune(cut time.Time) (err error) {
	defer l.recoverCorrupt(&err)
	err = l.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(eventsBucket)
		if b == nil {
			return nil
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
	l.umu.RLock()
	defer l.umu.RUnlock()
	err = l.db.View(func(tx *bolt.Tx) error {
		var c, legacy *bolt.Cursor
		if b := tx.Bucket(eventsBucket); b != nil {
			c = b.Cursor()
		}
		if b := tx.Bucket(legacyBucket); l.legacy && b != nil {
			legacy = b.Cursor()
		}
		// One cursor and one key buffer for every key: Bucket.Get makes
		// a cursor per call.
		var buf []byte
		for i, k := range keys {
			d := keyDigest(k)
			_, seen[i] = l.unmerged[d]
			if !seen[i] && c != nil {
				got, v := c.Seek(d[:])
				seen[i] = v != nil && bytes.Equal(got, d[:])
			}
			if !seen[i] && legacy != nil {
				buf = append(buf[:0], k...)
				got, v := legacy.Seek(buf)
				seen[i] = v != nil && bytes.Equal(got, buf)
			}
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

// commit appends the keys of a group of MarkSent calls to the journal in
// one transaction, and merges the journal when it has grown large.
func (l *BoltLedger) commit(group []*markReq) (err error) {
	defer l.recoverCorrupt(&err)
	var added []digest
	err = l.db.Update(func(tx *bolt.Tx) error {
		j, err := tx.CreateBucketIfNotExists(journalBucket)
		if err != nil {
			return err
		}
		for _, r := range group {
			seq, err := j.NextSequence()
			if err != nil {
				return err
			}
			v := make([]byte, 8, 8+digestSize*len(r.keys))
			binary.BigEndian.PutUint64(v, uint64(r.t.Unix()))
			for _, k := range r.keys {
				d := keyDigest(k)
				v = append(v, d[:]...)
				added = append(added, d)
			}
			if err := j.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger %s: %w", l.path, err)
	}
	l.umu.Lock()
	for _, d := range added {
		l.unmerged[d] = struct{}{}
	}
	full := len(l.unmerged) >= l.mergeAt
	l.umu.Unlock()
	if full {
		return l.merge(false)
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
		err = l.merge(false)
		if err == nil {
			err = l.prune(l.now().Add(-l.keep))
		}
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

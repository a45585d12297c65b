package upload

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The ledger file holds its records in blocksBucket: each record is an
// event's ledger key (pixel, event name, event id) and when it was sent,
// packed by the hundred in sorted blocks (ledgerblock.go says how).
// journalBucket is where a run appends what Meta acknowledged, one record
// per commit: a sequence number → the sent-at time, 8 bytes big endian,
// then each key as a uvarint length and its bytes.
//
// A commit whose keys all go after the last one recorded (receipt
// numbers, acknowledged in order) is packed into new blocks at once, an
// append that writes a few pages. Keys in no
// order (event ids derived from customer data are hashes) would each
// rewrite a block, so a commit that holds any goes to the journal
// instead, which touches its last page only. The journal is merged into
// the blocks in key order when it holds journalMerge keys, and when a
// close finds records in it old enough to prune; otherwise it stays for
// the next run. Each block is rewritten once per merge.
// Between merges the journal's keys are also remembered in memory (as
// 128-bit hashes), so SeenAll sees them. SeenAll asks a filter of the
// ledger's keys first (ledgerblockfilter.go), so that a new key in no
// order costs no search of the blocks.
//
// A key keeps its latest sent-at time: a key sent again (--resend), or
// journalled and then appended, is merged with the later of its times.
//
// Ledgers written before the blocks have sentBucket instead, one bbolt
// key per event → its 8-byte time. A read-write open packs it into blocks,
// convertChunk records per transaction, noting in metaBucket the last key
// packed, so that a conversion cut short goes on at the next open; a
// read-only open answers from both.
var (
	journalBucket = []byte("journal")
	sentBucket    = []byte("sent")
	metaBucket    = []byte("meta")
	convertedKey  = []byte("sent converted up to")
)

// filterKeys is the least number of keys a filter is sized for (1.5 MB):
// an upload of a million events into a new ledger never rebuilds it.
const filterKeys = 1 << 20

// journalMerge is how many keys the journal takes before they are merged:
// it bounds the memory for remembering them (about 30 bytes each). A merge
// rewrites every block that its keys fall into, and keys in no order fall
// into every block: merged every 200,000 keys, an upload of a million
// derived ids rewrote the ledger five times, and a quarter of its time
// went to merging.
const journalMerge = 1_000_000

// mergePart is about how many records a merge reads into memory at a time
// (mergeParts): about 30 MB.
const mergePart = 200_000

// unmergedSize is what the journal's keys in memory are sized for at
// first: a run that journals a few keys does not pay for a million.
const unmergedSize = 1 << 18

// mergeBlocksPerTx is how many blocks one transaction of a merge or a
// prune rewrites: a few megabytes in memory at a time, each block still
// written once.
const mergeBlocksPerTx = 256

// convertChunk is how many records of a ledger written before the blocks
// one transaction packs.
const convertChunk = 100_000

// keyHash identifies a ledger key in memory: two 64-bit hashes with
// independent seeds, so that two keys of a run sharing one is out of the
// question, at a fraction of SHA-256's cost.
type keyHash [2]uint64

var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func hashKey[S string | []byte](k S) keyHash {
	if b, ok := any(k).([]byte); ok {
		return keyHash{maphash.Bytes(keySeeds[0], b), maphash.Bytes(keySeeds[1], b)} // string(k) would copy it
	}
	return keyHash{maphash.String(keySeeds[0], string(k)), maphash.String(keySeeds[1], string(k))}
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

	// wmu makes MarkSent calls take turns: a merge must not miss a
	// journal record appended while it runs.
	wmu sync.Mutex

	// unmerged holds the keys in the journal: recorded, not yet in the
	// blocks; filter, every key of the ledger up to filterMax (addToFilter
	// says why not all). Commits add to them while SeenAll reads them.
	umu        sync.RWMutex
	unmerged   map[keyHash]struct{}
	journalMax string // the greatest key in unmerged
	// journalFrom is the earliest sent-at time in the journal (Unix
	// seconds), for Close; guarded by wmu, which every writer holds.
	journalFrom int64
	filter      *keyFilter
	filterMax   string // every key recorded up to this one is in filter
	filterKeys  int    // the least a filter is sized for; smaller in tests
	// wantFilter says a SeenAll searched the blocks enough times
	// (filterDue) that the next builds the filter; searched counts the
	// searches since the open, and records is what the blocks held then.
	wantFilter  atomic.Bool
	searched    atomic.Int64
	records     int
	filterAfter int // filterSearches; smaller in tests
	mergeAt     int // journalMerge; smaller in tests
	mergePart   int // mergePart; smaller in tests
	perTx       int // mergeBlocksPerTx; smaller in tests
	convert     int // convertChunk; smaller in tests
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
// now is the run's clock: records are kept by it, so a run whose clock is
// pinned (a test, a replayed backfill) prunes by the same time it records.
func OpenLedger(path string, readOnly bool, now func() time.Time) (*BoltLedger, error) {
	return openLedger(path, readOnly, now)
}

func openLedger(path string, readOnly bool, now func() time.Time) (*BoltLedger, error) {
	fi, statErr := os.Stat(path)
	if readOnly && errors.Is(statErr, fs.ErrNotExist) {
		return &BoltLedger{path: path, keep: LedgerRetention, now: now}, nil
	}
	if !readOnly && errors.Is(statErr, fs.ErrNotExist) {
		if err := createLedger(path); err != nil {
			return nil, err
		}
	} else if statErr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		// bbolt takes an empty file for a new ledger and starts over.
		// capi-upload never leaves one (createLedger), so this is a
		// ledger truncated to nothing ("> file", or a full disk under an
		// older version) or a foreign file: starting over would silently
		// resend everything, so it is damaged (README "Sending, retries and the ledger").
		return nil, &CorruptError{Path: path, Err: errors.New("the file is empty")}
	}
	db, err := openBolt(path, readOnly)
	if _, ok := errors.AsType[*CorruptError](err); ok {
		return nil, err
	}
	switch {
	case err != nil && strings.Contains(err.Error(), "file size too small"):
		// bbolt's check that the file holds its two meta pages, a plain
		// error without a sentinel: a ledger cut short.
		return nil, &CorruptError{Path: path, Err: err}
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, &LockedError{Path: path}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, &CorruptError{Path: path, Err: err}
	case err != nil:
		// The message names the path once: os's errors name it too.
		if pe, ok := errors.AsType[*fs.PathError](err); ok && pe.Path == path {
			err = pe.Err
		}
		if dir := filepath.Dir(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open ledger %s: %w: create %s first, or give --state another path", path, err, dir)
		}
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	l := &BoltLedger{db: db, path: path, keep: LedgerRetention, now: now, mergeAt: journalMerge, mergePart: mergePart, perTx: mergeBlocksPerTx, convert: convertChunk, filterKeys: filterKeys, filterAfter: filterSearches}
	if err := l.check(); err != nil {
		db.Close()
		return nil, err
	}
	if !readOnly {
		err = l.convertSent()
	}
	if err == nil {
		err = l.loadJournal()
	}
	if err == nil && !readOnly && len(l.unmerged) >= l.mergeAt {
		err = l.merge()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// createLedger makes a new, empty ledger at path without a moment when
// path is an empty file: bbolt writes its first pages into a temporary file
// beside path, which is then linked into place only if path still does not
// exist. An empty file at path would be taken for damaged by a run that
// opens the ledger at the same moment, and a full disk would leave one
// that every later run refuses. A run that loses the race to create the
// ledger uses the other's (and finds it locked).
func createLedger(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return ledgerCreateError(path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Close(); err != nil {
		return ledgerCreateError(path, err)
	}
	if err := initLedgerFile(name); err != nil {
		return ledgerCreateError(path, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return ledgerCreateError(path, err)
	}
	return nil
}

// initLedgerFile writes bbolt's first pages into the empty file at name;
// tests replace it to fail as a full disk would.
var initLedgerFile = func(name string) error {
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	return db.Close()
}

func ledgerCreateError(path string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		err = le.Err
	}
	if dir := filepath.Dir(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("open ledger %s: %w: create %s first, or give --state another path", path, err, dir)
	}
	return fmt.Errorf("create ledger %s: %w", path, err)
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
// opened rather than halfway through a run: every block decodes, holds
// its keys in order under its last one, and goes after the block before.
func (l *BoltLedger) check() (err error) {
	defer l.recoverCorrupt(&err)
	err = l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(blocksBucket); b != nil {
			var prev []byte
			l.records = 0
			err := b.ForEach(func(k, v []byte) error {
				n, err := checkBlock(prev, k, v)
				if err != nil {
					return fmt.Errorf("block of %d bytes: %w", len(v), err)
				}
				l.records += n
				prev = k
				return nil
			})
			if err != nil {
				return err
			}
		}
		if b := tx.Bucket(sentBucket); b != nil {
			err := b.ForEach(func(_, v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("record of %d bytes, want 8", len(v))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if j := tx.Bucket(journalBucket); j != nil {
			return j.ForEach(func(_, v []byte) error {
				return journalKeys(v, func(int, int) {})
			})
		}
		return nil
	})
	if err != nil {
		return &CorruptError{Path: l.path, Err: err}
	}
	return nil
}

// checkBlock checks the block v stored under key k, after the block stored
// under prev (nil for the first), and returns how many records it holds.
func checkBlock(prev, k, v []byte) (int, error) {
	blk, err := parseBlock(v)
	if err != nil {
		return 0, err
	}
	if err := blk.validate(); err != nil {
		return 0, err
	}
	if ok, err := blk.isKey(blk.n-1, k); err != nil || !ok {
		return 0, cmp.Or(err, error(damage("block stored under another key than its last")))
	}
	if prev != nil {
		first, _ := blk.suffix(0)
		if bytes.Compare(prev, slices.Concat(blk.prefix, first)) >= 0 {
			return 0, damage("block's keys overlap the block before")
		}
	}
	return blk.n, nil
}

// journalKeys calls f with where each key of a journal record is in it,
// v[from:to] (a record is the sent-at time, then uvarint-prefixed keys),
// or says how it is damaged.
func journalKeys(v []byte, f func(from, to int)) error {
	if len(v) < 8 {
		return damage(fmt.Sprintf("journal record of %d bytes", len(v)))
	}
	for at := 8; at < len(v); {
		n, w := binary.Uvarint(v[at:])
		if w <= 0 || n > uint64(len(v)-at-w) {
			return damage("journal record cut short")
		}
		f(at+w, at+w+int(n))
		at += w + int(n)
	}
	return nil
}

// eachJournalKey calls f with each key of the journal and its sent-at
// time, in the journal's order, in one read transaction: k is valid only
// during the call.
func (l *BoltLedger) eachJournalKey(f func(k []byte, t int64)) error {
	return l.db.View(func(tx *bolt.Tx) error {
		j := tx.Bucket(journalBucket)
		if j == nil {
			return nil
		}
		return j.ForEach(func(_, v []byte) error {
			return journalKeys(v, func(from, to int) {
				f(v[from:to], int64(binary.BigEndian.Uint64(v)))
			})
		})
	})
}

// loadJournal remembers the keys of the journal that earlier runs left
// unmerged, so that SeenAll sees them.
func (l *BoltLedger) loadJournal() (err error) {
	defer l.recoverCorrupt(&err)
	return l.eachJournalKey(func(k []byte, t int64) {
		if l.unmerged == nil {
			l.unmerged = map[keyHash]struct{}{}
		}
		l.unmerged[hashKey(k)] = struct{}{}
		if string(k) > l.journalMax {
			l.journalMax = string(k)
		}
		if l.journalFrom == 0 || t < l.journalFrom {
			l.journalFrom = t
		}
	})
}

// loadFilter builds the filter of the ledger's keys, those of the blocks,
// of a sent bucket not yet converted and of the journal, sized for twice
// as many: at open, and when the keys recorded since outgrow it.
func (l *BoltLedger) loadFilter() (err error) {
	defer l.recoverCorrupt(&err)
	var f *keyFilter
	var top string // the greatest key
	err = l.db.View(func(tx *bolt.Tx) error {
		blocks, sent, journal := tx.Bucket(blocksBucket), tx.Bucket(sentBucket), tx.Bucket(journalBucket)
		for _, b := range []*bolt.Bucket{blocks, sent} {
			if b != nil {
				if k, _ := b.Cursor().Last(); string(k) > top {
					top = string(k)
				}
			}
		}
		n := 0
		if blocks != nil {
			err := blocks.ForEach(func(_, v []byte) error {
				blk, err := parseBlock(v)
				n += blk.n
				return err
			})
			if err != nil {
				return err
			}
		}
		if sent != nil {
			n += sent.Stats().KeyN
		}
		l.umu.RLock()
		n += len(l.unmerged)
		l.umu.RUnlock()
		f = newKeyFilter(max(2*n, l.filterKeys))
		if blocks != nil {
			err := blocks.ForEach(func(_, v []byte) error {
				blk, err := parseBlock(v)
				if err != nil {
					return err
				}
				return blk.eachKey(func(k []byte) { f.add(filterHash(k)) })
			})
			if err != nil {
				return err
			}
		}
		if sent != nil {
			err := sent.ForEach(func(k, _ []byte) error {
				f.add(filterHash(k))
				return nil
			})
			if err != nil {
				return err
			}
		}
		if journal != nil {
			return journal.ForEach(func(_, v []byte) error {
				return journalKeys(v, func(from, to int) {
					f.add(filterHash(v[from:to]))
					if k := v[from:to]; string(k) > top {
						top = string(k)
					}
				})
			})
		}
		return nil
	})
	if err != nil {
		return l.fail("read the keys", err)
	}
	l.umu.Lock()
	l.filter, l.filterMax = f, top
	l.umu.Unlock()
	return nil
}

// filterSearches is how many searches of the blocks one SeenAll makes
// before the filter may be built for the next: keys in no order (derived
// event ids), which it saves a search each. Keys in order (receipt
// numbers) search a block per few hundred keys, and spare the open of a
// ledger of a million keys the filter's 0.1 CPU s.
const filterSearches = 64

// searchesPerRecord is how many records of the ledger the filter takes
// in per search of the blocks it saves: on a ledger of 3M derived ids,
// adding a record cost 113 ns and a search 2.8 us (perf, pinned). A run
// of 100,000 new derived ids on that ledger spent 0.34 s building a
// filter that saved it 0.28 s of searches; it now searches, and a run
// that goes on searching builds the filter once its searches have cost
// about as much as building it, which is at most twice the best choice
// in hindsight whatever the length of the run.
const searchesPerRecord = 24

// filterDue reports whether a SeenAll that searched the blocks n times,
// total since the open, makes the filter worth building: keys in no order,
// searched enough times to have cost what the filter does.
func (l *BoltLedger) filterDue(n int, total int64) bool {
	return n >= l.filterAfter && total >= int64(l.records/searchesPerRecord)
}

// buildFilter builds the filter a SeenAll asked for, with MarkSent held
// off: a key it journals while the file is read must not miss the filter.
func (l *BoltLedger) buildFilter() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.umu.RLock()
	built := l.filter != nil
	l.umu.RUnlock()
	if !built {
		if err := l.loadFilter(); err != nil {
			return err
		}
	}
	l.wantFilter.Store(false)
	return nil
}

// addToFilter adds keys to the filter before their commit, so that no
// SeenAll ever finds a recorded key missing from it. SeenAll asks the
// filter about keys up to filterMax only, and finds a key after it in the
// blocks, in order, at no more cost than the filter's: so appended keys
// (journal false) after filterMax stay out of the filter, a cache miss per
// key saved in an upload of receipt numbers. Journalled keys all go in,
// and when they raise filterMax, so do the keys of blocks after the old
// one, which were left out.
func (l *BoltLedger) addToFilter(b *bolt.Bucket, ck commitKeys, journal bool) error {
	l.umu.Lock()
	defer l.umu.Unlock()
	if l.filter == nil {
		return nil // none yet: it will be built from the file
	}
	if journal || ck.lo <= l.filterMax {
		for _, k := range ck.keys {
			if journal || k <= l.filterMax {
				l.filter.add(filterHash(k))
			}
		}
	}
	top := ck.hi
	if !journal || top <= l.filterMax {
		return nil
	}
	c := b.Cursor()
	for bk, v := c.Seek([]byte(l.filterMax)); bk != nil; bk, v = c.Next() {
		blk, err := parseBlock(v)
		if err != nil {
			return err
		}
		err = blk.eachKey(func(k []byte) {
			if string(k) > l.filterMax {
				l.filter.add(filterHash(k))
			}
		})
		if err != nil {
			return err
		}
		if string(bk) > top {
			top = string(bk)
		}
	}
	l.filterMax = strings.Clone(top)
	return nil
}

// merge moves the journal's records into the blocks in key order, then
// deletes the journal. It takes the journal a part at a time, each part a
// range of keys of about mergePart records, so that a merge holds no more
// than a part in memory however large the journal (each part's records
// are copied out of the file's pages, which are valid only for their
// transaction). The parts go in key order, so each block is still
// rewritten once; each costs a read of the whole journal, which is little
// next to the rewriting. A part's records are merged perTx blocks at a time,
// each in its own transaction: its keys are neighbours, so a transaction
// holds only its blocks in memory. A merge cut short by a crash is done
// again from the journal at the next open; merging a record twice is
// harmless.
func (l *BoltLedger) merge() (err error) {
	defer l.recoverCorrupt(&err)
	parts, err := l.journalParts()
	if err != nil || parts == nil {
		return err
	}
	for i := range parts.n() {
		recs, err := l.journalPart(parts, i)
		if err != nil {
			return err
		}
		for rest := sortJournal(recs); len(rest) > 0; {
			err := l.db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists(blocksBucket)
				if err != nil {
					return err
				}
				rest, err = mergeBlocks(b, rest, l.perTx)
				return err
			})
			if err != nil {
				return l.fail("merge the journal", err)
			}
		}
	}
	err = l.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(journalBucket) })
	if err != nil {
		return fmt.Errorf("ledger %s: merge the journal: %w", l.path, err)
	}
	l.umu.Lock()
	clear(l.unmerged)
	l.journalMax = ""
	l.umu.Unlock()
	l.journalFrom = 0
	return nil
}

// mergeParts divides the journal's keys into ranges for merge: part i
// holds the keys from cuts[i-1] (none for i = 0) up to, not including,
// cuts[i] (none for the last).
type mergeParts struct {
	cuts [][]byte
	// of is the part of each key of the journal, in the journal's order,
	// so that each part's read of the journal compares no keys; nil when
	// there is one part.
	of []uint32
	// keys and bytes are the journal's, to size a part's buffers.
	keys, bytes int
}

func (p *mergeParts) n() int { return len(p.cuts) + 1 }

// part returns the part that holds key k.
func (p *mergeParts) part(k []byte) int {
	i, cut := slices.BinarySearchFunc(p.cuts, k, bytes.Compare)
	if cut {
		i++ // a part starts at its cut
	}
	return i
}

// journalParts reads the journal's keys through, keeping only a sample,
// and cuts them into parts of about l.mergePart keys: one cut every so
// many keys of the sample, sorted. It returns nil for an empty journal.
func (l *BoltLedger) journalParts() (*mergeParts, error) {
	parts := &mergeParts{}
	err := l.eachJournalKey(func(k []byte, _ int64) {
		parts.keys++
		parts.bytes += len(k)
	})
	if err != nil {
		return nil, l.fail("merge the journal", err)
	}
	if parts.keys == 0 {
		return nil, nil
	}
	if parts.keys <= l.mergePart {
		return parts, nil
	}
	// About 64 samples a part place the cuts within a few percent of
	// where a sort of every key would.
	every := max(1, l.mergePart/64)
	var sample [][]byte
	i := 0
	err = l.eachJournalKey(func(k []byte, _ int64) {
		if i%every == 0 {
			sample = append(sample, bytes.Clone(k))
		}
		i++
	})
	if err != nil {
		return nil, l.fail("merge the journal", err)
	}
	slices.SortFunc(sample, bytes.Compare)
	per := max(1, l.mergePart/every)
	for at := per; at < len(sample); at += per {
		// A key sent twice is sampled twice; its cut is made once.
		if c := sample[at]; bytes.Compare(c, sample[0]) > 0 &&
			(len(parts.cuts) == 0 || bytes.Compare(c, parts.cuts[len(parts.cuts)-1]) > 0) {
			parts.cuts = append(parts.cuts, c)
		}
	}
	parts.of = make([]uint32, 0, parts.keys)
	err = l.eachJournalKey(func(k []byte, _ int64) { parts.of = append(parts.of, uint32(parts.part(k))) })
	if err != nil {
		return nil, l.fail("merge the journal", err)
	}
	return parts, nil
}

// journalPart returns the journal's records of part i, copied out of the
// file's pages: the keys into one string, which the records slice.
func (l *BoltLedger) journalPart(parts *mergeParts, i int) ([]record, error) {
	type span struct {
		from, to int
		t        int64
	}
	// Room for a part's share and a little more, as parts vary.
	n := parts.n()
	data := make([]byte, 0, parts.bytes/n+parts.bytes/n/8)
	spans := make([]span, 0, parts.keys/n+parts.keys/n/8)
	at := 0
	err := l.eachJournalKey(func(k []byte, t int64) {
		// The journal cannot change under a merge (MarkSent waits for
		// it), so its keys come in the order parts.of has.
		if parts.of == nil || (at < len(parts.of) && parts.of[at] == uint32(i)) {
			spans = append(spans, span{len(data), len(data) + len(k), t})
			data = append(data, k...)
		}
		at++
	})
	if err != nil {
		return nil, l.fail("merge the journal", err)
	}
	if at != parts.keys {
		// A merge that went on would delete records it never merged.
		return nil, fmt.Errorf("ledger %s: merge the journal: it held %d keys, then %d", l.path, parts.keys, at)
	}
	s := string(data)
	recs := make([]record, len(spans))
	for i, sp := range spans {
		recs[i] = record{s[sp.from:sp.to], sp.t}
	}
	return recs, nil
}

// sortJournal sorts the journal's records by key, each key once with its
// latest time (a key sent again, --resend). The keys share a long prefix
// (pixel and event name) and are told apart by the bytes after it, so
// they are sorted by those 8 bytes as a number first, a radix sort that
// moves 16 bytes a key per pass and compares nothing, then by whole keys
// where those 8 bytes are equal: a fraction of the time a sort comparing
// strings takes for a journal of hashes.
func sortJournal(recs []record) []record {
	if len(recs) == 0 {
		return nil
	}
	p := len(recs[0].k)
	for _, r := range recs[1:] {
		p = min(p, len(r.k))
		for i := range p {
			if r.k[i] != recs[0].k[i] {
				p = i
				break
			}
		}
	}
	ords := make([]ord, len(recs))
	var b [8]byte
	for i, r := range recs {
		clear(b[:])
		copy(b[:], r.k[p:])
		ords[i] = ord{binary.BigEndian.Uint64(b[:]), i}
	}
	radixSort(ords)
	// Padding with zeros keeps the order: a key whose 8 bytes are less is
	// less. Equal ones are told apart by the whole key.
	for i := 0; i < len(ords); {
		j := i + 1
		for j < len(ords) && ords[j].abbr == ords[i].abbr {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(ords[i:j], func(a, b ord) int { return strings.Compare(recs[a.i].k, recs[b.i].k) })
		}
		i = j
	}
	sorted := make([]record, 0, len(recs))
	for j, o := range ords {
		r := recs[o.i]
		if n := len(sorted); n > 0 && ords[j-1].abbr == o.abbr && sorted[n-1].k == r.k {
			sorted[n-1].t = max(sorted[n-1].t, r.t)
			continue
		}
		sorted = append(sorted, r)
	}
	return sorted
}

// ord is a record's place in the journal and 8 bytes of its key.
type ord struct {
	abbr uint64
	i    int
}

// radixSort sorts ords by abbr, a byte at a time from the last.
func radixSort(ords []ord) {
	tmp := make([]ord, len(ords))
	src, dst := ords, tmp
	for shift := 0; shift < 64; shift += 8 {
		var at [256]int
		for _, o := range src {
			at[byte(o.abbr>>shift)]++
		}
		if at[byte(src[0].abbr>>shift)] == len(src) {
			continue // every key has this byte: nothing to move
		}
		n := 0
		for d, c := range at {
			at[d] = n
			n += c
		}
		for _, o := range src {
			d := byte(o.abbr >> shift)
			dst[at[d]] = o
			at[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ords[0] {
		copy(ords, src)
	}
}

// convertSent packs the records of a ledger written before the blocks
// (sentBucket) into blocks, l.convert records per transaction.
func (l *BoltLedger) convertSent() (err error) {
	defer l.recoverCorrupt(&err)
	for done := false; !done; {
		err := l.db.Update(func(tx *bolt.Tx) (err error) {
			done, err = convertStep(tx, l.convert)
			return err
		})
		if err != nil {
			return l.fail("convert to blocks", err)
		}
	}
	return nil
}

// convertStep packs the next n records of sentBucket into blocks and notes
// the last key it packed in metaBucket, so that a conversion cut short
// goes on from there at the next open. When none are left it deletes
// sentBucket and the note, and reports done.
func convertStep(tx *bolt.Tx, n int) (done bool, err error) {
	s := tx.Bucket(sentBucket)
	if s == nil {
		return true, nil
	}
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return false, err
	}
	c := s.Cursor()
	k, v := c.First()
	if from := meta.Get(convertedKey); from != nil {
		if k, v = c.Seek(from); bytes.Equal(k, from) {
			k, v = c.Next()
		}
	}
	var recs []record
	for ; k != nil && len(recs) < n; k, v = c.Next() {
		if len(v) != 8 {
			return false, damage(fmt.Sprintf("record of %d bytes, want 8", len(v)))
		}
		recs = append(recs, record{string(k), int64(binary.BigEndian.Uint64(v))})
	}
	if len(recs) == 0 {
		if err := tx.DeleteBucket(sentBucket); err != nil {
			return false, err
		}
		return true, meta.Delete(convertedKey)
	}
	b, err := tx.CreateBucketIfNotExists(blocksBucket)
	if err != nil {
		return false, err
	}
	for rest := recs; len(rest) > 0; {
		if rest, err = mergeBlocks(b, rest, -1); err != nil {
			return false, err
		}
	}
	return false, meta.Put(convertedKey, []byte(recs[len(recs)-1].k))
}

// pruneSlack is how much older than the retention a record must be before
// its block is rewritten to prune it; the rewrite then takes out every
// record past the retention. Derived ids put a day's expired records in
// every block, so pruning whatever had expired rewrote the whole ledger
// at every close; a block is now rewritten at most once a day, and a
// record is pruned between the retention and a day later.
const pruneSlack = 24 * time.Hour

// prune deletes the records sent before cut from every block that holds
// one sent before due, perTx blocks per transaction.
func (l *BoltLedger) prune(cut, due time.Time) (err error) {
	defer l.recoverCorrupt(&err)
	var from []byte
	for more := true; more; {
		err = l.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(blocksBucket)
			if b == nil {
				more = false
				return nil
			}
			from, err = pruneBlocks(b, from, cut.Unix(), due.Unix(), l.perTx)
			more = from != nil
			return err
		})
		if err != nil {
			return l.fail("prune", err)
		}
	}
	return nil
}

// fail says what went wrong while doing what: damage in the file is a
// *CorruptError, which tells the user the way out; anything else (a full
// disk) is not.
func (l *BoltLedger) fail(what string, err error) error {
	if isDamage(err) {
		return &CorruptError{Path: l.path, Err: err}
	}
	return fmt.Errorf("ledger %s: %s: %w", l.path, what, err)
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
	if l.wantFilter.Load() {
		if err := l.buildFilter(); err != nil {
			return err
		}
	}
	l.umu.RLock()
	defer l.umu.RUnlock()
	err = l.db.View(func(tx *bolt.Tx) (err error) {
		r := newBlockReader(tx)
		searches := 0
		defer func() {
			n := searches + r.seeks
			if total := l.searched.Add(int64(n)); l.filter == nil && l.filterDue(n, total) {
				l.wantFilter.Store(true)
			}
		}()
		// A ledger written before the blocks, not yet converted (a
		// read-only open): its keys count too.
		var sent *bolt.Cursor
		var buf []byte
		if b := tx.Bucket(sentBucket); b != nil {
			sent = b.Cursor()
		}
		for i, k := range keys {
			seen[i] = false
			// A key after the last one recorded (a new receipt number)
			// needs no hash and no search, and one in the block the key
			// before was found in (receipt numbers sent before) no hash.
			if sent == nil && r.after(k) && (len(l.unmerged) == 0 || k > l.journalMax) {
				continue
			}
			if sent == nil && len(l.unmerged) == 0 {
				if r.inBlock(k) {
					_, seen[i], err = r.find(k)
					if err != nil {
						return err
					}
					continue
				}
			}
			if len(l.unmerged) > 0 || (l.filter != nil && k <= l.filterMax) {
				h := filterHash(k)
				if l.filter != nil && k <= l.filterMax && !l.filter.has(h) {
					continue
				}
				if len(l.unmerged) > 0 {
					if _, seen[i] = l.unmerged[keyHash{h, maphash.String(keySeeds[1], k)}]; seen[i] {
						continue
					}
				}
			}
			_, found, err := r.find(k)
			if err != nil {
				return err
			}
			if !found && sent != nil {
				searches++
				buf = append(buf[:0], k...)
				got, v := sent.Seek(buf)
				found = v != nil && bytes.Equal(got, buf)
			}
			seen[i] = found
		}
		return nil
	})
	if err != nil {
		return l.fail("look up", err)
	}
	return nil
}

// MarkSent records keys as sent at t and returns once they are on disk, in
// one transaction. Run calls it from one goroutine, with everything
// acknowledged while the previous call ran.
func (l *BoltLedger) MarkSent(keys []string, t time.Time) (err error) {
	if l.db == nil || l.db.IsReadOnly() {
		return fmt.Errorf("ledger %s is open read-only", l.path)
	}
	if len(keys) == 0 {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	defer l.recoverCorrupt(&err)
	ck := newCommitKeys(keys)
	journaled := keys // the keys that go to the journal, if any
	var jck commitKeys
	err = l.db.Update(func(tx *bolt.Tx) error {
		// Keys that go after the last one recorded (receipt numbers) are
		// packed into blocks at once: that writes the last block and new
		// ones, and the journal would only add a copy and a sort. Only
		// the others go to the journal: a request acknowledged after a
		// later one has its keys before the last recorded, and with them
		// the whole commit used to go to the journal.
		b, err := tx.CreateBucketIfNotExists(blocksBucket)
		if err != nil {
			return err
		}
		last, _ := b.Cursor().Last()
		if last == nil || ck.lo > string(last) {
			journaled = nil
			if err := l.addToFilter(b, ck, false); err != nil {
				return err
			}
			return appendBlocks(b, ck.records(t.Unix()))
		}
		jck = ck
		var after []string
		if ck.hi > string(last) {
			journaled, after = splitAfter(keys, string(last))
			jck = newCommitKeys(journaled)
		}
		if err := l.addToFilter(b, jck, true); err != nil {
			return err
		}
		j, err := tx.CreateBucketIfNotExists(journalBucket)
		if err != nil {
			return err
		}
		seq, err := j.NextSequence()
		if err != nil {
			return err
		}
		n := 8
		for _, k := range journaled {
			n += binary.MaxVarintLen32 + len(k)
		}
		v := make([]byte, 8, n)
		binary.BigEndian.PutUint64(v, uint64(t.Unix()))
		for _, k := range journaled {
			v = binary.AppendUvarint(v, uint64(len(k)))
			v = append(v, k...)
		}
		if err := j.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
			return err
		}
		if len(after) == 0 {
			return nil
		}
		// After the journalled keys, which may have raised the filter's
		// bound, as addToFilter expects of appended keys.
		ack := newCommitKeys(after)
		if err := l.addToFilter(b, ack, false); err != nil {
			return err
		}
		return appendBlocks(b, ack.records(t.Unix()))
	})
	if err != nil {
		return l.fail("commit", err)
	}
	if len(journaled) > 0 {
		l.umu.Lock()
		if l.unmerged == nil {
			// Sized at once for many of the keys of a merge: growing
			// it a doubling at a time cost as much again as the inserts.
			l.unmerged = make(map[keyHash]struct{}, min(l.mergeAt, unmergedSize))
		}
		for _, k := range journaled {
			l.unmerged[hashKey(k)] = struct{}{}
		}
		if jck.hi > l.journalMax {
			l.journalMax = strings.Clone(jck.hi)
		}
		if l.journalFrom == 0 || t.Unix() < l.journalFrom {
			l.journalFrom = t.Unix()
		}
		full := len(l.unmerged) >= l.mergeAt
		l.umu.Unlock()
		if full {
			if err := l.merge(); err != nil {
				return err
			}
		}
	}
	if l.filter != nil && l.filter.full() {
		return l.loadFilter()
	}
	return nil
}

// commitKeys are the keys of one commit, with their least and greatest.
// A commit holds the keys of a few requests, each a run of keys in order
// (receipt numbers): found in one pass, the runs give the least and the
// greatest key, and, put end to end by their first keys, the keys sorted
// (checked at the seams), where a sort would take a dozen comparisons per
// key.
type commitKeys struct {
	keys   []string
	runs   [][2]int // runs of keys in strictly increasing order, from and to; nil: too many
	lo, hi string
}

func newCommitKeys(keys []string) commitKeys {
	ck := commitKeys{keys: keys}
	for i := 0; i < len(keys); {
		if len(ck.runs) == 64 {
			ck.runs = nil
			ck.lo, ck.hi = slices.Min(keys), slices.Max(keys)
			return ck
		}
		j := i + 1
		for j < len(keys) && keys[j-1] < keys[j] {
			j++
		}
		if i == 0 || keys[i] < ck.lo {
			ck.lo = keys[i]
		}
		if i == 0 || keys[j-1] > ck.hi {
			ck.hi = keys[j-1]
		}
		ck.runs = append(ck.runs, [2]int{i, j})
		i = j
	}
	return ck
}

// records makes records of the keys sent at t, sorted, each key once.
func (ck commitKeys) records(t int64) []record {
	keys := ck.keys
	recs := make([]record, 0, len(keys))
	if ck.runs != nil {
		runs := ck.runs
		slices.SortFunc(runs, func(a, b [2]int) int { return strings.Compare(keys[a[0]], keys[b[0]]) })
		seams := true
		for i := 1; i < len(runs) && seams; i++ {
			seams = keys[runs[i-1][1]-1] < keys[runs[i][0]]
		}
		if seams {
			for _, r := range runs {
				for _, k := range keys[r[0]:r[1]] {
					recs = append(recs, record{k, t})
				}
			}
			return recs
		}
		// Runs that interleave: requests acknowledged out of order join
		// into runs that overlap (batches 1, 3 and 2 make the runs 1+3
		// and 2). A few runs merge at a comparison or two per key.
		if len(runs) <= mergeRuns {
			return mergeSortedRuns(recs, keys, runs, t)
		}
	}
	for _, k := range keys {
		recs = append(recs, record{k, t})
	}
	slices.SortFunc(recs, func(a, b record) int { return strings.Compare(a.k, b.k) })
	return slices.CompactFunc(recs, func(a, b record) bool { return a.k == b.k })
}

// splitAfter divides keys into those up to last and those after it.
func splitAfter(keys []string, last string) (upTo, after []string) {
	for _, k := range keys {
		if k > last {
			after = append(after, k)
		} else {
			upTo = append(upTo, k)
		}
	}
	return upTo, after
}

// mergeRuns is the most runs records merges by looking at every run's
// head for each key; beyond it a sort costs less.
const mergeRuns = 8

// mergeSortedRuns appends to recs the keys of runs, each strictly
// increasing, in order and each key once.
func mergeSortedRuns(recs []record, keys []string, runs [][2]int, t int64) []record {
	heads := make([]int, len(runs))
	for i, r := range runs {
		heads[i] = r[0]
	}
	for {
		best := -1
		for i, h := range heads {
			if h < runs[i][1] && (best < 0 || keys[h] < keys[heads[best]]) {
				best = i
			}
		}
		if best < 0 {
			return recs
		}
		k := keys[heads[best]]
		heads[best]++
		if len(recs) == 0 || recs[len(recs)-1].k != k {
			recs = append(recs, record{k, t})
		}
	}
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
		// The journal stays for the next run, unless it holds records
		// the prune would take out: a run of a few thousand derived ids
		// then leaves a few thousand records in the journal, where a
		// merge at every close rewrote every block of the ledger.
		cut := l.now().Add(-l.keep)
		due := cut.Add(-pruneSlack)
		l.wmu.Lock()
		if l.journalFrom != 0 && l.journalFrom < due.Unix() {
			err = l.merge()
		}
		l.wmu.Unlock()
		if err == nil {
			err = l.prune(cut, due)
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

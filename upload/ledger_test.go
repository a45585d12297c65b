package upload

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func TestLedgerRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if seen, err := l.Seen("a"); err != nil || seen {
		t.Fatalf("Seen(a) on a new ledger = %v, %v", seen, err)
	}
	if err := l.MarkSent([]string{"a", "b"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		l, err := OpenLedger(path, ro)
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]bool{"a": true, "b": true, "c": false} {
			if seen, err := l.Seen(key); err != nil || seen != want {
				t.Errorf("readOnly=%v Seen(%s) = %v, %v; want %v", ro, key, seen, err, want)
			}
		}
		if ro {
			if err := l.MarkSent([]string{"c"}, time.Now()); err == nil {
				t.Error("MarkSent on a read-only ledger succeeded")
			}
		}
		l.Close()
	}
}

func TestLedgerPrunesOldRecordsOnClose(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tests := []struct {
		name   string
		retain time.Duration // 0: not called
		want   map[string]bool
	}{
		{name: "default 8 days", want: map[string]bool{"d6": true, "d9": false, "d10": false, "d40": false}},
		{name: "max-age 7d keeps 8", retain: 7 * 24 * time.Hour, want: map[string]bool{"d6": true, "d9": false, "d10": false, "d40": false}},
		{name: "max-age 30d keeps 31", retain: 30 * 24 * time.Hour, want: map[string]bool{"d6": true, "d9": true, "d10": true, "d40": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state")
			l, err := openLedger(path, false, clock)
			if err != nil {
				t.Fatal(err)
			}
			for key := range tt.want {
				var days int
				fmt.Sscanf(key, "d%d", &days)
				if err := l.MarkSent([]string{key}, now.Add(-time.Duration(days)*24*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.retain > 0 {
				l.Retain(tt.retain)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("second Close = %v", err)
			}
			l, err = openLedger(path, true, clock)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for key, want := range tt.want {
				if seen, _ := l.Seen(key); seen != want {
					t.Errorf("after prune Seen(%s) = %v, want %v", key, seen, want)
				}
			}
		})
	}
}

func TestLedgerLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state")
	l, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	_, err = OpenLedger(path, false)
	le, ok := errors.AsType[*LockedError](err)
	if !ok {
		t.Fatalf("second OpenLedger = %v, want *LockedError", err)
	}
	if le.Path != path || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another capi-upload run") {
		t.Errorf("error = %q", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v to report the lock", d)
	}
}

func TestLedgerReadOnlyMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.state")
	l, err := OpenLedger(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if seen, err := l.Seen("x"); seen || err != nil {
		t.Errorf("Seen = %v, %v", seen, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open created the file: %v", err)
	}
}

func TestLedgerCorrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	l, err := OpenLedger(good, false)
	if err != nil {
		t.Fatal(err)
	}
	l.MarkSent([]string{"a"}, time.Now())
	l.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{name: "garbage", data: []byte(strings.Repeat("not a database ", 1000))},
		{name: "zeroed meta pages", data: append(make([]byte, 8192), data[8192:]...)},
		{name: "truncated", data: data[:100]},
		{name: "empty", data: nil},
		{name: "damaged data pages", data: append(append([]byte(nil), data[:8192]...), strings.Repeat("\xff", len(data)-8192)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			// Read-only first: a panicking read-write open leaves bbolt's lock
			// held by this process.
			for _, ro := range []bool{true, false} {
				l, err := OpenLedger(path, ro)
				if err == nil {
					l.Close()
					t.Fatalf("readOnly=%v: OpenLedger of a damaged file succeeded", ro)
				}
				if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move it aside") {
					t.Errorf("readOnly=%v: error %q does not name the file and the way out", ro, err)
				}
			}
		})
	}
}

func TestLedgerSeenAll(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	// Neighbours in key order ("b" < "b\x00" < "ba") check that a cursor
	// landing on the next key is not taken for a match.
	if err := l.MarkSent([]string{"b", "d", "ba"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keys []string
		want []bool
	}{
		{name: "none", keys: nil, want: []bool{}},
		{name: "mixed, unsorted", keys: []string{"d", "a", "b", "c", "ba", "e"}, want: []bool{true, false, true, false, true, false}},
		{name: "prefix and successor are not the key", keys: []string{"b\x00", "", "bb", "dd"}, want: []bool{false, false, false, false}},
		{name: "repeated", keys: []string{"b", "b", "z", "b"}, want: []bool{true, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make([]bool, len(tt.keys)+1)
			seen[len(tt.keys)] = true // beyond keys: must stay untouched
			if err := l.SeenAll(tt.keys, seen); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(append(tt.want, true), seen); diff != "" {
				t.Errorf("SeenAll(%q) (-want +got):\n%s", tt.keys, diff)
			}
		})
	}
	if err := l.SeenAll([]string{"a", "b"}, make([]bool, 1)); err == nil {
		t.Error("SeenAll with a short result slice succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	missing, err := OpenLedger(filepath.Join(t.TempDir(), "none"), true)
	if err != nil {
		t.Fatal(err)
	}
	seen := []bool{true, true}
	if err := missing.SeenAll([]string{"b", "d"}, seen); err != nil || seen[0] || seen[1] {
		t.Errorf("SeenAll on a missing read-only ledger = %v, %v; want all false", seen, err)
	}
}

// TestLedgerMarkSentConcurrent: calls from several goroutines take turns;
// each returns only once its own keys are recorded, and keeps its own
// sent-at time, merges included (mergeAt is small).
func TestLedgerMarkSentConcurrent(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.mergeAt = 120
	const callers, perCall = 8, 50
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			keys := make([]string, perCall)
			for i := range keys {
				keys[i] = fmt.Sprintf("c%d-%03d", c, i)
			}
			if err := l.MarkSent(keys, time.Unix(int64(1_000_000+c), 0)); err != nil {
				t.Error(err)
				return
			}
			seen := make([]bool, len(keys))
			if err := l.SeenAll(keys, seen); err != nil {
				t.Error(err)
			}
			for i, ok := range seen {
				if !ok {
					t.Errorf("caller %d: %s not recorded when MarkSent returned", c, keys[i])
				}
			}
		})
	}
	wg.Wait()
	if err := l.merge(); err != nil {
		t.Fatal(err)
	}
	for c := range callers {
		for i := range perCall {
			key := fmt.Sprintf("c%d-%03d", c, i)
			if got, want := sentAt(t, l, key), int64(1_000_000+c); got != want {
				t.Errorf("%s sent at %d, want %d", key, got, want)
			}
		}
	}
}

// sentAt reads key's record from the events bucket: -1 when it has none.
func sentAt(t *testing.T, l *BoltLedger, key string) int64 {
	t.Helper()
	at := int64(-1)
	err := l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(sentBucket); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				at = int64(binary.BigEndian.Uint64(v))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// journalLen is how many keys wait in the journal file.
func journalLen(t *testing.T, l *BoltLedger) int {
	t.Helper()
	n := 0
	err := l.db.View(func(tx *bolt.Tx) error {
		if j := tx.Bucket(journalBucket); j != nil {
			return j.ForEach(func(_, v []byte) error {
				return journalKeys(v, func([]byte) { n++ })
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Records that do not go after the last one go to the journal, are seen
// at once, reach the events bucket when the journal fills and when the
// ledger closes, and survive a run that never closed its ledger (killed):
// the next open, read-only or not, sees them.
func TestLedgerJournal(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	l.mergeAt = 25
	at := time.Unix(1_800_000_000, 0)
	// A key after every key below, so that none of them appends.
	if err := l.MarkSent([]string{"q"}, at); err != nil {
		t.Fatal(err)
	}
	keys := func(from, to int) []string {
		var ks []string
		for i := from; i < to; i++ {
			ks = append(ks, fmt.Sprintf("p\x00Purchase\x00%064x", i*7919))
		}
		return ks
	}
	if err := l.MarkSent(keys(0, 10), at); err != nil {
		t.Fatal(err)
	}
	if n := journalLen(t, l); n != 10 {
		t.Errorf("journal holds %d keys, want 10", n)
	}
	seenAll := func(l *BoltLedger, ks []string) bool {
		seen := make([]bool, len(ks))
		if err := l.SeenAll(ks, seen); err != nil {
			t.Fatal(err)
		}
		return !slices.Contains(seen, false)
	}
	if !seenAll(l, keys(0, 10)) {
		t.Error("keys in the journal not seen")
	}
	if err := l.MarkSent(keys(10, 30), at); err != nil {
		t.Fatal(err)
	}
	if n := journalLen(t, l); n != 0 {
		t.Errorf("journal holds %d keys after passing mergeAt, want 0", n)
	}
	if got := sentAt(t, l, keys(0, 1)[0]); got != at.Unix() {
		t.Errorf("merged record sent at %d, want %d", got, at.Unix())
	}
	if err := l.MarkSent(keys(30, 35), at); err != nil {
		t.Fatal(err)
	}
	// Killed: the file is released without Close's merge.
	if err := l.db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenLedger(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !seenAll(ro, keys(0, 35)) {
		t.Error("read-only open does not see the killed run's journal")
	}
	if seenAll(ro, keys(35, 36)) {
		t.Error("a key never sent is seen")
	}
	ro.Close()
	rw, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if n := journalLen(t, rw); n != 0 {
		t.Errorf("journal holds %d keys after a read-write open, want 0", n)
	}
	if got := sentAt(t, rw, keys(34, 35)[0]); got != at.Unix() {
		t.Errorf("recovered record sent at %d, want %d", got, at.Unix())
	}
}

// BenchmarkLedgerMarkSentRandom records 100,000 events with ids that are
// hashes (derived event ids), a thousand per commit, as an upload does.
func BenchmarkLedgerMarkSentRandom(b *testing.B) {
	keys := make([]string, 100_000)
	for i := range keys {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		keys[i] = "123456789012345\x00Purchase\x00" + hex.EncodeToString(sum[:])
	}
	b.ReportAllocs()
	for b.Loop() {
		l, err := OpenLedger(filepath.Join(b.TempDir(), "state"), false)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(keys); i += 1000 {
			if err := l.MarkSent(keys[i:i+1000], time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(keys))/b.Elapsed().Seconds(), "events/s")
}

// A key sent again (--resend) keeps its later time when merged, and a
// journal record that is cut short makes the ledger damaged, not empty.
func TestLedgerJournalMerge(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false)
	if err != nil {
		t.Fatal(err)
	}
	l.chunk = 1 // equal keys straddle chunks
	first, second := time.Unix(1_800_000_000, 0), time.Unix(1_800_000_600, 0)
	for _, at := range []time.Time{first, second} {
		if err := l.MarkSent([]string{"k1", "k2", "k0"}, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.merge(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k0", "k1", "k2"} {
		if got := sentAt(t, l, k); got != second.Unix() {
			t.Errorf("%s sent at %d, want the later %d", k, got, second.Unix())
		}
	}
	err = l.db.Update(func(tx *bolt.Tx) error {
		j, err := tx.CreateBucketIfNotExists(journalBucket)
		if err != nil {
			return err
		}
		v := binary.AppendUvarint(make([]byte, 8), 40) // a 40-byte key, then nothing
		return j.Put([]byte("\x00\x00\x00\x00\x00\x00\x00\x09"), append(v, "short"...))
	})
	if err != nil {
		t.Fatal(err)
	}
	l.db.Close()
	if _, err := OpenLedger(path, true); !errors.As(err, new(*CorruptError)) {
		t.Errorf("OpenLedger with a cut journal record = %v, want a *CorruptError", err)
	}
}

// Keys that all go after the last one recorded are put in place at once,
// without the journal; the others take the journal. Either way they are
// seen.
func TestLedgerAppend(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	at := time.Unix(1_800_000_000, 0)
	steps := []struct {
		keys    []string
		journal int // keys in the journal after the step
	}{
		{[]string{"R-0003", "R-0001", "R-0002", "R-0002"}, 0},
		{[]string{"R-0004", "R-0005"}, 0},
		{[]string{"R-0000", "R-0009"}, 2}, // R-0000 goes before: all to the journal
		{[]string{"R-0010"}, 2},
	}
	var all []string
	for i, st := range steps {
		if err := l.MarkSent(st.keys, at); err != nil {
			t.Fatal(err)
		}
		all = append(all, st.keys...)
		if n := journalLen(t, l); n != st.journal {
			t.Errorf("step %d: journal holds %d keys, want %d", i, n, st.journal)
		}
		seen := make([]bool, len(all))
		if err := l.SeenAll(all, seen); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(seen, false) {
			t.Errorf("step %d: seen = %v, want all", i, seen)
		}
	}
	if got := sentAt(t, l, "R-0004"); got != at.Unix() {
		t.Errorf("appended record sent at %d, want %d", got, at.Unix())
	}
}

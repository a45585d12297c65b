package upload

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

func TestLedgerRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false, time.Now)
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
		l, err := OpenLedger(path, ro, time.Now)
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

// A block is rewritten to prune it only when it holds a record past the
// retention by pruneSlack; then every record past the retention goes.
func TestLedgerPruneSlack(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "state")
	run := func(marks map[string]time.Duration) {
		t.Helper()
		l, err := openLedger(path, false, clock)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range slices.Sorted(maps.Keys(marks)) {
			if err := l.MarkSent([]string{k}, now.Add(-marks[k])); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	seen := func(want map[string]bool) {
		t.Helper()
		l, err := openLedger(path, true, clock)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		for k, w := range want {
			if got, _ := l.Seen(k); got != w {
				t.Errorf("Seen(%s) = %v, want %v", k, got, w)
			}
		}
	}
	day := 24 * time.Hour
	run(map[string]time.Duration{"a": 8*day + time.Hour, "b": 2 * day, "c": 8*day + 23*time.Hour})
	seen(map[string]bool{"a": true, "b": true, "c": true}) // past the retention, within the slack
	run(map[string]time.Duration{"d": 9*day + time.Second})
	seen(map[string]bool{"a": false, "b": true, "c": false, "d": false})
}

func TestLedgerLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state")
	l, err := OpenLedger(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	_, err = OpenLedger(path, false, time.Now)
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
	l, err := OpenLedger(path, true, time.Now)
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
	l, err := OpenLedger(good, false, time.Now)
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
				l, err := OpenLedger(path, ro, time.Now)
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
	l, err := OpenLedger(path, false, time.Now)
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
	missing, err := OpenLedger(filepath.Join(t.TempDir(), "none"), true, time.Now)
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
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false, time.Now)
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

// sentAt reads key's record from the blocks: -1 when they have none.
func sentAt(t *testing.T, l *BoltLedger, key string) int64 {
	t.Helper()
	at := int64(-1)
	err := l.db.View(func(tx *bolt.Tx) error {
		r := newBlockReader(tx)
		t, found, err := r.find(key)
		if found {
			at = t
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// derivedKeys are the ledger keys of events from..to-1 with derived ids,
// which are hashes: keys in no order.
func derivedKeys(from, to int) []string {
	var ks []string
	for i := from; i < to; i++ {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		ks = append(ks, "p\x00Purchase\x00"+hex.EncodeToString(sum[:]))
	}
	return ks
}

// countSeen is how many of keys SeenAll says were sent.
func countSeen(t *testing.T, l *BoltLedger, keys []string) int {
	t.Helper()
	seen := make([]bool, len(keys))
	if err := l.SeenAll(keys, seen); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range seen {
		if s {
			n++
		}
	}
	return n
}

// journalLen is how many keys wait in the journal file.
func journalLen(t *testing.T, l *BoltLedger) int {
	t.Helper()
	n := 0
	err := l.db.View(func(tx *bolt.Tx) error {
		if j := tx.Bucket(journalBucket); j != nil {
			return j.ForEach(func(_, v []byte) error {
				return journalKeys(v, func(int, int) { n++ })
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
	l, err := OpenLedger(path, false, time.Now)
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
	if countSeen(t, l, keys(0, 10)) != 10 {
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
	ro, err := OpenLedger(path, true, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if countSeen(t, ro, keys(0, 35)) != 35 {
		t.Error("read-only open does not see the killed run's journal")
	}
	if countSeen(t, ro, keys(35, 36)) != 0 {
		t.Error("a key never sent is seen")
	}
	ro.Close()
	rw, err := OpenLedger(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if countSeen(t, rw, keys(0, 35)) != 35 {
		t.Error("read-write open does not see the killed run's journal")
	}
	if err := rw.merge(); err != nil {
		t.Fatal(err)
	}
	if got := sentAt(t, rw, keys(34, 35)[0]); got != at.Unix() {
		t.Errorf("recovered record sent at %d, want %d", got, at.Unix())
	}
}

// A run's journal stays in the file for the next runs, seen by them, until
// it fills or until a close finds in it records old enough to prune (past
// the retention by pruneSlack): then it is merged, and the old records
// pruned.
func TestLedgerJournalKeptAcrossRuns(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	open := func() *BoltLedger {
		t.Helper()
		l, err := openLedger(path, false, clock)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	close := func(l *BoltLedger) {
		t.Helper()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}

	l := open()
	// A last key after the hashes, so that they go to the journal.
	if err := l.MarkSent([]string{"p\x00Purchase\x00~"}, now); err != nil {
		t.Fatal(err)
	}
	first := now
	if err := l.MarkSent(derivedKeys(0, 100), now); err != nil {
		t.Fatal(err)
	}
	close(l)

	now = now.Add(3 * 24 * time.Hour)
	l = open()
	if n := journalLen(t, l); n != 100 {
		t.Errorf("second run: journal holds %d keys, want the first run's 100", n)
	}
	if n := countSeen(t, l, derivedKeys(0, 100)); n != 100 {
		t.Errorf("second run sees %d of the first run's 100 keys", n)
	}
	if err := l.MarkSent(derivedKeys(100, 150), now); err != nil {
		t.Fatal(err)
	}
	close(l)

	// The first run's records pass their retention, but not by
	// pruneSlack: they stay, in the journal.
	now = first.Add(LedgerRetention + time.Second)
	l = open()
	close(l)
	l = open()
	if n := journalLen(t, l); n != 150 {
		t.Errorf("fourth run: journal holds %d keys, want 150", n)
	}
	close(l)
	// Past it, the close merges the journal and prunes them; the second
	// run's stay.
	now = first.Add(LedgerRetention + pruneSlack + time.Second)
	l = open()
	close(l)
	l = open()
	defer close(l)
	if n := journalLen(t, l); n != 0 {
		t.Errorf("after a close with records to prune, the journal holds %d keys, want 0", n)
	}
	if n := countSeen(t, l, derivedKeys(0, 100)); n != 0 {
		t.Errorf("%d of the first run's keys are still seen after their retention", n)
	}
	if n := countSeen(t, l, derivedKeys(100, 150)); n != 50 {
		t.Errorf("%d of the second run's 50 keys are seen, want all", n)
	}
	if got := sentAt(t, l, derivedKeys(120, 121)[0]); got != first.Add(3*24*time.Hour).Unix() {
		t.Errorf("merged record sent at %d, want %d", got, first.Add(3*24*time.Hour).Unix())
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
	benchMarkSent(b, keys)
}

// benchMarkSent records keys into a new ledger, a thousand per commit, and
// closes it (the journal's merge, the prune). Without fsync, what is left
// is the CPU the ledger costs per key; with it, each commit also waits for
// the disk, as an upload's do (off the requests' slots).
func benchMarkSent(b *testing.B, keys []string) {
	for _, sync := range []bool{true, false} {
		b.Run(map[bool]string{true: "fsync", false: "nosync"}[sync], func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				l, err := OpenLedger(filepath.Join(b.TempDir(), "state"), false, time.Now)
				if err != nil {
					b.Fatal(err)
				}
				l.db.NoSync = !sync
				for i := 0; i < len(keys); i += 1000 {
					if err := l.MarkSent(keys[i:i+1000], time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*len(keys)), "cpu-ns/key")
		})
	}
}

// A journal larger than mergePart is merged a part at a time: the parts
// are ranges of keys in order, each key in exactly one, none much larger
// than mergePart, and the blocks end up holding every record.
func TestLedgerMergeInParts(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.db.NoSync = true
	l.mergeAt = 1 << 30 // merged below, by hand
	l.mergePart = 300
	model := ledgerModel{}
	at := time.Unix(1_800_000_000, 0)
	mark := func(keys []string) {
		t.Helper()
		if err := l.MarkSent(keys, at); err != nil {
			t.Fatal(err)
		}
		model.mark(keys, at.Unix())
	}
	// A last key after all the others, so that every commit below is
	// journalled; then derived ids, some of them sharing their first 8
	// hex digits, and a few of another event name.
	mark([]string{"123\x00Purchase\x00~"})
	r := rand.New(rand.NewPCG(7, 7))
	var keys []string
	for i := range 5000 {
		var id [16]byte
		binary.BigEndian.PutUint64(id[:], r.Uint64())
		binary.BigEndian.PutUint64(id[8:], r.Uint64())
		if i%50 == 0 {
			copy(id[:4], "same")
		}
		event := "Purchase"
		if i%500 == 0 {
			event = "Lead"
		}
		keys = append(keys, "123\x00"+event+"\x00"+hex.EncodeToString(id[:]))
	}
	for i := 0; i < len(keys); i += 700 {
		mark(keys[i:min(i+700, len(keys))])
	}

	parts, err := l.journalParts()
	if err != nil {
		t.Fatal(err)
	}
	if parts.n() < 10 {
		t.Fatalf("%d parts for %d keys of at most about %d, want more", parts.n(), len(keys), l.mergePart)
	}
	seen := map[string]int{}
	var prevMax string
	for i := range parts.n() {
		recs, err := l.journalPart(parts, i)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 2*l.mergePart {
			t.Errorf("part %d holds %d records, want about %d", i, len(recs), l.mergePart)
		}
		if len(recs) == 0 {
			continue
		}
		lo := slices.MinFunc(recs, func(a, b record) int { return strings.Compare(a.k, b.k) }).k
		hi := slices.MaxFunc(recs, func(a, b record) int { return strings.Compare(a.k, b.k) }).k
		if prevMax != "" && lo <= prevMax {
			t.Errorf("part %d starts at %q, not after the part before, which ends at %q", i, lo, prevMax)
		}
		prevMax = hi
		for _, r := range recs {
			seen[r.k]++
		}
	}
	for _, k := range keys {
		if seen[k] != 1 {
			t.Errorf("key %q is in %d parts, want 1", k, seen[k])
		}
	}
	if err := l.merge(); err != nil {
		t.Fatal(err)
	}
	if n := journalLen(t, l); n != 0 {
		t.Errorf("journal holds %d keys after the merge, want 0", n)
	}
	if got := dumpBlocks(t, l); !maps.Equal(model, got) {
		t.Errorf("blocks differ from the records (-want +got):\n%s", cmp.Diff(model, got))
	}
}

// On a ledger of many records, a few lookups of new keys in no order
// search the blocks rather than build the filter of every record; lookups
// that go on build it once their searches have cost about as much.
func TestLedgerFilterWaitsForItsCost(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l.db.NoSync = true
	const records = 24 * 400
	for i := 0; i < records; i += 1000 {
		if err := l.MarkSent(derivedKeys(i, min(i+1000, records)), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.merge(); err != nil {
		t.Fatal(err)
	}
	l.Close()

	l, err = OpenLedger(path, true, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.records != records {
		t.Fatalf("open counted %d records, want %d", l.records, records)
	}
	lookUp := func(keys []string) {
		t.Helper()
		if n := countSeen(t, l, keys); n != 0 {
			t.Fatalf("%d new keys seen", n)
		}
	}
	// Lookups that search the blocks fewer times than records/24.
	for i := 0; i < 300; i += 100 {
		lookUp(derivedKeys(records+i, records+i+100))
	}
	if n := l.searched.Load(); n < 100 || n >= records/searchesPerRecord {
		t.Fatalf("%d searches of the blocks, want 100 to %d", n, records/searchesPerRecord)
	}
	if l.filter != nil || l.wantFilter.Load() {
		t.Fatalf("the filter is built after %d searches, want not before %d", l.searched.Load(), records/searchesPerRecord)
	}
	for i := 300; l.searched.Load() < records/searchesPerRecord; i += 100 {
		lookUp(derivedKeys(records+i, records+i+100))
	}
	lookUp(derivedKeys(2*records, 2*records+1))
	if l.filter == nil {
		t.Errorf("no filter after %d searches of the blocks", l.searched.Load())
	}
	lookUp(derivedKeys(2*records+1, 2*records+500))
	seen := make([]bool, 10)
	if err := l.SeenAll(derivedKeys(0, 10), seen); err != nil || slices.Contains(seen, false) {
		t.Errorf("recorded keys not seen with the filter: %v %v", seen, err)
	}
}

// An upload of receipt numbers, asked about and recorded a thousand at a
// time as Run does, with requests now and then acknowledged late, and
// receipts recorded before asked about again, never builds the filter:
// it searches a block per few hundred keys at most.
func TestLedgerReceiptsNeedNoFilter(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.db.NoSync = true
	seen := make([]bool, 1000)
	var late []string
	for i := 0; i < 200_000; i += 1000 {
		keys := receiptRange(i, 1000)
		if err := l.SeenAll(keys, seen); err != nil {
			t.Fatal(err)
		}
		if i%7000 == 0 {
			late = keys // acknowledged with the next
			continue
		}
		if err := l.MarkSent(append(keys, late...), time.Now()); err != nil {
			t.Fatal(err)
		}
		late = nil
	}
	for i := 0; i < 100_000; i += 1000 {
		if err := l.SeenAll(receiptRange(i, 1000), seen); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(seen, false) {
			t.Fatalf("receipts %d.. not seen", i)
		}
	}
	if l.searched.Load() < 100 {
		t.Fatalf("%d searches of the blocks, want some for the receipts asked again", l.searched.Load())
	}
	if l.filter != nil || l.wantFilter.Load() {
		t.Errorf("the filter was built for receipt numbers, after %d searches", l.searched.Load())
	}
}

// A key sent again (--resend) keeps its later time when merged, and a
// journal record that is cut short makes the ledger damaged, not empty.
func TestLedgerJournalMerge(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := OpenLedger(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l.perTx = 1 // a transaction per block
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
	if _, err := OpenLedger(path, true, time.Now); !errors.As(err, new(*CorruptError)) {
		t.Errorf("OpenLedger with a cut journal record = %v, want a *CorruptError", err)
	}
}

// Keys that go after the last one recorded are put in place at once,
// without the journal; the others take the journal, also when they share
// a commit with keys after it. Either way they are seen.
func TestLedgerAppend(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "capi-upload.state"), false, time.Now)
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
		{[]string{"R-0000", "R-0009"}, 1}, // R-0000 goes before: to the journal
		{[]string{"R-0010"}, 1},
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

// receiptKeys are ledger keys of receipt numbers, in order: every other
// number from 0, so that the numbers in between fall inside the ledger's
// range without being in it.
func receiptKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("123456789012345\x00Purchase\x00R%09d", 2*i)
	}
	return keys
}

// BenchmarkLedgerMarkSentAppend records 100,000 events with receipt
// numbers, a thousand per commit in order, as an upload of an export with
// a transaction number does: every commit goes after the last.
func BenchmarkLedgerMarkSentAppend(b *testing.B) {
	benchMarkSent(b, receiptKeys(100_000))
}

// cpuTime is the CPU time the process has used, user and system: a
// commit waits for the disk, and the wall time of a benchmark that
// commits is mostly that wait, which the upload spends sending.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLedgerNightlyDerived is one nightly run of 10,000 derived ids
// on a ledger that eight earlier nights filled with 100,000 each: open,
// record, close (with its prune). On night 9 the first night's records
// are past the retention but not by pruneSlack, so the close rewrites
// nothing; on night 10 they are past both, and it rewrites every block.
func BenchmarkLedgerNightlyDerived(b *testing.B) {
	const perNight, run = 100_000, 10_000
	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	base := filepath.Join(b.TempDir(), "base.state")
	night := func(n int) func() time.Time {
		return func() time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	}
	for n := range 8 {
		l, err := openLedger(base, false, night(n))
		if err != nil {
			b.Fatal(err)
		}
		l.db.NoSync = true
		keys := derivedKeys(n*perNight, (n+1)*perNight)
		for i := 0; i < len(keys); i += 1000 {
			if err := l.MarkSent(keys[i:i+1000], night(n)()); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.merge(); err != nil { // as if its journal had filled
			b.Fatal(err)
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	}
	data, err := os.ReadFile(base)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{9, 10} {
		b.Run(fmt.Sprint("night ", n), func(b *testing.B) {
			keys := derivedKeys(10*perNight, 10*perNight+run)
			path := filepath.Join(b.TempDir(), "state")
			for b.Loop() {
				b.StopTimer()
				if err := os.WriteFile(path, data, 0o600); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				l, err := openLedger(path, false, night(n))
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < len(keys); i += 1000 {
					if err := l.MarkSent(keys[i:i+1000], night(n)()); err != nil {
						b.Fatal(err)
					}
				}
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLedgerSeenAll1M asks about batches of 1,000 keys in a ledger of
// 1,000,000 receipt numbers: keys it holds, in order and shuffled; keys
// inside its range it does not hold; and new keys after its last.
func BenchmarkLedgerSeenAll1M(b *testing.B) {
	const n = 1_000_000
	l, err := OpenLedger(filepath.Join(b.TempDir(), "state"), false, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	keys := receiptKeys(n)
	for i := 0; i < n; i += 100_000 {
		if err := l.MarkSent(keys[i:i+100_000], time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	odd := func(i int) string { return fmt.Sprintf("123456789012345\x00Purchase\x00R%09d", 2*i+1) }
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	sets := []struct {
		name string
		keys []string
		want bool
	}{
		{"hits in order", keys, true},
		{"hits shuffled", shuffled, true},
		{"misses inside", func() []string {
			ks := make([]string, 100_000)
			for i := range ks {
				ks[i] = odd(i * 7)
			}
			return ks
		}(), false},
		{"misses after last", receiptKeys(n + 100_000)[n:], false},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			seen := make([]bool, MaxBatchSize)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				at := i % (len(set.keys) / MaxBatchSize) * MaxBatchSize
				if err := l.SeenAll(set.keys[at:at+MaxBatchSize], seen); err != nil {
					b.Fatal(err)
				}
				if seen[0] != set.want || seen[MaxBatchSize-1] != set.want {
					b.Fatalf("seen = %v, want %v", seen[0], set.want)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*MaxBatchSize), "ns/key")
		})
	}
}

// ledgerModel is what a ledger must hold: each key recorded and its latest
// sent-at time.
type ledgerModel map[string]int64

func (m ledgerModel) mark(keys []string, t int64) {
	for _, k := range keys {
		if old, ok := m[k]; !ok || t > old {
			m[k] = t
		}
	}
}

// prune is a close's prune: records sent before due are gone, and those
// sent from due to cut may be (their block held an older record) or not;
// maybe takes them, with their times.
func (m ledgerModel) prune(maybe ledgerModel, cut, due int64) {
	for _, mm := range []ledgerModel{m, maybe} {
		for k, t := range mm {
			switch {
			case t < due:
				delete(mm, k)
			case t < cut:
				delete(m, k)
				maybe[k] = t
			}
		}
	}
}

// dumpBlocks reads every record of the blocks, checking the file as an
// open does.
func dumpBlocks(t *testing.T, l *BoltLedger) ledgerModel {
	t.Helper()
	if err := l.check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	got := ledgerModel{}
	err := l.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(blocksBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			blk, err := parseBlock(v)
			if err != nil {
				return err
			}
			recs, err := blk.records(nil)
			for _, r := range recs {
				got[r.k] = r.t
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// dumpLedger is every record of the ledger, of the blocks and of the
// journal, a key sent twice with its later time.
func dumpLedger(t *testing.T, l *BoltLedger) ledgerModel {
	t.Helper()
	got := dumpBlocks(t, l)
	err := l.db.View(func(tx *bolt.Tx) error {
		j := tx.Bucket(journalBucket)
		if j == nil {
			return nil
		}
		return j.ForEach(func(_, v []byte) error {
			at := int64(binary.BigEndian.Uint64(v))
			return journalKeys(v, func(from, to int) {
				got.mark([]string{string(v[from:to])}, at)
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// keyGen makes ledger keys of every kind the ledger meets: receipt
// numbers in order, after every other key; hashes in no order; and short
// keys that are prefixes of one another ("b" < "b\x00" < "ba"). Never the
// empty key, which bbolt refuses, as it always did (a ledger key holds a
// pixel and an event name).
type keyGen struct {
	r       *rand.Rand
	receipt int
}

func (g *keyGen) receipts(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		g.receipt++
		ks[i] = fmt.Sprintf("9\x00Purchase\x00R%08d", g.receipt)
	}
	return ks
}

func (g *keyGen) random(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		switch g.r.IntN(10) {
		case 0:
			ks[i] = []string{"a", "b", "b\x00", "ba", "bb", "\xff"}[g.r.IntN(6)]
		case 1:
			ks[i] = fmt.Sprintf("9\x00Purchase\x00R%08d", 1+g.r.IntN(g.receipt+1)) // maybe recorded
		default:
			sum := sha256.Sum256(fmt.Appendf(nil, "%d", g.r.IntN(20_000)))
			pixel := []string{"1", "2", "3"}[g.r.IntN(3)]
			event := []string{"Purchase", "Lead"}[g.r.IntN(2)]
			ks[i] = pixel + "\x00" + event + "\x00" + hex.EncodeToString(sum[:2+g.r.IntN(30)])
		}
	}
	return ks
}

// TestLedgerModel runs random sequences of what runs do to a ledger
// (commits of keys in order and in no order, re-marks at later times,
// lookups, closes with a prune, runs killed before their merge, read-only
// opens) and compares the ledger with a map after every step: a key it
// forgets is sent twice, one it invents is a row lost.
func TestLedgerModel(t *testing.T) {
	t.Parallel()
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 42))
			g := &keyGen{r: r}
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			path := filepath.Join(t.TempDir(), "state")
			model := ledgerModel{}
			maybe := ledgerModel{} // records a prune may have taken out or not
			open := func(readOnly bool) *BoltLedger {
				t.Helper()
				l, err := openLedger(path, readOnly, clock)
				if err != nil {
					t.Fatal(err)
				}
				l.mergeAt = 1 + r.IntN(3000)
				l.mergePart = 1 + r.IntN(400)
				l.perTx = 1 + r.IntN(4)
				// A filter sized for a few keys is rebuilt often, and
				// says yes to many keys never recorded.
				l.filterKeys = 1 + r.IntN(64)
				l.filterAfter = 1 + r.IntN(16)
				if r.IntN(2) == 0 { // else SeenAll builds it
					if err := l.loadFilter(); err != nil {
						t.Fatal(err)
					}
				}
				if !readOnly {
					l.db.NoSync = true // a kill here is a closed file, not a lost page cache
				}
				return l
			}
			l := open(false)
			defer func() { l.Close() }()
			var recent []string // keys recorded lately, for re-marks
			// seenAll compares SeenAll with the model for keys recorded
			// and keys that may not be.
			seenAll := func(l *BoltLedger, step string) {
				t.Helper()
				ks := append(g.random(50+r.IntN(200)), "", fmt.Sprintf("9\x00Purchase\x00R%08d", g.receipt+1))
				for range 100 {
					if len(recent) > 0 {
						ks = append(ks, recent[r.IntN(len(recent))])
					}
				}
				if r.IntN(2) == 0 {
					slices.Sort(ks)
				}
				seen := make([]bool, len(ks))
				if err := l.SeenAll(ks, seen); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				for i, k := range ks {
					if _, want := model[k]; seen[i] != want {
						if _, either := maybe[k]; !either {
							t.Fatalf("%s: SeenAll(%q) = %v, want %v", step, k, seen[i], want)
						}
					}
				}
			}
			// same compares every record of the blocks and the journal,
			// times included, with the model; of the records a prune may
			// have taken out, those it did are gone for good.
			same := func(l *BoltLedger, step string) {
				t.Helper()
				got := dumpLedger(t, l)
				for k, at := range maybe {
					if gt, ok := got[k]; !ok {
						delete(maybe, k)
					} else if gt == at {
						delete(got, k)
					}
				}
				if !maps.Equal(model, got) {
					diff := cmp.Diff(model, got)
					t.Fatalf("%s: ledger differs from the model (-want +got):\n%s", step, diff)
				}
			}
			commit := func(name string, keys []string) {
				t.Helper()
				if err := l.MarkSent(keys, now); err != nil {
					t.Fatalf("%s: MarkSent: %v", name, err)
				}
				for _, k := range keys {
					delete(maybe, k) // later than any time it had
				}
				model.mark(keys, now.Unix())
				recent = append(recent[max(0, len(recent)-5000):], keys...)
				seen := make([]bool, len(keys))
				if err := l.SeenAll(keys, seen); err != nil || slices.Contains(seen, false) {
					t.Fatalf("%s: keys not seen right after MarkSent: %v", name, err)
				}
			}
			for step := range 300 {
				name := fmt.Sprint("step ", step)
				var keys []string
				switch op := r.IntN(20); {
				case op < 6: // receipts acknowledged in order, in commits of any size
					keys = g.receipts(1 + r.IntN(1200))
					if r.IntN(4) == 0 {
						// A request acknowledged after a later one: its
						// receipts go before the last recorded, in a commit
						// with newer ones.
						ahead := g.receipts(1 + r.IntN(300))
						commit(name+" ahead", ahead)
						keys = append(keys, g.receipts(1+r.IntN(300))...)
					} else if r.IntN(3) == 0 {
						r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
						keys = append(keys, keys[:r.IntN(len(keys))]...) // and some twice
					}
				case op < 11: // derived ids, in no order
					keys = g.random(1 + r.IntN(800))
				case op < 13: // --resend: recorded keys again, later
					for range 1 + r.IntN(300) {
						if len(recent) > 0 {
							keys = append(keys, recent[r.IntN(len(recent))])
						}
					}
				case op < 15:
					seenAll(l, name)
				case op == 15: // a run that closes; the next one opens
					if err := l.Close(); err != nil {
						t.Fatalf("%s: Close: %v", name, err)
					}
					cut := now.Add(-LedgerRetention)
					model.prune(maybe, cut.Unix(), cut.Add(-pruneSlack).Unix())
					l = open(false)
					same(l, name+" after reopen")
				case op == 16: // a run killed before its merge: the next open reads the journal
					if err := l.db.Close(); err != nil {
						t.Fatal(err)
					}
					ro := open(true)
					seenAll(ro, name+" read-only after kill")
					ro.Close()
					l = open(false)
					same(l, name+" after kill")
				case op == 17: // a merge now, with the blocks checked
					if err := l.merge(); err != nil {
						t.Fatalf("%s: merge: %v", name, err)
					}
					if n := journalLen(t, l); n != 0 {
						t.Fatalf("%s: journal holds %d keys after a merge", name, n)
					}
					same(l, name+" after merge")
				case op == 18 && len(recent) > 0: // the clock reaches a record's retention, or that and the slack, to the second
					at, ok := model[recent[r.IntN(len(recent))]]
					end := LedgerRetention + time.Duration(r.IntN(2))*pruneSlack
					if t := time.Unix(at, 0).Add(end + time.Duration(r.IntN(2))*time.Second); ok && t.After(now) {
						now = t
					}
				default: // time passes: seconds to days
					now = now.Add(time.Duration(r.Int64N(int64([]time.Duration{time.Minute, 3 * 24 * time.Hour}[r.IntN(2)]))))
				}
				if len(keys) > 0 {
					commit(name, keys)
				}
			}
			if err := l.merge(); err != nil {
				t.Fatal(err)
			}
			same(l, "end")
		})
	}
}

// A ledger written before the blocks (one bbolt key per event in
// sentBucket, and a journal a killed run left) is answered from as it is
// by a read-only open, also halfway through its conversion, and packed into
// blocks by a read-write open that finishes a conversion cut short.
func TestLedgerConvertsSentBucket(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(-time.Hour).Unix()
	model := ledgerModel{}
	var sent, journalled []string
	for i := range 1000 {
		k := fmt.Sprintf("123\x00Purchase\x00%05d", i*3)
		model[k] = at + int64(i%7)
		sent = append(sent, k)
	}
	for i := range 50 {
		k := fmt.Sprintf("123\x00Purchase\x00%05d", i*31+1)
		journalled = append(journalled, k)
	}
	journalled = append(journalled, sent[10]) // sent again, later
	model.mark(journalled, at+100)
	tests := []struct {
		name  string
		steps int // conversion transactions done before the "crash"
	}{
		{"never converted", 0},
		{"cut short", 2},
		{"all packed, bucket left", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, db := rawLedgerFile(t, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(sentBucket)
				if err != nil {
					return err
				}
				for _, k := range sent {
					if err := b.Put([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(model[k]))); err != nil {
						return err
					}
				}
				j, err := tx.CreateBucket(journalBucket)
				if err != nil {
					return err
				}
				v := binary.BigEndian.AppendUint64(nil, uint64(at+100))
				for _, k := range journalled {
					v = append(binary.AppendUvarint(v, uint64(len(k))), k...)
				}
				return j.Put([]byte("\x00\x00\x00\x00\x00\x00\x00\x01"), v)
			})
			for range tt.steps {
				if err := db.Update(func(tx *bolt.Tx) error { _, err := convertStep(tx, 300); return err }); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			ro, err := OpenLedger(path, true, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			keys := append(slices.Clone(sent), journalled...)
			for i := range 200 {
				keys = append(keys, fmt.Sprintf("123\x00Purchase\x00%05d", i*3+2), fmt.Sprintf("123\x00Purchase\x00%05d", 5000+i))
			}
			seen := make([]bool, len(keys))
			if err := ro.SeenAll(keys, seen); err != nil {
				t.Fatal(err)
			}
			for i, k := range keys {
				if _, want := model[k]; seen[i] != want {
					t.Errorf("read-only: Seen(%q) = %v, want %v", k, seen[i], want)
				}
			}
			ro.Close()

			rw, err := OpenLedger(path, false, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			defer rw.Close()
			if diff := cmp.Diff(model, dumpLedger(t, rw)); diff != "" {
				t.Errorf("converted ledger differs (-want +got):\n%s", diff)
			}
			err = rw.db.View(func(tx *bolt.Tx) error {
				if tx.Bucket(sentBucket) != nil {
					t.Error("the sent bucket is left after the conversion")
				}
				if m := tx.Bucket(metaBucket); m != nil && m.Get(convertedKey) != nil {
					t.Error("the conversion's note is left after it")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A block that does not decode, or that is not where its keys say, makes
// the ledger damaged at open, not empty and not a panic.
func TestLedgerDamagedBlock(t *testing.T) {
	t.Parallel()
	good := encodeBlock(testRecords("p\x00E\x00a", "p\x00E\x00b"))
	tests := []struct {
		name string
		puts map[string][]byte // bbolt key → block value
	}{
		{"garbage", map[string][]byte{"p\x00E\x00b": []byte("not a block")}},
		{"cut short", map[string][]byte{"p\x00E\x00b": good[:len(good)-2]}},
		{"under another key", map[string][]byte{"p\x00E\x00c": good}},
		{"overlapping blocks", map[string][]byte{"p\x00E\x00b": good, "p\x00E\x00c": encodeBlock(testRecords("p\x00E\x00a", "p\x00E\x00c"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, db := rawLedgerFile(t, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(blocksBucket)
				if err != nil {
					return err
				}
				for k, v := range tt.puts {
					if err := b.Put([]byte(k), v); err != nil {
						return err
					}
				}
				return nil
			})
			db.Close()
			for _, ro := range []bool{true, false} {
				l, err := OpenLedger(path, ro, time.Now)
				if err == nil {
					l.Close()
				}
				if ce, ok := errors.AsType[*CorruptError](err); !ok || ce.Path != path {
					t.Errorf("readOnly=%v: OpenLedger = %v, want a *CorruptError naming the file", ro, err)
				}
			}
		})
	}
}

// TestSortJournal: the journal's records come out sorted by key, each key
// once with its latest time, whatever the keys share: a long prefix, the 8
// bytes after it, or all of a shorter key.
func TestSortJournal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	tests := []struct {
		name string
		key  func() string
	}{
		{"hashes", func() string { return fmt.Sprintf("123\x00Purchase\x00%016x", r.Uint64N(5000)) }},
		{"same 8 bytes after the prefix", func() string { return fmt.Sprintf("p\x00E\x0012345678%d", r.IntN(3000)) }},
		{"prefixes of each other", func() string { return strings.Repeat("a\x00", r.IntN(12)) }},
		{"anything", func() string {
			b := make([]byte, r.IntN(12))
			for i := range b {
				b[i] = byte(r.IntN(3))
			}
			return string(b)
		}},
		{"one key", func() string { return "k" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := ledgerModel{}
			var recs []record
			for range 5000 {
				rec := record{tt.key(), r.Int64N(100)}
				recs = append(recs, rec)
				want.mark([]string{rec.k}, rec.t)
			}
			got := sortJournal(recs)
			if !slices.IsSortedFunc(got, func(a, b record) int { return strings.Compare(a.k, b.k) }) {
				t.Error("not sorted")
			}
			gotMap := ledgerModel{}
			for _, rec := range got {
				if _, ok := gotMap[rec.k]; ok {
					t.Errorf("key %q twice", rec.k)
				}
				gotMap[rec.k] = rec.t
			}
			if diff := cmp.Diff(want, gotMap); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCommitKeysRecords: whatever the order a commit's requests were
// acknowledged in, its records come out sorted, each key once, with the
// least and greatest key right.
func TestCommitKeysRecords(t *testing.T) {
	t.Parallel()
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	var many [][]string
	for i := range 70 {
		many = append(many, receiptRange((69-i)*10, 10)) // 70 runs, descending
	}
	shuffled := receiptRange(0, 500)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), reflect.Swapper(shuffled))
	tests := []struct {
		name string
		keys []string
	}{
		{"empty", nil},
		{"one run", receiptRange(0, 100)},
		{"runs in order", cat(receiptRange(0, 10), receiptRange(10, 10), receiptRange(20, 10))},
		{"runs out of order, not overlapping", cat(receiptRange(20, 10), receiptRange(0, 10), receiptRange(10, 10))},
		{"interleaved: 1, 3, 2", cat(receiptRange(0, 10), receiptRange(20, 10), receiptRange(10, 10))},
		{"interleaved, uneven", cat(receiptRange(0, 5), receiptRange(100, 50), receiptRange(5, 95), receiptRange(150, 1))},
		{"a key twice across runs", cat(receiptRange(0, 10), receiptRange(5, 10))},
		{"more runs than a merge takes", cat(receiptRange(0, 3), receiptRange(30, 3), receiptRange(3, 3), receiptRange(33, 3), receiptRange(6, 3), receiptRange(36, 3), receiptRange(9, 3), receiptRange(39, 3), receiptRange(12, 3), receiptRange(42, 3))},
		{"more runs than are tracked", cat(many...)},
		{"no order at all", shuffled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := slices.Compact(slices.Sorted(slices.Values(tt.keys)))
			ck := newCommitKeys(slices.Clone(tt.keys))
			recs := ck.records(42)
			var got []string
			for _, r := range recs {
				got = append(got, r.k)
				if r.t != 42 {
					t.Fatalf("record %q has time %d, want 42", r.k, r.t)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if len(want) > 0 && (ck.lo != want[0] || ck.hi != want[len(want)-1]) {
				t.Errorf("lo, hi = %q, %q; want %q, %q", ck.lo, ck.hi, want[0], want[len(want)-1])
			}
		})
	}
}

// TestLedgerLateRequestJournalsOnlyItsKeys: a commit holding a request
// acknowledged after a later one puts only that request's keys, which go
// before the last recorded, in the journal; the newer ones are appended.
func TestLedgerLateRequestJournalsOnlyItsKeys(t *testing.T) {
	t.Parallel()
	l, err := OpenLedger(filepath.Join(t.TempDir(), "state"), false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	now := time.Now()
	if err := l.MarkSent(receiptRange(100, 100), now); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSent(slices.Concat(receiptRange(0, 100), receiptRange(200, 100)), now); err != nil {
		t.Fatal(err)
	}
	if n := journalLen(t, l); n != 100 {
		t.Errorf("journal holds %d keys, want the late request's 100", n)
	}
	all := receiptRange(0, 300)
	seen := make([]bool, len(all))
	if err := l.SeenAll(all, seen); err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(seen, false); i >= 0 {
		t.Errorf("%q not seen", all[i])
	}
}

// rawLedgerFile writes a ledger file with bbolt alone, as an older version
// or a damaged disk would leave it, and returns it still open.
func rawLedgerFile(t *testing.T, fill func(tx *bolt.Tx) error) (string, *bolt.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fill); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return path, db
}

// receiptRange returns the ledger keys of the n receipt numbers from
// from on, in order.
func receiptRange(from, n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = fmt.Sprintf("px\x00Purchase\x00R%08d", from+i)
	}
	return k
}

// TestOpenLedgerErrors: a ledger that cannot be opened is named once in
// the message, with what to do when its directory is missing.
func TestOpenLedgerErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string
	}{
		{"a directory", dir, "open ledger " + dir + ": is a directory"},
		{"a missing directory", filepath.Join(dir, "nope", "x.state"),
			"open ledger " + filepath.Join(dir, "nope", "x.state") + ": no such file or directory: create " + filepath.Join(dir, "nope") + " first, or give --state another path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := OpenLedger(tt.path, false, time.Now)
			if err == nil {
				l.Close()
				t.Fatal("OpenLedger succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
}

// TestLedgerCreatedTwiceAtOnce: two runs creating a new ledger at the same
// moment. One gets it, the other is told it is locked (or, if the first
// was already done, gets it in turn), never that it is damaged: the path
// is never an empty file while the ledger is being created. Many pairs
// race at once, since the window is narrow; goroutines rather than
// parallel subtests, so that the pairs' lock waits overlap.
func TestLedgerCreatedTwiceAtOnce(t *testing.T) {
	t.Parallel()
	const pairs = 100
	dir := t.TempDir()
	start := make(chan struct{})
	var ls [pairs][2]*BoltLedger
	var errs [pairs][2]error
	var wg sync.WaitGroup
	for i := range pairs {
		path := filepath.Join(dir, fmt.Sprintf("%03d.state", i))
		for j := range 2 {
			wg.Go(func() {
				<-start
				ls[i][j], errs[i][j] = OpenLedger(path, false, time.Now)
			})
		}
	}
	close(start)
	wg.Wait()
	for i := range pairs {
		opened := 0
		for j := range 2 {
			if errs[i][j] == nil {
				opened++
				ls[i][j].Close()
				continue
			}
			if _, ok := errors.AsType[*LockedError](errs[i][j]); !ok {
				t.Errorf("pair %d: OpenLedger = %v, want success or *LockedError", i, errs[i][j])
			}
		}
		if opened == 0 {
			t.Errorf("pair %d: neither run opened the new ledger", i)
		}
	}
}

// TestLedgerCreateOnFullDisk: a new ledger that cannot be written (a full
// disk) leaves no file behind, so the next run, with space again, creates
// it rather than refusing an empty file as damaged.
func TestLedgerCreateOnFullDisk(t *testing.T) {
	// Not parallel: it replaces initLedgerFile.
	old := initLedgerFile
	t.Cleanup(func() { initLedgerFile = old })
	initLedgerFile = func(string) error { return &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC} }
	dir := t.TempDir()
	path := filepath.Join(dir, "new.state")
	_, err := OpenLedger(path, false, time.Now)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "create ledger "+path+": no space left on device") {
		t.Fatalf("OpenLedger = %v, want create ledger %s: no space left on device", err, path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	initLedgerFile = old
	l, err := OpenLedger(path, false, time.Now)
	if err != nil {
		t.Fatalf("with space again: %v", err)
	}
	l.Close()
}

// TestLedgerTooShortForMetaPages: a ledger cut to a page is damaged, with
// the recovery steps, not bbolt's bare "file size too small".
func TestLedgerTooShortForMetaPages(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{100, 4096, 8191} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "cut.state")
			l, err := OpenLedger(path, false, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.MarkSent([]string{"a", "b"}, testNow); err != nil {
				t.Fatal(err)
			}
			l.Close()
			if err := os.Truncate(path, size); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				_, err := OpenLedger(path, ro, time.Now)
				if _, ok := errors.AsType[*CorruptError](err); !ok {
					t.Errorf("read-only %v: OpenLedger = %v, want *CorruptError", ro, err)
					continue
				}
				mustHave := []string{path, "damaged", "move it aside"}
				for _, s := range mustHave {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("read-only %v: error %q lacks %q", ro, err, s)
					}
				}
			}
		})
	}
}

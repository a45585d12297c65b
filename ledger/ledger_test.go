package ledger_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger"
	"capi-upload/ledger/ledgertest"

	bolt "go.etcd.io/bbolt"
)

func TestBolt(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) *ledgertest.Store {
		s := &ledgertest.Store{Path: filepath.Join(t.TempDir(), "capi-upload.state")}
		s.Open = func(t *testing.T, readOnly bool, now func() time.Time) (capi.Ledger, error) {
			l, err := ledger.Open(s.Path, readOnly, now)
			if err != nil {
				return nil, err // not a nil *Bolt in an interface
			}
			return l, nil
		}
		// kill -9 simulated: the file as it is while l is still open,
		// copied; the suite goes on with the copy. TestKill9 kills a
		// process for real.
		s.Crash = func(t *testing.T, l capi.Ledger) {
			data, err := os.ReadFile(s.Path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			s.Path = filepath.Join(t.TempDir(), "after-crash.state")
			if err := os.WriteFile(s.Path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s.Damage = func(t *testing.T) { damageFile(t, s.Path, 8192, 0xff) }
		return s
	})
}

// damageFile overwrites the file from offset at on with b.
func damageFile(t *testing.T, path string, at int, b byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := at; i < len(data); i++ {
		data[i] = b
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func newLedger(t *testing.T, keys ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capi-upload.state")
	l, err := ledger.Open(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSent(keys, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawUpdate changes the bbolt file at path behind the ledger's back.
func rawUpdate(t *testing.T, path string, f func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

func TestBoltDamaged(t *testing.T) {
	t.Parallel()
	good := newLedger(t, ledgertest.Keys("a", 10)...)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	day := []byte(time.Now().UTC().Format("2006-01-02"))
	tests := []struct {
		name  string
		data  []byte
		raw   func(tx *bolt.Tx) error
		wants string
	}{
		{name: "garbage", data: []byte(strings.Repeat("not a database ", 1000))},
		{name: "zeroed meta pages", data: append(make([]byte, 8192), data[8192:]...)},
		{name: "truncated to 100 bytes", data: data[:100]},
		{name: "truncated to a page", data: data[:4096]},
		{name: "truncated to 8191", data: data[:8191]},
		{name: "empty", data: []byte{}, wants: "the file is empty"},
		{name: "damaged data pages", data: append(append([]byte(nil), data[:8192]...), strings.Repeat("\xff", len(data)-8192)...)},
		{name: "a record cut short", raw: func(tx *bolt.Tx) error {
			return tx.Bucket(day).Put([]byte("12345678"), []byte("short"))
		}, wants: "record of 5 bytes"},
		{name: "a foreign bucket", raw: func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("users"))
			return err
		}, wants: "not a capi-upload ledger"},
		{name: "a version 1 bucket in version 2", raw: func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("blocks"))
			return err
		}, wants: "not a capi-upload ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			if tt.raw != nil {
				tt.data = data
			}
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.raw != nil {
				rawUpdate(t, path, tt.raw)
			}
			// Read-only first: a read-write open that panics leaves
			// bbolt's lock held by this process.
			for _, ro := range []bool{true, false} {
				l, err := ledger.Open(path, ro, time.Now)
				if err == nil {
					l.Close()
					t.Fatalf("readOnly %v: Open of a damaged file succeeded", ro)
				}
				if _, ok := errors.AsType[*ledger.CorruptError](err); !ok {
					t.Errorf("readOnly %v: Open = %v, want *CorruptError", ro, err)
				}
				for _, s := range []string{path, "damaged", "move it aside", tt.wants} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("readOnly %v: error %q lacks %q", ro, err, s)
					}
				}
			}
		})
	}
}

func TestBoltReadOnlyMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.state")
	l, err := ledger.Open(path, true, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]bool, 1)
	if err := l.SeenAll([]string{"x"}, seen); err != nil || seen[0] {
		t.Errorf("SeenAll = %v, %v", seen, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open created the file: %v", err)
	}
}

// TestOpenErrors: a ledger that cannot be opened is named once, with what
// to do when its directory is missing.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct{ name, path, want string }{
		{"a directory", dir, "open ledger " + dir + ": is a directory"},
		{"a missing directory", filepath.Join(dir, "nope", "x.state"),
			"open ledger " + filepath.Join(dir, "nope", "x.state") + ": no such file or directory: create " + filepath.Join(dir, "nope") + " first, or give --state another path"},
	}
	for _, tt := range tests {
		l, err := ledger.Open(tt.path, false, time.Now)
		if err == nil {
			l.Close()
			t.Fatalf("%s: Open succeeded", tt.name)
		}
		if err.Error() != tt.want {
			t.Errorf("%s: error\n got %q\nwant %q", tt.name, err, tt.want)
		}
	}
}

// TestCreatedTwiceAtOnce: two runs creating a new ledger at once. One gets
// it, the other is told it is locked (or gets it after), never that it is
// damaged: the path is never an empty file. Many pairs race at once.
func TestCreatedTwiceAtOnce(t *testing.T) {
	t.Parallel()
	const pairs = 100
	dir := t.TempDir()
	start := make(chan struct{})
	var ls [pairs][2]*ledger.Bolt
	var errs [pairs][2]error
	var wg sync.WaitGroup
	for i := range pairs {
		path := filepath.Join(dir, fmt.Sprintf("%03d.state", i))
		for j := range 2 {
			wg.Go(func() {
				<-start
				ls[i][j], errs[i][j] = ledger.Open(path, false, time.Now)
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
			} else if _, ok := errors.AsType[*ledger.LockedError](errs[i][j]); !ok {
				t.Errorf("pair %d: Open = %v, want success or *LockedError", i, errs[i][j])
			}
		}
		if opened == 0 {
			t.Errorf("pair %d: neither run opened the new ledger", i)
		}
	}
}

// TestCreateOnFullDisk: a new ledger that cannot be written leaves no file
// behind, so the next run creates it rather than refusing an empty file.
func TestCreateOnFullDisk(t *testing.T) {
	// Not parallel: it replaces InitFile.
	old := *ledger.InitFile
	t.Cleanup(func() { *ledger.InitFile = old })
	*ledger.InitFile = func(string) error { return &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC} }
	dir := t.TempDir()
	path := filepath.Join(dir, "new.state")
	_, err := ledger.Open(path, false, time.Now)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "create ledger "+path+": no space left on device") {
		t.Fatalf("Open = %v, want create ledger %s: no space left on device", err, path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	*ledger.InitFile = old
	l, err := ledger.Open(path, false, time.Now)
	if err != nil {
		t.Fatalf("with space again: %v", err)
	}
	l.Close()
}

// v1Keys are the keys of testdata/v1.state, written by the version before
// this package: 2,000 receipt numbers in blocks (sent 2026-03-01), 500
// derived ids in its journal (2026-03-02) and 100 leads in its first
// layout's "sent" bucket (2026-02-27).
func v1Keys() (blocks, journal, sent []string) {
	for i := range 2000 {
		blocks = append(blocks, fmt.Sprintf("123456789012345\x00Purchase\x00R%06d", i))
	}
	for i := range 500 {
		s := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		journal = append(journal, fmt.Sprintf("123456789012345\x00Purchase\x00%x", s[:16]))
	}
	for i := range 100 {
		sent = append(sent, fmt.Sprintf("123456789012345\x00Lead\x00L%d", i))
	}
	return blocks, journal, sent
}

func seenCount(t *testing.T, l capi.Ledger, keys []string) int {
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

// TestVersion1: a ledger written by the version before is read as it is
// when read-only, and converted, each record into the day it was sent, by
// the first open for writing; never started afresh.
func TestVersion1(t *testing.T) {
	t.Parallel()
	orig, err := os.ReadFile("testdata/v1.state")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v1.state")
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	blocks, journal, sent := v1Keys()
	all := append(append(append([]string(nil), blocks...), journal...), sent...)
	check := func(when string, readOnly bool, now time.Time, want int) {
		t.Helper()
		l, err := ledger.Open(path, readOnly, func() time.Time { return now })
		if err != nil {
			t.Fatalf("%s: Open = %v", when, err)
		}
		if n := seenCount(t, l, all); n != want {
			t.Errorf("%s: %d of %d keys seen, want %d", when, n, len(all), want)
		}
		if n := seenCount(t, l, ledgertest.Keys("new", 100)); n != 0 {
			t.Errorf("%s: %d new keys seen", when, n)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	march3 := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	check("read-only", true, march3, len(all))
	if now, _ := os.ReadFile(path); string(now) != string(orig) {
		t.Fatal("a read-only open changed the file")
	}
	check("converting", false, march3, len(all))
	check("converted", true, march3, len(all))
	rawView(t, path, func(tx *bolt.Tx) {
		var names []string
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
		if want := "[2026-02-27 2026-03-01 2026-03-02 format]"; fmt.Sprint(names) != want {
			t.Errorf("buckets %v, want %s", names, want)
		}
	})
	// The records keep their days: the leads of Feb 27 go first.
	check("pruned by Mar 8's clock", false, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), len(all))
	check("after the prune", true, march3, len(blocks)+len(journal))
}

func rawView(t *testing.T, path string, f func(tx *bolt.Tx)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error { f(tx); return nil })
}

// TestNewerFormat: a ledger of a later format is refused, not read wrong.
func TestNewerFormat(t *testing.T) {
	t.Parallel()
	path := newLedger(t, "a")
	rawUpdate(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte("format")).Put([]byte("version"), []byte("3")) })
	for _, ro := range []bool{true, false} {
		_, err := ledger.Open(path, ro, time.Now)
		if err == nil || !strings.Contains(err.Error(), "newer capi-upload") || !strings.Contains(err.Error(), path) {
			t.Errorf("readOnly %v: Open = %v, want a refusal naming the file", ro, err)
		}
	}
}

// TestKill9: a process that recorded keys and is killed with SIGKILL
// before it closes the ledger leaves them on disk, and its lock goes with
// it.
func TestKill9(t *testing.T) {
	if path := os.Getenv("LEDGER_KILL9_PATH"); path != "" {
		l, err := ledger.Open(path, false, time.Now)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if err := l.MarkSent(ledgertest.Keys("k", 1000), time.Now()); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("recorded")
		select {} // until killed
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), "LEDGER_KILL9_PATH="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 9)
	if _, err := out.Read(buf); err != nil || string(buf) != "recorded\n" {
		cmd.Process.Kill()
		t.Fatalf("child said %q, %v", buf, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	l, err := ledger.Open(path, false, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := seenCount(t, l, ledgertest.Keys("k", 1000)); n != 1000 {
		t.Errorf("after kill -9: %d of 1000 keys seen", n)
	}
}

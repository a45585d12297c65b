package ingest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A CSV file's reader reports how much of the file it has consumed, so a
// progress bar can show the time left; at the end all of it.
func TestProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.csv")
	content := "a,b\n" + strings.Repeat("1,2\n", 100000)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, ok := r.(Progresser)
	if !ok {
		t.Fatalf("Open(%s) returned %T, which does not implement Progresser", path, r)
	}
	if _, total := p.Progress(); total != int64(len(content)) {
		t.Errorf("Progress() total = %d, want %d", total, len(content))
	}
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if done, total := p.Progress(); done != total {
		t.Errorf("Progress() at EOF = %d of %d, want all", done, total)
	}
}

package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// An input without data rows is still listed, so "0 rows read from 1
// file" says the file was read rather than missed.
func TestFileOpenedWithoutRows(t *testing.T) {
	r, err := Create(t.TempDir(), Options{Command: "validate", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	r.FileOpened("empty.csv")
	r.FileOpened("b.csv")
	r.RowRead("b.csv")
	s, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := []FileCount{{File: "empty.csv"}, {File: "b.csv", RowsRead: 1}}
	if diff := cmp.Diff(want, s.Files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

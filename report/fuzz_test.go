package report

import (
	"bytes"
	"capi-upload/capi"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

// FuzzRejectWriter checks that any line written reads back as six cells,
// that no text cell starts with a formula trigger, and that dropping the
// escape quote gives back the original text.
func FuzzRejectWriter(f *testing.F) {
	f.Add("pos.csv", 2, "R-1", "event_time", "bad layout")
	f.Add("=cmd|' /C calc'!A0", -1, "-1", "@field", "+detail\r\n\"x\"")
	f.Add("\tname", 0, "\r", "a,b", "é\x00")
	f.Fuzz(func(t *testing.T, file string, row int, id, field, detail string) {
		var buf bytes.Buffer
		w, err := NewRejectWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		in := Reject{File: file, Row: row, EventID: id, Reason: capi.ReasonInvalidValue, Field: field, Detail: detail}
		if err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("rejects.csv does not parse: %v", err)
		}
		if len(recs) != 2 || len(recs[1]) != 6 {
			t.Fatalf("got %d records %q, want header and one line of 6 cells", len(recs), recs)
		}
		if recs[1][1] != strconv.Itoa(row) {
			t.Errorf("row = %q, want %d", recs[1][1], row)
		}
		for i, want := range map[int]string{0: file, 2: id, 4: field, 5: detail} {
			got := recs[1][i]
			if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Errorf("cell %d = %q starts with a formula trigger", i, got)
			}
			// encoding/csv turns \r\n into \n inside quoted cells.
			want = strings.ReplaceAll(want, "\r\n", "\n")
			if un := strings.TrimPrefix(got, "'"); un != want && got != want {
				t.Errorf("cell %d = %q, want %q escaped", i, got, want)
			}
		}
	})
}

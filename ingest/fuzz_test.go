package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds arbitrary bytes to the CSV reader (the XLSX reader's
// parsing is excelize's). Properties: no panic, no endless loop; Open
// either fails with a *ParseError or gives a header; every Read gives a row
// with a Line above the previous one (never the header's) and valid UTF-8
// cells within the limits, or a *ParseError; after a terminal error the
// same error comes back.
func FuzzRead(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".xlsx") {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
			f.Add(b, uint8(0))
		}
	}
	f.Add([]byte("a,b\n\"x\ny\",1\n\n,\n3,\"unterminated\n"), uint8(1))
	f.Add([]byte("a;b\r\n1;\"q\"\"q\"x\r\n\x00;\xff\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opt := Options{MaxCellBytes: 64, MaxColumns: 8, MaxRecordBytes: 256}
		switch mode % 4 {
		case 1:
			opt.Delimiter = ';'
		case 2:
			opt.HeaderRow = 3
		case 3:
			opt.Encoding = "windows-1252"
		}
		r, err := NewCSVReader(bytes.NewReader(data), "fuzz.csv", opt)
		if err != nil {
			if _, ok := errors.AsType[*ParseError](err); !ok {
				t.Fatalf("NewCSVReader() = %v (%T), want *ParseError", err, err)
			}
			return
		}
		defer r.Close()
		last := 0
		for range len(data) + 2 {
			row, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				pe, ok := errors.AsType[*ParseError](err)
				if !ok || pe.File != "fuzz.csv" {
					t.Fatalf("Read() = %v (%T), want *ParseError naming the file", err, err)
				}
				if !IsRowError(err) {
					if _, again := r.Read(); again != err {
						t.Fatalf("Read() after terminal %v = %v", err, again)
					}
					return
				}
				if pe.Row <= last {
					t.Fatalf("row error at %d after row %d", pe.Row, last)
				}
				last = pe.Row
				continue
			}
			if row.Line <= last || row.Line < 2 {
				t.Fatalf("row %d after row %d", row.Line, last)
			}
			last = row.Line
			if len(row.Cells) > opt.MaxColumns {
				t.Fatalf("row %d has %d cells, limit %d", row.Line, len(row.Cells), opt.MaxColumns)
			}
			for _, c := range row.Cells {
				if len(c) > opt.MaxCellBytes || !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
					t.Fatalf("row %d: bad cell %q", row.Line, c)
				}
			}
		}
		t.Fatalf("more Reads than input bytes: no progress")
	})
}

package ingest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll reads r to the end, collecting rows and row errors; it stops at
// the first terminal error and returns it.
func readAll(t testing.TB, r Reader) (rows []Row, rowErrs []error, terminal error) {
	t.Helper()
	for i := 0; i < 1_000_000; i++ {
		row, err := r.Read()
		switch {
		case errors.Is(err, io.EOF):
			return rows, rowErrs, nil
		case IsRowError(err):
			rowErrs = append(rowErrs, err)
		case err != nil:
			return rows, rowErrs, err
		default:
			rows = append(rows, row)
		}
	}
	t.Fatal("reader never ended")
	return
}

var readTests = []struct {
	name       string
	file       string
	opt        Options
	wantHeader []string
	wantRows   []Row // File is filled in from file
}{
	{
		name:       "utf-8",
		file:       "utf8.csv",
		wantHeader: []string{"Name", "City", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"José Müller", "São Paulo", "12.50"}},
			{Line: 3, Cells: []string{"Zoë O'Brien", "Zürich", "€7"}},
		},
	},
	{
		name:       "utf-8 BOM stripped",
		file:       "utf8-bom.csv",
		wantHeader: []string{"Name", "City", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"José Müller", "São Paulo", "12.50"}},
			{Line: 3, Cells: []string{"Zoë O'Brien", "Zürich", "€7"}},
		},
	},
	{
		name:       "utf-16LE BOM, tab sniffed in .txt",
		file:       "utf16le-bom.txt",
		wantHeader: []string{"Name", "City", "Total"},
		wantRows:   []Row{{Line: 2, Cells: []string{"José Müller", "São Paulo", "12.50"}}},
	},
	{
		name:       "utf-16BE BOM",
		file:       "utf16be-bom.csv",
		wantHeader: []string{"Name", "City", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"José Müller", "São Paulo", "12.50"}},
			{Line: 3, Cells: []string{"Zoë O'Brien", "Zürich", "€7"}},
		},
	},
	{
		name:       "windows-1252 sniffed, semicolon sniffed over decimal commas",
		file:       "windows1252.csv",
		wantHeader: []string{"Name", "City", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"José Müller", "São Paulo", "12,50"}},
			{Line: 3, Cells: []string{"Zoë O'Brien", "Zürich", "7,00"}},
		},
	},
	{
		name:       "forced delimiter overrides sniffing",
		file:       "semicolon.csv",
		opt:        Options{Delimiter: ','},
		wantHeader: []string{"Name;City;Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"José Müller;São Paulo;12", "50"}},
			{Line: 3, Cells: []string{"Zoë O'Brien;Zürich;7", "00"}},
		},
	},
	{
		name:       "forced windows-1252 on UTF-8 bytes reads mojibake, not an error",
		file:       "utf8.csv",
		opt:        Options{Encoding: "windows-1252"},
		wantHeader: []string{"Name", "City", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"JosÃ© MÃ¼ller", "SÃ£o Paulo", "12.50"}},
			{Line: 3, Cells: []string{"ZoÃ« O'Brien", "ZÃ¼rich", "â‚¬7"}},
		},
	},
	{
		name:       "tsv defaults to tab, quoted tab kept",
		file:       "tab.tsv",
		wantHeader: []string{"Name", "City"},
		wantRows:   []Row{{Line: 2, Cells: []string{"Ann", "Tab\tin quotes"}}},
	},
	{
		name:       "pipe, quoted pipe kept",
		file:       "pipe.txt",
		wantHeader: []string{"Email", "Phone", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"ann@example.com", "(650) 555-1212", "1,234.50"}},
			{Line: 3, Cells: []string{"bob|x@example.com", "+44 20 7946 0958", "3"}},
		},
	},
	{
		name:       "gzip by magic bytes",
		file:       "gzip.csv.gz",
		wantHeader: []string{"Email", "Total"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"ann@example.com", "1"}},
			{Line: 3, Cells: []string{"bob@example.com", "2"}},
		},
	},
	{
		name:       "CRLF inside quotes is one row",
		file:       "crlf-quoted.csv",
		wantHeader: []string{"Name", "Address", "Zip"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"Ann", "1 Main St\nApt 2", "94025"}},
			{Line: 3, Cells: []string{"Bob", `He said "hi"`, "10001"}},
		},
	},
	{
		name:       "blank rows skipped but counted, header below a blank row",
		file:       "blank-rows.csv",
		wantHeader: []string{"Name", "Total"},
		wantRows: []Row{
			{Line: 4, Cells: []string{"Ann", "1"}},
			{Line: 7, Cells: []string{"Bob", "2"}},
			{Line: 9, Cells: []string{"Cy", "3"}},
		},
	},
	{
		name:       "ragged rows as read",
		file:       "ragged.csv",
		wantHeader: []string{"a", "b", "c"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"1"}},
			{Line: 3, Cells: []string{"1", "2", "3", "4", "5"}},
			{Line: 4, Cells: []string{"1", "2", "3"}},
		},
	},
	{
		name:       "header row 3",
		file:       "title-rows.csv",
		opt:        Options{HeaderRow: 3},
		wantHeader: []string{"Name", "Total"},
		wantRows:   []Row{{Line: 4, Cells: []string{"Ann", "1"}}},
	},
	{
		name:       "xlsx first sheet",
		file:       "multi-sheet.xlsx",
		wantHeader: []string{"Exported from the CRM"},
	},
	{
		name:       "xlsx sheet by name: date cells as wall time, text dates as text, blanks, row gap",
		file:       "multi-sheet.xlsx",
		opt:        Options{Sheet: "Sales"},
		wantHeader: []string{"Email", "Order Date", "Date as text", "Total", "Zip"},
		wantRows: []Row{
			{Line: 2, Cells: []string{"ann@example.com", "2026-11-25T12:00:00", "2026-11-24 12:00", "1234.5", "02134"},
				Kinds: []CellKind{CellText, CellDate, CellText, CellNumber, CellText}},
			{Line: 3, Cells: []string{"bob@example.com", "2026-11-26T00:00:00", "", "19.99"},
				Kinds: []CellKind{CellText, CellDate, CellText, CellNumber}},
			{Line: 6, Cells: []string{"cy@example.com", "2026-11-27T06:00:00", "24/11/2026", "0", "10001"},
				Kinds: []CellKind{CellText, CellDate, CellText, CellNumber, CellNumber}},
		},
	},
	{
		name:       "xlsx sheet name case-insensitive",
		file:       "multi-sheet.xlsx",
		opt:        Options{Sheet: "sales", HeaderRow: 3},
		wantHeader: []string{"bob@example.com", "2026-11-26T00:00:00", "", "19.99"},
		wantRows: []Row{{Line: 6, Cells: []string{"cy@example.com", "2026-11-27T06:00:00", "24/11/2026", "0", "10001"},
			Kinds: []CellKind{CellText, CellDate, CellText, CellNumber, CellNumber}}},
	},
}

func TestRead(t *testing.T) {
	for _, tt := range readTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(filepath.Join("testdata", tt.file), tt.opt)
			if err != nil {
				t.Fatalf("Open(%s) = %v", tt.file, err)
			}
			defer r.Close()
			if diff := cmp.Diff(tt.wantHeader, r.Header()); diff != "" {
				t.Errorf("Header() mismatch (-want +got):\n%s", diff)
			}
			rows, rowErrs, err := readAll(t, r)
			if err != nil || rowErrs != nil {
				t.Fatalf("Read() errors: terminal %v, rows %v", err, rowErrs)
			}
			var want []Row
			for _, w := range tt.wantRows {
				w.File = tt.file
				want = append(want, w)
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			if _, err := r.Read(); !errors.Is(err, io.EOF) {
				t.Errorf("Read() after EOF = %v, want io.EOF", err)
			}
		})
	}
}

// dump renders everything a reader yields, for golden files.
func dump(r Reader, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "open error: %v\n", err)
		return b.String()
	}
	defer r.Close()
	fmt.Fprintf(&b, "header: %q\n", r.Header())
	for range 10_000 {
		row, err := r.Read()
		switch {
		case errors.Is(err, io.EOF):
			b.WriteString("EOF\n")
			return b.String()
		case err != nil:
			fmt.Fprintf(&b, "error (row error %v): %v\n", IsRowError(err), err)
			if !IsRowError(err) {
				return b.String()
			}
		default:
			fmt.Fprintf(&b, "%s:%d: %q\n", row.File, row.Line, row.Cells)
		}
	}
	return b.String()
}

// TestGolden reads every fixture with default options and compares the
// whole output with testdata/golden/<fixture>.golden.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			got := dump(Open(filepath.Join("testdata", e.Name()), Options{}))
			golden := filepath.Join("testdata", "golden", e.Name()+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
			}
		})
	}
}

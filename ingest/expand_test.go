package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.csv", "a.XLSX", "c.csv.gz", "d.tsv", "e.txt", ".hidden.csv", "~$a.xlsx", "notes.pdf", "f.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	file := filepath.Join(dir, "b.csv")
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr string
	}{
		{name: "directory sorted, filtered", in: []string{dir}, want: []string{
			filepath.Join(dir, "a.XLSX"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.csv.gz"),
			filepath.Join(dir, "d.tsv"), filepath.Join(dir, "e.txt"),
		}},
		{name: "stdin and file kept in order", in: []string{"-", file}, want: []string{"-", file}},
		{name: "missing path named", in: []string{file, filepath.Join(dir, "nope.csv")}, wantErr: "nope.csv"},
		{name: "directory without inputs named", in: []string{empty}, wantErr: empty},
		{name: "nothing", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Expand(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Expand(%q) = %v, want an error naming %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Expand(%q) = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Expand(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestCellsNotReused: rows stay intact after later Reads, so callers may
// pipeline them to other goroutines.
func TestCellsNotReused(t *testing.T) {
	r, err := NewCSVReader(strings.NewReader("a,b\n1,2\n3,4\n5,6\n"), "p.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	// A caller appending to a row must not write into the next one.
	_ = append(rows[0].Cells, "appended")
	want := []Row{
		{File: "p.csv", Line: 2, Cells: []string{"1", "2"}},
		{File: "p.csv", Line: 3, Cells: []string{"3", "4"}},
		{File: "p.csv", Line: 4, Cells: []string{"5", "6"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
}

// TestLineNumbers pins the row numbering a person sees against every way a
// line can end or a row can span lines.
func TestLineNumbers(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		lines []int
	}{
		{name: "LF", data: "h\na\nb\n", lines: []int{2, 3}},
		{name: "CRLF", data: "h\r\na\r\nb\r\n", lines: []int{2, 3}},
		{name: "no final newline", data: "h\na\nb", lines: []int{2, 3}},
		{name: "blank lines count", data: "h\n\na\n\r\n\nb\n", lines: []int{3, 6}},
		{name: "multi-line quoted cell is one row", data: "h\n\"a\nb\nc\"\nd\n", lines: []int{2, 3}},
		{name: "quoted CRLFs and blank quoted lines", data: "h\r\n\"a\r\n\r\nb\"\r\n\r\nd\r\n", lines: []int{2, 4}},
		{name: "all-blank cells count", data: "h,i\n,\n \t, \na,b\n", lines: []int{4}},
		{name: "leading blank line before header", data: "\nh\na\n", lines: []int{3}},
		{name: "bare CR line ends", data: "h\ra\r\rb\r", lines: []int{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSVReader(strings.NewReader(tt.data), "n.csv", Options{Delimiter: ','})
			if err != nil {
				t.Fatal(err)
			}
			rows, rowErrs, err := readAll(t, r)
			if err != nil || rowErrs != nil {
				t.Fatalf("errors %v %v", rowErrs, err)
			}
			var got []int
			for _, row := range rows {
				got = append(got, row.Line)
			}
			if diff := cmp.Diff(tt.lines, got); diff != "" {
				t.Errorf("lines of %q mismatch (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name string
		data string
		want byte
	}{
		{name: "comma", data: "a,b,c\n1,2,3\n", want: ','},
		{name: "semicolon with decimal commas", data: "a;b\n1,5;2,5\n3,5;4\n", want: ';'},
		{name: "tab beats comma on width", data: "a\tb\tc, d\n1\t2\t3, 4\n", want: '\t'},
		{name: "pipe", data: "a|b\n1|2\n", want: '|'},
		{name: "quoted delimiters ignored", data: "a;b\n\"x,y,z\";1\n\"p,q,r\";2\n", want: ';'},
		{name: "single column defaults to comma", data: "email\nann@example.com\n", want: ','},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.data), true, Options{}.withDefaults()); got != tt.want {
				t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.data, got, tt.want)
			}
		})
	}
}

func TestIsRowError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil},
		{name: "terminal", err: &ParseError{File: "f", Err: ErrNoHeader}},
		{name: "row", err: &ParseError{File: "f", Row: 2, Err: ErrEncoding, rowOnly: true}, want: true},
		{name: "other", err: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRowError(tt.err); got != tt.want {
				t.Errorf("IsRowError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	for _, opt := range []Options{{Encoding: "ebcdic"}, {Delimiter: '"'}, {Delimiter: '€'}} {
		if _, err := NewCSVReader(strings.NewReader("a,b\n"), "o.csv", opt); err == nil {
			t.Errorf("NewCSVReader(%+v) = nil error, want one", opt)
		}
	}
}

package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// allocated returns the bytes f allocates in total. TotalAlloc only grows,
// so unlike heap samples it does not depend on when the GC runs; a reader
// that held a whole 10 MB cell would allocate at least that much. Tests
// using it do not run in parallel.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantParseError checks that err is a *ParseError naming file, row and
// column, wrapping target.
func wantParseError(t *testing.T, err error, file string, row, col int, target error) {
	t.Helper()
	pe, ok := errors.AsType[*ParseError](err)
	if !ok {
		t.Fatalf("error = %v (%T), want *ParseError", err, err)
	}
	if pe.File != file || pe.Row != row || pe.Column != col {
		t.Errorf("error at %s row %d column %d, want %s row %d column %d (%v)", pe.File, pe.Row, pe.Column, file, row, col, err)
	}
	if !errors.Is(err, target) {
		t.Errorf("error = %v, want it to wrap %v", err, target)
	}
	if !strings.HasPrefix(err.Error(), file+": ") {
		t.Errorf("error %q does not start with the file name", err)
	}
}

// TestHostileRows: each bad row is a row error at its row and column, the
// next Read goes on with the row below, and memory stays bounded.
func TestHostileRows(t *testing.T) {
	big := strings.Repeat("y", 10<<20)
	mixedHead := "Name,City\n" + strings.Repeat("Ann,Boston\n", 8000) // > sniffBytes of UTF-8
	tests := []struct {
		name     string
		data     string
		row, col int
		target   error
		next     Row // the row read after the error
		maxAlloc uint64
	}{
		{
			name: "10 MB cell", data: "a,b\nx," + big + "\nz,w\n",
			row: 2, col: 2, target: ErrTooLarge,
			next:     Row{Line: 3, Cells: []string{"z", "w"}},
			maxAlloc: 8 << 20, // MaxCellBytes grown by append, not 10 MB
		},
		{
			name: "10 MB quoted cell", data: "a,b\nx,\"" + big + "\"\nz,w\n",
			row: 2, col: 2, target: ErrTooLarge,
			next:     Row{Line: 3, Cells: []string{"z", "w"}},
			maxAlloc: 8 << 20, // MaxCellBytes grown by append, not 10 MB
		},
		{
			name: "100,000 columns", data: "a\n" + strings.Repeat("x,", 99_999) + "x\nok\n",
			row: 2, target: ErrTooLarge,
			next:     Row{Line: 3, Cells: []string{"ok"}},
			maxAlloc: 2 << 20,
		},
		{
			name: "NUL byte", data: "a,b\n1,2\n3,x\x00y\n5,6\n7,8\n",
			row: 3, col: 2, target: ErrEncoding,
			next:     Row{Line: 4, Cells: []string{"5", "6"}},
			maxAlloc: 1 << 20,
		},
		{
			name: "Windows-1252 row after a UTF-8 sample", data: mixedHead + "Jos\xe9,S\xe3o Paulo\nBob,Austin\n",
			row: 8002, col: 1, target: ErrEncoding,
			next:     Row{Line: 8003, Cells: []string{"Bob", "Austin"}},
			maxAlloc: 4 << 20,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "bad.csv", []byte(tt.data))
			var rowErr error
			var next Row
			n := allocated(func() {
				r, err := Open(path, Options{})
				if err != nil {
					t.Fatalf("Open() = %v", err)
				}
				defer r.Close()
				for {
					row, err := r.Read()
					if err != nil && rowErr == nil {
						rowErr = err
						next, err = r.Read()
						if err != nil {
							t.Fatalf("Read() after the row error = %v, want the next row", err)
						}
						break
					}
					if err != nil {
						t.Fatalf("Read() = %v", err)
					}
					_ = row
				}
			})
			wantParseError(t, rowErr, "bad.csv", tt.row, tt.col, tt.target)
			if !IsRowError(rowErr) {
				t.Errorf("IsRowError(%v) = false, want true", rowErr)
			}
			if tt.next.Line != 0 {
				tt.next.File = "bad.csv"
				if next.Line != tt.next.Line || strings.Join(next.Cells, ",") != strings.Join(tt.next.Cells, ",") {
					t.Errorf("next row = %d %q, want %d %q", next.Line, next.Cells, tt.next.Line, tt.next.Cells)
				}
			}
			if n > tt.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", n, tt.maxAlloc)
			}
		})
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestHostileFiles: inputs that cannot be read (on) at all end in a
// terminal *ParseError naming the file, returned again by later Reads.
func TestHostileFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	binary := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for range 4096 {
		binary = append(binary, byte(rng.IntN(256)))
	}
	var manyRows strings.Builder
	manyRows.WriteString("Email,Total\n")
	for i := range 40_000 {
		manyRows.WriteString("person")
		manyRows.WriteString(strings.Repeat("x", i%7))
		manyRows.WriteString("@example.com,12.50\n")
	}
	gz := gzipped(t, manyRows.String())
	utf16NoBOM := []byte{}
	for _, c := range []byte("Name,City\nAnn,Boston\n") {
		utf16NoBOM = append(utf16NoBOM, c, 0)
	}

	tests := []struct {
		name     string
		file     string
		data     []byte
		openErr  error  // wanted from Open
		readErr  error  // else wanted from Read, after any good rows
		row, col int    // of the error
		contains string // in the message
	}{
		{name: "empty file", file: "empty.csv", data: nil, openErr: ErrNoHeader},
		{name: "only blank lines", file: "blank.csv", data: []byte("\r\n\n  \n"), openErr: ErrNoHeader},
		{name: "binary named .csv", file: "photo.csv", data: binary, openErr: ErrUnsupported, contains: "does not look like a text file"},
		{name: "zip named .csv", file: "book.csv", data: []byte("PK\x03\x04\x14\x00\x00\x00"), openErr: ErrUnsupported, contains: "zip archive"},
		{name: "UTF-16 without BOM", file: "u16.csv", data: utf16NoBOM, openErr: ErrUnsupported, contains: "utf-16"},
		{name: "truncated .csv.gz", file: "cut.csv.gz", data: gz[:len(gz)/2], readErr: io.ErrUnexpectedEOF},
		{name: "not gzip after magic", file: "fake.csv.gz", data: []byte("\x1f\x8bnot gzip at all"), openErr: errAny, contains: "gzip"},
		{name: "unterminated quote at end", file: "quote.csv", data: []byte("a,b\n1,2\n3,\"abc\n4,5\n"), readErr: ErrUnterminatedQuote, row: 3, col: 2},
		{name: "unsupported extension", file: "sales.xls", data: []byte("x"), openErr: ErrUnsupported, contains: "save it as .xlsx or .csv"},
		{name: "missing file", file: "", openErr: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "gone.csv")
			name := "gone.csv"
			if tt.file != "" {
				path, name = writeFile(t, tt.file, tt.data), tt.file
			}
			r, err := Open(path, Options{})
			if tt.openErr != nil {
				if r != nil {
					t.Fatalf("Open() = reader, nil; want %v", tt.openErr)
				}
				if tt.openErr == errAny {
					tt.openErr = err
				}
				wantParseError(t, err, name, tt.row, tt.col, tt.openErr)
				if !strings.Contains(err.Error(), tt.contains) {
					t.Errorf("Open() = %q, want it to mention %q", err, tt.contains)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() = %v", err)
			}
			defer r.Close()
			_, _, err = readAll(t, r)
			if IsRowError(err) {
				t.Errorf("IsRowError(%v) = true, want terminal", err)
			}
			if !errors.Is(err, tt.readErr) {
				t.Fatalf("Read() = %v, want %v", err, tt.readErr)
			}
			pe, _ := errors.AsType[*ParseError](err)
			if pe == nil || pe.File != name || (tt.row != 0 && (pe.Row != tt.row || pe.Column != tt.col)) {
				t.Errorf("Read() = %#v, want *ParseError for %s at row %d column %d", err, name, tt.row, tt.col)
			}
			if _, again := r.Read(); again != err {
				t.Errorf("Read() after terminal error = %v, want the same error %v", again, err)
			}
		})
	}
}

// errAny in a table accepts whatever sentinel the error wraps.
var errAny = errors.New("any")

func TestHeaderOnly(t *testing.T) {
	for _, data := range []string{"a,b", "a,b\n", "a,b\r\n\r\n"} {
		r, err := NewCSVReader(strings.NewReader(data), "h.csv", Options{})
		if err != nil {
			t.Fatalf("NewCSVReader(%q) = %v", data, err)
		}
		if row, err := r.Read(); !errors.Is(err, io.EOF) {
			t.Errorf("Read(%q) = %v, %v; want io.EOF", data, row, err)
		}
	}
}

// rezip copies the workbook src to dst, replacing the parts in repl.
// Each replacement writes its part; raw ones declare a size without
// holding the bytes (for directory-level limits).
func rezip(t *testing.T, src, dst string, repl map[string]func(*zip.Writer, string)) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	// BestSpeed: the bombs are megabytes of one repeated byte; the default
	// level spends seconds on them under the race detector.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	done := map[string]bool{}
	for _, f := range zr.File {
		if fn, ok := repl[f.Name]; ok {
			fn(zw, f.Name)
			done[f.Name] = true
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, fn := range repl {
		if !done[name] {
			fn(zw, name)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// repeated writes a part of n bytes: head, then fill repeated, then tail.
func repeated(t *testing.T, head, fill, tail string, n int) func(*zip.Writer, string) {
	return func(zw *zip.Writer, name string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, head)
		chunk := strings.Repeat(fill, 64<<10/len(fill))
		for n > 0 {
			m := min(n, len(chunk))
			io.WriteString(w, chunk[:m])
			n -= m
		}
		io.WriteString(w, tail)
	}
}

// declared writes a part whose directory entry claims size bytes while
// holding almost nothing: the limits must act on the directory alone.
func declared(t *testing.T, size uint64) func(*zip.Writer, string) {
	return func(zw *zip.Writer, name string) {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, UncompressedSize64: size, CompressedSize64: 2})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte{3, 0})
	}
}

// lying writes a part that inflates to n bytes while its directory entry
// declares size: archive/zip must stop at the declared size.
func lying(t *testing.T, size uint64, n int) func(*zip.Writer, string) {
	return func(zw *zip.Writer, name string) {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
		fw.Write(bytes.Repeat([]byte{' '}, n))
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, UncompressedSize64: size, CompressedSize64: uint64(comp.Len())})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
}

func TestHostileXLSX(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.xlsx")
	writeXLSXFixture(t, base)
	const sheet = "xl/worksheets/sheet2.xml"
	sheetHead := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`
	tests := []struct {
		name     string
		repl     map[string]func(*zip.Writer, string)
		opt      Options
		target   error
		contains string
		maxAlloc uint64
	}{
		{
			name:   "zip bomb declared past the default limit",
			repl:   map[string]func(*zip.Writer, string){sheet: declared(t, 3<<30)},
			opt:    Options{Sheet: "Sales"},
			target: ErrTooLarge, contains: "zip bomb", maxAlloc: 4 << 20,
		},
		{
			name:   "zip bomb inflating past a lower limit",
			repl:   map[string]func(*zip.Writer, string){sheet: repeated(t, sheetHead, " ", "</t></is></c></row></sheetData></worksheet>", 24<<20)},
			opt:    Options{Sheet: "Sales", MaxUnzipBytes: 16 << 20},
			target: ErrTooLarge, contains: "zip bomb", maxAlloc: 4 << 20,
		},
		{
			name: "part inflating past its declared size",
			repl: map[string]func(*zip.Writer, string){sheet: lying(t, 1024, 20<<20)},
			opt:  Options{Sheet: "Sales"}, target: zip.ErrFormat, contains: "damaged .xlsx file: part xl/worksheets/sheet2.xml", maxAlloc: 4 << 20,
		},
		{
			name:   "huge shared-strings table",
			repl:   map[string]func(*zip.Writer, string){"xl/sharedStrings.xml": declared(t, 1<<30)},
			opt:    Options{Sheet: "Sales"},
			target: ErrTooLarge, contains: "shared-strings", maxAlloc: 4 << 20,
		},
		{
			name: "huge shared-strings table under a lower limit",
			repl: map[string]func(*zip.Writer, string){"xl/sharedStrings.xml": repeated(t,
				`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`,
				"<si><t>x</t></si>", "</sst>", 8<<20)},
			opt:    Options{Sheet: "Sales", MaxSharedStringsBytes: 4 << 20},
			target: ErrTooLarge, contains: "shared-strings", maxAlloc: 4 << 20,
		},
		{
			name:   "missing sheet lists the sheets",
			opt:    Options{Sheet: "Orders"},
			target: ErrSheetNotFound, contains: `no sheet "Orders"; the sheets are "Notes", "Sales"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.xlsx")
			rezip(t, base, path, tt.repl)
			var err error
			n := allocated(func() {
				var r Reader
				r, err = Open(path, tt.opt)
				if err == nil {
					r.Close()
				}
			})
			wantParseError(t, err, "crm.xlsx", 0, 0, tt.target)
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("Open() = %q, want it to mention %q", err, tt.contains)
			}
			if tt.maxAlloc > 0 && n > tt.maxAlloc {
				t.Errorf("allocated %d bytes, want at most %d", n, tt.maxAlloc)
			}
		})
	}
}

func TestXLSXNoSheets(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.xlsx")
	writeXLSXFixture(t, base)
	path := filepath.Join(dir, "empty.xlsx")
	rezip(t, base, path, map[string]func(*zip.Writer, string){
		"xl/workbook.xml": func(zw *zip.Writer, name string) {
			w, _ := zw.Create(name)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets></sheets></workbook>`)
		},
	})
	_, err := Open(path, Options{})
	wantParseError(t, err, "empty.xlsx", 0, 0, ErrSheetNotFound)
	if !strings.Contains(err.Error(), "no sheets") {
		t.Errorf("Open() = %q, want it to say the workbook has no sheets", err)
	}
}

func TestXLSXNotAZip(t *testing.T) {
	path := writeFile(t, "fake.xlsx", []byte("Name,City\nAnn,Boston\n"))
	_, err := Open(path, Options{})
	wantParseError(t, err, "fake.xlsx", 0, 0, ErrUnsupported)
}

// TestXLSXBigCell: a cell over MaxCellBytes is a row error, and reading
// goes on.
func TestXLSXBigCell(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Email", "Note"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"ann@example.com", strings.Repeat("n", 2000)})
	f.SetSheetRow("Sheet1", "A3", &[]any{"bob@example.com", "ok"})
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r, err := Open(path, Options{MaxCellBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Read()
	wantParseError(t, err, "big.xlsx", 2, 2, ErrTooLarge)
	row, err := r.Read()
	if err != nil || row.Line != 3 {
		t.Errorf("Read() after row error = %v, %v; want row 3", row, err)
	}
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// genReader produces a CSV of n rows on the fly, so the test's own input
// costs no memory.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf = append(g.buf, "Email,Phone,Total\n"...)
		} else {
			g.buf = fmt.Appendf(g.buf, "person%d@example.com,\"(650) 555-%04d\",%d.50\n", g.i, g.i%10000, g.i)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// TestStreamMemory: the heap after reading 200,000 rows is the heap after
// reading 1,000 (within 1 MiB): nothing accumulates per row.
func TestStreamMemory(t *testing.T) {
	const rows = 200_000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	r, err := NewCSVReader(&genReader{n: rows}, "stream.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var early uint64
	n := 0
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 1000 {
			early = heap()
		}
		if row.Line != n+1 {
			t.Fatalf("row %d has Line %d", n, row.Line)
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if late := heap(); late > early+1<<20 {
		t.Errorf("heap grew from %d to %d bytes over %d rows", early, late, rows)
	}
}

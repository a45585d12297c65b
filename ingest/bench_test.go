package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// benchCSV is a POS-like export: 12 columns, about 150 bytes a row.
func benchCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("Receipt No,Sale Date,Email,Phone,First Name,Last Name,City,State,Zip,Country,Total,SKUs\r\n")
	for i := range rows {
		fmt.Fprintf(&b, "R%08d,11/24/2026 14:%02d,person%d@example.com,(650) 555-%04d,Ann,O'Brien,\"Menlo Park\",CA,94025-1234,US,\"1,234.50\",A1|B2|C3\r\n",
			i, i%60, i, i%10000)
	}
	return b.Bytes()
}

func BenchmarkReadCSV(b *testing.B) {
	const rows = 100_000
	data := benchCSV(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewCSVReader(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadXLSX(b *testing.B) {
	const rows = 20_000
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	head := strings.Split("Receipt No,Sale Date,Email,Phone,First Name,Last Name,City,State,Zip,Country,Total,SKUs", ",")
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = h
	}
	sw.SetRow("A1", row)
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{fmt.Sprintf("R%08d", i), 46351.5 + float64(i)/1000, fmt.Sprintf("person%d@example.com", i),
			"(650) 555-1212", "Ann", "O'Brien", "Menlo Park", "CA", "94025", "US", 1234.5, "A1|B2"})
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	size := fileSize(b, path)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

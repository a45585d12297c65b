package ingest

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// update regenerates testdata fixtures and golden files:
//
//	go test ./ingest -run 'TestFixtures|TestGolden' -update
var update = flag.Bool("update", false, "rewrite testdata fixtures and golden files")

// The fixtures are built here, from readable Go strings, so the bytes of
// each encoding are reproducible and reviewable; the files are committed so
// that FuzzRead and the golden test see exactly what users' files hold.
const (
	// people is the text behind the encoding fixtures: accents in names and
	// cities, a euro sign (0x80 in Windows-1252, not in Latin-1).
	people = "Name,City,Total\r\nJosé Müller,São Paulo,12.50\r\nZoë O'Brien,Zürich,€7\r\n"
	// peopleSemi is what Excel writes as "CSV" with a German or French
	// locale: ';' and decimal commas.
	peopleSemi = "Name;City;Total\r\nJosé Müller;São Paulo;12,50\r\nZoë O'Brien;Zürich;7,00\r\n"
)

func fixtureFiles(t *testing.T) map[string][]byte {
	t.Helper()
	enc := func(e interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
		b, err := e.Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("Email,Total\nann@example.com,1\nbob@example.com,2\n"))
	zw.Close()
	return map[string][]byte{
		"utf8.csv":        []byte(people),
		"utf8-bom.csv":    append([]byte("\xEF\xBB\xBF"), people...),
		"utf16le-bom.txt": enc(xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder(), "Name\tCity\tTotal\r\nJosé Müller\tSão Paulo\t12.50\r\n"),
		"utf16be-bom.csv": enc(xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewEncoder(), people),
		"windows1252.csv": enc(charmap.Windows1252.NewEncoder(), peopleSemi),
		"semicolon.csv":   []byte(peopleSemi),
		"tab.tsv":         []byte("Name\tCity\nAnn\t\"Tab\tin quotes\"\n"),
		"pipe.txt":        []byte("Email|Phone|Total\nann@example.com|(650) 555-1212|1,234.50\n\"bob|x@example.com\"|+44 20 7946 0958|3\n"),
		"gzip.csv.gz":     gz.Bytes(),
		// A quoted cell holding a CRLF is one row; the next row is 3.
		"crlf-quoted.csv": []byte("Name,Address,Zip\r\nAnn,\"1 Main St\r\nApt 2\",94025\r\nBob,\"He said \"\"hi\"\"\",10001\r\n"),
		// Blank lines and all-blank rows are skipped but keep their
		// numbers, as a spreadsheet shows them.
		"blank-rows.csv": []byte("\nName,Total\n\nAnn,1\n , \n\n\"Bob\",2\n,\nCy,3"),
		// Short and long rows come back as read.
		"ragged.csv": []byte("a,b,c\n1\n1,2,3,4,5\n1,2,3\n"),
		// A title above the header (HeaderRow 3 in the table).
		"title-rows.csv": []byte("Sales export\nGenerated 2026-11-01\nName,Total\nAnn,1\n"),
	}
}

// writeXLSXFixture writes a workbook like a CRM export: a notes sheet
// first, then the data sheet with dates stored as serial numbers (how
// Excel stores any date) and as text, money as numbers, blank cells, and
// a gap of rows missing from the XML.
func writeXLSXFixture(t testing.TB, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Notes"))
	must(f.SetCellValue("Notes", "A1", "Exported from the CRM"))
	if _, err := f.NewSheet("Sales"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Email", "Order Date", "Date as text", "Total", "Zip"},
		{"ann@example.com", 46351.5, "2026-11-24 12:00", 1234.5, "02134"},
		{"bob@example.com", 46352, nil, 19.99, nil},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		must(f.SetSheetRow("Sales", cell, &row))
	}
	// Row 4 and 5 do not exist in the XML; row 6 does.
	must(f.SetSheetRow("Sales", "A6", &[]any{"cy@example.com", 46353.25, "24/11/2026", 0, 10001}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	must(err)
	must(f.SetCellStyle("Sales", "B2", "B6", style))
	must(f.SaveAs(path))
}

// TestFixtures rewrites the fixtures with -update, and otherwise checks
// that the committed text fixtures still match their recipe.
func TestFixtures(t *testing.T) {
	for name, want := range fixtureFiles(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if filepath.Ext(name) != ".gz" && !bytes.Equal(got, want) {
			t.Errorf("testdata/%s differs from its recipe (run with -update)", name)
		}
	}
	if *update {
		writeXLSXFixture(t, filepath.Join("testdata", "multi-sheet.xlsx"))
	}
}

package ingest

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// typedCell is one cell of a typed-cells workbook: how to write it, and
// what Read must return for it.
type typedCell struct {
	name  string
	write func(f *excelize.File, cell string) error
	want  string
	kind  CellKind
}

// styled writes a raw numeric cell, as Excel stores it, with a number
// format: a built-in id, or a custom code when code is not "".
func styled(raw string, id int, code string) func(*excelize.File, string) error {
	return func(f *excelize.File, cell string) error {
		if err := f.SetCellDefault("Data", cell, raw); err != nil {
			return err
		}
		if id == 0 && code == "" {
			return nil
		}
		st := &excelize.Style{NumFmt: id}
		if code != "" {
			st.CustomNumFmt = &code
		}
		s, err := f.NewStyle(st)
		if err != nil {
			return err
		}
		return f.SetCellStyle("Data", cell, cell, s)
	}
}

func text(s string) func(*excelize.File, string) error {
	return func(f *excelize.File, cell string) error { return f.SetCellStr("Data", cell, s) }
}

// textStyled writes a text cell in a date-formatted column.
func textStyled(s string, code string) func(*excelize.File, string) error {
	return func(f *excelize.File, cell string) error {
		if err := f.SetCellStr("Data", cell, s); err != nil {
			return err
		}
		st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		return f.SetCellStyle("Data", cell, cell, st)
	}
}

var typedCells = []typedCell{
	{"custom date time", styled("46351.6041666667", 0, "yyyy-mm-dd hh:mm"), "2026-11-25T14:30:00", CellDate},
	{"builtin 14 date", styled("35477", 14, ""), "1997-02-16T00:00:00", CellDate},
	{"builtin 22 date time", styled("46351.75", 22, ""), "2026-11-25T18:00:00", CellDate},
	{"custom date with color and locale", styled("46351.5", 0, `[$-409][Blue]dd/mm/yyyy`), "2026-11-25T12:00:00", CellDate},
	{"elapsed hours", styled("0.5", 0, "[h]:mm"), "1899-12-31T12:00:00", CellDate},
	{"seconds round", styled("46351.60415", 0, "yyyy-mm-dd hh:mm:ss"), "2026-11-25T14:29:59", CellDate},
	{"not a day: 1900-02-29", styled("60", 14, ""), "60", CellNumber},
	{"13-digit phone in exponent form", styled("4.915112345678E+12", 0, ""), "4915112345678", CellNumber},
	{"13-digit phone", styled("4915112345678", 0, ""), "4915112345678", CellNumber},
	{"15-digit id in exponent form", styled("1.23456789012345E+14", 0, ""), "123456789012345", CellNumber},
	{"16-digit lead id", styled("1234567890123456", 0, ""), "1234567890123456", CellNumber},
	{"integer digits kept past float precision", styled("1234567890123456789", 0, ""), "1234567890123456789", CellNumber},
	{"zip 00000", styled("2134", 0, "00000"), "02134", CellNumber},
	{"zip 00000 wide enough", styled("94025", 0, "00000"), "94025", CellNumber},
	{"decimal", styled("59.9", 0, ""), "59.9", CellNumber},
	{"decimal with float noise", styled("0.30000000000000004", 0, ""), "0.3", CellNumber},
	{"small in exponent form", styled("1.5E-3", 0, ""), "0.0015", CellNumber},
	{"money format", styled("1234.5", 0, `#,##0.00 "EUR"`), "1234.5", CellNumber},
	{"quoted letters are no date", styled("3", 0, `0 "days"`), "3", CellNumber},
	{"text", text("Ann"), "Ann", CellText},
	{"shared string of digits", text("4.915112345678E+12"), "4.915112345678E+12", CellText},
	{"text in a date column", textStyled("2026-11-25 14:30", "yyyy-mm-dd hh:mm"), "2026-11-25 14:30", CellText},
}

// writeTypedWorkbook writes one data row holding typedCells, one per
// column, under a header row.
func writeTypedWorkbook(t *testing.T, cells []typedCell, date1904 bool) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Data"); err != nil {
		t.Fatal(err)
	}
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cells {
		h, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr("Data", h, c.name); err != nil {
			t.Fatal(err)
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		if err := c.write(f, cell); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "typed.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func readOneRow(t *testing.T, path string) Row {
	t.Helper()
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	row, err := r.Read()
	if err != nil {
		t.Fatalf("Read() = %v", err)
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("second Read() = %v, want io.EOF", err)
	}
	return row
}

func TestReadXLSXTypedCells(t *testing.T) {
	t.Parallel()
	row := readOneRow(t, writeTypedWorkbook(t, typedCells, false))
	if len(row.Kinds) != len(row.Cells) {
		t.Fatalf("len(Kinds) = %d, len(Cells) = %d", len(row.Kinds), len(row.Cells))
	}
	for i, c := range typedCells {
		if i >= len(row.Cells) {
			t.Errorf("%s: cell missing", c.name)
			continue
		}
		if got, kind := row.Cells[i], row.Kind(i); got != c.want || kind != c.kind {
			t.Errorf("%s: cell = %q (kind %d), want %q (kind %d)", c.name, got, kind, c.want, c.kind)
		}
	}
}

func TestReadXLSXDate1904(t *testing.T) {
	t.Parallel()
	cells := []typedCell{
		{"day 0", styled("0", 14, ""), "1904-01-01T00:00:00", CellDate},
		{"date time", styled("44889.6041666667", 0, "yyyy-mm-dd hh:mm"), "2026-11-25T14:30:00", CellDate},
		{"number", styled("4915112345678", 0, ""), "4915112345678", CellNumber},
	}
	row := readOneRow(t, writeTypedWorkbook(t, cells, true))
	want := Row{File: "typed.xlsx", Line: 2,
		Cells: []string{"1904-01-01T00:00:00", "2026-11-25T14:30:00", "4915112345678"},
		Kinds: []CellKind{CellDate, CellDate, CellNumber}}
	if diff := cmp.Diff(want, row); diff != "" {
		t.Errorf("Read() mismatch (-want +got):\n%s", diff)
	}
}

// TestReadXLSXTextOnly: a row of text cells has no kinds, as a CSV row.
func TestReadXLSXTextOnly(t *testing.T) {
	t.Parallel()
	row := readOneRow(t, writeTypedWorkbook(t, []typedCell{
		{"a", text("Ann"), "", 0}, {"b", text("02134"), "", 0},
	}, false))
	if row.Kinds != nil || row.Kind(0) != CellText || row.Kind(5) != CellText {
		t.Errorf("Kinds = %v, want nil", row.Kinds)
	}
}

func TestIsDateFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want bool
	}{
		{"yyyy-mm-dd hh:mm", true},
		{"dd/mm/yyyy", true},
		{"h:mm AM/PM", true},
		{"[h]:mm:ss", true},
		{"[$-409]mmmm d, yyyy", true},
		{"[Red]dd.mm.yy", true},
		{"General", false},
		{"0", false},
		{"00000", false},
		{"#,##0.00", false},
		{"0.00E+00", false},
		{"[Red]#,##0;[Blue]-#,##0", false},
		{`0 "days"`, false},
		{`0\d`, false},
		{"#,##0.00 _€", false},
		{"@", false},
		{`"unterminated`, false},
	}
	for _, tt := range tests {
		if got := isDateFormat(tt.code); got != tt.want {
			t.Errorf("isDateFormat(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestSerialTime(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		serial   float64
		date1904 bool
		want     time.Time
		ok       bool
	}{
		{1, false, day(1900, 1, 1), true},
		{59, false, day(1900, 2, 28), true},
		{60, false, time.Time{}, false}, // Excel's 1900-02-29
		{61, false, day(1900, 3, 1), true},
		{45658, false, day(2025, 1, 1), true},
		{45658.99999999, false, day(2025, 1, 2), true}, // rounds up to midnight
		{2958465, false, day(9999, 12, 31), true},
		{2958466, false, time.Time{}, false},
		{-1, false, time.Time{}, false},
		{0, true, day(1904, 1, 1), true},
		{44196, true, day(2025, 1, 1), true},
		{2957003, true, day(9999, 12, 31), true},
		{2957004, true, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := serialTime(tt.serial, tt.date1904)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("serialTime(%v, %v) = %v, %v, want %v, %v", tt.serial, tt.date1904, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNumberText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"4.915112345678E+12", "4915112345678"},
		{"4915112345678", "4915112345678"},
		{"+0042", "42"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"-12", "-12"},
		{"12345678901234567", "12345678901234567"},
		{"1.23456789012345E+15", "1234567890123450"},
		{"59.9", "59.9"},
		{"59.899999999999999", "59.9"},
		{"1E+21", "1000000000000000000000"},
		{"1.5E-3", "0.0015"},
	}
	for _, tt := range tests {
		f, ok := parseCellNumber(tt.in)
		if !ok {
			t.Errorf("parseCellNumber(%q) failed", tt.in)
			continue
		}
		if got := numberText(tt.in, f); got != tt.want {
			t.Errorf("numberText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"Inf", "NaN", "0x1p3", "1_000", "", "1e999"} {
		if _, ok := parseCellNumber(in); ok {
			t.Errorf("parseCellNumber(%q) = ok, want refused", in)
		}
	}
}

package ingest

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// excelize's row iterator returns each cell's raw text but not its style,
// and the style is what makes 45500.5 a date. Asking excelize for styles
// (GetCellStyle, GetCellType) loads the whole worksheet, so the reader
// streams the sheet's XML a second time, alongside excelize, keeping only
// each cell's column, style index and type, and reads the small
// styles.xml once to know which style indices are dates.

// xlsxTypes turns the raw text of a workbook's cells into what a person
// sees, by the cell's type and number format.
type xlsxTypes struct {
	styles   []numStyle // by cellXfs index (a cell's s attribute)
	date1904 bool
}

// numStyle is what a number format means for reading a numeric cell.
type numStyle struct {
	date bool
	pad  int // digits of a zero-padding format such as 00000; 0 if none
}

// cellMeta is what the reader keeps of one <c> element.
type cellMeta struct {
	col   int    // 1-based column
	style int    // s attribute
	typ   string // t attribute: "" or "n" for numbers, "s", "d", …
}

// render returns the text and kind of a cell whose raw text is v.
func (x *xlsxTypes) render(v string, c cellMeta) (string, CellKind) {
	if v == "" {
		return v, CellText
	}
	switch c.typ {
	case "", "n":
	case "d":
		// An ISO 8601 date cell, which strict-mode workbooks write.
		if t, ok := parseISOCell(v); ok {
			return t.Format(DateLayout), CellDate
		}
		return v, CellText
	default:
		return v, CellText
	}
	f, ok := parseCellNumber(v)
	if !ok {
		return v, CellText
	}
	var st numStyle
	if c.style >= 0 && c.style < len(x.styles) {
		st = x.styles[c.style]
	}
	if st.date {
		if t, ok := serialTime(f, x.date1904); ok {
			return t.Format(DateLayout), CellDate
		}
		return numberText(v, f), CellNumber
	}
	s := numberText(v, f)
	if st.pad > len(s) && f >= 0 && f == math.Trunc(f) {
		s = strings.Repeat("0", st.pad-len(s)) + s
	}
	return s, CellNumber
}

// parseCellNumber reads a numeric cell's text, refusing what
// strconv.ParseFloat would also take ("Inf", "0x1p3", "1_0") but no
// spreadsheet writes.
func parseCellNumber(v string) (float64, bool) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && !math.IsInf(f, 0)
}

// numberText writes a number without exponent. Digits written as an
// integer are kept as they are, even past float64's precision, because
// 15- to 17-digit ids must not change. Other values are rounded to 15
// significant digits, the most Excel keeps and shows, so that a writer's
// 0.30000000000000004 reads as 0.3.
func numberText(v string, f float64) string {
	if isInteger(v) {
		v = strings.TrimPrefix(v, "+")
		neg := strings.HasPrefix(v, "-")
		v = strings.TrimLeft(strings.TrimPrefix(v, "-"), "0")
		switch {
		case v == "":
			return "0"
		case neg:
			return "-" + v
		}
		return v
	}
	if f != math.Trunc(f) {
		f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	}
	if f == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func isInteger(v string) bool {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	return v != "" && strings.Trim(v, "0123456789") == ""
}

var (
	// excel1900 is day 0 of the 1900 date system for serials from 61 on:
	// Excel counts a 29 February 1900 that never was (serial 60), so
	// earlier serials count from a day later.
	excel1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	excel1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serialTime returns the wall-clock time of an Excel serial (days, the
// fraction the time of day), or false for a serial that is no day Excel
// can show: negative, past 9999-12-31, or 1900-02-29.
func serialTime(f float64, date1904 bool) (time.Time, bool) {
	base, limit := excel1900, 2958466.0 // 10000-01-01
	if date1904 {
		base, limit = excel1904, 2958466-1462
	}
	if !(f >= 0 && f < limit) {
		return time.Time{}, false
	}
	days, frac := math.Modf(f)
	if !date1904 {
		switch {
		case days == 60:
			return time.Time{}, false
		case days < 60:
			base = base.AddDate(0, 0, 1)
		}
	}
	// time.Date rather than adding a duration: the second may round up to
	// the next day, which Date normalizes.
	sec := int(math.Round(frac * 86400))
	return time.Date(base.Year(), base.Month(), base.Day()+int(days), 0, 0, sec, 0, time.UTC), true
}

// parseISOCell reads the text of a t="d" cell.
func parseISOCell(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			// Keep the wall clock: the zone is the row reader's to decide,
			// as for serial dates.
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			return t.Round(time.Second), true
		}
	}
	return time.Time{}, false
}

// builtinDate reports whether a built-in number format id (one a workbook
// uses without defining it) displays a date or time, as ECMA-376 lists
// them and Excel's East Asian locales add them.
func builtinDate(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
}

// isDateFormat reports whether a number format code displays a date or
// time: it has a day, month, year, hour or second token outside quoted
// text, escapes and brackets, or an elapsed-time bracket such as [h].
// Color and locale brackets ([Red], [$-409]) do not count.
func isDateFormat(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '\\', '_', '*': // the next character is literal, or a fill
			i++
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return false
			}
			if in := strings.ToLower(code[i+1 : i+1+j]); in != "" && strings.Trim(in, "hms") == "" {
				return true
			}
			i += j + 1
		case 'd', 'D', 'm', 'M', 'y', 'Y', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}

// zeroPad returns the width of a format made only of zeros (00000, how
// Excel shows US zip codes), or 0.
func zeroPad(code string) int {
	if code != "" && strings.Trim(code, "0") == "" {
		return len(code)
	}
	return 0
}

// readXLSXTypes reads the date system, the number styles and the path of
// the named sheet's part, resolving the part through the workbook's
// relationships as excelize does.
func readXLSXTypes(zr *zip.Reader, sheet string) (*xlsxTypes, string, error) {
	wbPath := "xl/workbook.xml"
	var root xlsxRels
	if err := decodePart(zr, "_rels/.rels", &root); err == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = strings.TrimPrefix(r.Target, "/")
				break
			}
		}
	}
	dir := path.Dir(wbPath)
	var rels xlsxRels
	if err := decodePart(zr, path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return nil, "", err
	}
	var wb xlsxWorkbook
	if err := decodePart(zr, wbPath, &wb); err != nil {
		return nil, "", err
	}
	id := ""
	for _, s := range wb.Sheets {
		if s.Name == sheet {
			id = s.ID
			break
		}
	}
	if id == "" {
		for _, s := range wb.Sheets {
			if strings.EqualFold(s.Name, sheet) {
				id = s.ID
				break
			}
		}
	}
	sheetPath, stylesPath := "", "xl/styles.xml"
	for _, r := range rels.Rels {
		target := path.Join(dir, r.Target)
		if strings.HasPrefix(r.Target, "/") {
			target = path.Clean(strings.TrimPrefix(r.Target, "/"))
		}
		switch {
		case id != "" && r.ID == id:
			sheetPath = target
		case strings.HasSuffix(r.Type, "/styles"):
			stylesPath = target
		}
	}
	if sheetPath == "" {
		return nil, "", errors.New("sheet part not found")
	}
	x := &xlsxTypes{date1904: wb.Pr.Date1904 == "1" || strings.EqualFold(wb.Pr.Date1904, "true")}
	var st xlsxStyleSheet
	if err := decodePart(zr, stylesPath, &st); err != nil && !errors.Is(err, errNoPart) {
		return nil, "", err
	}
	custom := make(map[int]string, len(st.NumFmts))
	for _, f := range st.NumFmts {
		custom[f.ID] = f.Code
	}
	x.styles = make([]numStyle, len(st.Xfs))
	for i, xf := range st.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			x.styles[i] = numStyle{date: isDateFormat(code), pad: zeroPad(code)}
		} else {
			x.styles[i] = numStyle{date: builtinDate(xf.NumFmtID)}
		}
	}
	return x, sheetPath, nil
}

type xlsxRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xlsxWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		// r:id, whichever namespace (transitional or strict) r names.
		ID string `xml:"id,attr"`
	} `xml:"sheets>sheet"`
}

type xlsxStyleSheet struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	Xfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

var errNoPart = errors.New("no such part")

// findPart returns the zip entry of a part, matching its name without
// regard to case as a last resort, as Office does.
func findPart(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// decodePart decodes a small part (relationships, workbook, styles).
func decodePart(zr *zip.Reader, name string, v any) error {
	f := findPart(zr, name)
	if f == nil {
		return errNoPart
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// sheetMeta streams a sheet part's <row> and <c> elements, one row ahead
// at most, in step with excelize's iterator over the same part.
type sheetMeta struct {
	rc       io.ReadCloser
	d        *xml.Decoder
	row      int // number of the row in cells; 0 before the first
	cells    []cellMeta
	maxCells int
	done     bool
}

func openSheetMeta(zr *zip.Reader, name string, maxCells int) (*sheetMeta, error) {
	f := findPart(zr, name)
	if f == nil {
		return nil, errNoPart
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return &sheetMeta{rc: rc, d: xml.NewDecoder(rc), maxCells: maxCells}, nil
}

// rowCells returns the cells of row n, or nil if the sheet has no such
// row. Rows are asked for in increasing order.
func (m *sheetMeta) rowCells(n int) []cellMeta {
	for m.row < n && !m.done {
		m.next()
	}
	if m.row == n {
		return m.cells
	}
	return nil
}

// next reads the next <row>. Numbers and columns follow excelize's rules:
// an r attribute, else one past the previous row or cell. A damaged part
// ends the stream quietly: excelize stops at the same place, and a
// reader's error there is its to report.
func (m *sheetMeta) next() {
	m.cells = m.cells[:0]
	for {
		tok, err := m.d.RawToken()
		if err != nil {
			m.done = true
			return
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local != "row" {
				continue
			}
			row := m.row + 1
			if r, err := strconv.Atoi(attr(el, "r")); err == nil && r > 0 {
				row = r
			}
			if row <= m.row { // out of order: excelize's iterator cannot be matched past here
				m.done = true
				return
			}
			m.row = row
			m.readCells()
			return
		case xml.EndElement:
			if el.Name.Local == "sheetData" {
				m.done = true
				return
			}
		}
	}
}

func (m *sheetMeta) readCells() {
	col := 0
	for {
		tok, err := m.d.RawToken()
		if err != nil {
			m.done = true
			return
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local != "c" {
				continue
			}
			col++
			if c, ok := refColumn(attr(el, "r")); ok {
				col = c
			}
			if len(m.cells) > m.maxCells {
				continue
			}
			s, _ := strconv.Atoi(attr(el, "s"))
			m.cells = append(m.cells, cellMeta{col: col, style: s, typ: attr(el, "t")})
		case xml.EndElement:
			if el.Name.Local == "row" {
				return
			}
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// refColumn returns the column of a cell reference such as "AB12".
func refColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > 1<<20 {
			return 0, false
		}
	}
	return col, i > 0 && i < len(ref)
}

func (m *sheetMeta) Close() error { return m.rc.Close() }

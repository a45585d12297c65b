package main

import (
	"log"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
)

// xdate is a date-formatted numeric cell holding t's wall clock.
type xdate struct {
	t   time.Time
	fmt string
}

// xnum is a numeric cell with a number format.
type xnum struct {
	v   float64
	fmt string
}

type xlsxSpec struct {
	sheet    string
	date1904 bool
	preamble [][]any
	header   []string
	rows     [][]any
	truth    []truthRow
	footer   [][]any // rows after the table; listed in truth as skipped
	hidden   []string
}

func (x *xlsxSpec) add(tr truthRow, cells ...any) {
	if len(cells) != len(x.header) {
		log.Fatalf("%s: row has %d cells, header %d", x.sheet, len(cells), len(x.header))
	}
	x.rows = append(x.rows, cells)
	x.truth = append(x.truth, tr)
}

func (x *xlsxSpec) row(kv ...any) []any {
	cells := make([]any, len(x.header))
	for i := 0; i < len(kv); i += 2 {
		cells[index(x.header, kv[i].(string))] = kv[i+1]
	}
	return cells
}

func serial(t time.Time, date1904 bool) float64 {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return float64(wall.Sub(epoch)) / float64(24*time.Hour)
}

func writeXLSX(o *output, x *xlsxSpec) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", x.sheet); err != nil {
		log.Fatal(err)
	}
	if x.date1904 {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			log.Fatal(err)
		}
	}
	styles := map[string]int{}
	style := func(nf string) int {
		if id, ok := styles[nf]; ok {
			return id
		}
		nfc := nf
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &nfc})
		if err != nil {
			log.Fatal(err)
		}
		styles[nf] = id
		return id
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	line := 1
	put := func(cells []any, isHeader bool) {
		for c, v := range cells {
			ref, _ := excelize.CoordinatesToCellName(c+1, line)
			var err error
			switch v := v.(type) {
			case nil:
				continue
			case xdate:
				err = f.SetCellFloat(x.sheet, ref, serial(v.t, x.date1904), -1, 64)
				if err == nil {
					err = f.SetCellStyle(x.sheet, ref, ref, style(v.fmt))
				}
			case xnum:
				err = f.SetCellFloat(x.sheet, ref, v.v, -1, 64)
				if err == nil && v.fmt != "" {
					err = f.SetCellStyle(x.sheet, ref, ref, style(v.fmt))
				}
			case string:
				err = f.SetCellStr(x.sheet, ref, v)
			default:
				err = f.SetCellValue(x.sheet, ref, v)
			}
			if err != nil {
				log.Fatal(err)
			}
			if isHeader {
				_ = f.SetCellStyle(x.sheet, ref, ref, bold)
			}
		}
		line++
	}
	for _, p := range x.preamble {
		put(p, false)
	}
	headerLine := line
	hdr := make([]any, len(x.header))
	for i, h := range x.header {
		hdr[i] = h
	}
	put(hdr, true)
	for _, r := range x.rows {
		put(r, false)
	}
	for _, r := range x.footer {
		put(r, false)
	}
	last, _ := excelize.ColumnNumberToName(len(x.header))
	_ = f.SetColWidth(x.sheet, "A", last, 18)
	for _, h := range x.hidden {
		col, _ := excelize.ColumnNumberToName(index(x.header, h) + 1)
		if err := f.SetColVisible(x.sheet, col, false); err != nil {
			log.Fatal(err)
		}
	}
	if err := f.SaveAs(filepath.Join(o.dir, o.truth.File)); err != nil {
		log.Fatal(err)
	}
	for i, tr := range x.truth {
		tr.Row = headerLine + 1 + i
		o.truth.Rows = append(o.truth.Rows, tr)
	}
	for i := range x.footer {
		o.truth.Rows = append(o.truth.Rows, truthRow{Row: headerLine + 1 + len(x.rows) + i, Outcome: "skipped", Why: "report footer line, not a record"})
	}
	o.writeTruth()
}

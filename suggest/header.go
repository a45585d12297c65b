package suggest

import (
	"strings"

	"capi-upload/ingest"
)

// FindHeaderRow returns the row holding the column names when rows of
// title text sit above it, as report exports write them (Salesforce: the
// report's name, filters and run date, then the header); 0 means the
// first row. The header is the first row with at least three cells filled
// and at least half as many as the widest of the first rows.
func FindHeaderRow(path string, opt ingest.Options) (int, error) {
	opt.HeaderRow = 1
	r, err := ingest.Open(path, opt)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	filled := func(cells []string) int {
		n := 0
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				n++
			}
		}
		return n
	}
	type line struct{ row, n int }
	lines := []line{{1, filled(r.Header())}}
	for len(lines) < 20 {
		row, err := r.Read()
		if err != nil {
			break
		}
		lines = append(lines, line{row.Line, filled(row.Cells)})
	}
	widest := 0
	for _, l := range lines {
		widest = max(widest, l.n)
	}
	if lines[0].n >= 3 && lines[0].n*2 >= widest {
		return 0, nil
	}
	for _, l := range lines {
		if l.n >= 3 && l.n*2 >= widest {
			return l.row, nil
		}
	}
	return 0, nil
}

package mapping

import (
	"strings"
	"time"

	"capi-upload/ingest"
)

// A workbook's date cell is a point in time whatever the field's format
// says: the format describes how dates typed as text look, and the reader
// has already turned the cell's serial into ingest.DateLayout text. The
// wall-clock time is read in the config's zone, as any time without an
// offset is.

// cellFormat returns the format to read a cell of the given kind with.
func cellFormat(format string, kind ingest.CellKind) string {
	if kind == ingest.CellDate {
		return ingest.DateLayout
	}
	return format
}

// badTimeDetail says why an event_time cannot be read, naming the format
// that was applied and never the cell's text.
func badTimeDetail(format string, kind ingest.CellKind, loc *time.Location) string {
	if kind == ingest.CellDate {
		return "a date cell outside the years 1900 to 9999 (" + loc.String() + ")"
	}
	return "not a time in format " + formatName(format) + " (" + loc.String() + ")"
}

// appendDates is appendValues for a date field (db): dates[j] says
// whether dst[j] is a date cell's text, to be read in ingest.DateLayout.
// A date cell is one value (never split), unless the field's map
// translates it, which makes it text like any other.
func (p *plan) appendDates(dst []string, dates []bool, cells []string, kinds []ingest.CellKind) ([]string, []bool) {
	if p.isConst {
		return p.appendValues(dst, cells), dates
	}
	for _, i := range p.cols {
		if i < len(kinds) && kinds[i] == ingest.CellDate {
			if v := strings.TrimSpace(cells[i]); v != "" {
				if _, mapped := p.translate(v); !mapped {
					dst = append(dst, v)
					for len(dates) < len(dst)-1 {
						dates = append(dates, false)
					}
					dates = append(dates, true)
					continue
				}
			}
		}
		dst = p.appendCell(dst, cells, i)
	}
	return dst, dates
}

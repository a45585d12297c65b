package mapping

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ingest"
)

// kindRow is row with the kinds a workbook would give: dates names the
// columns that are date cells.
func kindRow(kv map[string]string, dates ...string) ingest.Row {
	r := row(2, kv)
	r.Kinds = make([]ingest.CellKind, len(r.Cells))
	for i, h := range testHeader {
		if slices.Contains(dates, h) {
			r.Kinds[i] = ingest.CellDate
		}
	}
	return r
}

// TestMapDateCells: a workbook's date cell is read as its wall-clock time
// in the config's zone whatever event_time's format says, and the format
// still reads text cells.
func TestMapDateCells(t *testing.T) {
	cell := "2026-11-20T17:45:30" // what ingest writes for a date cell
	loc, _ := time.LoadLocation("America/Chicago")
	want := time.Date(2026, 11, 20, 17, 45, 30, 0, loc).Unix()
	for _, format := range []string{"2006-01-02 15:04", "01/02/2006 15:04", FormatExcel, FormatAuto, FormatUnix} {
		t.Run(format, func(t *testing.T) {
			config := strings.Replace(fullConfig(t), `format: "01/02/2006 15:04"`, `format: "`+format+`"`, 1)
			m := testMapper(t, config, testHeader)
			ev, err := m.Map(kindRow(with(goodRow(), "Sale Date", cell), "Sale Date"))
			if err != nil {
				t.Fatalf("Map(date cell) = %v", err)
			}
			if ev.EventTime != want {
				t.Errorf("EventTime = %v, want %v", time.Unix(ev.EventTime, 0).In(loc), time.Unix(want, 0).In(loc))
			}
		})
	}

	config := strings.Replace(fullConfig(t), `format: "01/02/2006 15:04"`, `format: "2006-01-02 15:04"`, 1)
	m := testMapper(t, config, testHeader)
	ev, err := m.Map(kindRow(with(goodRow(), "Sale Date", "2026-11-20 17:45"), "Birthday"))
	if err != nil || ev.EventTime != time.Date(2026, 11, 20, 17, 45, 0, 0, loc).Unix() {
		t.Errorf("Map(text cell in the layout) = %v, %v; want 17:45 Chicago", ev.EventTime, err)
	}
	// The same text as a date cell's, in a text cell: the layout decides.
	if _, err := m.Map(kindRow(with(goodRow(), "Sale Date", cell))); !isReason(err, capi.ReasonBadTime) {
		t.Errorf("Map(text cell not in the layout) = %v, want bad_time", err)
	}
	_, err = m.Map(kindRow(with(goodRow(), "Sale Date", "1899-12-31T12:00:00"), "Sale Date"))
	if re, ok := errors.AsType[*RowError](err); !ok || re.Reason != capi.ReasonBadTime || !strings.Contains(re.Detail, "date cell") {
		t.Errorf("Map(time-only date cell) = %v, want bad_time naming the date cell", err)
	}
}

// TestMapBirthdayDateCells: db reads a date cell as a calendar date
// whatever its format says, and the format still reads text cells.
func TestMapBirthdayDateCells(t *testing.T) {
	tests := []struct {
		name, format, cell string
		date               bool
		want               string // hashed YYYYMMDD, or the invalid code
	}{
		{"date cell, layout", "1/2/2006", "1997-02-16T00:00:00", true, "19970216"},
		{"date cell, excel", "excel", "1997-02-16T00:00:00", true, "19970216"},
		{"date cell, auto", "auto", "1997-02-16T00:00:00", true, "19970216"},
		{"date cell before 1900", "1/2/2006", "1899-12-31T00:00:00", true, "year_out_of_range"},
		{"text cell, layout", "1/2/2006", "2/16/1997", false, "19970216"},
		{"text cell, not the layout", "1/2/2006", "1997-02-16T00:00:00", false, "bad_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := strings.Replace(fullConfig(t), `db: { column: "Birthday", format: "2006-01-02" }`, `db: { column: "Birthday", format: "`+tt.format+`" }`, 1)
			m := testMapper(t, config, testHeader)
			var dates []string
			if tt.date {
				dates = append(dates, "Birthday")
			}
			ev, err := m.Map(kindRow(with(goodRow(), "Birthday", tt.cell), dates...))
			if err != nil {
				t.Fatal(err)
			}
			got := ev.UserData.Get("db")
			if isAllDigits(tt.want) {
				if len(got) != 1 || got[0] != Hash(tt.want) {
					t.Errorf("db = %v, want Hash(%s)", got, tt.want)
				}
				return
			}
			if inv := ev.Invalid; len(got) != 0 || len(inv) != 1 || inv[0].Key != "db" || inv[0].Reason != tt.want {
				t.Errorf("db = %v, invalid %v; want invalid db %s", got, inv, tt.want)
			}
		})
	}
}

func isReason(err error, r capi.Reason) bool {
	re, ok := errors.AsType[*RowError](err)
	return ok && re.Reason == r
}

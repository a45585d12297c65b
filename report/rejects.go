package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/gocarina/gocsv"
)

// RejectWriter streams rejects.csv: the header once, then one line per
// Write, so a run with a million bad rows holds none of them in memory.
// The column order comes from Reject's gocsv tags, which fix the README's ("Reports")
// `file,row,event_id,reason,field,detail`.
type RejectWriter struct {
	buf  *bufio.Writer
	csv  *csv.Writer
	cell [6]string // reused so Write does not allocate a slice per line
	n    int
}

// NewRejectWriter writes the header to w and returns a writer for the
// lines. Close flushes; w itself is not closed.
func NewRejectWriter(w io.Writer) (*RejectWriter, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(buf)
	// An empty slice makes gocsv write the header line alone, from the
	// tags. The lines are written by Write in the same order without
	// gocsv's per-line reflection, which tripled the cost of a line;
	// TestRejectWriterEscapes pins header and order together.
	if err := gocsv.MarshalCSV([]Reject{}, gocsv.NewSafeCSVWriter(cw)); err != nil {
		return nil, fmt.Errorf("write rejects header: %w", err)
	}
	return &RejectWriter{buf: buf, csv: cw}, nil
}

// Write appends one line, with every text cell made safe for spreadsheet
// programs (see EscapeCell).
func (w *RejectWriter) Write(rj Reject) error {
	w.cell = [6]string{
		EscapeCell(rj.File), strconv.Itoa(rj.Row), EscapeCell(rj.EventID),
		EscapeCell(string(rj.Reason)), EscapeCell(rj.Field), EscapeCell(rj.Detail),
	}
	if err := w.csv.Write(w.cell[:]); err != nil {
		return fmt.Errorf("write reject line: %w", err)
	}
	w.n++
	return nil
}

// Lines returns the number of lines written after the header.
func (w *RejectWriter) Lines() int { return w.n }

// Close flushes everything written so far to the underlying writer and
// returns the first error the CSV writer met.
func (w *RejectWriter) Close() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}

// EscapeCell defuses CSV ("formula") injection: Excel, LibreOffice and
// Google Sheets evaluate a cell that starts with =, +, -, @, a tab or a
// carriage return as a formula, so such a cell gets a leading single
// quote, which those programs show as text. OWASP's "CSV Injection" page
// recommends exactly this. Numbers are not passed through here, so a
// negative number never gets quoted.
func EscapeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/gocarina/gocsv"
)

// RejectWriter streams rejects.csv through gocsv: the header once, from
// rejectLine's tags, then one line per Write, so a run with a million bad
// rows holds none of them in memory.
type RejectWriter struct {
	buf  *bufio.Writer
	csv  *gocsv.SafeCSVWriter
	line [1]rejectLine // the one-line slice gocsv marshals; reused by Write
	n    int
}

// rejectLine is a line of rejects.csv as gocsv writes it; its tags give
// the README's ("Reports") columns `file,row,event_id,reason,field,detail`.
type rejectLine struct {
	File    text `csv:"file"`
	Row     int  `csv:"row"`
	EventID text `csv:"event_id"`
	Reason  text `csv:"reason"`
	Field   text `csv:"field"`
	Detail  text `csv:"detail"`
}

// text is a cell that gocsv writes through EscapeCell; numbers are not
// text, so a negative number is never quoted.
type text string

// MarshalCSV implements gocsv.TypeMarshaller.
func (t text) MarshalCSV() (string, error) { return EscapeCell(string(t)), nil }

// NewRejectWriter writes the header to w and returns a writer for the
// lines. Close flushes; w itself is not closed.
func NewRejectWriter(w io.Writer) (*RejectWriter, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	sw := gocsv.NewSafeCSVWriter(csv.NewWriter(buf))
	// An empty slice makes gocsv write the header line alone.
	if err := gocsv.MarshalCSV([]rejectLine{}, sw); err != nil {
		return nil, fmt.Errorf("write rejects header: %w", err)
	}
	return &RejectWriter{buf: buf, csv: sw}, nil
}

// Write appends one line, with every cell made safe for spreadsheet
// programs (see EscapeCell).
func (w *RejectWriter) Write(rj Reject) error {
	w.line[0] = rejectLine{
		File: text(rj.File), Row: rj.Row, EventID: text(rj.EventID),
		Reason: text(rj.Reason), Field: text(rj.Field), Detail: text(rj.Detail),
	}
	if err := gocsv.MarshalCSVWithoutHeaders(w.line[:], w.csv); err != nil {
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

package ingest

import (
	"errors"
	"fmt"
)

// Row is one data row of an input file.
type Row struct {
	// File is the base name of the input ("stdin" for standard input).
	File string
	// Line is the row number a person sees in a spreadsheet program: the
	// header row is 1 (or Options.HeaderRow), the first data row below it 2.
	// For CSV, a quoted field spanning several physical lines still counts
	// as one row, as spreadsheet programs count it.
	Line int
	// Cells holds the row's values, decoded to UTF-8. A ragged row may be
	// shorter or longer than the header; callers index with bounds checks.
	Cells []string
}

// Options tells a reader how to read a file. The zero value sniffs
// everything and reads the first sheet with the header on row 1.
type Options struct {
	// Delimiter is the CSV field separator. 0 means sniff among
	// ',', ';', '\t' and '|'.
	Delimiter rune
	// Encoding is "", "auto", "utf-8", "utf-16" or "windows-1252".
	// "" and "auto" sniff: a BOM wins, then valid UTF-8, else Windows-1252.
	Encoding string
	// Sheet names the XLSX sheet to read; "" means the first sheet.
	Sheet string
	// HeaderRow is the 1-based row holding the column names; 0 means 1.
	// Rows above it are skipped.
	HeaderRow int
}

// Reader yields the data rows of one input.
type Reader interface {
	// Header returns the column names, trimmed of surrounding spaces.
	Header() []string
	// Read returns the next data row, skipping rows whose cells are all
	// blank. It returns io.EOF after the last row, and a *ParseError for
	// input that cannot be read.
	Read() (Row, error)
	// Close releases the file.
	Close() error
}

// Sentinel errors wrapped in *ParseError.
var (
	ErrNoHeader      = errors.New("no header row")
	ErrEncoding      = errors.New("text encoding cannot be read")
	ErrSheetNotFound = errors.New("sheet not found")
	ErrUnsupported   = errors.New("unsupported file type")
	ErrTooLarge      = errors.New("input exceeds a size limit")
)

// ParseError reports where in which file an input could not be read.
// Row and Column are 1-based and 0 when unknown.
type ParseError struct {
	File   string
	Row    int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Row > 0 && e.Column > 0:
		return fmt.Sprintf("%s: row %d, column %d: %v", e.File, e.Row, e.Column, e.Err)
	case e.Row > 0:
		return fmt.Sprintf("%s: row %d: %v", e.File, e.Row, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

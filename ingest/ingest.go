package ingest

import (
	"errors"
	"fmt"
	"io"
)

// Row is one data row of an input file.
type Row struct {
	// File is the base name of the input ("stdin" for standard input).
	File string
	// Line is the row number a person sees in a spreadsheet program: the
	// header row is 1 (or Options.HeaderRow), the first data row below it 2.
	// Blank rows are not returned but keep their numbers, and a quoted CSV
	// field spanning several physical lines still counts as one row, as
	// spreadsheet programs count it. For XLSX it is the sheet's own row
	// number.
	Line int
	// Cells holds the row's values, decoded to UTF-8 and not trimmed. A
	// ragged row may be shorter or longer than the header; callers index
	// with bounds checks. Cells is never reused by a later Read, so a row
	// may be handed to another goroutine.
	Cells []string
	// Kinds says how each cell was typed in the file, which its text
	// alone cannot tell ("45500.5" may be a number or a date that Excel
	// displays). It is nil when every cell is text, as for every CSV row;
	// otherwise it is exactly as long as Cells. Kind reads it with bounds
	// checks.
	Kinds []CellKind
}

// Kind returns the kind of cell i: CellText when the row has no kinds or
// i is past its cells.
func (r Row) Kind(i int) CellKind {
	if i < 0 || i >= len(r.Kinds) {
		return CellText
	}
	return r.Kinds[i]
}

// CellKind says how a spreadsheet cell was typed.
type CellKind uint8

const (
	// CellText is a text cell (also a boolean, an error value, a formula's
	// text result), or any cell of a format without types such as CSV.
	CellText CellKind = iota
	// CellNumber is a numeric cell written as the digits a person sees:
	// an integral value as its integer digits (4915112345678, never
	// 4.91511E+12), other values in plain decimal form (59.9, no
	// exponent), and a zero-padding number format's leading zeros (zip
	// 2134 with format 00000 is 02134).
	CellNumber
	// CellDate is a date- or time-formatted numeric cell written as its
	// wall-clock time in DateLayout, rounded to the second, read in the
	// workbook's date system (1900 or 1904).
	CellDate
)

// DateLayout is the Go layout of a CellDate cell's text. It has no zone
// because spreadsheet cells have none: the reader of the row decides in
// which zone the wall-clock time was written.
const DateLayout = "2006-01-02T15:04:05"

// Default limits. They bound the memory one row can take, so that a hostile
// or broken file ends in a *ParseError instead of exhausting memory. Real
// exports stay far below them: Excel itself caps a cell at 32,767 characters
// and a sheet at 16,384 columns.
const (
	// DefaultMaxCellBytes is the largest cell, in bytes of UTF-8.
	DefaultMaxCellBytes = 1 << 20
	// DefaultMaxColumns is the most cells one row may have.
	DefaultMaxColumns = 4096
	// DefaultMaxRecordBytes is the largest row, all cells together.
	DefaultMaxRecordBytes = 8 << 20
	// DefaultMaxUnzipBytes bounds the uncompressed size of all parts of an
	// XLSX file together, as the zip directory declares them (archive/zip
	// refuses to inflate past a declared size, so a zip bomb cannot lie).
	DefaultMaxUnzipBytes = 2 << 30
	// DefaultMaxSharedStringsBytes bounds an XLSX shared-strings table,
	// which excelize indexes in memory (about 40 bytes per string). A sheet
	// of a million rows with five unique text columns needs about 175 MiB.
	DefaultMaxSharedStringsBytes = 256 << 20
)

// Options tells a reader how to read a file. The zero value sniffs
// everything, reads the first sheet with the header on row 1 and applies
// the Default limits.
type Options struct {
	// Delimiter is the CSV field separator. 0 means sniff among
	// ',', ';', '\t' and '|' (a .tsv file defaults to '\t').
	Delimiter rune
	// Encoding is "", "auto", "utf-8", "utf-16" or "windows-1252".
	// "" and "auto" sniff: a BOM wins, then valid UTF-8, else Windows-1252.
	// "utf-16" without a BOM reads little-endian, as Windows writes it.
	Encoding string
	// Sheet names the XLSX sheet to read; "" means the first sheet. A name
	// that matches no sheet exactly matches one that differs only in case,
	// as Excel treats sheet names.
	Sheet string
	// HeaderRow is the 1-based row holding the column names; 0 means 1.
	// Rows above it are skipped. If that row is blank, the first non-blank
	// row below it is the header.
	HeaderRow int

	// MaxCellBytes, MaxColumns and MaxRecordBytes bound one row; 0 means
	// the Default value. A row over a limit is a row error (see Read).
	MaxCellBytes   int
	MaxColumns     int
	MaxRecordBytes int
	// MaxUnzipBytes and MaxSharedStringsBytes bound an XLSX file; 0 means
	// the Default value. A file over a limit cannot be opened.
	MaxUnzipBytes         int64
	MaxSharedStringsBytes int64
}

func (o Options) withDefaults() Options {
	if o.HeaderRow <= 0 {
		o.HeaderRow = 1
	}
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = DefaultMaxCellBytes
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	if o.MaxSharedStringsBytes <= 0 {
		o.MaxSharedStringsBytes = DefaultMaxSharedStringsBytes
	}
	return o
}

// Reader yields the data rows of one input.
type Reader interface {
	// Header returns the column names, trimmed of surrounding spaces.
	Header() []string
	// Read returns the next data row, skipping rows whose cells are all
	// blank. It returns io.EOF after the last row.
	//
	// Errors are of two kinds, told apart by IsRowError. A row error (a
	// *ParseError wrapping ErrEncoding or ErrTooLarge, with the row and,
	// where known, the column) concerns one row only: that row has been
	// consumed and the next Read continues with the row after it. Any
	// other error is terminal (a truncated gzip stream, an unterminated
	// quote at the end of the file, an XLSX part that cannot be parsed):
	// nothing more can be read, and every later Read returns the same
	// error again.
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
	// ErrUnterminatedQuote: a quoted CSV field still open at the end of
	// the input. Everything after the opening quote was swallowed into
	// that field, so the reader cannot recover.
	ErrUnterminatedQuote = errors.New("quoted field not closed before end of file")
)

// ParseError reports where in which file an input could not be read.
// Row and Column are 1-based and 0 when unknown. Row counts as Row.Line
// does. File is the base name; a ParseError never quotes the cell content,
// which may be customer data.
type ParseError struct {
	File   string
	Row    int
	Column int
	Err    error

	// rowOnly marks an error confined to one row; see IsRowError.
	rowOnly bool
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

// IsRowError reports whether err, returned by Reader.Read, concerns a
// single row that the caller should record as rejected before reading on.
// It is false for io.EOF, for terminal errors and for nil.
func IsRowError(err error) bool {
	pe, ok := errors.AsType[*ParseError](err)
	return ok && pe.rowOnly
}

// readSticky is Read for every format: a row error goes to the caller and
// reading goes on; any other error ends the file, is kept in *sticky, and
// is returned by every later call.
func readSticky(sticky *error, next func() (Row, error)) (Row, error) {
	if *sticky != nil {
		return Row{}, *sticky
	}
	row, err := next()
	if err != nil && !IsRowError(err) {
		*sticky = err
	}
	return row, err
}

// readHeader skips the rows above headerRow and any blank rows, and
// returns the header, trimmed, for every format alike: next reads a row and
// cur says which row number it was at. Errors are terminal: without a
// header no row means anything.
func readHeader(name string, headerRow int, next func() (Row, error), cur func() int) ([]string, error) {
	for {
		row, err := next()
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{File: name, Err: ErrNoHeader}
		}
		if IsRowError(err) && cur() < headerRow {
			continue // a title or note above the header; never used
		}
		if err != nil {
			if pe, ok := errors.AsType[*ParseError](err); ok {
				pe.rowOnly = false // a broken header breaks the file
			}
			return nil, err
		}
		if row.Line < headerRow {
			continue
		}
		for i, c := range row.Cells {
			row.Cells[i] = trimSpace(c)
		}
		return row.Cells, nil
	}
}

package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// csvReader reads delimited text. It has its own record splitter instead of
// encoding/csv because it must count blank lines as rows (encoding/csv skips
// them silently, so row numbers would drift from what a spreadsheet shows),
// bound the memory of a single cell or row, and carry on after a bad row.
//
// The dialect is the one spreadsheet programs write and read: a field that
// starts with '"' is quoted, "" inside it is a quote, and line breaks inside
// it belong to the field. Quotes elsewhere are kept as literal characters
// rather than rejected, as Excel does, because exports with stray quotes in
// names (6" sub, O"Brien) are common and the row is still meaningful.
type csvReader struct {
	name   string
	br     *bufio.Reader
	comma  byte
	opt    Options
	closer io.Closer

	// checkUTF8 is set when the bytes are not run through a decoder, so a
	// row must be checked for invalid UTF-8 (a file that changes encoding
	// after the sniffed sample).
	checkUTF8 bool

	header []string
	row    int   // spreadsheet row number of the last record read
	err    error // terminal error, returned by every later Read

	rec  []byte // cells of the current record, back to back
	ends []int  // end offset in rec of each cell

	arena []string // not yet handed out; see cells
}

// arenaCells is the size of one cell arena: about a hundred rows of an
// ordinary export, so a caller keeping one row pins a few KiB at most.
const arenaCells = 1024

// parser states within a record.
const (
	stFieldStart = iota // at the start of a field
	stUnquoted          // inside an unquoted field
	stQuoted            // inside a quoted field
	stQuote             // just read a '"' inside a quoted field
)

// record is the outcome of readRecord.
type record struct {
	line   int         // spreadsheet row number
	rowErr *ParseError // non-nil for a row error; the record was consumed
}

// readRecord reads one record into r.rec and r.ends. It returns io.EOF when
// no record is left, and a terminal *ParseError when the input breaks off.
func (r *csvReader) readRecord() (record, error) {
	r.rec = r.rec[:0]
	r.ends = r.ends[:0]
	line := r.row + 1
	var (
		state      = stFieldStart
		fieldStart = 0
		rowErr     *ParseError
		discard    bool // past a limit: parse on, keep nothing
		sawAny     bool
	)
	// fail records the first row error and stops collecting bytes, so a
	// 10 MB cell costs at most one limit's worth of memory.
	fail := func(col int, err error) {
		if rowErr == nil {
			rowErr = &ParseError{File: r.name, Row: line, Column: col, Err: err, rowOnly: true}
		}
		discard = true
	}
	add := func(b []byte) {
		if discard {
			return
		}
		switch n := len(r.rec) + len(b); {
		case n-fieldStart > r.opt.MaxCellBytes:
			fail(len(r.ends)+1, fmt.Errorf("%w: cell longer than %d bytes", ErrTooLarge, r.opt.MaxCellBytes))
		case n > r.opt.MaxRecordBytes:
			fail(len(r.ends)+1, fmt.Errorf("%w: row longer than %d bytes", ErrTooLarge, r.opt.MaxRecordBytes))
		default:
			r.rec = append(r.rec, b...)
		}
	}
	endField := func() {
		if discard {
			return
		}
		if len(r.ends) >= r.opt.MaxColumns {
			fail(0, fmt.Errorf("%w: more than %d columns", ErrTooLarge, r.opt.MaxColumns))
			return
		}
		r.ends = append(r.ends, len(r.rec))
		fieldStart = len(r.rec)
	}
	// trimCR drops the '\r' of a CRLF line end from the current field.
	trimCR := func() {
		if !discard && len(r.rec) > fieldStart && r.rec[len(r.rec)-1] == '\r' {
			r.rec = r.rec[:len(r.rec)-1]
		}
	}

	for {
		buf, err := r.br.ReadSlice('\n')
		if len(buf) > 0 {
			sawAny = true
		}
		for len(buf) > 0 {
			switch state {
			case stFieldStart:
				if buf[0] == '"' {
					state = stQuoted
					buf = buf[1:]
					continue
				}
				state = stUnquoted
				fallthrough
			case stUnquoted:
				// ReadSlice stops at '\n', so a '\n' in buf can only be
				// its last byte: one IndexByte finds the field's end.
				i := bytes.IndexByte(buf, r.comma)
				if i < 0 {
					i = len(buf)
					if buf[i-1] == '\n' {
						i--
					}
				}
				add(buf[:i])
				if i == len(buf) {
					buf = nil
					continue
				}
				if buf[i] == r.comma {
					endField()
					state = stFieldStart
					buf = buf[i+1:]
					continue
				}
				trimCR()
				endField()
				r.row = line
				return record{line: line, rowErr: rowErr}, nil
			case stQuoted:
				i := bytes.IndexByte(buf, '"')
				if i < 0 {
					if buf[len(buf)-1] == '\n' {
						// Normalize a CRLF inside a quoted field to LF,
						// as encoding/csv does.
						add(buf[:len(buf)-1])
						trimCR()
						add([]byte{'\n'})
					} else {
						add(buf)
					}
					buf = nil
					continue
				}
				add(buf[:i])
				state = stQuote
				buf = buf[i+1:]
			case stQuote:
				switch c := buf[0]; c {
				case '"':
					add(buf[:1])
					state = stQuoted
					buf = buf[1:]
				case r.comma:
					endField()
					state = stFieldStart
					buf = buf[1:]
				case '\n':
					trimCR()
					endField()
					r.row = line
					return record{line: line, rowErr: rowErr}, nil
				default:
					// "ab"cd: text after the closing quote is kept, as
					// spreadsheet programs do.
					state = stUnquoted
				}
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !sawAny {
				return record{}, io.EOF
			}
			if state == stQuoted {
				return record{}, &ParseError{File: r.name, Row: line, Column: len(r.ends) + 1, Err: ErrUnterminatedQuote}
			}
			trimCR()
			endField()
			r.row = line
			return record{line: line, rowErr: rowErr}, nil
		default:
			return record{}, &ParseError{File: r.name, Row: line, Err: fmt.Errorf("read: %w", err)}
		}
	}
}

// checkRecord finds bytes that no text export contains: NUL, and in input
// read without a decoder, invalid UTF-8.
func (r *csvReader) checkRecord(line int) *ParseError {
	bad := bytes.IndexByte(r.rec, 0) >= 0
	if !bad && r.checkUTF8 {
		bad = !utf8.Valid(r.rec)
	}
	if !bad {
		return nil
	}
	start := 0
	for i, end := range r.ends {
		cell := r.rec[start:end]
		start = end
		switch {
		case bytes.IndexByte(cell, 0) >= 0:
			return &ParseError{File: r.name, Row: line, Column: i + 1, rowOnly: true,
				Err: fmt.Errorf("%w: NUL byte in a text file", ErrEncoding)}
		case r.checkUTF8 && !utf8.Valid(cell):
			return &ParseError{File: r.name, Row: line, Column: i + 1, rowOnly: true,
				Err: fmt.Errorf("%w: invalid UTF-8 (the file starts as UTF-8; mixed encodings? set the encoding to read it otherwise)", ErrEncoding)}
		}
	}
	return nil
}

// blank reports whether every cell of the current record is empty or
// white space.
func (r *csvReader) blank() bool {
	for _, c := range r.rec {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// cells copies the current record out: one string for the whole record,
// sliced per cell, and the cell slice carved from an arena that is handed
// out once and never written again, so rows stay valid after later Reads
// at about one allocation per row.
func (r *csvReader) cells() []string {
	s := string(r.rec)
	n := len(r.ends)
	if len(r.arena) < n {
		r.arena = make([]string, max(n, arenaCells))
	}
	// Full slice expression: an append by the caller must not run into
	// the next row's cells.
	out := r.arena[:n:n]
	r.arena = r.arena[n:]
	start := 0
	for i, end := range r.ends {
		out[i] = s[start:end]
		start = end
	}
	return out
}

// next returns the next non-blank record's cells or a row error.
func (r *csvReader) next() (Row, error) {
	for {
		rec, err := r.readRecord()
		if err != nil {
			return Row{}, err
		}
		if rec.rowErr != nil {
			return Row{}, rec.rowErr
		}
		if perr := r.checkRecord(rec.line); perr != nil {
			return Row{}, perr
		}
		if r.blank() {
			continue
		}
		return Row{File: r.name, Line: rec.line, Cells: r.cells()}, nil
	}
}

func (r *csvReader) readHeader() (err error) {
	r.header, err = readHeader(r.name, r.opt.HeaderRow, r.next, func() int { return r.row })
	return err
}

func (r *csvReader) Header() []string { return r.header }

func (r *csvReader) Read() (Row, error) {
	return readSticky(&r.err, r.next)
}

func (r *csvReader) Close() error {
	if r.err == nil {
		r.err = errClosed
	}
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// errClosed is returned by Read after Close.
var errClosed = errors.New("read after close")

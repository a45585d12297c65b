package ingest

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams one sheet through excelize's row iterator, which
// decodes the sheet's XML as it goes (from a temporary file for sheets over
// xlsxInMemory bytes) instead of building the whole sheet as GetRows would.
type xlsxReader struct {
	name   string
	f      *excelize.File
	rows   *excelize.Rows
	opt    Options
	header []string
	row    int // sheet row number of the last row read
	err    error

	// types and meta give each cell its type and number format, which
	// excelize's iterator does not return; nil if the sheet's part could
	// not be found, and then cells read as their raw text.
	types *xlsxTypes
	meta  *sheetMeta
	zr    *zip.ReadCloser
}

// xlsxInMemory is excelize's UnzipXMLSizeLimit: sheets and shared-strings
// tables larger than this are unzipped to temporary files and read from
// there, which keeps big workbooks off the heap.
const xlsxInMemory = 16 << 20

// checkZip reads only the zip's central directory and refuses, before
// excelize inflates anything, a workbook whose parts declare more than the
// limits. Declared sizes can be trusted: archive/zip fails a part that
// inflates past its declared size.
func checkZip(path string, opt Options) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: not a valid .xlsx file (not a zip archive)", ErrUnsupported)
		}
		return pathErr("open", err)
	}
	defer zr.Close()
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if strings.EqualFold(f.Name, "xl/sharedStrings.xml") && f.UncompressedSize64 > uint64(opt.MaxSharedStringsBytes) {
			return fmt.Errorf("%w: shared-strings table of %d bytes (limit %d)", ErrTooLarge, f.UncompressedSize64, opt.MaxSharedStringsBytes)
		}
	}
	if total > uint64(opt.MaxUnzipBytes) {
		return fmt.Errorf("%w: %d bytes uncompressed (limit %d; a zip bomb?)", ErrTooLarge, total, opt.MaxUnzipBytes)
	}
	// excelize ignores read errors inside a part (a damaged or truncated
	// sheet would read as an empty one), so inflate every part once and
	// let archive/zip check sizes and checksums. This costs little next
	// to parsing the XML and needs only a copy buffer.
	for _, f := range zr.File {
		if err := drain(f); err != nil {
			return fmt.Errorf("%w: damaged .xlsx file: part %s: %w", ErrUnsupported, f.Name, err)
		}
	}
	return nil
}

func drain(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, rc)
	return errors.Join(err, rc.Close())
}

func openXLSX(path, name string, opt Options) (Reader, error) {
	opt = opt.withDefaults()
	fail := func(err error) (Reader, error) { return nil, &ParseError{File: name, Err: err} }
	if err := checkZip(path, opt); err != nil {
		return fail(err)
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		UnzipSizeLimit:    opt.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(xlsxInMemory, opt.MaxUnzipBytes),
	})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return fail(fmt.Errorf("%w: not a valid .xlsx file", ErrUnsupported))
		}
		return fail(fmt.Errorf("open: %w", err))
	}
	sheet, err := pickSheet(f.GetSheetList(), opt.Sheet)
	if err != nil {
		f.Close()
		return fail(err)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return fail(fmt.Errorf("sheet %q: %w", sheet, err))
	}
	r := &xlsxReader{name: name, f: f, rows: rows, opt: opt}
	if err := r.openMeta(path, sheet); err != nil {
		r.Close()
		return fail(err)
	}
	if err := r.readHeader(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// pickSheet returns the sheet to read: want, or the first sheet.
func pickSheet(sheets []string, want string) (string, error) {
	if len(sheets) == 0 {
		return "", fmt.Errorf("%w: the workbook has no sheets", ErrSheetNotFound)
	}
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	quoted := make([]string, len(sheets))
	for i, s := range sheets {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "", fmt.Errorf("%w: no sheet %q; the sheets are %s", ErrSheetNotFound, want, strings.Join(quoted, ", "))
}

// openMeta opens the second stream over the sheet's part that tells each
// cell's type and style (see xlsxTypes).
func (r *xlsxReader) openMeta(path, sheet string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return pathErr("open", err)
	}
	types, part, err := readXLSXTypes(&zr.Reader, sheet)
	if err != nil {
		// excelize found and opened the sheet, so its parts are there;
		// without them, cells keep their raw text as before.
		return zr.Close()
	}
	meta, err := openSheetMeta(&zr.Reader, part, r.opt.MaxColumns)
	if err != nil {
		return zr.Close()
	}
	r.zr, r.types, r.meta = zr, types, meta
	return nil
}

// typeCells rewrites a row's raw cell texts as a person sees them, and
// returns their kinds, or nil when every cell is text.
func (r *xlsxReader) typeCells(cells []string) []CellKind {
	if r.meta == nil {
		return nil
	}
	var kinds []CellKind
	for _, c := range r.meta.rowCells(r.row) {
		i := c.col - 1
		if i < 0 || i >= len(cells) {
			continue
		}
		v, k := r.types.render(cells[i], c)
		if k == CellText {
			continue
		}
		if kinds == nil {
			kinds = make([]CellKind, len(cells))
		}
		cells[i], kinds[i] = v, k
	}
	return kinds
}

// next returns the next non-blank row. excelize's Next advances one row
// number per call even across rows missing from the sheet's XML (Columns
// then returns nothing), so counting calls gives the sheet's row numbers.
func (r *xlsxReader) next() (Row, error) {
	for r.rows.Next() {
		r.row++
		cells, err := r.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Row{}, &ParseError{File: r.name, Row: r.row, Err: fmt.Errorf("%w: %w", ErrEncoding, err), rowOnly: true}
		}
		if len(cells) > r.opt.MaxColumns {
			return Row{}, &ParseError{File: r.name, Row: r.row, rowOnly: true,
				Err: fmt.Errorf("%w: more than %d columns", ErrTooLarge, r.opt.MaxColumns)}
		}
		kinds := r.typeCells(cells)
		blank, size := true, 0
		for i, c := range cells {
			size += len(c)
			if len(c) > r.opt.MaxCellBytes {
				return Row{}, &ParseError{File: r.name, Row: r.row, Column: i + 1, rowOnly: true,
					Err: fmt.Errorf("%w: cell longer than %d bytes", ErrTooLarge, r.opt.MaxCellBytes)}
			}
			if blank && strings.TrimSpace(c) != "" {
				blank = false
			}
		}
		if size > r.opt.MaxRecordBytes {
			return Row{}, &ParseError{File: r.name, Row: r.row, rowOnly: true,
				Err: fmt.Errorf("%w: row longer than %d bytes", ErrTooLarge, r.opt.MaxRecordBytes)}
		}
		if blank {
			continue
		}
		return Row{File: r.name, Line: r.row, Cells: cells, Kinds: kinds}, nil
	}
	if err := r.rows.Error(); err != nil {
		return Row{}, &ParseError{File: r.name, Row: r.row + 1, Err: fmt.Errorf("read: %w", err)}
	}
	return Row{}, io.EOF
}

func (r *xlsxReader) readHeader() (err error) {
	r.header, err = readHeader(r.name, r.opt.HeaderRow, r.next, func() int { return r.row })
	return err
}

func (r *xlsxReader) Header() []string { return r.header }

func (r *xlsxReader) Read() (Row, error) {
	return readSticky(&r.err, r.next)
}

// Close closes the row iterator and the workbook, which removes the
// temporary files excelize unzipped large parts into.
func (r *xlsxReader) Close() error {
	if r.f == nil {
		return nil
	}
	if r.err == nil {
		r.err = errClosed
	}
	err := errors.Join(r.rows.Close(), r.f.Close())
	if r.meta != nil {
		err = errors.Join(err, r.meta.Close())
	}
	if r.zr != nil {
		err = errors.Join(err, r.zr.Close())
	}
	r.f, r.rows, r.meta, r.zr = nil, nil, nil, nil
	return err
}

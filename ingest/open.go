package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/transform"
)

// kind is an input format, chosen by file name.
type kind int

const (
	kindUnsupported kind = iota
	kindCSV
	kindTSV
	kindXLSX
)

// kindOf maps a file name to its format. .csv.gz is the only compressed
// name listed, but gzip is detected by its magic bytes for every text kind.
func kindOf(path string) kind {
	name := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasSuffix(name, ".csv"), strings.HasSuffix(name, ".txt"), strings.HasSuffix(name, ".csv.gz"):
		return kindCSV
	case strings.HasSuffix(name, ".tsv"):
		return kindTSV
	case strings.HasSuffix(name, ".xlsx"):
		return kindXLSX
	}
	return kindUnsupported
}

// Open opens the input at path, choosing the reader by file extension:
// .csv, .tsv, .txt, .csv.gz (CSV family) or .xlsx; "-" reads CSV from
// standard input, named "stdin", which Close leaves open. The header is
// read before Open returns, so a file without one fails here with
// ErrNoHeader. Errors are *ParseError naming the file's base name.
func Open(path string, opt Options) (Reader, error) {
	if path == "-" {
		return NewCSVReader(os.Stdin, "stdin", opt)
	}
	name := filepath.Base(path)
	k := kindOf(path)
	if k == kindUnsupported {
		hint := "want .csv, .tsv, .txt, .csv.gz or .xlsx"
		if ext := strings.ToLower(filepath.Ext(path)); ext == ".xls" || ext == ".xlsb" || ext == ".ods" || ext == ".numbers" {
			hint = "save it as .xlsx or .csv"
		}
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w (%s)", ErrUnsupported, hint)}
	}
	if k == kindXLSX {
		return openXLSX(path, name, opt)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &ParseError{File: name, Err: pathErr("open", err)}
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: is a directory", ErrUnsupported)}
	}
	count := &countingReader{r: f}
	r, err := newCSV(count, f, name, k == kindTSV, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		return &progressReader{Reader: r, count: count, size: st.Size()}, nil
	}
	return r, nil
}

// pathErr drops the full path from an *fs.PathError: the ParseError
// around it names the file already.
func pathErr(op string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("%s: %w", op, pe.Err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// NewCSVReader reads CSV from r; name is used in Row.File and errors.
// Gzip input is detected by its magic bytes. Close does not close r.
func NewCSVReader(r io.Reader, name string, opt Options) (Reader, error) {
	cr, err := newCSV(r, nil, name, false, opt)
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// multiCloser closes the gzip reader before the file beneath it.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// newCSV sets up decompression, decoding and the delimiter from the first
// sniffBytes of src, then reads the header.
func newCSV(src io.Reader, closer io.Closer, name string, tsv bool, opt Options) (*csvReader, error) {
	opt = opt.withDefaults()
	fail := func(err error) (*csvReader, error) { return nil, &ParseError{File: name, Err: err} }

	raw := bufio.NewReaderSize(src, sniffBytes)
	if magic, _ := raw.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(raw)
		if err != nil {
			return fail(fmt.Errorf("gzip: %w", err))
		}
		// Concatenated gzip members are one stream, as gunzip reads them.
		closer = multiCloser{gz, closer}
		raw = bufio.NewReaderSize(gz, sniffBytes)
	}
	sample, err := raw.Peek(sniffBytes)
	full := err != nil
	if full && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return fail(fmt.Errorf("read: %w", err))
	}
	enc, err := sniffEncoding(sample, full, opt.Encoding)
	if err != nil {
		return fail(err)
	}
	br := raw
	if enc.skipBOM > 0 {
		_, _ = raw.Discard(enc.skipBOM)
		sample = sample[enc.skipBOM:]
	}
	if enc.dec != nil {
		br = bufio.NewReaderSize(transform.NewReader(raw, enc.dec), sniffBytes)
		sample, err = br.Peek(sniffBytes)
		full = err != nil
		if full && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return fail(fmt.Errorf("read: %w", err))
		}
	}
	if err := checkText(sample); err != nil {
		return fail(err)
	}
	if bytes.IndexByte(sample, '\n') < 0 && bytes.IndexByte(sample, '\r') >= 0 {
		// Lines end in a bare CR, as "CSV (Macintosh)" from old Excel
		// for Mac writes them.
		br = bufio.NewReaderSize(crToLF{br}, sniffBytes)
		sample = bytes.ReplaceAll(sample, []byte{'\r'}, []byte{'\n'})
	}

	var comma byte
	switch d := opt.Delimiter; {
	case d == 0 && tsv:
		comma = '\t'
	case d == 0:
		comma = sniffDelimiter(sample, full, opt)
	case d >= 0x80 || d == '"' || d == '\n' || d == '\r':
		return fail(fmt.Errorf("delimiter %q cannot separate fields", d))
	default:
		comma = byte(d)
	}

	r := &csvReader{
		name:      name,
		br:        br,
		comma:     comma,
		opt:       opt,
		closer:    closer,
		checkUTF8: enc.dec == nil,
	}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Expand turns command-line inputs into the list of inputs to read: a
// directory becomes the supported files directly inside it (.csv, .tsv,
// .txt, .xlsx, .csv.gz; not recursive), sorted by name, leaving out hidden
// files and Excel's lock files (~$Book.xlsx); "-" and file paths are kept
// as given. A path that does not exist, or a directory without one input
// file, is an error naming it: a nightly job pointed at the wrong place
// should fail, not report success on nothing.
func Expand(inputs []string) ([]string, error) {
	var out []string
	for _, in := range inputs {
		if in == "-" {
			out = append(out, in)
			continue
		}
		st, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in, pathErr("stat", err))
		}
		if !st.IsDir() {
			out = append(out, in)
			continue
		}
		entries, err := os.ReadDir(in) // sorted by name
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in, pathErr("read directory", err))
		}
		n := len(out)
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || kindOf(name) == kindUnsupported {
				continue
			}
			if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
				continue
			}
			out = append(out, filepath.Join(in, name))
		}
		if len(out) == n {
			return nil, fmt.Errorf("input %s: no .csv, .tsv, .txt, .xlsx or .csv.gz files in the directory", in)
		}
	}
	return out, nil
}

// crToLF turns every CR into LF, for files whose lines end in a bare CR.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

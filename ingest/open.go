package ingest

import (
	"errors"
	"io"
)

// Open opens the input at path, choosing the reader by file extension:
// .csv, .tsv, .txt, .csv.gz (CSV family) or .xlsx. "-" is not handled here;
// use NewCSVReader(os.Stdin, "stdin", opt).
func Open(path string, opt Options) (Reader, error) {
	return nil, errors.New("TODO")
}

// NewCSVReader reads CSV from r; name is used in Row.File and errors.
// Gzip input is detected by its magic bytes.
func NewCSVReader(r io.Reader, name string, opt Options) (Reader, error) {
	return nil, errors.New("TODO")
}

// Expand turns command-line inputs into the list of inputs to read: a
// directory becomes the supported files directly inside it, sorted by name;
// "-" and file paths are kept as given.
func Expand(inputs []string) ([]string, error) {
	return inputs, nil
}

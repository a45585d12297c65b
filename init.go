package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"capi-upload/ingest"
	"capi-upload/suggest"
)

// runInit prints a proposed mapping config for one input on stdout; it
// writes nothing to disk.
func runInit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sheet := fs.String("sheet", "", "XLSX sheet (default the first sheet)")
	pixel := fs.String("pixel-id", "", "pixel (dataset) id to write into the config")
	country := fs.String("default-country", "", "ISO country of phone numbers without a country code (default: guessed, else US)")
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(stdout, "init", fs)
		return errHelp
	}
	if err != nil {
		return &usageError{msg: err.Error(), hint: `run "capi-upload init --help"`}
	}
	if len(positional) != 1 {
		return &usageError{msg: "init takes exactly one INPUT", hint: "usage: capi-upload init [--sheet NAME] INPUT"}
	}
	path := positional[0]
	opt := ingest.Options{Sheet: *sheet}
	var r ingest.Reader
	if path == "-" {
		r, err = ingest.NewCSVReader(stdin, "stdin", opt)
	} else {
		if opt.HeaderRow, err = findHeaderRow(path, opt); err != nil {
			return err
		}
		r, err = ingest.Open(path, opt)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	out, err := suggest.Propose(ctx, r, suggest.Options{File: path, Sheet: *sheet, PixelID: *pixel, DefaultCountry: *country, HeaderRow: opt.HeaderRow})
	if err != nil {
		return fmt.Errorf("init %s: %w", filepath.Base(path), err)
	}
	_, err = stdout.Write(out)
	return err
}

// findHeaderRow returns the row holding the column names when rows of
// title text sit above it, as report exports write them (Salesforce: the
// report's name, filters and run date, then the header); 0 means the
// first row. The header is the first row with at least three cells filled
// and at least half as many as the widest of the first rows.
func findHeaderRow(path string, opt ingest.Options) (int, error) {
	opt.HeaderRow = 1
	r, err := ingest.Open(path, opt)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	filled := func(cells []string) int {
		n := 0
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				n++
			}
		}
		return n
	}
	type line struct{ row, n int }
	lines := []line{{1, filled(r.Header())}}
	for len(lines) < 20 {
		row, err := r.Read()
		if err != nil {
			break
		}
		lines = append(lines, line{row.Line, filled(row.Cells)})
	}
	widest := 0
	for _, l := range lines {
		widest = max(widest, l.n)
	}
	if lines[0].n >= 3 && lines[0].n*2 >= widest {
		return 0, nil
	}
	for _, l := range lines {
		if l.n >= 3 && l.n*2 >= widest {
			return l.row, nil
		}
	}
	return 0, nil
}

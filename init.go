package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

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
		if opt.HeaderRow, err = suggest.FindHeaderRow(path, opt); err != nil {
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

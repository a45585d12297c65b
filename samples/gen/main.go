// Command gen writes the sample exports (pos.csv, crm.xlsx) with event times
// relative to -now, so that the README's quick start sends events on any
// day it is run:
//
//	go run ./samples/gen [-now RFC3339] [-out DIR]
//
// The same -now always gives byte-identical files.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"capi-upload/samples"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	nowFlag := fs.String("now", "", "RFC 3339 time the event times are relative to (default: the current time)")
	out := fs.String("out", "samples", "directory to write pos.csv and crm.xlsx to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		now = t
	}
	if err := samples.Generate(*out, now); err != nil {
		return err
	}
	fmt.Printf("wrote %s/%s and %s/%s (times relative to %s)\n", *out, samples.POSFile, *out, samples.CRMFile, now.UTC().Format(time.RFC3339))
	return nil
}

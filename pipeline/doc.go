// Package pipeline is one run of capi-upload: it reads the inputs, maps
// each row to an event, applies the run-wide checks (age, duplicate ids,
// the ledger), hands the events to a sender (Meta's API, the dry-run
// writer, or for validate a counter) and writes the reports, giving every
// row read exactly one outcome.
//
// Run is its one entry point. The command line (package main) and any
// other front end call it with Options and decide what to show from the
// Result; the pipeline prints nothing on stdout.
package pipeline

package report

import (
	"errors"
	"io"
	"time"

	"capi-upload/mapping"
	"capi-upload/upload"
)

// Reject is one line of rejects.csv.
type Reject struct {
	File    string         `csv:"file"`
	Row     int            `csv:"row"`
	EventID string         `csv:"event_id"`
	Reason  mapping.Reason `csv:"reason"`
	Field   string         `csv:"field"`
	Detail  string         `csv:"detail"`
}

// Options describes the run for the summary.
type Options struct {
	Command string // "upload", "validate", "upload --dry-run"
	Version string
	Now     func() time.Time
}

// Recorder accumulates a run's outcomes and writes its reports into a
// directory. It is not safe for concurrent use: the run loop and
// upload.Run's serialized callbacks feed it from one goroutine at a time.
type Recorder struct{}

// Create makes dir (and parents) and opens rejects.csv in it.
func Create(dir string, opt Options) (*Recorder, error) { return nil, errors.New("TODO") }

// RowRead counts one row read from file.
func (r *Recorder) RowRead(file string) {}

// Skipped counts a row that the config's map left out (ErrSkip).
func (r *Recorder) Skipped(file string, row int) {}

// Reject records a row that was not sent.
func (r *Recorder) Reject(rj Reject) error { return nil }

// Built records an event that passed every check before sending
// (coverage, invalid keys, age distribution, per-event-name counts).
func (r *Recorder) Built(ev *mapping.Event) {}

// Outcome records the final outcome of a built event; rejected, failed
// and stale outcomes also become reject lines.
func (r *Recorder) Outcome(o upload.Outcome) error { return nil }

// Request records one request for summary.json.
func (r *Recorder) Request(l upload.RequestLog) {}

// Close writes summary.json and report.html (temp file, fsync, rename),
// flushes rejects.csv and returns the summary.
func (r *Recorder) Close() (*Summary, error) { return nil, errors.New("TODO") }

// Summary is summary.json.
type Summary struct {
	RowsRead int `json:"rows_read"`
}

// RejectRatio is rejected rows / rows read (stale and already-sent rows
// are not rejections).
func (s *Summary) RejectRatio() float64 { return 0 }

// WriteText prints the short end-of-run summary.
func WriteText(w io.Writer, s *Summary) error { return nil }

package web

import (
	"context"
	"sync"

	"capi-upload/report"
)

// Runner runs validate or upload on one file, as the command line does:
// same pipeline, same ledger (locked the same way), same reports. The
// page depends only on this, so the command can wire it as it likes.
type Runner interface {
	// Run runs req and returns when the run has ended and its reports are
	// written. progress, when not nil, is called now and then with the
	// counts so far; ctx ending cancels the run, which still writes its
	// reports (exit 3, rows not sent are upload_failed).
	Run(ctx context.Context, req RunRequest, progress func(Progress)) (RunResult, error)
}

// Command names what a run does.
type Command string

// The commands a page can run.
const (
	CommandValidate Command = "validate"
	CommandUpload   Command = "upload"
)

// RunRequest is one run as the page asks for it.
type RunRequest struct {
	Command Command
	// DryRun writes the request bodies to ReportDir/requests instead of
	// sending (upload only).
	DryRun bool
	// ConfigPath is the mapping config (YAML) the run reads.
	ConfigPath string
	// Input is the export to read.
	Input string
	// ReportDir is where the reports go; it does not exist yet.
	ReportDir string
	// StatePath is the ledger, the nightly job's --state.
	StatePath string
	// TestEventCode, when set, sends the events as test events.
	TestEventCode string
	// Token is the access token for a real upload; never logged.
	Token string
}

// Progress is how far a run has come.
type Progress struct {
	Rows  int // rows read
	Done  int // events sent (built, when nothing is sent)
	Total int // rows the file holds, 0 when not known
}

// RunResult is what a run ended with.
type RunResult struct {
	ReportDir string
	// Summary is the run's summary.json; nil when the run ended before
	// writing it (a config or ledger error).
	Summary *report.Summary
	// ExitCode is the command line's exit code for the run (SPEC "Exit
	// codes").
	ExitCode int
	// Message is what the run said went wrong, if anything (never holds
	// customer data or the token).
	Message string
}

// runState is the run in progress, or the last one.
type runState struct {
	ID      string // report folder name
	Label   string
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	prog    Progress
	result  RunResult
	err     error
	version int // bumped on each progress change
}

func (r *runState) setProgress(p Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prog = p
	r.version++
}

func (r *runState) snapshot() (Progress, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.prog, r.version
}

func (r *runState) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

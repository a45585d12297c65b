package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger"
	"capi-upload/mapping"
	"capi-upload/report"
	"capi-upload/upload"
)

// Options configures Run. The CLI fills it from flags over config values
// over defaults; another front end fills it from its own form.
type Options struct {
	Command   string // "upload" or "validate"
	DryRun    bool   // upload writes the request bodies instead of sending
	Config    *mapping.Config
	Inputs    []string  // paths; "-" reads Stdin
	Stdin     io.Reader // read for the input "-"
	ReportDir string    // "" = reports/<UTC timestamp> under the working dir
	StatePath string    // the sent-events ledger
	Resend    bool      // ignore the ledger's "already sent"

	BatchSize, Concurrency, MaxAttempts int
	MaxAge, RequestTimeout              time.Duration
	TestEventCode                       string
	// MaxRejectRatio is the share of rows read that may be rejected
	// before Result.RejectRatioExceeded is set.
	MaxRejectRatio float64

	GraphURL, Token, AppSecret string
	Version                    string // of capi-upload, for the reports and the user agent

	Now    func() time.Time // the run's one clock; nil = time.Now
	Logger *slog.Logger     // nil discards

	// OnProgress, when set, is called (from any goroutine, at most a few
	// times a second) with the run's counts so far, and once more at the
	// end with Done set.
	OnProgress func(Progress)
	// ProgressMode is "auto", "always" or "never" for the progress bar on
	// Stderr (the CLI's --progress); "" = never.
	ProgressMode string
	Stderr       io.Writer // where the progress bar goes; nil = none

	// Test hooks, settable only from this package's tests.
	wrapRejects func(io.Writer) io.Writer // wraps the rejects.csv file
}

// Progress is a run's counts so far.
type Progress struct {
	RowsRead int // rows read from the inputs
	Built    int // events that passed the checks and were handed on
	Sent     int // events acknowledged (or built, when nothing is sent)
	Settled  int // events handed on that have their outcome
	Total    int // rows the inputs are estimated to hold; 0 = unknown
	Done     bool
}

// Result is what a run did.
type Result struct {
	// Summary is the run's summary.json; nil when the run stopped before
	// any report was created.
	Summary   *report.Summary
	ReportDir string
	// Partial: some rows are upload_failed, or the run was interrupted or
	// gave up on the endpoint (the CLI exits 3). Stopped says which.
	Partial bool
	// Stopped is why the run ended before every event could be sent, when
	// that is not an error of the run: upload.ErrInterrupted (ctx was
	// cancelled) or a *upload.GaveUpError. nil otherwise.
	Stopped error
	// RejectRatioExceeded: rejected rows / rows read is above
	// Options.MaxRejectRatio (the CLI exits 4 unless Partial).
	RejectRatioExceeded bool
	// StaleFiles are the inputs none of whose rows was fresh enough to
	// send: an old export read again (the CLI exits 4 unless Partial).
	StaleFiles []report.FileCount
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ProgressMode == "" || o.Stderr == nil && o.ProgressMode != "never" {
		o.ProgressMode = "never"
	}
	return o
}

// readOnlyLedger answers SeenAll and never records: validate and --dry-run
// must not write the ledger.
type readOnlyLedger struct{ capi.Ledger }

func (readOnlyLedger) MarkSent([]string, time.Time) error { return nil }

// Run performs one upload or validate run. validate is the same run with
// a counting sender (validateSink) and a read-only ledger; --dry-run sends
// to the dry-run writer with a read-only ledger.
//
// Errors that end the run as a failure (an unreadable input or config
// header, a locked ledger, a refused token, a report that could not be
// written) are returned; Result still holds the summary when the reports
// were written. An interrupted run is not an error: see Result.Stopped.
func Run(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	logger := o.Logger
	ins, err := openInputs(&o)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, in := range ins {
			in.reader.Close()
		}
	}()

	sending := o.Command == "upload" && !o.DryRun
	var led capi.Ledger
	l, err := ledger.Open(o.StatePath, !sending, o.Now)
	if err != nil {
		return Result{}, err
	}
	defer l.Close()
	defer limitMemory()()
	led = l
	if !sending {
		led = readOnlyLedger{l}
	}

	reportDir := o.ReportDir
	if reportDir == "" {
		if reportDir, err = newReportDir("reports", o.Now()); err != nil {
			return Result{}, err
		}
	}
	command := o.Command
	if o.DryRun {
		command = "upload --dry-run"
	}
	var secrets []string
	for _, v := range []string{o.Token, o.AppSecret} {
		if v != "" {
			secrets = append(secrets, v)
		}
	}
	var mapped []string
	for _, k := range capi.UserKeys {
		if o.Config.Fields.UserData[k] != nil {
			mapped = append(mapped, k)
		}
	}
	var client *upload.Client
	if sending {
		client, err = upload.NewClient(upload.ClientOptions{
			BaseURL:        o.GraphURL,
			Token:          o.Token,
			AppSecret:      o.AppSecret,
			APIVersion:     o.Config.APIVersion,
			PixelID:        o.Config.PixelID,
			UserAgent:      "capi-upload/" + o.Version,
			RequestTimeout: o.RequestTimeout,
			Logger:         logger,
		})
		if err != nil {
			return Result{}, err
		}
	}
	rec, err := report.Create(reportDir, report.Options{Command: command, Version: o.Version, PixelID: o.Config.PixelID, DefaultCountry: o.Config.DefaultCountry, Now: o.Now, Redact: secrets, MappedKeys: mapped, WrapRejects: o.wrapRejects})
	if err != nil {
		return Result{}, fmt.Errorf("report dir %s: %w", reportDir, err)
	}
	progress := report.NewProgress(report.ProgressOptions{Mode: report.ProgressMode(o.ProgressMode), W: o.Stderr, Logger: logger, DryRun: !sending})
	stopProgress := watchProgress(progress, o.OnProgress)
	rr := &recorder{rec: rec, progress: progress}
	for _, in := range ins {
		rec.FileOpened(in.name)
	}

	var sender capi.Sender
	switch {
	case o.Command == "upload" && o.DryRun:
		sender = upload.NewDryRun(reportDir)
	case sending:
		sender = client
	}

	q := newEventQueue()
	events := q.ch
	// An error that stops the uploader (a bad token, say) also stops the
	// reading: rows read after it could only fail.
	readCtx, stopReading := context.WithCancelCause(ctx)
	defer stopReading(nil)
	var runErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if sender == nil {
			runErr = validateSink(&o, led, q, rr)
			return
		}
		runErr = upload.Run(ctx, sender, led, events, upload.Options{
			PixelID:       o.Config.PixelID,
			BatchSize:     o.BatchSize,
			Concurrency:   o.Concurrency,
			MaxAge:        o.MaxAge,
			Resend:        o.Resend,
			TestEventCode: o.TestEventCode,
			UploadTag:     o.Config.Upload.UploadTag,
			NamespaceID:   o.Config.Upload.NamespaceID,
			PartnerAgent:  "capi-upload/" + o.Version,
			MaxAttempts:   o.MaxAttempts,
			Now:           o.Now,
			Logger:        logger,
			OnProgress:    func(sent, _ int) { progress.SetSent(sent, 0) },
			OnStop:        func(error) { stopReading(errRunStopped) },
			Release:       q.release,
			OnOutcome:     rr.outcome,
			OnRequest:     rr.request,
		})
	})

	readErr := readAll(readCtx, &o, ins, rr, q, logger)
	close(events)
	wg.Wait()
	// An uploader stopped by a signal or an auth error leaves the events
	// it never took; each still needs its one outcome.
	for evs := range events {
		for i := range evs {
			rr.outcome(notSent(readCtx, &evs[i]))
		}
	}

	progress.Finish()
	stopProgress()
	rr.mu.Lock()
	summary, closeErr := rec.Close()
	rr.mu.Unlock()
	res := Result{Summary: summary, ReportDir: reportDir}
	if summary != nil {
		// A broken accounting invariant is a bug in capi-upload: say so
		// loudly rather than let a row go missing unnoticed.
		if err := summary.Check(); err != nil {
			closeErr = errors.Join(closeErr, fmt.Errorf("internal error, please report: %w", err))
		}
	}

	// A reject line that could not be written (a full disk) failed the
	// run as it happened and again when the reports were closed: say it
	// once.
	if rr.err != nil && errors.Is(closeErr, rr.err) {
		rr.err = nil
	}
	var fatal []error
	gaveUp, _ := errors.AsType[*upload.GaveUpError](runErr)
	if runErr != nil && !errors.Is(runErr, upload.ErrInterrupted) && gaveUp == nil {
		fatal = append(fatal, runErr)
	}
	fatal = append(fatal, readErr, rr.err, closeErr)
	if err := errors.Join(fatal...); err != nil {
		return res, err
	}
	switch {
	case errors.Is(runErr, upload.ErrInterrupted) || ctx.Err() != nil:
		res.Stopped = upload.ErrInterrupted
	case gaveUp != nil:
		res.Stopped = gaveUp
	}
	res.Partial = res.Stopped != nil || summary != nil && summary.Outcomes.Failed > 0
	if summary != nil {
		res.RejectRatioExceeded = summary.RejectRatio() > o.MaxRejectRatio
		res.StaleFiles = summary.StaleFiles()
	}
	return res, nil
}

// watchProgress calls f with p's counts a few times a second until the
// returned stop is called, which calls f once more with Done set.
func watchProgress(p *report.Progress, f func(Progress)) (stop func()) {
	if f == nil {
		return func() {}
	}
	snapshot := func(done bool) Progress {
		rows, built, sent, settled, total := p.Snapshot()
		return Progress{RowsRead: rows, Built: built, Sent: sent, Settled: settled, Total: total, Done: done}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				f(snapshot(false))
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			wg.Wait()
			f(snapshot(true))
		})
	}
}

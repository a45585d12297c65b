package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"capi-upload/ingest"
	"capi-upload/ledger"
	"capi-upload/mapping"
	"capi-upload/report"
	"capi-upload/upload"
)

// now is the clock of a run; tests replace it.
var now = time.Now

// wrapRejects, when set, wraps the rejects.csv file of a run; tests set it
// to make the writes fail as on a full disk.
var wrapRejects func(io.Writer) io.Writer

// input is one opened input with the mapper for its header.
type input struct {
	name   string
	reader ingest.Reader
	mapper *mapping.Mapper
}

// openInputs opens every input and checks its header against the config
// before anything is sent, so that a wrong column name stops the run while
// it is still cheap to fix.
func openInputs(o *options) ([]*input, error) {
	paths, err := ingest.Expand(o.inputs)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .csv, .tsv, .txt, .csv.gz or .xlsx file in %v", o.inputs)
	}
	opt := o.cfg.IngestOptions()
	var ins []*input
	fail := func(err error) ([]*input, error) {
		for _, in := range ins {
			in.reader.Close()
		}
		return nil, err
	}
	stdinUsed := false
	for _, p := range paths {
		var r ingest.Reader
		name := filepath.Base(p)
		if p == "-" {
			if stdinUsed {
				return fail(usagef(`"-" (standard input) given more than once`))
			}
			stdinUsed = true
			name = "stdin"
			r, err = ingest.NewCSVReader(o.stdin, name, opt)
		} else {
			r, err = ingest.Open(p, opt)
		}
		if err != nil {
			return fail(err)
		}
		ins = append(ins, &input{name: name, reader: r})
		m, err := mapping.NewMapper(o.cfg, name, r.Header())
		if err != nil {
			return fail(err)
		}
		m.Now = now // birth years are judged by the run's clock too
		ins[len(ins)-1].mapper = m
	}
	return ins, nil
}

// item is one row on its way through the pipeline.
type item struct {
	row     ingest.Row
	readErr error // a row the reader could not decode
	ev      mapping.Event
	err     error // from Map
}

// chunk is a run of rows from one input, mapped by a worker and consumed in
// order, so reports list rows in file order whatever the worker count.
type chunk struct {
	in    *input
	items []item
	done  chan struct{}
}

const chunkSize = 512

// recorder serializes calls into the report, which the read loop and the
// uploader's callbacks make from different goroutines.
type recorder struct {
	progress *report.Progress
	mu       sync.Mutex
	rec      *report.Recorder
	err      error // first error writing the reject report
}

func (r *recorder) do(f func(*report.Recorder) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := f(r.rec); err != nil && r.err == nil {
		r.err = err
	}
}

// readOnlyLedger answers SeenAll and never records: validate and --dry-run
// must not write the ledger.
type readOnlyLedger struct{ upload.Ledger }

func (readOnlyLedger) MarkSent([]string, time.Time) error { return nil }

func runPipeline(ctx context.Context, o *options, stdout, stderr io.Writer) exitCode {
	logger := newLogger(stderr, o.logFormat)
	ins, err := openInputs(o)
	if err != nil {
		return reportError(err, stderr)
	}
	defer func() {
		for _, in := range ins {
			in.reader.Close()
		}
	}()

	sending := o.command == "upload" && !o.dryRun
	var led upload.Ledger
	if sending {
		l, err := ledger.Open(o.statePath, false, now)
		if err != nil {
			return reportError(err, stderr)
		}
		defer l.Close()
		led = l
	} else {
		l, err := ledger.Open(o.statePath, true, now)
		if err != nil {
			return reportError(err, stderr)
		}
		defer l.Close()
		led = readOnlyLedger{l}
	}

	reportDir := o.reportDir
	if reportDir == "" {
		var err error
		if reportDir, err = newReportDir("reports", now()); err != nil {
			return reportError(err, stderr)
		}
	}
	command := o.command
	if o.dryRun {
		command = "upload --dry-run"
	}
	var secrets []string
	for _, v := range []string{o.token, o.appSecret} {
		if v != "" {
			secrets = append(secrets, v)
		}
	}
	var mapped []string
	for _, k := range mapping.UserKeys {
		if o.cfg.Fields.UserData[k] != nil {
			mapped = append(mapped, k)
		}
	}
	rec, err := report.Create(reportDir, report.Options{Command: command, Version: appVersion(), PixelID: o.cfg.PixelID, Now: now, Redact: secrets, MappedKeys: mapped, WrapRejects: wrapRejects})
	if err != nil {
		return reportError(fmt.Errorf("report dir %s: %w", reportDir, err), stderr)
	}
	progress := report.NewProgress(report.ProgressOptions{Mode: report.ProgressMode(o.progress), W: stderr, Logger: logger, DryRun: !sending, LogEvery: o.progressEvery})
	rr := &recorder{rec: rec, progress: progress}
	for _, in := range ins {
		rec.FileOpened(in.name)
	}

	var sender upload.Sender
	if o.command == "upload" {
		if o.dryRun {
			sender = upload.NewDryRun(reportDir)
		} else {
			c, err := upload.NewClient(upload.ClientOptions{
				BaseURL:        o.graphURL,
				Token:          o.token,
				AppSecret:      o.appSecret,
				APIVersion:     o.cfg.APIVersion,
				PixelID:        o.cfg.PixelID,
				UserAgent:      "capi-upload/" + appVersion(),
				RequestTimeout: o.requestTimeout,
				Logger:         logger,
			})
			if err != nil {
				return reportError(err, stderr)
			}
			sender = c
		}
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
			runErr = validateSink(o, led, events, rr)
			return
		}
		runErr = upload.Run(ctx, sender, led, events, upload.Options{
			PixelID:       o.cfg.PixelID,
			BatchSize:     o.batchSize,
			Concurrency:   o.concurrency,
			MaxAge:        o.maxAge,
			Resend:        o.resend,
			TestEventCode: o.testEventCode,
			UploadTag:     o.cfg.Upload.UploadTag,
			NamespaceID:   o.cfg.Upload.NamespaceID,
			PartnerAgent:  "capi-upload/" + appVersion(),
			MaxAttempts:   o.maxAttempts,
			Now:           now,
			Logger:        logger,
			OnProgress:    func(sent, _ int) { progress.SetSent(sent, 0) },
			OnStop:        func(error) { stopReading(errRunStopped) },
			OnOutcome: func(oc upload.Outcome) {
				rr.do(func(r *report.Recorder) error { return r.Outcome(oc) })
				progress.AddSettled(1)
			},
			OnRequest: func(l upload.RequestLog) {
				rr.do(func(r *report.Recorder) error { r.Request(l); return nil })
			},
		})
	})

	readErr := readAll(readCtx, o, ins, rr, q, logger)
	close(events)
	wg.Wait()
	// An uploader stopped by a signal or an auth error leaves the events
	// it never took; each still needs its one outcome.
	for evs := range events {
		for i := range evs {
			rr.do(func(r *report.Recorder) error { return r.Outcome(notSent(readCtx, &evs[i])) })
		}
	}

	progress.Finish()
	rr.mu.Lock()
	summary, closeErr := rec.Close()
	rr.mu.Unlock()
	if summary != nil {
		// A broken accounting invariant is a bug in capi-upload: say so
		// loudly rather than let a row go missing unnoticed.
		if err := summary.Check(); err != nil {
			closeErr = errors.Join(closeErr, fmt.Errorf("internal error, please report: %w", err))
		}
		if err := writeSummary(stdout, summary, o.logFormat); err != nil {
			logger.Error("writing summary", "err", err)
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
		fmt.Fprintf(stderr, "capi-upload: %v\n", err)
		return exitFatal
	}
	if errors.Is(runErr, upload.ErrInterrupted) || ctx.Err() != nil {
		fmt.Fprintln(stderr, "capi-upload: interrupted: rows not acknowledged are reported as upload_failed and will be sent by the next run")
		return exitPartial
	}
	if gaveUp != nil {
		fmt.Fprintf(stderr, "capi-upload: %v: the rows not sent are upload_failed, and the next run sends them\n", gaveUp)
		return exitPartial
	}
	if summary != nil && summary.Outcomes.Failed > 0 {
		return exitPartial
	}
	code := exitOK
	if summary != nil && summary.RejectRatio() > o.maxRejectRatio {
		fmt.Fprintf(stderr, "capi-upload: %.1f%% of rows were rejected, above --max-reject-ratio %.1f%%: see %s\n",
			100*summary.RejectRatio(), 100*o.maxRejectRatio, filepath.Join(reportDir, "rejects.csv"))
		code = exitRejectRatio
	}
	if summary != nil {
		for _, f := range summary.StaleFiles() {
			fmt.Fprintf(stderr, "capi-upload: %s: none of its %d rows is newer than --max-age %s: is it an old export read again?\n",
				f.File, f.RowsRead, mapping.Duration(o.maxAge))
			code = exitRejectRatio
		}
	}
	return code
}

// newReportDir creates a report directory of its own under parent, named
// for the UTC second at: reports/20261126T020000Z, or with -2, -3, ...
// when a run that started in the same second has that name. Two cron jobs
// started together (two exports, two ledgers) would otherwise write their
// reports over each other's.
func newReportDir(parent string, at time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("report dir: %w", err)
	}
	base := filepath.Join(parent, at.UTC().Format("20060102T150405Z"))
	dir := base
	for n := 2; ; n++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || n > 1000 {
			return "", fmt.Errorf("report dir: %w", err)
		}
		dir = fmt.Sprintf("%s-%d", base, n)
	}
}

// validateSink stands in for the uploader when nothing is sent: every
// event that passed the checks is counted as built, or as already sent when
// the ledger has it.
func validateSink(o *options, led upload.Ledger, events <-chan []mapping.Event, rr *recorder) error {
	built := 0
	record := func(ev *mapping.Event, st upload.Status) {
		oc := upload.Outcome{Event: ev, Status: st}
		rr.do(func(r *report.Recorder) error { return r.Outcome(oc) })
		built++
		rr.progress.SetSent(built, 0)
		rr.progress.AddSettled(1)
	}
	if o.resend {
		for evs := range events {
			for i := range evs {
				record(&evs[i], upload.StatusSent)
			}
		}
		return nil
	}
	// The ledger is asked once per chunk of events, in one read
	// transaction: a transaction per event cost more than all the rest of
	// validate. The buffers are reused from chunk to chunk.
	const chunk = upload.MaxBatchSize
	buf := make([]mapping.Event, 0, chunk)
	keys := make([]string, 0, chunk)
	seen := make([]bool, chunk)
	flush := func() error {
		keys = mapping.AppendLedgerKeys(keys[:0], o.cfg.PixelID, buf)
		if err := led.SeenAll(keys, seen); err != nil {
			return err
		}
		for i := range buf {
			st := upload.StatusSent
			if seen[i] {
				st = upload.StatusAlreadySent
			}
			record(&buf[i], st)
		}
		buf = buf[:0]
		return nil
	}
	for evs := range events {
		for len(evs) > 0 {
			n := min(len(evs), chunk-len(buf))
			buf = append(buf, evs[:n]...)
			evs = evs[n:]
			if len(buf) == chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// readAll reads every input, maps rows on all cores, applies the run-wide
// checks in file order and hands the events on. It returns the errors that
// made an input unreadable part-way; the other inputs are still read.
func readAll(ctx context.Context, o *options, ins []*input, rr *recorder, q *eventQueue, logger *slog.Logger) error {
	// A duplicate-id set that fails stops the reading too.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	work := make(chan *chunk, runtime.GOMAXPROCS(0))
	ordered := make(chan *chunk, 2*runtime.GOMAXPROCS(0))
	// Chunks the collector is done with go back to the reader: a chunk of
	// 512 items is about 128 KiB of pointerful memory, and allocating a
	// fresh one per 512 rows made the garbage collector scan and clear
	// hundreds of megabytes on a million-row file.
	free := make(chan *chunk, 3*runtime.GOMAXPROCS(0)+2)
	var readErrs []error

	var wg sync.WaitGroup
	// Reader: one goroutine, because readers are sequential by nature.
	wg.Go(func() {
		defer close(work)
		defer close(ordered)
		for _, in := range ins {
			if err := readInput(ctx, in, work, ordered, free); err != nil {
				logger.Error("input unreadable; the rows before the error were processed", "file", in.name, "err", err)
				readErrs = append(readErrs, err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	})
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for c := range work {
				for i := range c.items {
					it := &c.items[i]
					if it.readErr == nil {
						it.ev, it.err = c.in.mapper.Map(it.row)
					}
				}
				close(c.done)
			}
		})
	}

	seen := newIDSet()
	keys := make([]uint64, 0, chunkSize) // of a chunk's events in seen
	var seenErr error
	maxAge := o.maxAge
	pixel := o.cfg.PixelID
	stopped := false
	rows := 0
	for c := range ordered {
		<-c.done
		if stopped {
			continue // drain so the reader and workers can finish
		}
		// One reading of the clock per chunk: ages are judged to the
		// minute, and a chunk takes milliseconds.
		at := now()
		keys = keys[:0]
		for i := range c.items {
			it := &c.items[i]
			var k uint64
			if it.readErr == nil && it.err == nil {
				k = seen.key(pixel, it.ev.EventName, it.ev.EventID)
			}
			keys = append(keys, k)
		}
		seen.prefetch(keys)
		for i := range c.items {
			it := &c.items[i]
			var ok bool
			ok, seenErr = collect(ctx, it, keys[i], at, maxAge, seen, rr, q)
			if stopped = !ok; stopped {
				if seenErr != nil {
					stop()
				}
				break
			}
		}
		rr.progress.SetBuilt(q.n)
		rr.progress.AddRows(len(c.items))
		rows += len(c.items)
		if est := estimateRows(ins, rows); est > 0 {
			rr.progress.SetTotal(est)
		}
		select {
		case free <- c:
		default:
		}
	}
	wg.Wait()
	// The last events, and those queued before a failing duplicate-id set
	// stopped the reading, go on (or get their outcome if ctx is done).
	q.flush(ctx, rr)
	return errors.Join(append(readErrs, seenErr, seen.close())...)
}

// collect accounts for one row: a reject, a skip, or an event handed on.
// It returns false when ctx was cancelled before the event could be handed
// on (the row is counted, upload_failed), or with the error of a failing
// duplicate-id set (the row is not counted, and the run exits 1). key is
// the event's key in seen (idSet.key), unused for a row that made no
// event.
func collect(ctx context.Context, it *item, key uint64, at time.Time, maxAge time.Duration, seen *idSet, rr *recorder, q *eventQueue) (bool, error) {
	reject := func(eventID string, reason mapping.Reason, field, detail string) {
		rr.do(func(r *report.Recorder) error {
			r.RowRead(it.row.File)
			return r.Reject(report.Reject{File: it.row.File, Row: it.row.Line, EventID: eventID, Reason: reason, Field: field, Detail: detail})
		})
	}
	switch {
	case it.readErr != nil:
		reject("", mapping.ReasonInvalidValue, "", it.readErr.Error())
		return true, nil
	case errors.Is(it.err, mapping.ErrSkip):
		rule, id := "skipped", ""
		if se, ok := errors.AsType[*mapping.SkipError](it.err); ok {
			rule, id = se.Rule, se.EventID
		}
		reject(id, mapping.ReasonSkipped, "skip", rule)
		return true, nil
	case it.err != nil:
		if re, ok := errors.AsType[*mapping.RowError](it.err); ok {
			reject(re.EventID, re.Reason, re.Field, re.Detail)
		} else {
			reject("", mapping.ReasonInvalidValue, "", it.err.Error())
		}
		return true, nil
	}
	ev := &it.ev
	if reason := mapping.CheckTime(time.Unix(ev.EventTime, 0), at, maxAge); reason != "" {
		detail := "event_time " + time.Unix(ev.EventTime, 0).UTC().Format(time.RFC3339)
		reject(ev.EventID, reason, "event_time", detail)
		return true, nil
	}
	isNew, err := seen.addMixed(key)
	if err != nil {
		return false, err
	}
	if !isNew {
		reject(ev.EventID, mapping.ReasonDuplicateEventID, "event_id", "an earlier row of this run has the same event_name and event_id")
		return true, nil
	}
	rr.do(func(r *report.Recorder) error {
		r.RowRead(it.row.File)
		r.Built(ev)
		return nil
	})
	return q.put(ctx, ev, rr), nil
}

// notSent is the outcome of an event the run stopped before sending: by
// a signal, or by an error that stopped the uploader (readCtx's cause).
func notSent(readCtx context.Context, ev *mapping.Event) upload.Outcome {
	detail := "interrupted before it was sent"
	if errors.Is(context.Cause(readCtx), errRunStopped) {
		detail = "not sent: the run stopped"
	}
	return upload.Outcome{Event: ev, Status: upload.StatusFailed, Reason: mapping.ReasonUploadFailed, Detail: detail}
}

// errRunStopped cancels the reading when an error stops the uploader.
var errRunStopped = errors.New("the run stopped")

// estimateRows guesses how many rows the inputs hold from the share of
// their bytes read so far, for the progress bar's time left. It returns 0
// when an input cannot tell (stdin, XLSX).
func estimateRows(ins []*input, rowsRead int) int {
	var done, total int64
	for _, in := range ins {
		p, ok := in.reader.(ingest.Progresser)
		if !ok {
			return 0
		}
		d, t := p.Progress()
		done += d
		total += t
	}
	if done == 0 {
		return 0
	}
	return max(rowsRead, int(float64(rowsRead)*float64(total)/float64(done)))
}

// readInput reads one input into chunks. A row the reader cannot decode is
// passed on as a row error; an error after which nothing more can be read
// ends the input.
func readInput(ctx context.Context, in *input, work, ordered chan<- *chunk, free <-chan *chunk) error {
	newChunk := func() *chunk {
		select {
		case c := <-free:
			c.in, c.items, c.done = in, c.items[:0], make(chan struct{})
			return c
		default:
			return &chunk{in: in, items: make([]item, 0, chunkSize), done: make(chan struct{})}
		}
	}
	c := newChunk()
	flush := func() bool {
		if len(c.items) == 0 {
			return true
		}
		for _, ch := range []chan<- *chunk{ordered, work} {
			select {
			case ch <- c:
			case <-ctx.Done():
				if ch == work {
					close(c.done) // the collector waits on it
				}
				return false
			}
		}
		c = newChunk()
		return true
	}
	for {
		if ctx.Err() != nil {
			flush()
			return nil
		}
		row, err := in.reader.Read()
		if err == io.EOF {
			flush()
			return nil
		}
		if err != nil {
			if !ingest.IsRowError(err) {
				flush()
				return err
			}
			pe, _ := errors.AsType[*ingest.ParseError](err)
			row = ingest.Row{File: in.name}
			if pe != nil {
				row.Line = pe.Row
			}
			c.items = append(c.items, item{row: row, readErr: err})
		} else {
			c.items = append(c.items, item{row: row})
		}
		if len(c.items) == chunkSize && !flush() {
			return nil
		}
	}
}

// writeSummary prints the end-of-run summary: the short text a person
// reads, or with --log-format json the summary as one JSON object on one
// line, so that a cron log stays one JSON object per line.
func writeSummary(w io.Writer, s *report.Summary, logFormat string) error {
	if logFormat != "json" {
		return report.WriteText(w, s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

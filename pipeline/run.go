package pipeline

import (
	"context"
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

	"capi-upload/capi"
	"capi-upload/ingest"
	"capi-upload/mapping"
	"capi-upload/report"
)

// input is one opened input with the mapper for its header.
type input struct {
	name   string
	reader ingest.Reader
	mapper *mapping.Mapper
}

// openInputs opens every input and checks its header against the config
// before anything is sent, so that a wrong column name stops the run while
// it is still cheap to fix.
func openInputs(o *Options) ([]*input, error) {
	paths, err := ingest.Expand(o.Inputs)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .csv, .tsv, .txt, .csv.gz or .xlsx file in %v", o.Inputs)
	}
	opt := o.Config.IngestOptions()
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
				return fail(errors.New(`"-" (standard input) given more than once`))
			}
			stdinUsed = true
			name = "stdin"
			r, err = ingest.NewCSVReader(o.Stdin, name, opt)
		} else {
			r, err = ingest.Open(p, opt)
		}
		if err != nil {
			return fail(err)
		}
		ins = append(ins, &input{name: name, reader: r})
		m, err := mapping.NewMapper(o.Config, name, r.Header())
		if err != nil {
			return fail(err)
		}
		m.Now = o.Now // birth years are judged by the run's clock too
		ins[len(ins)-1].mapper = m
	}
	return ins, nil
}

// item is one row on its way through the pipeline.
type item struct {
	row     ingest.Row
	readErr error // a row the reader could not decode
	ev      capi.Event
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
func validateSink(o *Options, led capi.Ledger, q *eventQueue, rr *recorder) error {
	events := q.ch
	built := 0
	record := func(ev *capi.Event, st capi.Status) {
		rr.outcome(capi.Outcome{Event: ev, Status: st})
		built++
		rr.progress.SetSent(built, 0)
	}
	if o.Resend {
		for evs := range events {
			for i := range evs {
				record(&evs[i], capi.StatusSent)
			}
			q.release(evs)
		}
		return nil
	}
	// The ledger is asked once per chunk of events, in one read
	// transaction: a transaction per event cost more than all the rest of
	// validate. The buffers are reused from chunk to chunk.
	const chunk = capi.MaxBatchSize
	buf := make([]capi.Event, 0, chunk)
	keys := make([]string, 0, chunk)
	seen := make([]bool, chunk)
	flush := func() error {
		keys = capi.AppendLedgerKeys(keys[:0], o.Config.PixelID, buf)
		if err := led.SeenAll(keys, seen); err != nil {
			return err
		}
		for i := range buf {
			st := capi.StatusSent
			if seen[i] {
				st = capi.StatusAlreadySent
			}
			record(&buf[i], st)
		}
		buf = buf[:0]
		return nil
	}
	for evs := range events {
		received := evs
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
		q.release(received)
	}
	return flush()
}

// readAll reads every input, maps rows on all cores, applies the run-wide
// checks in file order and hands the events on. It returns the errors that
// made an input unreadable part-way; the other inputs are still read.
func readAll(ctx context.Context, o *Options, ins []*input, rr *recorder, q *eventQueue, logger *slog.Logger) error {
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
	maxAge := o.MaxAge
	pixel := o.Config.PixelID
	stopped := false
	rows := 0
	for c := range ordered {
		<-c.done
		if stopped {
			continue // drain so the reader and workers can finish
		}
		// One reading of the clock per chunk: ages are judged to the
		// minute, and a chunk takes milliseconds.
		at := o.Now()
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
			if stopped = !collect(ctx, it, keys[i], at, maxAge, seen, rr, q); stopped {
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
	// The last events go on (or get their outcome if ctx is done).
	q.flush(ctx, rr)
	return errors.Join(readErrs...)
}

// collect accounts for one row: a reject, a skip, or an event handed on.
// It returns false when ctx was cancelled before the event could be handed
// on (the row is counted, upload_failed). key is
// the event's key in seen (idSet.key), unused for a row that made no
// event.
func collect(ctx context.Context, it *item, key uint64, at time.Time, maxAge time.Duration, seen *idSet, rr *recorder, q *eventQueue) bool {
	reject := func(eventID string, reason capi.Reason, field, detail string) {
		rr.reject(report.Reject{File: it.row.File, Row: it.row.Line, EventID: eventID, Reason: reason, Field: field, Detail: detail})
	}
	switch {
	case it.readErr != nil:
		reject("", capi.ReasonInvalidValue, "", it.readErr.Error())
		return true
	case errors.Is(it.err, mapping.ErrSkip):
		rule, id := "skipped", ""
		if se, ok := errors.AsType[*mapping.SkipError](it.err); ok {
			rule, id = se.Rule, se.EventID
		}
		reject(id, capi.ReasonSkipped, "skip", rule)
		return true
	case it.err != nil:
		if re, ok := errors.AsType[*mapping.RowError](it.err); ok {
			reject(re.EventID, re.Reason, re.Field, re.Detail)
		} else {
			reject("", capi.ReasonInvalidValue, "", it.err.Error())
		}
		return true
	}
	ev := &it.ev
	if reason := capi.CheckTime(ev.EventTime, at, maxAge); reason != "" {
		detail := "event_time " + time.Unix(ev.EventTime, 0).UTC().Format(time.RFC3339)
		reject(ev.EventID, reason, "event_time", detail)
		return true
	}
	if !seen.addMixed(key) {
		reject(ev.EventID, capi.ReasonDuplicateEventID, "event_id", "an earlier row of this run has the same event_name and event_id")
		return true
	}
	rr.built(ev)
	return q.put(ctx, ev, rr)
}

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

package upload

import (
	"capi-upload/capi"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

const (
	detailInterrupted = capi.DetailInterrupted
	detailStopped     = capi.DetailStopped
)

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 || o.BatchSize > capi.MaxBatchSize {
		o.BatchSize = capi.MaxBatchSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = capi.DefaultConcurrency
	}
	if o.MaxAge <= 0 {
		o.MaxAge = capi.MetaMaxAge
	}
	if o.PartnerAgent == "" {
		o.PartnerAgent = "capi-upload"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = capi.DefaultMaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = max(2, 2*o.Concurrency)
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Run sends the events received on in until in is closed, giving each
// exactly one Outcome. It returns nil when every event has an outcome
// (some may have failed), an *AuthError, a *WriteError (dry run), a
// *GaveUpError or a ledger error that stopped the run, or ErrInterrupted.
//
// Events come in slices, in order, any number to a slice: a channel
// operation per event cost more than Run's own work on it. Run copies a
// slice's events out and then passes the slice to Options.Release, if
// set; it keeps no pointer into a slice after that, nor into one it never
// released.
//
// Run reads in one batch ahead of the requests in flight, so at most
// Concurrency+1 batches are in memory. When ctx is cancelled Run stops
// reading in at once, lets the requests in flight finish for Options.Grace,
// then abandons them. The caller stops feeding in when ctx is done; slices
// left in the channel were never handed to Run and their events get no
// Outcome. After an error that stops the run, Run keeps reading in until
// it is closed (or ctx is done), giving each event upload_failed, so the
// caller's sends never block and every row is accounted for. A ledger with
// a Retain(time.Duration) method (*ledger.Bolt) is told MaxAge, so that it
// keeps records as long as they can matter.
func Run(ctx context.Context, s capi.Sender, l capi.Ledger, in <-chan []capi.Event, opt Options) error {
	opt = opt.withDefaults()

	// Requests run under base, which outlives ctx by the grace period; an
	// error that stops the run cancels it at once through the group.
	base, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	// A ledger write that fails stops the run as a request's error does.
	runCtx, stopRun := context.WithCancelCause(base)
	defer stopRun(nil)
	g, reqCtx := errgroup.WithContext(runCtx)
	g.SetLimit(opt.Concurrency)
	var graceTimer atomic.Pointer[time.Timer]
	stopGrace := context.AfterFunc(ctx, func() {
		graceTimer.Store(time.AfterFunc(opt.Grace, abandon))
	})
	defer func() {
		stopGrace()
		if t := graceTimer.Load(); t != nil {
			t.Stop()
		}
	}()
	// stop is done when no new attempt may start: ctx was cancelled or the
	// run was stopped.
	stop, stopNow := context.WithCancel(reqCtx)
	defer stopNow()
	defer context.AfterFunc(ctx, stopNow)()

	if k, ok := l.(interface{ Retain(time.Duration) }); ok {
		k.Retain(opt.MaxAge)
	}
	r := &runner{s: s, l: l, opt: opt, log: opt.Logger, ctx: ctx, stop: stop, reqCtx: reqCtx}
	r.lw = newLedgerWriter(l, opt.Now, stopRun)
	r.batches = make(chan *batch, opt.Concurrency+2)
	// Events are read into pending and looked up in the ledger a batch at
	// a time (one read transaction); the new ones fill cur, which leaves
	// when full. Both hold at most BatchSize events.
	pending := make([]capi.Event, 0, opt.BatchSize)
	cur := r.newBatch()
	lk := lookup{keys: make([]string, 0, opt.BatchSize), seen: make([]bool, opt.BatchSize)}
	var ledgerErr error
	stoppedEarly := false
	// sift moves the events of pending not yet sent into cur, with their
	// ledger keys, launching each batch that fills up.
	sift := func() error {
		seen, err := lk.check(l, opt, pending)
		if err != nil {
			return err
		}
		if len(cur.evs) == 0 && len(pending) == opt.BatchSize && !slices.Contains(seen, true) {
			// The usual case, a full set of new events, goes out as it
			// is, without a copy of each event.
			cur.evs, pending = pending, cur.evs
			if seen != nil {
				cur.keys = append(cur.keys, lk.keys...)
			}
			r.launch(g, cur)
			cur = r.newBatch()
			return nil
		}
		for i := range pending {
			if seen != nil && seen[i] {
				r.emit(capi.Outcome{Event: &pending[i], Status: capi.StatusAlreadySent})
				continue
			}
			cur.evs = append(cur.evs, pending[i])
			if seen != nil {
				cur.keys = append(cur.keys, lk.keys[i])
			}
			if len(cur.evs) == opt.BatchSize {
				r.launch(g, cur)
				cur = r.newBatch()
			}
		}
		pending = pending[:0]
		return nil
	}
	// rest is what a failed sift left of the slice last received: Run
	// took those events, so they get their outcomes too.
	var rest []capi.Event
read:
	for stop.Err() == nil {
		var evs []capi.Event
		var ok bool
		select {
		case evs, ok = <-in:
		case <-stop.Done():
		}
		if !ok {
			break
		}
		r.read.Add(int64(len(evs)))
		// The events are copied out, then the slice goes back to the
		// sender (Options.Release).
		received := evs
		for len(evs) > 0 {
			n := min(len(evs), opt.BatchSize-len(pending))
			pending = append(pending, evs[:n]...)
			evs = evs[n:]
			if len(pending) == opt.BatchSize {
				if err := sift(); err != nil {
					ledgerErr = err
					rest = evs
					break read
				}
			}
		}
		if opt.Release != nil {
			opt.Release(received)
		}
	}
	stoppedEarly = stop.Err() != nil || ledgerErr != nil
	if !stoppedEarly && len(pending) > 0 {
		if err := sift(); err != nil {
			ledgerErr = err
			stoppedEarly = true
		}
	}
	if stoppedEarly {
		r.failAll(slices.Concat(cur.evs, pending, rest))
	} else if len(cur.evs) > 0 {
		r.launch(g, cur)
	}
	err := g.Wait()
	// Every acknowledgement is in: the ledger writer commits the last of
	// them before Run returns, so the ledger holds exactly what Meta has.
	if werr := r.lw.close(); werr != nil {
		ledgerErr = cmp.Or(ledgerErr, werr)
	}
	if stopErr := cmp.Or(err, ledgerErr); stopErr != nil && opt.OnStop != nil {
		opt.OnStop(stopErr)
	}
	if err != nil || ledgerErr != nil {
		// The caller keeps feeding until in is closed or ctx is done; each
		// event it hands in still gets its outcome, and it never blocks.
		r.drain(ctx, in)
	}
	switch {
	case err != nil:
		return err
	case ledgerErr != nil:
		return ledgerErr
	case ctx.Err() != nil:
		// Even if every event read got through, the caller may have
		// closed in because of ctx, leaving events unread.
		return ErrInterrupted
	}
	return nil
}

// lookup asks the ledger about a batch of events at once, reusing its
// buffers from batch to batch.
type lookup struct {
	keys []string
	seen []bool
}

// check returns which of evs the ledger holds, or nil when the ledger is
// ignored (--resend).
func (lk *lookup) check(l capi.Ledger, opt Options, evs []capi.Event) ([]bool, error) {
	if opt.Resend || len(evs) == 0 {
		return nil, nil
	}
	lk.keys = capi.AppendLedgerKeys(lk.keys[:0], opt.PixelID, evs)
	if len(lk.seen) < len(evs) {
		lk.seen = make([]bool, len(evs))
	}
	if err := l.SeenAll(lk.keys, lk.seen); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return lk.seen[:len(evs)], nil
}

// drain gives every event still coming on in upload_failed, until in is
// closed or ctx is done.
func (r *runner) drain(ctx context.Context, in <-chan []capi.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case evs, ok := <-in:
			if !ok {
				return
			}
			r.read.Add(int64(len(evs)))
			r.failAll(evs)
		}
	}
}

// runner is the state of one Run shared by its batch goroutines.
type runner struct {
	s      capi.Sender
	l      capi.Ledger
	opt    Options
	log    *slog.Logger
	ctx    context.Context // the caller's: done on interrupt
	stop   context.Context // done when no new attempt may start
	reqCtx context.Context // done when requests in flight are abandoned
	pace   pacer
	seq    atomic.Int64
	lw     *ledgerWriter
	// batches holds delivered batches for reuse: a new thousand-event
	// slice per batch was 400 MB of garbage per million events.
	batches chan *batch

	eventBytes, eventCount atomic.Int64 // for avgEventSize
	// failedInRow counts requests that failed for good since the last
	// acknowledged one (GiveUpAfter).
	failedInRow atomic.Int64

	mu   sync.Mutex // serializes callbacks and guards sent
	sent int
	read atomic.Int64 // events taken from in; counted without mu, once per event
}

func (r *runner) launch(g *errgroup.Group, b *batch) {
	seq := int(r.seq.Add(1))
	g.Go(func() error {
		err := r.deliver(seq, b.evs, b.keys)
		// Every event of the batch has its outcome, outcomes hold no
		// pointer into it past their call, and the ledger writer copied
		// the keys it was given: the batch is free.
		b.evs, b.keys = b.evs[:0], b.keys[:0]
		select {
		case r.batches <- b:
		default:
		}
		return err
	})
}

// batch is the events of one request as formed, and their ledger keys
// when the ledger was asked (keys is empty under --resend).
type batch struct {
	evs  []capi.Event
	keys []string
}

// newBatch returns an empty batch, reusing a delivered one.
func (r *runner) newBatch() *batch {
	select {
	case b := <-r.batches:
		return b
	default:
		return &batch{evs: make([]capi.Event, 0, r.opt.BatchSize)}
	}
}

// deliver sends one batch, splitting it when Meta finds it invalid. It
// returns only errors that stop the run.
func (r *runner) deliver(seq int, batch []capi.Event, keys []string) error {
	first := true
	// isolate tries the events in order (after its triage has moved some
	// to the front), so those with an outcome are always batch[:done].
	done := 0
	send := func(evs []capi.Event) (*APIError, error) {
		s := seq
		if !first {
			s = int(r.seq.Add(1))
		}
		first = false
		// The keys looked up before are those of the batch as formed;
		// a part of a split batch computes its own.
		k := keys
		if len(evs) != len(batch) || len(keys) != len(evs) {
			k = nil
		}
		invalid, err := r.attempts(s, evs, k)
		if invalid == nil {
			done += len(evs)
		}
		return invalid, err
	}
	reject := func(evs []capi.Event, e *APIError) {
		r.finish(evs, capi.Outcome{Status: capi.StatusRejected, Reason: capi.ReasonAPIRejected, Field: e.field(), Detail: e.detail()})
		done += len(evs)
	}
	triage := func(evs []capi.Event, e *APIError) int {
		n := tooOldFirst(evs, e, r.opt.Now())
		if n > 0 {
			r.log.Warn("Meta refuses events older than 7 days; this batch's are api_rejected", "seq", seq,
				"events", n, "of", len(evs), "code", e.Code, "subcode", e.Subcode, "fbtrace_id", e.FBTraceID)
		}
		return n
	}
	if err := isolate(batch, send, reject, triage); err != nil {
		r.failAll(batch[done:]) // the parts of a split batch never tried
		return err
	}
	return nil
}

// subcodeTimestampTooOld comes with code 100 when an event_time is older
// than Meta takes: 7 days, for every action_source as far as anyone has
// seen (a --max-age above 7 days asks whether physical_store events may be
// older, which Meta's docs leave open).
const (
	subcodeTimestampTooOld = 2804003
	// clockSkew is how far our clock may run ahead of Meta's without an
	// event Meta would still take being held too old.
	clockSkew = time.Minute
)

// tooOldFirst is isolate's triage for a batch Meta found invalid because an
// event_time is too old: it moves the events older than 7 days (and
// clockSkew) by now to the front of evs and returns how many there are;
// 0, leaving evs as it was, for any other error. Events near the edge that
// Meta's clock finds too old are left to the halving.
func tooOldFirst(evs []capi.Event, e *APIError, now time.Time) int {
	if e.Code != 100 || e.Subcode != subcodeTimestampTooOld {
		return 0
	}
	cut := now.Add(-capi.MetaMaxAge - clockSkew).Unix()
	n := 0
	for i := range evs {
		if evs[i].EventTime < cut {
			evs[n], evs[i] = evs[i], evs[n]
			n++
		}
	}
	return n
}

// attempts sends evs until Meta acknowledges them, attempts run out, the
// run stops, or Meta finds the batch invalid, which it returns for the
// caller to split. Every event of evs has an outcome on return, except
// when the *APIError is returned. The error is one that stops the run.
func (r *runner) attempts(seq int, evs []capi.Event, keys []string) (invalid *APIError, err error) {
	var body []byte
	bodyFor := -1
	var stale []capi.Event
	defer func() {
		// On a split the halves are cut from the events as given, stale
		// ones included, and judge them again: no outcome here then.
		if invalid == nil && len(stale) > 0 {
			r.finish(stale, capi.Outcome{Status: capi.StatusStale, Reason: capi.ReasonStale, Field: "event_time",
				Detail: "older than " + formatAge(r.opt.MaxAge) + " when its request was about to leave"})
		}
	}()
	for attempt := 1; ; attempt++ {
		if r.stop.Err() != nil {
			r.failAll(evs)
			return nil, nil
		}
		var dropped []capi.Event
		evs, dropped = r.dropStale(evs)
		stale = append(stale, dropped...)
		if len(dropped) > 0 {
			keys = nil // no longer evs's
		}
		if len(evs) == 0 {
			return nil, nil
		}
		if len(evs) != bodyFor {
			body, bodyFor = r.encode(evs), len(evs)
		}
		if err := r.pace.wait(r.stop, time.Now); err != nil {
			continue // the loop head fails the events
		}
		req := &capi.Request{Seq: seq, Attempt: attempt, Events: len(evs), Body: body}
		start := time.Now()
		resp, err := r.s.Send(r.reqCtx, req)
		if err == nil {
			// The Client already refuses a partial acknowledgement; any
			// Sender's must not put a row in the ledger that Meta did not
			// take.
			err = checkAck(resp, len(evs))
		}
		r.logRequest(req, start, resp, err)
		r.pace.report(resp.Usage, 0, r.slowest(resp.Usage), time.Now())
		if err == nil {
			r.failedInRow.Store(0)
			r.acknowledge(seq, evs, keys)
			return nil, nil
		}
		if r.reqCtx.Err() != nil {
			// Abandoned after the grace period, or stopped by a sibling.
			r.failAll(evs)
			return nil, nil
		}
		act := classify(err)
		apiErr, _ := errors.AsType[*APIError](err)
		switch act {
		case actStop:
			r.finish(evs, capi.Outcome{Status: capi.StatusFailed, Reason: capi.ReasonUploadFailed, Detail: detailStopped})
			return nil, err
		case actSplit:
			return apiErr, nil
		case actFail:
			r.finish(evs, capi.Outcome{Status: capi.StatusFailed, Reason: capi.ReasonUploadFailed, Detail: err.Error()})
			r.log.Warn("request failed; its rows are upload_failed", "seq", seq, "attempt", attempt, "events", len(evs), "error", err.Error())
			return nil, r.failedForGood(seq, err)
		}
		if attempt >= r.opt.MaxAttempts {
			r.finish(evs, capi.Outcome{Status: capi.StatusFailed, Reason: capi.ReasonUploadFailed,
				Detail: fmt.Sprintf("giving up after %d attempt(s): %v", attempt, err)})
			r.log.Warn("request failed after its last attempt; its rows are upload_failed", "seq", seq, "attempt", attempt, "events", len(evs), "error", err.Error())
			return nil, r.failedForGood(seq, err)
		}
		throttled := act == actThrottle
		wait := r.opt.Backoff(attempt, throttled, resp.RetryAfter)
		attrs := []any{"seq", seq, "attempt", attempt, "wait", wait, "error", err.Error()}
		if apiErr != nil {
			attrs = append(attrs, "code", apiErr.Code, "subcode", apiErr.Subcode, "fbtrace_id", apiErr.FBTraceID)
		}
		if throttled {
			// Everyone waits: a throttle is about the app, not this batch.
			r.pace.report(resp.Usage, wait, r.slowest(resp.Usage), time.Now())
			r.log.Warn("throttled by Meta; slowing down", attrs...)
		} else {
			r.log.Info("retrying request", attrs...)
		}
		if err := sleep(r.stop, wait); err != nil {
			continue // the loop head fails the events
		}
	}
}

// failedForGood counts a request whose events failed for good, and
// returns a *GaveUpError, which stops the run, when GiveUpAfter requests
// in a row have.
func (r *runner) failedForGood(seq int, err error) error {
	n := r.failedInRow.Add(1)
	if n < int64(r.opt.GiveUpAfter) {
		return nil
	}
	r.log.Error("giving up: requests keep failing", "seq", seq, "failed_in_a_row", n, "error", err.Error())
	return &GaveUpError{Requests: int(n), Last: err}
}

// slowest is the spacing between requests at 100% usage: a first
// throttled backoff, as if Meta had already throttled. It is asked only
// when usage is high, so an injected Backoff sees only real waits.
func (r *runner) slowest(usage int) time.Duration {
	if usage <= usageThreshold {
		return 0
	}
	return r.opt.Backoff(1, true, 0)
}

// dropStale takes out the events that aged past MaxAge; it copies only
// when something is dropped. The dropped events get their outcome from the
// caller, once the events they were sent with have theirs: if Meta then
// finds the batch invalid, the halves are cut from the events as they were,
// and each half drops its stale events again.
func (r *runner) dropStale(evs []capi.Event) (keep, stale []capi.Event) {
	// capi.CheckTime's test for stale, with the cut computed once.
	cut := capi.FreshFrom(r.opt.Now(), r.opt.MaxAge)
	for i := range evs {
		if evs[i].EventTime >= cut {
			if keep != nil {
				keep = append(keep, evs[i])
			}
			continue
		}
		if keep == nil {
			keep = make([]capi.Event, i, len(evs)-1)
			copy(keep, evs[:i])
		}
		stale = append(stale, evs[i])
	}
	if keep == nil {
		return evs, stale
	}
	return keep, stale
}

func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// encode builds the request body for evs, once per set of events, with
// capi's reflection-free encoder, in a new buffer: a Sender may keep it.
func (r *runner) encode(evs []capi.Event) []byte {
	b := make([]byte, 0, 128+len(evs)*r.avgEventSize())
	b = append(b, `{"data":[`...)
	for i := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		b = evs[i].AppendJSON(b)
	}
	r.eventBytes.Add(int64(len(b)))
	r.eventCount.Add(int64(len(evs)))
	b = append(b, `],"partner_agent":`...)
	b = strconv.AppendQuote(b, r.opt.PartnerAgent)
	for _, f := range [...]struct{ k, v string }{
		{"test_event_code", r.opt.TestEventCode},
		{"upload_tag", r.opt.UploadTag},
		{"namespace_id", r.opt.NamespaceID},
	} {
		if f.v != "" {
			b = append(b, `,"`...)
			b = append(b, f.k...)
			b = append(b, `":`...)
			b = strconv.AppendQuote(b, f.v)
		}
	}
	return append(b, '}')
}

// avgEventSize estimates an encoded event's size from the bodies built so
// far, so that a body is allocated once at about the right size.
func (r *runner) avgEventSize() int {
	n := r.eventCount.Load()
	if n == 0 {
		return 512
	}
	return int(r.eventBytes.Load()/n) + 16
}

// acknowledge queues evs, sent by request seq, for the ledger and gives
// them StatusSent. keys are evs's ledger keys when the batch still has
// those it was formed with, else nil. The ledger writer commits them off
// this request's slot; a failed write stops the run from there.
func (r *runner) acknowledge(seq int, evs []capi.Event, keys []string) {
	if keys == nil {
		keys = capi.AppendLedgerKeys(nil, r.opt.PixelID, evs)
	}
	r.lw.add(seq, keys)
	r.finish(evs, capi.Outcome{Status: capi.StatusSent})
}

// failAll gives evs upload_failed because the run stopped before Meta
// acknowledged them.
func (r *runner) failAll(evs []capi.Event) {
	detail := detailStopped
	if r.ctx.Err() != nil {
		detail = detailInterrupted
	}
	r.finish(evs, capi.Outcome{Status: capi.StatusFailed, Reason: capi.ReasonUploadFailed, Detail: detail})
}

// finish gives each of evs the outcome o (its Event set to each in turn).
func (r *runner) finish(evs []capi.Event, o capi.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range evs {
		if r.opt.OnOutcome != nil {
			o.Event = &evs[i]
			r.opt.OnOutcome(o)
		}
	}
	if o.Status == capi.StatusSent {
		r.sent += len(evs)
		if r.opt.OnProgress != nil {
			r.opt.OnProgress(r.sent, int(r.read.Load()))
		}
	}
}

func (r *runner) emit(o capi.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opt.OnOutcome != nil {
		r.opt.OnOutcome(o)
	}
}

func (r *runner) logRequest(req *capi.Request, start time.Time, resp capi.Response, err error) {
	l := capi.RequestLog{
		Seq:            req.Seq,
		Start:          start,
		DurationMS:     time.Since(start).Milliseconds(),
		Events:         req.Events,
		Attempt:        req.Attempt,
		HTTPStatus:     resp.HTTPStatus,
		EventsReceived: resp.EventsReceived,
		FBTraceID:      resp.FBTraceID,
	}
	if err != nil {
		l.Error = err.Error()
		if e, ok := errors.AsType[*APIError](err); ok {
			l.ErrorCode, l.ErrorSubcode = e.Code, e.Subcode
		}
		if e, ok := errors.AsType[*AuthError](err); ok {
			l.ErrorCode, l.ErrorSubcode = e.Code, e.Subcode
		}
	}
	if r.opt.OnRequest == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opt.OnRequest(l)
}

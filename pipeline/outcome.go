package pipeline

import (
	"context"
	"errors"
	"sync"

	"capi-upload/capi"
	"capi-upload/report"
)

// recorder is the one place a row's outcome is recorded. Every row read
// ends in exactly one of:
//
//   - reject: the row could not become an event, was skipped, was stale
//     when read or repeats an earlier row's id;
//   - built, and then exactly one outcome: what the sender (or, when
//     nothing is sent, validateSink) decided, or notSent for an event the
//     run stopped before it reached the sender.
//
// The report's Summary.Check verifies the sum at the end of the run. The
// read loop and the uploader's callbacks call in from different
// goroutines; recorder serializes them.
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

// reject records a row read that made no event to send.
func (r *recorder) reject(rj report.Reject) {
	r.do(func(rec *report.Recorder) error {
		rec.RowRead(rj.File)
		return rec.Reject(rj)
	})
}

// built records a row read whose event is handed on; its outcome follows.
func (r *recorder) built(ev *capi.Event) {
	r.do(func(rec *report.Recorder) error {
		rec.RowRead(ev.File)
		rec.Built(ev)
		return nil
	})
}

// outcome records the final outcome of a built event.
func (r *recorder) outcome(oc capi.Outcome) {
	r.do(func(rec *report.Recorder) error { return rec.Outcome(oc) })
	r.progress.AddSettled(1)
}

// request records one request that left.
func (r *recorder) request(l capi.RequestLog) {
	r.do(func(rec *report.Recorder) error { rec.Request(l); return nil })
}

// notSent is the outcome of an event the run stopped before sending: by
// a signal, or by an error that stopped the uploader (readCtx's cause).
func notSent(readCtx context.Context, ev *capi.Event) capi.Outcome {
	detail := capi.DetailInterrupted
	if errors.Is(context.Cause(readCtx), errRunStopped) {
		detail = capi.DetailStopped
	}
	return capi.Outcome{Event: ev, Status: capi.StatusFailed, Reason: capi.ReasonUploadFailed, Detail: detail}
}

// errRunStopped cancels the reading when an error stops the uploader.
var errRunStopped = errors.New("the run stopped")

package pipeline

import (
	"context"

	"capi-upload/mapping"
	"capi-upload/report"
)

// eventQueue hands the events that passed the run-wide checks to the
// uploader (or validateSink) in slices, in order. Sent one at a time, each
// event took a channel lock on both sides and was copied in and out of the
// channel, 440 bytes each way: perf put about 3% of a run on that alone.
//
// The consumer is done with a slice once it receives the next one
// (upload.Run's contract), so a ring of cap(ch)+2 slices is enough: the
// slice filled next was sent cap(ch)+1 sends before the latest, and the
// latest send went through only once the channel had room, that is once
// the consumer had taken the slice sent after the one to be refilled.
type eventQueue struct {
	ch   chan []mapping.Event
	ring [][]mapping.Event
	next int             // ring index of cur
	cur  []mapping.Event // being filled
	n    int             // events put, for the progress bar
}

// queueSlice is the most events in a slice, and queueSlices the slices the
// channel buffers: 1,024 events, as the channel of single events held.
const (
	queueSlice  = 256
	queueSlices = 4
)

func newEventQueue() *eventQueue {
	q := &eventQueue{ch: make(chan []mapping.Event, queueSlices), ring: make([][]mapping.Event, queueSlices+2)}
	for i := range q.ring {
		q.ring[i] = make([]mapping.Event, 0, queueSlice)
	}
	q.cur = q.ring[0]
	return q
}

// put queues a copy of ev, sending the slice when it is full. It returns
// false, and gives every event not handed on its outcome, when ctx is
// done: a stopped run takes no more events.
func (q *eventQueue) put(ctx context.Context, ev *mapping.Event, rr *recorder) bool {
	q.cur = append(q.cur, *ev)
	q.n++
	if ctx.Err() != nil {
		q.fail(ctx, rr)
		return false
	}
	if len(q.cur) < queueSlice {
		return true
	}
	return q.flush(ctx, rr)
}

// flush sends the events queued so far, if any; false as for put.
func (q *eventQueue) flush(ctx context.Context, rr *recorder) bool {
	if len(q.cur) == 0 {
		return true
	}
	// A send that need not wait skips the select on both channels.
	select {
	case q.ch <- q.cur:
	default:
		select {
		case q.ch <- q.cur:
		case <-ctx.Done():
			q.fail(ctx, rr)
			return false
		}
	}
	q.next = (q.next + 1) % len(q.ring)
	q.cur = q.ring[q.next][:0]
	return true
}

// fail gives the queued events the outcome of events the run stopped
// before sending.
func (q *eventQueue) fail(ctx context.Context, rr *recorder) {
	for i := range q.cur {
		rr.do(func(r *report.Recorder) error { return r.Outcome(notSent(ctx, &q.cur[i])) })
	}
	q.cur = q.cur[:0]
}

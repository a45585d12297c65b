package pipeline

import (
	"capi-upload/capi"
	"context"
)

// eventQueue hands the events that passed the run-wide checks to the
// uploader (or validateSink) in slices, in order: sent one at a time,
// each event took a channel lock on both sides and was copied in and out
// of the channel.
//
// Its correctness rests on one rule, kept here: a slice is refilled only
// after the consumer gave it back through release (upload.Options.Release
// does so once it has copied the events out). A slice not given back is
// never touched again; the queue makes a new one instead. So the queue
// needs no promise about when the consumer is done with a slice.
type eventQueue struct {
	ch   chan []capi.Event
	free chan []capi.Event // slices the consumer gave back
	cur  []capi.Event      // being filled
	n    int               // events put, for the progress bar
}

// queueSlice is the most events in a slice, and queueSlices the slices the
// channel buffers: 1,024 events, as the channel of single events held.
const (
	queueSlice  = 256
	queueSlices = 4
)

func newEventQueue() *eventQueue {
	q := &eventQueue{ch: make(chan []capi.Event, queueSlices), free: make(chan []capi.Event, queueSlices+2)}
	q.cur = q.newSlice()
	return q
}

// newSlice is a slice given back, or a new one.
func (q *eventQueue) newSlice() []capi.Event {
	select {
	case s := <-q.free:
		return s[:0]
	default:
		return make([]capi.Event, 0, queueSlice)
	}
}

// release gives back a slice received from ch: the consumer holds no
// pointer into it any more. It never blocks.
func (q *eventQueue) release(s []capi.Event) {
	select {
	case q.free <- s:
	default:
	}
}

// put queues a copy of ev, sending the slice when it is full. It returns
// false, and gives every event not handed on its outcome, when ctx is
// done: a stopped run takes no more events.
func (q *eventQueue) put(ctx context.Context, ev *capi.Event, rr *recorder) bool {
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
	q.cur = q.newSlice()
	return true
}

// fail gives the queued events the outcome of events the run stopped
// before sending.
func (q *eventQueue) fail(ctx context.Context, rr *recorder) {
	for i := range q.cur {
		rr.outcome(notSent(ctx, &q.cur[i]))
	}
	q.cur = q.cur[:0]
}

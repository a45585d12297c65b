package pipeline

import (
	"capi-upload/capi"
	"testing"
)

// TestQueueReusesOnlyReleased: the queue refills a slice only after the
// consumer released it; a slice held (not released) keeps its events
// however many more the queue sends.
func TestQueueReusesOnlyReleased(t *testing.T) {
	q := newEventQueue()
	rr := &recorder{}
	put := func(id string) {
		if !q.put(t.Context(), &capi.Event{EventID: id}, rr) {
			t.Fatal("put failed")
		}
	}
	for range queueSlice {
		put("held")
	}
	held := <-q.ch // never released
	for round := range 20 {
		for range queueSlice {
			put("other")
		}
		evs := <-q.ch
		if &evs[0] == &held[0] {
			t.Fatalf("round %d: the queue refilled a slice the consumer holds", round)
		}
		q.release(evs)
	}
	for i, ev := range held {
		if ev.EventID != "held" {
			t.Fatalf("held[%d] = %q, want held: overwritten", i, ev.EventID)
		}
	}
}

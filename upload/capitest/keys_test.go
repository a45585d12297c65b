package capitest

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeyIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []EventKey
	}{
		{name: "empty"},
		{name: "one", keys: []EventKey{{"Purchase", "a"}}},
		{name: "duplicate", keys: []EventKey{{"Purchase", "a"}, {"Purchase", "a"}, {"Purchase", "a"}}},
		{name: "same id, other name", keys: []EventKey{{"Purchase", "a"}, {"Lead", "a"}, {"Lead", "a"}}},
		{name: "empty id and name", keys: []EventKey{{"", ""}, {"x", ""}, {"", "x"}, {"", ""}}},
		{name: "id longer than a chunk", keys: []EventKey{{"Lead", "a"}, {"Lead", strings.Repeat("x", idChunkSize+1)}, {"Lead", "b"}, {"Lead", strings.Repeat("x", idChunkSize+1)}}},
		{name: "growth and chunks", keys: manyKeys(3*keyChunk+7, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var x, all keyIndex
			want := map[EventKey]int{}
			var events []event
			for _, k := range tt.keys {
				ev := event{name: []byte(k.Name), id: []byte(k.ID)}
				x.addAll([]event{ev}) // one at a time
				events = append(events, ev)
				want[k]++
			}
			for len(events) > 0 { // in batches, as accept adds them
				n := min(len(events), 1000)
				all.addAll(events[:n])
				events = events[n:]
			}
			gotAll := map[EventKey]int{}
			all.each(1, func(k EventKey, n int) { gotAll[k] = n })
			if diff := mapDiff(want, gotAll); diff != "" {
				t.Errorf("each after addAll (-want +got):\n%s", diff)
			}
			got := map[EventKey]int{}
			x.each(1, func(k EventKey, n int) { got[k] = n })
			if diff := mapDiff(want, got); diff != "" {
				t.Errorf("each after adding %d keys (-want +got):\n%s", len(tt.keys), diff)
			}
			for k, n := range want {
				if c := x.count(k.Name, k.ID); c != n {
					t.Errorf("count(%q, %.20q) = %d, want %d", k.Name, k.ID, c, n)
				}
			}
			if c := x.count("Purchase", "never added"); c != 0 {
				t.Errorf("count of a key never added = %d, want 0", c)
			}
			dups := map[EventKey]int{}
			x.each(2, func(k EventKey, n int) { dups[k] = n })
			for k, n := range want {
				if _, listed := dups[k]; listed != (n > 1) {
					t.Errorf("each(2) lists %v: %v, but it was added %d times", k, listed, n)
				}
			}
		})
	}
}

// mapDiff is cmp.Diff, after a cheap check that spares the reflection on
// tens of thousands of keys (slow under -race) when they agree.
func mapDiff(want, got map[EventKey]int) string {
	if maps.Equal(want, got) {
		return ""
	}
	return cmp.Diff(want, got)
}

// manyKeys is n keys over a few event names, every 10th one twice.
func manyKeys(n, names int) []EventKey {
	var keys []EventKey
	for i := range n {
		k := EventKey{fmt.Sprint("Event", i%names), fmt.Sprintf("R%08d", i)}
		keys = append(keys, k)
		if i%10 == 0 {
			keys = append(keys, k)
		}
	}
	return keys
}

// BenchmarkKeyIndexAddAll is the cost of recording a batch of 1,000
// accepted events with new ids in a table that grows to a million keys
// and more.
func BenchmarkKeyIndexAddAll(b *testing.B) {
	var x keyIndex
	events := make([]event, 1000)
	for i := range events {
		events[i] = event{name: []byte("Purchase"), id: make([]byte, 0, 16)}
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range events {
			events[i].id = strconv.AppendInt(append(events[i].id[:0], 'R'), int64(n), 10)
			n++
		}
		x.addAll(events)
	}
}

package capitest

import (
	"fmt"
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
			var x keyIndex
			want := map[EventKey]int{}
			for _, k := range tt.keys {
				x.add([]byte(k.Name), []byte(k.ID))
				want[k]++
			}
			got := map[EventKey]int{}
			x.each(1, func(k EventKey, n int) { got[k] = n })
			if diff := cmp.Diff(want, got); diff != "" {
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

// BenchmarkKeyIndexAdd is the cost of recording one accepted event with a
// new id (growth of the table included).
func BenchmarkKeyIndexAdd(b *testing.B) {
	var x keyIndex
	id := make([]byte, 0, 16)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id = strconv.AppendInt(append(id[:0], "R"...), int64(i), 10)
		x.add([]byte("Purchase"), id)
		i++
	}
}

package upload

import (
	"capi-upload/capi"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIsolate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		bad  []int
	}{
		{name: "none bad", n: 1000},
		{name: "one bad first", n: 1000, bad: []int{0}},
		{name: "one bad last", n: 1000, bad: []int{999}},
		{name: "one bad middle", n: 1000, bad: []int{613}},
		{name: "two bad apart", n: 1000, bad: []int{3, 870}},
		{name: "two bad adjacent", n: 1000, bad: []int{500, 501}},
		{name: "single bad", n: 1, bad: []int{0}},
		{name: "all bad", n: 8, bad: []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{name: "odd size", n: 7, bad: []int{6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs := seq(0, tt.n)
			edge := &refuser{bad: tt.bad}
			var rejected []int
			reject := func(part []int, e *APIError) {
				if len(part) != 1 || e.Code != 100 {
					t.Errorf("reject(%v, %v)", part, e)
				}
				rejected = append(rejected, part...)
			}
			if err := isolate(evs, edge.send, reject, nil); err != nil {
				t.Fatal(err)
			}
			calls, delivered := edge.calls, edge.delivered
			if diff := cmp.Diff(tt.bad, rejected); diff != "" && len(tt.bad)+len(rejected) > 0 {
				t.Errorf("rejected (-want +got):\n%s", diff)
			}
			slices.Sort(delivered)
			var want []int
			for _, x := range evs {
				if !slices.Contains(tt.bad, x) {
					want = append(want, x)
				}
			}
			if diff := cmp.Diff(want, delivered); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			// Each bad event costs at most two calls per level of the
			// bisection, plus the first call.
			limit := 1 + 2*len(tt.bad)*int(math.Ceil(math.Log2(float64(tt.n))))
			if len(tt.bad) == 0 {
				limit = 1
			}
			if calls > limit {
				t.Errorf("calls = %d, want <= %d", calls, limit)
			}
		})
	}
}

func TestIsolateStopsOnError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	calls := 0
	err := isolate([]int{1, 2, 3, 4}, func(part []int) (*APIError, error) {
		calls++
		if calls == 1 {
			return &APIError{Code: 100}, nil
		}
		return nil, stop
	}, func([]int, *APIError) { t.Error("reject called") }, nil)
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("isolate = %v after %d calls, want stop after 2", err, calls)
	}
}

func ExampleAPIError() {
	e := &APIError{HTTPStatus: 400, Code: 100, Subcode: 2804050, Message: "Invalid parameter",
		UserTitle: "Customer information too thin", UserMsg: "Add an email or phone", FBTraceID: "AbC"}
	fmt.Println(e)
	fmt.Println(e.detail())
	// Output:
	// graph error: HTTP 400, code 100, subcode 2804050: Invalid parameter (fbtrace_id AbC)
	// Customer information too thin: Add an email or phone (code 100, subcode 2804050) fbtrace_id AbC
}

// FuzzIsolate checks isolate's properties for any batch size and set of
// bad events: every good event is delivered once, every bad one rejected
// once, and the calls stay within the bisection bound.
func FuzzIsolate(f *testing.F) {
	f.Add(uint16(1000), uint64(1)<<40)
	f.Add(uint16(7), uint64(0b1010101))
	f.Add(uint16(1), uint64(1))
	f.Add(uint16(64), ^uint64(0))
	f.Fuzz(func(t *testing.T, n uint16, badMask uint64) {
		size := int(n%1000) + 1
		isBad := func(x int) bool { return x < 64 && badMask&(1<<x) != 0 }
		evs := make([]int, size)
		bad := 0
		for i := range evs {
			evs[i] = i
			if isBad(i) {
				bad++
			}
		}
		seen := make([]int, size)
		calls := 0
		send := func(part []int) (*APIError, error) {
			calls++
			for _, x := range part {
				if isBad(x) {
					return &APIError{Code: 100}, nil
				}
			}
			for _, x := range part {
				seen[x]++
			}
			return nil, nil
		}
		reject := func(part []int, _ *APIError) {
			for _, x := range part {
				if !isBad(x) {
					t.Fatalf("good event %d rejected", x)
				}
				seen[x]++
			}
		}
		if err := isolate(evs, send, reject, nil); err != nil {
			t.Fatal(err)
		}
		for x, c := range seen {
			if c != 1 {
				t.Fatalf("event %d handled %d times", x, c)
			}
		}
		if limit := 1 + 2*bad*int(math.Ceil(math.Log2(float64(size)))); bad > 0 && calls > limit {
			t.Fatalf("%d calls for %d bad in %d, want <= %d", calls, bad, size, limit)
		}
	})
}

// With a triage that knows the bad items, isolate rejects them at once and
// sends the rest whole: two calls where halving needs about two per item.
// What triage misses (it finds no cause) is still halved.
func TestIsolateTriage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int
		bad       []int // items send refuses
		known     []int // of those, the items triage recognizes
		wantCalls int
	}{
		{name: "all bad, all known", n: 1000, bad: seq(0, 1000), known: seq(0, 1000), wantCalls: 1},
		{name: "most bad, all known", n: 1000, bad: seq(0, 900), known: seq(0, 900), wantCalls: 2},
		{name: "bad scattered, all known", n: 100, bad: []int{3, 50, 97}, known: []int{3, 50, 97}, wantCalls: 2},
		// One bad item triage cannot see: the rest is halved as before.
		{name: "one unknown left", n: 16, bad: []int{1, 2, 9}, known: []int{1, 2}, wantCalls: 1 + 7}, // then 14 halved for one
		{name: "none known", n: 8, bad: []int{5}, wantCalls: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs := seq(0, tt.n)
			edge := &refuser{bad: tt.bad}
			var rejected []int
			reject := func(part []int, e *APIError) { rejected = append(rejected, part...) }
			triage := func(part []int, e *APIError) int {
				n := 0
				for i := range part {
					if slices.Contains(tt.known, part[i]) {
						part[n], part[i] = part[i], part[n]
						n++
					}
				}
				return n
			}
			if err := isolate(evs, edge.send, reject, triage); err != nil {
				t.Fatal(err)
			}
			calls, delivered := edge.calls, edge.delivered
			slices.Sort(rejected)
			if !slices.Equal(rejected, tt.bad) && len(tt.bad)+len(rejected) > 0 {
				t.Errorf("rejected %v, want %v", rejected, tt.bad)
			}
			if len(delivered)+len(rejected) != tt.n {
				t.Errorf("%d delivered + %d rejected, want %d", len(delivered), len(rejected), tt.n)
			}
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
		})
	}
}

// refuser stands in for Meta in isolate's tests: it refuses a part that
// holds any of bad, as Meta refuses a whole batch for one bad event,
// delivers the others, and counts its calls.
type refuser struct {
	bad       []int
	calls     int
	delivered []int
}

func (f *refuser) send(part []int) (*APIError, error) {
	f.calls++
	for _, x := range part {
		if slices.Contains(f.bad, x) {
			return &APIError{Code: 100}, nil
		}
	}
	f.delivered = append(f.delivered, part...)
	return nil, nil
}

// seq returns from, from+1, ..., to-1.
func seq(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestTooOldFirst(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	cut := now.Add(-capi.MetaMaxAge - clockSkew).Unix()
	ages := []int64{cut + 1, cut - 1, cut, cut - 86400, cut + 3600} // event times
	tooOld := &APIError{Code: 100, Subcode: subcodeTimestampTooOld}
	tests := []struct {
		name string
		err  *APIError
		want []int64 // event times in order after the call; the first n are too old
		n    int
	}{
		{"too old", tooOld, []int64{cut - 1, cut - 86400, cut, cut + 1, cut + 3600}, 2},
		{"another invalid batch", &APIError{Code: 100, Subcode: 2804050}, ages, 0},
		{"another code", &APIError{Code: 2, Subcode: subcodeTimestampTooOld}, ages, 0},
	}
	for _, tt := range tests {
		evs := make([]capi.Event, len(ages))
		for i, a := range ages {
			evs[i] = capi.Event{EventID: fmt.Sprint(i), EventTime: a}
		}
		n := tooOldFirst(evs, tt.err, now)
		var got []int64
		for _, ev := range evs {
			got = append(got, ev.EventTime)
		}
		if n != tt.n || !slices.Equal(got[:n], tt.want[:n]) {
			t.Errorf("%s: n = %d, front %v; want %d, %v", tt.name, n, got[:n], tt.n, tt.want[:tt.n])
		}
		if tt.n == 0 && !slices.Equal(got, ages) {
			t.Errorf("%s: evs reordered to %v", tt.name, got)
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ages))) {
			t.Errorf("%s: events lost or duplicated: %v", tt.name, got)
		}
	}
}

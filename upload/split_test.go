package upload

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

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
			evs := make([]int, tt.n)
			for i := range evs {
				evs[i] = i
			}
			calls := 0
			var delivered, rejected []int
			send := func(part []int) (*APIError, error) {
				calls++
				for _, x := range part {
					if slices.Contains(tt.bad, x) {
						return &APIError{Code: 100}, nil
					}
				}
				delivered = append(delivered, part...)
				return nil, nil
			}
			reject := func(part []int, e *APIError) {
				if len(part) != 1 || e.Code != 100 {
					t.Errorf("reject(%v, %v)", part, e)
				}
				rejected = append(rejected, part...)
			}
			if err := isolate(evs, send, reject); err != nil {
				t.Fatal(err)
			}
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
	}, func([]int, *APIError) { t.Error("reject called") })
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
		if err := isolate(evs, send, reject); err != nil {
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

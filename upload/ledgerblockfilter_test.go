package upload

import (
	"fmt"
	"testing"
)

// TestKeyFilter: every key added is found, at every size the filter grows
// through; keys never added are rarely taken for added ones.
func TestKeyFilter(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 100, 100_000} {
		t.Run(fmt.Sprint(n, " keys"), func(t *testing.T) {
			f := newKeyFilter(n)
			for i := range n {
				f.add(filterHash(fmt.Sprintf("p\x00Purchase\x00%d", i)))
			}
			if f.full() {
				t.Errorf("full with the %d keys it was sized for", n)
			}
			for i := range n {
				if !f.has(filterHash(fmt.Sprintf("p\x00Purchase\x00%d", i))) {
					t.Fatalf("key %d added, not found", i)
				}
			}
			const tries = 100_000
			yes := 0
			for i := range tries {
				if f.has(filterHash(fmt.Sprintf("p\x00Purchase\x00x%d", i))) {
					yes++
				}
			}
			if rate := float64(yes) / tries; rate > 0.05 {
				t.Errorf("false positives %.3f, want at most 0.05", rate)
			}
			f.add(filterHash("one more"))
			if !f.full() {
				t.Error("not full past the keys it was sized for")
			}
		})
	}
}

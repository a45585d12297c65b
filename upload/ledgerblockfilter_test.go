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

// A key hashes the same as a string and as bytes: the filter is built
// from the file's bytes and asked with strings.
func TestKeyHashBytesString(t *testing.T) {
	for _, k := range []string{"", "a", "123456789012345\x00Purchase\x00R000000012", string(make([]byte, 300))} {
		if filterHash(k) != filterHash([]byte(k)) || hashKey(k) != hashKey([]byte(k)) {
			t.Errorf("%q hashes differently as bytes", k)
		}
		b := []byte(k)
		if testing.AllocsPerRun(10, func() { filterHash(b); hashKey(b) }) != 0 {
			t.Errorf("hashing %d bytes allocates", len(k))
		}
	}
}

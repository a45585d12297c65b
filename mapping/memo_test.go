package mapping

import (
	"capi-upload/capi"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The memo of repeated values changes no result: rows mapped by one
// Mapper, its memo warm and shared by two goroutines, give the events a
// fresh Mapper gives for each row alone.
func TestMemoMatchesFreshMapper(t *testing.T) {
	cities := []string{"St. Louis", "ST LOUIS", "São Paulo", "Sa\u0303o Paulo", "", "!!!", "Chicago"}
	states := []string{"Missouri", "MO", "N.Y.", "Bavaria", "XX", "", "california"}
	countries := []string{"United States", "US", "Germany", "DE", "UK", "Atlantis", "", Hash("us")}
	genders := []string{"Female", "m", "x", "", "WOMAN"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	rows := make([]map[string]string, 400)
	for i := range rows {
		r := goodRow()
		r["City"], r["State"], r["Country"], r["Gender"] = pick(cities), pick(states), pick(countries), pick(genders)
		rows[i] = r
	}
	shared := testMapper(t, fullConfig(t), testHeader)
	got := make([]capi.Event, len(rows))
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < len(rows); i += 2 {
				got[i], errs[i] = shared.Map(row(i+2, rows[i]))
			}
		})
	}
	wg.Wait()
	for i, r := range rows {
		want, wantErr := testMapper(t, fullConfig(t), testHeader).Map(row(i+2, r))
		if diff := cmp.Diff(errString(wantErr), errString(errs[i])); diff != "" {
			t.Fatalf("row %d %v: error (-fresh +memo):\n%s", i, r, diff)
		}
		if diff := cmp.Diff(want.UserData, got[i].UserData); diff != "" {
			t.Errorf("row %d: user_data (-fresh +memo):\n%s", i, diff)
		}
		if diff := cmp.Diff(want.Invalid, got[i].Invalid); diff != "" {
			t.Errorf("row %d: invalid keys (-fresh +memo):\n%s", i, diff)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Two values whose hashes meet both stay remembered: with one slot each,
// frequent values that collided under a run's seed evicted each other on
// every row.
func TestMemoKeepsCollidingValues(t *testing.T) {
	m := &memo{seed: maphash.MakeSeed()}
	byPair := map[int]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		v := "city-" + strconv.Itoa(i)
		p := m.pair(capi.KeyCt, "", v)
		if w, ok := byPair[p]; ok {
			a, b = w, v
		}
		byPair[p] = v
	}
	for _, v := range []string{a, b} {
		m.put(&memoEntry{key: capi.KeyCt, value: v, out: Hash(v)})
	}
	for _, v := range []string{a, b, a, b} {
		if e := m.get(capi.KeyCt, "", v); e == nil || e.out != Hash(v) {
			t.Fatalf("get(%q) = %v after putting %q and %q, which share a pair", v, e, a, b)
		}
	}
	// A third value in the pair takes the second slot; the first stays.
	var c string
	for i := 0; c == ""; i++ {
		if v := "town-" + strconv.Itoa(i); m.pair(capi.KeyCt, "", v) == m.pair(capi.KeyCt, "", a) {
			c = v
		}
	}
	m.put(&memoEntry{key: capi.KeyCt, value: c, out: Hash(c)})
	if m.get(capi.KeyCt, "", a) == nil || m.get(capi.KeyCt, "", c) == nil {
		t.Errorf("after a third value: first kept %v, third kept %v; want both", m.get(capi.KeyCt, "", a) != nil, m.get(capi.KeyCt, "", c) != nil)
	}
}

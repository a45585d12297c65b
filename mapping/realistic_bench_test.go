package mapping

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"capi-upload/capi"
	"capi-upload/ingest"
)

// realisticRows makes n rows of testHeader whose names, cities and zip
// codes repeat as in a real customer list (Zipf-distributed over pools of
// thousands), and whose emails and phones are unique, so that a benchmark
// shows what the memo of repeated values is worth on real exports rather
// than on one row mapped again and again.
func realisticRows(n int) []ingest.Row {
	r := rand.New(rand.NewPCG(3, 4))
	syl := []string{"ka", "ri", "mo", "lan", "de", "son", "ber", "ta", "vi", "el", "na", "go", "ro", "sha", "ti", "wen"}
	name := func() string {
		s := ""
		for range 2 + r.IntN(3) {
			s += syl[r.IntN(len(syl))]
		}
		return string(s[0]-'a'+'A') + s[1:]
	}
	pool := func(k int) []string {
		p := make([]string, k)
		for i := range p {
			p[i] = name()
		}
		return p
	}
	firsts, lasts := pool(5000), pool(150000)
	cities := []string{"Chicago", "Evanston", "St. Louis", "New York", "Boston", "Austin"}
	states := []string{"IL", "Illinois", "MO", "New York", "MA", "TX"}
	zf := rand.NewZipf(r, 1.1, 4, uint64(len(firsts)-1))
	zl := rand.NewZipf(r, 1.02, 30, uint64(len(lasts)-1))
	zz := rand.NewZipf(r, 1.2, 1, 399)
	rows := make([]ingest.Row, n)
	for i := range rows {
		c := r.IntN(len(cities))
		rows[i] = row(i+2, map[string]string{
			"Sale Date": "11/20/2026 17:45", "Receipt No": "R" + strconv.Itoa(i), "Total": "12.50",
			"Email":      fmt.Sprintf("user%d@example.com", i),
			"Phone":      fmt.Sprintf("(312) 555-%04d", i%10000),
			"First Name": firsts[zf.Uint64()], "Last Name": lasts[zl.Uint64()],
			"City": cities[c], "State": states[c], "Zip": strconv.Itoa(60601 + int(zz.Uint64())),
			"Country": "US",
		})
	}
	return rows
}

// BenchmarkMapRealistic maps 20,000 realistic rows with a fresh Mapper
// each time, as a run does; ns/op is per row.
func BenchmarkMapRealistic(b *testing.B) {
	rows := realisticRows(20_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := testMapper(b, benchConfig, testHeader)
		for _, r := range rows {
			if _, err := m.Map(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

// BenchmarkAppendJSONRealistic encodes 20,000 events that Map built from
// realistic rows, a request body of 1,000 at a time, as Run does: unlike
// BenchmarkAppendJSON, whose one event stays in the cache, it pays for
// reading each event from memory. An op is all 20,000; ns/event is per
// event.
func BenchmarkAppendJSONRealistic(b *testing.B) {
	rows := realisticRows(20_000)
	m := testMapper(b, benchConfig, testHeader)
	evs := make([]capi.Event, len(rows))
	for i, r := range rows {
		ev, err := m.Map(r)
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = ev
	}
	body := make([]byte, 0, 1<<20)
	size := 0
	b.ResetTimer()
	for b.Loop() {
		size = 0
		for start := 0; start < len(evs); start += 1000 {
			body = body[:0]
			for i := start; i < min(start+1000, len(evs)); i++ {
				body = evs[i].AppendJSON(body)
			}
			size += len(body)
		}
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

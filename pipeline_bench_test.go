package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// writeBenchCSV writes rows in the shapes bench/gen writes (the columns of
// bench/bench.yaml: eight customer keys, a time within the last three
// days, receipt, total, currency), with names that need Unicode folding
// and phones in four formats.
func writeBenchCSV(tb testing.TB, path string, rows int, now time.Time) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("email,phone,first_name,last_name,city,state,zip,country,event_time,receipt_id,total,currency\n")
	r := rand.New(rand.NewPCG(1, 2))
	first := []string{"James", "Mary", "José", "Zoë", "Jürgen", "Aisha", "Priya", "O'Neil"}
	last := []string{"Smith", "García", "Müller", "O'Brien", "Nguyen", "van der Berg"}
	places := [][4]string{{"Chicago", "IL", "60601", "312"}, {"Evanston", "Illinois", "60201-1234", "847"},
		{"Boston", "MA", "2134", "617"}, {"St. Louis", "mo", "63101", "314"}}
	countries := []string{"US", "USA", "United States", "us", ""}
	phones := []string{"(%s) 555-0%d", "+1 %s 555 0%d", "%s.555.0%d", "%s5550%d"}
	for i := range rows {
		p := places[r.IntN(len(places))]
		t := now.Add(-time.Duration(60+r.Int64N(3*24*3600)) * time.Second)
		fmt.Fprintf(w, "user%d@Example.com,%s,%s,%q,%s,%s,%s,%s,%s,R%d,%d.%02d,usd\n",
			i, fmt.Sprintf(phones[r.IntN(len(phones))], p[3], 100+r.IntN(100)),
			first[r.IntN(len(first))], last[r.IntN(len(last))], p[0], p[1], p[2],
			countries[r.IntN(len(countries))], t.Format(time.RFC3339), 10_000_000+i,
			1+r.IntN(500), r.IntN(100))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkValidate runs the whole validate command (read, map, check,
// report) on a 20,000-row file like the one bench/bench.sh times; rows/s
// is per wall second, so compare it with -cpu 1 or on an idle machine.
func BenchmarkValidate(b *testing.B) {
	const rows = 20_000
	dir := b.TempDir()
	in := filepath.Join(dir, "bench.csv")
	writeBenchCSV(b, in, rows, time.Now().UTC())
	cfg, err := filepath.Abs(filepath.Join("bench", "bench.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		args := []string{"validate", "--config", cfg, "--report-dir", filepath.Join(dir, "r"+strconv.Itoa(n)), "--progress", "never", in}
		if code := run(context.Background(), args, nil, io.Discard, io.Discard, func(string) string { return "" }, time.Now); code != exitOK {
			b.Fatalf("validate exited %d", code)
		}
	}
	b.ReportMetric(float64(rows*n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows*n), "ns/row")
}

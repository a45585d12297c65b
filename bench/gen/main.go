// Command gen writes a large, deterministic CSV for benchmarking
// `capi-upload validate` and `upload`: eight customer columns (em, ph, fn,
// ln, ct, st, zp, country), an event time within the last three days of
// -now, a receipt id, a total and a currency.
//
//	go run ./bench/gen -rows 1000000 -out bench/out/bench.csv
//
// The rows are streamed through a buffer, so memory stays flat whatever
// -rows is, and the same -rows and -now give the same bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	rows := fs.Int("rows", 1_000_000, "data rows to write")
	out := fs.String("out", "-", "file to write, - for stdout")
	nowFlag := fs.String("now", "", "RFC 3339 time the event times are relative to (default: the current time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		now = t
	}
	if *out == "-" {
		return write(os.Stdout, *rows, now)
	}
	// Write beside the target and rename, so an interrupted run never
	// leaves a short file that a cache check would take for a good one.
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f, *rows, now); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}

var (
	first   = []string{"James", "Mary", "José", "Zoë", "Renée", "Jürgen", "Aisha", "Wei", "Priya", "Carlos", "Lucía", "Michael", "Jennifer", "O'Neil", "Ana María"}
	last    = []string{"Smith", "Johnson", "García", "Muñoz", "Müller", "O'Brien", "Kowalski", "Nguyen", "Brown", "Lefèvre", "Patel", "Williams", "van der Berg"}
	domains = []string{"example.com", "Example.org", "example.net", "MAIL.EXAMPLE.COM"}
	places  = [][4]string{ // city, state, zip, area code
		{"Chicago", "IL", "60601", "312"}, {"Evanston", "Illinois", "60201-1234", "847"},
		{"Milwaukee", "WI", "53202", "414"}, {"New York", "New York", "10001", "212"},
		{"Boston", "MA", "2134", "617"}, {"San Francisco", "California", "94103", "415"},
		{"Austin", "TX", "78701", "512"}, {"St. Louis", "mo", "63101", "314"},
	}
	countries  = []string{"US", "USA", "United States", "us", ""}
	currencies = []string{"USD", "USD", "USD", "usd"}
)

const header = "email,phone,first_name,last_name,city,state,zip,country,event_time,receipt_id,total,currency\n"

func write(w io.Writer, rows int, now time.Time) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(header); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	window := int64(3 * 24 * time.Hour / time.Second)
	var b []byte
	for i := range rows {
		fn, ln := first[r.IntN(len(first))], last[r.IntN(len(last))]
		p := places[r.IntN(len(places))]
		b = b[:0]
		// em: unique per row, sometimes with stray spaces and capitals.
		if r.IntN(10) == 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(append(b, "user"...), int64(i), 10)
		b = append(append(b, '@'), domains[r.IntN(len(domains))]...)
		b = append(b, ',')
		// ph: fictional 555-01xx numbers in the shapes cashiers type.
		line := 100 + r.IntN(100)
		switch r.IntN(4) {
		case 0:
			b = fmt.Appendf(b, "(%s) 555-0%d", p[3], line)
		case 1:
			b = fmt.Appendf(b, "+1 %s 555 0%d", p[3], line)
		case 2:
			b = fmt.Appendf(b, "%s.555.0%d", p[3], line)
		default:
			b = fmt.Appendf(b, "%s5550%d", p[3], line)
		}
		b = append(b, ',')
		b = appendField(b, fn)
		b = appendField(b, ln)
		b = append(append(b, p[0]...), ',')
		b = append(append(b, p[1]...), ',')
		b = append(append(b, p[2]...), ',')
		b = append(append(b, countries[r.IntN(len(countries))]...), ',')
		t := now.Add(-time.Duration(60+r.Int64N(window)) * time.Second)
		b = t.AppendFormat(b, time.RFC3339)
		b = append(b, ",R"...)
		b = strconv.AppendInt(b, int64(10_000_000+i), 10)
		b = append(b, ',')
		cents := 100 + r.IntN(50000)
		b = strconv.AppendInt(b, int64(cents/100), 10)
		b = append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10), ',')
		b = append(append(b, currencies[r.IntN(len(currencies))]...), '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendField appends s and a comma, quoting s as RFC 4180 does when a
// comma or quote in it would otherwise break the row.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\n") {
		return append(append(b, s...), ',')
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"', ',')
}

package main

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"capi-upload/upload/capitest"
)

// maxRSSBound is the peak resident memory any hostile input may cost the
// process. A small input takes about 20 MB; a reader that held a 10 MB cell
// or 100,000 columns several times over would pass the bound.
const maxRSSBound = 64 << 20

const posHeader = "Receipt No;Sale Date;Store;Email;Phone;First Name;Last Name;City;State;Zip;Country;Total;Currency;SKUs;Qty;Type"

// posRow is a good POS row dated one hour before at.
func posRow(at time.Time, id string) string {
	when := at.Add(-time.Hour).In(mustZone("America/Chicago")).Format("01/02/2006 15:04")
	return id + ";" + when + ";S1;" + "buyer" + id + "@example.com;;;;;;;;10,00;USD;1;1;SALE"
}

// TestHostileFiles runs the binary on files that misbehave and checks the
// exit code, that the message names the file (and row and column where
// there is one), and the peak memory of the process.
func TestHostileFiles(t *testing.T) {
	at := time.Now()
	good := posRow(at, "1")
	gz := func(s string) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.String()[:b.Len()/2]
	}
	random := func(n int) string {
		r := rand.New(rand.NewPCG(1, 2))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return string(b)
	}
	tests := []struct {
		name    string
		file    string
		content string
		args    []string // extra flags
		want    int
		// where the explanation must be: stderr, or rejects.csv for a row
		// rejected while the rest of the file is processed.
		stderrHas  []string
		rejectsHas []string
	}{
		{
			name: "10 MB cell", file: "cell.csv",
			content: posHeader + "\n2;x;S;" + strings.Repeat("x", 10<<20) + ";;;;;;;;1,00;USD;1;1;SALE\n" + good + "\n" + posRow(at, "3") + "\n",
			want:    0, rejectsHas: []string{"cell.csv,2,", "column 4", "size limit"},
		},
		{
			name: "100,000 columns in the header", file: "cols.csv",
			content: posHeader + strings.Repeat(";c", 100_000) + "\n" + good + "\n",
			want:    1, stderrHas: []string{"cols.csv", "row 1", "columns"},
		},
		{
			name: "100,000 columns in a row", file: "wide.csv",
			content: posHeader + "\n" + good + strings.Repeat(";", 100_000) + "\n" + posRow(at, "2") + "\n" + posRow(at, "3") + "\n",
			want:    0, rejectsHas: []string{"wide.csv,2,", "row 2", "columns"},
		},
		{
			name: "binary file named .csv", file: "binary.csv", content: random(200_000),
			want: 1, stderrHas: []string{"binary.csv", "binary"},
		},
		{
			name: "truncated .csv.gz", file: "cut.csv.gz", content: gz(posHeader + "\n" + strings.Repeat(good+"\n", 5000)),
			want: 1, stderrHas: []string{"cut.csv.gz"},
		},
		{
			name: "empty file", file: "empty.csv", content: "",
			want: 1, stderrHas: []string{"empty.csv", "header"},
		},
		{
			// Nothing to send today is not an error for a nightly job.
			name: "header only", file: "header.csv", content: posHeader + "\n",
			want: 0,
		},
		{
			name: "mapped column twice in the header", file: "dup.csv", content: posHeader + ";Email\n" + good + ";x@example.com\n",
			want: 1, stderrHas: []string{"dup.csv", `"Email"`, "more than once"},
		},
		{
			name: "NUL bytes", file: "nul.csv",
			content: posHeader + "\n" + strings.Replace(posRow(at, "7"), "@", "\x00@", 1) + "\n" + good + "\n" + posRow(at, "3") + "\n",
			want:    0, rejectsHas: []string{"nul.csv,2,", "column 4", "NUL"},
		},
		{
			name: "unterminated quote at the end", file: "quote.csv",
			content: posHeader + "\n" + good + "\n" + `4;x;S;"open@example.com;;;;;;;;1,00;USD;1;1;SALE` + "\n",
			want:    1, stderrHas: []string{"quote.csv", "row 3", "column 4", "quoted field"},
		},
		{
			name: "xlsx without the sheet named", file: "crm.xlsx", args: []string{"--sheet", "Sales"},
			want: 1, stderrHas: []string{"crm.xlsx", `"Sales"`, "Customers"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, at)
			if tt.content != "" || tt.file != "crm.xlsx" {
				writeFile(t, f.path(tt.file), tt.content)
			}
			cfg := "pos.yaml"
			if strings.HasSuffix(tt.file, ".xlsx") {
				cfg = "crm.yaml"
			}
			args := append([]string{"validate", "--config", cfg, "--state", f.state, "--report-dir", "reports", "--progress", "never"}, tt.args...)
			p := runBinRSS(t, f.dir, nil, append(args, tt.file)...)
			if p.code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", p.code, tt.want, p.stderr)
			}
			mustContain(t, "stderr", p.stderr, tt.stderrHas...)
			if tt.rejectsHas != nil {
				b, err := os.ReadFile(f.path("reports/rejects.csv"))
				if err != nil {
					t.Fatal(err)
				}
				mustContain(t, "rejects.csv", string(b), tt.rejectsHas...)
			}
			if _, err := os.Stat(f.path("reports/summary.json")); err == nil {
				readSummary(t, f.path("reports"))
			}
			if p.maxRSS > maxRSSBound {
				t.Errorf("peak memory %d MB, bound %d MB", p.maxRSS>>20, maxRSSBound>>20)
			}
			t.Logf("peak memory %.1f MB, %v", float64(p.maxRSS)/(1<<20), p.took)
		})
	}
}

// TestHostileConfigs: every config mistake ends the run with exit 1 before
// anything is read or sent, naming the key and its line.
func TestHostileConfigs(t *testing.T) {
	const base = `pixel_id: "123456789012345"
timezone: UTC
default_country: US
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
  user_data:
    em: Email
  custom_data:
    value: { column: Total, decimal: "," }
    currency: { value: USD }
`
	var bomb strings.Builder
	bomb.WriteString("    a0: &a0 [Email,Email,Email,Email,Email,Email,Email,Email,Email]\n")
	for i := 1; i < 9; i++ {
		prev := "*a" + string(rune('0'+i-1))
		bomb.WriteString("    a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+",", 8) + prev + "]\n")
	}
	tests := []struct {
		name string
		yaml string
		has  []string
	}{
		{"unknown key", base + "colour: red\n", []string{"c.yaml:13", "colour", "unknown key"}},
		{"typo with suggestion", strings.Replace(base, "timezone:", "timezon:", 1), []string{"c.yaml:2", "timezon", "timezone"}},
		{"wrong type", strings.Replace(base, "timezone: UTC", "timezone: [1, 2]", 1), []string{"c.yaml:2", "timezone", "wrong type"}},
		{"wrong type nested", base + "upload:\n  batch_size: lots\n", []string{"c.yaml:14", "upload.batch_size"}},
		{"format not a layout", strings.Replace(base, `"01/02/2006 15:04"`, `"DD/MM/YYYY"`, 1), []string{"c.yaml:7", "fields.event_time.format", "DD/MM/YYYY"}},
		{"unknown timezone", strings.Replace(base, "timezone: UTC", "timezone: Mars/Olympus", 1), []string{"c.yaml:2", "timezone", "Mars/Olympus"}},
		{"unknown default_country", strings.Replace(base, "default_country: US", "default_country: XX", 1), []string{"c.yaml:3", "default_country", "XX"}},
		{"batch_size 1001", base + "upload:\n  batch_size: 1001\n", []string{"c.yaml:14", "upload.batch_size", "1000"}},
		{"alias bomb", base + bomb.String(), []string{"c.yaml:1", "fields.custom_data.a", "wrong type"}},
		{"alias bomb at the top", strings.ReplaceAll(bomb.String(), "    ", "") + base, []string{"c.yaml:1", "a0"}},
		{"no customer key", strings.Replace(base, "  user_data:\n    em: Email\n", "  user_data: {}\n", 1), []string{"c.yaml:8", "fields.user_data"}},
		{"no event_time", strings.Replace(base, "  event_time: { column: \"Sale Date\", format: \"01/02/2006 15:04\" }\n", "", 1), []string{"c.yaml", "fields.event_time", "required"}},
		{"not YAML", "fields: [\n", []string{"c.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			writeFile(t, f.path("c.yaml"), tt.yaml)
			srv := startEdge(t)
			start := time.Now()
			r := runIn(t.Context(), t, edgeEnv(srv), "upload", "--config", f.path("c.yaml"), "--state", f.state,
				"--report-dir", f.path("reports"), "--progress", "never", f.path("pos.csv"))
			if r.code != exitFatal {
				t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			mustContain(t, "stderr", r.stderr, tt.has...)
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent with a broken config", n)
			}
			if _, err := os.Stat(f.state); !os.IsNotExist(err) {
				t.Errorf("ledger created with a broken config (stat: %v)", err)
			}
		})
	}
}

// TestReportDirUnwritable: reports that cannot be written stop the run
// before anything is sent (exit 1 naming the dir), and the ledger of an
// earlier run stays whole.
func TestReportDirUnwritable(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T, f *fixture) string
	}{
		{"under a regular file", func(t *testing.T, f *fixture) string {
			writeFile(t, f.path("afile"), "x")
			return f.path("afile/reports")
		}},
		{"read-only directory", func(t *testing.T, f *fixture) string {
			if os.Geteuid() == 0 {
				t.Skip("running as root: chmod does not stop root's writes (the regular-file case covers this)")
			}
			ro := f.path("ro")
			if err := os.Mkdir(ro, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(ro, 0o700) })
			return filepath.Join(ro, "reports")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachClock(t, func(t *testing.T, at time.Time) {
				f := newFixture(t, at)
				srv := startEdge(t)
				if r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...); r.code != exitOK {
					t.Fatalf("first run: exit %d; stderr:\n%s", r.code, r.stderr)
				}
				before := len(srv.Requests())
				dir := tt.dir(t, f)
				args := posArgs(f, "--report-dir", dir, "--resend")
				r := runIn(t.Context(), t, edgeEnv(srv), args...)
				if r.code != exitFatal {
					t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
				}
				mustContain(t, "stderr", r.stderr, dir)
				if n := len(srv.Requests()) - before; n != 0 {
					t.Errorf("%d requests sent although no report could be written", n)
				}
				keys := make([]capitest.EventKey, 0, 280)
				for k := range srv.Accepted() {
					keys = append(keys, k)
				}
				if got := ledgerHas(t, f.state, keys); len(got) != 280 {
					t.Errorf("ledger holds %d of 280 after the failed run", len(got))
				}
			})
		})
	}
}

// TestLedgerDamaged: a truncated or overwritten ledger stops the run with
// a message naming it and the recovery, never a silent resend of
// everything; following the recovery works.
func TestLedgerDamaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 100); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, path string) {
			b := bytes.Repeat([]byte("not a ledger\n"), 2000)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"meta pages zeroed", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			clear(b[:min(len(b), 8192)])
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			srv := startEdge(t)
			if r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...); r.code != exitOK {
				t.Fatalf("first run: exit %d; stderr:\n%s", r.code, r.stderr)
			}
			before := len(srv.Requests())
			tt.damage(t, f.state)
			for _, cmd := range [][]string{posArgs(f), {"validate", "--config", f.path("pos.yaml"), "--state", f.state, "--report-dir", f.path("reports"), f.path("pos.csv")}} {
				r := runIn(t.Context(), t, edgeEnv(srv), cmd...)
				if r.code != exitFatal {
					t.Errorf("%s: exit %d, want 1; stderr:\n%s", cmd[0], r.code, r.stderr)
				}
				mustContain(t, cmd[0]+" stderr", r.stderr, f.state, "damaged", "move it aside")
			}
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("%d requests sent with a damaged ledger", n)
			}
			// The documented recovery: move the file aside and run again;
			// Meta deduplicates the resent events by event_id.
			if err := os.Rename(f.state, f.state+".bad"); err != nil {
				t.Fatal(err)
			}
			r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...)
			if r.code != exitOK {
				t.Errorf("after moving the ledger aside: exit %d; stderr:\n%s", r.code, r.stderr)
			}
			if n := len(srv.Accepted()); n != 280 {
				t.Errorf("double has %d distinct events, want 280 (resent under the same ids)", n)
			}
		})
	}
}

// TestClockJump: the clock leaps 8 days between reading the rows and
// sending them (a laptop waking from sleep, an NTP step). Events are
// re-checked just before their request leaves and reported stale rather
// than sent. The double's own clock does not move, so it would accept them:
// only the re-check keeps them out.
func TestClockJump(t *testing.T) {
	f := newFixture(t, sampleNow)
	var offset atomic.Int64
	old := now
	now = func() time.Time { return sampleNow.Add(time.Duration(offset.Load())) }
	t.Cleanup(func() { now = old })
	srv := startEdge(t)
	// The first request is slow; all rows are read and checked while it is
	// in flight, then the clock jumps before the next request leaves.
	srv.Enqueue(capitest.Latency(300 * time.Millisecond))
	go func() {
		for len(srv.Requests()) == 0 && srv.InFlight() == 0 {
			time.Sleep(time.Millisecond)
		}
		offset.Store(int64(8 * 24 * time.Hour))
	}()
	r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--batch-size", "20", "--concurrency", "1", "--request-timeout", "2s")...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	s := readSummary(t, f.path("reports"))
	if s.Outcomes.Sent != srv.EventsReceived() {
		t.Errorf("summary sent %d, double received %d", s.Outcomes.Sent, srv.EventsReceived())
	}
	if s.Outcomes.Sent > 20 {
		t.Errorf("%d events sent after the clock jumped 8 days; only the first batch (20) left before", s.Outcomes.Sent)
	}
	// 8 rows were stale at read; the rest of the 280 went stale at send.
	if want := 8 + 280 - s.Outcomes.Sent; s.Outcomes.Stale != want {
		t.Errorf("stale %d, want %d", s.Outcomes.Stale, want)
	}
	b, err := os.ReadFile(f.path("reports/rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), ",stale,"); n != s.Outcomes.Stale {
		t.Errorf("rejects.csv lists %d stale rows, summary %d", n, s.Outcomes.Stale)
	}
}

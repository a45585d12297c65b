package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger"
	"capi-upload/report"
	"capi-upload/upload/capitest"
)

const samplePixel = "123456789012345"

// TestGoldenOutput pins what a person sees and what would be sent: the
// summary on stdout, rejects.csv, and for the dry run every request body
// (the first in full, all of them by digest, so the golden files stay small
// while any changed byte shows).
func TestGoldenOutput(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"validate_pos", []string{"validate", "--config", "pos.yaml", "pos.csv"}},
		{"validate_crm", []string{"validate", "--config", "crm.yaml", "crm.xlsx"}},
		{"dryrun_pos", []string{"upload", "--dry-run", "--batch-size", "25", "--config", "pos.yaml", "pos.csv"}},
		{"dryrun_crm", []string{"upload", "--dry-run", "--batch-size", "25", "--config", "crm.yaml", "crm.xlsx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			reports := f.path("reports")
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if strings.HasSuffix(a, ".yaml") || strings.HasSuffix(a, ".csv") || strings.HasSuffix(a, ".xlsx") {
					args[i] = f.path(a)
				}
			}
			args = append(args, "--state", f.state, "--report-dir", reports, "--progress", "never")
			r := runIn(t.Context(), t, nil, args...)
			if r.code != exitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr not empty:\n%s", r.stderr)
			}
			checkGolden(t, tt.name+".stdout.golden", []byte(strings.ReplaceAll(r.stdout, reports, "$REPORTS")))
			rejects, err := os.ReadFile(filepath.Join(reports, "rejects.csv"))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name+".rejects.csv.golden", rejects)
			s := readSummary(t, reports)
			if !s.DryRun {
				t.Errorf("summary.json dry_run = false for %v", tt.args)
			}
			if _, err := os.Stat(f.state); !os.IsNotExist(err) {
				t.Errorf("%s wrote the ledger (stat: %v)", tt.args[0], err)
			}
			if !strings.HasPrefix(tt.name, "dryrun") {
				return
			}
			bodies, err := filepath.Glob(filepath.Join(reports, "requests", "*.json"))
			if err != nil || len(bodies) == 0 {
				t.Fatalf("no request bodies in %s (%v)", reports, err)
			}
			slices.Sort(bodies)
			var manifest bytes.Buffer
			events := 0
			for i, p := range bodies {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte("access_token")) {
					t.Errorf("%s holds access_token", p)
				}
				events += bytes.Count(b, []byte(`"event_name"`))
				fmt.Fprintf(&manifest, "%s %d %x\n", filepath.Base(p), len(b), sha256.Sum256(b))
				if i == 0 {
					checkGolden(t, tt.name+".request1.json.golden", b)
				}
			}
			checkGolden(t, tt.name+".requests.golden", manifest.Bytes())
			if events != s.Outcomes.Sent {
				t.Errorf("request bodies hold %d events, summary.json built %d", events, s.Outcomes.Sent)
			}
		})
	}
}

// posArgs is an upload of the POS sample into fixture f.
func posArgs(f *fixture, extra ...string) []string {
	args := []string{"upload", "--config", f.path("pos.yaml"), "--state", f.state,
		"--report-dir", f.path("reports"), "--progress", "never", "--max-attempts", "2", "--request-timeout", "5s"}
	return append(append(args, extra...), f.path("pos.csv"))
}

// TestUploadThenRerun: every good row arrives exactly once, and a second
// run on the same ledger sends nothing.
func TestUploadThenRerun(t *testing.T) {
	eachClock(t, func(t *testing.T, at time.Time) {
		f := newFixture(t, at)
		srv := startEdge(t)
		r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--batch-size", "50")...)
		if r.code != exitOK {
			t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
		}
		s := readSummary(t, f.path("reports"))
		if s.Outcomes.Sent != 280 || srv.EventsReceived() != 280 || len(srv.Accepted()) != 280 {
			t.Errorf("sent %d, double received %d (%d distinct), want 280", s.Outcomes.Sent, srv.EventsReceived(), len(srv.Accepted()))
		}
		if d := srv.Duplicates(); len(d) != 0 {
			t.Errorf("accepted twice: %v", d)
		}
		for _, rq := range srv.Requests() {
			if rq.TokenInURL {
				t.Errorf("request %d carried the token in its URL", rq.Seq)
			}
			if rq.UploadTag != "sample-pos" {
				t.Errorf("request %d upload_tag %q, want sample-pos", rq.Seq, rq.UploadTag)
			}
		}

		before := len(srv.Requests())
		r = runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...)
		if r.code != exitOK {
			t.Fatalf("rerun: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
		}
		s = readSummary(t, f.path("reports"))
		if s.Outcomes.AlreadySent != 280 || s.Outcomes.Sent != 0 {
			t.Errorf("rerun: already_sent %d sent %d, want 280 and 0", s.Outcomes.AlreadySent, s.Outcomes.Sent)
		}
		if n := len(srv.Requests()) - before; n != 0 {
			t.Errorf("rerun made %d requests, want none", n)
		}
	})
}

// TestExitCodes runs the command into each exit code the README names ("Exit codes"), and checks
// the message names what the user must fix.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the fixture and the double and returns the
		// arguments; nil args means posArgs(f).
		setup      func(t *testing.T, f *fixture, srv *capitest.Server) []string
		want       exitCode
		stderrHas  []string
		summary    bool // reports must exist
		checkState func(t *testing.T, f *fixture, srv *capitest.Server)
	}{
		{
			name: "all fine",
			want: exitOK, summary: true,
		},
		{
			name: "bad config key",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				b, _ := os.ReadFile(f.path("pos.yaml"))
				writeFile(t, f.path("pos.yaml"), strings.Replace(string(b), "default_country: US", "default_country: US\ndefault_countyr: US", 1))
				return nil
			},
			want: exitFatal, stderrHas: []string{"default_countyr", "pos.yaml:20"},
		},
		{
			name: "missing column",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				b, _ := os.ReadFile(f.path("pos.yaml"))
				writeFile(t, f.path("pos.yaml"), strings.Replace(string(b), `em: "Email"`, `em: "E-mail Address"`, 1))
				return nil
			},
			want: exitFatal, stderrHas: []string{"pos.csv", "E-mail Address"},
		},
		{
			name: "unreadable input",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return []string{"upload", "--config", f.path("pos.yaml"), "--state", f.state, "--report-dir", f.path("reports"), f.path("nosuch.csv")}
			},
			want: exitFatal, stderrHas: []string{"nosuch.csv"},
		},
		{
			name: "token expired",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				srv.SetFault(capitest.TokenError(capitest.SubcodeTokenExpired))
				return nil
			},
			want: exitFatal, stderrHas: []string{"Events Manager"}, summary: true,
		},
		{
			name: "usage: unknown flag",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return []string{"upload", "--config", f.path("pos.yaml"), "--no-such-flag", f.path("pos.csv")}
			},
			want: exitUsage, stderrHas: []string{"no-such-flag"},
		},
		{
			name: "usage: unknown command",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return []string{"uplaod", f.path("pos.csv")}
			},
			want: exitUsage, stderrHas: []string{"uplaod"},
		},
		{
			name: "usage: batch size over 1000",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return posArgs(f, "--batch-size", "1001")
			},
			want: exitUsage, stderrHas: []string{"--batch-size"},
		},
		{
			name: "usage: concurrency over 64, as the config's twin",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return posArgs(f, "--concurrency", "500")
			},
			want: exitUsage, stderrHas: []string{"--concurrency must be between 1 and 64, not 500"},
		},
		{
			name: "usage: max attempts over 100, as the config's twin",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return posArgs(f, "--max-attempts", "1000")
			},
			want: exitUsage, stderrHas: []string{"--max-attempts must be between 1 and 100, not 1000"},
		},
		{
			name: "usage: no input",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				return []string{"validate", "--config", f.path("pos.yaml")}
			},
			want: exitUsage, stderrHas: []string{"INPUT"},
		},
		{
			name: "every request fails with 503",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				srv.SetFault(capitest.HTTPStatus(503))
				return nil
			},
			want: exitPartial, summary: true,
			checkState: func(t *testing.T, f *fixture, srv *capitest.Server) {
				s := readSummary(t, f.path("reports"))
				if s.Outcomes.Failed != 280 || s.Outcomes.Sent != 0 {
					t.Errorf("failed %d sent %d, want 280 and 0", s.Outcomes.Failed, s.Outcomes.Sent)
				}
				for _, rq := range srv.Requests() {
					if rq.Status != 503 {
						t.Errorf("request %d answered %d", rq.Seq, rq.Status)
					}
				}
				if n := len(srv.Requests()); n != 2 {
					t.Errorf("%d requests for one batch at --max-attempts 2, want 2", n)
				}
			},
		},
		{
			name: "every request fails: the run gives up",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				srv.SetFault(capitest.HTTPStatus(503))
				return posArgs(f, "--batch-size", "10", "--concurrency", "1")
			},
			want: exitPartial, summary: true,
			stderrHas: []string{"gave up after 2 requests in a row failed", "HTTP 503", "the next run sends them"},
			checkState: func(t *testing.T, f *fixture, srv *capitest.Server) {
				s := readSummary(t, f.path("reports"))
				if s.Outcomes.Failed != 280 || s.Outcomes.Sent != 0 {
					t.Errorf("failed %d sent %d, want 280 and 0", s.Outcomes.Failed, s.Outcomes.Sent)
				}
				// 28 batches of 10, but two spent their 2 attempts and
				// the run stopped.
				if n := len(srv.Requests()); n != 4 {
					t.Errorf("%d requests, want 4", n)
				}
			},
		},
		{
			name: "every request hangs",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				srv.SetFault(capitest.Hang())
				return posArgs(f, "--request-timeout", "100ms")
			},
			want: exitPartial, summary: true,
		},
		{
			// Yesterday's export read again a week later: nothing fresh,
			// nothing rejected, and the nightly job must not look fine.
			name: "no fresh row",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				writeFile(t, f.path("old.csv"), badRowsCSV(sampleNow.AddDate(0, 0, -10), 5, 0))
				return []string{"upload", "--config", f.path("pos.yaml"), "--state", f.state, "--report-dir", f.path("reports"), "--progress", "never", f.path("old.csv")}
			},
			want: exitRejectRatio, summary: true, stderrHas: []string{"old.csv", "none of its 5 rows", "--max-age"},
			checkState: func(t *testing.T, f *fixture, srv *capitest.Server) {
				if n := len(srv.Requests()); n != 0 {
					t.Errorf("%d requests sent for a file with no fresh row", n)
				}
			},
		},
		{
			name: "mostly bad rows",
			setup: func(t *testing.T, f *fixture, srv *capitest.Server) []string {
				writeFile(t, f.path("bad.csv"), badRowsCSV(sampleNow, 3, 7))
				return []string{"upload", "--config", f.path("pos.yaml"), "--state", f.state, "--report-dir", f.path("reports"), "--progress", "never", f.path("bad.csv")}
			},
			want: exitRejectRatio, summary: true, stderrHas: []string{"rejects.csv", "--max-reject-ratio"},
			checkState: func(t *testing.T, f *fixture, srv *capitest.Server) {
				s := readSummary(t, f.path("reports"))
				if s.Outcomes.Sent != 3 || s.Outcomes.Rejected != 7 || srv.EventsReceived() != 3 {
					t.Errorf("sent %d rejected %d double %d, want 3, 7 and 3 (good rows are still sent)", s.Outcomes.Sent, s.Outcomes.Rejected, srv.EventsReceived())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			srv := startEdge(t)
			var args []string
			if tt.setup != nil {
				args = tt.setup(t, f, srv)
			}
			if args == nil {
				args = posArgs(f)
			}
			start := time.Now()
			r := runIn(t.Context(), t, edgeEnv(srv), args...)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			mustContain(t, "stderr", r.stderr, tt.stderrHas...)
			if tt.summary {
				readSummary(t, f.path("reports"))
			}
			if tt.checkState != nil {
				tt.checkState(t, f, srv)
			}
		})
	}
}

// badRowsCSV is a POS export with good rows that pass and bad rows that
// are rejected (no customer information at all).
func badRowsCSV(at time.Time, good, bad int) string {
	var b strings.Builder
	b.WriteString("Receipt No;Sale Date;Store;Email;Phone;First Name;Last Name;City;State;Zip;Country;Total;Currency;SKUs;Qty;Type\n")
	when := at.Add(-2 * time.Hour).In(mustZone("America/Chicago")).Format("01/02/2006 15:04")
	for i := range good + bad {
		email := fmt.Sprintf("buyer%d@example.com", i)
		if i >= good {
			email = ""
		}
		fmt.Fprintf(&b, "9%05d;%s;S1;%s;;;;;;;;10,00;USD;1;1;SALE\n", i, when, email)
	}
	return b.String()
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// TestLedgerLocked: a second upload on a ledger in use exits 1 within
// seconds, naming the ledger file, and sends nothing.
func TestLedgerLocked(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	srv := startEdge(t)
	held, err := ledger.Open(f.state, false, now)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	start := time.Now()
	r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...)
	if r.code != exitFatal {
		t.Errorf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to give up on the lock", d)
	}
	mustContain(t, "stderr", r.stderr, f.state, "locked")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("locked run made %d requests", n)
	}
}

// ledgerHas reports which of keys the ledger at path holds.
func ledgerHas(t *testing.T, path string, keys []capitest.EventKey) map[capitest.EventKey]bool {
	t.Helper()
	l, err := ledger.Open(path, true, now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := map[capitest.EventKey]bool{}
	seen := make([]bool, 1)
	for _, k := range keys {
		ev := capi.Event{EventName: k.Name, EventID: k.ID}
		if err := l.SeenAll([]string{ev.LedgerKey(samplePixel)}, seen); err != nil {
			t.Fatal(err)
		}
		if seen[0] {
			got[k] = true
		}
	}
	return got
}

// TestCancelMidRun: a run cancelled mid-upload writes its reports, exits 3,
// and its ledger holds exactly what the double acknowledged; the next run
// sends exactly the rest.
func TestCancelMidRun(t *testing.T) {
	eachClock(t, func(t *testing.T, at time.Time) {
		f := newFixture(t, at)
		srv := startEdge(t, capitest.WithLatency(40*time.Millisecond))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			for srv.EventsReceived() < 40 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
			cancel()
		}()
		r := runIn(ctx, t, edgeEnv(srv), posArgs(f, "--batch-size", "20", "--concurrency", "2")...)
		if r.code != exitPartial {
			t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
		}
		s := readSummary(t, f.path("reports"))
		first := srv.Accepted()
		if len(first) == 0 || len(first) >= 280 {
			t.Fatalf("double accepted %d events before the cancel; the test wants a run cut in the middle", len(first))
		}
		if s.Outcomes.Sent != len(first) {
			t.Errorf("summary says sent %d, double accepted %d", s.Outcomes.Sent, len(first))
		}
		if s.Outcomes.Failed == 0 {
			t.Errorf("no row upload_failed after a cancel mid-run")
		}

		srv.ClearFaults()
		srv2 := srv // same double: it remembers what it accepted
		r = runIn(t.Context(), t, edgeEnv(srv2), posArgs(f)...)
		if r.code != exitOK {
			t.Fatalf("second run: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
		}
		all := srv.Accepted()
		if len(all) != 280 {
			t.Errorf("after two runs the double has %d distinct events, want 280", len(all))
		}
		if d := srv.Duplicates(); len(d) != 0 {
			t.Errorf("accepted twice (no answer was lost, so none may be): %v", d)
		}
		keys := slices.Collect(func(yield func(capitest.EventKey) bool) {
			for k := range all {
				if !yield(k) {
					return
				}
			}
		})
		// The ledger after the first run held exactly the first run's
		// acknowledged events: the second run skipped those and sent the rest.
		s2 := readSummary(t, f.path("reports"))
		if s2.Outcomes.AlreadySent != len(first) || s2.Outcomes.Sent != 280-len(first) {
			t.Errorf("second run: already_sent %d sent %d, want %d and %d", s2.Outcomes.AlreadySent, s2.Outcomes.Sent, len(first), 280-len(first))
		}
		if got := ledgerHas(t, f.state, keys); len(got) != 280 {
			t.Errorf("ledger holds %d of 280 events after the second run", len(got))
		}
	})
}

// TestCancelLedgerExact checks the ledger right after a cancelled run
// against the double's acknowledgements, event by event.
func TestCancelLedgerExact(t *testing.T) {
	eachClock(t, func(t *testing.T, at time.Time) {
		f := newFixture(t, at)
		srv := startEdge(t, capitest.WithLatency(30*time.Millisecond))
		// A lost answer in the middle: Meta has those events, the client does
		// not know it; they are the only ones allowed to arrive twice.
		srv.Enqueue(capitest.Fault{}, capitest.LoseResponse())
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			for srv.EventsReceived() < 60 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
			cancel()
		}()
		r := runIn(ctx, t, edgeEnv(srv), posArgs(f, "--batch-size", "20", "--concurrency", "1")...)
		if r.code != exitPartial {
			t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
		}
		first := srv.Accepted()
		keys := make([]capitest.EventKey, 0, len(first))
		for k := range first {
			keys = append(keys, k)
		}
		inLedger := ledgerHas(t, f.state, keys)
		// Events whose answer was lost: accepted twice already (the client
		// retried them), or accepted but not in the ledger (the run stopped
		// before the retry). One request of 20 lost its answer.
		lost := map[capitest.EventKey]bool{}
		for _, k := range srv.Duplicates() {
			lost[k] = true
		}
		acked := 0
		for _, k := range keys {
			if inLedger[k] {
				acked++
			} else {
				lost[k] = true
			}
		}
		if len(lost) > 20 {
			t.Errorf("%d events accepted twice or missing from the ledger; only the lost answer's batch (20) may be", len(lost))
		}
		s := readSummary(t, f.path("reports"))
		if s.Outcomes.Sent != acked {
			t.Errorf("summary sent %d, ledger holds %d acknowledged events", s.Outcomes.Sent, acked)
		}

		r = runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...)
		if r.code != exitOK {
			t.Fatalf("second run: exit %d; stderr:\n%s", r.code, r.stderr)
		}
		if n := len(srv.Accepted()); n != 280 {
			t.Errorf("double has %d distinct events after the rerun, want 280", n)
		}
		for _, k := range srv.Duplicates() {
			if !lost[k] {
				t.Errorf("event %v accepted twice although its answer was not lost", k)
			}
		}
	})
}

// TestCommandHelp checks what --help says of each flag: one default, as a
// user would type it, and a name for the value of duration flags.
func TestCommandHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"validate", []string{"-max-age duration", "(default 7d)"}},
		{"upload", []string{"-max-age duration", "(default 7d)", "-request-timeout duration", "(default 30s)", "(default 1000)"}},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			r := runIn(t.Context(), t, nil, tc.cmd, "--help")
			if r.code != exitOK {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
			// PrintDefaults puts each flag's usage on its own line.
			for line := range strings.Lines(r.stdout) {
				if strings.Count(line, "(default") > 1 {
					t.Errorf("two defaults in %q", line)
				}
			}
		})
	}
}

func TestDurationFlagString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{7 * 24 * time.Hour, "7d"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "36h0m0s"},
		{30 * time.Second, "30s"},
		{0, "0s"},
	} {
		d := tc.d
		if got := (durationFlag{&d}).String(); got != tc.want {
			t.Errorf("durationFlag(%v).String() = %q, want %q", tc.d, got, tc.want)
		}
		if got, err := parseDuration(tc.want); err != nil || got != tc.d {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tc.want, got, err, tc.d)
		}
	}
}

// A token with a line ending or spaces around it (read from a file) is
// sent without them; one with white space inside is refused before
// anything is read, without echoing it.
func TestTokenWhiteSpace(t *testing.T) {
	setClock(t, sampleNow)
	srv := startEdge(t)
	for _, tc := range []struct {
		name  string
		env   map[string]string
		want  exitCode
		inErr string
	}{
		{"CRLF after the token", map[string]string{"CAPI_ACCESS_TOKEN": srv.Token() + "\r\n", "CAPI_APP_SECRET": ""}, exitOK, ""},
		{"spaces around the token", map[string]string{"CAPI_ACCESS_TOKEN": "  " + srv.Token() + "\t"}, exitOK, ""},
		{"a space inside", map[string]string{"CAPI_ACCESS_TOKEN": "EAAB tok"}, exitFatal, "CAPI_ACCESS_TOKEN holds white space"},
		{"a secret with a line break inside", map[string]string{"CAPI_ACCESS_TOKEN": srv.Token(), "CAPI_APP_SECRET": "abc\ndef"}, exitFatal, "CAPI_APP_SECRET holds white space"},
		{"validate does not use them", map[string]string{"CAPI_ACCESS_TOKEN": "EAAB tok"}, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, sampleNow)
			env := map[string]string{"CAPI_GRAPH_URL": srv.URL}
			for k, v := range tc.env {
				env[k] = v
			}
			args := posArgs(f)
			if strings.HasPrefix(tc.name, "validate") {
				args = []string{"validate", "--config", f.path("pos.yaml"), "--report-dir", f.path("reports"), "--progress", "never", f.path("pos.csv")}
			}
			r := runIn(t.Context(), t, env, args...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.want, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.inErr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.inErr)
			}
			for _, secret := range []string{"EAAB tok", "abc\ndef"} {
				if strings.Contains(r.stderr+r.stdout, secret) {
					t.Errorf("output echoes %q", secret)
				}
			}
		})
	}
}

// The bar counts rows done: with slow requests it climbs batch by batch
// from the rows that made no event, where counting rows read showed every
// row at once.
func TestProgressBarFollowsRequests(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	srv := startEdge(t, capitest.WithLatency(300*time.Millisecond))
	r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--batch-size", "50", "--concurrency", "1", "--progress", "always")...)
	if r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var done []int
	for _, m := range regexp.MustCompile(`\((\d+)/299,`).FindAllStringSubmatch(r.stderr, -1) {
		n, _ := strconv.Atoi(m[1])
		done = append(done, n)
	}
	if !slices.IsSorted(done) {
		t.Errorf("rows done went down: %v", done)
	}
	// 19 rows are rejected or skipped; 280 events go in 6 requests of
	// 300 ms, and the bar is drawn every 150 ms: it shows several steps
	// below 280, and at least three requests settled (19 + 150).
	steps := slices.Compact(slices.Clone(done))
	below := slices.ContainsFunc(done, func(n int) bool { return n > 0 && n < 280 })
	if len(steps) < 3 || !below || slices.Max(done) < 169 {
		t.Errorf("rows done %v: want it to climb request by request", done)
	}
}

// A --max-age above 7 days sends the rows 7 to 30 days old; a double that
// keeps Meta's 7 days refuses the batch (code 100, subcode 2804003), and
// the too-old rows are set aside at once instead of being found by halving
// the batch, which took about two requests per old row.
func TestMaxAgeAboveMetasWindow(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	srv := startEdge(t)
	r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--max-age", "30d")...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	s := readSummary(t, f.path("reports"))
	if s.Outcomes.Sent != 280 || s.Outcomes.Stale != 0 || s.Rejects[string(capi.ReasonAPIRejected)] != 8 {
		t.Errorf("sent %d, stale %d, api_rejected %d; want 280, 0, 8", s.Outcomes.Sent, s.Outcomes.Stale, s.Rejects[string(capi.ReasonAPIRejected)])
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2: the batch, then the batch less its 8 old rows", n)
	}
	if !strings.Contains(r.stderr, "Meta refuses events older than 7 days") {
		t.Errorf("stderr lacks the warning:\n%s", r.stderr)
	}
	rejects, err := os.ReadFile(filepath.Join(f.path("reports"), "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(rejects), ",api_rejected,event_time,\"Event Timestamp Too Old"); got != 8 {
		t.Errorf("rejects.csv has %d api_rejected event_time rows with Meta's message, want 8:\n%s", got, rejects)
	}
}

// TestShortTokenMessage: a wrong token short enough to sit inside ordinary
// words (a typo, a placeholder) is still kept out of the output, but the
// message saying it was refused must stay readable: it was "the access
// token is invalid or eREDACTEDpired" for the token "x".
func TestShortTokenMessage(t *testing.T) {
	setClock(t, sampleNow)
	srv := startEdge(t)
	for _, token := range []string{"x", "e", "ss"} {
		t.Run(token, func(t *testing.T) {
			f := newFixture(t, sampleNow)
			r := runIn(t.Context(), t, map[string]string{"CAPI_GRAPH_URL": srv.URL, "CAPI_ACCESS_TOKEN": token}, posArgs(f)...)
			if r.code != exitFatal {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitFatal, r.stderr)
			}
			for _, want := range []string{"invalid or expired", "generate a new one in Events Manager"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "REDACTED") || strings.Contains(r.stderr, "[redacted]") {
				t.Errorf("stderr has redactions where the token never was:\n%s", r.stderr)
			}
		})
	}
}

// TestJSONLogDurations: a JSON log line gives a duration as text, as the
// text format does, not as a bare count of nanoseconds.
func TestJSONLogDurations(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   string
	}{
		{"json", `"wait":"1.5s"`},
		{"text", `wait=1.5s`},
	} {
		var b bytes.Buffer
		newLogger(&b, tc.format).Info("retrying request", "seq", 3, "wait", 1500*time.Millisecond)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s log line %q lacks %s", tc.format, b.String(), tc.want)
		}
		if tc.format == "json" && !json.Valid(b.Bytes()) {
			t.Errorf("json log line %q is not JSON", b.String())
		}
	}
}

// TestJSONSummaryLine: with --log-format json, stdout is one JSON object
// per line (the summary), so a cron log can be read by a log shipper.
func TestJSONSummaryLine(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	r := runIn(t.Context(), t, nil, "validate", "--config", f.path("pos.yaml"), "--report-dir", f.path("reports"),
		"--progress", "never", "--log-format", "json", f.path("pos.csv"))
	if r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 1 || !json.Valid([]byte(lines[0])) {
		t.Fatalf("stdout is not one JSON line:\n%s", r.stdout)
	}
	var s report.Summary
	if err := json.Unmarshal([]byte(lines[0]), &s); err != nil || s.RowsRead != 299 {
		t.Errorf("summary line: rows_read %d, err %v; want 299", s.RowsRead, err)
	}
}

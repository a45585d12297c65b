package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"capi-upload/report"
	"capi-upload/samples"
	"capi-upload/upload/capitest"

	"github.com/google/go-cmp/cmp"
)

// update rewrites the golden files under testdata/ instead of comparing.
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// sampleNow pins the clock of in-process runs, the samples' event times and
// the double's 7-day window, so that every count and byte is reproducible.
var sampleNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// result is what one run of the command left behind.
type result struct {
	code   exitCode
	stdout string
	stderr string
}

// fixture is a working directory holding freshly generated samples, their
// configs and a place for reports and the ledger.
type fixture struct {
	dir   string
	state string
}

// newFixture generates the samples for when into a temporary directory and
// copies the sample configs beside them.
func newFixture(t testing.TB, when time.Time) *fixture {
	t.Helper()
	dir := t.TempDir()
	if err := samples.Generate(dir, when); err != nil {
		t.Fatalf("generate samples: %v", err)
	}
	for _, name := range []string{"pos.yaml", "crm.yaml"} {
		b, err := os.ReadFile(filepath.Join("samples", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), string(b))
	}
	return &fixture{dir: dir, state: filepath.Join(dir, "ledger.state")}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testClocks are the clocks the end-to-end set runs under: the pinned
// sample time (golden files depend on it) and a year either side of the
// wall clock, so that no test depends on the day it runs.
func testClocks() []struct {
	name string
	at   time.Time
} {
	wall := time.Now().UTC().Truncate(time.Second)
	return []struct {
		name string
		at   time.Time
	}{
		{"pinned", sampleNow},
		{"year_ahead", wall.AddDate(1, 0, 0)},
		{"year_behind", wall.AddDate(-1, 0, 0)},
	}
}

// eachClock runs test once under each of testClocks, with the run's clock
// (and so the double's, the samples' and the ledger's) set to it.
func eachClock(t *testing.T, test func(t *testing.T, at time.Time)) {
	t.Helper()
	for _, c := range testClocks() {
		t.Run(c.name, func(t *testing.T) {
			setClock(t, c.at)
			test(t, c.at)
		})
	}
}

// now is the clock runIn gives the in-process runs; setClock sets it.
var now = time.Now

// setClock makes the in-process runs of this test see a fixed time.
func setClock(t testing.TB, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

// envMap is a getenv over a fixed map: in-process runs never read the
// test process's real environment.
func envMap(m map[string]string) env {
	return func(k string) string { return m[k] }
}

// edgeEnv points a run at the double with its token.
func edgeEnv(srv *capitest.Server) map[string]string {
	return map[string]string{"CAPI_GRAPH_URL": srv.URL, "CAPI_ACCESS_TOKEN": srv.Token()}
}

// runIn calls run in-process with buffers.
func runIn(ctx context.Context, t testing.TB, e map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr, envMap(e), now)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// startEdge starts the double with its clock pinned to the run's clock as
// the test set it (setClock), so both sides judge the 7-day window alike.
func startEdge(t testing.TB, opts ...capitest.Option) *capitest.Server {
	t.Helper()
	at := now()
	opts = append([]capitest.Option{capitest.WithNow(func() time.Time { return at })}, opts...)
	return capitest.Start(t, opts...)
}

// readSummary reads summary.json of a report dir and checks the accounting
// every run must keep: each row read ends in exactly one outcome.
func readSummary(t testing.TB, dir string) *report.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	o := s.Outcomes
	if sum := o.Sent + o.Rejected + o.Stale + o.AlreadySent + o.Failed + o.Skipped; sum != s.RowsRead {
		t.Errorf("summary.json accounting: rows_read %d != sent %d + rejected %d + stale %d + already_sent %d + failed %d + skipped %d = %d",
			s.RowsRead, o.Sent, o.Rejected, o.Stale, o.AlreadySent, o.Failed, o.Skipped, sum)
	}
	return &s
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// mustContain fails unless s holds every one of subs.
func mustContain(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not mention %q:\n%s", what, sub, s)
		}
	}
}

package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"capi-upload/upload"
	"capi-upload/upload/capitest"
)

// binPath is the capi-upload binary built once by TestMain for the tests
// that run it as a subprocess; "" when it could not be built.
var binPath string

func TestMain(m *testing.M) {
	if out := os.Getenv(rssWrapEnv); out != "" {
		os.Exit(rssWrap(out, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "capi-upload-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if gobin, err := exec.LookPath("go"); err == nil {
		p := filepath.Join(dir, "capi-upload")
		cmd := exec.Command(gobin, "build", "-o", p, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building capi-upload for the end-to-end tests: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		binPath = p
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rssWrapEnv makes the test binary a small wrapper that runs its
// arguments and writes the child's peak memory to the file named. The
// wrapper is needed because a child forked from the big test process
// inherits that process's memory high-water mark in ru_maxrss until exec;
// forked from the fresh wrapper, the figure is the binary's own (plus a few
// MB of the wrapper).
const rssWrapEnv = "CAPI_UPLOAD_TEST_RSS_OUT"

func rssWrap(out string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, rssWrapEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		fmt.Fprintln(os.Stderr, "rss wrapper:", err)
		return 125
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	if err := os.WriteFile(out, []byte(strconv.FormatInt(rss, 10)), 0o644); err != nil {
		return 125
	}
	return cmd.ProcessState.ExitCode()
}

// runBinRSS is runBin that also measures the binary's peak memory.
func runBinRSS(t testing.TB, dir string, e map[string]string, args ...string) proc {
	t.Helper()
	if binPath == "" {
		t.Skip("no go command to build the binary with")
	}
	self, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary to wrap the run with:", err)
	}
	out := filepath.Join(t.TempDir(), "rss")
	cmd, stdout, stderr := command(t, dir, e, args...)
	cmd.Path = self
	cmd.Args = append([]string{self, binPath}, args...)
	cmd.Env = append(cmd.Env, rssWrapEnv+"="+out)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	p := finish(t, cmd, stdout, stderr, start)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("peak memory not measured: %v; stderr:\n%s", err, p.stderr)
	}
	p.maxRSS, _ = strconv.ParseInt(string(b), 10, 64)
	return p
}

// proc is one subprocess run of the binary.
type proc struct {
	code   int
	stdout string
	stderr string
	maxRSS int64 // bytes; only from runBinRSS
	took   time.Duration
}

// command prepares the binary with args and exactly the environment in e
// (plus PATH and HOME), in working directory dir.
func command(t testing.TB, dir string, e map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	if binPath == "" {
		t.Skip("no go command to build the binary with")
	}
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// finish waits for cmd and collects its exit status and peak memory.
func finish(t testing.TB, cmd *exec.Cmd, stdout, stderr *bytes.Buffer, start time.Time) proc {
	t.Helper()
	err := cmd.Wait()
	p := proc{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	p.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return p
}

// runBin runs the binary to completion, failing the test after a minute.
func runBin(t testing.TB, dir string, e map[string]string, args ...string) proc {
	t.Helper()
	cmd, stdout, stderr := command(t, dir, e, args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return finish(t, cmd, stdout, stderr, start)
}

// binEnv is the environment for a subprocess sending to srv.
func binEnv(srv *capitest.Server) map[string]string {
	return map[string]string{"CAPI_GRAPH_URL": srv.URL, "CAPI_ACCESS_TOKEN": srv.Token()}
}

// e2eArgs uploads the POS sample of f with small retry limits.
func e2eArgs(f *fixture, extra ...string) []string {
	args := []string{"upload", "--config", "pos.yaml", "--state", f.state, "--report-dir", "reports",
		"--progress", "never", "--max-attempts", "2", "--request-timeout", "5s"}
	return append(append(args, extra...), "pos.csv")
}

// TestE2EExitCodes runs the built binary on the samples, generated for the
// real clock, against the double.
func TestE2EExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		fault *capitest.Fault
		input string // a file written into the fixture instead of pos.csv
		want  int
		sent  int
	}{
		{name: "all sent", want: 0, sent: 280},
		{name: "token expired", fault: ptr(capitest.TokenError(capitest.SubcodeTokenExpired)), want: 1},
		{name: "5xx for ever", fault: ptr(capitest.HTTPStatus(502)), want: 3},
		{name: "mostly bad rows", input: badRowsCSV(time.Now(), 2, 8), want: 4, sent: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, time.Now())
			srv := capitest.Start(t)
			if tt.fault != nil {
				srv.SetFault(*tt.fault)
			}
			args := e2eArgs(f)
			if tt.input != "" {
				writeFile(t, f.path("pos.csv"), tt.input)
			}
			p := runBin(t, f.dir, binEnv(srv), args...)
			if p.code != tt.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", p.code, tt.want, p.stderr)
			}
			s := readSummary(t, f.path("reports"))
			if s.Outcomes.Sent != tt.sent || srv.EventsReceived() != tt.sent {
				t.Errorf("summary sent %d, double received %d, want %d", s.Outcomes.Sent, srv.EventsReceived(), tt.sent)
			}
			if p.took > 15*time.Second {
				t.Errorf("took %v", p.took)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// startUntil starts the binary and sends sig once the double has accepted
// at least n events.
func startUntil(t *testing.T, f *fixture, srv *capitest.Server, n int, sig os.Signal, args ...string) proc {
	t.Helper()
	cmd, stdout, stderr := command(t, f.dir, binEnv(srv), args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for srv.EventsReceived() < n && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal: %v", err)
	}
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return finish(t, cmd, stdout, stderr, start)
}

// TestE2ESIGINT: Ctrl-C mid-upload exits 3 within seconds, writes the
// reports, and leaves a ledger holding exactly what the double accepted.
func TestE2ESIGINT(t *testing.T) {
	f := newFixture(t, time.Now())
	srv := capitest.Start(t, capitest.WithLatency(50*time.Millisecond))
	p := startUntil(t, f, srv, 30, os.Interrupt, e2eArgs(f, "--batch-size", "10", "--concurrency", "2")...)
	if p.code != 3 {
		t.Fatalf("exit %d after SIGINT, want 3; stderr:\n%s", p.code, p.stderr)
	}
	if p.took > 10*time.Second {
		t.Errorf("took %v to stop", p.took)
	}
	s := readSummary(t, f.path("reports"))
	accepted := srv.Accepted()
	if len(accepted) >= 280 {
		t.Fatalf("all %d events went out before the signal; the test wants a run cut short", len(accepted))
	}
	if s.Outcomes.Sent != len(accepted) || s.Outcomes.Failed == 0 {
		t.Errorf("summary sent %d failed %d; double accepted %d", s.Outcomes.Sent, s.Outcomes.Failed, len(accepted))
	}
	keys := make([]capitest.EventKey, 0, len(accepted))
	for k := range accepted {
		keys = append(keys, k)
	}
	if got := ledgerHas(t, f.state, keys); len(got) != len(keys) {
		t.Errorf("ledger holds %d of the %d events the double accepted", len(got), len(keys))
	}
	if _, err := os.Stat(f.path("reports/rejects.csv")); err != nil {
		t.Errorf("rejects.csv after SIGINT: %v", err)
	}
}

// TestE2ESIGKILL: a run killed outright, then run again: every good row
// arrives, and a row that arrived twice carries the same event_id (Meta
// deduplicates it), never a new one.
func TestE2ESIGKILL(t *testing.T) {
	f := newFixture(t, time.Now())
	srv := capitest.Start(t, capitest.WithLatency(40*time.Millisecond))
	p := startUntil(t, f, srv, 40, syscall.SIGKILL, e2eArgs(f, "--batch-size", "10", "--concurrency", "3")...)
	if p.code != -1 {
		t.Fatalf("exit %d after SIGKILL; stderr:\n%s", p.code, p.stderr)
	}
	first := len(srv.Accepted())
	if first >= 280 {
		t.Fatalf("all events went out before the kill")
	}
	srv.ClearFaults()
	p = runBin(t, f.dir, binEnv(srv), e2eArgs(f)...)
	if p.code != 0 {
		t.Fatalf("run after SIGKILL: exit %d, want 0; stderr:\n%s", p.code, p.stderr)
	}
	s := readSummary(t, f.path("reports"))
	if got := len(srv.Accepted()); got != 280 {
		t.Errorf("double has %d distinct events, want all 280 good rows (each under one event_id)", got)
	}
	// The double keys events by event_name and event_id: 280 distinct keys
	// for 280 good rows, with every duplicate under its own key, means no row
	// was sent again under another id.
	// Sent again may be the 3 batches in flight at the kill, and those
	// acknowledged within the last ledger commit gap: at most 3 per 40 ms.
	inGap := 3 * int(math.Ceil(float64(upload.LedgerCommitGap)/float64(40*time.Millisecond)))
	if d := srv.Duplicates(); len(d) > (3+inGap)*10 {
		t.Errorf("%d events accepted twice; at most the 3 batches in flight at the kill and the %d acknowledged in a commit gap may be", len(d), inGap)
	}
	if s.Outcomes.AlreadySent+s.Outcomes.Sent != 280 {
		t.Errorf("rerun: already_sent %d + sent %d != 280", s.Outcomes.AlreadySent, s.Outcomes.Sent)
	}
}

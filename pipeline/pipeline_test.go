package pipeline

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"capi-upload/mapping"
	"capi-upload/report"
	"capi-upload/samples"
	"capi-upload/upload/capitest"
)

// sampleNow pins the clock of the runs and the samples' event times.
var sampleNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fixture is a working directory holding freshly generated samples and a
// place for reports and the ledger.
type fixture struct{ dir string }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	if err := samples.Generate(dir, sampleNow); err != nil {
		t.Fatalf("generate samples: %v", err)
	}
	return &fixture{dir: dir}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// options are the CLI's defaults for a run of the sample POS config over
// the named input of f.
func (f *fixture) options(t testing.TB, command, input string) Options {
	t.Helper()
	cfg, err := mapping.Load(filepath.Join("..", "samples", "pos.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Command: command, Config: cfg, Inputs: []string{f.path(input)},
		ReportDir: f.path("reports"), StatePath: f.path("ledger.state"),
		MaxAttempts: 2, RequestTimeout: 5 * time.Second, MaxAge: 7 * 24 * time.Hour,
		MaxRejectRatio: 0.5, Now: func() time.Time { return sampleNow },
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// badRowsCSV is a POS export of good rows with an email and bad ones
// without any customer data.
func badRowsCSV(at time.Time, good, bad int) string {
	var b strings.Builder
	b.WriteString("Receipt No;Sale Date;Store;Email;Phone;First Name;Last Name;City;State;Zip;Country;Total;Currency;SKUs;Qty;Type\n")
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	when := at.Add(-2 * time.Hour).In(loc).Format("01/02/2006 15:04")
	for i := range good + bad {
		email := fmt.Sprintf("buyer%d@example.com", i)
		if i >= good {
			email = ""
		}
		fmt.Fprintf(&b, "9%05d;%s;S1;%s;;;;;;;;10,00;USD;1;1;SALE\n", i, when, email)
	}
	return b.String()
}

// TestRunDuplicates: a file of 630 rows whose last 30 repeat the first
// 30 receipts has 30 duplicate_event_id rejects and 600 events built.
func TestRunDuplicates(t *testing.T) {
	f := newFixture(t)
	csv := badRowsCSV(sampleNow, 600, 0)
	lines := strings.SplitAfter(csv, "\n")
	csv += strings.Join(lines[1:31], "")
	writeFile(t, f.path("dups.csv"), csv)
	res, err := Run(t.Context(), f.options(t, "validate", "dups.csv"))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := res.Summary
	if got := s.Rejects["duplicate_event_id"]; got != 30 || s.Outcomes.Sent != 600 {
		t.Errorf("%d duplicate_event_id and %d built; want %d and 600", got, s.Outcomes.Sent, 30)
	}
}

// fullDisk passes left bytes on to w, then fails as a full disk does.
type fullDisk struct {
	w    io.Writer
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.left {
		d.left -= len(p)
		return d.w.Write(p)
	}
	n, _ := d.w.Write(p[:d.left])
	d.left = 0
	return n, &fs.PathError{Op: "write", Path: "/tmp/.rejects.csv.123.tmp", Err: syscall.ENOSPC}
}

// TestRejectsOnFullDisk: rejects.csv cannot be written (the disk filled).
// The run fails (exit 1) naming the file and the disk problem, once;
// summary.json and report.html say they are incomplete and still add up;
// the summary text does not point at a rejects.csv that does not exist,
// and no "internal error" is claimed.
func TestRejectsOnFullDisk(t *testing.T) {
	for _, tt := range []struct {
		name string
		left int // bytes that fit: a few fail at the last flush; more than a buffer fail mid-run
	}{{"at close", 200}, {"mid-run", 70 << 10}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			srv := capitest.Start(t, capitest.WithNow(func() time.Time { return sampleNow }))
			// Enough rejected rows to overflow the writer's buffer mid-run:
			// the sample's rows, many times over (duplicate_event_id).
			var b strings.Builder
			src, err := os.ReadFile(f.path("pos.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(src), "\n")
			b.WriteString(lines[0])
			for range 40 {
				for _, l := range lines[1:] {
					b.WriteString(l)
				}
			}
			writeFile(t, f.path("pos.csv"), b.String())
			dir := f.path("reports")
			o := f.options(t, "upload", "pos.csv")
			o.GraphURL, o.Token, o.MaxRejectRatio = srv.URL, srv.Token(), 1
			o.wrapRejects = func(w io.Writer) io.Writer { return &fullDisk{w: w, left: tt.left} }
			res, err := Run(t.Context(), o)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			want := "write " + filepath.Join(dir, "rejects.csv") + ": no space left on device"
			if n := strings.Count(err.Error(), want); n != 1 {
				t.Errorf("the error names the failure %d times, want once:\n%v", n, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("the error claims an internal error:\n%v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "rejects.csv")); err == nil {
				t.Error("a rejects.csv exists although it could not be written")
			}
			s := res.Summary
			if s == nil {
				t.Fatal("no summary")
			}
			if err := s.Check(); err != nil {
				t.Errorf("summary accounting: %v", err)
			}
			if !strings.Contains(s.Incomplete, want) {
				t.Errorf("summary.json incomplete = %q, want it to name %q", s.Incomplete, want)
			}
			html, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range []string{`id="incomplete"`, "no space left on device"} {
				if !strings.Contains(string(html), sub) {
					t.Errorf("report.html does not mention %q", sub)
				}
			}
			if strings.Contains(string(html), "Every row is listed in rejects.csv") {
				t.Error("report.html points at rejects.csv")
			}
			var text bytes.Buffer
			if err := report.WriteText(&text, s); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "INCOMPLETE") {
				t.Errorf("summary text does not say INCOMPLETE:\n%s", text.String())
			}
			if strings.Contains(text.String(), "rejects.csv,") || strings.Contains(text.String(), "(rejects.csv") {
				t.Errorf("summary text points at rejects.csv:\n%s", text.String())
			}
		})
	}
}

// Runs that start in the same second get report directories of their own.
func TestNewReportDir(t *testing.T) {
	t.Parallel()
	parent := filepath.Join(t.TempDir(), "reports")
	at := time.Date(2026, 11, 26, 2, 0, 0, 900_000_000, time.FixedZone("CET", 3600))
	var got []string
	for range 3 {
		dir, err := newReportDir(parent, at)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Fatalf("%s: not a directory (%v)", dir, err)
		}
		got = append(got, filepath.Base(dir))
	}
	want := []string{"20261126T010000Z", "20261126T010000Z-2", "20261126T010000Z-3"}
	if !slices.Equal(got, want) {
		t.Errorf("dirs %q, want %q", got, want)
	}
	// A parent that cannot hold directories is an error, not a loop.
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "x")
	if dir, err := newReportDir(file, at); err == nil {
		t.Errorf("newReportDir under a file = %q, want an error", dir)
	}
}

// TestOnProgress: a front end's progress callback ends with a call that
// says Done and holds the run's final counts.
func TestOnProgress(t *testing.T) {
	f := newFixture(t)
	o := f.options(t, "validate", "pos.csv")
	var last Progress
	calls := 0
	o.OnProgress = func(p Progress) { last = p; calls++ }
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !last.Done || calls == 0 {
		t.Fatalf("last progress %+v after %d calls, want Done", last, calls)
	}
	if last.RowsRead != res.Summary.RowsRead || last.Sent != res.Summary.Outcomes.Sent {
		t.Errorf("last progress %+v, summary rows %d sent %d", last, res.Summary.RowsRead, res.Summary.Outcomes.Sent)
	}
}

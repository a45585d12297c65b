package samples_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ingest"
	"capi-upload/mapping"
	"capi-upload/samples"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// now pins the samples' clock: every count below depends on it.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const maxAge = 7 * 24 * time.Hour

// outcome tallies what the pipeline would do with each row of a sample,
// the way validate counts it: skipped by map, rejected per reason, or an
// event built, plus the customer values dropped per key and code.
func outcome(t *testing.T, config, input string) string {
	t.Helper()
	cfg, err := mapping.Load(config)
	if err != nil {
		t.Fatalf("mapping.Load(%s): %v", config, err)
	}
	r, err := ingest.Open(input, cfg.IngestOptions())
	if err != nil {
		t.Fatalf("ingest.Open(%s): %v", input, err)
	}
	defer r.Close()
	m, err := mapping.NewMapper(cfg, filepath.Base(input), r.Header())
	if err != nil {
		t.Fatalf("NewMapper: %v", err)
	}
	counts := map[string]int{}
	seen := map[string]bool{}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		counts["rows"]++
		ev, err := m.Map(row)
		if errors.Is(err, mapping.ErrSkip) {
			counts["skipped"]++
			continue
		}
		if re, ok := errors.AsType[*mapping.RowError](err); ok {
			counts["reject "+string(re.Reason)]++
			continue
		}
		if err != nil {
			t.Fatalf("Map(row %d): %v", row.Line, err)
		}
		for _, inv := range ev.Invalid {
			counts["invalid "+inv.Key+" "+inv.Reason]++
		}
		if reason := capi.CheckTime(ev.EventTime, now, maxAge); reason != "" {
			counts["reject "+string(reason)]++
			continue
		}
		if k := ev.LedgerKey(cfg.PixelID); seen[k] {
			counts["reject "+string(capi.ReasonDuplicateEventID)]++
			continue
		} else {
			seen[k] = true
		}
		counts["events"]++
		for i, vs := range ev.UserData {
			if len(vs) > 0 {
				counts["key "+capi.UserKeys[i]]++
			}
		}
	}
	var lines []string
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./samples -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TestSamples generates both samples and pins how many rows become events
// and why the others do not, so a change in the generator, the configs or
// the mapping cannot silently change what the quick start shows.
func TestSamples(t *testing.T) {
	dir := t.TempDir()
	if err := samples.Generate(dir, now); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, config, input string
	}{
		{"pos", "pos.yaml", samples.POSFile},
		{"crm", "crm.yaml", samples.CRMFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outcome(t, tt.config, filepath.Join(dir, tt.input))
			golden(t, tt.name+".counts.golden", got)
			if !strings.Contains("\n"+got, "\nevents ") {
				t.Errorf("no events built from %s:\n%s", tt.input, got)
			}
		})
	}
}

// TestGenerateDeterministic checks the promise the golden counts rest on:
// one now, one set of bytes.
func TestGenerateDeterministic(t *testing.T) {
	for _, w := range []struct {
		name  string
		write func(io.Writer, time.Time) error
	}{
		{"pos", samples.WritePOS},
		{"crm", samples.WriteCRM},
	} {
		t.Run(w.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := w.write(&a, now); err != nil {
				t.Fatal(err)
			}
			if err := w.write(&b, now); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("two runs with now=%s differ", now)
			}
			var c bytes.Buffer
			if err := w.write(&c, now.Add(48*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Errorf("output does not depend on now")
			}
		})
	}
}

// TestPOSIsWindows1252 checks the encoding promise: pos.csv is not UTF-8,
// so a reader that assumes UTF-8 would garble the accented names.
func TestPOSIsWindows1252(t *testing.T) {
	var b bytes.Buffer
	if err := samples.WritePOS(&b, now); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("Mu\xf1oz")) {
		t.Errorf("pos.csv lacks the Windows-1252 bytes of Muñoz")
	}
	if !bytes.HasPrefix(b.Bytes(), []byte(strings.Join(samples.POSHeader, ";")+"\r\n")) {
		t.Errorf("pos.csv does not start with the ;-separated header and CRLF")
	}
}

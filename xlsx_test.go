package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateXLSXDateCellsWithLayout: a config that writes the layout the
// user sees in Excel ("2006-01-02 15:04") for the CRM's date cells builds
// the same events as format excel, instead of rejecting every row as
// bad_time: a date cell is a point in time whatever the format says.
func TestValidateXLSXDateCellsWithLayout(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	b, err := os.ReadFile(f.path("crm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config := string(b)
	for old, layout := range map[string]string{
		"event_time: { column: Created, format: excel }": `event_time: { column: Created, format: "2006-01-02 15:04" }`,
		"db: { column: Birthday, format: excel }":        `db: { column: Birthday, format: "02/01/2006" }`,
	} {
		if !strings.Contains(config, old) {
			t.Fatalf("samples/crm.yaml no longer has %q", old)
		}
		config = strings.Replace(config, old, layout, 1)
	}
	writeFile(t, f.path("layout.yaml"), config)

	validate := func(cfg string) string {
		t.Helper()
		reports := filepath.Join(f.dir, "reports-"+cfg)
		r := runIn(t.Context(), t, nil, "validate", "--config", f.path(cfg), "--state", f.state,
			"--report-dir", reports, "--progress", "never", f.path("crm.xlsx"))
		if r.code != exitOK {
			t.Fatalf("validate --config %s: exit %d, want 0; stderr:\n%s", cfg, r.code, r.stderr)
		}
		s := readSummary(t, reports)
		if s.Outcomes.Rejected > 3 {
			t.Errorf("validate --config %s rejected %d rows, want the sample's 3", cfg, s.Outcomes.Rejected)
		}
		return strings.ReplaceAll(r.stdout, reports, "$REPORTS")
	}
	excel, layout := validate("crm.yaml"), validate("layout.yaml")
	if layout != excel {
		t.Errorf("validate with layouts:\n%s\nwant as with format excel:\n%s", layout, excel)
	}
	if !strings.Contains(layout, "built               142") {
		t.Errorf("validate with layouts built other than the sample's 142 events:\n%s", layout)
	}
}

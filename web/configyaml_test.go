package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"capi-upload/mapping"
	"capi-upload/samples"
)

// corpus lists the real exports and the samples, each with the config the
// command line would use: init's proposal, or the sample's own YAML.
func corpus(t *testing.T) []struct{ path, yaml string } {
	t.Helper()
	var out []struct{ path, yaml string }
	for _, pat := range []string{"../testdata/exports/*", "../testdata/exports/holdout/*"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			if strings.HasSuffix(f, ".json") || strings.HasSuffix(f, ".md") {
				continue
			}
			if st, err := os.Stat(f); err != nil || st.IsDir() {
				continue
			}
			y, err := propose(t.Context(), f)
			if err != nil {
				t.Fatalf("propose %s: %v", f, err)
			}
			out = append(out, struct{ path, yaml string }{f, string(y)})
		}
	}
	dir := t.TempDir()
	if err := samples.Generate(dir, time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ file, yaml string }{{samples.POSFile, "../samples/pos.yaml"}, {"crm.xlsx", "../samples/crm.yaml"}} {
		y, err := os.ReadFile(s.yaml)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct{ path, yaml string }{filepath.Join(dir, s.file), string(y)})
	}
	if len(out) < 10 {
		t.Fatalf("corpus has %d files", len(out))
	}
	return out
}

// mapAll maps every row of path with cfg, one line per row: the event as
// sent, or the error.
func mapAll(t *testing.T, path string, cfg *mapping.Config) []string {
	t.Helper()
	r, err := openReader(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := mapping.NewMapper(cfg, filepath.Base(path), r.Header())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m.Now = func() time.Time { return time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC) }
	var out []string
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out = append(out, "read: "+err.Error())
			continue
		}
		ev, err := m.Map(row)
		if err != nil {
			out = append(out, fmt.Sprintf("%d: %v", row.Line, err))
			continue
		}
		out = append(out, fmt.Sprintf("%d: %s %v", row.Line, ev.AppendJSON(nil), ev.Invalid))
	}
}

// TestConfigRoundTrip: a config loaded and saved by the page reads back
// the same and maps every row of its file the same way, and so does the
// mapping form posted unchanged: every file of the corpus is mapped in
// the page without typing YAML.
func TestConfigRoundTrip(t *testing.T) {
	for _, c := range corpus(t) {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			cfg1, err := mapping.Parse(strings.NewReader(c.yaml))
			if err != nil {
				t.Fatalf("Parse(proposal) = %v", err)
			}
			y, err := mapping.MarshalConfig(cfg1)
			if err != nil {
				t.Fatal(err)
			}
			cfg2, err := mapping.Parse(bytes.NewReader(y))
			if err != nil {
				t.Fatalf("Parse(MarshalConfig) = %v\n%s", err, y)
			}
			y2, err := mapping.MarshalConfig(cfg2)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(y, y2) {
				t.Errorf("MarshalConfig is not stable:\n%s\n---\n%s", y, y2)
			}
			want := mapAll(t, c.path, cfg1)
			if got := mapAll(t, c.path, cfg2); !slices.Equal(got, want) {
				t.Errorf("saved config maps rows differently:\n%s", firstDiff(got, want))
			}

			// The form as the page renders it, posted unchanged.
			cols, header, err := buildColumns(c.path, cfg1, nil)
			if err != nil {
				t.Fatal(err)
			}
			f := mappingForm{Assign: map[int][]string{}, Format: map[int]string{},
				PixelID: cfg1.PixelID, Zone: cfg1.Timezone, Country: cfg1.DefaultCountry}
			f.EventName, _ = specValue(cfg1.Fields.EventName)
			f.ActionSource, _ = specValue(cfg1.Fields.ActionSource)
			for _, col := range cols {
				f.Assign[col.Index] = col.Assign
				f.Format[col.Index] = col.Format
			}
			cfg3 := applyForm(cfg1, header, f)
			y3, err := mapping.MarshalConfig(cfg3)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(y3, y) {
				t.Errorf("the unchanged form changed the config:\n%s\n---\n%s", y, y3)
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d rows, want %d", len(got), len(want))
}

func TestApplyFormChanges(t *testing.T) {
	t.Parallel()
	cfg, err := mapping.Parse(strings.NewReader(`
pixel_id: "1"
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Date", format: "2006-01-02" }
  user_data:
    em: "Email"
  custom_data:
    value: { column: "Total", decimal: "," }
    currency: { value: EUR }
`))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Date", "Email", "Total", "Name", "Store", "Time"}
	f := mappingForm{
		Assign: map[int][]string{0: {"event_time"}, 1: {"user_data.em"}, 2: {"custom_data.value"},
			3: {pathName}, 4: {pathCustom}, 5: {pathTime}},
		Format:  map[int]string{0: "2006-01-02 15:04"},
		PixelID: "123", Zone: "Europe/Berlin", Country: "de", EventName: "Lead", ActionSource: "phone_call",
	}
	got := applyForm(cfg, header, f)
	y, err := mapping.MarshalConfig(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`pixel_id: "123"`, `timezone: Europe/Berlin`, `default_country: DE`,
		`event_name: {value: Lead}`, `action_source: {value: phone_call}`,
		`event_time: {column: Date, format: '2006-01-02 15:04', time: Time}`,
		`fn: {column: Name, part: first}`, `ln: {column: Name, part: last}`,
		`value: {column: Total, decimal: ','}`, `store: Store`,
	} {
		if !strings.Contains(string(y), want) {
			t.Errorf("config lacks %q:\n%s", want, y)
		}
	}
	if _, err := mapping.Parse(bytes.NewReader(y)); err != nil {
		t.Errorf("Parse = %v", err)
	}
	// Unmapping a column removes its field.
	f.Assign[1] = []string{""}
	if got := applyForm(cfg, header, f); got.Fields.UserData["em"] != nil {
		t.Errorf("em still mapped after the column was set to not used")
	}
	if cfg.Fields.UserData["em"] == nil {
		t.Errorf("applyForm changed its input")
	}
}

func TestParseChecks(t *testing.T) {
	t.Parallel()
	y, err := os.ReadFile("testdata/shopify_proposal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := parseChecks(y)
	keys := map[string]bool{}
	cols := map[string]bool{}
	for _, c := range got {
		keys[c.Key] = true
		for _, col := range c.Columns {
			cols[col] = true
		}
		if strings.Contains(c.Text, "CHECK:") && strings.HasPrefix(c.Text, "CHECK") {
			t.Errorf("text keeps its CHECK prefix: %q", c.Text)
		}
	}
	for _, k := range []string{"pixel_id", "event_name", "action_source", "custom_data.value", "skip"} {
		if !keys[k] {
			t.Errorf("no CHECK item at %s; got %+v", k, got)
		}
	}
	for _, c := range []string{"Paid at", "Total", "Financial Status"} {
		if !cols[c] {
			t.Errorf("column %q not highlighted; got %+v", c, got)
		}
	}
	if cols["Subtotal"] {
		t.Errorf("an alternative the comment mentions is highlighted: %+v", got)
	}
}

package mapping

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"capi-upload/ingest"
)

// minimal is the smallest valid config; broken configs below are built
// from it so each row of the table changes one thing.
const minimal = `pixel_id: "123"
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: Date
  user_data:
    em: Email
`

func TestLoadFull(t *testing.T) {
	cfg, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	no := false
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"pixel", cfg.PixelID, "123456789012345"},
		{"version", cfg.APIVersion, "v24.0"},
		{"location", cfg.Location.String(), "America/Chicago"},
		{"country", cfg.DefaultCountry, "US"},
		{"max_age", time.Duration(cfg.MaxAge), 7 * 24 * time.Hour},
		{"timeout", time.Duration(cfg.Upload.RequestTimeout), 45 * time.Second},
		{"batch", cfg.Upload.BatchSize, 500},
		{"tag", cfg.Upload.UploadTag, "nightly-pos"},
		{"em", cfg.Fields.UserData["em"].Columns, []string{"Email", "Email 2"}},
		{"db format", cfg.Fields.UserData["db"].Format, "2006-01-02"},
		{"external_id hash", cfg.Fields.UserData["external_id"].Hash, &no},
		{"event_name map", cfg.Fields.EventName.Map, map[string]string{"SALE": "Purchase", "RETURN": ""}},
		{"currency", cfg.Fields.CustomData["currency"].Value, "USD"},
		{"split", cfg.Fields.CustomData["content_ids"].Split, "|"},
		{"dpo", cfg.Fields.DataProcessingOptions.Value, []string{}},
		{"event_time line", cfg.Fields.EventTime.Line, 19},
		{"ingest", cfg.IngestOptions(), ingest.Options{Delimiter: ';', Encoding: "windows-1252", Sheet: "Sales", HeaderRow: 2}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIVersion != "v24.0" || cfg.Location != time.UTC || cfg.Input.HeaderRow != 1 {
		t.Errorf("defaults = %q %v %d, want v24.0 UTC 1", cfg.APIVersion, cfg.Location, cfg.Input.HeaderRow)
	}
	if got := cfg.IngestOptions(); got != (ingest.Options{HeaderRow: 1}) {
		t.Errorf("IngestOptions() = %+v, want sniffing", got)
	}
}

// replace returns minimal with old replaced by new (which must occur).
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(minimal, old) {
		t.Fatalf("minimal has no %q", old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		config func(t *testing.T) string
		want   string
		is     error
	}{
		{"unknown top key", func(t *testing.T) string { return minimal + "pixelid: 1\n" }, `line 8: pixelid: unknown key (did you mean pixel_id?)`, ErrUnknownKey},
		{"unknown user key", func(t *testing.T) string { return replace(t, "    em: Email", "    emial: Email") }, `line 7: fields.user_data.emial: unknown key (did you mean em?)`, ErrUnknownKey},
		{"unknown spec key", func(t *testing.T) string { return replace(t, "event_time: Date", "event_time: { colum: Date }") }, `line 5: fields.event_time.colum: unknown key (did you mean column?)`, ErrUnknownKey},
		{"wrong type top", func(t *testing.T) string { return replace(t, `pixel_id: "123"`, "pixel_id: [1]") }, `line 1: pixel_id: wrong type: want a string, got a list`, ErrWrongType},
		{"wrong type spec", func(t *testing.T) string { return replace(t, "event_time: Date", "event_time: true") }, `line 5: fields.event_time: wrong type: want a string (quote it), got true/false`, ErrWrongType},
		{"wrong type int", func(t *testing.T) string { return minimal + "upload: { batch_size: many }\n" }, `line 8: upload.batch_size: wrong type: want a whole number, got a string`, ErrWrongType},
		{"batch too big", func(t *testing.T) string { return minimal + "upload:\n  batch_size: 1001\n" }, `line 9: upload.batch_size: invalid value: 1001: want 1 to 1000 (Meta takes at most 1000 events per request)`, ErrInvalid},
		{"concurrency zero", func(t *testing.T) string { return minimal + "upload:\n  concurrency: 0\n" }, `line 9: upload.concurrency: invalid value: 0: want 1 to 64`, ErrInvalid},
		{"max attempts zero", func(t *testing.T) string { return minimal + "upload:\n  max_attempts: 0\n" }, `line 9: upload.max_attempts: invalid value: 0: want 1 to 100`, ErrInvalid},
		{"reject ratio", func(t *testing.T) string { return minimal + "max_reject_ratio: 1.5\n" }, `line 8: max_reject_ratio: invalid value: 1.5: want a ratio from 0 to 1`, ErrInvalid},
		{"bad duration", func(t *testing.T) string { return minimal + "max_age: 7 days\n" }, `line 8: max_age: invalid value: "7 days" is not a duration such as "7d" or "36h"`, ErrInvalid},
		{"no pixel", func(t *testing.T) string { return replace(t, `pixel_id: "123"`, "") }, `pixel_id: required`, ErrMissingRequired},
		{"pixel not numeric", func(t *testing.T) string { return replace(t, `pixel_id: "123"`, `pixel_id: "act_123"`) }, `line 1: pixel_id: invalid value: "act_123" is not a pixel (dataset) id: want digits only`, ErrInvalid},
		{"api version", func(t *testing.T) string { return minimal + "api_version: 24\n" }, `line 8: api_version: invalid value: "24": want a Graph API version such as v24.0`, ErrInvalid},
		{"timezone", func(t *testing.T) string { return minimal + "timezone: Mars/Olympus\n" }, `line 8: timezone: invalid value: "Mars/Olympus" is not an IANA time zone such as America/Chicago or UTC`, ErrInvalid},
		{"timezone local", func(t *testing.T) string { return minimal + "timezone: Local\n" }, `line 8: timezone: invalid value: "Local" is not an IANA time zone such as America/Chicago or UTC`, ErrInvalid},
		{"country", func(t *testing.T) string { return minimal + "default_country: XX\n" }, `line 8: default_country: invalid value: "XX" is not a country: want an ISO 3166-1 alpha-2 code such as US`, ErrInvalid},
		{"delimiter", func(t *testing.T) string { return minimal + "input: { delimiter: ':' }\n" }, `line 8: input.delimiter: invalid value: ":": want auto, ",", ";", "\t" or "|"`, ErrInvalid},
		{"encoding", func(t *testing.T) string { return minimal + "input: { encoding: latin9 }\n" }, `line 8: input.encoding: invalid value: "latin9": want auto, utf-8, utf-16 or windows-1252`, ErrInvalid},
		{"header row", func(t *testing.T) string { return minimal + "input: { header_row: 0 }\n" }, `line 8: input.header_row: invalid value: 0: want a row number from 1 to 1000`, ErrInvalid},
		{"no event_time", func(t *testing.T) string { return replace(t, "  event_time: Date\n", "") }, `line 2: fields.event_time: required`, ErrMissingRequired},
		{"no user data", func(t *testing.T) string { return replace(t, "  user_data:\n    em: Email\n", "") }, `line 2: fields.user_data: required: map at least one customer key (em, ph, fn, ln, ct, st, zp, country, db, ge, external_id, client_ip_address, client_user_agent, fbc, fbp, lead_id, subscription_id, fb_login_id, madid): Meta matches events to people by them`, ErrMissingRequired},
		{"action source", func(t *testing.T) string { return replace(t, "physical_store", "store") }, `line 4: fields.action_source.value: invalid value: "store": want one of email, website, app, phone_call, chat, physical_store, system_generated, business_messaging, other`, ErrInvalid},
		{"format YYYY", func(t *testing.T) string {
			return replace(t, "event_time: Date", "event_time: { column: Date, format: YYYY-MM-DD }")
		}, `line 5: fields.event_time.format: invalid value: "YYYY-MM-DD" is not a time format: want unix, unix_ms, excel, rfc3339, auto, or a Go layout with year, month and day (found "YYYY": a Go layout writes Go's reference time Mon Jan 2 15:04:05 2006 as the dates should look, e.g. "2006-01-02 15:04:05" or "01/02/2006 3:04 PM")`, ErrInvalid},
		{"format no date", func(t *testing.T) string {
			return replace(t, "event_time: Date", "event_time: { column: Date, format: '15:04' }")
		}, `line 5: fields.event_time.format: invalid value: "15:04" is not a time format: want unix, unix_ms, excel, rfc3339, auto, or a Go layout with year, month and day`, ErrInvalid},
		{"format 12h without PM", func(t *testing.T) string {
			return replace(t, "event_time: Date", "event_time: { column: Date, format: '2006-01-02 3:04' }")
		}, `line 5: fields.event_time.format: invalid value: "2006-01-02 3:04" does not read back the time it writes`, ErrInvalid},
		{"format elsewhere", func(t *testing.T) string {
			return replace(t, "    em: Email", "    em: { column: Email, format: auto }")
		}, `line 7: fields.user_data.em.format: invalid value: format applies only to event_time, user_data.db and user_data.fbc's click_time`, ErrInvalid},
		{"hash elsewhere", func(t *testing.T) string {
			return replace(t, "    em: Email", "    em: { column: Email, hash: false }")
		}, `line 7: fields.user_data.em.hash: invalid value: hash: false applies only to user_data.external_id; the other keys are hashed, or never hashed, as Meta requires`, ErrInvalid},
		{"decimal", func(t *testing.T) string {
			return minimal + "  custom_data:\n    value: { column: Total, decimal: ';' }\n"
		}, `line 9: fields.custom_data.value.decimal: invalid value: ";": want "." or ","`, ErrInvalid},
		{"column and value", func(t *testing.T) string {
			return replace(t, "event_time: Date", "event_time: { column: Date, value: x }")
		}, `line 5: fields.event_time: invalid value: give a column or a value, not both`, ErrInvalid},
		{"neither column nor value", func(t *testing.T) string { return replace(t, "event_time: Date", "event_time: { format: unix }") }, `line 5: fields.event_time: required: give a column or a value`, ErrMissingRequired},
		{"constant time", func(t *testing.T) string {
			return replace(t, "event_time: Date", "event_time: { value: '2024-01-01' }")
		}, `line 5: fields.event_time.value: invalid value: this field must come from a column`, ErrInvalid},
		{"empty column", func(t *testing.T) string { return replace(t, "    em: Email", `    em: ""`) }, `line 7: fields.user_data.em: invalid value: empty column name`, ErrInvalid},
		{"duplicate key", func(t *testing.T) string { return minimal + "    em: Email2\n" }, `line 8: fields.user_data.em: invalid value: key appears twice (also on line 7)`, ErrInvalid},
		{"bad currency", func(t *testing.T) string { return minimal + "  custom_data:\n    currency: { value: DOLLARS }\n" }, `line 9: fields.custom_data.currency.value: invalid value: "DOLLARS" cannot be read as currency`, ErrInvalid},
		{"dpo", func(t *testing.T) string { return minimal + "  data_processing_options: { value: [GDPR] }\n" }, `line 8: fields.data_processing_options.value: invalid value: "GDPR": the only data processing option is LDU (Limited Data Use)`, ErrInvalid},
		{"ldu without country", func(t *testing.T) string { return minimal + "  data_processing_options: { value: [LDU] }\n" }, `line 2: fields.data_processing_options_country: required: LDU needs data_processing_options_country (1 = USA, 0 = geolocate)`, ErrMissingRequired},
		{"syntax", func(t *testing.T) string { return minimal + "fields: [\n" }, ``, ErrInvalid},
		{"two documents", func(t *testing.T) string { return minimal + "---\npixel_id: 1\n" }, `line 8: invalid value: more than one YAML document`, ErrInvalid},
		{"empty", func(t *testing.T) string { return "" }, `required: the config is empty`, ErrMissingRequired},
		{"too large", func(t *testing.T) string { return minimal + "#" + strings.Repeat("x", MaxConfigSize) + "\n" }, `config too large: more than 1048576 bytes`, ErrTooLarge},
		{"billion laughs", func(t *testing.T) string { return laughs(minimal) }, `line 11: fields.custom_data.l5: config too large: aliases expand to more than 100000 nodes`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := Parse(strings.NewReader(tt.config(t)))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("Parse took %v, want a quick error", time.Since(start))
			}
			ce, ok := errors.AsType[*ConfigError](err)
			if !ok {
				t.Fatalf("Parse error %T %v, want *ConfigError", err, err)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("Parse error\n got %s\nwant %s", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Parse error %v, want errors.Is %v", err, tt.is)
			}
			if ce.Line == 0 && strings.Contains(tt.want, "line ") {
				t.Errorf("no line in %v", err)
			}
		})
	}
}

// laughs appends a "billion laughs" to config: custom properties whose
// merge keys each pull in the one before ten times, 10^9 keys in all.
func laughs(config string) string {
	var b strings.Builder
	b.WriteString(config)
	b.WriteString("  custom_data:\n    l0: &l0 { column: A }\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d { <<: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("] }\n")
	}
	return b.String()
}

func TestLoadNamesFile(t *testing.T) {
	path := t.TempDir() + "/capi-upload.yaml"
	if err := os.WriteFile(path, []byte(strings.Replace(minimal, "em: Email", "emial: Email", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + ":7: fields.user_data.emial: unknown key (did you mean em?)"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	if _, err := Load(t.TempDir() + "/missing.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestAliasesAndMerge(t *testing.T) {
	cfg, err := Parse(strings.NewReader(`pixel_id: "1"
base: &base { value: physical_store }
fields:
  event_name: { value: Purchase }
  action_source: *base
  event_time: &t { column: Date, format: unix }
  user_data:
    em: &cols [A, B]
    ph: { <<: *t, format: "" }
`))
	if err == nil {
		t.Fatalf("Parse with unknown top key base succeeded: %+v", cfg)
	}
	cfg, err = Parse(strings.NewReader(`pixel_id: "1"
fields:
  event_name: { value: Purchase }
  action_source: &src { value: physical_store }
  event_time: &t { column: Date, format: unix }
  user_data:
    em: &cols [A, B]
    external_id: { <<: *t, format: "" }
    fn: *cols
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Fields.UserData["external_id"].Columns; !cmp.Equal(got, []string{"Date"}) {
		t.Errorf("merged columns = %q, want [Date]", got)
	}
	if got := cfg.Fields.UserData["fn"].Columns; !cmp.Equal(got, []string{"A", "B"}) {
		t.Errorf("alias columns = %q, want [A B]", got)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"62d", 62 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"1h30m", 90 * time.Minute, false},
		{"-1h", 0, true},
		{"d", 0, true},
		{"7 d", 0, true},
		{"7", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err != nil) != tt.err || time.Duration(got) != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
	if s := Duration(7 * 24 * time.Hour).String(); s != "7d" {
		t.Errorf("String() = %q, want 7d", s)
	}
}

func ExampleParse() {
	cfg, err := Parse(strings.NewReader(`
pixel_id: "123456789012345"
timezone: America/Chicago
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
  user_data:
    em: ["Email", "Email 2"]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.APIVersion, cfg.Location)
	fmt.Println(cfg.Fields.UserData["em"].Columns)
	// Output:
	// v24.0 America/Chicago
	// [Email Email 2]
}

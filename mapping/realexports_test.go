package mapping

import (
	"errors"
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ingest"
)

func TestLoadZone(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) // summer: DST shows
	tests := []struct {
		in         string
		wantOffset int // seconds east of UTC at `at`
		wantErr    bool
	}{
		{in: "America/Chicago", wantOffset: -5 * 3600},
		{in: "Pacific Time (US & Canada)", wantOffset: -7 * 3600},
		{in: "pacific time (us & canada)", wantOffset: -7 * 3600},
		{in: "(GMT-08:00) Pacific Time (US & Canada)", wantOffset: -7 * 3600},
		{in: "Eastern Standard Time", wantOffset: -4 * 3600},
		{in: "W. Europe Standard Time", wantOffset: 2 * 3600},
		{in: "Berlin", wantOffset: 2 * 3600},
		{in: "EST", wantOffset: -4 * 3600},
		{in: "-05:00", wantOffset: -5 * 3600},
		{in: "-0500", wantOffset: -5 * 3600},
		{in: "+05:30", wantOffset: 5*3600 + 1800},
		{in: "UTC-5", wantOffset: -5 * 3600},
		{in: "GMT+01:00", wantOffset: 3600},
		{in: "UTC", wantOffset: 0},
		{in: "Z", wantOffset: 0},
		{in: "Local", wantErr: true},
		{in: "Mars/Olympus", wantErr: true},
		{in: "+25:00", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			loc, err := LoadZone(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadZone(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if _, off := at.In(loc).Zone(); off != tt.wantOffset {
				t.Errorf("LoadZone(%q) offset %d, want %d", tt.in, off, tt.wantOffset)
			}
		})
	}
}

func FuzzLoadZone(f *testing.F) {
	for _, s := range []string{"America/Chicago", "Pacific Time (US & Canada)", "-05:00", "UTC+5", "(GMT+01:00) Berlin", "EST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := LoadZone(s)
		if err == nil && loc == nil {
			t.Fatalf("LoadZone(%q) = nil, nil", s)
		}
	})
}

func TestNamePart(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, first, last string }{
		{"Jane Doe", "Jane", "Doe"},
		{"  Maria de la Cruz ", "Maria", "Cruz"},
		{"Doe, Jane", "Jane", "Doe"},
		{"Mr. John Smith Jr.", "John", "Smith"},
		{"Frau Anna Müller", "Anna", "Müller"},
		{"Dr Hans Weiß", "Hans", "Weiß"},
		{"Cher", "Cher", ""},
		{"Smith, Jr.", "Smith", ""},
		{"Walk-in Customer", "Walk-in Customer", "Walk-in Customer"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := namePart(tt.in, "first"); got != tt.first {
			t.Errorf("namePart(%q, first) = %q, want %q", tt.in, got, tt.first)
		}
		if got := namePart(tt.in, "last"); got != tt.last {
			t.Errorf("namePart(%q, last) = %q, want %q", tt.in, got, tt.last)
		}
	}
}

func FuzzNamePart(f *testing.F) {
	for _, s := range []string{"Jane Doe", "Doe, Jane", "Mr. John Smith Jr.", "Walk-in Customer", ",", " , "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, part := range []string{"first", "last"} {
			got := namePart(s, part)
			// A part is one word of the input, or the input whole (a
			// placeholder, to be refused by the name normalizer).
			if got != "" && got != strings.TrimSpace(s) && !strings.Contains(s, got) {
				t.Fatalf("namePart(%q, %s) = %q: not part of the input", s, part, got)
			}
		}
	})
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, in, code string }{
		{"fn", "Walk-in Customer", "placeholder"},
		{"ln", "Laufkunde", "placeholder"},
		{"fn", "Guest", "placeholder"},
		{"ln", "N/A", "placeholder"},
		{"em", "test@test.com", "placeholder"},
		{"em", "noemail@shop.example", "placeholder"},
		{"em", "n/a", "placeholder"},
		{"external_id", "0", "placeholder"},
		{"external_id", "000", "placeholder"},
		{"ph", "000-000-0000", "bad_phone"},
		{"ph", "555-555-5555", "bad_phone"},
		{"fn", "Anna", ""},
		{"em", "anna@example.com", ""},
		{"external_id", "10017", ""},
	}
	for _, tt := range tests {
		_, err := NormalizeUserValue(tt.key, tt.in, NormalizeOptions{DefaultCountry: "US", Country: "US"})
		code := ""
		if ve, ok := errors.AsType[*ValueError](err); ok {
			code = ve.Code
		}
		if code != tt.code {
			t.Errorf("NormalizeUserValue(%s, %q) code %q, want %q", tt.key, tt.in, code, tt.code)
		}
	}
}

func TestSalutationsFeedGender(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Herr": "m", "Frau": "f", "Mr.": "m", "Ms.": "f", "Sra.": "f", "Sr.": "m", "Madame": "f", "Monsieur": "m"} {
		if got, err := NormalizeGender(in); err != nil || got != want {
			t.Errorf("NormalizeGender(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeGender("Dr."); err == nil {
		t.Errorf("NormalizeGender(Dr.) accepted a title that says nothing of gender")
	}
}

func TestLooksLikeContact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"jane@example.com": true, "+1 650 253 0000": true, "(650) 253-0000": true,
		"R-10234": false, "10234": false, "#1001": false, "5849203847101": false, "": false, "a@b": false,
	} {
		if got := looksLikeContact(in); got != want {
			t.Errorf("looksLikeContact(%q) = %v, want %v", in, got, want)
		}
	}
}

// realExportsConfig is a config using the options real exports need.
const realExportsConfig = `pixel_id: "1"
timezone: America/Chicago
default_country: US
skip:
  - { column: "Status", is: [refunded, voided] }
  - { column: "Status", empty: true, name: line-item row }
  - { column: "Total", negative: true, zero: true, name: refund }
  - { column: "Tags", contains: [test], name: test order }
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Date", time: "Time", zone: "Time Zone", format: "2006-01-02 15:04:05" }
  event_id: "Order"
  user_data:
    em: "Email"
    fn: { column: "Name", part: first }
    ln: { column: "Name", part: last }
    zp: "Zip"
  custom_data:
    value: "Total"
    currency: { value: USD }
`

func TestMapRealExports(t *testing.T) {
	t.Parallel()
	cfg, err := Parse(strings.NewReader(realExportsConfig))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Order", "Date", "Time", "Time Zone", "Status", "Total", "Tags", "Email", "Name", "Zip"}
	m, err := NewMapper(cfg, "x.csv", header)
	if err != nil {
		t.Fatal(err)
	}
	row := func(cells ...string) ingest.Row { return ingest.Row{File: "x.csv", Line: 2, Cells: cells} }
	tests := []struct {
		name     string
		row      ingest.Row
		wantTime time.Time
		wantSkip string
		wantErr  capi.Reason
	}{
		{name: "date time zone", row: row("1", "2026-12-06", "17:38:21", "Pacific Time (US & Canada)", "paid", "10.00", "", "a@example.com", "Jane Doe", "'02134"),
			wantTime: time.Date(2026, 12, 7, 1, 38, 21, 0, time.UTC)},
		{name: "zone blank: config zone", row: row("2", "2026-12-06", "17:38:21", "", "paid", "10.00", "", "a@example.com", "Jane Doe", "02134"),
			wantTime: time.Date(2026, 12, 6, 23, 38, 21, 0, time.UTC)},
		{name: "refunded", row: row("3", "2026-12-06", "17:38:21", "", "Refunded", "10.00", "", "a@example.com", "Jane Doe", ""), wantSkip: "Status is refunded/voided"},
		{name: "line item", row: row("3", "2026-12-06", "17:38:21", "", "", "", "", "a@example.com", "", ""), wantSkip: "line-item row"},
		{name: "negative", row: row("4", "2026-12-06", "17:38:21", "", "paid", "-10.00", "", "a@example.com", "", ""), wantSkip: "refund"},
		{name: "test order", row: row("5", "2026-12-06", "17:38:21", "", "paid", "1.00", "vip, Test", "a@example.com", "", ""), wantSkip: "test order"},
		{name: "contest is not test", row: row("6", "2026-12-06", "17:38:21", "", "paid", "1.00", "contest", "a@example.com", "", ""),
			wantTime: time.Date(2026, 12, 6, 23, 38, 21, 0, time.UTC)},
		{name: "bad zone", row: row("7", "2026-12-06", "17:38:21", "Mars", "paid", "1.00", "", "a@example.com", "", ""), wantErr: capi.ReasonBadTime},
		{name: "walk-in only", row: row("8", "2026-12-06", "17:38:21", "", "paid", "1.00", "", "", "Walk-in Customer", ""), wantErr: capi.ReasonNoUserData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := m.Map(tt.row)
			if se, ok := errors.AsType[*SkipError](err); ok {
				if se.Rule != tt.wantSkip {
					t.Errorf("skipped by %q, want %q", se.Rule, tt.wantSkip)
				}
				if se.EventID == "" {
					t.Errorf("skip carries no event_id")
				}
				return
			}
			if tt.wantSkip != "" {
				t.Fatalf("not skipped (err %v), want skip %q", err, tt.wantSkip)
			}
			if re, ok := errors.AsType[*RowError](err); ok || tt.wantErr != "" {
				if !ok || re.Reason != tt.wantErr {
					t.Fatalf("Map error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Unix(ev.EventTime, 0).UTC(); !got.Equal(tt.wantTime) {
				t.Errorf("event_time %v, want %v", got, tt.wantTime)
			}
		})
	}
}

func TestConfigRefusesContactIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, yaml string }{
		{"event_id", strings.Replace(realExportsConfig, `  event_id: "Order"`, `  event_id: "Customer Email"`, 1)},
		{"custom", strings.Replace(realExportsConfig, "    currency: { value: USD }\n", "    currency: { value: USD }\n    buyer: \"Phone\"\n", 1)},
	} {
		yaml := tc.yaml
		_, err := Parse(strings.NewReader(yaml))
		if err == nil || !strings.Contains(err.Error(), "must not be sent unhashed") {
			t.Errorf("%s: Parse error %v, want a refusal naming the column", tc.name, err)
		}
	}
}

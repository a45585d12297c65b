package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"capi-upload/capi"
	"capi-upload/ingest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var testHeader = []string{"Type", "Sale Date", "Receipt No", "Email", "Email 2", "Phone", "First Name", "Last Name", "City", "State", "Zip", "Country", "Birthday", "Gender", "Loyalty ID", "Total", "SKUs", "Qty", "Store"}

func testMapper(t testing.TB, config string, header []string) *Mapper {
	t.Helper()
	cfg, err := Parse(strings.NewReader(config))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMapper(cfg, "sales.csv", header)
	if err != nil {
		t.Fatal(err)
	}
	m.Now = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	return m
}

func fullConfig(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// row builds a row of testHeader from column name → value.
func row(line int, kv map[string]string) ingest.Row {
	cells := make([]string, len(testHeader))
	for i, h := range testHeader {
		cells[i] = kv[h]
	}
	return ingest.Row{File: "sales.csv", Line: line, Cells: cells}
}

func goodRow() map[string]string {
	return map[string]string{
		"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Receipt No": "R-1001",
		"Email": " John_Smith@Gmail.com ", "Email 2": "john_smith@gmail.com", "Phone": "(650) 555-1212",
		"First Name": "Valéry", "Last Name": "O'Brien", "City": "St. Louis", "State": "Missouri",
		"Zip": "63101-1234", "Country": "United States", "Birthday": "1997-02-16", "Gender": "Female",
		"Loyalty ID": "LOY-42", "Total": "1.234,50", "SKUs": "A1|B2| A1", "Qty": "3", "Store": "0042",
	}
}

func with(kv map[string]string, changes ...string) map[string]string {
	for i := 0; i+1 < len(changes); i += 2 {
		kv[changes[i]] = changes[i+1]
	}
	return kv
}

func TestMapGolden(t *testing.T) {
	m := testMapper(t, fullConfig(t), testHeader)
	rows := []ingest.Row{
		row(2, goodRow()),
		// No receipt number: the event_id is derived from the content.
		row(3, with(goodRow(), "Receipt No", "", "Email 2", "", "Phone", "+44 20 7946 0958", "Country", "UK", "State", "", "Zip", "SW1A 1AA")),
		// Pre-hashed email passes through lower-cased; invalid phone dropped.
		row(4, with(goodRow(), "Email", strings.ToUpper(Hash("a@example.com")), "Email 2", "", "Phone", "12", "Gender", "x")),
	}
	var buf bytes.Buffer
	for _, r := range rows {
		ev, err := m.Map(r)
		if err != nil {
			t.Fatalf("Map(row %d): %v", r.Line, err)
		}
		buf.Write(ev.AppendJSON(nil))
		buf.WriteByte('\n')
		if !json.Valid(ev.AppendJSON(nil)) {
			t.Errorf("row %d: AppendJSON is not valid JSON", r.Line)
		}
	}
	golden := "testdata/events.golden.jsonl"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("events differ from %s (-want +got; rerun with -update if intended):\n%s", golden, diff)
	}
}

// TestMappedEventEncodesAsSlowPath: Map marks its events so that
// AppendJSON copies hashes without checking them for escapes and custom
// fields without checking their order; the body must be the one the
// checking path writes, and external_id, which may be sent unhashed, must
// still be escaped.
func TestMappedEventEncodesAsSlowPath(t *testing.T) {
	m := testMapper(t, fullConfig(t), testHeader)
	rows := []map[string]string{
		goodRow(),
		with(goodRow(), "Receipt No", "", "Email 2", "", "Phone", "+44 20 7946 0958", "Country", "UK", "State", "", "Zip", "SW1A 1AA"),
		with(goodRow(), "Email", strings.ToUpper(Hash("a@example.com")), "Email 2", "", "Phone", "12", "Gender", "x"),
		with(goodRow(), "Loyalty ID", `LOY-"42"\\x`),
	}
	for i, kv := range rows {
		ev, err := m.Map(row(i+2, kv))
		if err != nil {
			t.Fatalf("Map(row %d): %v", i+2, err)
		}
		if !json.Valid(ev.AppendJSON(nil)) {
			t.Errorf("row %d: AppendJSON is not valid JSON", i+2)
		}
		checkShortcuts(t, ev)
	}
}

func TestMapFields(t *testing.T) {
	m := testMapper(t, fullConfig(t), testHeader)
	ev, err := m.Map(row(2, goodRow()))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 20, 17, 45, 0, 0, m.cfg.Location).Unix()
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", ev.EventName, "Purchase"},
		{"time", ev.EventTime, want},
		{"source", ev.ActionSource, "physical_store"},
		{"id", ev.EventID, "R-1001"},
		{"file row", []any{ev.File, ev.Row}, []any{"sales.csv", 2}},
		{"em deduped", ev.UserData.Get("em"), []string{"62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"}},
		{"ph", ev.UserData.Get("ph"), []string{"e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"}},
		{"fn", ev.UserData.Get("fn"), []string{"08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"}},
		{"country", ev.UserData.Get("country"), []string{"79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"}},
		{"db", ev.UserData.Get("db"), []string{Hash("19970216")}},
		{"st", ev.UserData.Get("st"), []string{Hash("mo")}},
		{"zp", ev.UserData.Get("zp"), []string{Hash("63101")}},
		{"external_id unhashed", ev.UserData.Get("external_id"), []string{"LOY-42"}},
		{"value", customValue(ev.CustomData, "value"), 1234.5},
		{"currency", customValue(ev.CustomData, "currency"), "USD"},
		{"content_ids", customValue(ev.CustomData, "content_ids"), []string{"A1", "B2"}},
		{"num_items", customValue(ev.CustomData, "num_items"), 3},
		{"store", customValue(ev.CustomData, "store_id"), "0042"},
		{"dpo", ev.DataProcessingOptions, []string{}},
		{"invalid", len(ev.Invalid), 0},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("Map(good row) %s (-want +got):\n%s", c.name, diff)
			}
		})
	}
}

func TestMapRejects(t *testing.T) {
	m := testMapper(t, fullConfig(t), testHeader)
	tests := []struct {
		name   string
		row    map[string]string
		reason capi.Reason
		field  string
	}{
		{"bad time", with(goodRow(), "Sale Date", "2026-13-45"), capi.ReasonBadTime, "event_time"},
		{"empty time", with(goodRow(), "Sale Date", ""), capi.ReasonBadTime, "event_time"},
		{"bad value", with(goodRow(), "Total", "12.5"), capi.ReasonInvalidValue, "custom_data.value"},
		{"value words", with(goodRow(), "Total", "twelve"), capi.ReasonInvalidValue, "custom_data.value"},
		{"purchase without value", with(goodRow(), "Total", ""), capi.ReasonMissingRequired, "custom_data.value"},
		{"bad num_items", with(goodRow(), "Qty", "2.5"), capi.ReasonInvalidValue, "custom_data.num_items"},
		{"no event name", with(goodRow(), "Type", ""), capi.ReasonMissingRequired, "event_name"},
		{"no user data", map[string]string{"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Total": "5", "Email": "not an email"}, capi.ReasonNoUserData, "user_data"},
		{"only location", map[string]string{"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Total": "5", "City": "Paris", "Zip": "75001", "Country": "FR", "Gender": "m"}, capi.ReasonNoUserData, "user_data"},
		{"only birthday", map[string]string{"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Total": "5", "Birthday": "1990-01-01"}, capi.ReasonNoUserData, "user_data"},
		{"first name and gender", map[string]string{"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Total": "5", "First Name": "Ann", "Gender": "f"}, capi.ReasonNoUserData, "user_data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := m.Map(row(7, tt.row))
			re, ok := errors.AsType[*RowError](err)
			if !ok {
				t.Fatalf("Map() = %+v, %v; want *RowError %s", ev, err, tt.reason)
			}
			if re.Reason != tt.reason || re.Field != tt.field {
				t.Errorf("Map() error %v, want %s on %s", re, tt.reason, tt.field)
			}
			// Rejects go to a report: the detail must not echo cells.
			for _, v := range tt.row {
				if len(v) > 3 && strings.Contains(re.Detail, v) {
					t.Errorf("detail %q holds cell value %q", re.Detail, v)
				}
			}
		})
	}
	// A name and a city are enough: only the listed subsets are refused.
	if _, err := m.Map(row(8, map[string]string{"Type": "SALE", "Sale Date": "11/20/2026 17:45", "Total": "5", "First Name": "Ann", "City": "Paris"})); err != nil {
		t.Errorf("Map(fn+ct) = %v, want an event", err)
	}
	if _, err := m.Map(row(9, with(goodRow(), "Type", "RETURN"))); !errors.Is(err, ErrSkip) {
		t.Errorf("Map(RETURN) = %v, want ErrSkip", err)
	}
	if ev, _ := m.Map(row(10, with(goodRow(), "Type", "sale"))); ev.EventName != "Purchase" {
		t.Errorf("map lookup ignoring case: event name %q, want Purchase", ev.EventName)
	}
	ev, err := m.Map(row(11, with(goodRow(), "Email", "nope", "Email 2", "", "Phone", "x")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"em", "ph"}; !cmp.Equal(invalidKeys(ev.Invalid), want) {
		t.Errorf("Invalid keys = %v, want %v", ev.Invalid, want)
	}
}

func invalidKeys(inv []capi.InvalidKey) []string {
	var out []string
	for _, k := range inv {
		out = append(out, k.Key)
	}
	return out
}

func TestDerivedEventID(t *testing.T) {
	cfg := strings.Replace(fullConfig(t), "  event_id: \"Receipt No\"\n", "", 1)
	m := testMapper(t, cfg, testHeader)
	a, err := m.Map(row(2, goodRow()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Map(ingest.Row{File: "other.csv", Line: 900, Cells: row(0, goodRow()).Cells})
	c, _ := m.Map(row(3, with(goodRow(), "Total", "1.234,51")))
	d, _ := m.Map(row(4, with(goodRow(), "Email", "JOHN_SMITH@gmail.com ")))
	if len(a.EventID) != 32 {
		t.Errorf("derived id %q, want 32 hex characters", a.EventID)
	}
	if a.EventID != b.EventID {
		t.Errorf("same content in another file and row: ids %s, %s; want equal", a.EventID, b.EventID)
	}
	if a.EventID == c.EventID {
		t.Errorf("different value, same id %s", a.EventID)
	}
	if a.EventID != d.EventID {
		t.Errorf("same email written differently: ids %s, %s; want equal after normalizing", a.EventID, d.EventID)
	}
}

func TestNewMapperColumns(t *testing.T) {
	cfg, err := Parse(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header []string
		want   string
		is     error
	}{
		{"missing", []string{"Date", "Emial"}, `x.csv: column "Email" (fields.user_data.em): not in the header (did you mean "Emial"?)`, ErrColumnNotFound},
		{"duplicate", []string{"Date", "Email", " Email "}, `x.csv: column "Email" (fields.user_data.em): appears more than once in the header`, ErrDuplicateColumn},
		{"ambiguous case", []string{"Date", "EMAIL", "email"}, `x.csv: column "Email" (fields.user_data.em): matches several header columns that differ only in case`, ErrAmbiguousColumn},
		{"case-insensitive ok", []string{"DATE", " email "}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewMapper(cfg, "x.csv", tt.header)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("NewMapper = %v, want ok", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.is) {
				t.Errorf("NewMapper error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		dec  byte
		want float64
		err  bool
	}{
		{"12.50", '.', 12.5, false},
		{"1,234.50", '.', 1234.5, false},
		{"1.234,50", ',', 1234.5, false},
		{"12,50 €", ',', 12.5, false},
		{"$ 1,000", '.', 1000, false},
		{"USD 9.99", '.', 9.99, false},
		{"1'234.50", '.', 1234.5, false},
		{"1 234,50", ',', 1234.5, false},
		{"(5.00)", '.', -5, false},
		{"5.00-", '.', -5, false},
		{"-5", '.', -5, false},
		{"12,5", '.', 0, true},
		{"1,23,456", '.', 0, true},
		{"1.2.3", ',', 0, true},
		{"", '.', 0, true},
		{"abc", '.', 0, true},
		{"NaN", '.', 0, true},
		{"1e9", '.', 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDecimal(tt.in, tt.dec)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("parseDecimal(%q, %q) = %v, %v; want %v, err %v", tt.in, tt.dec, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestAppendJSONEscapes(t *testing.T) {
	ev := capi.Event{EventName: "Q\"\\\n\x01<\u2028\xff", EventTime: 1, ActionSource: "other", EventID: "x",
		UserData: capi.UserData{capi.KeyEm: {"a"}}, CustomData: capi.CustomData{{Key: "b", Value: 1.5}, {Key: "a", Value: []string{"x", "y"}}, {Key: "c", Value: int64(2)}, {Key: "d", Value: true}}}
	got := ev.AppendJSON(nil)
	var back map[string]any
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("AppendJSON = %s: %v", got, err)
	}
	if back["event_name"] != "Q\"\\\n\x01<\u2028\ufffd" {
		t.Errorf("event_name round trip = %q", back["event_name"])
	}
	want := `{"event_name":"Q\"\\\n\u0001<\u2028\ufffd","event_time":1,"action_source":"other","event_id":"x","user_data":{"em":"a"},"custom_data":{"a":["x","y"],"b":1.5,"c":2,"d":true}}`
	if string(got) != want {
		t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
	}
	var std bytes.Buffer
	enc := json.NewEncoder(&std)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil || !bytes.Equal(bytes.TrimSpace(std.Bytes()), got) {
		t.Errorf("json.Encode = %s, %v; want AppendJSON's output", std.Bytes(), err)
	}
}

// benchConfig maps the eight customer keys of bench/bench.yaml from
// testHeader's columns, for the benchmarks.
const benchConfig = `pixel_id: "1"
timezone: America/Chicago
default_country: US
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
  user_data:
    em: Email
    ph: Phone
    fn: "First Name"
    ln: "Last Name"
    ct: City
    st: State
    zp: Zip
    country: Country
  custom_data:
    value: Total
    currency: { value: USD }
    order_id: "Receipt No"
`

func BenchmarkMap(b *testing.B) {
	m := testMapper(b, benchConfig, testHeader)
	r := row(2, with(goodRow(), "Total", "1234.50"))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		ev, err := m.Map(r)
		if err != nil {
			b.Fatal(err)
		}
		buf = ev.AppendJSON(buf[:0])
	}
}

// A phone number in national format is read by the rules of the row's
// country when the row names one, and by default_country otherwise.
func TestMapPhoneRegion(t *testing.T) {
	m := testMapper(t, fullConfig(t), testHeader)
	tests := []struct {
		name, country, phone, want string
	}{
		{"row country wins", "United Kingdom", "020 7946 0958", "442079460958"},
		{"default when no country", "", "(650) 555-1212", "16505551212"},
		{"international prefix kept", "Germany", "+1 650 555 1212", "16505551212"},
		{"german national", "DE", "030 1234567", "49301234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodRow()
			r["Country"], r["Phone"] = tt.country, tt.phone
			ev, err := m.Map(row(2, r))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{Hash(tt.want)}, ev.UserData.Get("ph")); diff != "" {
				t.Errorf("Map(country %q, phone %q) ph (-want +got):\n%s", tt.country, tt.phone, diff)
			}
		})
	}
}

// customValue is the value of custom_data's key, nil when it has none.
func customValue(c capi.CustomData, key string) any {
	v, _ := c.Get(key)
	return v
}

// checkShortcuts fails t unless ev, from Map, encodes as JSON that
// encoding/json reads back to the same strings: names, ids, customer
// values and custom_data keys that need escaping come out escaped.
func checkShortcuts(t *testing.T, ev capi.Event) {
	t.Helper()
	got := ev.AppendJSON(nil)
	if !json.Valid(got) {
		t.Fatalf("AppendJSON = %s: not JSON", got)
	}
	var wire struct {
		EventName    string                     `json:"event_name"`
		ActionSource string                     `json:"action_source"`
		EventID      string                     `json:"event_id"`
		UserData     map[string]json.RawMessage `json:"user_data"`
		CustomData   map[string]any             `json:"custom_data"`
	}
	if err := json.Unmarshal(got, &wire); err != nil {
		t.Fatalf("AppendJSON = %s: %v", got, err)
	}
	if wire.EventName != viaJSON(ev.EventName) || wire.ActionSource != viaJSON(ev.ActionSource) || wire.EventID != viaJSON(ev.EventID) {
		t.Fatalf("AppendJSON = %s: name, source or id differ from %q, %q, %q", got, ev.EventName, ev.ActionSource, ev.EventID)
	}
	for i, vs := range ev.UserData {
		if len(vs) != 1 || capi.UserKeys[i] == "lead_id" {
			continue
		}
		var v string
		if err := json.Unmarshal(wire.UserData[capi.UserKeys[i]], &v); err != nil || v != viaJSON(vs[0]) {
			t.Fatalf("AppendJSON = %s: user_data.%s is not %q (%v)", got, capi.UserKeys[i], vs[0], err)
		}
	}
	for _, f := range ev.CustomData {
		if _, ok := wire.CustomData[viaJSON(f.Key)]; !ok {
			t.Fatalf("AppendJSON = %s: custom_data lacks %q", got, f.Key)
		}
	}
}

// viaJSON is s as encoding/json writes and reads it back: invalid UTF-8
// becomes U+FFFD, as in AppendJSON.
func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// TestAppendJSONPlainFields: whatever the config's constants hold, an
// event from Map encodes as JSON that reads back to its strings.
func TestAppendJSONPlainFields(t *testing.T) {
	base := `pixel_id: "1"
timezone: UTC
fields:
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
`
	tests := []struct {
		name, fields string
		kv           []string // row changes
	}{
		{
			name: "constants and keys plain, id from a column",
			fields: `  event_name: { value: Purchase }
  event_id: "Receipt No"
  custom_data: { value: { column: Total, decimal: "," }, currency: { value: usd }, order_id: "Receipt No", store: Store }
`,
			kv: []string{"Receipt No", `R"1\2`, "Store", "St\u00f6re \"7\""},
		},
		{
			name: "derived id",
			fields: `  event_name: { value: Purchase }
  custom_data: { value: { column: Total, decimal: "," }, currency: { value: EUR } }
`,
		},
		{
			name: "constant name and keys that need escaping",
			fields: `  event_name: { value: "Sale \"in store\"" }
  custom_data: { "store \"no\"": Store, "géo": Qty, "tab\tkey": { value: x } }
`,
		},
		{
			name: "two emails, then hashes, then external_id",
			fields: `  event_name: { value: Lead }
  event_id: "Receipt No"
  user_data: { em: [Email, "Email 2"], ph: Phone, ct: City, external_id: "Loyalty ID" }
`,
			kv: []string{"Email 2", "other@example.com"},
		},
		{
			name: "hashes around an external_id kept as it is",
			fields: `  event_name: { value: Lead }
  event_id: "Receipt No"
  user_data: { ph: Phone, external_id: { column: "Loyalty ID", hash: false } }
`,
			kv: []string{"Loyalty ID", `L"42`},
		},
		{
			name: "only external_id",
			fields: `  event_name: { value: Lead }
  event_id: "Receipt No"
  user_data: { em: Email, external_id: "Loyalty ID" }
`,
			kv: []string{"Email", ""},
		},
		{
			name: "name from a column",
			fields: `  event_name: Type
  event_id: "Receipt No"
`,
			kv: []string{"Type", "Sale\n\"x\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := tt.fields
			if !strings.Contains(fields, "user_data") {
				fields += "  user_data: { em: Email, ph: Phone }\n"
			}
			m := testMapper(t, base+fields, testHeader)
			ev, err := m.Map(row(2, with(goodRow(), tt.kv...)))
			if err != nil {
				t.Fatal(err)
			}
			checkShortcuts(t, ev)
		})
	}
	// An event not from Map gets no shortcut, not even for a currency.
	ev := capi.Event{EventName: "Purchase", ActionSource: "other", CustomData: capi.CustomData{{Key: "currency", Value: `U"S`}}}
	if got, want := string(ev.AppendJSON(nil)), `{"event_name":"Purchase","event_time":0,"action_source":"other","user_data":{},"custom_data":{"currency":"U\"S"}}`; got != want {
		t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
	}
}

// FuzzAppendJSONMapped: whatever the cells hold, an event from Map encodes
// as valid JSON that reads back to its strings.
func FuzzAppendJSONMapped(f *testing.F) {
	f.Add("Purchase", "R-1", "Store \"7\"", "a@b.co", "(650) 555-1212", "Ann", "LOY-1", "12.50")
	f.Add("Sale\n\"x\"", "", "ß", "", "+44 20 7946 0958", "O'Brien", "", "1,5")
	configs := []string{
		`pixel_id: "1"
timezone: UTC
fields:
  event_name: Type
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
  event_id: "Receipt No"
  user_data: { em: [Email, "Email 2"], ph: Phone, fn: "First Name", external_id: { column: "Loyalty ID", hash: false } }
  custom_data: { value: Total, currency: { value: usd }, store: Store, "odd \"key\"": "Receipt No" }
`,
		`pixel_id: "1"
timezone: UTC
fields:
  event_name: { value: Purchase }
  action_source: { value: physical_store }
  event_time: { column: "Sale Date", format: "01/02/2006 15:04" }
  user_data: { em: Email, ph: Phone, fn: "First Name", external_id: "Loyalty ID" }
  custom_data: { value: Total, currency: { value: EUR }, order_id: "Receipt No", store: Store }
`,
	}
	var mappers []*Mapper
	for _, c := range configs {
		mappers = append(mappers, testMapper(f, c, testHeader))
	}
	cells := func(name, id, store, email, phone, first, loyalty, total string) ingest.Row {
		return row(2, with(goodRow(), "Type", name, "Receipt No", id, "Store", store, "Email", email,
			"Email 2", email+"x", "Phone", phone, "First Name", first, "Loyalty ID", loyalty, "Total", total))
	}
	// The first seed maps under both configs, so the fuzzer starts from
	// events, not rejects.
	for _, m := range mappers {
		if _, err := m.Map(cells("Purchase", "R-1", "Store \"7\"", "a@b.co", "(650) 555-1212", "Ann", "LOY-1", "12.50")); err != nil {
			f.Fatalf("the first seed does not map: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, name, id, store, email, phone, first, loyalty, total string) {
		for _, m := range mappers {
			kv := cells(name, id, store, email, phone, first, loyalty, total)
			ev, err := m.Map(kv)
			if err != nil {
				continue
			}
			checkShortcuts(t, ev)
		}
	})
}

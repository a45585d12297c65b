package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"capi-upload/capi"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// clock is the fixed "now" of the scripted run.
var clock = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Planted customer values: the raw ones are what an export holds, the
// hashed ones what Event.UserData holds. Neither may appear in any byte
// the package writes.
var (
	rawEmail  = "jane.planted@example.com"
	rawPhone  = "16505550123"
	rawName   = "plantedfirstname"
	hashEmail = sha(rawEmail)
	hashPhone = sha(rawPhone)
	hashName  = sha(rawName)
	token     = "EAAplantedTOKEN0123456789"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func ev(file string, row int, name string, age time.Duration, ud capi.UserData) *capi.Event {
	return &capi.Event{
		EventName: name, EventTime: clock.Add(-age).Unix(), ActionSource: "physical_store",
		EventID: "R-" + file + "-" + string(rune('0'+row)), UserData: ud, File: file, Row: row,
		// A custom property may hold anything, even a raw value: it is sent
		// but never reported.
		CustomData: capi.CustomData{{Key: "value", Value: 12.5}, {Key: "currency", Value: "USD"}, {Key: "note", Value: rawEmail}},
	}
}

// script feeds a Recorder the calls main makes for a small, mixed run:
// 12 rows, every outcome and most reasons.
func script(t *testing.T, dir string, opt Options) *Summary {
	t.Helper()
	opt.Now = func() time.Time { return clock }
	opt.Redact = []string{token}
	r, err := Create(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	send := func(e *capi.Event, st capi.Status, reason capi.Reason, detail string) {
		t.Helper()
		r.Built(e)
		must(r.Outcome(capi.Outcome{Event: e, Status: st, Reason: reason, Detail: detail}))
	}
	for range 8 {
		r.RowRead("pos.csv")
	}
	full := ev("pos.csv", 2, "Purchase", 30*time.Minute, capi.UserData{capi.KeyEm: {hashEmail}, capi.KeyPh: {hashPhone}, capi.KeyFn: {hashName}, capi.KeyLn: {hashName}, capi.KeyZp: {sha("94025")}})
	full.CustomData = append(full.CustomData, capi.CustomField{Key: "order_id", Value: "R-1001"})
	send(full, capi.StatusSent, "", "")
	emOnly := ev("pos.csv", 3, "Purchase", 5*time.Hour, capi.UserData{capi.KeyEm: {hashEmail}})
	emOnly.Invalid = []capi.InvalidKey{{Key: "ph", Reason: "bad_phone"}}
	send(emOnly, capi.StatusSent, "", "")
	must(r.Reject(Reject{File: "pos.csv", Row: 4, Reason: capi.ReasonNoUserData, Detail: "no valid customer key"}))
	must(r.Reject(Reject{File: "pos.csv", Row: 5, EventID: "R-1004", Reason: capi.ReasonStale, Field: "event_time", Detail: "9 days old"}))
	must(r.Reject(Reject{File: "pos.csv", Row: 6, EventID: "R-1001", Reason: capi.ReasonDuplicateEventID, Field: "event_id", Detail: "first used on row 2"}))
	must(r.Reject(Reject{File: "pos.csv", Row: 7, EventID: "-R7", Reason: capi.ReasonMissingRequired, Field: "=custom_data.currency", Detail: "+Purchase needs currency"}))
	must(r.Reject(Reject{File: "pos.csv", Row: 8, Reason: capi.ReasonSkipped, Field: "skip", Detail: "fields.event_name.map"}))
	send(ev("pos.csv", 9, "Purchase", 26*time.Hour, capi.UserData{capi.KeyEm: {hashEmail}}), capi.StatusAlreadySent, "", "")

	for range 4 {
		r.RowRead("crm.xlsx")
	}
	send(ev("crm.xlsx", 2, "Lead", time.Hour, capi.UserData{capi.KeyPh: {hashPhone}}), capi.StatusRejected, capi.ReasonAPIRejected, "Invalid parameter (subcode 2804003)")
	send(ev("crm.xlsx", 3, "Lead", time.Hour, capi.UserData{capi.KeyPh: {hashPhone}}), capi.StatusFailed, "", "giving up after 6 attempts: HTTP 503 token="+token)
	send(ev("crm.xlsx", 4, "Lead", 7*24*time.Hour, capi.UserData{capi.KeyPh: {hashPhone}}), capi.StatusStale, "", "")
	send(ev("crm.xlsx", 5, "Lead", 50*time.Hour, capi.UserData{capi.KeyPh: {hashPhone}, capi.KeyCt: {sha("menlopark")}}), capi.StatusSent, "", "")

	r.Request(capi.RequestLog{Seq: 2, Start: clock.Add(-2 * time.Second), DurationMS: 1400, Events: 3, Attempt: 6, HTTPStatus: 503, Error: "service unavailable access_token=" + token})
	r.Request(capi.RequestLog{Seq: 1, Start: clock.Add(-3 * time.Second), DurationMS: 420, Events: 4, Attempt: 1, HTTPStatus: 200, EventsReceived: 3, FBTraceID: "AbCdEf123"})
	s, err := r.Close()
	must(err)
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestRecorderGolden(t *testing.T) {
	tests := []struct {
		name    string
		opt     Options
		prefix  string
		sentKey string
	}{
		{name: "upload", opt: Options{Command: "upload", Version: "1.2.3"}, prefix: "upload", sentKey: `"sent": 3`},
		{name: "validate", opt: Options{Command: "validate", Version: "1.2.3"}, prefix: "validate", sentKey: `"built": 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := script(t, dir, tt.opt)
			if err := s.Check(); err != nil {
				t.Errorf("Check() = %v", err)
			}
			rejects, err := os.ReadFile(filepath.Join(dir, RejectsFile))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.prefix+".rejects.csv.golden", rejects)
			sum, err := os.ReadFile(filepath.Join(dir, SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.prefix+".summary.json.golden", sum)
			if !bytes.Contains(sum, []byte(tt.sentKey)) {
				t.Errorf("summary.json lacks %s", tt.sentKey)
			}
			var text bytes.Buffer
			if err := WriteText(&text, s); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.prefix+".text.golden", bytes.ReplaceAll(text.Bytes(), []byte(dir), []byte("REPORTDIR")))
			if n := strings.Count(text.String(), "\n"); n > 12 {
				t.Errorf("WriteText printed %d lines, want at most 12", n)
			}
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{RejectsFile, HTMLFile, SummaryFile}, names); diff != "" {
				t.Errorf("report dir (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummaryFigures(t *testing.T) {
	s := script(t, t.TempDir(), Options{Command: "upload"})
	want := Outcomes{Sent: 3, Rejected: 4, Stale: 2, AlreadySent: 1, Failed: 1, Skipped: 1}
	if diff := cmp.Diff(want, s.Outcomes, cmp.AllowUnexported(Outcomes{})); diff != "" {
		t.Errorf("Outcomes (-want +got):\n%s", diff)
	}
	if got := s.RejectRatio(); got != 4.0/12 {
		t.Errorf("RejectRatio() = %v, want %v", got, 4.0/12)
	}
	if got := s.Coverage["em"]; got.Events != 2 || got.Share != 0.6667 || got.Values != 3 {
		t.Errorf("coverage em = %+v, want 2 events, share 0.6667, 3 values", got)
	}
	if got := s.Coverage["ph"]; got.Invalid != 1 || got.InvalidBy["bad_phone"] != 1 {
		t.Errorf("coverage ph = %+v, want 1 invalid bad_phone", got)
	}
	// Sent: pos row 2 (30 min), pos row 3 (5 h), crm row 5 (50 h).
	wantAge := AgeBuckets{Under1Hour: 1, Under1Day: 1, Under3Days: 1, Stale: 2}
	if diff := cmp.Diff(wantAge, s.Age); diff != "" {
		t.Errorf("Age (-want +got):\n%s", diff)
	}
	if s.Dedup.OrderID != 0.3333 || s.Dedup.EventID != 1 {
		t.Errorf("Dedup = %+v, want order_id 0.3333, event_id 1", s.Dedup)
	}
	if s.Duplicates.Rows != 1 || len(s.Duplicates.First) != 1 || s.Duplicates.First[0].Row != 6 {
		t.Errorf("Duplicates = %+v, want pos.csv row 6", s.Duplicates)
	}
	if s.Requests[0].Seq != 1 || s.RequestTotals.Retries != 5 || s.RequestTotals.Errors != 1 {
		t.Errorf("requests not sorted or totals wrong: %+v", s.RequestTotals)
	}
	// Event with em, ph, fn, ln, zp scores 1; em only 0.45; ph+ct 0.45.
	if s.MatchStrength == nil || s.MatchStrength.Score != 63.3 || s.MatchStrength.Level != "good" {
		t.Errorf("MatchStrength = %+v, want score 63.3, good", s.MatchStrength)
	}
	// 2 stale rows weigh 1.6, 1 failed row 1.5.
	var codes []string
	for _, a := range s.Advice[:2] {
		codes = append(codes, a.Code)
	}
	if diff := cmp.Diff([]string{"stale", "upload_failed"}, codes); diff != "" {
		t.Errorf("advice ranking (-want +got):\n%s", diff)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		s       Summary
		wantErr bool
	}{
		{name: "empty", s: Summary{}},
		{name: "balanced", s: Summary{RowsRead: 6, Files: []FileCount{{File: "a", RowsRead: 6}}, Outcomes: Outcomes{Sent: 1, Rejected: 1, Stale: 1, AlreadySent: 1, Failed: 1, Skipped: 1}}},
		{name: "row lost", s: Summary{RowsRead: 3, Files: []FileCount{{File: "a", RowsRead: 3}}, Outcomes: Outcomes{Sent: 2}}, wantErr: true},
		{name: "row counted twice", s: Summary{RowsRead: 1, Files: []FileCount{{File: "a", RowsRead: 1}}, Outcomes: Outcomes{Sent: 1, Failed: 1}}, wantErr: true},
		{name: "files disagree", s: Summary{RowsRead: 2, Files: []FileCount{{File: "a", RowsRead: 1}}, Outcomes: Outcomes{Sent: 2}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Check()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Check() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrAccounting) {
				t.Errorf("Check() = %v, want ErrAccounting", err)
			}
		})
	}
}

func TestEscapeCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "pos.csv", "pos.csv"},
		{"formula", "=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"plus", "+1 650", "'+1 650"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"cr", "\rx", "'\rx"},
		{"inner equals", "a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeCell(tt.in); got != tt.want {
				t.Errorf("EscapeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRejectWriterEscapes(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewRejectWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	in := Reject{File: "=cmd|'/C calc'!A0", Row: 3, EventID: "-1", Reason: capi.ReasonInvalidValue, Field: "@x", Detail: "+y,\"quoted\"\nnext"}
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"file", "row", "event_id", "reason", "field", "detail"},
		{"'=cmd|'/C calc'!A0", "3", "'-1", "invalid_value", "'@x", "'+y,\"quoted\"\nnext"},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("rejects.csv (-want +got):\n%s", diff)
	}
	if w.Lines() != 1 {
		t.Errorf("Lines() = %d, want 1", w.Lines())
	}
}

// TestNoCustomerData scans every byte the package writes for the planted
// raw and hashed customer values and the token.
func TestNoCustomerData(t *testing.T) {
	for _, cmdName := range []string{"upload", "validate"} {
		t.Run(cmdName, func(t *testing.T) {
			dir := t.TempDir()
			s := script(t, dir, Options{Command: cmdName})
			var text bytes.Buffer
			if err := WriteText(&text, s); err != nil {
				t.Fatal(err)
			}
			outputs := map[string][]byte{"stdout": text.Bytes()}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				outputs[e.Name()] = b
			}
			if len(outputs) != 4 {
				t.Fatalf("scanned %d outputs, want 4", len(outputs))
			}
			planted := []string{rawEmail, rawPhone, rawName, hashEmail, hashPhone, hashName, token, hashEmail[:16]}
			for name, b := range outputs {
				low := bytes.ToLower(b)
				for _, p := range planted {
					if bytes.Contains(low, []byte(strings.ToLower(p))) {
						t.Errorf("%s contains planted value %q", name, p)
					}
				}
			}
			if !bytes.Contains(outputs[RejectsFile], []byte("[redacted]")) {
				t.Error("rejects.csv: token not replaced by [redacted]")
			}
		})
	}
}

func TestOutcomesJSONRoundTrip(t *testing.T) {
	for _, dry := range []bool{false, true} {
		in := Outcomes{Sent: 3, Rejected: 1, Stale: 2, AlreadySent: 4, Failed: 5, Skipped: 6, dryRun: dry}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out Outcomes
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, out, cmp.AllowUnexported(Outcomes{})); diff != "" {
			t.Errorf("dry=%v round trip (-want +got):\n%s", dry, diff)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	r, err := Create(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Close(); err == nil {
		t.Error("second Close() = nil, want error")
	}
	if err := r.Reject(Reject{}); err == nil {
		t.Error("Reject after Close = nil, want error")
	}
}

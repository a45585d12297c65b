package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"capi-upload/upload/capitest"
)

// Raw values of the unhashed keys in keysCSV. Each is distinctive, so
// that finding one in a report means the report leaked it.
const (
	rawIP      = "2001:0DB8:0000:0000:0000:0000:0000:00A7"
	wantIP     = "2001:db8::a7"
	rawIPBad   = "203.0.113.777"
	rawUA      = "Mozilla/5.0 (Zorblax 9; CPU OS 17_0) Quuxium/733.1"
	rawFBC     = "fb.1.1795162200000.IwAR0zQxKeysTestClickIdAbCdEf"
	rawFBCLID  = "IwAR0zQxKeysTestFromClickColumn_9-z"
	rawFBP     = "fb.1.1795162200000.8675309123"
	rawLead    = "l:4455667788990011"
	wantLead   = "4455667788990011"
	rawLeadBad = "4.45567E+15"
	rawSub     = "90817263545"
	rawLogin   = "10158523480105678"
	rawMadid   = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
	wantMadid  = "6d92078a-8246-4ba4-ae5b-76104861e7dc"
)

const keysYAML = `pixel_id: "` + capitest.DefaultPixelID + `"
timezone: UTC
fields:
  event_name: { value: Lead }
  action_source: { value: other }
  event_time: { column: Time, format: rfc3339 }
  event_id: Ref
  user_data:
    em: Email
    client_ip_address: IP
    client_user_agent: UA
    fbc: { column: [FBC, fbclid], click_time: "Click Time", format: "2006-01-02 15:04:05" }
    fbp: FBP
    lead_id: "Lead ID"
    subscription_id: Sub
    fb_login_id: Login
    madid: MAID
`

const leadsYAML = `pixel_id: "` + capitest.DefaultPixelID + `"
timezone: UTC
profile: conversion_leads
lead_event_source: HubSpot
fields:
  event_name: "Lead Status"
  event_time: { column: "Last Modified", format: rfc3339 }
  event_id: "Record ID"
  user_data:
    em: Email
    lead_id: "Facebook Lead ID"
`

// TestUnhashedKeysEndToEnd uploads a file carrying every unhashed key
// and a Conversion Leads export, and checks what the double received, the
// counts in the reports, and that no raw value of these keys reached
// rejects.csv, summary.json, report.html, stdout or the log.
func TestUnhashedKeysEndToEnd(t *testing.T) {
	setClock(t, sampleNow)
	srv := startEdge(t, capitest.WithRecordEvents())
	dir := t.TempDir()
	at := sampleNow.Add(-2 * time.Hour).Format(time.RFC3339)

	writeFile(t, filepath.Join(dir, "keys.yaml"), keysYAML)
	writeFile(t, filepath.Join(dir, "keys.csv"), strings.Join([]string{
		"Ref,Time,Email,IP,UA,FBC,fbclid,Click Time,FBP,Lead ID,Sub,Login,MAID",
		// Every key valid.
		"k1," + at + ",," + rawIP + ",\"" + rawUA + "\"," + rawFBC + ",,," + rawFBP + "," + rawLead + "," + rawSub + "," + rawLogin + "," + rawMadid,
		// A bare fbclid and its click time: fbc is built.
		"k2," + at + ",,,,," + rawFBCLID + ",2026-11-24 09:30:00,,,,,",
		// Invalid IP, hashed user agent, Excel-mangled lead id: dropped and
		// counted; the email carries the event.
		"k3," + at + ",ann@example.com," + rawIPBad + "," + strings.Repeat("ab", 32) + ",,,,," + rawLeadBad + ",,,",
		// A browser id alone is not a match key: no_user_data.
		"k4," + at + ",,,,,,," + rawFBP + ",,,,",
	}, "\n")+"\n")

	writeFile(t, filepath.Join(dir, "leads.yaml"), leadsYAML)
	writeFile(t, filepath.Join(dir, "leads.csv"), strings.Join([]string{
		"Record ID,Lead Status,Last Modified,Email,Facebook Lead ID",
		"r1,Marketing Qualified Lead," + at + ",ann@example.com," + wantLead,
		"r2,Converted," + at + ",,l:4455667788990022",
		// An email, but no lead id: not a Conversion Leads event.
		"r3,Converted," + at + ",bob@example.com,",
	}, "\n")+"\n")

	var logs bytes.Buffer
	for _, name := range []string{"keys", "leads"} {
		r := runIn(t.Context(), t, edgeEnv(srv), "upload", "--config", filepath.Join(dir, name+".yaml"),
			"--state", filepath.Join(dir, "ledger.state"), "--report-dir", filepath.Join(dir, "reports-"+name),
			"--progress", "never", "--log-format", "json", filepath.Join(dir, name+".csv"))
		if r.code != exitOK {
			t.Fatalf("%s: exit %d, want 0; stderr:\n%s", name, r.code, r.stderr)
		}
		if name == "leads" {
			// With JSON logs, stdout is the summary as one JSON line.
			mustContain(t, "leads stdout", r.stdout, `"lead_id":{"events":2,"share":1,`)
		}
		logs.WriteString(r.stdout)
		logs.WriteString(r.stderr)
	}

	// What the double received.
	got := map[string]map[string]json.RawMessage{}
	custom := map[string]map[string]any{}
	for _, raw := range srv.AcceptedEvents() {
		var e struct {
			EventName    string                     `json:"event_name"`
			EventID      string                     `json:"event_id"`
			ActionSource string                     `json:"action_source"`
			UserData     map[string]json.RawMessage `json:"user_data"`
			CustomData   map[string]any             `json:"custom_data"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		got[e.EventID] = e.UserData
		custom[e.EventID] = e.CustomData
		if strings.HasPrefix(e.EventID, "r") && (e.ActionSource != "system_generated" || e.EventName == "Lead") {
			t.Errorf("lead event %s: action_source %q, event_name %q", e.EventID, e.ActionSource, e.EventName)
		}
	}
	want := map[string]map[string]string{
		"k1": {
			"client_ip_address": `"` + wantIP + `"`, "client_user_agent": `"` + rawUA + `"`, "fbc": `"` + rawFBC + `"`,
			"fbp": `"` + rawFBP + `"`, "lead_id": wantLead, "subscription_id": `"` + rawSub + `"`,
			"fb_login_id": `"` + rawLogin + `"`, "madid": `"` + wantMadid + `"`,
		},
		"k2": {"fbc": `"fb.1.1795512600000.` + rawFBCLID + `"`},
		"k3": {"em": ""},
		"r1": {"lead_id": wantLead, "em": ""},
		"r2": {"lead_id": "4455667788990022"},
	}
	if len(got) != len(want) {
		t.Errorf("double accepted %d events (%v), want %d", len(got), keysOf(got), len(want))
	}
	for id, keys := range want {
		ud, ok := got[id]
		if !ok {
			t.Errorf("event %s not received", id)
			continue
		}
		if len(ud) != len(keys) {
			t.Errorf("event %s user_data has %v, want %v", id, keysOf(ud), keys)
		}
		for k, v := range keys {
			if v != "" && string(ud[k]) != v {
				t.Errorf("event %s user_data.%s = %s, want %s", id, k, ud[k], v)
			}
		}
	}
	for _, id := range []string{"r1", "r2"} {
		if c := custom[id]; c["event_source"] != "crm" || c["lead_event_source"] != "HubSpot" {
			t.Errorf("lead event %s custom_data = %v", id, c)
		}
	}

	// The reports count per key and name reasons, never values.
	ks := readSummary(t, filepath.Join(dir, "reports-keys"))
	if ks.Outcomes.Sent != 3 || ks.Rejects["no_user_data"] != 1 {
		t.Errorf("keys: sent %d, no_user_data %d; want 3 and 1", ks.Outcomes.Sent, ks.Rejects["no_user_data"])
	}
	for k, n := range map[string]int{"fbc": 2, "lead_id": 1, "client_ip_address": 1, "madid": 1} {
		if c := ks.Coverage[k]; c.Events != n {
			t.Errorf("keys: coverage.%s.events = %d, want %d", k, c.Events, n)
		}
	}
	for k, code := range map[string]string{"client_ip_address": "not_an_ip", "client_user_agent": "hashed", "lead_id": "not_a_lead_id"} {
		if c := ks.Coverage[k]; c.Invalid != 1 || c.InvalidBy[code] != 1 {
			t.Errorf("keys: coverage.%s invalid %d %v, want 1 %s", k, c.Invalid, c.InvalidBy, code)
		}
	}
	ls := readSummary(t, filepath.Join(dir, "reports-leads"))
	if ls.Outcomes.Sent != 2 || ls.Rejects["no_user_data"] != 1 || ls.Coverage["lead_id"].Events != 2 {
		t.Errorf("leads: sent %d, no_user_data %d, lead_id events %d; want 2, 1, 2", ls.Outcomes.Sent, ls.Rejects["no_user_data"], ls.Coverage["lead_id"].Events)
	}
	rejects, err := os.ReadFile(filepath.Join(dir, "reports-leads", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "leads rejects.csv", string(rejects), "leads.csv,4,", "no_user_data", "user_data.lead_id")
	page, err := os.ReadFile(filepath.Join(dir, "reports-keys", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "keys report.html", string(page), `coverage.lead_id.events`, `coverage.fbc.events`, "not_an_ip 1")

	raws := []string{rawIP, wantIP, rawIPBad, rawUA, rawFBC, rawFBCLID, rawFBP, wantLead, rawLeadBad, "4455667788990022",
		rawSub, rawLogin, rawMadid, wantMadid, strings.Repeat("ab", 32)}
	var files []string
	for _, name := range []string{"keys", "leads"} {
		for _, f := range []string{"rejects.csv", "summary.json", "report.html"} {
			files = append(files, filepath.Join(dir, "reports-"+name, f))
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			if bytes.Contains(b, []byte(raw)) {
				t.Errorf("%s holds the raw value %q", f, raw)
			}
		}
	}
	for _, raw := range raws {
		if strings.Contains(logs.String(), raw) {
			t.Errorf("stdout or the log holds the raw value %q", raw)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

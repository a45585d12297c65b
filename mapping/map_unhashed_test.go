package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"capi-upload/capi"
	"capi-upload/ingest"
)

var keysHeader = []string{"Stage", "Updated", "Lead ID", "Email", "IP", "UA", "FBC", "fbclid", "Click Time", "FBP", "Sub", "Login", "MAID", "Gender"}

const keysConfig = `pixel_id: "1"
timezone: UTC
fields:
  event_name: Stage
  action_source: { value: other }
  event_time: { column: Updated, format: rfc3339 }
  user_data:
    em: Email
    ge: Gender
    client_ip_address: IP
    client_user_agent: UA
    fbc: { column: [FBC, fbclid], click_time: "Click Time", format: "2006-01-02 15:04:05" }
    fbp: FBP
    lead_id: "Lead ID"
    subscription_id: Sub
    fb_login_id: Login
    madid: MAID
`

const leadsConfig = `pixel_id: "1"
timezone: UTC
profile: conversion_leads
lead_event_source: HubSpot
fields:
  event_name: Stage
  event_time: { column: Updated, format: rfc3339 }
  user_data:
    em: Email
    lead_id: "Lead ID"
`

func keysRow(kv map[string]string) ingest.Row {
	cells := make([]string, len(keysHeader))
	for i, h := range keysHeader {
		cells[i] = kv[h]
	}
	return ingest.Row{File: "crm.csv", Line: 2, Cells: cells}
}

func keysValues() map[string]string {
	return map[string]string{
		"Stage": "Marketing Qualified Lead", "Updated": "2026-11-25T10:00:00Z", "Lead ID": "l:1234567890123456",
		"IP": "2001:0DB8::0001", "UA": " Mozilla/5.0 (X11; Linux x86_64) ", "fbclid": testFBCLID,
		"Click Time": "2026-11-20 08:30:00", "FBP": "fb.1.1596403881668.1116446470", "Sub": "000123",
		"Login": "10158523480105678", "MAID": "6D92078A-8246-4BA4-AE5B-76104861E7DC",
	}
}

func TestMapUnhashedKeys(t *testing.T) {
	m := testMapper(t, keysConfig, keysHeader)
	ev, err := m.Map(keysRow(keysValues()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"client_ip_address": "2001:db8::1",
		"client_user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
		"fbc":               "fb.1.1795163400000." + testFBCLID,
		"fbp":               "fb.1.1596403881668.1116446470",
		"lead_id":           "1234567890123456",
		"subscription_id":   "000123",
		"fb_login_id":       "10158523480105678",
		"madid":             "6d92078a-8246-4ba4-ae5b-76104861e7dc",
	}
	for _, k := range UnhashedKeys {
		if got := ev.UserData.Get(k); len(got) != 1 || got[0] != want[k] {
			t.Errorf("user_data.%s = %q, want [%q]", k, got, want[k])
		}
	}
	if len(ev.Invalid) != 0 {
		t.Errorf("Invalid = %v, want none", ev.Invalid)
	}
	// On the wire: single values, lead_id a number, never hashed; the
	// mapped encoder writes what the general one does.
	b := ev.AppendJSON(nil)
	var wire struct {
		UserData map[string]json.RawMessage `json:"user_data"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatalf("AppendJSON is not JSON: %v\n%s", err, b)
	}
	for k, v := range want {
		w := `"` + v + `"`
		if k == "lead_id" {
			w = v
		}
		if got := string(wire.UserData[k]); got != w {
			t.Errorf("wire user_data.%s = %s, want %s", k, got, w)
		}
	}
	checkShortcuts(t, ev)
}

func TestMapUnhashedInvalid(t *testing.T) {
	m := testMapper(t, keysConfig, keysHeader)
	kv := with(keysValues(), "Email", "a@example.com", "IP", "localhost", "UA", Hash("ua"), "fbclid", "", "FBC", "FB.1.2.x",
		"Lead ID", "1.23457E+15", "Sub", "x", "Login", Hash("id"), "MAID", "00000000-0000-0000-0000-000000000000", "FBP", "abc")
	ev, err := m.Map(keysRow(kv))
	if err != nil {
		t.Fatal(err)
	}
	got := invalidCodes(ev.Invalid)
	want := []string{"client_ip_address:not_an_ip", "client_user_agent:hashed", "fbc:not_fb_cookie", "fbp:not_fb_cookie",
		"lead_id:not_a_lead_id", "subscription_id:not_digits", "fb_login_id:hashed", "madid:placeholder"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Invalid (-want +got):\n%s", diff)
	}
	for _, k := range UnhashedKeys {
		if v := ev.UserData.Get(k); v != nil {
			t.Errorf("user_data.%s = %q, want dropped", k, v)
		}
	}
}

func TestMapFBCFromClick(t *testing.T) {
	m := testMapper(t, keysConfig, keysHeader)
	tests := []struct {
		name       string
		changes    []string
		want, code string
	}{
		{"cookie column wins", []string{"FBC", "fb.1.1554763741205.AbC"}, "fb.1.1554763741205.AbC", ""},
		{"url in the fbclid column", []string{"fbclid", "https://shop.example/?fbclid=" + testFBCLID}, "fb.1.1795163400000." + testFBCLID, ""},
		{"no click time", []string{"Click Time", ""}, "", "no_click_time"},
		{"bad click time", []string{"Click Time", "yesterday"}, "", "bad_click_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := m.Map(keysRow(with(keysValues(), tt.changes...)))
			if err != nil {
				t.Fatal(err)
			}
			got := ev.UserData.Get("fbc")
			if tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
				t.Errorf("fbc = %q, want %q", got, tt.want)
			}
			if tt.code != "" && (got != nil || !strings.Contains(strings.Join(invalidCodes(ev.Invalid), ","), "fbc:"+tt.code)) {
				t.Errorf("fbc = %q, Invalid = %v; want dropped with %s", got, ev.Invalid, tt.code)
			}
		})
	}
}

func TestMapMatchFloorUnhashed(t *testing.T) {
	m := testMapper(t, keysConfig, keysHeader)
	only := func(kv ...string) map[string]string {
		base := map[string]string{"Stage": "Lead", "Updated": "2026-11-25T10:00:00Z"}
		return with(base, kv...)
	}
	tests := []struct {
		name string
		kv   map[string]string
		ok   bool
	}{
		{"lead_id alone", only("Lead ID", "1234567890123456"), true},
		{"fbc alone", only("FBC", "fb.1.1554763741205.AbC"), true},
		{"ip and ua", only("IP", "203.0.113.7", "UA", "Mozilla/5.0"), true},
		{"ip, ua and gender", only("IP", "203.0.113.7", "UA", "Mozilla/5.0", "Gender", "f"), true},
		{"ip alone", only("IP", "203.0.113.7"), false},
		{"ua alone", only("UA", "Mozilla/5.0"), false},
		{"ua and gender", only("UA", "Mozilla/5.0", "Gender", "f"), false},
		{"fbp alone", only("FBP", "fb.1.1596403881668.1116446470"), false},
		{"madid and login id", only("MAID", "6d92078a-8246-4ba4-ae5b-76104861e7dc", "Login", "1015"), false},
		{"invalid lead id only", only("Lead ID", "12"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Map(keysRow(tt.kv))
			re, isRow := errors.AsType[*RowError](err)
			switch {
			case tt.ok && err != nil:
				t.Errorf("Map = %v, want an event", err)
			case !tt.ok && (!isRow || re.Reason != capi.ReasonNoUserData):
				t.Errorf("Map = %v, want no_user_data", err)
			}
		})
	}
}

func TestMapConversionLeads(t *testing.T) {
	m := testMapper(t, leadsConfig, keysHeader)
	ev, err := m.Map(keysRow(with(keysValues(), "Stage", " Sales Opportunity ", "Email", "a@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ActionSource != "system_generated" || ev.EventName != "Sales Opportunity" {
		t.Errorf("action_source, event_name = %q, %q; want system_generated, the stage", ev.ActionSource, ev.EventName)
	}
	for k, want := range map[string]string{"event_source": "crm", "lead_event_source": "HubSpot"} {
		if v, _ := ev.CustomData.Get(k); v != want {
			t.Errorf("custom_data.%s = %v, want %q", k, v, want)
		}
	}
	b := string(ev.AppendJSON(nil))
	if !strings.Contains(b, `"lead_id":1234567890123456`) || !strings.Contains(b, `"event_source":"crm"`) {
		t.Errorf("body %s lacks lead_id as a number or event_source", b)
	}
	// An email alone is enough for Meta, not for Conversion Leads.
	for _, lead := range []string{"", "123"} {
		_, err = m.Map(keysRow(with(keysValues(), "Email", "a@example.com", "Lead ID", lead)))
		re, ok := errors.AsType[*RowError](err)
		if !ok || re.Reason != capi.ReasonNoUserData || re.Field != "user_data.lead_id" {
			t.Errorf("Map(lead id %q) = %v, want no_user_data on user_data.lead_id", lead, err)
		}
		if ok && strings.Contains(re.Detail, "123") {
			t.Errorf("detail %q holds the value", re.Detail)
		}
	}
}

func TestConfigConversionLeads(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"no lead_event_source", strings.Replace(leadsConfig, "lead_event_source: HubSpot\n", "", 1), "lead_event_source: required: profile conversion_leads needs the CRM's name"},
		{"no lead_id", strings.Replace(leadsConfig, "    lead_id: \"Lead ID\"\n", "", 1), "line 8: fields.user_data.lead_id: required"},
		{"unknown profile", strings.Replace(leadsConfig, "conversion_leads", "leads", 1), `line 3: profile: invalid value: "leads"`},
		{"source without profile", strings.Replace(leadsConfig, "profile: conversion_leads\n", "", 1), "line 3: lead_event_source: invalid value: applies only with profile"},
		{"other action source", strings.Replace(leadsConfig, "  event_name: Stage\n", "  event_name: Stage\n  action_source: { value: physical_store }\n", 1), "fields.action_source: invalid value: profile conversion_leads sends"},
		{"other event source", strings.Replace(leadsConfig, "    lead_id: \"Lead ID\"\n", "    lead_id: \"Lead ID\"\n  custom_data: { event_source: { value: web } }\n", 1), "fields.custom_data.event_source: invalid value"},
		{"lead id constant", strings.Replace(leadsConfig, `lead_id: "Lead ID"`, `lead_id: { value: "1234567890123456" }`, 1), "fields.user_data.lead_id.value: invalid value: this field must come from a column"},
		{"split on ip", strings.Replace(keysConfig, "client_ip_address: IP", `client_ip_address: { column: IP, split: "," }`, 1), "fields.user_data.client_ip_address.split: invalid value"},
		{"hash on fbp", strings.Replace(keysConfig, "fbp: FBP", "fbp: { column: FBP, hash: true }", 1), "fields.user_data.fbp.hash: invalid value"},
		{"click_time elsewhere", strings.Replace(keysConfig, "fbp: FBP", `fbp: { column: FBP, click_time: "Click Time" }`, 1), "fields.user_data.fbp.click_time: invalid value: click_time applies only to user_data.fbc"},
		{"fbc format alone", strings.Replace(keysConfig, `click_time: "Click Time", `, "", 1), "fields.user_data.fbc.format: invalid value: format reads click_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.config))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tt.want)
			}
			if _, ok := errors.AsType[*ConfigError](err); !ok {
				t.Errorf("Parse error %T, want *ConfigError", err)
			}
		})
	}
	// Validate twice: the fields the profile filled in agree.
	cfg, err := Parse(strings.NewReader(leadsConfig))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("second Validate = %v", err)
	}
}

// invalidCodes lists ev.Invalid as key:code.
func invalidCodes(inv []capi.InvalidKey) []string {
	var out []string
	for _, k := range inv {
		out = append(out, k.Key+":"+k.Reason)
	}
	return out
}

package main

import (
	"bytes"
	"capi-upload/capi"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The sink counts the events of a body as capi-upload encodes it, also
// when a value holds the text that opens an event: inside a JSON string
// its quotes are escaped.
func TestSinkCountsEvents(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(s)
	defer srv.Close()

	tests := []struct {
		name   string
		events []capi.Event
	}{
		{"none", nil},
		{"one", []capi.Event{{EventName: "Purchase", EventTime: 1_800_000_000, ActionSource: "physical_store", EventID: "R1"}}},
		{"three, one with a lookalike value", []capi.Event{
			{EventName: "Purchase", EventTime: 1_800_000_000, ActionSource: "physical_store", EventID: "R1"},
			{EventName: `{"event_name":`, EventTime: 1_800_000_000, ActionSource: "physical_store", EventID: "R2",
				CustomData: capi.CustomData{{Key: "note", Value: `{"event_name":"x"}`}}},
			{EventName: "Lead", EventTime: 1_800_000_000, ActionSource: "phone_call", EventID: "R3"},
		}},
	}
	total := 0
	for _, tt := range tests {
		body := []byte(`{"data":[`)
		for i := range tt.events {
			if i > 0 {
				body = append(body, ',')
			}
			body = tt.events[i].AppendJSON(body)
		}
		body = append(body, `],"access_token":"t"}`...)
		resp, err := http.Post(srv.URL+"/v21.0/123/events", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			EventsReceived int    `json:"events_received"`
			FBTraceID      string `json:"fbtrace_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, %v", tt.name, resp.StatusCode, err)
		}
		if got.EventsReceived != len(tt.events) || got.FBTraceID == "" {
			t.Errorf("%s: events_received %d, fbtrace_id %q; want %d and an id", tt.name, got.EventsReceived, got.FBTraceID, len(tt.events))
		}
		total += len(tt.events)
	}
	if n := s.events.Load(); n != int64(total) {
		t.Errorf("sink counted %d events in all, want %d", n, total)
	}
}

package capitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzHandle posts arbitrary bodies: the double must never panic, must
// answer 200 or a Graph error, and must count exactly the events it says
// it received.
func FuzzHandle(f *testing.F) {
	f.Add([]byte(nil), false)
	f.Add(jsonBody(f, DefaultToken, ev("1")), false)
	f.Add(jsonBody(f, DefaultToken, ev("1"), ev("2", set("event_time", "x"))), false)
	f.Add([]byte(`{"access_token":"`+DefaultToken+`","data":"[{\"event_name\":\"Lead\"}]"}`), false)
	f.Add([]byte("access_token="+DefaultToken+"&data=%5B%7B%7D%5D"), true)
	f.Add([]byte(`{"access_token":"`+DefaultToken+`","data":[null,"{}",{"user_data":{"em":["`+hashA+`",1]}}]}`), false)
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		s := &Server{
			closed: make(chan struct{}), token: DefaultToken,
			pixels: map[string]bool{DefaultPixelID: true}, minVersion: DefaultMinVersion, maxVersion: DefaultMaxVersion,
			rules:  rules{now: func() time.Time { return now }, maxAge: DefaultMaxAge},
			poison: map[string]bool{},
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if form {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		s.handle(w, req)
		var b struct {
			EventsReceived *int        `json:"events_received"`
			Error          *GraphError `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatalf("answer is not JSON: %v: %q", err, w.Body)
		}
		switch w.Code {
		case http.StatusOK:
			if b.EventsReceived == nil || *b.EventsReceived != s.EventsReceived() || *b.EventsReceived == 0 {
				t.Fatalf("200 with events_received %v, server counted %d", b.EventsReceived, s.EventsReceived())
			}
		case http.StatusBadRequest:
			if b.Error == nil || b.Error.Code == 0 || s.EventsReceived() != 0 {
				t.Fatalf("400 with error %+v, server counted %d", b.Error, s.EventsReceived())
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	})
}

// FuzzRecordEvents: a server that records events and one that keeps not
// even their keys must give every body the same answer. (Its seeds are
// those of the hand-walked decoder this double once had, near misses of
// its shortcuts included.)
func FuzzRecordEvents(f *testing.F) {
	f.Add(jsonBody(f, DefaultToken, ev("1")))
	f.Add(jsonBody(f, DefaultToken, ev("1"), ev("2", set("event_time", "x"))))
	f.Add([]byte(`{"access_token":"` + DefaultToken + `","data":[{"event_name":"Lead","event_time":1700000000,"action_source":"website","user_data":{"em":"` + hashA + `","em":1}}]}`))
	f.Add([]byte(`{"ACCESS_TOKEN":"` + DefaultToken + `","data":[{"Event_Name":"Lead","user_data":null,"custom_data":{"contents":[{"id":"a","quantity":1}],"contents":null}}]}`))
	f.Add([]byte(`{"access_token":"` + DefaultToken + `","data":[{"event_name":"Purchase","user_data":{"ph":["` + hashB + `"],"client_user_agent":"x"},"user_data":{},"custom_data":{"value":1,"currency":"USD"},"custom_data":null}]}`))
	// Plain SHA-256 strings and arrays of them, next to near misses.
	upper := strings.ToUpper(hashA)
	for _, v := range []any{
		hashA, []string{hashA, hashB}, []string{hashA, upper}, []string{}, []string{""}, hashA + "0", hashA[:63],
		hashA + ".AQQCAQIB", json.RawMessage(`"\u0036` + hashA[1:] + `"`), json.RawMessage(`[ "` + hashA + `" ]`),
		json.RawMessage(`["` + hashA + `" ,"` + hashB + `"]`), []any{hashA, nil}, []any{hashA, 1}, upper,
	} {
		f.Add(jsonBody(f, DefaultToken, ev("1", ud("em", v)), ev("2", ud("ph", v), ud("fn", v))))
	}
	// Conversion Leads and the unhashed keys, valid and not.
	f.Add(jsonBody(f, DefaultToken, leadEv("1"), leadEv("2", set("custom_data", map[string]any{"event_source": "crm", "Lead_Event_Source": "x"}))))
	f.Add(jsonBody(f, DefaultToken, ev("1", ud("lead_id", hashA), ud("fbc", "fb.1.1554763741205.IwAR"), ud("madid", upper))))
	pretty, err := json.MarshalIndent(map[string]any{"access_token": DefaultToken, "data": []any{ev("1"), ev("2", ud("zp", []string{hashA}))}}, "", "\t")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pretty)
	f.Add([]byte(`{"access_token":"` + DefaultToken + `","data":[{"event_name":"Lead","event_time":1764154800,"action_source":"chat","user_data":{"em":"` + hashA + `"x}}]}`))
	f.Add([]byte(`{"access_token":"` + DefaultToken + `","data":[{"event_name":"Lead","event_time":1764154800,"action_source":"chat","user_data":{"em":["` + hashA + `",]}}]}`))
	clock := WithNow(func() time.Time { return now })
	recSrv, bareSrv := Start(f, clock, WithRecordEvents()), Start(f, clock, WithoutEventKeys())
	f.Fuzz(func(t *testing.T, body []byte) {
		answer := func(s *Server) (int, string) {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			s.handle(w, req)
			var b struct {
				EventsReceived int         `json:"events_received"`
				Error          *GraphError `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
				t.Fatalf("answer is not JSON: %v: %q", err, w.Body)
			}
			if b.Error != nil {
				b.Error.FBTraceID = ""
			}
			out, _ := json.Marshal(b)
			return w.Code, string(out)
		}
		recCode, rec := answer(recSrv)
		bareCode, bare := answer(bareSrv)
		if recCode != bareCode || rec != bare {
			t.Errorf("recording events: %d %s\nkeeping nothing:  %d %s", recCode, rec, bareCode, bare)
		}
	})
}

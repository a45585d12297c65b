package capitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// now is the fixed clock of the tests.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const (
	hashA = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
	hashB = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"
)

// ev is a valid physical_store Purchase; edit modifies a copy.
func ev(id string, edit ...func(map[string]any)) map[string]any {
	e := map[string]any{
		"event_name":    "Purchase",
		"event_time":    now.Add(-time.Hour).Unix(),
		"action_source": "physical_store",
		"event_id":      id,
		"user_data":     map[string]any{"em": hashA, "ph": []string{hashB}},
		"custom_data":   map[string]any{"value": 12.5, "currency": "USD"},
	}
	for _, f := range edit {
		f(e)
	}
	return e
}

// leadEv is a valid Conversion Leads event: a CRM stage of a Lead Ads
// lead.
func leadEv(id string, edit ...func(map[string]any)) map[string]any {
	e := ev(id,
		set("event_name", "Marketing Qualified Lead"),
		set("action_source", "system_generated"),
		set("user_data", map[string]any{"lead_id": json.RawMessage("1234567890123456")}),
		set("custom_data", map[string]any{"event_source": "crm", "lead_event_source": "HubSpot"}))
	for _, f := range edit {
		f(e)
	}
	return e
}

func ud(k string, v any) func(map[string]any) {
	return func(e map[string]any) { e["user_data"].(map[string]any)[k] = v }
}

func set(k string, v any) func(map[string]any) {
	return func(e map[string]any) {
		if v == nil {
			delete(e, k)
			return
		}
		e[k] = v
	}
}

func jsonBody(t testing.TB, token string, events ...any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"data": events, "access_token": token})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type reply struct {
	Status         int
	EventsReceived int
	Code, Subcode  int
	Type           string
	Title          string
	Transient      bool
}

func post(t testing.TB, s *Server, path, contentType string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return do(t, s, req)
}

func do(t testing.TB, s *Server, req *http.Request) reply {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		EventsReceived *int     `json:"events_received"`
		Messages       []string `json:"messages"`
		FBTraceID      string   `json:"fbtrace_id"`
		Error          *GraphError
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	r := reply{Status: resp.StatusCode}
	switch {
	case b.Error != nil:
		if b.Error.FBTraceID == "" || b.Error.Message == "" || b.Error.Type == "" {
			t.Errorf("error body lacks message, type or fbtrace_id: %+v", b.Error)
		}
		r.Code, r.Subcode, r.Type, r.Title, r.Transient = b.Error.Code, b.Error.Subcode, b.Error.Type, b.Error.UserTitle, b.Error.Transient
	case b.EventsReceived != nil:
		if b.FBTraceID == "" || b.Messages == nil {
			t.Errorf("success body lacks fbtrace_id or messages")
		}
		r.EventsReceived = *b.EventsReceived
	default:
		t.Errorf("answer has neither error nor events_received")
	}
	return r
}

const path = "/v24.0/" + DefaultPixelID + "/events"

func TestServer(t *testing.T) {
	t.Parallel()
	ok := reply{Status: 200, EventsReceived: 1}
	bad := func(subcode int, title string) reply {
		return reply{Status: 400, Code: 100, Subcode: subcode, Type: "OAuthException", Title: title}
	}
	many := make([]any, MaxEvents+1)
	for i := range many {
		many[i] = ev(fmt.Sprint("e", i))
	}
	tests := []struct {
		name  string
		path  string
		ctype string
		body  []byte
		want  reply
	}{
		{name: "valid", body: jsonBody(t, DefaultToken, ev("1")), want: ok},
		{name: "1000 events", body: jsonBody(t, DefaultToken, many[:MaxEvents]...), want: reply{Status: 200, EventsReceived: MaxEvents}},
		{name: "1001 events", body: jsonBody(t, DefaultToken, many...), want: bad(0, "Too Many Events")},
		{name: "no data", body: []byte(`{"access_token":"` + DefaultToken + `"}`), want: bad(0, "Missing Parameter")},
		{name: "empty data", body: []byte(`{"data":[],"access_token":"` + DefaultToken + `"}`), want: bad(0, "Missing Parameter")},
		{name: "data not array", body: []byte(`{"data":{},"access_token":"` + DefaultToken + `"}`), want: bad(0, "Invalid Parameter")},
		{name: "not json", body: []byte(`{"data":`), want: bad(0, "Invalid Parameter")},
		{name: "no token", body: jsonBody(t, "", ev("1")), want: reply{Status: 400, Code: 104, Type: "OAuthException"}},
		{name: "wrong token", body: jsonBody(t, "nope", ev("1")), want: reply{Status: 400, Code: 190, Subcode: 467, Type: "OAuthException"}},
		{name: "unknown pixel", path: "/v24.0/999/events", body: jsonBody(t, DefaultToken, ev("1")), want: reply{Status: 400, Code: 100, Subcode: 33, Type: "GraphMethodException"}},
		{name: "non-numeric pixel", path: "/v24.0/abc/events", body: jsonBody(t, DefaultToken, ev("1")), want: reply{Status: 400, Code: 100, Subcode: 33, Type: "GraphMethodException"}},
		{name: "unknown path", path: "/v24.0/" + DefaultPixelID + "/event", body: jsonBody(t, DefaultToken, ev("1")), want: reply{Status: 404, Code: 2500, Type: "OAuthException"}},
		{name: "bad version", path: "/24.0/" + DefaultPixelID + "/events", body: jsonBody(t, DefaultToken, ev("1")), want: reply{Status: 404, Code: 2500, Type: "OAuthException"}},
		{name: "old version", path: "/v12.0/" + DefaultPixelID + "/events", body: jsonBody(t, DefaultToken, ev("1")), want: reply{Status: 400, Code: 2635, Type: "OAuthException"}},
		{name: "missing event_name", body: jsonBody(t, DefaultToken, ev("1", set("event_name", nil))), want: bad(0, "Missing Event Name")},
		{name: "empty event_name", body: jsonBody(t, DefaultToken, ev("1", set("event_name", ""))), want: bad(0, "Missing Event Name")},
		{name: "numeric event_id", body: jsonBody(t, DefaultToken, ev("1", set("event_id", 7))), want: bad(0, "Invalid Event ID")},
		{name: "no event_id", body: jsonBody(t, DefaultToken, ev("1", set("event_id", nil))), want: ok},
		{name: "missing event_time", body: jsonBody(t, DefaultToken, ev("1", set("event_time", nil))), want: bad(0, "Invalid Event Time")},
		{name: "string event_time", body: jsonBody(t, DefaultToken, ev("1", set("event_time", "1764158400"))), want: bad(0, "Invalid Event Time")},
		{name: "fractional event_time", body: jsonBody(t, DefaultToken, ev("1", set("event_time", 1764158400.5))), want: bad(0, "Invalid Event Time")},
		{name: "millisecond event_time", body: jsonBody(t, DefaultToken, ev("1", set("event_time", now.UnixMilli()))), want: bad(0, "Invalid Event Time")},
		{name: "7 days old", body: jsonBody(t, DefaultToken, ev("1", set("event_time", now.Add(-DefaultMaxAge).Unix()))), want: ok},
		{name: "7 days and 1 s old", body: jsonBody(t, DefaultToken, ev("1", set("event_time", now.Add(-DefaultMaxAge-time.Second).Unix()))), want: bad(SubcodeTimestampTooOld, "Event Timestamp Too Old")},
		{name: "one stale in batch", body: jsonBody(t, DefaultToken, ev("1"), ev("2", set("event_time", now.Add(-8*24*time.Hour).Unix()))), want: bad(SubcodeTimestampTooOld, "Event Timestamp Too Old")},
		{name: "missing action_source", body: jsonBody(t, DefaultToken, ev("1", set("action_source", nil))), want: bad(0, "Invalid Action Source")},
		{name: "unknown action_source", body: jsonBody(t, DefaultToken, ev("1", set("action_source", "store"))), want: bad(0, "Invalid Action Source")},
		{name: "website without url", body: jsonBody(t, DefaultToken, ev("1", set("action_source", "website"), ud("client_user_agent", "Mozilla/5.0"))), want: bad(0, "Missing Event Source URL")},
		{name: "website without agent", body: jsonBody(t, DefaultToken, ev("1", set("action_source", "website"), set("event_source_url", "https://example.com/"))), want: bad(0, "Missing User Agent")},
		{name: "website complete", body: jsonBody(t, DefaultToken, ev("1", set("action_source", "website"), set("event_source_url", "https://example.com/"), ud("client_user_agent", "Mozilla/5.0"))), want: ok},
		{name: "missing user_data", body: jsonBody(t, DefaultToken, ev("1", set("user_data", nil))), want: bad(0, "Missing User Data")},
		{name: "empty user_data", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{}))), want: bad(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information")},
		{name: "plain email", body: jsonBody(t, DefaultToken, ev("1", ud("em", "john@example.com"))), want: bad(0, "Invalid Customer Information")},
		{name: "upper-case hash", body: jsonBody(t, DefaultToken, ev("1", ud("em", strings.ToUpper(hashA)))), want: bad(0, "Invalid Customer Information")},
		{name: "md5 hash", body: jsonBody(t, DefaultToken, ev("1", ud("em", hashA[:32]))), want: bad(0, "Invalid Customer Information")},
		{name: "hash with appendix", body: jsonBody(t, DefaultToken, ev("1", ud("em", hashA+".AQQCAQIB"))), want: ok},
		{name: "bad hash in array", body: jsonBody(t, DefaultToken, ev("1", ud("ph", []string{hashB, "16505551212"}))), want: bad(0, "Invalid Customer Information")},
		{name: "numeric hash", body: jsonBody(t, DefaultToken, ev("1", ud("zp", 94025))), want: bad(0, "Invalid Customer Information")},
		{name: "bad ip", body: jsonBody(t, DefaultToken, ev("1", ud("client_ip_address", "300.1.1.1"))), want: bad(0, "Invalid Customer Information")},
		{name: "ipv6", body: jsonBody(t, DefaultToken, ev("1", ud("client_ip_address", "2001:db8::1"))), want: ok},
		{name: "bad fbc", body: jsonBody(t, DefaultToken, ev("1", ud("fbc", "abc"))), want: bad(0, "Invalid Customer Information")},
		{name: "good fbp", body: jsonBody(t, DefaultToken, ev("1", ud("fbp", "fb.1.1596403881668.1116446470"))), want: ok},
		{name: "fbc in cookie form", body: jsonBody(t, DefaultToken, ev("1", ud("fbc", "fb.1.1554763741205.IwAR2ef8hvZp1uV_L"))), want: ok},
		{name: "bare fbclid", body: jsonBody(t, DefaultToken, ev("1", ud("fbc", "IwAR2ef8hvZp1uV_L"))), want: bad(0, "Invalid Customer Information")},
		{name: "fbc as array", body: jsonBody(t, DefaultToken, ev("1", ud("fbc", []string{"fb.1.1554763741205.IwAR"}))), want: bad(0, "Invalid Customer Information")},
		{name: "hashed ip", body: jsonBody(t, DefaultToken, ev("1", ud("client_ip_address", hashA))), want: bad(0, "Invalid Customer Information")},
		{name: "hashed user agent", body: jsonBody(t, DefaultToken, ev("1", ud("client_user_agent", strings.ToUpper(hashA)))), want: bad(0, "Invalid Customer Information")},
		{name: "hashed subscription_id", body: jsonBody(t, DefaultToken, ev("1", ud("subscription_id", hashA))), want: bad(0, "Invalid Customer Information")},
		{name: "hashed madid", body: jsonBody(t, DefaultToken, ev("1", ud("madid", hashA))), want: bad(0, "Invalid Customer Information")},
		{name: "madid", body: jsonBody(t, DefaultToken, ev("1", ud("madid", "6d92078a-8246-4ba4-ae5b-76104861e7dc"))), want: ok},
		{name: "lead_id number", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"lead_id": json.RawMessage("12345678901234567")}))), want: ok},
		{name: "lead_id digits", body: jsonBody(t, DefaultToken, ev("1", ud("lead_id", "1234567890123456"))), want: ok},
		{name: "hashed lead_id", body: jsonBody(t, DefaultToken, ev("1", ud("lead_id", hashA))), want: bad(0, "Invalid Customer Information")},
		{name: "short lead_id", body: jsonBody(t, DefaultToken, ev("1", ud("lead_id", 12345))), want: bad(0, "Invalid Customer Information")},
		{name: "lead_id with prefix", body: jsonBody(t, DefaultToken, ev("1", ud("lead_id", "l:1234567890123456"))), want: bad(0, "Invalid Customer Information")},
		{name: "conversion leads", body: jsonBody(t, DefaultToken, leadEv("1")), want: ok},
		{name: "conversion leads without lead_id", body: jsonBody(t, DefaultToken, leadEv("1", set("user_data", map[string]any{"em": hashA}))), want: bad(0, "Missing Lead ID")},
		{name: "conversion leads without lead_event_source", body: jsonBody(t, DefaultToken, leadEv("1", set("custom_data", map[string]any{"event_source": "crm"}))), want: bad(0, "Missing Lead Event Source")},
		{name: "conversion leads from a store", body: jsonBody(t, DefaultToken, leadEv("1", set("action_source", "physical_store"))), want: bad(0, "Invalid Action Source")},
		{name: "other event_source", body: jsonBody(t, DefaultToken, leadEv("1", set("custom_data", map[string]any{"event_source": "web"}), set("user_data", map[string]any{"em": hashA}))), want: ok},
		{name: "external_id only", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"external_id": []string{"loyalty-1"}}))), want: ok},
		{name: "floor: ge ct st country", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"ge": hashA, "ct": hashA, "st": hashA, "country": hashA}))), want: bad(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information")},
		{name: "floor: fn ge", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"fn": hashA, "ge": hashA}))), want: bad(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information")},
		{name: "floor: db alone", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"db": hashA}))), want: bad(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information")},
		{name: "floor: fn ln", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"fn": hashA, "ln": hashA}))), want: ok},
		{name: "floor: empty values", body: jsonBody(t, DefaultToken, ev("1", set("user_data", map[string]any{"em": []string{}, "external_id": ""}))), want: bad(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information")},
		{name: "purchase without value", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"currency": "USD"}))), want: bad(0, "Missing Value or Currency")},
		{name: "purchase without currency", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1}))), want: bad(0, "Missing Value or Currency")},
		{name: "purchase without custom_data", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", nil))), want: bad(0, "Missing Value or Currency")},
		{name: "lead without custom_data", body: jsonBody(t, DefaultToken, ev("1", set("event_name", "Lead"), set("custom_data", nil))), want: ok},
		{name: "unknown currency", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "ABC"}))), want: bad(0, "Invalid Currency Code")},
		{name: "lower-case currency", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "eur"}))), want: ok},
		{name: "string value", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": "12.50", "currency": "USD"}))), want: bad(0, "Invalid Custom Data")},
		{name: "contents without quantity", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "USD", "contents": []any{map[string]any{"id": "sku"}}}))), want: bad(0, "Invalid Contents")},
		{name: "contents ok", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "USD", "contents": []any{map[string]any{"id": "sku", "quantity": 2, "item_price": 3.5}}}))), want: ok},
		{name: "bad delivery_category", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "USD", "delivery_category": "drone"}))), want: bad(0, "Invalid Custom Data")},
		{name: "custom property", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", map[string]any{"value": 1, "currency": "USD", "store_id": 42}))), want: ok},
		{name: "ldu without country", body: jsonBody(t, DefaultToken, ev("1", set("data_processing_options", []string{"LDU"}))), want: bad(0, "Limited Data Use Selection Required")},
		{name: "ldu without state", body: jsonBody(t, DefaultToken, ev("1", set("data_processing_options", []string{"LDU"}), set("data_processing_options_country", 1))), want: bad(0, "Limited Data Use Selection Required")},
		{name: "ldu complete", body: jsonBody(t, DefaultToken, ev("1", set("data_processing_options", []string{"LDU"}), set("data_processing_options_country", 1), set("data_processing_options_state", 1000))), want: ok},
		{name: "no ldu", body: jsonBody(t, DefaultToken, ev("1", set("data_processing_options", []string{}))), want: ok},
		{name: "event as json string", body: []byte(`{"access_token":"` + DefaultToken + `","data":[` + quote(t, ev("1")) + `]}`), want: ok},
		{name: "data as json string", body: []byte(`{"access_token":"` + DefaultToken + `","data":` + quote(t, []any{ev("1"), ev("2")}) + `}`), want: reply{Status: 200, EventsReceived: 2}},
		{name: "form body", ctype: "application/x-www-form-urlencoded", body: []byte(url.Values{"access_token": {DefaultToken}, "data": {mustJSON(t, []any{ev("1")})}}.Encode()), want: ok},
		{name: "form body bad data", ctype: "application/x-www-form-urlencoded", body: []byte(url.Values{"access_token": {DefaultToken}, "data": {"[1"}}.Encode()), want: bad(0, "Invalid Parameter")},
		{name: "user_data not object", body: jsonBody(t, DefaultToken, ev("1", set("user_data", []string{hashA}))), want: bad(0, "Invalid Parameter Type")},
		{name: "custom_data not object", body: jsonBody(t, DefaultToken, ev("1", set("custom_data", "x"))), want: bad(0, "Invalid Parameter Type")},
		{name: "null optional fields", body: jsonBody(t, DefaultToken, ev("1", set("event_source_url", nil), func(e map[string]any) { e["data_processing_options"] = nil })), want: ok},
		{name: "element not object", body: []byte(`{"access_token":"` + DefaultToken + `","data":[1]}`), want: bad(0, "Invalid Event")},
	}
	// A server that records event bodies and one that does not must agree.
	servers := []struct {
		name string
		s    *Server
	}{
		{"not recording", Start(t, WithNow(func() time.Time { return now }))},
		{"recording", Start(t, WithNow(func() time.Time { return now }), WithRecordEvents())},
	}
	for _, srv := range servers {
		for _, tt := range tests {
			t.Run(srv.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				p, ct := tt.path, tt.ctype
				if p == "" {
					p = path
				}
				if ct == "" {
					ct = "application/json"
				}
				got := post(t, srv.s, p, ct, tt.body)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("POST %s (-want +got):\n%s", tt.name, diff)
				}
			})
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// quote is v's JSON as a JSON string, the shape Meta's Python SDK sends.
func quote(t testing.TB, v any) string { return mustJSON(t, mustJSON(t, v)) }

func TestGetIsUnsupported(t *testing.T) {
	t.Parallel()
	s := Start(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := do(t, s, req)
	want := reply{Status: 400, Code: 100, Subcode: 33, Type: "GraphMethodException"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /events (-want +got):\n%s", diff)
	}
}

func TestMultipartBody(t *testing.T) {
	t.Parallel()
	s := Start(t)
	var buf bytes.Buffer
	mw := multipartWriter(&buf)
	mw.WriteField("access_token", DefaultToken)
	mw.WriteField("data", mustJSON(t, []any{ev("1", set("event_time", time.Now().Unix()))}))
	mw.Close()
	got := post(t, s, path, mw.FormDataContentType(), buf.Bytes())
	if want := (reply{Status: 200, EventsReceived: 1}); got != want {
		t.Errorf("multipart POST = %+v, want %+v", got, want)
	}
}

func TestAppSecretProof(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	s := Start(t, WithAppSecret(secret), WithNow(func() time.Time { return now }))
	proof := s.AppSecretProof(DefaultToken)
	if len(proof) != 64 {
		t.Fatalf("AppSecretProof = %q, want 64 hex", proof)
	}
	tests := []struct {
		name  string
		proof string
		want  reply
	}{
		{"right", proof, reply{Status: 200, EventsReceived: 1}},
		{"missing", "", reply{Status: 400, Code: 100, Type: "GraphMethodException"}},
		{"wrong", strings.Repeat("0", 64), reply{Status: 400, Code: 100, Type: "GraphMethodException"}},
		{"for another token", appSecretProof("other", secret), reply{Status: 400, Code: 100, Type: "GraphMethodException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := mustJSON(t, map[string]any{"access_token": DefaultToken, "appsecret_proof": tt.proof, "data": []any{ev("1")}})
			if got := post(t, s, path, "application/json", []byte(body)); got != tt.want {
				t.Errorf("proof %s: got %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestRecordsAcceptedAndDuplicates(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }), WithRecordEvents())
	body := jsonBody(t, DefaultToken, ev("a"), ev("b"))
	post(t, s, path, "application/json", body)
	post(t, s, path, "application/json", jsonBody(t, DefaultToken, ev("b"), ev("c", set("event_name", "Lead"))))
	post(t, s, path, "application/json", jsonBody(t, "wrong", ev("z")))

	want := map[EventKey]int{{"Purchase", "a"}: 1, {"Purchase", "b"}: 2, {"Lead", "c"}: 1}
	if diff := cmp.Diff(want, s.Accepted()); diff != "" {
		t.Errorf("Accepted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]EventKey{{"Purchase", "b"}}, s.Duplicates()); diff != "" {
		t.Errorf("Duplicates (-want +got):\n%s", diff)
	}
	if got := s.EventsReceived(); got != 4 {
		t.Errorf("EventsReceived = %d, want 4", got)
	}
	if got := s.AcceptedCount("Purchase", "b"); got != 2 {
		t.Errorf("AcceptedCount(b) = %d, want 2", got)
	}
	if got := len(s.AcceptedEvents()); got != 4 {
		t.Errorf("len(AcceptedEvents) = %d, want 4", got)
	}
	reqs := s.Requests()
	type brief struct{ Seq, Status, Code, Events, Accepted int }
	var got []brief
	for _, r := range reqs {
		got = append(got, brief{r.Seq, r.Status, r.Code, r.Events, r.Accepted})
		if r.BodySize == 0 || r.TokenInURL {
			t.Errorf("request %d: BodySize %d, TokenInURL %v", r.Seq, r.BodySize, r.TokenInURL)
		}
	}
	wantReqs := []brief{{1, 200, 0, 2, 2}, {2, 200, 0, 2, 2}, {3, 400, 190, 0, 0}}
	if diff := cmp.Diff(wantReqs, got); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
}

func TestTokenInURL(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	body := mustJSON(t, map[string]any{"data": []any{ev("1")}})
	got := post(t, s, path+"?access_token="+DefaultToken, "application/json", []byte(body))
	if want := (reply{Status: 200, EventsReceived: 1}); got != want {
		t.Errorf("token in query: %+v, want %+v (Graph accepts it)", got, want)
	}
	r := s.Requests()[0]
	if !r.TokenInURL {
		t.Errorf("TokenInURL = false for a token in the query")
	}
	if strings.Contains(r.URL, DefaultToken) {
		t.Errorf("recorded URL %q holds the token", r.URL)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	valid := func() []byte { return jsonBody(t, DefaultToken, ev("1", set("event_time", now.Unix()))) }
	tests := []struct {
		name       string
		fault      Fault
		want       reply
		wantHeader http.Header
		accepted   int
	}{
		{name: "500", fault: HTTPStatus(500), want: reply{Status: 500, Code: 1, Type: "OAuthException", Transient: true}},
		{name: "502", fault: HTTPStatus(502), want: reply{Status: 502, Code: 1, Type: "OAuthException", Transient: true}},
		{name: "503", fault: HTTPStatus(503), want: reply{Status: 503, Code: 1, Type: "OAuthException", Transient: true}},
		{name: "code 1", fault: Transient(1), want: reply{Status: 500, Code: 1, Type: "OAuthException", Transient: true}},
		{name: "code 2", fault: Transient(2), want: reply{Status: 500, Code: 2, Type: "OAuthException", Transient: true}},
		{name: "code 4", fault: Throttle(4, 0, 0), want: reply{Status: 400, Code: 4, Type: "OAuthException"}},
		{name: "code 17 retry-after", fault: Throttle(17, SubcodeUserRequestLimit, 1500*time.Millisecond), want: reply{Status: 400, Code: 17, Subcode: 2446079, Type: "OAuthException"}, wantHeader: http.Header{"Retry-After": {"2"}}},
		{name: "code 32", fault: Throttle(32, 0, 0), want: reply{Status: 400, Code: 32, Type: "OAuthException"}},
		{name: "code 613", fault: Throttle(613, 1487742, 0), want: reply{Status: 400, Code: 613, Subcode: 1487742, Type: "OAuthException"}},
		{name: "code 80004", fault: Throttle(80004, 0, 0), want: reply{Status: 400, Code: 80004, Type: "OAuthException"}},
		{name: "code 190 expired", fault: TokenError(SubcodeTokenExpired), want: reply{Status: 400, Code: 190, Subcode: 463, Type: "OAuthException"}},
		{name: "code 10", fault: PermissionError(10), want: reply{Status: 403, Code: 10, Type: "OAuthException"}},
		{name: "code 200", fault: PermissionError(200), want: reply{Status: 403, Code: 200, Type: "OAuthException"}},
		{name: "usage headers", fault: Usage(95), want: reply{Status: 200, EventsReceived: 1}, accepted: 1,
			wantHeader: http.Header{"X-App-Usage": {`{"call_count":95,"total_cputime":95,"total_time":95}`}}},
		{name: "custom graph error", fault: GraphFault(&GraphError{HTTPStatus: 400, Message: "blocked", Type: "OAuthException", Code: 368, Transient: true}), want: reply{Status: 400, Code: 368, Type: "OAuthException", Transient: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, WithNow(func() time.Time { return now }))
			s.Enqueue(tt.fault)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewReader(valid()))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for k := range tt.wantHeader {
				if got, want := resp.Header.Get(k), tt.wantHeader.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			// Replay for the body check with a fresh fault.
			s.Enqueue(tt.fault)
			got := post(t, s, path, "application/json", valid())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fault %s (-want +got):\n%s", tt.name, diff)
			}
			if got := s.EventsReceived(); got != 2*tt.accepted {
				t.Errorf("EventsReceived = %d, want %d", got, 2*tt.accepted)
			}
			// The queue is spent: the next request succeeds.
			if got := post(t, s, path, "application/json", valid()); got.Status != 200 {
				t.Errorf("after the fault: status %d, want 200", got.Status)
			}
		})
	}
}

func TestStandingFaultAndFailFirst(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	body := jsonBody(t, DefaultToken, ev("1"))
	s.SetFault(TokenError(SubcodeTokenExpired))
	for i := range 3 {
		if got := post(t, s, path, "application/json", body); got.Code != 190 {
			t.Fatalf("request %d under standing 190: code %d", i, got.Code)
		}
	}
	s.ClearFaults()
	s.FailFirst(2, HTTPStatus(503))
	var statuses []int
	for range 3 {
		statuses = append(statuses, post(t, s, path, "application/json", body).Status)
	}
	if diff := cmp.Diff([]int{503, 503, 200}, statuses); diff != "" {
		t.Errorf("FailFirst(2) statuses (-want +got):\n%s", diff)
	}
}

func TestPoison(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	s.Poison("bad")
	got := post(t, s, path, "application/json", jsonBody(t, DefaultToken, ev("ok1"), ev("bad"), ev("ok2")))
	if got.Status != 400 || got.Code != 100 {
		t.Errorf("batch with poison: %+v, want 400/100", got)
	}
	if n := s.EventsReceived(); n != 0 {
		t.Errorf("EventsReceived = %d after a rejected batch, want 0", n)
	}
	got = post(t, s, path, "application/json", jsonBody(t, DefaultToken, ev("ok1"), ev("ok2")))
	if got.EventsReceived != 2 {
		t.Errorf("clean batch: %+v, want 2 received", got)
	}
}

func TestHangEndsWhenClientGivesUp(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	s.Enqueue(Hang())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, bytes.NewReader(jsonBody(t, DefaultToken, ev("1"))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging request: err = %v, want deadline exceeded", err)
	}
	if n := s.EventsReceived(); n != 0 {
		t.Errorf("EventsReceived = %d, want 0", n)
	}
}

func TestHangReleasedByClose(t *testing.T) {
	t.Parallel()
	s := NewServer()
	s.SetFault(Hang())
	errc := make(chan error, 1)
	go func() {
		resp, err := s.Client().Post(s.URL+path, "application/json", strings.NewReader(`{}`))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for s.InFlight() == 0 {
		select {
		case <-t.Context().Done():
			t.Fatal("request never arrived")
		case <-time.After(time.Millisecond):
		}
	}
	s.Close() // must not wait for the hanging handler
	if err := <-errc; err == nil {
		t.Errorf("hanging request got an answer after Close")
	}
}

func TestLoseResponse(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	s.Enqueue(LoseResponse())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewReader(jsonBody(t, DefaultToken, ev("1"), ev("2"))))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("lost answer: got status %d, want a connection error", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") {
		t.Logf("connection error: %v", err)
	}
	if n := s.EventsReceived(); n != 2 {
		t.Errorf("EventsReceived = %d, want 2: the events were processed", n)
	}
	if r := s.Requests()[0]; r.Status != 0 || r.Accepted != 2 || r.Fault != "lose_response" {
		t.Errorf("recorded %+v, want Status 0, Accepted 2, Fault lose_response", r)
	}
}

func TestLatencyAndInFlight(t *testing.T) {
	t.Parallel()
	const n = 8
	s := Start(t, WithNow(func() time.Time { return now }), WithLatency(200*time.Millisecond))
	body := jsonBody(t, DefaultToken, ev("1"))
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			if got := post(t, s, path, "application/json", body); got.Status != 200 {
				t.Errorf("status %d", got.Status)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("%d requests took %v, want at least the 200ms latency", n, d)
	}
	if got := s.MaxInFlight(); got < 2 || got > n {
		t.Errorf("MaxInFlight = %d, want 2..%d", got, n)
	}
	if got := s.InFlight(); got != 0 {
		t.Errorf("InFlight = %d after all answers, want 0", got)
	}
}

func multipartWriter(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }

// TestBodyReading covers how the body arrives: with a Content-Length,
// chunked, and too large.
func TestBodyReading(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	body := jsonBody(t, DefaultToken, ev("1"), ev("2"))
	huge := io.MultiReader(strings.NewReader(`{"access_token":"`+DefaultToken+`","test_event_code":"`),
		io.LimitReader(repeatByte('a'), maxBody), strings.NewReader(`"}`))
	tests := []struct {
		name string
		body io.Reader
		want reply
	}{
		{"content-length", bytes.NewReader(body), reply{Status: 200, EventsReceived: 2}},
		{"chunked", io.MultiReader(bytes.NewReader(body[:10]), bytes.NewReader(body[10:])), reply{Status: 200, EventsReceived: 2}},
		{"too large", huge, reply{Status: 400, Code: 100, Type: "OAuthException", Title: "Request Too Large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if got := do(t, s, req); got != tt.want {
				t.Errorf("POST %s body: %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

// repeatByte reads as an endless run of one byte.
type repeatByte byte

func (r repeatByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = byte(r)
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n]) // a few copies, not one write per byte (-race)
	}
	return len(p), nil
}

// TestReusedScratch posts bodies of different sizes and shapes in turn to
// one server, so that each request reuses the scratch memory of the one
// before: nothing of an earlier body may show in a later answer.
func TestReusedScratch(t *testing.T) {
	t.Parallel()
	s := Start(t, WithNow(func() time.Time { return now }))
	many := make([]any, 300)
	for i := range many {
		many[i] = ev(fmt.Sprint("m", i), ud("external_id", fmt.Sprint("x", i)))
	}
	steps := []struct {
		body []byte
		want reply
	}{
		{jsonBody(t, DefaultToken, many...), reply{Status: 200, EventsReceived: 300}},
		{jsonBody(t, DefaultToken, ev("a", set("custom_data", map[string]any{"value": 1, "currency": "EUR", "contents": []any{map[string]any{"id": "sku", "quantity": 1}}}))), reply{Status: 200, EventsReceived: 1}},
		{jsonBody(t, DefaultToken, ev("b", set("custom_data", map[string]any{"value": 1, "currency": "ABC"}))), reply{Status: 400, Code: 100, Type: "OAuthException", Title: "Invalid Currency Code"}},
		{jsonBody(t, DefaultToken, ev("c", set("user_data", map[string]any{"fn": hashA, "ge": hashB}))), reply{Status: 400, Code: 100, Subcode: SubcodeInsufficientCustomerInfo, Type: "OAuthException", Title: "Insufficient Customer Information"}},
		{jsonBody(t, DefaultToken, ev("d"), ev("e", set("event_name", "Lead"))), reply{Status: 200, EventsReceived: 2}},
		{jsonBody(t, DefaultToken, many[:2]...), reply{Status: 200, EventsReceived: 2}},
	}
	for i, st := range steps {
		if got := post(t, s, path, "application/json", st.body); got != st.want {
			t.Errorf("step %d: %+v, want %+v", i, got, st.want)
		}
	}
	want := map[EventKey]int{{"Purchase", "a"}: 1, {"Purchase", "d"}: 1, {"Lead", "e"}: 1}
	for i := range many {
		want[EventKey{"Purchase", fmt.Sprint("m", i)}] = 1
	}
	want[EventKey{"Purchase", "m0"}], want[EventKey{"Purchase", "m1"}] = 2, 2
	if diff := cmp.Diff(want, s.Accepted()); diff != "" {
		t.Errorf("Accepted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]EventKey{{"Purchase", "m0"}, {"Purchase", "m1"}}, s.Duplicates()); diff != "" {
		t.Errorf("Duplicates (-want +got):\n%s", diff)
	}
}

// TestUntrustworthyAnswers pins the faults a client must not take for an
// acknowledgement: redirects, short or absurd counts, and answers that are
// not Graph's JSON.
func TestUntrustworthyAnswers(t *testing.T) {
	t.Parallel()
	valid := func() []byte {
		return jsonBody(t, DefaultToken, ev("1", set("event_time", now.Unix())), ev("2", set("event_time", now.Unix())))
	}
	tests := []struct {
		name         string
		fault        Fault
		wantStatus   int
		wantLocation string
		wantBody     string // "" for a Graph success body, checked below
		wantReceived int
		accepted     int
		kind         string
	}{
		{name: "307", fault: Redirect(307, "http://elsewhere.example/x"), wantStatus: 307, wantLocation: "http://elsewhere.example/x", kind: "redirect_307"},
		{name: "302", fault: Redirect(302, "/moved"), wantStatus: 302, wantLocation: "/moved", kind: "redirect_302"},
		{name: "short by one", fault: ShortAck(1), wantStatus: 200, wantReceived: 1, accepted: 2, kind: "ack"},
		{name: "zero", fault: Ack(0), wantStatus: 200, wantReceived: 0, accepted: 2, kind: "ack"},
		{name: "negative", fault: Ack(-7), wantStatus: 200, wantReceived: -7, accepted: 2, kind: "ack"},
		{name: "html", fault: RawAnswer(200, "text/html", "<html>portal</html>"), wantStatus: 200, wantBody: "<html>portal</html>", kind: "raw_200"},
		{name: "json without count", fault: RawAnswer(0, "application/json", `{"ok":true}`), wantStatus: 200, wantBody: `{"ok":true}`, kind: "raw_200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, WithNow(func() time.Time { return now }))
			s.Enqueue(tt.fault)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewReader(valid()))
			if err != nil {
				t.Fatal(err)
			}
			hc := s.Client()
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			switch {
			case tt.wantLocation != "":
			case tt.wantBody != "":
				if string(body) != tt.wantBody {
					t.Errorf("body = %q, want %q", body, tt.wantBody)
				}
			default:
				var b struct {
					EventsReceived *int `json:"events_received"`
				}
				if err := json.Unmarshal(body, &b); err != nil || b.EventsReceived == nil {
					t.Fatalf("body %q: no events_received (%v)", body, err)
				}
				if *b.EventsReceived != tt.wantReceived {
					t.Errorf("events_received = %d, want %d", *b.EventsReceived, tt.wantReceived)
				}
			}
			if got := s.EventsReceived(); got != tt.accepted {
				t.Errorf("EventsReceived() = %d, want %d", got, tt.accepted)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Fault != tt.kind || reqs[0].Status != tt.wantStatus {
				t.Errorf("Requests() = %+v, want one with fault %q, status %d", reqs, tt.kind, tt.wantStatus)
			}
		})
	}
}

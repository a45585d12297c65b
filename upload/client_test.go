package upload

import (
	"capi-upload/capi"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func answer(status int, body string, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func errBody(code, subcode int, transient bool, msg string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"is_transient":%t,"error_user_title":"T","error_user_msg":"M","fbtrace_id":"F"}}`,
		msg, code, subcode, transient)
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resp     *http.Response
		sent     int // events in the request; 0: want.EventsReceived
		want     capi.Response
		wantAct  action // meaningful when wantErr
		wantErr  bool
		wantAuth bool
		wantCode int
	}{
		{name: "success", resp: answer(200, `{"events_received":3,"messages":[],"fbtrace_id":"AbC"}`),
			want: capi.Response{HTTPStatus: 200, EventsReceived: 3, FBTraceID: "AbC", Messages: []string{}}},
		{name: "success without count", resp: answer(200, `{}`), want: capi.Response{HTTPStatus: 200}, wantErr: true, wantAct: actRetry},
		{name: "success not json", resp: answer(200, `<html>`), want: capi.Response{HTTPStatus: 200}, wantErr: true, wantAct: actRetry},
		{name: "invalid", resp: answer(400, errBody(100, 2804003, false, "Invalid parameter")),
			want: capi.Response{HTTPStatus: 400, FBTraceID: "F"}, wantErr: true, wantAct: actSplit, wantCode: 100},
		{name: "token", resp: answer(400, errBody(190, 460, false, "x")), want: capi.Response{HTTPStatus: 400, FBTraceID: "F"},
			wantErr: true, wantAct: actStop, wantAuth: true, wantCode: 190},
		{name: "proof", resp: answer(400, errBody(100, 0, false, "API calls from the server require an appsecret_proof argument")),
			want: capi.Response{HTTPStatus: 400, FBTraceID: "F"}, wantErr: true, wantAct: actStop, wantAuth: true, wantCode: 100},
		{name: "permission 299", resp: answer(403, errBody(299, 0, false, "x")), want: capi.Response{HTTPStatus: 403, FBTraceID: "F"},
			wantErr: true, wantAct: actStop, wantAuth: true, wantCode: 299},
		{name: "throttle with usage and retry-after",
			resp: answer(400, errBody(80004, 0, false, "too many"), "Retry-After", "7",
				"X-Business-Use-Case-Usage", `{"1":[{"type":"ads_management","call_count":98,"total_cputime":10,"total_time":20}]}`),
			want:    capi.Response{HTTPStatus: 400, FBTraceID: "F", RetryAfter: 7 * time.Second, Usage: 98},
			wantErr: true, wantAct: actThrottle, wantCode: 80004},
		{name: "502 without body", resp: answer(502, ``, "X-Fb-Trace-Id", "HDR"), want: capi.Response{HTTPStatus: 502, FBTraceID: "HDR"},
			wantErr: true, wantAct: actRetry},
		{name: "429", resp: answer(429, `slow down`), want: capi.Response{HTTPStatus: 429}, wantErr: true, wantAct: actRetry},
		{name: "short by one", resp: answer(200, `{"events_received":999,"fbtrace_id":"S"}`), sent: 1000,
			want: capi.Response{HTTPStatus: 200, EventsReceived: 999, FBTraceID: "S"}, wantErr: true, wantAct: actRetry},
		{name: "none received", resp: answer(200, `{"events_received":0}`), sent: 1000,
			want: capi.Response{HTTPStatus: 200}, wantErr: true, wantAct: actRetry},
		{name: "negative count", resp: answer(200, `{"events_received":-7}`), sent: 3,
			want: capi.Response{HTTPStatus: 200, EventsReceived: -7}, wantErr: true, wantAct: actRetry},
		{name: "more than sent", resp: answer(200, `{"events_received":4}`), sent: 3,
			want: capi.Response{HTTPStatus: 200, EventsReceived: 4}, wantErr: true, wantAct: actRetry},
		{name: "graph error inside 200", resp: answer(200, errBody(2, 0, true, "x")), sent: 3,
			want: capi.Response{HTTPStatus: 200}, wantErr: true, wantAct: actRetry},
		{name: "307", resp: answer(307, ``, "Location", "http://evil.example/x?access_token=t"), sent: 3,
			want: capi.Response{HTTPStatus: 307}, wantErr: true, wantAct: actRetry},
		{name: "302 with a success body", resp: answer(302, `{"events_received":3}`, "Location", "/elsewhere"), sent: 3,
			want: capi.Response{HTTPStatus: 302}, wantErr: true, wantAct: actRetry},
		{name: "usage header on success", resp: answer(200, `{"events_received":1}`, "X-App-Usage", `{"call_count":80,"total_cputime":5,"total_time":90}`),
			want: capi.Response{HTTPStatus: 200, EventsReceived: 1, Usage: 90}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sent := tt.sent
			if sent == 0 {
				sent = tt.want.EventsReceived
			}
			got, err := checkResponse(tt.resp, sent)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checkResponse response (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("checkResponse error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if a := classify(err); a != tt.wantAct {
				t.Errorf("classify = %v, want %v", a, tt.wantAct)
			}
			ae, isAuth := errors.AsType[*AuthError](err)
			if isAuth != tt.wantAuth {
				t.Errorf("error %T, want auth %v", err, tt.wantAuth)
			}
			code := 0
			if isAuth {
				code = ae.Code
			} else if e, ok := errors.AsType[*APIError](err); ok {
				code = e.Code
			}
			if code != tt.wantCode {
				t.Errorf("code = %d, want %d", code, tt.wantCode)
			}
		})
	}
}

func TestCheckResponseReadsAtMostLimit(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 3*maxResponseBytes)
	r := strings.NewReader(big)
	_, err := checkResponse(&http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(r)}, 1)
	if err == nil {
		t.Fatal("want an error")
	}
	if read := len(big) - r.Len(); read > maxResponseBytes {
		t.Errorf("read %d bytes, want at most %d", read, maxResponseBytes)
	}
}

func TestClassifyTransportErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		&TimeoutError{After: time.Second, Err: errors.New("deadline")},
		errors.New("connection reset by peer"),
		io.ErrUnexpectedEOF,
	} {
		if a := classify(err); a != actRetry {
			t.Errorf("classify(%v) = %v, want retry", err, a)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{name: "empty", in: "", want: 0},
		{name: "seconds", in: "12", want: 12 * time.Second},
		{name: "negative", in: "-3", want: 0},
		{name: "date", in: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		{name: "past date", in: now.Add(-time.Hour).Format(http.TimeFormat), want: 0},
		{name: "junk", in: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		attempt   int
		throttled bool
		ra        time.Duration
		lo, hi    time.Duration
	}{
		{name: "first", attempt: 1, lo: 0, hi: time.Second},
		{name: "third", attempt: 3, lo: 0, hi: 4 * time.Second},
		{name: "capped", attempt: 60, lo: 0, hi: 30 * time.Second},
		{name: "throttled first", attempt: 1, throttled: true, lo: 2500 * time.Millisecond, hi: 5 * time.Second},
		{name: "throttled capped", attempt: 9, throttled: true, lo: 15 * time.Second, hi: 30 * time.Second},
		{name: "retry-after wins", attempt: 1, ra: 45 * time.Second, lo: 45 * time.Second, hi: 45 * time.Second},
		{name: "retry-after capped", attempt: 1, ra: time.Hour, lo: retryAfterCap, hi: retryAfterCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := DefaultBackoff(tt.attempt, tt.throttled, tt.ra)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("DefaultBackoff(%d, %v, %v) = %v, want in [%v, %v]", tt.attempt, tt.throttled, tt.ra, d, tt.lo, tt.hi)
				}
				seen[d] = true
			}
			if tt.lo != tt.hi && len(seen) < 50 {
				t.Errorf("only %d distinct waits in 200: want jitter", len(seen))
			}
		})
	}
}

func TestPacer(t *testing.T) {
	t.Parallel()
	var p pacer
	now := time.Now()
	p.report(50, 0, time.Second, now)
	if p.delay != 0 {
		t.Errorf("delay at 50%% = %v, want 0", p.delay)
	}
	p.report(95, 0, time.Second, now)
	if p.delay != 800*time.Millisecond {
		t.Errorf("delay at 95%% = %v, want 800ms", p.delay)
	}
	if !p.next.Equal(now.Add(800 * time.Millisecond)) {
		t.Errorf("next request at +%v, want +800ms", p.next.Sub(now))
	}
	p = pacer{}
	p.report(10, 300*time.Millisecond, time.Second, now)
	if p.delay != 0 || !p.next.Equal(now.Add(300*time.Millisecond)) {
		t.Errorf("after a throttle: delay %v next %v", p.delay, p.next.Sub(now))
	}
	start := time.Now()
	if err := p.wait(t.Context(), time.Now); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("wait returned after %v, want the pause", d)
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     ClientOptions
		wantURL string
		wantErr string
	}{
		{name: "ok", opt: ClientOptions{BaseURL: "https://graph.facebook.com/", Token: "t", PixelID: "42"}, wantURL: "https://graph.facebook.com/v24.0/42/events"},
		{name: "version", opt: ClientOptions{BaseURL: "http://127.0.0.1:9", Token: "t", PixelID: "42", APIVersion: "v25.0"}, wantURL: "http://127.0.0.1:9/v25.0/42/events"},
		{name: "no token", opt: ClientOptions{BaseURL: "https://x", PixelID: "42"}, wantErr: "CAPI_ACCESS_TOKEN"},
		{name: "bad pixel", opt: ClientOptions{BaseURL: "https://x", Token: "t", PixelID: "42/../x"}, wantErr: "digits"},
		{name: "query in base", opt: ClientOptions{BaseURL: "https://x/?access_token=t", Token: "t", PixelID: "42"}, wantErr: "query"},
		{name: "not a URL", opt: ClientOptions{BaseURL: "graph.facebook.com", Token: "t", PixelID: "42"}, wantErr: "http(s)"},
		{name: "plain http elsewhere", opt: ClientOptions{BaseURL: "http://graph.example.com", Token: "t", PixelID: "42"}, wantErr: "plain http"},
		{name: "plain http to a private address", opt: ClientOptions{BaseURL: "http://10.0.0.1:8080", Token: "t", PixelID: "42"}, wantErr: "plain http"},
		{name: "plain http to a name ending in localhost", opt: ClientOptions{BaseURL: "http://localhost.example.com", Token: "t", PixelID: "42"}, wantErr: "plain http"},
		{name: "http loopback v4", opt: ClientOptions{BaseURL: "http://127.8.9.10:9", Token: "t", PixelID: "42"}, wantURL: "http://127.8.9.10:9/v24.0/42/events"},
		{name: "http loopback v6", opt: ClientOptions{BaseURL: "http://[::1]:9", Token: "t", PixelID: "42"}, wantURL: "http://[::1]:9/v24.0/42/events"},
		{name: "http localhost", opt: ClientOptions{BaseURL: "http://LocalHost:9/", Token: "t", PixelID: "42"}, wantURL: "http://LocalHost:9/v24.0/42/events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opt)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewClient error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.url != tt.wantURL {
				t.Errorf("url = %q, want %q", c.url, tt.wantURL)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	c := &Client{token: `tok"en`, proof: "abc"}
	tests := []struct{ in, want string }{
		{`{"data":[]}`, `{"data":[],"access_token":"tok\"en","appsecret_proof":"abc"}`},
		{`{}`, `{"access_token":"tok\"en","appsecret_proof":"abc"}`},
	}
	for _, tt := range tests {
		if got := string(c.authorize([]byte(tt.in))); got != tt.want {
			t.Errorf("authorize(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func ExampleAppSecretProof() {
	fmt.Println(AppSecretProof("token", "secret"))
	// Output: e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a
}

// FuzzCheckResponse feeds arbitrary answers to checkResponse: it must not
// panic, must classify every error, and a 2xx success must carry a count.
func FuzzCheckResponse(f *testing.F) {
	f.Add(200, `{"events_received":3,"fbtrace_id":"x"}`, "")
	f.Add(200, `{"events_received":2}`, "")
	f.Add(307, ``, "")
	f.Add(400, errBody(100, 2804003, false, "Invalid"), "3")
	f.Add(400, errBody(190, 463, false, "expired"), "")
	f.Add(500, `<html>`, "Mon, 02 Jan 2006 15:04:05 GMT")
	f.Add(400, `{"error":{"code":"x"}}`, "-1")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter string) {
		if status < 100 || status > 599 {
			return
		}
		r, err := checkResponse(answer(status, body, "Retry-After", retryAfter), 3)
		if r.HTTPStatus != status || r.RetryAfter < 0 {
			t.Fatalf("response %+v for status %d", r, status)
		}
		if err == nil {
			if status < 200 || status > 299 || r.EventsReceived != 3 {
				t.Fatalf("status %d, events_received %d accepted for 3 events", status, r.EventsReceived)
			}
			return
		}
		_ = classify(err)
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}

// authorize is the body as Send puts it on the wire: the body Run built,
// which ends in '}', with access_token and appsecret_proof spliced in.
func (c *Client) authorize(body []byte) []byte {
	head, tail := c.authParts(body)
	return append(head[:len(head):len(head)], tail...)
}

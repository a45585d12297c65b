package upload

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"capi-upload/capi"
	"capi-upload/ledger/ledgertest"
	"capi-upload/upload/capitest"
)

// TestRunAgainstDouble runs Run against capitest, the test double that
// validates events as Meta documents and injects the faults Meta produces.
func TestRunAgainstDouble(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		setup        func(s *capitest.Server)
		secret       string
		wantStatus   map[capi.Status]int
		wantAuth     bool
		wantRequests int
		wantDup      int // events the double accepted twice (answer lost, then retried)
		wantLog      string
	}{
		{name: "clean", wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 5},
		{name: "app secret proof", secret: "s3cret", wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 5},
		{name: "poison isolated", setup: func(s *capitest.Server) { s.Poison("e00017") },
			wantStatus: map[capi.Status]int{capi.StatusSent: 49, capi.StatusRejected: 1}, wantRequests: 4 + 7},
		{name: "transient then ok", setup: func(s *capitest.Server) { s.FailFirst(2, capitest.Transient(2)) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 7},
		{name: "proxy 502", setup: func(s *capitest.Server) { s.FailFirst(1, capitest.HTTPStatus(502)) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 6},
		{name: "hang then ok", setup: func(s *capitest.Server) { s.FailFirst(1, capitest.Hang()) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 6, wantLog: "no answer within"},
		{name: "answer lost", setup: func(s *capitest.Server) { s.FailFirst(1, capitest.LoseResponse()) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 6, wantDup: 10},
		{name: "throttled", setup: func(s *capitest.Server) { s.FailFirst(1, capitest.Throttle(17, 2446079, time.Second)) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 6, wantLog: "throttled by Meta"},
		{name: "high usage", setup: func(s *capitest.Server) { s.SetFault(capitest.Usage(97)) },
			wantStatus: map[capi.Status]int{capi.StatusSent: 50}, wantRequests: 5},
		{name: "token expired", setup: func(s *capitest.Server) { s.SetFault(capitest.TokenError(463)) },
			wantStatus: map[capi.Status]int{capi.StatusFailed: 50}, wantAuth: true},
		{name: "permission", setup: func(s *capitest.Server) { s.SetFault(capitest.PermissionError(200)) },
			wantStatus: map[capi.Status]int{capi.StatusFailed: 50}, wantAuth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := []capitest.Option{capitest.WithNow(func() time.Time { return testNow })}
			if tt.secret != "" {
				opts = append(opts, capitest.WithAppSecret(tt.secret))
			}
			s := capitest.Start(t, opts...)
			if tt.setup != nil {
				tt.setup(s)
			}
			var logs bytes.Buffer
			lg := slog.New(slog.NewTextHandler(&logs, nil))
			// A timeout short enough for the hang case to retry soon, long
			// enough that a request on a loaded machine never times out
			// (a timed-out request is retried: one request too many).
			timeout := 15 * time.Second
			if strings.HasPrefix(tt.name, "hang") {
				timeout = 2 * time.Second
			}
			c, err := NewClient(ClientOptions{BaseURL: s.URL, Token: s.Token(), AppSecret: tt.secret, PixelID: capitest.DefaultPixelID,
				RequestTimeout: timeout, Logger: lg})
			if err != nil {
				t.Fatal(err)
			}
			evs := makeEvents(50)
			var col collector
			opt := col.options(Options{BatchSize: 10, Concurrency: 2, Logger: lg, PixelID: capitest.DefaultPixelID})
			err = Run(t.Context(), c, ledgertest.NewMem(), feed(t.Context(), evs), opt)
			if _, ok := errors.AsType[*AuthError](err); ok != tt.wantAuth || (!ok && err != nil) {
				t.Fatalf("Run = %v, want auth error %v", err, tt.wantAuth)
			}
			col.checkOneOutcome(t, evs)
			if diff := cmp.Diff(tt.wantStatus, col.statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if tt.wantRequests != 0 && len(s.Requests()) != tt.wantRequests {
				t.Errorf("requests = %d, want %d", len(s.Requests()), tt.wantRequests)
			}
			if got := len(s.Duplicates()); got != tt.wantDup {
				t.Errorf("duplicates = %d, want %d", got, tt.wantDup)
			}
			for _, r := range s.Requests() {
				if r.TokenInURL {
					t.Errorf("token in URL of request %d", r.Seq)
				}
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
			if strings.Contains(logs.String(), s.Token()) {
				t.Error("token in log")
			}
		})
	}
}

// TestRunRefusesUntrustworthyAnswers: a redirect, a short or absurd
// acknowledgement, or an answer that is not Graph's JSON is a failed
// attempt. The rows end upload_failed and out of the ledger, and a redirect
// never takes the body (token, proof, hashed customer data) to the host
// it points at.
func TestRunRefusesUntrustworthyAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(elsewhere string) capitest.Fault
	}{
		{name: "307 to another host", fault: func(to string) capitest.Fault { return capitest.Redirect(307, to) }},
		{name: "308 to another host", fault: func(to string) capitest.Fault { return capitest.Redirect(308, to) }},
		{name: "302 to another host", fault: func(to string) capitest.Fault { return capitest.Redirect(302, to) }},
		{name: "short by one", fault: func(string) capitest.Fault { return capitest.ShortAck(1) }},
		{name: "none received", fault: func(string) capitest.Fault { return capitest.Ack(0) }},
		{name: "negative", fault: func(string) capitest.Fault { return capitest.Ack(-7) }},
		{name: "no events_received", fault: func(string) capitest.Fault {
			return capitest.RawAnswer(200, "application/json", `{"messages":[]}`)
		}},
		{name: "html", fault: func(string) capitest.Fault { return capitest.RawAnswer(200, "text/html", "<html>ok</html>") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := func() time.Time { return testNow }
			s := capitest.Start(t, capitest.WithNow(now), capitest.WithAppSecret("s3cret"))
			// elsewhere would acknowledge anything: a body that reached it
			// would be recorded as sent.
			elsewhere := capitest.Start(t, capitest.WithNow(now), capitest.WithAppSecret("s3cret"))
			s.SetFault(tt.fault(elsewhere.URL + "/v24.0/" + capitest.DefaultPixelID + "/events"))
			c, err := NewClient(ClientOptions{BaseURL: s.URL, Token: s.Token(), AppSecret: "s3cret", PixelID: capitest.DefaultPixelID})
			if err != nil {
				t.Fatal(err)
			}
			var col collector
			opt := col.options(Options{BatchSize: 10, MaxAttempts: 3, PixelID: capitest.DefaultPixelID,
				Backoff: func(int, bool, time.Duration) time.Duration { return 0 }})
			evs := makeEvents(10)
			l := ledgertest.NewMem()
			if err := Run(t.Context(), c, l, feed(t.Context(), evs), opt); err != nil {
				t.Fatalf("Run = %v", err)
			}
			col.checkOneOutcome(t, evs)
			if diff := cmp.Diff(map[capi.Status]int{capi.StatusFailed: 10}, col.statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if l.Len() != 0 {
				t.Errorf("ledger holds %d keys, want none", l.Len())
			}
			if got := len(s.Requests()); got != 3 {
				t.Errorf("requests = %d, want 3 attempts", got)
			}
			if got := elsewhere.Requests(); len(got) != 0 {
				t.Errorf("the redirect target got %d requests, want none", len(got))
			}
			for _, r := range col.requests {
				if r.Error == "" {
					t.Errorf("request %d attempt %d logged without an error: %+v", r.Seq, r.Attempt, r)
				}
			}
		})
	}
}

package upload

import (
	"context"
	"errors"
	"time"

	"capi-upload/mapping"
)

// Status is the final state of one event in a run.
type Status string

const (
	StatusSent        Status = "sent"         // acknowledged by Meta (or written, in a dry run)
	StatusStale       Status = "stale"        // aged past MaxAge before its request left
	StatusAlreadySent Status = "already_sent" // in the ledger from an earlier run
	StatusRejected    Status = "rejected"     // Meta refused it (api_rejected)
	StatusFailed      Status = "failed"       // never acknowledged (upload_failed)
)

// Outcome is what happened to one event handed to Run.
type Outcome struct {
	Event  *mapping.Event
	Status Status
	Reason mapping.Reason // stale, api_rejected or upload_failed; "" otherwise
	Detail string         // Meta's title/message and subcode, or the last error; no customer data
}

// RequestLog describes one request that left (or, in a dry run, one body
// written), for summary.json and the HTML report.
type RequestLog struct {
	Seq            int       `json:"seq"`
	Start          time.Time `json:"start"`
	DurationMS     int64     `json:"duration_ms"`
	Events         int       `json:"events"`
	Attempt        int       `json:"attempt"`
	HTTPStatus     int       `json:"http_status"`
	EventsReceived int       `json:"events_received"`
	FBTraceID      string    `json:"fbtrace_id,omitempty"`
	ErrorCode      int       `json:"error_code,omitempty"`
	ErrorSubcode   int       `json:"error_subcode,omitempty"`
	Error          string    `json:"error,omitempty"` // no token, no customer data
}

// Ledger remembers which events were acknowledged, across runs.
type Ledger interface {
	// Seen reports whether the event with this key was sent before.
	Seen(key string) (bool, error)
	// MarkSent records keys as sent at t, in one transaction.
	MarkSent(keys []string, t time.Time) error
	Close() error
}

// Options configures Run. Zero values take the defaults shown.
type Options struct {
	PixelID       string
	BatchSize     int           // 1..1000; default 1000
	Concurrency   int           // requests in flight; default 4
	MaxAge        time.Duration // default 7 days
	Resend        bool          // ignore the ledger's "already sent"
	TestEventCode string
	UploadTag     string
	NamespaceID   string
	Now           func() time.Time // default time.Now

	// OnOutcome and OnRequest are called once per event and once per
	// request; Run serializes the calls, so they need no locking.
	OnOutcome func(Outcome)
	OnRequest func(RequestLog)
}

// AuthError stops a run: the token is invalid or expired (codes 190, 102,
// 104), the app secret proof is refused, or a permission is missing (10,
// 200-299). Its message tells the user what to do and holds no token.
type AuthError struct {
	Code    int
	Subcode int
	Message string
}

func (e *AuthError) Error() string { return e.Message }

// ErrInterrupted is returned by Run when ctx was cancelled before every
// event had an outcome; events never acknowledged got StatusFailed.
var ErrInterrupted = errors.New("interrupted")

// Run sends the events received on in until in is closed, giving each
// exactly one Outcome. It returns nil when every event has an outcome
// (some may have failed), an *AuthError or a ledger error that stopped the
// run, or ErrInterrupted.
func Run(ctx context.Context, s Sender, l Ledger, in <-chan mapping.Event, opt Options) error {
	return errors.New("TODO")
}

// Sender delivers one request body. The HTTP client (Client) and the
// dry-run writer (DryRun) implement it.
type Sender interface{}

// The helper owning this package also provides (names fixed, signatures
// theirs to refine):
//
//	type ClientOptions struct{ BaseURL, Token, AppSecret, APIVersion, PixelID, PartnerAgent string; MaxAttempts int; RequestTimeout time.Duration; HTTPClient *http.Client; Logger *slog.Logger }
//	func NewClient(opt ClientOptions) (*Client, error)    // *Client implements Sender
//	func NewDryRun(dir string) Sender                       // writes <dir>/requests/NNNNNN.json, access_token left out
//	func OpenLedger(path string, readOnly bool) (*BoltLedger, error) // *LockedError{Path} when another run holds it
//	type NopLedger struct{}                                 // nothing sent before, nothing recorded

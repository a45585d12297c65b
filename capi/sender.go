package capi

import (
	"context"
	"time"
)

// Request is one request body ready to leave: the uploader encodes it
// once per set of events, without access_token and appsecret_proof, which
// only the HTTP client adds, so that a dry run can write exactly what
// would be sent. A Sender may keep Body: it is never reused.
type Request struct {
	Seq     int    // numbers requests in the order batches were formed; split parts get new numbers
	Attempt int    // 1-based
	Events  int    // events in Body
	Body    []byte // a JSON object ending in '}'
}

// Response is what one attempt learned from the answer. Send fills it as
// far as it got, also when it returns an error.
type Response struct {
	HTTPStatus     int
	EventsReceived int
	FBTraceID      string
	Messages       []string
	RetryAfter     time.Duration // from Retry-After; 0 when absent
	Usage          int           // highest percentage in X-App-Usage / X-Business-Use-Case-Usage
}

// Sender delivers one request body, one attempt: the uploader owns
// retries, because events that turn stale between attempts must be taken
// out before the next one. The HTTP client (upload.Client) and the dry-run
// writer (upload.DryRun) implement it. Send must be safe for concurrent
// use.
type Sender interface {
	Send(ctx context.Context, req *Request) (Response, error)
}

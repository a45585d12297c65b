package upload

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"capi-upload/capi"
)

// Options configures Run. Zero values take the defaults shown.
type Options struct {
	PixelID       string
	BatchSize     int           // 1..capi.MaxBatchSize; default capi.MaxBatchSize
	Concurrency   int           // requests in flight; default capi.DefaultConcurrency
	MaxAge        time.Duration // default capi.MetaMaxAge
	Resend        bool          // ignore the ledger's "already sent"
	TestEventCode string
	UploadTag     string
	NamespaceID   string
	// PartnerAgent is sent as partner_agent, e.g. "capi-upload/1.2.0";
	// default "capi-upload".
	PartnerAgent string
	Now          func() time.Time // default time.Now

	// MaxAttempts bounds the attempts per request before its events are
	// upload_failed; default capi.DefaultMaxAttempts.
	MaxAttempts int
	// Backoff says how long to wait between attempts; default
	// DefaultBackoff. Tests inject a fast one.
	Backoff BackoffFunc
	// GiveUpAfter is how many requests in a row may fail for good (their
	// attempts spent, or an error not worth a retry) before Run gives up on
	// the endpoint and stops with a *GaveUpError; an acknowledged request
	// starts the count again. Default twice Concurrency, at least 2: two
	// rounds of requests in flight.
	GiveUpAfter int
	// Grace is how long requests in flight may still finish after ctx is
	// cancelled before they are abandoned; default 5 s.
	Grace time.Duration
	// Logger receives retries, throttling and short answers; nil discards.
	// It never receives the token or customer data.
	Logger *slog.Logger

	// OnOutcome and OnRequest are called once per event and once per
	// request; Run serializes the calls, so they need no locking.
	// Outcome.Event is valid only during the call.
	OnOutcome func(capi.Outcome)
	// OnStop, when set, is called once as soon as an error stops the run
	// (auth, permission, ledger, GiveUpAfter), before Run drains in, so
	// the caller can stop reading its inputs at once instead of feeding
	// rows that can only fail.
	OnStop    func(error)
	OnRequest func(capi.RequestLog)
	// Release, when set, is given each slice received on Run's channel
	// once Run has copied its events out: the sender may then reuse it.
	// A slice never released (Run stopped part-way) stays Run's.
	Release func([]capi.Event)
	// OnProgress, when set, is called after each acknowledged request with
	// the events sent so far and the events read so far; serialized too.
	OnProgress func(sent, read int)
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

// GaveUpError stops a run whose requests kept failing: Requests in a row
// failed for good, the last with Last. Without it a run against an
// endpoint that stays down would spend every batch's attempts in turn,
// hours for a large file; its events are upload_failed like those of the
// failed requests, and stay out of the ledger for the next run.
type GaveUpError struct {
	Requests int
	Last     error
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("gave up after %d requests in a row failed (the last: %v)", e.Requests, e.Last)
}

func (e *GaveUpError) Unwrap() error { return e.Last }

// ErrInterrupted is returned by Run when ctx was cancelled before Run was
// done; events handed in but never acknowledged got StatusFailed.
var ErrInterrupted = errors.New("interrupted")

package upload

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// action is what Run does after one attempt failed.
type action int

const (
	actFail     action = iota // give up on these events now: upload_failed
	actRetry                  // wait (backoff) and try the same events again
	actThrottle               // as actRetry, but wait longer and slow every worker
	actSplit                  // the batch is invalid: split it to isolate the bad events
	actStop                   // stop the run (auth, permission)
)

func (a action) String() string {
	return [...]string{"fail", "retry", "throttle", "split", "stop"}[a]
}

// codeActions is the retry policy for Graph error codes
// (https://developers.facebook.com/docs/graph-api/guides/error-handling and
// https://developers.facebook.com/docs/marketing-apis/rate-limiting). Codes
// not listed fail the batch at once unless Meta marks them is_transient or
// the HTTP status is 5xx. Auth codes (102, 104, 190, 10, 200-299) never get
// here: checkResponse has already made them an *AuthError.
var codeActions = map[int]action{
	1:   actRetry,    // API unknown: "possibly a temporary issue due to downtime"
	2:   actRetry,    // API service: "temporary issue due to downtime"
	341: actRetry,    // application limit reached: "downtime or throttling"
	368: actRetry,    // temporarily blocked for policy violations: "wait and retry"
	4:   actThrottle, // too many calls from this app
	17:  actThrottle, // user request limit reached (subcode 2446079)
	32:  actThrottle, // pages rate limit (third-party mapping)
	613: actThrottle, // too many calls from this ad account
	100: actSplit,    // invalid parameter: one bad event rejects the whole batch
}

// classify maps the error of one attempt to the action Run takes.
func classify(err error) action {
	if _, ok := errors.AsType[*AuthError](err); ok {
		return actStop
	}
	if _, ok := errors.AsType[*WriteError](err); ok {
		return actStop
	}
	if e, ok := errors.AsType[*APIError](err); ok {
		if e.Code >= 80000 && e.Code <= 80014 { // business use case throttles
			return actThrottle
		}
		if a, ok := codeActions[e.Code]; ok {
			return a
		}
		if e.Transient || e.HTTPStatus >= 500 || e.HTTPStatus == 429 {
			return actRetry
		}
		return actFail
	}
	// No Graph answer: a timeout, a refused or reset connection, a
	// truncated answer. The request may or may not have been processed;
	// a retry carries the same event ids, which Meta deduplicates.
	return actRetry
}

// BackoffFunc returns how long to wait before attempt+1 after attempt
// (1-based) failed. throttled says Meta asked to slow down; retryAfter is
// its Retry-After (0 when absent).
type BackoffFunc func(attempt int, throttled bool, retryAfter time.Duration) time.Duration

const (
	backoffBase         = time.Second
	backoffThrottleBase = 5 * time.Second
	backoffCap          = 30 * time.Second // README "Sending, retries and the ledger"
	retryAfterCap       = 2 * time.Minute  // a Retry-After beyond this is not honoured in full
)

// DefaultBackoff is exponential backoff with full jitter (AWS architecture
// blog, "Exponential Backoff And Jitter"): a uniform wait in [0, min(cap,
// base*2^(attempt-1))], so that workers retrying together spread out. A
// throttled attempt starts from a longer base and waits at least the
// server's Retry-After.
func DefaultBackoff(attempt int, throttled bool, retryAfter time.Duration) time.Duration {
	base := backoffBase
	if throttled {
		base = backoffThrottleBase
	}
	ceil := backoffCap
	if attempt < 16 {
		ceil = min(backoffCap, base<<(attempt-1))
	}
	d := rand.N(ceil + 1)
	if throttled && d < ceil/2 {
		d = ceil / 2 // full jitter, but a throttle always waits a while
	}
	return max(d, min(retryAfter, retryAfterCap))
}

// pacer spaces requests out across all workers (rclone's pacer): a
// throttled answer pauses everyone, and high usage reported in the usage
// headers adds a delay before each request.
type pacer struct {
	mu    sync.Mutex
	next  time.Time     // no request leaves before this
	delay time.Duration // added after each request leaves, from usage
}

// usageThreshold is the usage percentage above which requests slow down:
// Meta throttles at 100, so slowing from 75 leaves room for the requests
// already in flight.
const usageThreshold = 75

// report records what an answer said about load.
func (p *pacer) report(usage int, pause time.Duration, slowest time.Duration, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if usage > usageThreshold {
		frac := float64(min(usage, 100)-usageThreshold) / float64(100-usageThreshold)
		p.delay = time.Duration(frac * float64(slowest))
	} else {
		p.delay = 0
	}
	// The next request waits too: the delay is meant to come before it.
	if wait := max(pause, p.delay); wait > 0 && now.Add(wait).After(p.next) {
		p.next = now.Add(wait)
	}
}

// wait blocks until a request may leave, or ctx is done.
func (p *pacer) wait(ctx context.Context, now func() time.Time) error {
	p.mu.Lock()
	t := now()
	var d time.Duration
	if p.next.After(t) {
		d = p.next.Sub(t)
	}
	if p.delay > 0 {
		p.next = t.Add(d + p.delay)
	}
	p.mu.Unlock()
	return sleep(ctx, d)
}

// sleep waits d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package capi

import "time"

// Limits and defaults of a run, each written once: the command line, the
// config's validation and the uploader take them from here.
const (
	// MaxBatchSize is the most events Meta takes in one request
	// (https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api);
	// it is also the default batch size.
	MaxBatchSize = 1000
	// DefaultConcurrency is how many requests are in flight by default.
	DefaultConcurrency = 4
	// MaxConcurrency bounds the requests in flight: each holds about 2 MB
	// (its body, its events and their hashes), and Meta throttles an app
	// long before 64 requests at once.
	MaxConcurrency = 64
	// DefaultMaxAttempts is how many times a request is tried before its
	// events are upload_failed.
	DefaultMaxAttempts = 6
	// MaxAttempts bounds the attempts per request: 100 attempts at the
	// 30 s backoff cap are most of an hour for one batch.
	MaxAttempts = 100
	// DefaultRequestTimeout is how long one request may take.
	DefaultRequestTimeout = 30 * time.Second
	// MetaMaxAge is the oldest event_time Meta takes: 7 days
	// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event),
	// and so the default --max-age.
	MetaMaxAge = 7 * 24 * time.Hour
	// DefaultMaxRejectRatio is the share of rows read that may be rejected
	// before the run exits 4.
	DefaultMaxRejectRatio = 0.5
	// MaxFutureSkew is how far ahead of the clock an event_time may be.
	MaxFutureSkew = 5 * time.Minute
)

// FreshFrom is the oldest event_time (Unix seconds) that is not stale at
// now under maxAge: an event is stale when its time is before now-maxAge,
// that is before the next whole second when now-maxAge has a fraction.
func FreshFrom(now time.Time, maxAge time.Duration) int64 {
	oldest := now.Add(-maxAge)
	cut := oldest.Unix()
	if oldest.Nanosecond() > 0 {
		cut++
	}
	return cut
}

// CheckTime says whether an event at eventTime (Unix seconds) may be sent
// at now: "" when it may, ReasonStale when it is older than maxAge,
// ReasonFutureTime when more than MaxFutureSkew ahead.
func CheckTime(eventTime int64, now time.Time, maxAge time.Duration) Reason {
	switch {
	case eventTime < FreshFrom(now, maxAge):
		return ReasonStale
	case time.Unix(eventTime, 0).After(now.Add(MaxFutureSkew)):
		return ReasonFutureTime
	}
	return ""
}

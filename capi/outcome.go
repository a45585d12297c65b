package capi

import "time"

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
	Event  *Event
	Status Status
	Reason Reason // stale, api_rejected or upload_failed; "" otherwise
	Field  string // the event field Reason is about, when one is known ("event_time")
	Detail string // Meta's title/message and subcode, or the last error; no customer data
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

// The details of an event the run stopped before it was acknowledged: one
// wording wherever the run stops (upload and the pipeline both use them).
const (
	DetailInterrupted = "interrupted before it was sent"
	DetailStopped     = "not sent: the run stopped"
)

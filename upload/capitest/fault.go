package capitest

import (
	"cmp"
	"net/http"
	"strconv"
	"time"
)

// A Fault changes how the double answers one request. The zero Fault
// changes nothing. Fields combine: Latency and Header apply to whatever
// answer the other fields produce, and the first of LoseResponse, Hang,
// Redirect, Raw, Error and Status that is set decides the answer;
// Received changes only a success answer.
type Fault struct {
	// Latency delays the answer, after the body was read. The wait ends
	// early when the client gives up or the server closes.
	Latency time.Duration
	// Header is added to the answer (Retry-After, X-App-Usage,
	// X-Business-Use-Case-Usage, …).
	Header http.Header
	// LoseResponse processes the request as usual (a valid batch is
	// accepted and recorded) and then closes the connection without an
	// answer: Meta has the events, the client does not know it.
	LoseResponse bool
	// Hang never answers; the handler waits until the client gives up or
	// the server is closed. Nothing is accepted.
	Hang bool
	// Error answers with this Graph error instead of processing the batch.
	Error *GraphError
	// Status answers with this bare HTTP status (say 502 from a proxy) and
	// a Graph-style body with code 1 and is_transient true.
	Status int

	// Redirect answers with this 3xx status and a Location header of
	// RedirectTo, without processing the batch: a misconfigured proxy or a
	// hostile endpoint. Nothing is accepted.
	Redirect   int
	RedirectTo string
	// Raw answers RawStatus (200 when 0) with RawBody as it is, say an
	// HTML page from a captive portal or a JSON object without
	// events_received. Nothing is accepted.
	Raw       bool
	RawStatus int
	RawBody   string
	// Received, when set, is the events_received of a success answer,
	// given the events the request held: a short (or absurd)
	// acknowledgement. The batch is processed and accepted as usual.
	Received func(events int) int
}

// Latency is a Fault that only delays the answer.
func Latency(d time.Duration) Fault { return Fault{Latency: d} }

// HTTPStatus is a Fault answering with a bare status such as 500, 502 or 503.
func HTTPStatus(status int) Fault { return Fault{Status: status} }

// Transient is a Fault answering with code 1 or 2 and is_transient true.
func Transient(code int) Fault { return Fault{Error: ErrTransient(code)} }

// Throttle is a Fault answering with a rate-limit code (4, 17, 32, 613,
// 80004, …). A positive retryAfter adds a Retry-After header in seconds.
func Throttle(code, subcode int, retryAfter time.Duration) Fault {
	f := Fault{Error: ErrThrottled(code, subcode)}
	if retryAfter > 0 {
		f.Header = http.Header{"Retry-After": {strconv.Itoa(int((retryAfter + time.Second - 1) / time.Second))}}
	}
	return f
}

// Usage is a Fault that answers normally but reports API usage in the
// X-App-Usage and X-Business-Use-Case-Usage headers, as a share in percent
// of each limit, so that a client can slow down before it is throttled.
func Usage(percent int) Fault {
	p := strconv.Itoa(percent)
	return Fault{Header: http.Header{
		"X-App-Usage": {`{"call_count":` + p + `,"total_cputime":` + p + `,"total_time":` + p + `}`},
		"X-Business-Use-Case-Usage": {`{"1":[{"type":"ads_management","call_count":` + p +
			`,"total_cputime":` + p + `,"total_time":` + p + `,"estimated_time_to_regain_access":0}]}`},
	}}
}

// Hang is a Fault that never answers.
func Hang() Fault { return Fault{Hang: true} }

// LoseResponse is a Fault that accepts the batch and drops the answer.
func LoseResponse() Fault { return Fault{LoseResponse: true} }

// TokenError is a Fault answering code 190 with the given subcode
// (SubcodeTokenExpired or SubcodeTokenInvalid).
func TokenError(subcode int) Fault { return Fault{Error: ErrTokenInvalid(subcode)} }

// PermissionError is a Fault answering code 10 or 200-299.
func PermissionError(code int) Fault { return Fault{Error: ErrPermission(code)} }

// Redirect is a Fault answering status (301, 302, 303, 307, 308) with a
// Location header of to.
func Redirect(status int, to string) Fault { return Fault{Redirect: status, RedirectTo: to} }

// ShortAck is a Fault that accepts the batch but answers events_received
// short by n (n may exceed the events, giving a negative count).
func ShortAck(n int) Fault {
	return Fault{Received: func(events int) int { return events - n }}
}

// Ack is a Fault that accepts the batch but answers events_received n
// whatever the request held (0, -7, …).
func Ack(n int) Fault { return Fault{Received: func(int) int { return n }} }

// RawAnswer is a Fault answering status with body as it is, with the
// Content-Type given ("text/html", say); nothing is accepted.
func RawAnswer(status int, contentType, body string) Fault {
	f := Fault{Raw: true, RawStatus: status, RawBody: body}
	if contentType != "" {
		f.Header = http.Header{"Content-Type": {contentType}}
	}
	return f
}

// GraphFault is a Fault answering with an arbitrary Graph error.
func GraphFault(e *GraphError) Fault { return Fault{Error: e} }

func (f Fault) kind() string {
	switch {
	case f.LoseResponse:
		return "lose_response"
	case f.Hang:
		return "hang"
	case f.Redirect != 0:
		return "redirect_" + strconv.Itoa(f.Redirect)
	case f.Raw:
		return "raw_" + strconv.Itoa(cmp.Or(f.RawStatus, http.StatusOK))
	case f.Error != nil:
		return "graph_error_" + strconv.Itoa(f.Error.Code)
	case f.Status != 0:
		return "http_" + strconv.Itoa(f.Status)
	case f.Received != nil:
		return "ack"
	case f.Latency > 0:
		return "latency"
	case len(f.Header) > 0:
		return "header"
	}
	return ""
}

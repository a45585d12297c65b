package upload

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"capi-upload/capi"
	"capi-upload/redact"
)

// DefaultAPIVersion is the Graph API version used when ClientOptions
// leaves it empty.
const DefaultAPIVersion = "v24.0"

// maxResponseBytes bounds how much of a response body is read: a success
// body is tiny and a Graph error is a few hundred bytes, so anything much
// larger is not a Graph answer and must not exhaust memory.
const maxResponseBytes = 1 << 20

// maxIdleConns is the connections kept open to the Graph host, more than
// any sensible --concurrency.
const maxIdleConns = 64

// ClientOptions configures NewClient.
type ClientOptions struct {
	// BaseURL is the Graph host, https://graph.facebook.com or
	// CAPI_GRAPH_URL; it must not carry a query.
	BaseURL    string
	Token      string // CAPI_ACCESS_TOKEN; sent in the body only
	AppSecret  string // CAPI_APP_SECRET; adds appsecret_proof when set
	APIVersion string // default DefaultAPIVersion
	PixelID    string
	// UserAgent is the User-Agent header; default "capi-upload".
	UserAgent string
	// RequestTimeout bounds one attempt (connect, send, answer); default 30 s.
	RequestTimeout time.Duration
	HTTPClient     *http.Client // default: a client with no overall timeout
	Logger         *slog.Logger // nil: discard
}

// Client sends request bodies to the Conversions API /events edge. It makes
// one attempt per Send: Run owns retries, because events may turn stale
// between attempts and must be taken out before the next one leaves.
type Client struct {
	url       string // {base}/{version}/{pixel}/events, never with a token
	token     string
	proof     string
	userAgent string
	timeout   time.Duration
	hc        *http.Client
	log       *slog.Logger
}

var _ capi.Sender = (*Client)(nil)

// NewClient checks opt and returns a Client.
func NewClient(opt ClientOptions) (*Client, error) {
	if opt.Token == "" {
		return nil, errors.New("no access token: set CAPI_ACCESS_TOKEN")
	}
	if opt.PixelID == "" {
		return nil, errors.New("no pixel_id")
	}
	for _, r := range opt.PixelID {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("pixel_id %q: want digits only", opt.PixelID)
		}
	}
	if opt.APIVersion == "" {
		opt.APIVersion = DefaultAPIVersion
	}
	base, err := ParseBaseURL(opt.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		url:       base.String() + "/" + url.PathEscape(opt.APIVersion) + "/" + opt.PixelID + "/events",
		token:     opt.Token,
		userAgent: opt.UserAgent,
		timeout:   opt.RequestTimeout,
		hc:        opt.HTTPClient,
		log:       opt.Logger,
	}
	if opt.AppSecret != "" {
		c.proof = AppSecretProof(opt.Token, opt.AppSecret)
	}
	if c.userAgent == "" {
		c.userAgent = "capi-upload"
	}
	if c.timeout <= 0 {
		c.timeout = capi.DefaultRequestTimeout
	}
	if c.hc == nil {
		// The default transport keeps 2 idle connections per host, so with
		// more requests in flight every answer would close a connection and
		// the next request would pay a new TLS handshake.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = maxIdleConns
		t.MaxIdleConns = maxIdleConns
		c.hc = &http.Client{Transport: t}
	} else {
		hc := *c.hc // the caller's client keeps its own policy
		c.hc = &hc
	}
	// A redirect would send the body, token and hashed customer data
	// included, to wherever the answer points (a 307/308 re-POSTs it, even
	// from https to http), and a 302 turns the POST into a GET whose answer
	// could look like an acknowledgement. The body goes only to the
	// configured host: a 3xx is a failed attempt (README "Sending, retries and the ledger").
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// ParseBaseURL checks a Graph base URL (CAPI_GRAPH_URL): http(s)://host
// with an optional path, no query and no user info. Plain http is taken
// only for a loopback host (127.0.0.0/8, ::1, localhost), where a local
// test endpoint listens: anywhere else the token and the hashed customer
// data would cross the network in clear (README "Sending, retries and the ledger").
func ParseBaseURL(raw string) (*url.URL, error) {
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("graph URL %q: want http(s)://host", sanitizeURL(raw))
	}
	if base.RawQuery != "" || base.User != nil {
		return nil, errors.New("graph URL: must not carry a query or user info")
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("graph URL %s: plain http is allowed only to a loopback host (127.0.0.1, ::1, localhost), for a local test endpoint; use https", sanitizeURL(raw))
	}
	return base, nil
}

// isLoopback reports whether host (without port) is a loopback address
// or "localhost", which resolves to one (RFC 6761). Other names are not
// resolved: what they point at may change after the check.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// AppSecretProof is the hex HMAC-SHA256 of token keyed with secret
// (https://developers.facebook.com/docs/graph-api/securing-requests).
func AppSecretProof(token, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Send makes one attempt to deliver req. It returns what it learned of
// the answer even with an error (status, fbtrace_id, Retry-After, usage),
// and an error that is an *AuthError, an *APIError, or a network error
// (*url.Error with the URL sanitized). No error holds the token.
func (c *Client) Send(ctx context.Context, req *capi.Request) (capi.Response, error) {
	// The body goes out as Run built it, minus its closing brace, then the
	// credentials: copying a megabyte body to append a token made half of
	// an upload's garbage.
	head, tail := c.authParts(req.Body)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, nil)
	if err != nil {
		return capi.Response{}, c.scrub(fmt.Errorf("build request: %w", err))
	}
	hr.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(bytes.NewReader(head), bytes.NewReader(tail))), nil
	}
	hr.Body, _ = hr.GetBody()
	hr.ContentLength = int64(len(head) + len(tail))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(hr)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = sanitizeURL(ue.URL)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return capi.Response{}, c.scrub(&TimeoutError{After: c.timeout, Err: ue})
			}
			return capi.Response{}, c.scrub(ue)
		}
		return capi.Response{}, c.scrub(err)
	}
	defer func() {
		// Drain so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
		resp.Body.Close()
	}()
	r, err := checkResponse(resp, req.Events)
	if err != nil {
		err = c.scrub(err)
	}
	c.log.Debug("request answered", "seq", req.Seq, "attempt", req.Attempt, "events", req.Events,
		"http_status", r.HTTPStatus, "events_received", r.EventsReceived, "fbtrace_id", r.FBTraceID, "usage", r.Usage)
	return r, err
}

// authParts splits the authorized body into body minus its closing brace
// (no copy) and the credentials with the brace.
func (c *Client) authParts(body []byte) (head, tail []byte) {
	tail = make([]byte, 0, len(c.token)+len(c.proof)+48)
	if len(body) > 2 {
		tail = append(tail, ',')
	}
	tail = append(tail, `"access_token":`...)
	tail = strconv.AppendQuote(tail, c.token)
	if c.proof != "" {
		tail = append(tail, `,"appsecret_proof":"`...)
		tail = append(tail, c.proof...)
		tail = append(tail, '"')
	}
	return body[:len(body)-1], append(tail, '}')
}

// scrub makes sure no error leaving the client can print the token or the
// proof, whatever a transport or proxy put into it.
func (c *Client) scrub(err error) error {
	s := err.Error()
	if !strings.Contains(s, c.token) && (c.proof == "" || !strings.Contains(s, c.proof)) {
		return err
	}
	return &redactedError{msg: redact.String(s, "REDACTED", c.token, c.proof), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// sanitizeURL drops the query and user info of u, where a token could
// hide; the client never puts one there, but a misconfigured base URL or
// a redirect might.
func sanitizeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "<unparsable URL>"
	}
	p.User = nil
	if p.RawQuery != "" {
		p.RawQuery = "REDACTED"
	}
	p.Fragment = ""
	return p.String()
}

// TimeoutError says one attempt took longer than the request timeout. The
// batch may still have been processed; a retry carries the same event_id
// so Meta deduplicates it.
type TimeoutError struct {
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s: %v", e.After, e.Err)
}
func (e *TimeoutError) Unwrap() error { return e.Err }

// APIError is a Graph error answer
// (https://developers.facebook.com/docs/graph-api/guides/error-handling).
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	UserTitle  string
	UserMsg    string
	FBTraceID  string
	Transient  bool
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph error: HTTP %d", e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Subcode != 0 {
		fmt.Fprintf(&b, ", subcode %d", e.Subcode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " (fbtrace_id %s)", e.FBTraceID)
	}
	return b.String()
}

// detail is the text a rejected row carries in the report: Meta's words
// for the user, then the subcode.
// field names the event field an invalid-batch error is about, where its
// subcode says: for rejects.csv's field column.
func (e *APIError) field() string {
	if e.Code == 100 && e.Subcode == subcodeTimestampTooOld {
		return "event_time"
	}
	return ""
}

func (e *APIError) detail() string {
	var parts []string
	if e.UserTitle != "" {
		parts = append(parts, e.UserTitle)
	}
	if e.UserMsg != "" {
		parts = append(parts, e.UserMsg)
	}
	if len(parts) == 0 && e.Message != "" {
		parts = append(parts, e.Message)
	}
	s := strings.Join(parts, ": ")
	if e.Subcode != 0 {
		s += fmt.Sprintf(" (code %d, subcode %d)", e.Code, e.Subcode)
	} else {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.FBTraceID != "" {
		s += " fbtrace_id " + e.FBTraceID
	}
	return s
}

type graphError struct {
	Error *struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		UserTitle   string `json:"error_user_title"`
		UserMsg     string `json:"error_user_msg"`
		FBTraceID   string `json:"fbtrace_id"`
		IsTransient bool   `json:"is_transient"`
	} `json:"error"`
}

type graphSuccess struct {
	EventsReceived *int     `json:"events_received"`
	Messages       []string `json:"messages"`
	FBTraceID      string   `json:"fbtrace_id"`
}

// checkResponse is the one place an HTTP answer becomes a Response or an
// error: nil error for a batch of events events acknowledged in full,
// *AuthError for answers that must stop the run, *APIError for the rest.
// Only Graph's JSON with events_received equal to the events sent is an
// acknowledgement: a redirect, a short or absurd count, or any other body
// is a failed attempt, retried with the same event_ids (Meta deduplicates
// them), so that nothing Meta did not take is recorded as sent.
func checkResponse(resp *http.Response, events int) (capi.Response, error) {
	r := capi.Response{
		HTTPStatus: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Usage:      parseUsage(resp.Header),
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return r, fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Not followed (NewClient): Graph does not redirect /events, so a
		// proxy or a wrong CAPI_GRAPH_URL answers. Retried in case it is
		// passing; the Location's host alone says where it pointed.
		msg := fmt.Sprintf("redirect (HTTP %d) not followed: the request goes only to the configured Graph host", resp.StatusCode)
		if loc, err := resp.Location(); err == nil && loc.Host != "" {
			msg = fmt.Sprintf("redirect (HTTP %d) to %s not followed: the request goes only to the configured Graph host", resp.StatusCode, loc.Host)
		}
		return r, &APIError{HTTPStatus: resp.StatusCode, Transient: true, Message: msg, RetryAfter: r.RetryAfter}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var s graphSuccess
		if err := json.Unmarshal(data, &s); err != nil || s.EventsReceived == nil {
			// The batch may have been processed; retrying is safe because
			// Meta deduplicates on event_id.
			return r, &APIError{HTTPStatus: resp.StatusCode, Transient: true, Message: "answer without events_received", RetryAfter: r.RetryAfter}
		}
		r.EventsReceived = *s.EventsReceived
		r.Messages = s.Messages
		r.FBTraceID = s.FBTraceID
		if err := checkAck(r, events); err != nil {
			return r, err
		}
		return r, nil
	}
	e := &APIError{HTTPStatus: resp.StatusCode, RetryAfter: r.RetryAfter}
	var g graphError
	if json.Unmarshal(data, &g) == nil && g.Error != nil {
		e.Code, e.Subcode, e.Type = g.Error.Code, g.Error.Subcode, g.Error.Type
		e.Message, e.UserTitle, e.UserMsg = g.Error.Message, g.Error.UserTitle, g.Error.UserMsg
		e.FBTraceID, e.Transient = g.Error.FBTraceID, g.Error.IsTransient
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.FBTraceID == "" {
		e.FBTraceID = resp.Header.Get("X-Fb-Trace-Id")
	}
	r.FBTraceID = e.FBTraceID
	if a := authError(e); a != nil {
		return r, a
	}
	return r, e
}

// checkAck returns an *APIError, transient, when a success answer r does
// not acknowledge exactly the events sent: Meta took some of the batch or
// none, or the answer is not Meta's. Which events are missing is unknown,
// so the whole batch is tried again.
func checkAck(r capi.Response, events int) error {
	if r.EventsReceived == events {
		return nil
	}
	return &APIError{HTTPStatus: r.HTTPStatus, Transient: true, FBTraceID: r.FBTraceID, RetryAfter: r.RetryAfter,
		Message: fmt.Sprintf("acknowledged %d of %d events (events_received)", r.EventsReceived, events)}
}

// authError turns the answers that no retry or split can fix into an
// *AuthError whose message tells the user what to do; nil otherwise.
func authError(e *APIError) *AuthError {
	switch {
	case e.Code == 190 || e.Code == 102 || e.Code == 104:
		return &AuthError{Code: e.Code, Subcode: e.Subcode, Message: fmt.Sprintf(
			"the access token is invalid or expired (code %d, subcode %d): generate a new one in Events Manager > Settings > Conversions API and set CAPI_ACCESS_TOKEN",
			e.Code, e.Subcode)}
	case e.Code == 100 && strings.Contains(strings.ToLower(e.Message), "appsecret_proof"):
		return &AuthError{Code: e.Code, Subcode: e.Subcode, Message: fmt.Sprintf(
			"Meta refused the appsecret_proof (%s): check CAPI_APP_SECRET is the secret of the app that owns the token, or unset it if the app does not require the proof",
			e.Message)}
	case e.Code == 100 && e.Subcode == 33:
		// Wrong pixel id, or the token cannot see it: every event of every
		// batch would fail, so splitting would only multiply requests.
		return &AuthError{Code: e.Code, Subcode: e.Subcode, Message: fmt.Sprintf(
			"the pixel or dataset does not exist or the token has no access to it (code 100, subcode 33): check pixel_id and that the token's system user is assigned to the dataset; Meta said: %s",
			e.Message)}
	case e.Code == 10 || (e.Code >= 200 && e.Code <= 299):
		return &AuthError{Code: e.Code, Subcode: e.Subcode, Message: fmt.Sprintf(
			"permission denied (code %d): the token needs the ads_management permission and access to this dataset (Business Settings > Data sources > Datasets > assign the system user); Meta said: %s",
			e.Code, e.Message)}
	}
	return nil
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0
		}
		// Beyond a day the multiplication could overflow into a negative
		// wait; the backoff caps any Retry-After far below this anyway.
		return time.Duration(min(s, 24*60*60)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// parseUsage returns the highest usage percentage in X-App-Usage
// ({"call_count":..,"total_cputime":..,"total_time":..}) and
// X-Business-Use-Case-Usage ({"<id>":[{"call_count":..,...}]})
// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
func parseUsage(h http.Header) int {
	type usage struct {
		CallCount    int `json:"call_count"`
		TotalCPUTime int `json:"total_cputime"`
		TotalTime    int `json:"total_time"`
	}
	best := 0
	add := func(u usage) {
		best = max(best, u.CallCount, u.TotalCPUTime, u.TotalTime)
	}
	if v := h.Get("X-App-Usage"); v != "" {
		var u usage
		if json.Unmarshal([]byte(v), &u) == nil {
			add(u)
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]usage
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, us := range m {
				for _, u := range us {
					add(u)
				}
			}
		}
	}
	return best
}

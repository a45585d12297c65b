package capitest

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a new Server.
const (
	DefaultToken      = "capitest-token"
	DefaultPixelID    = "123456789012345"
	DefaultMinVersion = 20 // oldest vNN.0 accepted
	DefaultMaxVersion = 26 // newest vNN.0 accepted (newest seen in Meta's SDKs)
)

// maxBody bounds a request body; Meta publishes no byte limit, and 1,000
// rich events stay far below this.
const maxBody = 64 << 20

// An Option configures a Server.
type Option func(*Server)

// WithToken sets the access token the server expects (DefaultToken if not
// set). Any other token is answered with code 190, subcode 467.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithAppSecret makes the server require appsecret_proof, the hex
// HMAC-SHA256 of the token keyed with secret
// (https://developers.facebook.com/docs/graph-api/securing-requests).
func WithAppSecret(secret string) Option { return func(s *Server) { s.appSecret = secret } }

// WithPixels sets the pixel (dataset) ids the token may post to
// (DefaultPixelID if not set). Others get code 100, subcode 33.
func WithPixels(ids ...string) Option {
	return func(s *Server) {
		s.pixels = map[string]bool{}
		for _, id := range ids {
			s.pixels[id] = true
		}
	}
}

// WithVersions sets the range of API versions vNN.0 accepted.
func WithVersions(minVersion, maxVersion int) Option {
	return func(s *Server) { s.minVersion, s.maxVersion = minVersion, maxVersion }
}

// WithNow sets the server's clock, against which event_time is checked.
func WithNow(now func() time.Time) Option { return func(s *Server) { s.rules.now = now } }

// WithMaxAge sets how old an event may be (DefaultMaxAge if not set).
func WithMaxAge(d time.Duration) Option { return func(s *Server) { s.rules.maxAge = d } }

// WithPhysicalStoreMaxAge lets physical_store events be older than the
// general limit, for the 62-day reading of Meta's offline docs, which is
// unconfirmed; off by default.
func WithPhysicalStoreMaxAge(d time.Duration) Option {
	return func(s *Server) { s.rules.physicalStoreAge = d }
}

// WithMaxFuture rejects events whose event_time is more than d ahead of the
// clock. Meta documents no such rule, so it is off by default.
func WithMaxFuture(d time.Duration) Option { return func(s *Server) { s.rules.maxFuture = d } }

// WithLenientHashes also accepts upper-case hex and 32-hex (MD5) customer
// keys, which Meta may or may not take; off by default.
func WithLenientHashes() Option { return func(s *Server) { s.rules.lenientHashes = true } }

// WithLatency delays every answer by d, on top of any fault's latency.
// Benchmarks use 600 ms, the response time Meta quotes for most requests.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithRecordEvents keeps the JSON of every accepted event for
// AcceptedEvents. Off by default, so that a million-event benchmark does
// not measure the double's memory.
func WithRecordEvents() Option { return func(s *Server) { s.keepEvents = true } }

// WithoutEventKeys stops recording accepted event keys (Accepted,
// AcceptedCount, Duplicates stay empty; EventsReceived still counts), for
// benchmarks that should not measure the double's memory.
func WithoutEventKeys() Option { return func(s *Server) { s.noKeys = true } }

// EventKey identifies an accepted event the way Meta deduplicates server
// events: event_name and event_id.
type EventKey struct {
	Name string
	ID   string
}

// Request is what the server recorded about one request. It holds no
// token and no appsecret_proof.
type Request struct {
	Seq    int       // 1-based, in arrival order
	Start  time.Time // server clock when the request arrived
	Method string
	// URL is the request URL with any access_token and appsecret_proof
	// query values replaced by "REDACTED".
	URL string
	// TokenInURL reports that the access token appeared in the URL (query
	// or path), which a careful client never does.
	TokenInURL  bool
	Header      http.Header // without Authorization and Cookie
	ContentType string
	BodySize    int
	Events      int // elements of data, valid or not

	TestEventCode string
	PartnerAgent  string
	UploadTag     string
	NamespaceID   string

	Fault    string // kind of injected fault, "" for none
	Status   int    // HTTP status answered; 0 if none was (hang, lost, client gone)
	Code     int    // Graph error code answered, 0 on success
	Subcode  int
	Accepted int // events accepted by this request
	Duration time.Duration
}

// Server is a running double of the /events edge. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL, like https://graph.facebook.com: clients post to
	// URL + "/v24.0/" + pixel + "/events".
	URL string

	srv        *httptest.Server
	closed     chan struct{}
	closeOnce  sync.Once
	token      string
	appSecret  string
	pixels     map[string]bool
	minVersion int
	maxVersion int
	rules      rules
	latency    time.Duration
	keepEvents bool
	noKeys     bool

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	received    atomic.Int64

	mu       sync.Mutex
	seq      int
	queue    []Fault
	standing *Fault
	poison   map[string]bool
	requests []Request
	accepted keyIndex
	events   []json.RawMessage
}

// NewServer starts a double on a loopback port. The caller must Close it.
func NewServer(opts ...Option) *Server {
	s := &Server{
		closed:     make(chan struct{}),
		token:      DefaultToken,
		pixels:     map[string]bool{DefaultPixelID: true},
		minVersion: DefaultMinVersion,
		maxVersion: DefaultMaxVersion,
		rules:      rules{now: time.Now, maxAge: DefaultMaxAge},
		poison:     map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.URL = s.srv.URL
	return s
}

// TB is the part of testing.TB that Start uses. Naming it here keeps the
// testing package (and its flags) out of binaries built on the double,
// such as tools/fakeedge.
type TB interface {
	Helper()
	Cleanup(func())
}

// Start is NewServer for tests: the server is closed when tb's test ends.
// tb is a *testing.T, *testing.B or *testing.F.
func Start(tb TB, opts ...Option) *Server {
	tb.Helper()
	s := NewServer(opts...)
	tb.Cleanup(s.Close)
	return s
}

// Close releases hanging requests, then shuts the server down. It is safe
// to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Client returns an *http.Client for the server (plain HTTP on loopback).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// EventsURL is the URL of the /events edge for pixel and API version
// (like "v24.0").
func (s *Server) EventsURL(version, pixel string) string {
	return s.URL + "/" + version + "/" + pixel + "/events"
}

// Token is the access token the server accepts.
func (s *Server) Token() string { return s.token }

// AppSecretProof is the appsecret_proof for token under the server's app
// secret ("" when none is required).
func (s *Server) AppSecretProof(token string) string {
	if s.appSecret == "" {
		return ""
	}
	return appSecretProof(token, s.appSecret)
}

func appSecretProof(token, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Enqueue adds per-request faults: the next requests, in arrival order,
// each take one. A request that finds the queue empty gets the standing
// fault, if any.
func (s *Server) Enqueue(f ...Fault) {
	s.mu.Lock()
	s.queue = append(s.queue, f...)
	s.mu.Unlock()
}

// FailFirst makes the next n requests fail with f; later ones succeed
// (unless a standing fault says otherwise).
func (s *Server) FailFirst(n int, f Fault) {
	for range n {
		s.Enqueue(f)
	}
}

// SetFault sets the standing fault for every request that finds the queue
// empty, such as TokenError(SubcodeTokenExpired) for "190 for everything".
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.standing = &f
	s.mu.Unlock()
}

// ClearFaults empties the queue and removes the standing fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.queue, s.standing = nil, nil
	s.mu.Unlock()
}

// Poison makes any batch containing one of these event ids fail as invalid
// (code 100), as Meta rejects a whole batch for one bad event.
func (s *Server) Poison(ids ...string) {
	s.mu.Lock()
	for _, id := range ids {
		s.poison[id] = true
	}
	s.mu.Unlock()
}

// Requests returns a copy of every request recorded so far, in arrival
// order. Hanging requests appear when they end.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Accepted returns how many times each event was accepted. A count above
// one is a duplicate delivery.
func (s *Server) Accepted() map[EventKey]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[EventKey]int, s.accepted.n)
	s.accepted.each(1, func(k EventKey, n int) { m[k] = n })
	return m
}

// AcceptedCount is how many times the event was accepted.
func (s *Server) AcceptedCount(name, id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted.count(name, id)
}

// Duplicates lists the events accepted more than once, sorted.
func (s *Server) Duplicates() []EventKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d []EventKey
	s.accepted.each(2, func(k EventKey, _ int) { d = append(d, k) })
	slices.SortFunc(d, func(a, b EventKey) int {
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
	return d
}

// AcceptedEvents returns the JSON of every accepted event, in acceptance
// order; empty unless the server was started WithRecordEvents.
func (s *Server) AcceptedEvents() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// EventsReceived is the total number of events accepted, duplicates
// included.
func (s *Server) EventsReceived() int { return int(s.received.Load()) }

// InFlight is the number of requests being handled now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// MaxInFlight is the most requests handled at once since the start.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// params are the top-level parameters of a request.
type params struct {
	Data          json.RawMessage `json:"data"`
	AccessToken   string          `json:"access_token"`
	Proof         string          `json:"appsecret_proof"`
	TestEventCode string          `json:"test_event_code"`
	PartnerAgent  string          `json:"partner_agent"`
	UploadTag     string          `json:"upload_tag"`
	NamespaceID   string          `json:"namespace_id"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	s.mu.Lock()
	s.seq++
	rec := Request{Seq: s.seq, Start: s.rules.now(), Method: r.Method}
	var f Fault
	if len(s.queue) > 0 {
		f, s.queue = s.queue[0], s.queue[1:]
	} else if s.standing != nil {
		f = *s.standing
	}
	s.mu.Unlock()
	// The record is stored before the answer leaves, so that a client
	// that has its answer also finds its request in Requests.
	begin := time.Now()
	recorded := false
	record := func() {
		if recorded {
			return
		}
		recorded = true
		rec.Duration = time.Since(begin)
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}
	defer record()

	rec.Fault = f.kind()
	rec.URL, rec.TokenInURL = s.redactURL(r.URL)
	rec.Header = r.Header.Clone()
	rec.Header.Del("Authorization")
	rec.Header.Del("Cookie")
	rec.ContentType = r.Header.Get("Content-Type")

	st := statePool.Get().(*reqState)
	defer st.release()
	body, err := st.readBody(w, r)
	rec.BodySize = len(body)
	trace := newTraceID()
	if err != nil {
		if _, tooBig := err.(*http.MaxBytesError); tooBig {
			s.answer(w, &rec, record, f, ErrInvalid(0, "Request Too Large", "The request body is too large."), trace)
		}
		return // the client went away mid-body
	}

	// Meta's time to answer includes its own work: with a latency, the
	// events are checked while it runs, so that the double's decoding does
	// not add to it (bench/upload.sh -latency). Nothing is accepted or
	// answered before the wait is over.
	var (
		pEvents []event
		pGE     *GraphError
		pRec    Request
		done    chan struct{}
	)
	if s.latency+f.Latency > 0 {
		done = make(chan struct{})
		go func() {
			defer close(done)
			pEvents, pGE = s.process(r, body, &pRec, f, st)
		}()
		// Before st goes back to its pool (deferred above).
		defer func() { <-done }()
	}
	if !s.wait(r, s.latency+f.Latency) {
		// The client gave up or the server is closing: returning would
		// let net/http send an empty 200, so cut the connection.
		record()
		dropConnection(w)
		return
	}
	if f.Hang && !f.LoseResponse {
		s.wait(r, -1)
		record()
		dropConnection(w)
		return
	}

	if f.Redirect != 0 && !f.LoseResponse {
		rec.Status = f.Redirect
		record()
		setHeaders(w, f.Header)
		w.Header().Set("Location", f.RedirectTo)
		w.WriteHeader(f.Redirect)
		return
	}
	if f.Raw && !f.LoseResponse {
		rec.Status = cmp.Or(f.RawStatus, http.StatusOK)
		record()
		setHeaders(w, f.Header)
		w.WriteHeader(rec.Status)
		_, _ = io.WriteString(w, f.RawBody)
		return
	}

	var events []event
	var ge *GraphError
	if done != nil {
		<-done
		events, ge = pEvents, pGE
		rec.TestEventCode, rec.PartnerAgent, rec.UploadTag, rec.NamespaceID, rec.Events =
			pRec.TestEventCode, pRec.PartnerAgent, pRec.UploadTag, pRec.NamespaceID, pRec.Events
	} else {
		events, ge = s.process(r, body, &rec, f, st)
	}
	if ge != nil {
		s.answer(w, &rec, record, f, ge, trace)
		return
	}
	s.accept(events, &rec)
	if f.LoseResponse {
		record()
		dropConnection(w)
		return
	}
	rec.Status = http.StatusOK
	record()
	setHeaders(w, f.Header)
	received := len(events)
	if f.Received != nil {
		received = f.Received(received)
	}
	writeJSON(w, http.StatusOK, successBody{EventsReceived: received, Messages: []string{}, FBTraceID: trace})
}

// process checks route, faults, token and events, in the order Graph
// would meet them.
func (s *Server) process(r *http.Request, body []byte, rec *Request, f Fault, st *reqState) ([]event, *GraphError) {
	pixel, ge := s.route(r)
	if ge != nil {
		return nil, ge
	}
	if f.Error != nil && !f.LoseResponse {
		return nil, f.Error
	}
	if f.Status != 0 && !f.LoseResponse {
		e := ErrTransient(CodeUnknown)
		e.HTTPStatus = f.Status
		e.Message = http.StatusText(f.Status)
		return nil, e
	}
	p, ge := parseParams(r, body)
	rec.TestEventCode, rec.PartnerAgent, rec.UploadTag, rec.NamespaceID = p.TestEventCode, p.PartnerAgent, p.UploadTag, p.NamespaceID
	if ge != nil {
		return nil, ge
	}
	if ge := s.auth(p); ge != nil {
		return nil, ge
	}
	if !s.pixels[pixel] {
		return nil, errUnknownObject(pixel, "post")
	}
	// A server that keeps event bodies, and any data decodeEvents does
	// not take whole, goes element by element, which also words what is
	// wrong.
	var raws []json.RawMessage
	wires, ok := []wireEvent(nil), false
	if !s.keepEvents {
		wires, ok = decodeEvents(p.Data)
	}
	if ok {
		rec.Events = len(wires)
	} else {
		raws, ge = decodeData(p.Data)
		rec.Events = len(raws)
		if ge != nil {
			return nil, ge
		}
		wires = make([]wireEvent, len(raws))
		for i, raw := range raws {
			raws[i], wires[i], ge = decodeEvent(raw)
			if ge != nil {
				return nil, ge
			}
		}
	}
	c := checker{rules: &s.rules, at: s.rules.now()}
	events := st.events[:0]
	for i := range wires {
		ev, ge := c.checkEvent(&wires[i])
		if ge != nil {
			return nil, ge
		}
		if s.keepEvents {
			ev.raw = raws[i]
		}
		events = append(events, ev)
	}
	st.events = events
	s.mu.Lock()
	poisoned := false
	for i := 0; i < len(events) && len(s.poison) > 0 && !poisoned; i++ {
		poisoned = len(events[i].id) > 0 && s.poison[string(events[i].id)]
	}
	s.mu.Unlock()
	if poisoned {
		return nil, invalid("Invalid Parameter", "An event in this request is invalid.")
	}
	return events, nil
}

// route checks POST /v{N}.0/{pixel}/events and returns the pixel id.
func (s *Server) route(r *http.Request) (string, *GraphError) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[2] != "events" {
		return "", errUnknownPath(r.URL.Path)
	}
	v, ok := strings.CutPrefix(parts[0], "v")
	v, ok2 := strings.CutSuffix(v, ".0")
	n, err := strconv.Atoi(v)
	if !ok || !ok2 || err != nil {
		return "", errUnknownPath(r.URL.Path)
	}
	if n < s.minVersion || n > s.maxVersion {
		return "", errDeprecatedVersion(s.maxVersion)
	}
	if !allDigits(parts[1]) || r.Method != http.MethodPost {
		return "", errUnknownObject(parts[1], strings.ToLower(r.Method))
	}
	return parts[1], nil
}

// parseParams reads the top-level parameters from a JSON, form or
// multipart body, falling back to the query for the token (which Graph
// accepts, and which Request.TokenInURL records). data is left in p.Data
// for decodeData, which also explains what is wrong with it.
func parseParams(r *http.Request, body []byte) (p params, ge *GraphError) {
	ct, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return p, invalid("Invalid Parameter", "The request body could not be parsed.")
		}
		p = formParams(v)
	case ct == "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mp["boundary"]).ReadForm(maxBody)
		if err != nil {
			return p, invalid("Invalid Parameter", "The request body could not be parsed.")
		}
		defer form.RemoveAll()
		p = formParams(form.Value)
	case len(bytes.TrimSpace(body)) > 0:
		if err := json.Unmarshal(body, &p); err != nil {
			return p, invalid("Invalid Parameter", "The request body is not valid JSON.")
		}
	}
	q := r.URL.Query()
	if p.AccessToken == "" {
		p.AccessToken = q.Get("access_token")
	}
	if p.Proof == "" {
		p.Proof = q.Get("appsecret_proof")
	}
	if p.Data == nil && q.Has("data") {
		p.Data = jsonString(q.Get("data"))
	}
	return p, nil
}

func formParams(v url.Values) params {
	p := params{
		AccessToken:   firstValue(v, "access_token"),
		Proof:         firstValue(v, "appsecret_proof"),
		TestEventCode: firstValue(v, "test_event_code"),
		PartnerAgent:  firstValue(v, "partner_agent"),
		UploadTag:     firstValue(v, "upload_tag"),
		NamespaceID:   firstValue(v, "namespace_id"),
	}
	if _, ok := v["data"]; ok {
		p.Data = jsonString(firstValue(v, "data"))
	}
	return p
}

func firstValue(v url.Values, k string) string {
	if vs := v[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// jsonString wraps a form value as a JSON string, the shape decodeData
// unwraps.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func (s *Server) auth(p params) *GraphError {
	if p.AccessToken == "" {
		return ErrTokenRequired()
	}
	if !hmac.Equal([]byte(p.AccessToken), []byte(s.token)) {
		return ErrTokenInvalid(SubcodeTokenInvalid)
	}
	if s.appSecret != "" {
		if p.Proof == "" {
			return &GraphError{Message: "API calls from the server require an appsecret_proof argument", Type: "GraphMethodException", Code: CodeInvalidParameter}
		}
		if !hmac.Equal([]byte(p.Proof), []byte(appSecretProof(p.AccessToken, s.appSecret))) {
			return &GraphError{Message: "Invalid appsecret_proof provided in the API argument", Type: "GraphMethodException", Code: CodeInvalidParameter}
		}
	}
	return nil
}

func (s *Server) accept(events []event, rec *Request) {
	rec.Accepted = len(events)
	s.received.Add(int64(len(events)))
	if s.noKeys && !s.keepEvents {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.noKeys {
		s.accepted.addAll(events)
	}
	if s.keepEvents {
		for _, ev := range events {
			s.events = append(s.events, slices.Clone(ev.raw))
		}
	}
}

func (s *Server) answer(w http.ResponseWriter, rec *Request, record func(), f Fault, ge *GraphError, trace string) {
	if f.LoseResponse {
		record()
		dropConnection(w)
		return
	}
	rec.Status, rec.Code, rec.Subcode = ge.status(), ge.Code, ge.Subcode
	record()
	setHeaders(w, f.Header)
	writeError(w, ge, trace)
}

// wait blocks for d (forever if d < 0) and reports false when the client
// gave up or the server closed first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d == 0 {
		return true
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closed:
		return false
	}
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// Not HTTP/1: the documented way to abort a response.
	panic(http.ErrAbortHandler)
}

func setHeaders(w http.ResponseWriter, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// redactURL hides the token and proof in the recorded URL, and reports
// whether the token appeared in it at all.
func (s *Server) redactURL(u *url.URL) (string, bool) {
	c := *u
	q := c.Query()
	inURL := q.Has("access_token") || (s.token != "" && strings.Contains(u.String(), s.token))
	for _, k := range []string{"access_token", "appsecret_proof"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	c.RawQuery = q.Encode()
	out := c.String()
	if s.token != "" {
		out = strings.ReplaceAll(out, s.token, "REDACTED")
	}
	return out, inURL
}

const traceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// newTraceID makes an fbtrace_id-like support id.
func newTraceID() string {
	var b [11]byte
	for i := range b {
		b[i] = traceAlphabet[rand.IntN(len(traceAlphabet))]
	}
	return string(b[:])
}

// reqState is the scratch memory of one request: the body and the
// checked events. It is pooled, so that a
// steady stream of 1,000-event requests allocates almost nothing; nothing
// in it may outlive the request (accept copies what it keeps).
type reqState struct {
	body   []byte
	events []event
}

var statePool = sync.Pool{New: func() any { return new(reqState) }}

// maxPooledBody is the largest body buffer kept for reuse; a rare huge
// request should not pin its buffer forever.
const maxPooledBody = 8 << 20

func (st *reqState) release() {
	if cap(st.body) > maxPooledBody {
		// The decoded events point into the body: let them all go.
		*st = reqState{}
	}
	statePool.Put(st)
}

// readBody reads the body into st's buffer, sized from Content-Length
// when the client sent one, up to maxBody.
func (st *reqState) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b := st.body[:0]
	if n := r.ContentLength; n > 0 && n < maxBody && int(n) >= cap(b) {
		b = make([]byte, 0, n+1) // +1: room to see EOF without growing
	}
	rd := http.MaxBytesReader(w, r.Body, maxBody)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			st.body = b
			if errors.Is(err, io.EOF) {
				return b, nil
			}
			return b, err
		}
	}
}

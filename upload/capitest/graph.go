package capitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Graph error codes the double answers with. They are Graph API codes from
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// unless noted.
const (
	CodeUnknown           = 1     // API Unknown: transient
	CodeService           = 2     // API Service: transient
	CodeTooManyCalls      = 4     // app throttled
	CodePermissionDenied  = 10    // permission missing
	CodeUserTooManyCalls  = 17    // user throttled
	CodePageRateLimit     = 32    // Pages rate limit (third-party mapping; unconfirmed on /events)
	CodeInvalidParameter  = 100   // invalid parameter: payload must change
	CodeSession           = 102   // API session: new token needed
	CodeTokenRequired     = 104   // no token sent (recorded responses, not in Meta's table)
	CodeOAuth             = 190   // access token invalid or expired
	CodePermission        = 200   // permissions error (200-299)
	CodeAppLimit          = 341   // application limit reached: transient
	CodeTemporarilyBlock  = 368   // temporarily blocked: wait and retry
	CodeAdAccountCalls    = 613   // Marketing API: too many calls for the ad account
	CodeUnknownPath       = 2500  // unknown path components
	CodeDeprecatedVersion = 2635  // deprecated API version
	CodeBUCThrottle       = 80004 // Business Use Case throttle (ads_management)
)

// Subcodes the double answers with.
const (
	// SubcodeUnknownObject comes with code 100 and GraphMethodException
	// when the pixel id does not exist or the token cannot reach it.
	SubcodeUnknownObject = 33
	// SubcodeTokenExpired and SubcodeTokenInvalid come with code 190.
	SubcodeTokenExpired = 463
	SubcodeTokenInvalid = 467
	// SubcodeUserRequestLimit comes with code 17.
	SubcodeUserRequestLimit = 2446079
	// SubcodeTimestampTooOld comes with code 100 when any event_time is
	// more than 7 days in the past (recorded response; Meta publishes no
	// list of CAPI subcodes).
	SubcodeTimestampTooOld = 2804003
	// SubcodeInsufficientCustomerInfo comes with code 100 when an event's
	// customer information is below Meta's matching floor.
	SubcodeInsufficientCustomerInfo = 2804050
)

// GraphError is the "error" object of a Graph API error body:
//
//	{"error":{"message":…,"type":…,"code":…,"error_subcode":…,
//	          "is_transient":…,"error_user_title":…,"error_user_msg":…,"fbtrace_id":…}}
//
// HTTPStatus is not part of the body; it is the status the double answers
// with (0 picks the status Graph uses for the code, see StatusFor).
type GraphError struct {
	HTTPStatus int    `json:"-"`
	Message    string `json:"message"`
	Type       string `json:"type"`
	Code       int    `json:"code"`
	Subcode    int    `json:"error_subcode,omitempty"`
	Transient  bool   `json:"is_transient"`
	UserTitle  string `json:"error_user_title,omitempty"`
	UserMsg    string `json:"error_user_msg,omitempty"`
	FBTraceID  string `json:"fbtrace_id"`
}

// Error makes *GraphError an error, so the validation code can return it.
func (e *GraphError) Error() string {
	return fmt.Sprintf("graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
}

// StatusFor is the HTTP status the double uses for a Graph error code when
// the fault does not set one. Meta documents only "invalid → 4xx"; the
// transient codes get 500 and permission codes 403, as Graph does for other
// edges, and throttling stays 400 because that is what third-party
// recordings show (classify on code, not on status).
func StatusFor(code int) int {
	switch {
	case code == CodeUnknown || code == CodeService:
		return http.StatusInternalServerError
	case code == CodePermissionDenied || (code >= 200 && code <= 299):
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

// ErrInvalid is a code-100 whole-batch rejection with Meta's user-facing
// title and message.
func ErrInvalid(subcode int, title, msg string) *GraphError {
	return &GraphError{
		Message:   "Invalid parameter",
		Type:      "OAuthException",
		Code:      CodeInvalidParameter,
		Subcode:   subcode,
		UserTitle: title,
		UserMsg:   msg,
	}
}

// ErrTokenInvalid is a code-190 error; subcode is SubcodeTokenExpired or
// SubcodeTokenInvalid.
func ErrTokenInvalid(subcode int) *GraphError {
	msg := "Invalid OAuth access token - Cannot parse access token"
	if subcode == SubcodeTokenExpired {
		msg = "Error validating access token: Session has expired."
	}
	return &GraphError{Message: msg, Type: "OAuthException", Code: CodeOAuth, Subcode: subcode}
}

// ErrTokenRequired is code 104, the answer to a request without a token.
func ErrTokenRequired() *GraphError {
	return &GraphError{
		Message: "An access token is required to request this resource.",
		Type:    "OAuthException",
		Code:    CodeTokenRequired,
	}
}

// ErrPermission is a permission error: code 10 or 200-299.
func ErrPermission(code int) *GraphError {
	return &GraphError{
		Message: fmt.Sprintf("(#%d) Application does not have permission for this action", code),
		Type:    "OAuthException",
		Code:    code,
	}
}

// ErrTransient is code 1 or 2 (or another retryable code) with
// is_transient true.
func ErrTransient(code int) *GraphError {
	msg := "An unknown error occurred"
	if code == CodeService {
		msg = "Service temporarily unavailable"
	}
	return &GraphError{Message: msg, Type: "OAuthException", Code: code, Transient: true}
}

// ErrThrottled is a rate-limit error: code 4, 17 (use subcode
// SubcodeUserRequestLimit), 32, 613 or 80000-80014.
func ErrThrottled(code, subcode int) *GraphError {
	return &GraphError{
		Message: fmt.Sprintf("(#%d) Application request limit reached", code),
		Type:    "OAuthException",
		Code:    code,
		Subcode: subcode,
	}
}

// errUnknownObject is Graph's answer for a pixel id the token cannot reach.
func errUnknownObject(id, method string) *GraphError {
	return &GraphError{
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id),
		Type:    "GraphMethodException",
		Code:    CodeInvalidParameter,
		Subcode: SubcodeUnknownObject,
	}
}

func errUnknownPath(path string) *GraphError {
	return &GraphError{
		HTTPStatus: http.StatusNotFound,
		Message:    "Unknown path components: " + path,
		Type:       "OAuthException",
		Code:       CodeUnknownPath,
	}
}

func errDeprecatedVersion(v int) *GraphError {
	return &GraphError{
		Message: "(#2635) You are calling a deprecated version of the API. Please update to the latest version: v" + strconv.Itoa(v) + ".0.",
		Type:    "OAuthException",
		Code:    CodeDeprecatedVersion,
	}
}

func (e *GraphError) status() int {
	if e.HTTPStatus != 0 {
		return e.HTTPStatus
	}
	return StatusFor(e.Code)
}

// writeError answers with e, filling in the trace id.
func writeError(w http.ResponseWriter, e *GraphError, trace string) {
	status := e.status()
	body := *e
	if body.FBTraceID == "" {
		body.FBTraceID = trace
	}
	writeJSON(w, status, struct {
		Error *GraphError `json:"error"`
	}{&body})
}

// successBody is the 200 answer of the /events edge.
type successBody struct {
	EventsReceived int      `json:"events_received"`
	Messages       []string `json:"messages"`
	FBTraceID      string   `json:"fbtrace_id"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("capitest: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

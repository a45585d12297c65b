package capi

// Reason says why a row was not sent. The values are spelled as in the
// reject report (README "Reports").
type Reason string

const (
	ReasonStale            Reason = "stale"
	ReasonFutureTime       Reason = "future_time"
	ReasonBadTime          Reason = "bad_time"
	ReasonNoUserData       Reason = "no_user_data"
	ReasonInvalidValue     Reason = "invalid_value"
	ReasonMissingRequired  Reason = "missing_required"
	ReasonDuplicateEventID Reason = "duplicate_event_id"
	ReasonAPIRejected      Reason = "api_rejected"
	ReasonUploadFailed     Reason = "upload_failed"
	// ReasonSkipped is a row left out on purpose by a skip rule or a map
	// to "": an outcome of its own, not a rejection.
	ReasonSkipped Reason = "skipped"
)

// Reasons lists every reason in report order.
var Reasons = []Reason{
	ReasonStale, ReasonFutureTime, ReasonBadTime, ReasonNoUserData,
	ReasonInvalidValue, ReasonMissingRequired, ReasonDuplicateEventID,
	ReasonAPIRejected, ReasonUploadFailed, ReasonSkipped,
}

package mapping

// Reason says why a row was not sent. The values are spelled as in the
// reject report (SPEC "Rows that are not sent").
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

// RowError says why one row cannot become an event. It is a value the
// caller records in the reject report before moving on to the next row.
// Detail never holds customer data, raw or hashed.
type RowError struct {
	// EventID is the row's mapped event_id, "" when unmapped or empty.
	EventID string
	Reason  Reason
	Field   string // config key, e.g. "event_time" or "custom_data.value"
	Detail  string
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return string(e.Reason) + ": " + e.Detail
	}
	return string(e.Reason) + ": " + e.Field + ": " + e.Detail
}

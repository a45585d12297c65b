package mapping

import "capi-upload/capi"

// RowError says why one row cannot become an event. It is a value the
// caller records in the reject report before moving on to the next row.
// Detail never holds customer data, raw or hashed.
type RowError struct {
	// EventID is the row's mapped event_id, "" when unmapped or empty.
	EventID string
	Reason  capi.Reason
	Field   string // config key, e.g. "event_time" or "custom_data.value"
	Detail  string
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return string(e.Reason) + ": " + e.Detail
	}
	return string(e.Reason) + ": " + e.Field + ": " + e.Detail
}

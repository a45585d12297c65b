package mapping

import (
	"errors"
	"time"

	"capi-upload/ingest"
)

// Mapper turns the rows of one input into events.
type Mapper struct{}

// NewMapper prepares the mapping of one input whose header is given. It
// returns an error naming the file and the column when a mapped column is
// missing from the header or appears in it more than once.
func NewMapper(cfg *Config, file string, header []string) (*Mapper, error) {
	return nil, errors.New("TODO")
}

// Map builds the event for row, or returns a *RowError saying why the row
// cannot become an event (bad_time, no_user_data, invalid_value,
// missing_required). A row whose map turns event_name into "" yields
// (Event{}, ErrSkip). Map does not judge the event's age: the caller does,
// with CheckTime, so the reject report can carry the event_id of a stale
// event.
func (m *Mapper) Map(row ingest.Row) (Event, error) { return Event{}, errors.New("TODO") }

// ErrSkip says the config's map asked to leave the row out.
var ErrSkip = errors.New("skipped by map")

// CheckTime says whether an event at t may be sent at now: "" when it may,
// ReasonStale when it is older than maxAge, ReasonFutureTime when more than
// five minutes ahead.
func CheckTime(t, now time.Time, maxAge time.Duration) Reason {
	switch {
	case t.Before(now.Add(-maxAge)):
		return ReasonStale
	case t.After(now.Add(5 * time.Minute)):
		return ReasonFutureTime
	}
	return ""
}

package report

import (
	"capi-upload/capi"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Summary is summary.json: what one run read, what became of every row,
// and diagnostics about the events that went out. Field order is fixed
// and maps are written with sorted keys, so two runs over the same input
// at the same (injected) clock give the same bytes.
type Summary struct {
	Command string `json:"command"`
	Version string `json:"version"`
	// PixelID names the dataset the events went to, so a report read
	// later says where (the config's pixel_id; not customer data).
	PixelID string `json:"pixel_id,omitempty"`
	// DefaultCountry is the config's default_country ("" when unset), so
	// advice about national phone numbers can name it.
	DefaultCountry string    `json:"default_country,omitempty"`
	Started        time.Time `json:"started"`
	Finished       time.Time `json:"finished"`
	// Incomplete, when set, says what this run's reports lack and why
	// (rejects.csv could not be written, say): the counts still cover
	// every row, but not every file they point at exists.
	Incomplete string `json:"incomplete,omitempty"`
	// DryRun is true for validate and upload --dry-run: nothing was sent,
	// and Outcomes.Sent counts events built (JSON key "built").
	DryRun bool `json:"dry_run"`

	RowsRead int         `json:"rows_read"`
	Files    []FileCount `json:"files"`
	Outcomes Outcomes    `json:"outcomes"`
	// Rejects counts reject-report lines per reason (stale and
	// upload_failed included, as they appear in rejects.csv).
	Rejects map[string]int `json:"rejects"`

	// EventNames counts, per event name, rows that passed every check
	// (Rows) and events sent or built (Events).
	EventNames map[string]EventNameCount `json:"event_names"`
	// Coverage has one entry per customer key (capi.UserKeys).
	Coverage map[string]KeyCoverage `json:"coverage"`
	Dedup    DedupCoverage          `json:"dedup"`
	Age      AgeBuckets             `json:"age"`
	// Duplicates are rows whose event_id an earlier row of the run used.
	Duplicates Duplicates `json:"duplicate_event_ids"`
	// MatchStrength is capi-upload's own estimate, NOT Meta's Event Match
	// Quality; see MatchWeights for the formula.
	MatchStrength *MatchStrength `json:"match_strength,omitempty"`

	// MappedKeys are the customer keys the config maps, when known.
	MappedKeys []string `json:"mapped_keys,omitempty"`

	Requests      []capi.RequestLog `json:"requests"`
	RequestTotals RequestTotals     `json:"request_totals"`
	Advice        []Advice          `json:"advice"`

	// Dir is the report directory; not in summary.json (it is where
	// summary.json is), printed by WriteText.
	Dir string `json:"-"`
	// written lists the report files Close wrote, for WriteText; nil
	// means all of them.
	written []string
}

// FileCount is the number of rows read from one input, by base name.
type FileCount struct {
	File     string `json:"file"`
	RowsRead int    `json:"rows_read"`
	// Fresh counts the file's rows that became events inside the age
	// window; Stale those older than --max-age. A file with stale rows and
	// no fresh one is almost always yesterday's export read again.
	Fresh int `json:"fresh"`
	Stale int `json:"stale"`
}

// StaleFiles lists the inputs that had rows of which none was fresh: every
// event in them older than --max-age (exit 4).
func (s *Summary) StaleFiles() []FileCount {
	var out []FileCount
	for _, f := range s.Files {
		if f.RowsRead > 0 && f.Fresh == 0 && f.Stale > 0 {
			out = append(out, f)
		}
	}
	return out
}

// Outcomes counts rows by their one final state. The invariant checked by
// Summary.Check is RowsRead == Sent + Rejected + Stale + AlreadySent +
// Failed + Skipped.
type Outcomes struct {
	// Sent counts events Meta acknowledged; in validate and dry-run, events
	// built (written as "built" in summary.json).
	Sent        int `json:"sent"`
	Rejected    int `json:"rejected"`
	Stale       int `json:"stale"`
	AlreadySent int `json:"already_sent"`
	Failed      int `json:"failed"`
	// Skipped counts rows the config's map left out on purpose.
	Skipped int `json:"skipped"`

	dryRun bool
}

// outcomesJSON keeps the key order of Outcomes with "built" in place of
// "sent", so a validate summary never claims anything was sent.
type outcomesJSON struct {
	Sent        *int `json:"sent,omitempty"`
	Built       *int `json:"built,omitempty"`
	Rejected    int  `json:"rejected"`
	Stale       int  `json:"stale"`
	AlreadySent int  `json:"already_sent"`
	Failed      int  `json:"failed"`
	Skipped     int  `json:"skipped"`
}

// MarshalJSON writes "built" instead of "sent" for validate and dry-run.
func (o Outcomes) MarshalJSON() ([]byte, error) {
	j := outcomesJSON{Rejected: o.Rejected, Stale: o.Stale, AlreadySent: o.AlreadySent, Failed: o.Failed, Skipped: o.Skipped}
	n := o.Sent
	if o.dryRun {
		j.Built = &n
	} else {
		j.Sent = &n
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads either spelling back.
func (o *Outcomes) UnmarshalJSON(b []byte) error {
	var j outcomesJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Outcomes{Rejected: j.Rejected, Stale: j.Stale, AlreadySent: j.AlreadySent, Failed: j.Failed, Skipped: j.Skipped}
	switch {
	case j.Built != nil:
		o.Sent, o.dryRun = *j.Built, true
	case j.Sent != nil:
		o.Sent = *j.Sent
	}
	return nil
}

// EventNameCount is one event name's rows and events.
type EventNameCount struct {
	Rows   int `json:"rows"`   // passed every check
	Events int `json:"events"` // sent (built, in a dry run)
}

// KeyCoverage describes one customer key.
type KeyCoverage struct {
	// Events is the number of sent (built) events carrying the key, Share
	// that number over all sent (built) events.
	Events int     `json:"events"`
	Share  float64 `json:"share"`
	// Values counts valid values seen in rows that passed the checks;
	// Invalid counts values dropped, by code in InvalidBy ("not_an_email").
	Values    int            `json:"values"`
	Invalid   int            `json:"invalid"`
	InvalidBy map[string]int `json:"invalid_by,omitempty"`
}

// InvalidShare is Invalid / (Values + Invalid), 0 when the key never
// appeared.
func (k KeyCoverage) InvalidShare() float64 {
	if k.Values+k.Invalid == 0 {
		return 0
	}
	return float64(k.Invalid) / float64(k.Values+k.Invalid)
}

// DedupCoverage is the share of sent (built) events that carry each
// deduplication key. event_id is always set (mapped, or derived from the
// row's content), so its share tells only whether any event lacked one.
type DedupCoverage struct {
	EventID      float64 `json:"event_id"`
	OrderID      float64 `json:"order_id"`
	OrderIDCount int     `json:"order_id_events"`
}

// AgeBuckets is the freshness histogram: sent (built) events by age at
// the run's clock, plus rows dropped as stale. Each bucket excludes the
// ones before it (Under1Day means 1 h to 24 h).
type AgeBuckets struct {
	Under1Hour  int `json:"under_1h"`
	Under1Day   int `json:"under_1d"`
	Under3Days  int `json:"under_3d"`
	Under7Days  int `json:"under_7d"`
	Older       int `json:"older"` // older than 7 days, allowed by a larger --max-age
	Stale       int `json:"stale"`
	FutureDrift int `json:"future"` // ahead of the clock by less than the 5 min tolerance
}

// Duplicates reports rows that reused an event_id. The ids themselves are
// left out on purpose: a derived id is a hash over customer data, and the
// summary must not carry anything computed from it. File and row are
// enough to find the rows in the export.
type Duplicates struct {
	Rows  int       `json:"rows"`
	First []RowSpot `json:"first"`
}

// RowSpot points at a row a person can find in the spreadsheet.
type RowSpot struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Reason string `json:"reason,omitempty"`
	Field  string `json:"field,omitempty"`
}

// RequestTotals sums the request log.
type RequestTotals struct {
	Requests       int            `json:"requests"`
	Events         int            `json:"events"`
	EventsReceived int            `json:"events_received"`
	Retries        int            `json:"retries"`
	Errors         int            `json:"errors"`
	ByStatus       map[string]int `json:"by_status"`
	DurationMS     int64          `json:"duration_ms"`
}

// Advice is one plain-words hint; summary.json lists them most useful
// first (Impact: the number of rows or events the hint concerns,
// weighted by how much it costs matching).
type Advice struct {
	Code   string  `json:"code"`
	Impact float64 `json:"impact"`
	Text   string  `json:"text"`
}

// ErrAccounting is returned (wrapped) by Check when some row is counted
// in no outcome or in two.
var ErrAccounting = errors.New("row accounting does not add up")

// Check verifies that every row read ended in exactly one outcome:
// rows_read == sent + rejected + stale + already_sent + failed + skipped.
func (s *Summary) Check() error {
	o := s.Outcomes
	sum := o.Sent + o.Rejected + o.Stale + o.AlreadySent + o.Failed + o.Skipped
	if sum != s.RowsRead {
		return fmt.Errorf("%w: rows read %d, outcomes %d (sent %d, rejected %d, stale %d, already sent %d, failed %d, skipped %d)",
			ErrAccounting, s.RowsRead, sum, o.Sent, o.Rejected, o.Stale, o.AlreadySent, o.Failed, o.Skipped)
	}
	files := 0
	for _, f := range s.Files {
		files += f.RowsRead
	}
	if files != s.RowsRead {
		return fmt.Errorf("%w: rows read %d, per-file rows %d", ErrAccounting, s.RowsRead, files)
	}
	return nil
}

// RejectRatio is rejected rows / rows read (stale, already-sent and
// failed rows are not rejections); 0 when nothing was read.
func (s *Summary) RejectRatio() float64 {
	if s.RowsRead == 0 {
		return 0
	}
	return float64(s.Outcomes.Rejected) / float64(s.RowsRead)
}

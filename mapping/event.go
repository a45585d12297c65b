package mapping

// UserKeys lists the customer information keys capi-upload maps, in the
// order reports show them.
var UserKeys = []string{"em", "ph", "fn", "ln", "ct", "st", "zp", "country", "db", "ge", "external_id"}

// Event is one server event as sent in the "data" array of a request.
type Event struct {
	EventName    string `json:"event_name"`
	EventTime    int64  `json:"event_time"` // Unix seconds, UTC
	ActionSource string `json:"action_source"`
	EventID      string `json:"event_id"`
	// UserData maps a customer key (UserKeys) to its normalized, hashed
	// values, duplicates removed. One value is sent as a string, several as
	// an array.
	UserData UserData `json:"user_data"`
	// CustomData holds custom_data: value (float64), currency (string),
	// content_ids ([]string), num_items (int), order_id (string) and any
	// custom property (string). Sent with sorted keys.
	CustomData            map[string]any `json:"custom_data,omitempty"`
	DataProcessingOptions []string       `json:"data_processing_options,omitempty"`
	DPOCountry            *int           `json:"data_processing_options_country,omitempty"`
	DPOState              *int           `json:"data_processing_options_state,omitempty"`

	// File and Row say where the event came from; never sent.
	File string `json:"-"`
	Row  int    `json:"-"`
	// Invalid lists the customer keys dropped because a value could not be
	// normalized; never sent. Counted per key in the summary.
	Invalid []InvalidKey `json:"-"`
}

// InvalidKey records one customer-information value that was dropped.
// Reason is a short code such as "not_an_email" or "bad_phone"; it never
// holds the value.
type InvalidKey struct {
	Key    string
	Reason string
}

// UserData maps customer keys to hashed values.
type UserData map[string][]string

// LedgerKey identifies the event in the sent-events ledger and for
// duplicate detection within a run.
func (e *Event) LedgerKey(pixelID string) string {
	return pixelID + "\x00" + e.EventName + "\x00" + e.EventID
}

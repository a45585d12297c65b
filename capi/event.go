package capi

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// UserKeys lists the customer information keys capi-upload maps, in the
// order reports show them: the hashed keys and external_id, then the keys
// Meta takes unhashed (UnhashedKeys).
var UserKeys = []string{
	"em", "ph", "fn", "ln", "ct", "st", "zp", "country", "db", "ge", "external_id",
	"client_ip_address", "client_user_agent", "fbc", "fbp", "lead_id", "subscription_id", "fb_login_id", "madid",
}

// Event is one server event as sent in the "data" array of a request.
type Event struct {
	EventName    string `json:"event_name"`
	EventTime    int64  `json:"event_time"` // Unix seconds, UTC
	ActionSource string `json:"action_source"`
	EventID      string `json:"event_id"`
	// UserData holds the normalized, hashed values of each customer key,
	// duplicates removed. One value is sent as a string, several as an
	// array. The unhashed keys (UnhashedKeys) hold one value each, as
	// checked, and lead_id goes out as a JSON number.
	UserData UserData `json:"user_data"`
	// CustomData holds custom_data: value (float64), currency (string),
	// content_ids ([]string), num_items (int), order_id (string) and any
	// custom property (string). Sent with sorted keys.
	CustomData            CustomData `json:"custom_data,omitempty"`
	DataProcessingOptions []string   `json:"data_processing_options,omitempty"`
	DPOCountry            *int       `json:"data_processing_options_country,omitempty"`
	DPOState              *int       `json:"data_processing_options_state,omitempty"`

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

// UserData holds an event's customer information: the values of each key
// of UserKeys, at the key's index (KeyEm, KeyPh, ...). An array rather than
// a map: a map per event was a third of the memory a run allocated.
//
//	ud := mapping.UserData{mapping.KeyEm: {hashedEmail}}
type UserData [NumUserKeys][]string

// CustomData is an event's custom_data fields, each key once. Map builds
// it in key order; AppendJSON sends it in key order whatever the order.
// A slice rather than a map: events carry a handful of fields, and a map
// each cost more than the rest of the event.
type CustomData []CustomField

// CustomField is one custom_data field.
type CustomField struct {
	Key   string
	Value any
}

// Get returns the value of the field key.
func (c CustomData) Get(key string) (any, bool) {
	for _, f := range c {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// sorted returns c in key order, c itself when it already is.
func (c CustomData) sorted() CustomData {
	if slices.IsSortedFunc(c, compareFields) {
		return c
	}
	s := slices.Clone(c)
	slices.SortFunc(s, compareFields)
	return s
}

func compareFields(a, b CustomField) int { return strings.Compare(a.Key, b.Key) }

// NumUserKeys is the number of customer keys capi-upload maps.
const NumUserKeys = 19

// Indexes of the customer keys in UserKeys and UserData.
const (
	KeyEm = iota
	KeyPh
	KeyFn
	KeyLn
	KeyCt
	KeySt
	KeyZp
	KeyCountry
	KeyDB
	KeyGe
	KeyExternalID
	// The keys Meta takes unhashed; every index from KeyClientIP on is one.
	KeyClientIP
	KeyClientUserAgent
	KeyFBC
	KeyFBP
	KeyLeadID
	KeySubscriptionID
	KeyFBLoginID
	KeyMadid
)

// Get returns the values of key (a name from UserKeys); nil for a name
// that is not one.
func (u *UserData) Get(key string) []string {
	if i := UserKeyIndex(key); i >= 0 {
		return u[i]
	}
	return nil
}

// Len is the number of keys with values.
func (u *UserData) Len() int {
	n := 0
	for _, vs := range u {
		if len(vs) > 0 {
			n++
		}
	}
	return n
}

// LedgerKey identifies the event in the sent-events ledger and for
// duplicate detection within a run.
func (e *Event) LedgerKey(pixelID string) string {
	return pixelID + "\x00" + e.EventName + "\x00" + e.EventID
}

// AppendLedgerKeys appends the LedgerKey of each event to dst. The keys
// share one string, so a batch of a thousand costs one allocation.
func AppendLedgerKeys(dst []string, pixelID string, evs []Event) []string {
	n := 0
	for i := range evs {
		n += len(pixelID) + len(evs[i].EventName) + len(evs[i].EventID) + 2
	}
	buf := make([]byte, 0, n)
	for i := range evs {
		buf = append(buf, pixelID...)
		buf = append(buf, 0)
		buf = append(buf, evs[i].EventName...)
		buf = append(buf, 0)
		buf = append(buf, evs[i].EventID...)
	}
	all := string(buf)
	at := 0
	for i := range evs {
		n := len(pixelID) + len(evs[i].EventName) + len(evs[i].EventID) + 2
		dst = append(dst, all[at:at+n])
		at += n
	}
	return dst
}

// MarshalJSON encodes the event as Meta's server event object; it is
// AppendJSON for encoding/json's sake.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 1024)), nil
}

// AppendJSON appends the event as a JSON object to dst and returns the
// extended buffer. Request bodies (real and dry-run) are built from it, so
// it avoids reflection and is deterministic: keys in a fixed order,
// user_data keys in UserKeys order, custom_data keys sorted. A customer key
// with one value is a string, with several an array. Invalid UTF-8 is
// replaced by U+FFFD, as encoding/json does.
func (e *Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"event_name":`...)
	dst = appendString(dst, e.EventName)
	dst = append(dst, `,"event_time":`...)
	dst = appendUnixTime(dst, e.EventTime)
	dst = append(dst, `,"action_source":`...)
	dst = appendString(dst, e.ActionSource)
	if e.EventID != "" {
		dst = append(dst, `,"event_id":`...)
		dst = appendString(dst, e.EventID)
	}
	dst = append(dst, `,"user_data":{`...)
	first := true
	for i, vs := range &e.UserData {
		if len(vs) > 0 {
			dst = appendUserKey(dst, i, vs, first)
			first = false
		}
	}
	dst = append(dst, '}')
	if len(e.CustomData) > 0 {
		dst = append(dst, `,"custom_data":{`...)
		for i, f := range e.CustomData.sorted() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, f.Key)
			dst = append(dst, ':')
			dst = appendValue(dst, f.Value)
		}
		dst = append(dst, '}')
	}
	if e.DataProcessingOptions != nil {
		dst = append(dst, `,"data_processing_options":`...)
		dst = appendStrings(dst, e.DataProcessingOptions)
	}
	if e.DPOCountry != nil {
		dst = append(dst, `,"data_processing_options_country":`...)
		dst = strconv.AppendInt(dst, int64(*e.DPOCountry), 10)
	}
	if e.DPOState != nil {
		dst = append(dst, `,"data_processing_options_state":`...)
		dst = strconv.AppendInt(dst, int64(*e.DPOState), 10)
	}
	return append(dst, '}')
}

// UserKeyIndex is the index of the customer key named k in UserKeys and
// UserData, or -1.
func UserKeyIndex(k string) int {
	switch k {
	case "em":
		return KeyEm
	case "ph":
		return KeyPh
	case "fn":
		return KeyFn
	case "ln":
		return KeyLn
	case "ct":
		return KeyCt
	case "st":
		return KeySt
	case "zp":
		return KeyZp
	case "country":
		return KeyCountry
	case "db":
		return KeyDB
	case "ge":
		return KeyGe
	case "external_id":
		return KeyExternalID
	case "client_ip_address":
		return KeyClientIP
	case "client_user_agent":
		return KeyClientUserAgent
	case "fbc":
		return KeyFBC
	case "fbp":
		return KeyFBP
	case "lead_id":
		return KeyLeadID
	case "subscription_id":
		return KeySubscriptionID
	case "fb_login_id":
		return KeyFBLoginID
	case "madid":
		return KeyMadid
	}
	return -1
}

// userKeyJSON holds each customer key as it opens its member of
// user_data: "em": and so on.
var userKeyJSON = func() (keys [NumUserKeys]string) {
	for i, k := range UserKeys {
		keys[i] = string(appendString(nil, k)) + ":"
	}
	return keys
}()

// appendUserKey appends the member of user_data for the key at index i.
func appendUserKey(dst []byte, i int, vs []string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, userKeyJSON[i]...)
	if i == KeyLeadID && len(vs) == 1 && IsLeadIDNumber(vs[0]) {
		// Meta types lead_id as an integer
		// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters).
		// The digits are written as they are, never through a float64,
		// which would round a 17-digit id.
		return append(dst, vs[0]...)
	}
	if len(vs) == 1 {
		return appendString(dst, vs[0])
	}
	return appendStrings(dst, vs)
}

func appendStrings(dst []byte, vs []string) []byte {
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}

// appendFloat appends v as strconv.AppendFloat(dst, v, 'f', -1, 64) does.
// Amounts of money, the usual custom_data value, have at most two
// decimals: such a v is exactly the double nearest its cents / 100, and
// below 1e11 no other decimal of as few digits is within an ulp of it, so
// the cents written out are the shortest form that reads back as v, the
// one strconv finds with a general algorithm at several times the cost.
func appendFloat(dst []byte, v float64) []byte {
	c := math.Round(v * 100)
	if v == 0 || math.Abs(v) >= 1e11 || c/100 != v {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	cents := int64(c)
	if cents < 0 {
		dst = append(dst, '-')
		cents = -cents
	}
	dst = strconv.AppendInt(dst, cents/100, 10)
	switch frac := cents % 100; {
	case frac == 0:
	case frac%10 == 0:
		dst = append(dst, '.', byte('0'+frac/10))
	default:
		dst = append(dst, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return dst
}

// appendUnixTime appends t in decimal. Event times of this century have
// ten digits, written here two at a time without strconv's general path,
// which cost a tenth of encoding an event.
func appendUnixTime(dst []byte, t int64) []byte {
	if t < 1e9 || t >= 1e10 {
		return strconv.AppendInt(dst, t, 10)
	}
	var b [10]byte
	u := uint(t)
	for i := 8; i >= 0; i -= 2 {
		r := u % 100
		u /= 100
		b[i], b[i+1] = byte('0'+r/10), byte('0'+r%10)
	}
	return append(dst, b[:]...)
}

// appendValue encodes a custom_data value. The types Map produces are
// encoded by hand; anything else (set by code, not by a config) falls back
// to encoding/json.
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(dst, v)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return append(dst, "null"...)
		}
		return appendFloat(dst, v)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case []string:
		return appendStrings(dst, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

const hexDigits = "0123456789abcdef"

// plainWords returns the length of the longest prefix of s, in whole
// 8-byte words (or all of s), whose bytes JSON carries as they are: ASCII
// from 0x20 up, except '"' and '\\'. It tests eight bytes at once with
// the zero-byte tricks of "Bit Twiddling Hacks": each test is exact about
// whether some byte of the word matches. A string shorter than a word is
// tested padded with spaces, which need no escaping, so that short
// strings (currency codes) skip the byte loop too.
func plainWords(s string) int {
	if len(s) < 8 {
		// The word is built in a register: copied into an array and read
		// back, it stalled on the failed store forwarding, and short
		// strings (currency codes, custom_data keys) cost more than the
		// 64-digit hashes.
		var x uint64
		switch {
		case len(s) >= 4: // two 4-byte halves, overlapping
			x = uint64(le32(s)) | uint64(le32(s[len(s)-4:]))<<32
		case len(s) > 0: // three bytes cover every byte; spaces the rest
			x = 0x2020202020000000 | uint64(s[0]) | uint64(s[len(s)/2])<<8 | uint64(s[len(s)-1])<<16
		default:
			return 0
		}
		if special(x) {
			return 0
		}
		return len(s)
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special(le64(s[i:])) {
			return i
		}
	}
	// The last part, shorter than a word, is tested as the last word of s.
	if i < len(s) && special(le64(s[len(s)-8:])) {
		return i
	}
	return len(s)
}

// le32 and le64 read the first four or eight bytes of s as a
// little-endian word, which the compiler does in one load.
func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// special reports whether a byte of the word x needs escaping in JSON or
// is not ASCII.
func special(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	q := x ^ ('"' * ones)
	b := x ^ ('\\' * ones)
	s := x | // a byte >= 0x80
		(x-0x20*ones)&^x | // a byte < 0x20
		(q-ones)&^q | // a '"'
		(b-ones)&^b // a '\\'
	return s&high != 0
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	// Hashed customer keys, most of a request body, need no escaping; a
	// word at a time finds that 8 times faster than a byte at a time.
	i := plainWords(s)
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			// Valid JSON, but not valid JavaScript before ES2019.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Lead ids from Lead Ads have 15 to 17 digits; Meta's legacy offline
// uploader took them with an "l:" prefix, which exports still carry.
const (
	minLeadIDDigits = 15
	maxLeadIDDigits = 17
)

// IsLeadIDNumber reports whether s is a lead id as mapping.NormalizeLeadID
// returns it: 15 to 17 digits without a leading zero, which AppendJSON
// writes as a number.
func IsLeadIDNumber(s string) bool {
	if len(s) < minLeadIDDigits || len(s) > maxLeadIDDigits || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

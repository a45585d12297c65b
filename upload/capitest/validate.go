package capitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// MaxEvents is the most events one request may carry: "You can send up to
// 1,000 events in data"
// (https://developers.facebook.com/docs/marketing-api/conversions-api/using-the-api).
const MaxEvents = 1000

// DefaultMaxAge is how old an event_time may be: "If any event_time in data
// is greater than 7 days in the past, we return an error for the entire
// request and process no events" (same page).
const DefaultMaxAge = 7 * 24 * time.Hour

// keyClass is what the double knows of a user_data key: each hashed key
// and each key with a rule of its own has a class, every other key is
// keyOther (a plain string).
type keyClass uint8

const (
	keyOther keyClass = iota
	// The hashed keys must be SHA-256 hex: "Hashing required"
	// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters).
	keyEm
	keyPh
	keyFn
	keyLn
	keyDb
	keyGe
	keyCt
	keySt
	keyZp
	keyCountry
	keyExternalID
	keyClientIP
	keyFBC
	keyFBP
	keyFBLoginID
	keyLeadID
	keyClientUserAgent
	keySubscriptionID
	keyMadid
)

func classify(k []byte) keyClass {
	switch string(k) {
	case "em":
		return keyEm
	case "ph":
		return keyPh
	case "fn":
		return keyFn
	case "ln":
		return keyLn
	case "db":
		return keyDb
	case "ge":
		return keyGe
	case "ct":
		return keyCt
	case "st":
		return keySt
	case "zp":
		return keyZp
	case "country":
		return keyCountry
	case "external_id":
		return keyExternalID
	case "client_ip_address":
		return keyClientIP
	case "fbc":
		return keyFBC
	case "fbp":
		return keyFBP
	case "fb_login_id":
		return keyFBLoginID
	case "lead_id":
		return keyLeadID
	case "client_user_agent":
		return keyClientUserAgent
	case "subscription_id":
		return keySubscriptionID
	case "madid":
		return keyMadid
	}
	return keyOther
}

func (c keyClass) hashed() bool { return c >= keyEm && c <= keyCountry }

// unhashed reports whether Meta takes the key only in clear: "Do not
// hash" on the customer information parameters page.
func (c keyClass) unhashed() bool { return c >= keyClientIP }

// bit is c's bit in a set of classes.
func (c keyClass) bit() uint64 { return 1 << c }

// weakSets are Meta's matching floor: an event whose customer information
// is only one of these combinations "(or a subset thereof)" is invalid
// (https://developers.facebook.com/docs/marketing-api/conversions-api/best-practices).
// A key of class keyOther is in none of them.
var weakSets = [...]uint64{
	keyCt.bit() | keyCountry.bit() | keySt.bit() | keyZp.bit() | keyGe.bit() | keyClientUserAgent.bit(),
	keyDb.bit() | keyClientUserAgent.bit(),
	keyFn.bit() | keyGe.bit(),
	keyLn.bit() | keyGe.bit(),
}

// wireEvent holds the fields the double checks, each still raw so that a
// wrong JSON type is an error rather than a silent zero.
type wireEvent struct {
	EventName      json.RawMessage            `json:"event_name"`
	EventTime      json.RawMessage            `json:"event_time"`
	ActionSource   json.RawMessage            `json:"action_source"`
	EventID        json.RawMessage            `json:"event_id"`
	EventSourceURL json.RawMessage            `json:"event_source_url"`
	UserData       map[string]json.RawMessage `json:"user_data"`
	CustomData     *wireCustom                `json:"custom_data"`
	DPO            json.RawMessage            `json:"data_processing_options"`
	DPOCountry     json.RawMessage            `json:"data_processing_options_country"`
	DPOState       json.RawMessage            `json:"data_processing_options_state"`

	// user holds user_data's members, from UserData; hasUser says
	// user_data was an object.
	user    []member
	hasUser bool
}

// member is one name/value pair of user_data.
type member struct {
	key   []byte
	val   []byte
	class keyClass
}

type wireCustom struct {
	Value            json.RawMessage `json:"value"`
	Currency         json.RawMessage `json:"currency"`
	Contents         []wireContent   `json:"contents"`
	ContentType      json.RawMessage `json:"content_type"`
	ContentIDs       json.RawMessage `json:"content_ids"`
	DeliveryCategory json.RawMessage `json:"delivery_category"`
	NumItems         json.RawMessage `json:"num_items"`
	OrderID          json.RawMessage `json:"order_id"`
	ItemNumber       json.RawMessage `json:"item_number"`
	// Conversion Leads (checkLeads).
	EventSource     json.RawMessage `json:"event_source"`
	LeadEventSource json.RawMessage `json:"lead_event_source"`
}

type wireContent struct {
	ID               json.RawMessage `json:"id"`
	Quantity         json.RawMessage `json:"quantity"`
	ItemPrice        json.RawMessage `json:"item_price"`
	DeliveryCategory json.RawMessage `json:"delivery_category"`
}

// event is what the double remembers of an accepted event. name and id
// may alias the request body: accept copies what it keeps.
type event struct {
	name, id []byte
	raw      json.RawMessage
}

// rules are the knobs of validation.
type rules struct {
	now              func() time.Time
	maxAge           time.Duration
	physicalStoreAge time.Duration // 0: same as maxAge
	maxFuture        time.Duration // 0: not checked
	lenientHashes    bool
}

// checker validates the events of one request against rules. It
// remembers the last currency code that passed, since a batch rarely
// holds more than one and currency.ParseISO is not free.
type checker struct {
	*rules
	at           time.Time // the server's clock when the request arrived
	currency     [3]byte
	haveCurrency bool
}

func invalid(title, msg string) *GraphError { return ErrInvalid(0, title, msg) }

// decodeData turns the data parameter into one raw message per event. data
// may be a JSON array, a JSON string holding one, and each element an
// object or a JSON string holding one (Meta's Python and Ruby SDKs send
// that shape).
func decodeData(data []byte) ([]json.RawMessage, *GraphError) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, invalid("Missing Parameter", "The parameter data is required.")
	}
	if data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, invalid("Invalid Parameter", "Param data must be an array.")
		}
		data = bytes.TrimSpace([]byte(s))
	}
	var elems []json.RawMessage
	if len(data) == 0 || data[0] != '[' || json.Unmarshal(data, &elems) != nil {
		return nil, invalid("Invalid Parameter", "Param data must be an array.")
	}
	return elems, checkCount(len(elems))
}

func checkCount(n int) *GraphError {
	if n == 0 {
		return invalid("Missing Parameter", "The parameter data is required and must not be empty.")
	}
	if n > MaxEvents {
		return invalid("Too Many Events", "Param data must be an array of maximum 1000 elements.")
	}
	return nil
}

// decodeEvents decodes data in one call when it is an array of 1 to
// MaxEvents event objects that all decode, as decodeData and decodeEvent
// would take them one by one; ok is false for anything else (a null
// element, a string, a wrong type), which those then word. One call reads
// a 1,000-event body in one pass where element by element took three.
func decodeEvents(data []byte) (wires []wireEvent, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '[' {
		return nil, false
	}
	var ps []*wireEvent
	if json.Unmarshal(data, &ps) != nil || checkCount(len(ps)) != nil {
		return nil, false
	}
	wires = make([]wireEvent, len(ps))
	for i, p := range ps {
		if p == nil {
			return nil, false
		}
		wires[i] = *p
		wires[i].members()
	}
	return wires, true
}

// members fills e.user from e.UserData.
func (e *wireEvent) members() {
	if e.UserData != nil {
		e.hasUser = true
		for k, v := range e.UserData {
			e.user = append(e.user, member{key: []byte(k), val: v, class: classify([]byte(k))})
		}
	}
}

// decodeEvent decodes one element of data: an object, or a JSON string
// holding one.
func decodeEvent(raw json.RawMessage) (json.RawMessage, wireEvent, *GraphError) {
	var e wireEvent
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return raw, e, invalid("Invalid Event", "Each element of data must be a server event object.")
		}
		raw = bytes.TrimSpace([]byte(s))
	}
	if len(raw) == 0 || raw[0] != '{' {
		return raw, e, invalid("Invalid Event", "Each element of data must be a server event object.")
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return raw, e, typeError(err)
	}
	e.members()
	return raw, e, nil
}

// typeError names the field whose JSON type is wrong (user_data,
// custom_data or contents; every other field is checked by hand).
func typeError(err error) *GraphError {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		return invalid("Invalid Parameter Type", "The parameter "+te.Field+" has the wrong type.")
	}
	return invalid("Invalid Event", "Each element of data must be a server event object.")
}

// checkEvent validates one event as Meta documents the server event
// parameters. Messages name the field, never its value and never the
// event's index: Meta is not known to say which event was at fault.
func (r *checker) checkEvent(e *wireEvent) (event, *GraphError) {
	for _, f := range [...]*json.RawMessage{&e.EventName, &e.EventTime, &e.ActionSource, &e.EventID, &e.EventSourceURL, &e.DPO, &e.DPOCountry, &e.DPOState} {
		dropNull(f)
	}
	var ev event
	name, ok := str(e.EventName)
	if !ok || len(name) == 0 {
		return ev, invalid("Missing Event Name", "The parameter event_name is required and must be a non-empty string.")
	}
	ev.name = name
	if e.EventID != nil {
		id, ok := str(e.EventID)
		if !ok {
			return ev, invalid("Invalid Event ID", "The parameter event_id must be a string.")
		}
		ev.id = id
	}
	src, srcOK := str(e.ActionSource)
	if ge := r.checkTime(e.EventTime, string(src) == "physical_store"); ge != nil {
		return ev, ge
	}
	if !srcOK || !actionSource(src) {
		return ev, invalid("Invalid Action Source", "The parameter action_source is required and must be one of email, website, app, phone_call, chat, physical_store, system_generated, business_messaging, other.")
	}
	if !e.hasUser {
		return ev, invalid("Missing User Data", "The parameter user_data is required and must be an object.")
	}
	if ge := r.checkUserData(e.user); ge != nil {
		return ev, ge
	}
	if string(src) == "website" {
		if u, ok := str(e.EventSourceURL); !ok || len(u) == 0 {
			return ev, invalid("Missing Event Source URL", "Website events require the parameter event_source_url.")
		}
		var ua json.RawMessage
		for _, m := range e.user {
			if m.class == keyClientUserAgent {
				ua = m.val
			}
		}
		if ua, ok := str(ua); !ok || len(ua) == 0 {
			return ev, invalid("Missing User Agent", "Website events require user_data.client_user_agent.")
		}
	}
	if ge := r.checkCustomData(name, e.CustomData); ge != nil {
		return ev, ge
	}
	if ge := checkLDU(e); ge != nil {
		return ev, ge
	}
	if ge := checkLeads(src, e); ge != nil {
		return ev, ge
	}
	return ev, nil
}

// actionSource reports whether src is a documented action_source value
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event).
func actionSource(src []byte) bool {
	switch string(src) {
	case "email", "website", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging", "other":
		return true
	}
	return false
}

func (r *checker) checkTime(rawTime json.RawMessage, physicalStore bool) *GraphError {
	now := r.at
	t, ok := integer(rawTime)
	if !ok || t <= 0 {
		return invalid("Invalid Event Time", "The parameter event_time is required and must be an integer Unix timestamp in seconds.")
	}
	if t >= 1e12 { // 13 digits: milliseconds, a common client bug
		return invalid("Invalid Event Time", "The parameter event_time must be a Unix timestamp in seconds, not milliseconds.")
	}
	maxAge := r.maxAge
	if physicalStore && r.physicalStoreAge > 0 {
		maxAge = r.physicalStoreAge
	}
	if now.Unix()-t > int64(maxAge/time.Second) {
		return ErrInvalid(SubcodeTimestampTooOld, "Event Timestamp Too Old",
			"The timestamp for this event is too far in the past. Events need to be sent from your server within 7 days of when they occurred. Enter a timestamp that has occurred within the last 7 days.")
	}
	if r.maxFuture > 0 && t-now.Unix() > int64(r.maxFuture/time.Second) {
		return invalid("Event Timestamp In Future", "The timestamp for this event is in the future.")
	}
	return nil
}

// checkUserData checks every customer key and the matching floor. When
// several keys are invalid, the one named is the least in byte order, so
// that it does not depend on the order the decoder met them in (the
// encoding/json path ranges over a map; FuzzFastPath found the two naming
// different keys).
func (r *checker) checkUserData(ud []member) *GraphError {
	var (
		present uint64 // classes of the keys with a value; keyOther for any other
		badKey  []byte
		badWhy  string // the message after "user_data.<key>"; "" while all are valid
	)
	for _, m := range ud {
		if badWhy != "" && bytes.Compare(m.key, badKey) > 0 {
			continue // cannot change the answer
		}
		ok, empty, why := r.checkCustomerKey(m)
		if !ok {
			badKey, badWhy = m.key, why
			continue
		}
		if !empty {
			present |= m.class.bit()
		}
	}
	if badWhy != "" {
		return invalid("Invalid Customer Information", "user_data."+string(badKey)+badWhy)
	}
	if present == 0 {
		return ErrInvalid(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information",
			"The user_data parameter must contain at least one customer information parameter.")
	}
	for _, weak := range weakSets {
		if present&^weak == 0 {
			return ErrInvalid(SubcodeInsufficientCustomerInfo, "Insufficient Customer Information",
				"The customer information parameters sent are too broad to match people. Add more parameters, such as em, ph or external_id.")
		}
	}
	return nil
}

// checkCustomerKey checks one user_data member. It reports whether the
// value is valid, whether it holds no value (an empty string or array),
// and if it is invalid, the rest of the message after "user_data.<key>".
func (r *checker) checkCustomerKey(m member) (ok, empty bool, why string) {
	switch v := m.val; {
	case m.class.hashed():
		n, ok := r.hashedValues(v)
		if !ok {
			return false, false, " must be a SHA-256 hash (64 lower-case hexadecimal characters) or an array of them."
		}
		return true, n == 0, ""
	case m.class == keyExternalID:
		n, ok := strings1(v)
		if !ok {
			return false, false, " must be a string or an array of strings."
		}
		return true, n == 0, ""
	case m.class.unhashed() && isHashString(v):
		// Someone hashed what Meta matches only in clear: the value
		// would pass a format check of its own (a user agent, a
		// subscription id) and match nothing.
		return false, false, " must not be hashed."
	case m.class == keyClientIP:
		s, ok := str(v)
		if !ok || !validIP(string(s)) {
			return false, false, " must be an IPv4 or IPv6 address."
		}
	case m.class == keyFBC || m.class == keyFBP:
		s, ok := str(v)
		if !ok || !validFBCookie(s) {
			return false, false, " must have the form fb.<subdomain index>.<creation time>.<value>."
		}
	case m.class == keyLeadID:
		// Lead Ads ids are integers of 15 to 17 digits; the double
		// takes them as a number or a string of digits.
		d := []byte(v)
		if s, isStr := str(v); isStr {
			d = s
		}
		if !allDigits(d) || len(d) < 15 || len(d) > 17 || d[0] == '0' {
			return false, false, " must be a Lead Ads lead id (15 to 17 digits)."
		}
	case m.class == keyFBLoginID:
		if _, ok := integer(v); !ok {
			if s, isStr := str(v); !isStr || !allDigits(s) {
				return false, false, " must be numeric."
			}
		}
	default:
		// client_user_agent, subscription_id, madid, anon_id, page ids…:
		// plain strings.
		s, ok := str(v)
		if !ok {
			return false, false, " must be a string."
		}
		return true, len(s) == 0, ""
	}
	return true, false, ""
}

// isHashString reports whether v is a JSON string of 64 hex digits,
// either case: a SHA-256 in hex.
func isHashString(v json.RawMessage) bool {
	s, ok := str(v)
	if !ok || len(s) != 64 {
		return false
	}
	for _, c := range s {
		if hexDigit[c] == 0 {
			return false
		}
	}
	return true
}

// hashedValues checks a string or array of strings of SHA-256 hex and
// reports how many non-empty values it holds.
func (r *checker) hashedValues(v json.RawMessage) (int, bool) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		n := 0
		ok := eachString(v, func(s []byte) bool {
			n++
			return r.validHash(s)
		})
		if !ok {
			return 0, false
		}
		return n, true
	}
	s, ok := str(v)
	if !ok || !r.validHash(s) {
		return 0, false
	}
	return 1, true
}

// hexDigit marks the bytes of lower-case hex (1) and the upper-case hex
// letters (2), which lenient hashes also take.
var hexDigit = [256]uint8{
	'0': 1, '1': 1, '2': 1, '3': 1, '4': 1, '5': 1, '6': 1, '7': 1, '8': 1, '9': 1,
	'a': 1, 'b': 1, 'c': 1, 'd': 1, 'e': 1, 'f': 1,
	'A': 2, 'B': 2, 'C': 2, 'D': 2, 'E': 2, 'F': 2,
}

// validHash accepts ^[a-f0-9]{64}(\.[A-Za-z0-9_-]+)?$: SHA-256 hex,
// optionally with the appendix Meta's parameter builder adds
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameter-builder-library).
// With lenient hashes it also takes upper-case hex and 32-hex (MD5), whose
// acceptance by Meta is unconfirmed.
func (r *rules) validHash(s []byte) bool {
	if i := bytes.IndexByte(s, '.'); i >= 0 {
		if !validAppendix(s[i+1:]) {
			return false
		}
		s = s[:i]
	}
	if len(s) != 64 && !(r.lenientHashes && len(s) == 32) {
		return false
	}
	var all, upper uint8 = 1, 0
	for _, c := range s {
		d := hexDigit[c]
		all &= d | d>>1
		upper |= d & 2
	}
	return all == 1 && (upper == 0 || r.lenientHashes)
}

func validAppendix(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validIP(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	// An address may carry a parameter-builder appendix after a last dot.
	if i := strings.LastIndexByte(s, '.'); i > 0 && validAppendix([]byte(s[i+1:])) {
		_, err := netip.ParseAddr(s[:i])
		return err == nil
	}
	return false
}

// validFBCookie checks fb.<digits>.<digits>.<non-empty>.
func validFBCookie(s []byte) bool {
	parts := bytes.SplitN(s, []byte("."), 4)
	return len(parts) == 4 && string(parts[0]) == "fb" && allDigits(parts[1]) && allDigits(parts[2]) && len(parts[3]) != 0
}

// checkCustomData applies the standard parameters' types
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/custom-data)
// and "Purchase requires currency and value"
// (https://developers.facebook.com/docs/meta-pixel/reference). Unknown keys
// are custom properties and pass.
func (r *checker) checkCustomData(name []byte, cd *wireCustom) *GraphError {
	var c wireCustom
	if cd != nil {
		c = *cd
	}
	for _, f := range [...]*json.RawMessage{&c.Value, &c.Currency, &c.ContentType, &c.ContentIDs, &c.DeliveryCategory, &c.NumItems, &c.OrderID, &c.ItemNumber} {
		dropNull(f)
	}
	if c.Value != nil {
		if _, ok := number(c.Value); !ok {
			return invalid("Invalid Custom Data", "custom_data.value must be a number.")
		}
	}
	if c.Currency != nil {
		s, ok := str(c.Currency)
		if !ok || len(s) != 3 || !r.validCurrency(s) {
			return invalid("Invalid Currency Code", "custom_data.currency must be a three-letter ISO 4217 code.")
		}
	}
	if string(name) == "Purchase" && (c.Value == nil || c.Currency == nil) {
		return invalid("Missing Value or Currency", "Purchase events require custom_data.value and custom_data.currency.")
	}
	for _, it := range c.Contents {
		if id, ok := str(it.ID); !ok || len(id) == 0 {
			return invalid("Invalid Contents", "Each custom_data.contents item requires an id.")
		}
		if _, ok := integer(it.Quantity); !ok {
			return invalid("Invalid Contents", "Each custom_data.contents item requires an integer quantity.")
		}
		if it.ItemPrice != nil {
			if _, ok := number(it.ItemPrice); !ok {
				return invalid("Invalid Contents", "custom_data.contents item_price must be a number.")
			}
		}
		if ge := checkDelivery(it.DeliveryCategory); ge != nil {
			return ge
		}
	}
	if c.ContentType != nil {
		if s, _ := str(c.ContentType); string(s) != "product" && string(s) != "product_group" {
			return invalid("Invalid Custom Data", "custom_data.content_type must be product or product_group.")
		}
	}
	if c.ContentIDs != nil {
		var ids []string
		if json.Unmarshal(c.ContentIDs, &ids) != nil {
			return invalid("Invalid Custom Data", "custom_data.content_ids must be an array of strings.")
		}
	}
	if ge := checkDelivery(c.DeliveryCategory); ge != nil {
		return ge
	}
	if c.NumItems != nil {
		if _, ok := integer(c.NumItems); !ok {
			return invalid("Invalid Custom Data", "custom_data.num_items must be an integer.")
		}
	}
	for _, f := range [...]struct {
		name string
		raw  json.RawMessage
	}{{"order_id", c.OrderID}, {"item_number", c.ItemNumber}} {
		if f.raw != nil {
			if _, ok := str(f.raw); !ok {
				return invalid("Invalid Custom Data", "custom_data."+f.name+" must be a string.")
			}
		}
	}
	return nil
}

// validCurrency reports whether s (3 bytes) is an ISO 4217 code.
func (r *checker) validCurrency(s []byte) bool {
	if r.haveCurrency && string(s) == string(r.currency[:]) {
		return true
	}
	if _, err := currency.ParseISO(string(s)); err != nil {
		return false
	}
	copy(r.currency[:], s)
	r.haveCurrency = true
	return true
}

func checkDelivery(raw json.RawMessage) *GraphError {
	if raw == nil {
		return nil
	}
	switch s, _ := str(raw); string(s) {
	case "in_store", "curbside", "home_delivery":
		return nil
	}
	return invalid("Invalid Custom Data", "delivery_category must be in_store, curbside or home_delivery.")
}

// checkLDU applies the Limited Data Use rules: with "LDU" in
// data_processing_options, the country (0 or 1) and state (0 or 1000) are
// required
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event).
func checkLDU(e *wireEvent) *GraphError {
	if e.DPO == nil {
		return nil
	}
	var opts []string
	if json.Unmarshal(e.DPO, &opts) != nil {
		return invalid("Invalid Data Processing Options", "data_processing_options must be an array of strings.")
	}
	ldu := false
	for _, o := range opts {
		if o != "LDU" {
			return invalid("Invalid Data Processing Options", "data_processing_options may only contain LDU.")
		}
		ldu = true
	}
	if !ldu {
		return nil
	}
	if c, ok := integer(e.DPOCountry); !ok || (c != 0 && c != 1) {
		return ErrInvalid(0, "Limited Data Use Selection Required", "With LDU, data_processing_options_country must be 0 or 1.")
	}
	if s, ok := integer(e.DPOState); !ok || (s != 0 && s != 1000) {
		return ErrInvalid(0, "Limited Data Use Selection Required", "With LDU, data_processing_options_state must be 0 or 1000.")
	}
	return nil
}

// checkLeads applies the Conversion Leads payload specification to an
// event whose custom_data.event_source is "crm": user_data.lead_id,
// custom_data.lead_event_source (the CRM's name) and action_source
// system_generated are required
// (https://developers.facebook.com/docs/marketing-api/conversions-api/conversion-leads-integration/payload-specification).
// What Meta answers to an event that breaks it is not documented; the
// double takes the strict reading and refuses the request.
func checkLeads(src []byte, e *wireEvent) *GraphError {
	cd := e.CustomData
	if cd == nil {
		return nil
	}
	if s, ok := str(cd.EventSource); !ok || string(s) != "crm" {
		return nil
	}
	lead := false
	for _, m := range e.user {
		lead = lead || m.class == keyLeadID && string(m.val) != "null"
	}
	if !lead {
		return invalid("Missing Lead ID", "Conversion Leads events (custom_data.event_source crm) require user_data.lead_id.")
	}
	if s, ok := str(cd.LeadEventSource); !ok || len(bytes.TrimSpace(s)) == 0 {
		return invalid("Missing Lead Event Source", "Conversion Leads events require custom_data.lead_event_source, the name of the CRM.")
	}
	if string(src) != "system_generated" {
		return invalid("Invalid Action Source", "Conversion Leads events require action_source system_generated.")
	}
	return nil
}

// dropNull makes an explicit JSON null the same as an absent field.
func dropNull(v *json.RawMessage) {
	if string(*v) == "null" {
		*v = nil
	}
}

// str decodes a JSON string; ok is false for any other JSON type. Without
// escapes the result aliases v.
func str(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	// Fast path: no escapes.
	if bytes.IndexByte(v[1:len(v)-1], '\\') < 0 && v[len(v)-1] == '"' {
		return v[1 : len(v)-1 : len(v)-1], true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// eachString calls f with each string of the JSON array v (without
// allocating when no string holds an escape, as arrays of hashes are most
// of a request's bytes) and reports whether v is an array of strings and f
// returned true for each.
func eachString(v []byte, f func([]byte) bool) bool {
	if bytes.IndexByte(v, '\\') >= 0 {
		var ss []string
		if json.Unmarshal(v, &ss) != nil {
			return false
		}
		for _, s := range ss {
			if !f([]byte(s)) {
				return false
			}
		}
		return true
	}
	rest := bytes.TrimSpace(v[1:])
	if len(rest) > 0 && rest[0] == ']' {
		return len(bytes.TrimSpace(rest[1:])) == 0
	}
	for {
		if len(rest) == 0 || rest[0] != '"' {
			return false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 || !f(rest[1:1+end:1+end]) {
			return false
		}
		rest = bytes.TrimSpace(rest[2+end:])
		switch {
		case len(rest) > 0 && rest[0] == ',':
			rest = bytes.TrimSpace(rest[1:])
		case len(rest) > 0 && rest[0] == ']':
			return len(bytes.TrimSpace(rest[1:])) == 0
		default:
			return false
		}
	}
}

// strings1 checks a string or an array of strings and counts the non-empty
// values.
func strings1(v json.RawMessage) (int, bool) {
	if len(v) > 0 && v[0] == '[' {
		n := 0
		ok := eachString(v, func(s []byte) bool {
			if len(s) > 0 {
				n++
			}
			return true
		})
		if !ok {
			return 0, false
		}
		return n, true
	}
	s, ok := str(v)
	if !ok {
		return 0, false
	}
	if len(s) == 0 {
		return 0, true
	}
	return 1, true
}

// integer decodes a JSON integer (no fraction, no exponent).
func integer(v []byte) (int64, bool) {
	digits := v
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if !allDigits(digits) {
		return 0, false
	}
	if len(digits) <= 18 { // cannot overflow: add them up here
		var n int64
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		if len(digits) < len(v) {
			n = -n
		}
		return n, true
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// number decodes any JSON number.
func number(v []byte) (float64, bool) {
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

func allDigits[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

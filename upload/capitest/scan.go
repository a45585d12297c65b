package capitest

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// The fast path: a JSON request body is walked by hand in one pass that
// both checks its syntax (as strictly as json.Valid) and takes its fields
// as sub-slices of the body, without reflection, without a map per event
// and without allocating per event. It handles only the shape capi-upload
// and the SDKs send (exact field names, objects where objects belong, keys
// without escapes, no repeated user_data or custom_data); on anything else,
// including any syntax error, it gives up and the request takes the
// encoding/json path, which also words the error. Either way the same
// checks (checkEvent) then run, so the fast path decides nothing itself:
// FuzzFastPath holds the two paths to the same answer for every body.

// member is one name/value pair of a JSON object; both are sub-slices of
// the request body (or of encoding/json's copy on the slow path).
type member struct {
	key   []byte
	val   []byte
	class keyClass
	// sha256 says val is a JSON string of 64 lower-case hex digits, or a
	// non-empty array of them, which the fast path checked on its way.
	sha256 bool
}

// maxSkipDepth bounds the nesting the fast path walks inside values it
// does not read. json.Valid allows 10,000 levels; anything deeper than
// this goes to encoding/json, which then decides.
const maxSkipDepth = 256

// scanner is a cursor over a JSON text. bad is set on a syntax error and
// on any shape the fast path leaves to encoding/json; after that, results
// mean nothing and the caller gives up.
type scanner struct {
	b   []byte
	i   int
	bad bool
}

func (s *scanner) fail() bool {
	s.bad = true
	return false
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i] // compact JSON: no whitespace to skip
	}
	return s.skipSpace()
}

func (s *scanner) skipSpace() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// open consumes c ('{' or '[') after optional whitespace.
func (s *scanner) open(c byte) bool {
	if s.peek() != c {
		return s.fail()
	}
	s.i++
	return true
}

// next moves to the next member or element of the object or array whose
// opening byte was consumed; first is true on the first call. At the
// closing byte end it consumes it and reports false; on a syntax error it
// reports false with s.bad set.
func (s *scanner) next(end byte, first bool) bool {
	c := s.peek()
	if c == end {
		s.i++
		return false
	}
	if !first {
		if c != ',' {
			return s.fail()
		}
		s.i++
		if s.peek() == end { // trailing comma
			return s.fail()
		}
	}
	return !s.bad
}

// key reads a member name and the colon after it, leaving the cursor on
// the value. A name with an escape is left to encoding/json.
func (s *scanner) key() []byte {
	if s.peek() != '"' {
		s.fail()
		return nil
	}
	start := s.i + 1
	if s.scanString() || s.bad {
		s.fail()
		return nil
	}
	k := s.b[start : s.i-1 : s.i-1]
	if s.peek() != ':' {
		s.fail()
		return nil
	}
	s.i++
	return k
}

// The bit tricks of scanString look at 8 bytes at once
// (https://graphics.stanford.edu/~seander/bithacks.html#ZeroInWord).
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hex8 reports that the 8 bytes in x are lower-case hex digits. Each byte
// is below 0x80, so adding at most 0x50 to it carries into no other byte,
// and the sum's top bit says whether the byte reached the bound.
func hex8(x uint64) bool {
	if x&msb != 0 {
		return false
	}
	digit := (x + lsb*(0x80-'0')) &^ (x + lsb*(0x80-'9'-1))
	letter := (x + lsb*(0x80-'a')) &^ (x + lsb*(0x80-'f'-1))
	return (digit|letter)&msb == msb
}

// hex64 reports that b starts with 64 lower-case hex digits.
func hex64(b []byte) bool {
	if len(b) < 64 {
		return false
	}
	for i := 0; i < 64; i += 8 {
		if !hex8(binary.LittleEndian.Uint64(b[i:])) {
			return false
		}
	}
	return true
}

// sha256Value returns the length of the JSON value at the start of b when
// it is a string of 64 lower-case hex digits, or a non-empty array of them
// written without spaces; otherwise 0.
func sha256Value(b []byte) int {
	isHash := func(b []byte) bool { return len(b) >= 66 && b[0] == '"' && b[65] == '"' && hex64(b[1:]) }
	if isHash(b) {
		return 66
	}
	if len(b) == 0 || b[0] != '[' {
		return 0
	}
	for i := 1; isHash(b[i:]); {
		i += 66
		switch {
		case i < len(b) && b[i] == ',':
			i++
		case i < len(b) && b[i] == ']':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// special marks, in the top bit of each byte, the bytes of x that end or
// escape a string or are control characters, which JSON strings may not
// hold raw. A mark can be wrong only above a right one (a borrow runs
// upwards), so the lowest mark, the first such byte in little-endian
// order, is always right.
func special(x uint64) uint64 {
	quote, backslash := x^(lsb*'"'), x^(lsb*'\\')
	m := (x - lsb*0x20) & ^x // a byte below 0x20
	m |= (quote - lsb) & ^quote
	m |= (backslash - lsb) & ^backslash
	return m & msb
}

// scanString moves the cursor, which is on an opening quote, past the
// closing one, checking escapes and control characters as json.Valid
// does, and reports whether the string holds an escape.
func (s *scanner) scanString() (escaped bool) {
	b, i := s.b, s.i+1
	for {
		if i+8 <= len(b) {
			m := special(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		} else if i >= len(b) {
			s.fail()
			s.i = len(b)
			return escaped
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return escaped
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				s.fail()
				s.i = len(b)
				return escaped
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.fail()
					s.i = len(b)
					return escaped
				}
				i += 6
			default:
				s.fail()
				s.i = len(b)
				return escaped
			}
		case c < 0x20:
			s.fail()
			s.i = len(b)
			return escaped
		default:
			i++ // within the last 8 bytes of the body
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number moves the cursor past a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return s.fail()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return s.fail()
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return s.fail()
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// literal moves the cursor past lit (true, false or null).
func (s *scanner) literal(lit string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return s.fail()
	}
	s.i += len(lit)
	return true
}

// skip moves the cursor past one JSON value, checking its syntax; depth
// is how deep it is nested.
func (s *scanner) skip(depth int) bool {
	switch c := s.peek(); c {
	case '"':
		s.scanString()
	case '{', '[':
		if depth >= maxSkipDepth {
			return s.fail()
		}
		s.i++
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		for first := true; s.next(end, first); first = false {
			if c == '{' {
				if s.peek() != '"' {
					return s.fail()
				}
				s.scanString()
				if s.peek() != ':' {
					return s.fail()
				}
				s.i++
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.number()
	}
	return !s.bad
}

// value returns the JSON value at the cursor and moves past it.
func (s *scanner) value(depth int) []byte {
	s.peek()
	start := s.i
	s.skip(depth)
	return s.b[start:s.i:s.i]
}

// decoder is the per-request scratch of the fast path, reused across
// requests (statePool) so that a request allocates nothing per event.
// Every slice handed out is a sub-slice of one of its arenas, taken after
// the last append to that part, so a later growth of the arena leaves it
// intact.
type decoder struct {
	events   []wireEvent
	members  []member
	contents []wireContent
}

// fastBody decodes a JSON body whose data is a non-empty array of event
// objects. ok is false when the body needs the encoding/json path.
func (d *decoder) fastBody(body []byte) (p params, events []wireEvent, ok bool) {
	s := scanner{b: body}
	if !s.open('{') {
		return p, nil, false
	}
	d.members, d.contents = d.members[:0], d.contents[:0]
	events = d.events[:0]
	for first := true; s.next('}', first); first = false {
		k := s.key()
		if s.bad {
			return p, nil, false
		}
		var dst *string
		switch string(k) {
		case "data":
			// A repeated key: encoding/json keeps the last.
			events = events[:0]
			if !s.open('[') {
				return p, nil, false
			}
			for f := true; s.next(']', f); f = false {
				events = append(events, wireEvent{})
				if !d.fastEvent(&s, &events[len(events)-1]) {
					d.events = events
					return p, nil, false
				}
			}
			d.events = events
			continue
		case "access_token":
			dst = &p.AccessToken
		case "appsecret_proof":
			dst = &p.Proof
		case "test_event_code":
			dst = &p.TestEventCode
		case "partner_agent":
			dst = &p.PartnerAgent
		case "upload_tag":
			dst = &p.UploadTag
		case "namespace_id":
			dst = &p.NamespaceID
		default:
			if foldsTo(k, "data", "access_token", "appsecret_proof", "test_event_code", "partner_agent", "upload_tag", "namespace_id") {
				return p, nil, false
			}
			s.skip(1)
			continue
		}
		v := s.value(1)
		if s.bad {
			return p, nil, false
		}
		if string(v) == "null" {
			continue // encoding/json leaves the string as it was
		}
		sv, isStr := str(v)
		if !isStr {
			return p, nil, false
		}
		*dst = string(sv)
	}
	if s.bad || s.peek() != 0 || s.i != len(body) {
		return p, nil, false
	}
	return p, events, len(events) > 0
}

// fastEvent fills e from the event object at the cursor; false sends the
// request to the encoding/json path.
func (d *decoder) fastEvent(s *scanner, e *wireEvent) bool {
	if !s.open('{') {
		return false
	}
	seenUser := false
	for first := true; s.next('}', first); first = false {
		k := s.key()
		if s.bad {
			return false
		}
		var dst *[]byte
		switch string(k) {
		case "event_name":
			dst = (*[]byte)(&e.EventName)
		case "event_time":
			dst = (*[]byte)(&e.EventTime)
		case "action_source":
			dst = (*[]byte)(&e.ActionSource)
		case "event_id":
			dst = (*[]byte)(&e.EventID)
		case "event_source_url":
			dst = (*[]byte)(&e.EventSourceURL)
		case "data_processing_options":
			dst = (*[]byte)(&e.DPO)
		case "data_processing_options_country":
			dst = (*[]byte)(&e.DPOCountry)
		case "data_processing_options_state":
			dst = (*[]byte)(&e.DPOState)
		case "user_data":
			// A repeated user_data or custom_data is merged by
			// encoding/json; leave that to it.
			if seenUser {
				return s.fail()
			}
			seenUser = true
			if s.peek() == 'n' {
				s.literal("null")
				continue
			}
			e.hasUser = true
			if !d.fastUser(s, e) {
				return false
			}
			continue
		case "custom_data":
			if e.hasCustom {
				return s.fail()
			}
			if s.peek() == 'n' {
				s.literal("null")
				continue
			}
			e.hasCustom = true
			if !d.fastCustom(s, &e.custom) {
				return false
			}
			continue
		default:
			if foldsTo(k, "event_name", "event_time", "action_source", "event_id", "event_source_url",
				"data_processing_options", "data_processing_options_country", "data_processing_options_state",
				"user_data", "custom_data") {
				return s.fail()
			}
			s.skip(3)
			continue
		}
		// A repeated key: encoding/json keeps the last.
		*dst = s.value(3)
	}
	return !s.bad
}

// fastUser reads the user_data object at the cursor into e.user.
func (d *decoder) fastUser(s *scanner, e *wireEvent) bool {
	if !s.open('{') {
		return false
	}
	start := len(d.members)
	var seen uint64 // classes met so far, to catch a repeated key
	for first := true; s.next('}', first); first = false {
		k := s.key()
		if s.bad {
			return false
		}
		c := classify(k)
		if c == keyOther && !ascii(k) {
			// encoding/json would turn invalid UTF-8 in a map key into
			// U+FFFD; leave that to it.
			return s.fail()
		}
		if c != keyOther {
			if seen&c.bit() != 0 {
				return s.fail() // a repeated key: the map keeps the last
			}
			seen |= c.bit()
		} else {
			for _, m := range d.members[start:] {
				if m.class == keyOther && bytes.Equal(m.key, k) {
					return s.fail()
				}
			}
		}
		var v []byte
		hex := false
		if c.hashed() {
			// The common case, plain SHA-256 hex: its digits need no
			// further syntax check, and checkUserData no other.
			s.peek()
			if n := sha256Value(s.b[s.i:]); n > 0 {
				v, hex = s.b[s.i:s.i+n:s.i+n], true
				s.i += n
			}
		}
		if !hex {
			v = s.value(4)
		}
		d.members = append(d.members, member{key: k, val: v, class: c, sha256: hex})
	}
	e.user = d.members[start:len(d.members):len(d.members)]
	return !s.bad
}

// fastCustom reads the custom_data object at the cursor into c.
func (d *decoder) fastCustom(s *scanner, c *wireCustom) bool {
	if !s.open('{') {
		return false
	}
	contents := false // a non-null contents was read
	for first := true; s.next('}', first); first = false {
		k := s.key()
		if s.bad {
			return false
		}
		var dst *[]byte
		switch string(k) {
		case "value":
			dst = (*[]byte)(&c.Value)
		case "currency":
			dst = (*[]byte)(&c.Currency)
		case "content_type":
			dst = (*[]byte)(&c.ContentType)
		case "content_ids":
			dst = (*[]byte)(&c.ContentIDs)
		case "delivery_category":
			dst = (*[]byte)(&c.DeliveryCategory)
		case "num_items":
			dst = (*[]byte)(&c.NumItems)
		case "order_id":
			dst = (*[]byte)(&c.OrderID)
		case "item_number":
			dst = (*[]byte)(&c.ItemNumber)
		case "event_source":
			dst = (*[]byte)(&c.EventSource)
		case "lead_event_source":
			dst = (*[]byte)(&c.LeadEventSource)
		case "contents":
			// A repeated contents is left to encoding/json, except
			// after a null.
			if contents {
				return s.fail()
			}
			if s.peek() == 'n' {
				s.literal("null")
				continue
			}
			contents = true
			if !s.open('[') {
				return false
			}
			start := len(d.contents)
			for f := true; s.next(']', f); f = false {
				d.contents = append(d.contents, wireContent{})
				if !fastContent(s, &d.contents[len(d.contents)-1]) {
					return false
				}
			}
			c.Contents = d.contents[start:len(d.contents):len(d.contents)]
			continue
		default:
			if foldsTo(k, "value", "currency", "content_type", "content_ids", "delivery_category",
				"num_items", "order_id", "item_number", "contents", "event_source", "lead_event_source") {
				return s.fail()
			}
			s.skip(4)
			continue
		}
		*dst = s.value(4)
	}
	return !s.bad
}

func fastContent(s *scanner, it *wireContent) bool {
	if !s.open('{') {
		return false
	}
	for first := true; s.next('}', first); first = false {
		k := s.key()
		if s.bad {
			return false
		}
		var dst *[]byte
		switch string(k) {
		case "id":
			dst = (*[]byte)(&it.ID)
		case "quantity":
			dst = (*[]byte)(&it.Quantity)
		case "item_price":
			dst = (*[]byte)(&it.ItemPrice)
		case "delivery_category":
			dst = (*[]byte)(&it.DeliveryCategory)
		default:
			if foldsTo(k, "id", "quantity", "item_price", "delivery_category") {
				return s.fail()
			}
			s.skip(6)
			continue
		}
		*dst = s.value(6)
	}
	return !s.bad
}

// foldsTo reports whether k matches one of names only case-insensitively,
// as encoding/json would match it (the case the fast path leaves to it).
func foldsTo(k []byte, names ...string) bool {
	for _, n := range names {
		if bytes.EqualFold(k, []byte(n)) {
			return true
		}
	}
	return false
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

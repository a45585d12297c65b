package capitest

import (
	"bytes"
	"encoding/json"
	"unsafe"
)

// The fast path: a request body that json.Valid accepted is walked by hand,
// its fields taken as sub-slices of the body, without reflection and
// without a map per event. It handles only the shape capi-upload and the
// SDKs send (exact field names, objects where objects belong, keys without
// escapes); on anything else it gives up and the request takes the
// encoding/json path, which also words the error. Either way the same
// checks (checkEvent) then run, so the fast path decides nothing itself.

// member is one name/value pair of a JSON object; both are sub-slices of
// the request body.
type member struct {
	key string
	val json.RawMessage
}

// skipSpace returns b without leading JSON whitespace.
func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// valueLen returns the length of the JSON value at the start of b, which
// must be valid JSON (json.Valid held for the whole body).
func valueLen(b []byte) int {
	switch b[0] {
	case '"':
		return stringLen(b)
	case '{', '[':
		depth := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '"':
				i += stringLen(b[i:]) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i, c := range b {
			switch c {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return len(b)
	}
}

// stringLen returns the length of the JSON string at the start of b,
// quotes included.
func stringLen(b []byte) int {
	i := 1
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for k := i - 1; k >= 1 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
		i++
	}
}

// members calls f with each member of the valid JSON object obj, in order,
// until f returns false. It reports false when obj is not an object, a key
// holds an escape, or f returned false. The key aliases obj, which must
// not change while the key is in use.
func members(obj []byte, f func(key string, val json.RawMessage) bool) bool {
	obj = skipSpace(obj)
	if len(obj) == 0 || obj[0] != '{' {
		return false
	}
	rest := skipSpace(obj[1:])
	if len(rest) > 0 && rest[0] == '}' {
		return true
	}
	for len(rest) > 0 {
		n := stringLen(rest)
		raw := rest[1 : n-1]
		if bytes.IndexByte(raw, '\\') >= 0 {
			return false
		}
		rest = skipSpace(rest[n:])
		rest = skipSpace(rest[1:]) // ':'
		m := valueLen(rest)
		if !f(unsafe.String(unsafe.SliceData(raw), len(raw)), rest[:m:m]) {
			return false
		}
		rest = skipSpace(rest[m:])
		if len(rest) == 0 || rest[0] != ',' {
			return true
		}
		rest = skipSpace(rest[1:])
	}
	return true
}

// elements calls f with each element of the valid JSON array arr until f
// returns false, and reports false when arr is not an array or f returned
// false.
func elements(arr []byte, f func(val json.RawMessage) bool) bool {
	arr = skipSpace(arr)
	if len(arr) == 0 || arr[0] != '[' {
		return false
	}
	rest := skipSpace(arr[1:])
	if len(rest) > 0 && rest[0] == ']' {
		return true
	}
	for len(rest) > 0 {
		m := valueLen(rest)
		if !f(rest[:m:m]) {
			return false
		}
		rest = skipSpace(rest[m:])
		if len(rest) == 0 || rest[0] != ',' {
			return true
		}
		rest = skipSpace(rest[1:])
	}
	return true
}

// fastBody decodes a JSON body whose data is an array of event objects.
// ok is false when the body needs the encoding/json path.
func fastBody(body []byte) (p params, events []wireEvent, ok bool) {
	if !json.Valid(body) {
		return p, nil, false
	}
	ok = members(body, func(k string, v json.RawMessage) bool {
		var dst *string
		switch k {
		case "data":
			events = events[:0]
			return elements(v, func(ev json.RawMessage) bool {
				events = append(events, wireEvent{})
				return fastEvent(ev, &events[len(events)-1])
			})
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
			return !foldsTo(k, "data", "access_token", "appsecret_proof", "test_event_code", "partner_agent", "upload_tag", "namespace_id")
		}
		if string(v) == "null" {
			return true // encoding/json leaves the string as it was
		}
		s, isStr := str(v)
		*dst = s
		return isStr
	})
	return p, events, ok && events != nil
}

// fastEvent fills e from one element of data; false sends the request to
// the encoding/json path.
func fastEvent(raw json.RawMessage, e *wireEvent) bool {
	seenUser := false
	return members(raw, func(k string, v json.RawMessage) bool {
		switch k {
		case "event_name":
			e.EventName = v
		case "event_time":
			e.EventTime = v
		case "action_source":
			e.ActionSource = v
		case "event_id":
			e.EventID = v
		case "event_source_url":
			e.EventSourceURL = v
		case "data_processing_options":
			e.DPO = v
		case "data_processing_options_country":
			e.DPOCountry = v
		case "data_processing_options_state":
			e.DPOState = v
		case "user_data":
			// A repeated user_data or custom_data is merged by
			// encoding/json; leave that to it.
			if seenUser {
				return false
			}
			seenUser = true
			if string(v) == "null" {
				return true
			}
			e.hasUser = true
			return members(v, func(k string, v json.RawMessage) bool {
				for _, m := range e.user {
					if m.key == k {
						return false // a repeated key: the map keeps the last
					}
				}
				e.user = append(e.user, member{k, v})
				return true
			})
		case "custom_data":
			if e.CustomData != nil || string(v) == "null" {
				return e.CustomData == nil
			}
			e.CustomData = new(wireCustom)
			return fastCustom(v, e.CustomData)
		default:
			return !foldsTo(k, "event_name", "event_time", "action_source", "event_id", "event_source_url",
				"data_processing_options", "data_processing_options_country", "data_processing_options_state",
				"user_data", "custom_data")
		}
		return true
	})
}

func fastCustom(raw json.RawMessage, c *wireCustom) bool {
	return members(raw, func(k string, v json.RawMessage) bool {
		switch k {
		case "value":
			c.Value = v
		case "currency":
			c.Currency = v
		case "content_type":
			c.ContentType = v
		case "content_ids":
			c.ContentIDs = v
		case "delivery_category":
			c.DeliveryCategory = v
		case "num_items":
			c.NumItems = v
		case "order_id":
			c.OrderID = v
		case "item_number":
			c.ItemNumber = v
		case "contents":
			if c.Contents != nil || string(v) == "null" {
				return c.Contents == nil
			}
			c.Contents = []wireContent{}
			return elements(v, func(it json.RawMessage) bool {
				c.Contents = append(c.Contents, wireContent{})
				return fastContent(it, &c.Contents[len(c.Contents)-1])
			})
		default:
			return !foldsTo(k, "value", "currency", "content_type", "content_ids", "delivery_category",
				"num_items", "order_id", "item_number", "contents")
		}
		return true
	})
}

func fastContent(raw json.RawMessage, it *wireContent) bool {
	return members(raw, func(k string, v json.RawMessage) bool {
		switch k {
		case "id":
			it.ID = v
		case "quantity":
			it.Quantity = v
		case "item_price":
			it.ItemPrice = v
		case "delivery_category":
			it.DeliveryCategory = v
		default:
			return !foldsTo(k, "id", "quantity", "item_price", "delivery_category")
		}
		return true
	})
}

// foldsTo reports whether k matches one of names only case-insensitively,
// as encoding/json would match it (the case the fast path leaves to it).
func foldsTo(k string, names ...string) bool {
	for _, n := range names {
		if bytes.EqualFold([]byte(k), []byte(n)) {
			return true
		}
	}
	return false
}

package capi

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// DeriveEventID returns a stable event_id for an event whose config maps
// none: the first 128 bits, in hex (32 characters), of a SHA-256 over the
// event's name, time, hashed customer keys and custom data. It never uses
// the file name or row number, so the same sale exported again, in another
// file or order, gets the same id, Meta deduplicates it, and two identical
// rows within a run are one event. The user_data values hashed are already
// SHA-256 digests, so the id reveals nothing the request does not carry.
func DeriveEventID(e *Event) string {
	var stack [1024]byte
	b := append(stack[:0], "capi-upload/v1\x00"...)
	b = append(b, e.EventName...)
	b = append(b, 0)
	b = strconv.AppendInt(b, e.EventTime, 10)
	b = append(b, 0)
	for i, vs := range &e.UserData {
		if len(vs) == 0 {
			continue
		}
		b = append(b, UserKeys[i]...)
		b = append(b, '=')
		for _, v := range vs {
			b = append(b, v...)
			b = append(b, 1)
		}
		b = append(b, 0)
	}
	for _, f := range e.CustomData.sorted() {
		b = appendString(b, f.Key)
		b = append(b, ':')
		b = appendValue(b, f.Value)
		b = append(b, 0)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

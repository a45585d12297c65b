package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Hash returns the SHA-256 of the UTF-8 bytes of normalized as 64
// lower-case hex digits, the form Meta expects for hashed customer
// information. A value that already is 64 hex digits is taken for a hash
// made upstream and returned lower-cased instead of being hashed again
// (README "Customer information": "a value that already is 64 hex characters is sent as it is");
// this also makes Hash idempotent. 32-hex values (MD5 length) are hashed
// like any other value: a loyalty number can look like that.
func Hash(normalized string) string {
	if IsSHA256Hex(normalized) {
		return strings.ToLower(normalized)
	}
	sum := sha256.Sum256([]byte(normalized))
	var out [64]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// appendHash appends Hash(normalized) to dst without allocating: Map
// builds all of a row's values into one buffer.
func appendHash(dst []byte, normalized string) []byte {
	if IsSHA256Hex(normalized) {
		for i := 0; i < len(normalized); i++ {
			c := normalized[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	sum := sha256.Sum256([]byte(normalized))
	return hex.AppendEncode(dst, sum[:])
}

// IsSHA256Hex reports whether s is exactly 64 hex digits, either case.
func IsSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

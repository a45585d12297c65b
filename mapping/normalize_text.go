package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName returns a first or last name (fn, ln) in the form Meta
// hashes: Unicode NFC, lower-case, without punctuation, symbols or any
// whitespace; letters with accents and letters of other scripts are kept
// in UTF-8 ("Valéry" → "valéry", "O'Brien" → "obrien", "Mary Ann" →
// "maryann"). Input in decomposed form (NFD) gives the same result.
// A value with no letter or digit left is refused as "empty".
func NormalizeName(s string) (string, error) {
	return foldTextKey("fn", s)
}

// NormalizeCity returns a city (ct) in the form Meta hashes; the rule is
// the one of NormalizeName ("São Paulo" → "sãopaulo", "St. Louis" →
// "stlouis").
func NormalizeCity(s string) (string, error) {
	return foldTextKey("ct", s)
}

func foldTextKey(key, s string) (string, error) {
	out := foldText(s)
	if out == "" {
		return "", &ValueError{Key: key, Code: "empty"}
	}
	return out, nil
}

// foldText keeps the letters, marks and digits of s, lower-cased and in
// NFC. ASCII input, the common case, takes a path without allocation
// when s is already folded; TestFoldTextFastPathMatchesSlow checks that
// it agrees with the general path.
func foldText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return foldTextSlow(s)
		}
	}
	return foldASCII(s)
}

func foldASCII(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// foldTextSlow is the general path. It composes (NFC) before lower-casing
// so that NFD input folds alike, and once more at the end because removing
// punctuation between a letter and a combining mark can make a new
// composable pair.
func foldTextSlow(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			// Bytes that are not UTF-8 are dropped rather than sent.
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return norm.NFC.String(b.String())
}

package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeEmail returns an email address (em) as Meta hashes it: trimmed
// and lower-cased, with a leading "mailto:" dropped. No other rewriting
// is done (no Gmail dot or "+tag" removal): Meta documents none, and
// doing it would change the hash of addresses other channels send as is.
//
// The address must be plausible, or it is refused as "not_an_email": one
// '@', a non-empty local part, no whitespace or control characters, and a
// domain of non-empty dot-separated labels whose last label (the TLD) has
// at least two letters (or is an "xn--" IDN label). Anything stricter
// would refuse real addresses; this is enough to keep phone numbers,
// names and "n/a" out of em.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	if s == "" {
		return "", &ValueError{Key: "em", Code: "empty"}
	}
	s = lowerFast(s)
	if !plausibleEmail(s) {
		return "", &ValueError{Key: "em", Code: "not_an_email"}
	}
	return s, nil
}

// lowerFast is strings.ToLower without an allocation when s has no
// upper-case ASCII letter and is ASCII.
func lowerFast(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func plausibleEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 {
		return false
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" {
			return false
		}
	}
	tld := domain[dot+1:]
	if strings.HasPrefix(tld, "xn--") && len(tld) > 4 {
		return true
	}
	n := 0
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	return n >= 2
}

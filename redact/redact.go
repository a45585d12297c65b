// Package redact removes secrets (the access token, the app secret) from
// text bound for a log, an error message or a report.
package redact

import "strings"

// shortSecret is the length under which a secret is replaced only where it
// stands alone. Meta's access tokens run to a couple of hundred characters
// and app secrets to 32, so a shorter value cannot be a working one: it is
// a typo or a test value, and replacing it inside every word garbled the
// very message that said so ("the access token is invalid or eREDACTEDpired"
// for a token "x").
const shortSecret = 16

// String returns s with every secret replaced by with. A secret of
// shortSecret bytes or more is replaced wherever it occurs; a shorter one
// where no letter or digit touches it on either side.
func String(s, with string, secrets ...string) string {
	for _, x := range secrets {
		switch {
		case x == "" || !strings.Contains(s, x):
		case len(x) >= shortSecret:
			s = strings.ReplaceAll(s, x, with)
		default:
			s = replaceStandalone(s, x, with)
		}
	}
	return s
}

func replaceStandalone(s, x, with string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, x)
		if i < 0 {
			break
		}
		end := i + len(x)
		// The byte before is looked up in s, so that a match right after
		// an earlier replacement sees the secret's last byte, as in s.
		at := len(s) - len(rest) + i
		if (at == 0 || !isAlnum(s[at-1])) && (end == len(rest) || !isAlnum(rest[end])) {
			b.WriteString(rest[:i])
			b.WriteString(with)
		} else {
			b.WriteString(rest[:i+1])
			end = i + 1
		}
		rest = rest[end:]
	}
	b.WriteString(rest)
	return b.String()
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

package redact

import (
	"fmt"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	long := "EAAB" + strings.Repeat("x9", 40)
	tests := []struct {
		name, s string
		secrets []string
		want    string
	}{
		{"long secret inside a word", "tok" + long + "en", []string{long}, "tokRen"},
		{"long secret in a URL", "GET /events?access_token=" + long + "&x=1", []string{long}, "GET /events?access_token=R&x=1"},
		{"short secret inside words is left", "the access token is invalid or expired", []string{"x"}, "the access token is invalid or expired"},
		{"short secret standing alone", `"access_token":"x"`, []string{"x"}, `"access_token":"R"`},
		{"short secret at both ends", "x and x", []string{"x"}, "R and R"},
		{"short secret with punctuation", "capitest-token: capitest-token=capitest-token", []string{"capitest-token"}, "R: R=R"},
		{"short secret next to a digit", "abc1 1abc abc", []string{"abc"}, "abc1 1abc R"},
		{"overlapping matches", "aaa a", []string{"aa"}, "aaa a"},
		{"several secrets", "token t0k secret s3c", []string{"t0k", "s3c"}, "token R secret R"},
		{"empty secret", "anything", []string{""}, "anything"},
		{"not present", "nothing here", []string{long, "zz"}, "nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.s, "R", tt.secrets...); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

// FuzzString checks that no secret survives standing alone, and that a
// long one survives nowhere.
func FuzzString(f *testing.F) {
	f.Add("the access token is invalid or expired x", "x")
	f.Add("access_token=capitest-token&", "capitest-token")
	f.Add("aaaa", "aa")
	f.Fuzz(func(t *testing.T, s, secret string) {
		if secret == "" || strings.Contains("#", secret) {
			return
		}
		got := String(s, "#", secret)
		if len(secret) >= shortSecret && strings.Contains(got, secret) {
			t.Fatalf("String(%q, %q) = %q keeps the secret", s, secret, got)
		}
		// Every standalone occurrence in the output is a leak.
		for i := 0; ; {
			j := strings.Index(got[i:], secret)
			if j < 0 {
				break
			}
			at := i + j
			end := at + len(secret)
			if (at == 0 || !isAlnum(got[at-1])) && (end == len(got) || !isAlnum(got[end])) {
				t.Fatalf("String(%q, %q) = %q keeps a standalone secret at %d", s, secret, got, at)
			}
			i = at + 1
		}
	})
}

func ExampleString() {
	msg := "invalid or expired token abc in access_token=abc"
	fmt.Println(String(msg, "[redacted]", "abc"))
	// Output: invalid or expired token [redacted] in access_token=[redacted]
}

package mapping

import (
	"strings"
	"testing"
)

// TestAppendHashMatchesHash checks the buffer form Map uses against Hash,
// including upstream hashes in either case, which are passed through.
func TestAppendHashMatchesHash(t *testing.T) {
	t.Parallel()
	upper := strings.ToUpper(Hash("x"))
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"email", "john_smith@gmail.com"},
		{"utf8", "valéry"},
		{"upstream lower", Hash("x")},
		{"upstream upper", upper},
		{"63 hex", upper[:63]},
		{"long", strings.Repeat("a", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("kept|")
			got := appendHash(prefix, tt.in)
			if string(got) != "kept|"+Hash(tt.in) {
				t.Errorf("appendHash(%q) = %q; want %q", tt.in, got, "kept|"+Hash(tt.in))
			}
		})
	}
}

package web

import (
	"strings"
	"testing"
)

func TestMasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"email", MaskEmail, "jane.doe@gmail.com", "j•••@g•••.com"},
		{"email spaces", MaskEmail, "  John_Smith@Example.co.uk ", "J•••@E•••.uk"},
		{"email no domain", MaskEmail, "jane@", "j•••"},
		{"email no at", MaskEmail, "not an email", "n••• a••• e•••"},
		{"phone US", func(s string) string { return MaskPhone(s, "US") }, "(650) 555-0134", "+1 ••• ••• 0134"},
		{"phone plus", func(s string) string { return MaskPhone(s, "US") }, "+44 20 7946 0958", "+44 ••• ••• 0958"},
		{"phone short", func(s string) string { return MaskPhone(s, "US") }, "12345", "•••"},
		{"phone no region", func(s string) string { return MaskPhone(s, "") }, "617 253 0142", "••• ••• 0142"},
		{"name", MaskName, "Jane Doe", "J••• D•••"},
		{"name accents", MaskName, "Élodie Müller", "É••• M•••"},
		{"name long", MaskName, "a b c d e f", "a••• b••• c••• d••• …"},
		{"empty", MaskName, "  ", ""},
		{"zip", MaskZip, "02134", "02•••"},
		{"zip UK", MaskZip, "SW1A 1AA", "SW•••"},
		{"zip short", MaskZip, "123", "•••"},
		{"id", MaskID, "5849203847101", "•••7101"},
		{"id short", MaskID, "A123", "•••"},
		{"any email", Mask, "x@y.org", "x•••@y•••.org"},
		{"any phone", Mask, "+1 617-253-0142", "+1 ••• ••• 0142"},
		{"any id", Mask, "c03847101.1", "•••01.1"},
		{"any text", Mask, "12 Harvard Ave", "1••• H••• A•••"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(tt.in); got != tt.want {
				t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, in, want string }{
		{"em", "jane.doe@example.com", "j•••@e•••.com"},
		{"ph", "16172530142", "+1 ••• ••• 0142"},
		{"ph", "442079460958", "+44 ••• ••• 0958"},
		{"fn", "jane", "j•••"},
		{"ct", "boston", "b•••"},
		{"zp", "02134", "02•••"},
		{"db", "19970216", "•••"},
		{"external_id", "CUST-0012345", "•••2345"},
		{"lead_id", "123456789012345", "•••2345"},
		{"em", "", ""},
	}
	for _, tt := range tests {
		if got := MaskKey(tt.key, tt.in); got != tt.want {
			t.Errorf("MaskKey(%q, %q) = %q, want %q", tt.key, tt.in, got, tt.want)
		}
	}
}

// FuzzMask checks that no mask gives back a word of its input longer
// than the few characters a mask keeps.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"jane.doe@gmail.com", "+1 617-253-0142", "Jane Doe", "02134", "5849203847101"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []string{Mask(s), MaskEmail(s), MaskPhone(s, "US"), MaskText(s), MaskID(s), MaskZip(s)} {
			for _, w := range strings.Fields(s) {
				if len([]rune(w)) > 7 && strings.Contains(m, w) {
					t.Fatalf("mask of %q = %q shows the word %q", s, m, w)
				}
			}
		}
	})
}

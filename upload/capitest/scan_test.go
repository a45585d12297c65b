package capitest

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

// validJSON is the scanner's verdict on a whole text: one value and
// nothing but whitespace after it.
func validJSON(b []byte) bool {
	s := scanner{b: b}
	return s.skip(0) && s.peek() == 0 && s.i == len(b)
}

// The fast path may skip encoding/json's syntax check only because its
// scanner is as strict: each text below must get json.Valid's verdict.
var syntaxTests = []string{
	``, ` `, `{}`, ` { } `, `[]`, `[ ]`, `{"a":1}`, `{"a":1,}`, `{,}`, `[,]`, `[1,]`, `[1,,2]`, `{"a" 1}`,
	`{"a":}`, `{1:1}`, `{"a":1 "b":2}`, `[1 2]`, `{"a":1}}`, `{"a":1}x`, `{"a":1} {}`, `"abc`, `"a\"`,
	`"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\x"`, `"\/"`, `"\b\f\n\r\t"`, "\"a\tb\"", "\"a\x1fb\"", "\"a\x7fb\"",
	"\"\xff\xfe\"", `"0123456789abcdef0123456789abcdef"`, `"0123456789abcdef\"0123456789abcdef"`,
	`"0123456789abcdef0123456789abcd\\"`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`,
	`1e`, `1e+`, `-1.5e-10`, `+1`, `1x`, `true`, `tru`, `truex`, `false`, `null`, `nul`, `NULL`, `nullnull`,
	"\ufeff{}", "{}\x00", `[[[[[]]]]]`, `[[[[[]]]]`, `{"a":[{"b":{"c":[1,"x",null,true,false,{}]}}]}`,
	"{\"a\":\n\t1\r}", `{"a":1,"a":2}`, `{"":""}`, `{"\u0061":1}`,
}

func TestScannerMatchesValid(t *testing.T) {
	t.Parallel()
	for _, in := range syntaxTests {
		if got, want := validJSON([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("scanner on %q = %v, json.Valid = %v", in, got, want)
		}
	}
}

func TestScannerDepth(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", maxSkipDepth+1) + strings.Repeat("]", maxSkipDepth+1)
	if validJSON([]byte(deep)) {
		t.Errorf("scanner accepted %d levels of nesting, want it to leave them to encoding/json", maxSkipDepth+1)
	}
	ok := strings.Repeat("[", maxSkipDepth) + strings.Repeat("]", maxSkipDepth)
	if !validJSON([]byte(ok)) {
		t.Errorf("scanner refused %d levels of nesting", maxSkipDepth)
	}
}

// FuzzScanner holds the scanner to json.Valid's verdict on any text not
// nested deeper than the scanner walks.
func FuzzScanner(f *testing.F) {
	for _, in := range syntaxTests {
		f.Add([]byte(in))
	}
	f.Add(jsonBody(f, DefaultToken, ev("1"), ev("2", ud("em", "a\"b\\c\u00e9"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := validJSON(b), json.Valid(b)
		if got && !want {
			t.Fatalf("scanner accepted %q, which json.Valid refuses", b)
		}
		if !got && want && !tooDeep(b) {
			t.Fatalf("scanner refused %q, which json.Valid accepts", b)
		}
	})
}

// tooDeep reports whether b opens more brackets at once than the scanner
// walks (counting those inside strings too, which only errs on the safe
// side).
func tooDeep(b []byte) bool {
	depth := 0
	for _, c := range b {
		switch c {
		case '[', '{':
			depth++
			if depth > maxSkipDepth {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// TestHex8 puts every byte value at every position of an otherwise valid
// word: the bit trick must agree with the plain comparison.
func TestHex8(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		want := c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
		for p := range 8 {
			w := []byte("0a9f5b3e")
			w[p] = byte(c)
			if got := hex8(binary.LittleEndian.Uint64(w)); got != want {
				t.Errorf("hex8(%q) = %v, want %v", w, got, want)
			}
			if got := hex64([]byte(strings.Repeat("0", 56) + string(w))); got != want {
				t.Errorf("hex64(...%q) = %v, want %v", w, got, want)
			}
		}
	}
	if hex64([]byte(hashA[:63])) {
		t.Errorf("hex64 accepted 63 digits")
	}
}

// TestSpecial does the same for the bytes that end or escape a string:
// the lowest mark must be at the first such byte, whatever follows it.
func TestSpecial(t *testing.T) {
	t.Parallel()
	isSpecial := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }
	for c := range 256 {
		for p := range 8 {
			for _, fill := range []string{"abcdefgh", "\x00\x00\x00\x00\x00\x00\x00\x00", "\"\\\x1f\xff\"\\\x1f\xff"} {
				w := []byte(fill)
				w[p] = byte(c)
				want := 8 // no special byte
				for i, c := range w {
					if isSpecial(c) {
						want = i
						break
					}
				}
				got := 8
				if m := special(binary.LittleEndian.Uint64(w)); m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != want {
					t.Errorf("first special byte of %q at %d, want %d", w, got, want)
				}
			}
		}
	}
}

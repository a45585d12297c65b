package mapping

import (
	"capi-upload/capi"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestPhoneFastPathMatchesLibrary proves that phoneFastNANP answers
// exactly as the library path would, on generated North American numbers
// with every separator pattern and on near misses.
func TestPhoneFastPathMatchesLibrary(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	seps := []string{"", " ", "-", ".", "(", ")", "  ", " - ", ") "}
	prefixes := []string{"", "1", "+1", "+", "1 ", "+1 ", "+ 1", "0", "11"}
	defaults := []string{"US", "us", "CA", "GB", "", "PR"}
	fast := 0
	for i := range 8000 {
		var b strings.Builder
		b.WriteString(prefixes[rng.IntN(len(prefixes))])
		n := 9 + rng.IntN(3) // 9..11 digits
		for j := range n {
			if rng.IntN(3) == 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			d := byte('0' + rng.IntN(10))
			if j == 0 && i%2 == 0 {
				d = byte('2' + rng.IntN(8))
			}
			b.WriteByte(d)
		}
		s := b.String()
		def := defaults[rng.IntN(len(defaults))]
		got, ok := phoneFastNANP(s, def)
		if !ok {
			continue
		}
		fast++
		want, err := phoneSlow(s, def)
		if err != nil || got != want {
			t.Errorf("phoneFastNANP(%q, %q) = %q; library path = %q, %v", s, def, got, want, err)
		}
	}
	// Random digits are seldom a valid number (an assigned area code and
	// exchange), so a few hundred take the fast path.
	if fast < 400 {
		t.Fatalf("only %d of 8000 generated numbers took the fast path; the test proves little", fast)
	}
}

// TestFoldTextFastPathMatchesSlow checks the ASCII path of foldText
// against the general Unicode one on every short ASCII string shape.
func TestFoldTextFastPathMatchesSlow(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(utf8.RuneSelf))
		}
		s := string(b)
		if got, want := foldASCII(s), foldTextSlow(s); got != want {
			t.Fatalf("foldASCII(%q) = %q, foldTextSlow = %q", s, got, want)
		}
	}
}

// seedAll adds the inputs of the normalizer tables to a fuzz corpus.
func seedAll(f *testing.F, extra ...string) {
	for _, s := range []string{
		"", " ", "John_Smith@gmail.com", " John_Smith@Gmail.com ", "mailto:a@b.co",
		"(650)555-1212", "020 7946 0958", "+44 (0)20 7946 0958", "0049 30 123456",
		"1-800-FLOWERS", "650 555 1212 ext. 12", "Valéry", "Vale\u0301ry", "O'Brien",
		"São Paulo", "St. Louis", "California", "N.Y.", "94025-1234", "SW1A 1AA",
		"M1 1AE", "United States", "USA", "UK", "España", "2/16/1997", "19970216",
		"16/02/1997", "35477", "Female", "Männlich", "0123456789abcdef0123456789abcdef",
		"E323EC626319CA94EE8BFF2E4C87CF613BE6EA19919ED1364124E16807AB3176", "\xff\xfe", "e'\u0301",
	} {
		f.Add(s)
	}
	for _, s := range extra {
		f.Add(s)
	}
}

// checkIdem asserts N(N(x)) == N(x) and the output alphabet.
func checkIdem(t *testing.T, name string, n func(string) (string, error), in string, alphabet func(string) bool) {
	t.Helper()
	out, err := n(in)
	if err != nil {
		return
	}
	if !alphabet(out) {
		t.Fatalf("%s(%q) = %q: outside the documented alphabet", name, in, out)
	}
	again, err := n(out)
	if err != nil || again != out {
		t.Fatalf("%s(%q) = %q, but %s(%q) = %q, %v", name, in, out, name, out, again, err)
	}
}

// isFolded: NFC, nothing that lower-cases further, only letters, marks and digits.
func isFolded(s string) bool {
	if s == "" || !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) || unicode.ToLower(r) != r {
			return false
		}
	}
	return true
}

func isDigits(s string) bool { return isAllDigits(s) }

func FuzzNormalizeEmail(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkIdem(t, "NormalizeEmail", NormalizeEmail, s, func(out string) bool {
			return out == strings.ToLower(out) && strings.Count(out, "@") == 1 && strings.TrimSpace(out) == out
		})
	})
}

func FuzzNormalizePhone(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, def := range []string{"US", "GB", "DE", ""} {
			out, err := NormalizePhone(s, def)
			if err != nil {
				continue
			}
			if !isDigits(out) || len(out) < 3 || len(out) > 17 || out[0] == '0' {
				t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164 digits", s, def, out)
			}
			for _, def2 := range []string{def, "FR"} {
				if again, err := NormalizePhone("+"+out, def2); err != nil || again != out {
					t.Fatalf("NormalizePhone(%q, %q) = %q, but NormalizePhone(%q, %q) = %q, %v", s, def, out, "+"+out, def2, again, err)
				}
			}
		}
	})
}

func FuzzNormalizeName(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkIdem(t, "NormalizeName", NormalizeName, s, isFolded)
		checkIdem(t, "NormalizeCity", NormalizeCity, s, isFolded)
		// NFD input gives the NFC result.
		a, errA := NormalizeName(s)
		b, errB := NormalizeName(norm.NFD.String(s))
		if (errA == nil) != (errB == nil) || a != b {
			t.Fatalf("NormalizeName(%q) = %q, but of its NFD form %q", s, a, b)
		}
	})
}

func FuzzNormalizeState(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []string{"US", "FR", ""} {
			checkIdem(t, "NormalizeState/"+c, func(x string) (string, error) { return NormalizeState(x, c) }, s, isFolded)
		}
	})
}

func FuzzNormalizeZip(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkIdem(t, "NormalizeZip/US", func(x string) (string, error) { return NormalizeZip(x, "US") }, s, func(out string) bool {
			return len(out) == 5 && isDigits(out)
		})
		checkIdem(t, "NormalizeZip/GB", func(x string) (string, error) { return NormalizeZip(x, "GB") }, s, isFolded)
	})
}

func FuzzNormalizeCountry(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkIdem(t, "NormalizeCountry", NormalizeCountry, s, func(out string) bool {
			return len(out) == 2 && 'a' <= out[0] && out[0] <= 'z' && 'a' <= out[1] && out[1] <= 'z'
		})
	})
}

func FuzzNormalizeBirthdate(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, layout := range []string{"auto", "excel", "1/2/2006", "02.01.2006"} {
			checkIdem(t, "NormalizeBirthdate/"+layout, func(x string) (string, error) { return NormalizeBirthdate(x, layout, testNow) }, s, func(out string) bool {
				return len(out) == 8 && isDigits(out) && out >= "19000101" && out <= "20261231"
			})
		}
	})
}

func FuzzNormalizeGender(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkIdem(t, "NormalizeGender", NormalizeGender, s, func(out string) bool { return out == "f" || out == "m" })
		checkIdem(t, "NormalizeCurrency", NormalizeCurrency, s, func(out string) bool {
			return len(out) == 3 && out == strings.ToUpper(out)
		})
		checkIdem(t, "NormalizeExternalID", NormalizeExternalID, s, func(out string) bool { return out == strings.TrimSpace(out) && out != "" })
	})
}

func FuzzHash(f *testing.F) {
	seedAll(f)
	f.Fuzz(func(t *testing.T, s string) {
		h := Hash(s)
		if !IsSHA256Hex(h) || h != strings.ToLower(h) {
			t.Fatalf("Hash(%q) = %q: not 64 lower-case hex", s, h)
		}
		if Hash(h) != h {
			t.Fatalf("Hash(Hash(%q)) != Hash(%q)", s, s)
		}
		for _, key := range capi.UserKeys[:capi.KeyClientIP] { // the unhashed keys: FuzzNormalizeUnhashed
			v, err := NormalizeUserValue(key, s, NormalizeOptions{DefaultCountry: "US", Country: "US", Now: testNow})
			if err == nil && !(IsSHA256Hex(v) && v == strings.ToLower(v)) {
				t.Fatalf("NormalizeUserValue(%q, %q) = %q: not a lower-case SHA-256", key, s, v)
			}
		}
	})
}

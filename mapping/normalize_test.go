package mapping

import (
	"capi-upload/capi"
	"errors"
	"testing"
	"time"
)

// testNow fixes "this year" for birth dates.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type normCase struct {
	name    string
	in      string
	ctx     string // default country, country or layout, per normalizer
	want    string
	code    string // error code expected instead of want
	wantSHA string // optional: Hash(want)
}

// runNorm runs a normalizer table and checks values, error codes and,
// where given, Meta's documented hashes.
func runNorm(t *testing.T, fname string, f func(in, ctx string) (string, error), tests []normCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f(tc.in, tc.ctx)
			if tc.code != "" {
				ve, ok := errors.AsType[*ValueError](err)
				if !ok || ve.Code != tc.code {
					t.Fatalf("%s(%q, %q) = %q, %v; want error code %q", fname, tc.in, tc.ctx, got, err, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%s(%q, %q) = %q, %v; want %q", fname, tc.in, tc.ctx, got, err, tc.want)
			}
			if tc.wantSHA != "" {
				if h := Hash(got); h != tc.wantSHA {
					t.Errorf("Hash(%q) = %s, want %s", got, h, tc.wantSHA)
				}
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeEmail", func(in, _ string) (string, error) { return NormalizeEmail(in) }, []normCase{
		{name: "meta example", in: "John_Smith@gmail.com", want: "john_smith@gmail.com", wantSHA: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
		{name: "spec example", in: " John_Smith@Gmail.com ", want: "john_smith@gmail.com"},
		{name: "mailto", in: "MAILTO:a.b@example.com", want: "a.b@example.com"},
		{name: "plus tag kept", in: "a+news@example.co.uk", want: "a+news@example.co.uk"},
		{name: "unicode domain", in: "Ünal@Beispiel.Dé", want: "ünal@beispiel.dé"},
		{name: "idn tld", in: "a@example.xn--p1ai", want: "a@example.xn--p1ai"},
		{name: "empty", in: "  ", code: "empty"},
		{name: "no at", in: "john.example.com", code: "not_an_email"},
		{name: "two ats", in: "a@b@example.com", code: "not_an_email"},
		{name: "empty local", in: "@example.com", code: "not_an_email"},
		{name: "no dot", in: "a@localhost", code: "not_an_email"},
		{name: "short tld", in: "a@example.c", code: "not_an_email"},
		{name: "digit tld", in: "a@example.123", code: "not_an_email"},
		{name: "empty label", in: "a@example..com", code: "not_an_email"},
		{name: "space inside", in: "john smith@example.com", code: "not_an_email"},
		{name: "n/a", in: "n/a", code: "not_an_email"},
		{name: "phone in email column", in: "650-555-1212", code: "not_an_email"},
	})
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizePhone", NormalizePhone, []normCase{
		{name: "meta example", in: "(650)555-1212", ctx: "US", want: "16505551212", wantSHA: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
		{name: "spec example", in: "(650) 555-1212", ctx: "US", want: "16505551212"},
		{name: "spec gb", in: "020 7946 0958", ctx: "GB", want: "442079460958"},
		{name: "lower-case default", in: "020 7946 0958", ctx: "gb", want: "442079460958"},
		{name: "plus one", in: "+1 650 555 1212", ctx: "GB", want: "16505551212"},
		{name: "leading one", in: "1-650-555-1212", ctx: "US", want: "16505551212"},
		{name: "dots", in: "650.555.1212", ctx: "CA", want: "16505551212"},
		{name: "gb trunk zero in parens", in: "+44 (0)20 7946 0958", ctx: "US", want: "442079460958"},
		{name: "00 prefix", in: "0049 30 123456", ctx: "DE", want: "4930123456"},
		{name: "011 prefix from us", in: "011 44 20 7946 0958", ctx: "US", want: "442079460958"},
		{name: "german mobile national", in: "0151 23456789", ctx: "DE", want: "4915123456789"},
		{name: "french", in: "01 23 45 67 89", ctx: "FR", want: "33123456789"},
		{name: "italian keeps leading zero", in: "+39 06 1234 5678", ctx: "US", want: "390612345678"},
		{name: "extension ext", in: "650 555 1212 ext. 12", ctx: "US", want: "16505551212"},
		{name: "extension x", in: "(650) 555-1212 x3", ctx: "US", want: "16505551212"},
		{name: "vanity letters", in: "1-800-FLOWERS", ctx: "US", want: "18003569377"},
		{name: "e164 without plus foreign", in: "4915123456789", ctx: "US", want: "4915123456789"},
		{name: "e164 without plus same country", in: "442079460958", ctx: "GB", want: "442079460958"},
		{name: "no default needs plus", in: "+442079460958", ctx: "", want: "442079460958"},
		{name: "no default national", in: "020 7946 0958", ctx: "", code: "bad_phone"},
		{name: "local only us", in: "555-1212", ctx: "US", code: "bad_phone"},
		{name: "too short", in: "12", ctx: "US", code: "bad_phone"},
		{name: "too long", in: "+1 650 555 1212 1212 1212", ctx: "US", code: "bad_phone"},
		{name: "words", in: "call me", ctx: "US", code: "bad_phone"},
		{name: "empty", in: " ", ctx: "US", code: "empty"},
		// A German mobile typed into an XLSX number cell loses its '+';
		// read nationally it would double the country code.
		{name: "german mobile lost its plus", in: "4915112345678", ctx: "DE", want: "4915112345678"},
		{name: "placeholder zeros", in: "000-000-0000", ctx: "US", code: "bad_phone"},
		{name: "placeholder ones", in: "1111111111", ctx: "US", code: "bad_phone"},
		{name: "placeholder nines", in: "(999) 999-9999", ctx: "US", code: "bad_phone"},
		{name: "possible but not valid us", in: "(123) 456-7890", ctx: "US", code: "bad_phone"},
		{name: "uk drama range unassigned", in: "07700 900123", ctx: "GB", code: "bad_phone"},
		// Shopify's 13-digit order ids are possible numbers in many
		// countries; read with a US default they are not valid ones.
		{name: "order id", in: "5123456789012", ctx: "US", code: "bad_phone"},
	})
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeName", func(in, _ string) (string, error) { return NormalizeName(in) }, []normCase{
		{name: "meta mary", in: "Mary", want: "mary"},
		{name: "meta accent", in: "Valéry", want: "valéry", wantSHA: "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"},
		{name: "nfd accent", in: "Vale\u0301ry", want: "valéry", wantSHA: "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"},
		{name: "meta hangul", in: "정", want: "정"},
		{name: "apostrophe", in: "O'Brien", want: "obrien"},
		{name: "typographic apostrophe", in: "O’Brien", want: "obrien"},
		{name: "hyphen and space", in: " Anne-Marie  Smith ", want: "annemariesmith"},
		{name: "punctuation between letter and accent", in: "Vale'\u0301ry", want: "valéry"},
		{name: "upper accent", in: "ÉLODIE", want: "élodie"},
		{name: "tab and nbsp", in: "Mary\u00a0Ann\t", want: "maryann"},
		{name: "emoji dropped", in: "Jo😀", want: "jo"},
		{name: "only punctuation", in: "--", code: "empty"},
		{name: "empty", in: "", code: "empty"},
	})
}

func TestNormalizeCity(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeCity", func(in, _ string) (string, error) { return NormalizeCity(in) }, []normCase{
		{name: "spec sao paulo", in: "São Paulo", want: "sãopaulo"},
		{name: "spec st louis", in: "St. Louis", want: "stlouis"},
		{name: "meta new york", in: "New York", want: "newyork"},
		{name: "apostrophe", in: "St. John's", want: "stjohns"},
		{name: "nfd", in: "Zu\u0308rich", want: "zürich"},
		{name: "empty", in: " . ", code: "empty"},
	})
}

func TestNormalizeState(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeState", NormalizeState, []normCase{
		{name: "spec california", in: "California", ctx: "US", want: "ca"},
		{name: "spec ny dots", in: "N.Y.", ctx: "us", want: "ny"},
		{name: "code upper", in: "AZ", ctx: "US", want: "az"},
		{name: "two words", in: "new  hampshire", ctx: "US", want: "nh"},
		{name: "dc", in: "Washington, D.C.", ctx: "US", want: "dc"},
		{name: "puerto rico", in: "Puerto Rico", ctx: "US", want: "pr"},
		{name: "unknown us", in: "Californa", ctx: "US", code: "unknown_state"},
		{name: "country unknown maps us names", in: "Texas", ctx: "", want: "tx"},
		{name: "country unknown other", in: "Bavaria", ctx: "", want: "bavaria"},
		{name: "non-us", in: "Île-de-France", ctx: "FR", want: "îledefrance"},
		{name: "non-us not mapped", in: "California", ctx: "MX", want: "california"},
		{name: "empty", in: "", ctx: "US", code: "empty"},
	})
}

func TestNormalizeZip(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeZip", NormalizeZip, []normCase{
		{name: "spec zip plus 4", in: "94025-1234", ctx: "US", want: "94025"},
		{name: "spec uk", in: "SW1A 1AA", ctx: "GB", want: "sw1a1aa"},
		{name: "meta uk", in: "M1 1AE", ctx: "GB", want: "m11ae"},
		{name: "meta us", in: "94035", ctx: "US", want: "94035"},
		{name: "zip plus 4 no dash", in: "940251234", ctx: "US", want: "94025"},
		{name: "four digits", in: "2134", ctx: "US", want: "02134"},
		{name: "three digits puerto rico", in: "601", ctx: "US", want: "00601"},
		{name: "eight digits zip plus 4", in: "21345678", ctx: "US", want: "02134"},
		{name: "four digits dash", in: "2134-5678", ctx: "US", want: "02134"},
		{name: "spaces", in: " 94025 ", ctx: "us", want: "94025"},
		{name: "us letters", in: "SW1A 1AA", ctx: "US", code: "bad_zip"},
		{name: "us too long", in: "9402512345", ctx: "US", code: "bad_zip"},
		{name: "us short plus4", in: "94025-12", ctx: "US", code: "bad_zip"},
		{name: "polish dash kept together", in: "00-950", ctx: "PL", want: "00950"},
		{name: "unknown country", in: "94025-1234", ctx: "", want: "940251234"},
		{name: "empty", in: " ", ctx: "GB", code: "empty"},
	})
}

func TestNormalizeCountry(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeCountry", func(in, _ string) (string, error) { return NormalizeCountry(in) }, []normCase{
		{name: "meta example", in: "United States", want: "us", wantSHA: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"},
		{name: "spec usa", in: "USA", want: "us"},
		{name: "spec uk", in: "UK", want: "gb"},
		{name: "alpha2", in: "us", want: "us"},
		{name: "alpha3", in: "GBR", want: "gb"},
		{name: "alpha3 de", in: "deu", want: "de"},
		{name: "dots", in: "U.S.A.", want: "us"},
		{name: "dots us", in: "U.S.", want: "us"},
		{name: "america", in: "America", want: "us"},
		{name: "england", in: "England", want: "gb"},
		{name: "scotland", in: "Scotland", want: "gb"},
		{name: "german name", in: "Deutschland", want: "de"},
		{name: "spanish accent", in: "España", want: "es"},
		{name: "spanish no accent", in: "Espana", want: "es"},
		{name: "french name", in: "Allemagne", want: "de"},
		{name: "english long", in: "united kingdom", want: "gb"},
		{name: "nfd", in: "Co\u0302te d’Ivoire", want: "ci"},
		{name: "user-assigned code", in: "XK", code: "unknown_country"},
		{name: "withdrawn code", in: "DD", code: "unknown_country"},
		{name: "not a country code", in: "EU", code: "unknown_country"},
		{name: "unknown", in: "Atlantis", code: "unknown_country"},
		{name: "numeric", in: "840", code: "unknown_country"},
		{name: "empty", in: "", code: "empty"},
	})
}

func TestNormalizeBirthdate(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeBirthdate", func(in, layout string) (string, error) { return NormalizeBirthdate(in, layout, testNow) }, []normCase{
		{name: "meta example", in: "2/16/1997", ctx: "1/2/2006", want: "19970216", wantSHA: "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"},
		{name: "meta example auto", in: "2/16/1997", ctx: "auto", want: "19970216"},
		{name: "iso layout", in: "1997-02-16", ctx: "2006-01-02", want: "19970216"},
		{name: "already normalized any layout", in: "19970216", ctx: "02/01/2006", want: "19970216"},
		{name: "day first layout", in: "16.02.1997", ctx: "02.01.2006", want: "19970216"},
		{name: "auto iso", in: "1997-02-16", ctx: "", want: "19970216"},
		{name: "auto iso with time", in: "1997-02-16 00:00:00", ctx: "", want: "19970216"},
		{name: "auto rfc3339", in: "1997-02-16T00:00:00Z", ctx: "", want: "19970216"},
		{name: "auto us with time", in: "2/16/1997 0:00", ctx: "", want: "19970216"},
		{name: "auto day first by value", in: "16/02/1997", ctx: "auto", want: "19970216"},
		{name: "auto ambiguous us order", in: "03/04/1990", ctx: "auto", want: "19900304"},
		{name: "auto month name", in: "16 Feb 1997", ctx: "auto", want: "19970216"},
		{name: "auto month name us", in: "February 16, 1997", ctx: "auto", want: "19970216"},
		{name: "auto eight digits", in: "19970216", ctx: "auto", want: "19970216"},
		{name: "excel serial", in: "35477", ctx: "excel", want: "19970216"},
		{name: "excel serial fraction", in: "35477.5", ctx: "excel", want: "19970216"},
		{name: "excel before fake leap day", in: "59", ctx: "excel", want: "19000228"},
		{name: "excel fake leap day", in: "60", ctx: "excel", code: "bad_date"},
		{name: "excel after fake leap day", in: "61", ctx: "excel", want: "19000301"},
		{name: "feb 29 leap year", in: "2000-02-29", ctx: "auto", want: "20000229"},
		{name: "feb 29 common year", in: "2001-02-29", ctx: "auto", code: "bad_date"},
		{name: "feb 29 common year layout", in: "2/29/2001", ctx: "1/2/2006", code: "bad_date"},
		{name: "eight digits invalid day", in: "19970231", ctx: "auto", code: "bad_date"},
		{name: "year 1900", in: "1900-01-01", ctx: "auto", want: "19000101"},
		{name: "year 1899", in: "1899-12-31", ctx: "auto", code: "year_out_of_range"},
		{name: "this year", in: "2026-01-01", ctx: "auto", want: "20260101"},
		{name: "next year", in: "2027-01-01", ctx: "auto", code: "year_out_of_range"},
		{name: "two digit year", in: "2/16/97", ctx: "auto", code: "bad_date"},
		{name: "wrong layout", in: "1997-02-16", ctx: "1/2/2006", code: "bad_date"},
		{name: "garbage", in: "n/a", ctx: "auto", code: "bad_date"},
		{name: "empty", in: "", ctx: "auto", code: "empty"},
	})
}

func TestNormalizeGender(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeGender", func(in, _ string) (string, error) { return NormalizeGender(in) }, []normCase{
		{name: "spec female", in: "Female", want: "f"},
		{name: "f", in: "F", want: "f"},
		{name: "f dot", in: " f. ", want: "f"},
		{name: "woman", in: "WOMAN", want: "f"},
		{name: "german w", in: "w", want: "f"},
		{name: "german weiblich", in: "Weiblich", want: "f"},
		{name: "male", in: "male", want: "m"},
		{name: "m", in: "M", want: "m"},
		{name: "man", in: "Man", want: "m"},
		{name: "mannlich umlaut", in: "Männlich", want: "m"},
		{name: "mannlich nfd", in: "Ma\u0308nnlich", want: "m"},
		{name: "spanish", in: "Hombre", want: "m"},
		{name: "honorific", in: "Mrs.", want: "f"},
		{name: "non-binary", in: "X", code: "unknown_gender"},
		{name: "unknown", in: "unknown", code: "unknown_gender"},
		{name: "empty", in: "", code: "empty"},
	})
}

func TestNormalizeExternalID(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeExternalID", func(in, _ string) (string, error) { return NormalizeExternalID(in) }, []normCase{
		{name: "trim case kept", in: "  AbC-123 ", want: "AbC-123"},
		{name: "inner space kept", in: "A 1", want: "A 1"},
		{name: "empty", in: "\t", code: "empty"},
	})
}

func TestNormalizeCurrency(t *testing.T) {
	t.Parallel()
	runNorm(t, "NormalizeCurrency", func(in, _ string) (string, error) { return NormalizeCurrency(in) }, []normCase{
		{name: "upper", in: "USD", want: "USD"},
		{name: "lower trimmed", in: " eur ", want: "EUR"},
		{name: "cfa franc", in: "XOF", want: "XOF"},
		{name: "gold", in: "XAU", code: "unknown_currency"},
		{name: "no currency", in: "XXX", code: "unknown_currency"},
		{name: "not a code", in: "ABC", code: "unknown_currency"},
		{name: "symbol", in: "$", code: "unknown_currency"},
		{name: "name", in: "dollar", code: "unknown_currency"},
		{name: "empty", in: "", code: "empty"},
	})
}

func TestHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "meta phone", in: "16505551212", want: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
		{name: "meta country", in: "us", want: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"},
		{name: "upper 64 hex passes lower-cased", in: "E323EC626319CA94EE8BFF2E4C87CF613BE6EA19919ED1364124E16807AB3176", want: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
		// 32 hex digits (MD5 length) are hashed: README "Customer information".
		{name: "32 hex hashed", in: "0123456789abcdef0123456789abcdef", want: "3eb1bd439947eb762998e566ccc2e099c791118b2f40579cc4f7da2b5061b7f9"},
		{name: "63 hex hashed", in: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab317", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Hash(tc.in)
			if tc.want == "" {
				if got == tc.in || !IsSHA256Hex(got) {
					t.Fatalf("Hash(%q) = %q, want a fresh SHA-256", tc.in, got)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("Hash(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeUserValue(t *testing.T) {
	t.Parallel()
	opt := NormalizeOptions{DefaultCountry: "US", Country: "US", DateLayout: "1/2/2006", Now: testNow}
	const upperHash = "62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F"
	tests := []struct {
		name, key, in string
		opt           NormalizeOptions
		want          string
		code          string
	}{
		{name: "em", key: "em", in: "John_Smith@gmail.com", opt: opt, want: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
		{name: "ph", key: "ph", in: "(650)555-1212", opt: opt, want: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"},
		{name: "country", key: "country", in: "United States", opt: opt, want: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"},
		{name: "db", key: "db", in: "2/16/1997", opt: opt, want: "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"},
		{name: "ln", key: "ln", in: "Valéry", opt: opt, want: "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"},
		{name: "upper 64 hex passthrough", key: "em", in: " " + upperHash + " ", opt: opt, want: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
		{name: "32 hex external id hashed", key: "external_id", in: "0123456789abcdef0123456789abcdef", opt: opt, want: Hash("0123456789abcdef0123456789abcdef")},
		{name: "32 hex is not an email", key: "em", in: "0123456789abcdef0123456789abcdef", opt: opt, code: "not_an_email"},
		{name: "external id hashed case kept", key: "external_id", in: " AbC ", opt: opt, want: Hash("AbC")},
		{name: "external id no hash", key: "external_id", in: " AbC ", opt: NormalizeOptions{NoHash: true}, want: "AbC"},
		{name: "external id no hash keeps hex case", key: "external_id", in: upperHash, opt: NormalizeOptions{NoHash: true}, want: upperHash},
		{name: "st uses row country", key: "st", in: "Bavaria", opt: NormalizeOptions{Country: "DE"}, want: Hash("bavaria")},
		{name: "zp uses row country", key: "zp", in: "2134", opt: opt, want: Hash("02134")},
		{name: "ln error names ln", key: "ln", in: "--", opt: opt, code: "empty"},
		{name: "bad phone", key: "ph", in: "12", opt: opt, code: "bad_phone"},
		{name: "unknown key", key: "zz", in: "x", opt: opt, code: "unknown_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeUserValue(tc.key, tc.in, tc.opt)
			if tc.code != "" {
				ve, ok := errors.AsType[*ValueError](err)
				if !ok || ve.Code != tc.code || ve.Key != tc.key {
					t.Fatalf("NormalizeUserValue(%q, %q) = %q, %v; want error %s: %s", tc.key, tc.in, got, err, tc.key, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeUserValue(%q, %q) = %q, %v; want %q", tc.key, tc.in, got, err, tc.want)
			}
		})
	}
}

// TestValueErrorHoldsNoValue guards the README's rule that errors carry no
// customer data.
func TestValueErrorHoldsNoValue(t *testing.T) {
	t.Parallel()
	const secret = "zelda.secret@example"
	for _, key := range capi.UserKeys {
		_, err := NormalizeUserValue(key, secret, NormalizeOptions{DefaultCountry: "US", Country: "US", Now: testNow})
		if err == nil {
			continue
		}
		if msg := err.Error(); contains(msg, "zelda") {
			t.Errorf("key %s: error %q holds the value", key, msg)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

package mapping

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone returns the phone number s in E.164 form without the
// leading '+' (country code, then the national significant number), as
// Meta asks for ph: "digits only, with country code, no leading zeros"
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters).
//
// s is read by github.com/nyaruka/phonenumbers with defaultCountry (ISO
// 3166-1 alpha-2, any case; "" means numbers must carry their own
// country code), so "+44", "0044" and, from a US default, "011 44" are
// international prefixes, national trunk prefixes ("0" in "020 …", "(0)"
// in "+44 (0)20 …") are dropped, extensions ("ext. 12", "x12") are
// removed, and vanity letters ("1-800-FLOWERS") become digits.
//
// A number is accepted only when the library judges it valid for its
// country (assigned to a known range), not merely possible (of a length
// the numbering plan allows): a placeholder such as 000-000-0000 or
// 555-555-5555, or an order id that happens to have a phone's length, is
// possible in many countries, and sending it would match a stranger or
// nobody. Local-only numbers (a US number without its area code) are
// refused: their E.164 form cannot be known.
//
// Export tools often drop the '+' of international numbers; a digits-only
// value that is not a possible number for defaultCountry is therefore
// read once more as international, and kept only if that gives a valid
// number.
//
// Because the result has no '+', NormalizePhone is idempotent in this
// form: NormalizePhone("+"+out, any) == out, and NormalizePhone(out, c) ==
// out when out is a number of country c.
func NormalizePhone(s, defaultCountry string) (string, error) {
	if out, ok := phoneFastNANP(s, defaultCountry); ok {
		return out, nil
	}
	return phoneSlow(s, defaultCountry)
}

var errBadPhone = &ValueError{Key: "ph", Code: "bad_phone"}

// maxE164Digits is the longest number ITU-T E.164 allows.
const maxE164Digits = 15

// phoneSlow is the reference path through the phone-number library.
func phoneSlow(s, defaultCountry string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "ph", Code: "empty"}
	}
	region := strings.ToUpper(defaultCountry)
	if d, ok := bareDigits(s); ok && oneDigitRepeated(d) {
		return "", errBadPhone
	}
	d, digitsOnly := bareDigits(s)
	intl := digitsOnly && len(d) >= 8 && len(d) <= 15 && d[0] != '0'
	// A number that lost its '+' (a spreadsheet cell typed as a number)
	// and starts with its own country's code reads as international
	// first: in countries with numbers of many lengths (Germany) the
	// national reading of 4915112345678 is valid too, and would double
	// the country code.
	if intl && region != "" && strings.HasPrefix(d, strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))) {
		if out, ok := phoneParse("+"+d, region); ok {
			return out, nil
		}
	}
	if out, ok := phoneParse(s, region); ok {
		return out, nil
	}
	if intl {
		if out, ok := phoneParse("+"+d, region); ok {
			return out, nil
		}
	}
	return "", errBadPhone
}

// oneDigitRepeated reports placeholder numbers such as 0000000000 or
// 9999999999, whatever separators they were typed with.
func oneDigitRepeated(d string) bool {
	return len(d) >= 6 && strings.Count(d, d[:1]) == len(d)
}

func phoneParse(s, region string) (string, bool) {
	var n phonenumbers.PhoneNumber
	if err := phonenumbers.ParseToNumber(s, region, &n); err != nil {
		return "", false
	}
	if phonenumbers.IsPossibleNumberWithReason(&n) != phonenumbers.IS_POSSIBLE {
		return "", false
	}
	if !phonenumbers.IsValidNumber(&n) {
		return "", false
	}
	out := phonenumbers.Format(&n, phonenumbers.E164)
	// E.164 caps a number at 15 digits, country code included; the
	// library calls some longer strings "possible" (fuzzing found
	// "00810010000000000000" read as an 18-digit Japanese number).
	if len(out)-1 > maxE164Digits {
		return "", false
	}
	// The library can read its own E.164 output differently: with a
	// national number that starts like a trunk prefix ("+49 0…") it
	// strips the prefix on the second reading. Such a number is not a
	// stable identity for matching, so it is refused; real numbers pass.
	// The second reading costs as much as the first, and it can only
	// differ when the country's national-prefix pattern matches the start
	// of the national number, so it is done only then.
	if mayReadBackOtherwise(&n) {
		var again phonenumbers.PhoneNumber
		if err := phonenumbers.ParseToNumber(out, "", &again); err != nil || phonenumbers.Format(&again, phonenumbers.E164) != out {
			return "", false
		}
	}
	return strings.TrimPrefix(out, "+"), len(out) > 1
}

// mayReadBackOtherwise reports whether parsing n's E.164 form could give
// another number. Reading "+CC NSN" extracts the same country code (codes
// are prefix-free), and the library then changes NSN only when the
// national prefix for parsing of that code's main region (or its
// non-geographic entity) matches at NSN's start: when it does not, the
// reading is the same number. Unknown codes answer true, so the check
// falls back to reading back. TestPhoneReadBackSkipMatchesLibrary checks
// this on generated numbers of many countries.
func mayReadBackOtherwise(n *phonenumbers.PhoneNumber) bool {
	re, known := nationalPrefixes()[n.GetCountryCode()]
	if !known {
		return true
	}
	return re != nil && re.MatchString(phonenumbers.GetNationalSignificantNumber(n))
}

// nationalPrefixes maps each country calling code to its anchored
// national-prefix-for-parsing pattern (nil when it has none), taken from
// the metadata the library parses with: the main region of the code, or
// the non-geographic entity ("001") for codes such as 800 and 882.
var nationalPrefixes = sync.OnceValue(func() map[int32]*regexp.Regexp {
	out := map[int32]*regexp.Regexp{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return out // every number is read back
	}
	for _, md := range coll.GetMetadata() {
		cc := md.GetCountryCode()
		id := md.GetId()
		if id != "001" && phonenumbers.GetRegionCodeForCountryCode(int(cc)) != id {
			continue // not the region the library reads this code by
		}
		var re *regexp.Regexp
		if p := md.GetNationalPrefixForParsing(); p != "" {
			re, err = regexp.Compile("^(?:" + p + ")")
			if err != nil {
				continue // unknown: read back
			}
		}
		out[cc] = re
	}
	return out
})

// bareDigits returns the digits of s when s holds nothing but digits and
// the separators people type between them.
func bareDigits(s string) (string, bool) {
	var buf [32]byte
	d := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if len(d) == len(buf) {
				return "", false
			}
			d = append(d, c)
		case isPhoneSeparator(c):
		default:
			return "", false
		}
	}
	return string(d), len(d) > 0
}

func isPhoneSeparator(c byte) bool {
	switch c {
	case ' ', '\t', '-', '.', '(', ')', '/':
		return true
	}
	return false
}

// phoneFastNANP handles, without the library's regular expressions (slow:
// bench/README.md, "Figures"), the shape most rows of a North American export have: a
// ten-digit number with a proper area code and exchange (first digits
// 2-9), preceded by nothing, "1" or "+1", with the usual separators. For
// those the library's answer is known: country code 1 and the ten digits,
// always possible. Anything else (other countries, extensions, letters,
// 011 prefixes, odd area codes) goes the slow path;
// TestPhoneFastPathMatchesLibrary checks that the two agree.
func phoneFastNANP(s, defaultCountry string) (string, bool) {
	var buf [12]byte
	buf[0] = '1'
	d := buf[1:1]
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if len(d) == 11 {
				return "", false
			}
			d = append(d, c)
		case c == '+' && len(d) == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	var out string
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '2' && d[4] >= '2':
		// "+1 650 …" needs no default country; "1 650 …" does.
		if plus || isNANPRegion(defaultCountry) {
			out = string(d)
		}
	case len(d) == 10 && !plus && d[0] >= '2' && d[3] >= '2' && isNANPRegion(defaultCountry):
		out = string(buf[:11])
	}
	if out == "" {
		return "", false
	}
	// Parsing is what costs; judging validity of a number already split
	// into country code and national number is cheap.
	if !validNANP(out[1:]) {
		return "", false // the slow path may still read it as international
	}
	return out, true
}

func isNANPRegion(c string) bool {
	return len(c) == 2 && (c[0]|0x20 == 'u' && c[1]|0x20 == 's' || c[0]|0x20 == 'c' && c[1]|0x20 == 'a')
}

package mapping

import "strings"

// NormalizeZip returns a postal code (zp) as Meta hashes it: lower-case,
// without spaces, dashes or other punctuation ("SW1A 1AA" → "sw1a1aa",
// "M1 1AE" → "m11ae"). Dashes are removed, not cut at, because in many
// countries they sit inside the code (PL "00-950").
//
// For the United States (country "us", any case) it is the five-digit ZIP:
// ZIP+4 with or without the dash is cut to five digits, and a value of
// three or four digits (or eight, for ZIP+4) gets back the leading zeros
// a spreadsheet took for a number's ("2134" → "02134", "601" → "00601",
// Puerto Rico). Any other US value is refused as "bad_zip".
func NormalizeZip(s, country string) (string, error) {
	if len(country) == 2 && country[0]|0x20 == 'u' && country[1]|0x20 == 's' {
		return usZip(s)
	}
	k := foldText(s)
	if k == "" {
		return "", &ValueError{Key: "zp", Code: "empty"}
	}
	return k, nil
}

func usZip(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "zp", Code: "empty"}
	}
	bad := &ValueError{Key: "zp", Code: "bad_zip"}
	// ZIP+4 with a dash: judge the two parts separately, so "2134-5678"
	// (which a spreadsheet kept as text) pads only the ZIP.
	if head, tail, ok := strings.Cut(s, "-"); ok {
		h, okh := asciiDigits(head)
		t, okt := asciiDigits(tail)
		if !okh || !okt || len(t) != 4 || len(h) < 3 || len(h) > 5 {
			return "", bad
		}
		return strings.Repeat("0", 5-len(h)) + h, nil
	}
	d, ok := asciiDigits(s)
	if !ok {
		return "", bad
	}
	switch len(d) {
	case 3, 4, 5:
		return strings.Repeat("0", 5-len(d)) + d, nil
	case 8:
		return "0" + d[:4], nil
	case 9:
		return d[:5], nil
	}
	return "", bad
}

// asciiDigits returns the digits of s with spaces removed, or false if s
// holds anything else.
func asciiDigits(s string) (string, bool) {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			clean = false
		} else if c < '0' || c > '9' {
			return "", false
		}
	}
	if clean {
		return s, true
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s), true
}

package mapping

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	errDecimal = errors.New("not an amount")
	errCount   = errors.New("not a whole number")
)

// parseDecimal reads a money amount as cash registers and spreadsheets
// export it: "1,234.50", "1.234,50" (dec ','), "$ 12.50", "12,50 €",
// "USD 9.99", "1'234.50", "(5.00)" or "5.00-" (negative). Thousands
// separators must group three digits, so "12,5" with dec '.' is an error
// rather than 125: a wrong decimal setting must not multiply revenue.
func parseDecimal(s string, dec byte) (float64, error) {
	s = strings.TrimSpace(s)
	if isPlainNumber(s, dec) {
		// The common case: no separators, symbols or signs to strip.
		return strconv.ParseFloat(s, 64)
	}
	var buf [64]byte
	out := buf[:0]
	neg := false
	thousands := byte(',')
	if dec == ',' {
		thousands = '.'
	}
	// Strip currency symbols, codes and spaces around the number.
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) || r < utf8.RuneSelf && unicode.IsLetter(r)
	})
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) })
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = !neg, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasSuffix(s, "-"):
		neg, s = !neg, s[:len(s)-1]
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) })
	if neg {
		out = append(out, '-')
	}
	groupLen, groups, digits, seenDec := 0, 0, 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if len(out) >= len(buf)-1 {
				return 0, errDecimal
			}
			out = append(out, byte(r))
			digits++
			groupLen++
		case r == rune(dec) && !seenDec:
			if groups > 0 && groupLen != 3 {
				return 0, errDecimal
			}
			seenDec = true
			out = append(out, '.')
			groupLen = 0
		case !seenDec && (r == rune(thousands) || r == '\'' || r == '’' || unicode.IsSpace(r)):
			if (groups == 0 && (groupLen < 1 || groupLen > 3)) || (groups > 0 && groupLen != 3) {
				return 0, errDecimal
			}
			groups++
			groupLen = 0
		default:
			return 0, errDecimal
		}
	}
	if digits == 0 || (!seenDec && groups > 0 && groupLen != 3) {
		return 0, errDecimal
	}
	v, err := strconv.ParseFloat(string(out), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errDecimal
	}
	return v, nil
}

// isPlainNumber reports whether s is digits with at most one '.' decimal
// point and an optional leading '-', which strconv reads as it is.
func isPlainNumber(s string, dec byte) bool {
	if s == "" || dec != '.' || len(s) > 30 {
		return false
	}
	i, digits, dot := 0, 0, false
	if s[0] == '-' {
		i = 1
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// parseCount reads num_items: a whole number, "3" or "3.0" as a
// spreadsheet may store it, not negative.
func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, errCount
		}
		return n, nil
	}
	f, err := parseDecimal(s, '.')
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, errCount
	}
	return int(f), nil
}

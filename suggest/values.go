package suggest

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var (
	emailRE = regexp.MustCompile(`^(?i:mailto:)?[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	hashRE  = regexp.MustCompile(`^[0-9A-Fa-f]{64}$`)
	// phoneExtRE matches the extension cashiers type after a number.
	phoneExtRE = regexp.MustCompile(`(?i)\s*(ext\.?|extension|x|#|durchwahl|poste)\s*\d{1,6}$`)
	// A money amount: optional sign and symbol, digits with optional
	// thousands groups, optional decimals.
	moneyRE = regexp.MustCompile(`^[-+(]?\d{1,3}(?:[.,' ]\d{3})*(?:[.,]\d{1,2})?\)?-?$|^[-+(]?\d+(?:[.,]\d{1,2})?\)?-?$`)
	// commaDecimalRE and dotDecimalRE tell the decimal separator apart;
	// "1.234" and "1,234" match neither, because they could be either.
	commaDecimalRE = regexp.MustCompile(`^-?(?:\d{1,3}(?:\.\d{3})+|\d+),\d{1,2}$|^-?\d{1,3}(?:\.\d{3}){2,}$`)
	dotDecimalRE   = regexp.MustCompile(`^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.(?:\d{1,2}|\d{4,})$|^-?\d{1,3}(?:,\d{3}){2,}$`)
	idRE           = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-./#:]{0,63}$`)
)

func isEmail(s string) bool { return emailRE.MatchString(s) }
func isHash(s string) bool  { return hashRE.MatchString(s) }

// isPhone reports whether s looks like a phone number: 7 to 15 digits
// with only the separators people type, an optional leading + and an
// optional extension. A bare run of digits counts only from 10 digits up,
// so receipt numbers and zips are not taken for phones; a slash rules a
// value out, so dates are not either.
func isPhone(s string) bool {
	s = phoneExtRE.ReplaceAllString(s, "")
	digits, seps := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
			seps++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
			seps++
		default:
			return false
		}
	}
	if digits < 7 || digits > 15 {
		return false
	}
	return seps > 0 || digits >= 10
}

// stripMoney drops currency symbols and codes around an amount ("$ 12.50",
// "12,50 €", "USD 9.99"), as the mapping's reader does.
func stripMoney(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) || (r < 128 && unicode.IsLetter(r))
	})
}

func isMoney(s string) bool { return moneyRE.MatchString(stripMoney(s)) }

// decimalOf returns ',' or '.' when s shows its decimal separator, else 0.
func decimalOf(s string) byte {
	s = stripMoney(s)
	switch {
	case commaDecimalRE.MatchString(s):
		return ','
	case dotDecimalRE.MatchString(s):
		return '.'
	}
	return 0
}

// excelSerial reads s as an Excel date serial between 1954 and 2119, the
// range in which a number in a date column is a date and not a count.
func excelSerial(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 20000 || f > 80000 {
		return 0, false
	}
	return f, true
}

// unixSeconds reads s as Unix seconds from 2001 to 2033 (ten digits).
func unixSeconds(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && len(s) == 10 && n >= 1e9 && n < 2e9
}

func unixMillis(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && len(s) == 13 && n >= 1e12 && n < 2e12
}

// timeLayouts are the layouts exports write times in, month-first before
// day-first: when no day above 12 tells them apart, the order decides
// (and proposeTime reorders for countries that write the day first).
var timeLayouts = []string{
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 -07:00", "2006-01-02 15:04 -0700",
	"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02",
	"01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006 3:04 PM", "01/02/2006",
	"1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/2006 3:04 PM", "1/2/2006", "1/2/06 15:04", "1/2/06",
	"01-02-2006 15:04", "01-02-2006",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "02/01/2006",
	"2/1/2006 15:04:05", "2/1/2006 15:04", "2/1/2006", "2/1/06",
	"02.01.2006 15:04:05", "02.01.2006 15:04", "02.01.2006", "2.1.2006 15:04", "2.1.2006", "02.01.06",
	"02-01-2006 15:04:05", "02-01-2006 15:04", "02-01-2006",
	"02-Jan-2006 03:04 PM", "02-Jan-2006 15:04", "Jan 2, 2006 3:04 PM", "Jan 2, 2006 15:04", "Jan 2, 2006", "January 2, 2006", "2 Jan 2006 15:04", "2 Jan 2006", "02-Jan-2006",
	"20060102",
}

// dayFirst reports whether a Go layout puts the day before the month.
func dayFirst(layout string) bool {
	d := strings.IndexAny(layout, "2")
	m := strings.IndexAny(layout, "1J")
	return d >= 0 && m >= 0 && d < m && !strings.HasPrefix(layout, "2006")
}

// timeFormat is a proposed event_time or db format.
type timeFormat struct {
	format string // a Go layout, "rfc3339", "excel", "unix", "unix_ms", or "" (none fits)
	parsed int    // samples it reads
	sample string // the sample that shows the choice best
	// ambiguous: month and day order could not be told apart.
	ambiguous bool
	// cells: the samples are a workbook's date cells.
	cells bool
}

// proposeTime finds the format that reads the most samples. preferDay
// puts day-first layouts first for countries that write dates that way.
func proposeTime(values []string, preferDay bool) timeFormat {
	if len(values) == 0 {
		return timeFormat{}
	}
	best := timeFormat{}
	try := func(format string, ok func(string) bool) {
		n, sample := 0, ""
		for _, v := range values {
			if ok(v) {
				n++
				if sample == "" {
					sample = v
				}
			}
		}
		if n > best.parsed {
			best = timeFormat{format: format, parsed: n, sample: sample}
		}
	}
	try("rfc3339", func(v string) bool {
		_, err := time.Parse(time.RFC3339, v)
		return err == nil
	})
	try("excel", func(v string) bool { _, ok := excelSerial(v); return ok })
	try("unix", unixSeconds)
	try("unix_ms", unixMillis)

	layouts := timeLayouts
	if preferDay {
		layouts = make([]string, 0, len(timeLayouts))
		for _, l := range timeLayouts {
			if dayFirst(l) {
				layouts = append(layouts, l)
			}
		}
		for _, l := range timeLayouts {
			if !dayFirst(l) {
				layouts = append(layouts, l)
			}
		}
	}
	for _, l := range layouts {
		try(l, func(v string) bool {
			_, err := time.Parse(l, v)
			return err == nil
		})
	}
	// Excel serials and Unix times also parse as nothing else; layouts
	// need most samples to agree before they are trusted.
	if best.parsed*10 < len(values)*6 {
		return timeFormat{}
	}
	if swapped := swapDayMonth(best.format); swapped != "" {
		n := 0
		for _, v := range values {
			if _, err := time.Parse(swapped, v); err == nil {
				n++
			}
		}
		if n == best.parsed {
			best.ambiguous = true
		} else {
			// Show a sample that only the chosen order reads.
			for _, v := range values {
				_, e1 := time.Parse(best.format, v)
				_, e2 := time.Parse(swapped, v)
				if e1 == nil && e2 != nil {
					best.sample = v
					break
				}
			}
		}
	}
	return best
}

// swapDayMonth returns layout with day and month swapped, or "" when the
// layout has no such ambiguity (ISO dates, month names).
func swapDayMonth(layout string) string {
	if strings.HasPrefix(layout, "2006") || strings.Contains(layout, "Jan") {
		return ""
	}
	r := strings.NewReplacer("01/02", "02/01", "02/01", "01/02", "1/2", "2/1", "2/1", "1/2",
		"01-02", "02-01", "02-01", "01-02", "02.01", "01.02", "2.1", "1.2")
	return r.Replace(layout)
}

// isTime reports whether v reads as a time in some layout this package
// knows, for finding time columns by their values.
func isTime(v string) bool {
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return true
	}
	for _, l := range timeLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return strings.ContainsAny(v, "-/.:, ") // "20060102" alone is too much like an id
		}
	}
	return false
}

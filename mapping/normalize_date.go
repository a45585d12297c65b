package mapping

import (
	"strconv"
	"strings"
	"time"
)

// NormalizeBirthdate returns a date of birth (db) as YYYYMMDD, the form
// Meta hashes, for a real calendar date whose year is from 1900 to
// now's year.
//
// layout is how the column is written: a Go time layout ("1/2/2006"),
// "excel" for a spreadsheet serial day number, or "" / "auto" to guess.
// Whatever the layout, a value that already is eight digits forming a
// valid YYYYMMDD date in range is taken as it is, which makes the
// function idempotent; no day-first or month-first eight-digit value can
// be mistaken for one, since its first two digits would be a month of 19
// or 20. The guess reads YYYYMMDD, year-first dates (1997-02-16,
// 1997/2/16), day or month first dates with a four-digit year (a first
// number above 12 is the day; when both could be the month, the US order
// month/day/year is taken, as Meta's own example 2/16/1997 is), English
// month names ("16 Feb 1997", "February 16, 1997"), and a trailing time of
// day ("1997-02-16 00:00:00"). Two-digit years are refused: the century
// cannot be known for a birth year.
//
// Errors: "empty", "bad_date" (not a date in the layout, or no such day:
// Feb 29 of a common year), "year_out_of_range".
func NormalizeBirthdate(s, layout string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "db", Code: "empty"}
	}
	if len(s) == 8 && isAllDigits(s) {
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:])
		if validDate(y, m, d) && y >= 1900 && y <= now.Year() {
			return s, nil
		}
	}
	var y, m, d int
	var ok bool
	switch strings.ToLower(layout) {
	case "", "auto":
		y, m, d, ok = guessDate(s)
	case "excel":
		y, m, d, ok = excelDate(s)
	default:
		t, err := time.Parse(layout, s)
		if err == nil {
			y, m, d, ok = t.Year(), int(t.Month()), t.Day(), true
		}
	}
	if !ok || !validDate(y, m, d) {
		return "", &ValueError{Key: "db", Code: "bad_date"}
	}
	if y < 1900 || y > now.Year() {
		return "", &ValueError{Key: "db", Code: "year_out_of_range"}
	}
	var b [8]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[5] = byte('0'+m/10), byte('0'+m%10)
	b[6], b[7] = byte('0'+d/10), byte('0'+d%10)
	return string(b[:]), nil
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validDate reports whether y-m-d is a day of the Gregorian calendar.
func validDate(y, m, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// excelDate reads a spreadsheet serial day number (a fraction, the time of
// day, is ignored). Serial 1 is 1900-01-01, and serial 60 is the 29
// February 1900 that Lotus 1-2-3 invented and Excel kept: it is refused.
func excelDate(s string) (y, m, d int, ok bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f >= 2958466 { // 2958466 is 10000-01-01
		return 0, 0, 0, false
	}
	n := int(f)
	if n == 60 {
		return 0, 0, 0, false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if n < 60 {
		base = base.AddDate(0, 0, 1)
	}
	t := base.AddDate(0, 0, n)
	return t.Year(), int(t.Month()), t.Day(), true
}

var monthNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
	"july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}

// guessDate reads the layouts NormalizeBirthdate documents for "auto".
func guessDate(s string) (y, m, d int, ok bool) {
	// Drop a time of day: "1997-02-16T00:00:00Z", "2/16/1997 0:00".
	if i := strings.IndexAny(s, "T "); i > 0 && strings.Contains(s[i:], ":") {
		s = strings.TrimSpace(s[:i])
		if j := strings.LastIndexByte(s, ' '); j > 0 && strings.Contains(s[j:], ":") {
			s = s[:j]
		}
	}
	var nums []string
	month := 0
	for tok := range strings.FieldsFuncSeq(s, func(r rune) bool {
		return r == '-' || r == '/' || r == '.' || r == ' ' || r == ','
	}) {
		switch {
		case isAllDigits(tok):
			nums = append(nums, tok)
		case month == 0 && monthNames[strings.ToLower(tok)] > 0:
			month = monthNames[strings.ToLower(tok)]
		default:
			return 0, 0, 0, false
		}
	}
	atoi := func(t string) int { n, _ := strconv.Atoi(t); return n }
	if month > 0 {
		if len(nums) != 2 {
			return 0, 0, 0, false
		}
		switch {
		case len(nums[0]) == 4 && len(nums[1]) <= 2:
			return atoi(nums[0]), month, atoi(nums[1]), true
		case len(nums[1]) == 4 && len(nums[0]) <= 2:
			return atoi(nums[1]), month, atoi(nums[0]), true
		}
		return 0, 0, 0, false
	}
	if len(nums) != 3 {
		return 0, 0, 0, false
	}
	for _, t := range nums {
		if len(t) > 4 {
			return 0, 0, 0, false
		}
	}
	a, b, c := atoi(nums[0]), atoi(nums[1]), atoi(nums[2])
	switch {
	case len(nums[0]) == 4 && len(nums[1]) <= 2 && len(nums[2]) <= 2:
		return a, b, c, true
	case len(nums[2]) == 4 && len(nums[0]) <= 2 && len(nums[1]) <= 2:
		if a > 12 {
			return c, b, a, true
		}
		return c, a, b, true
	}
	return 0, 0, 0, false
}

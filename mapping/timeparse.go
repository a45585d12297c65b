package mapping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	// The config's timezone must load on machines without a zoneinfo
	// database (minimal containers, Windows): embed Go's copy.
	_ "time/tzdata"
)

// Time formats a field spec may name besides a Go layout.
const (
	FormatUnix    = "unix"    // seconds since 1970-01-01 UTC, optionally with a fraction
	FormatUnixMS  = "unix_ms" // milliseconds since 1970-01-01 UTC
	FormatExcel   = "excel"   // Excel serial: days since 1899-12-30, fraction = time of day
	FormatRFC3339 = "rfc3339" // 2006-01-02T15:04:05Z07:00, fraction allowed
	FormatAuto    = "auto"    // see ParseTime
)

// ErrBadTime is wrapped by every ParseTime error.
var ErrBadTime = errors.New("cannot read time")

// Bounds of the times ParseTime returns: every such time formats as
// RFC 3339 (four-digit year), and an Excel serial of 2958465 is 9999-12-31.
// No conversion happened before 1900, and zones then kept local mean time
// with offsets in seconds, which RFC 3339 cannot write (fuzzing found
// "1.1.0001" in America/Chicago, offset -05:50:36).
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// excelMaxSerial is the first Excel serial past 9999-12-31. Serials count
// days from 1899-12-30, which is right from March 1900 on (Excel's
// fictitious 1900-02-29 makes smaller serials one day off; no event is
// that old).
const excelMaxSerial = 2958466

// Layouts tried by auto, most specific first. Go's parser accepts a
// fractional second after the seconds field even when the layout has none,
// so ".000" variants are not needed.
var (
	autoISO = []string{
		time.RFC3339,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 Z07:00",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
		"2006/01/02 15:04:05",
		"2006/01/02 15:04",
		"2006/01/02",
	}
	// Month first, as US point-of-sale systems write dates.
	autoMonthFirst = []string{
		"1/2/2006 15:04:05",
		"1/2/2006 15:04",
		"1/2/2006 3:04:05 PM",
		"1/2/2006 3:04 PM",
		"1/2/2006 3:04:05PM",
		"1/2/2006 3:04PM",
		"1/2/2006",
	}
	// Day first: used for slashes only when the first number cannot be a
	// month, and always for dots (German, Russian, … exports).
	autoDayFirst = []string{
		"2/1/2006 15:04:05",
		"2/1/2006 15:04",
		"2/1/2006 3:04:05 PM",
		"2/1/2006 3:04 PM",
		"2/1/2006",
	}
	autoDots = []string{
		"2.1.2006 15:04:05",
		"2.1.2006 15:04",
		"2.1.2006",
	}
)

// ParseTime reads s as a time in the given format:
//
//   - a Go layout ("01/02/2006 15:04"): a time without a zone is read in loc;
//   - "unix": seconds since the Unix epoch, optionally with a fractional part;
//   - "unix_ms": milliseconds since the Unix epoch;
//   - "excel": an Excel serial date (days since 1899-12-30, the fraction is
//     the time of day), read as a wall-clock time in loc;
//   - "rfc3339": 2006-01-02T15:04:05Z07:00 (fraction allowed);
//   - "auto" (or ""): RFC 3339 and ISO 8601 date-times with or without
//     "T", seconds or offset, and "2006-01-02"; slash dates; dotted dates;
//     and plain numbers.
//
// For "auto", the ambiguous day/month order is settled so: a slash date is
// month first (1/2/2006 is January 2, as US systems write) unless its first
// number is above 12, then it is day first (13/2/2006 is February 13); a
// dotted date (2.1.2006) is always day first. A plain number is judged by
// its magnitude: 8 digits that form a valid date from 1900 to 2199 are
// YYYYMMDD; below 10,000,000 it is an Excel serial; below 10^11 Unix
// seconds; below 10^14 Unix milliseconds.
//
// Every error wraps ErrBadTime.
func ParseTime(s, format string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadTime)
	}
	var (
		t   time.Time
		err error
	)
	switch format {
	case FormatUnix:
		t, err = parseEpoch(s, 1)
	case FormatUnixMS:
		t, err = parseEpoch(s, 1000)
	case FormatExcel:
		t, err = parseExcel(s, loc)
	case FormatRFC3339:
		t, err = time.Parse(time.RFC3339, s)
	case FormatAuto, "":
		t, err = parseAuto(s, loc)
	default:
		t, err = time.ParseInLocation(format, s, loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q as %s", ErrBadTime, clip(s, 40), formatName(format))
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, fmt.Errorf("%w: %q is out of range", ErrBadTime, clip(s, 40))
	}
	return t, nil
}

func formatName(format string) string {
	if format == "" {
		return FormatAuto
	}
	return format
}

// clip shortens s for an error message. Time cells are not customer data,
// but a 10 MB cell must not become a 10 MB reject line.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !isRuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

var errNumber = errors.New("not a number")

// parseNumber reads a plain decimal number with an optional sign and
// fraction (no exponent, no separators): exports write epochs and serials
// that way, and strconv.ParseFloat alone would accept "Inf" or "1e9".
func parseNumber(s string) (float64, error) {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
		case (c == '-' || c == '+') && i == 0:
		default:
			return 0, errNumber
		}
	}
	if digits == 0 || digits > 20 {
		return 0, errNumber
	}
	return strconv.ParseFloat(s, 64)
}

// parseEpoch reads seconds (perSecond 1) or milliseconds (1000).
func parseEpoch(s string, perSecond int64) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1<<50 || n < -(1<<50) {
			return time.Time{}, errNumber
		}
		if perSecond == 1 {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	f, err := parseNumber(s)
	if err != nil {
		return time.Time{}, err
	}
	f /= float64(perSecond)
	if math.Abs(f) > 1<<40 {
		return time.Time{}, errNumber
	}
	sec, frac := math.Modf(f)
	// Round to the microsecond: a float64 carries no more precision for
	// present-day epochs, and rounding keeps "1.5" exactly half a second.
	nsec := math.Round(frac*1e6) * 1e3
	return time.Unix(int64(sec), int64(nsec)).UTC(), nil
}

// parseExcel reads an Excel serial date as a wall-clock time in loc.
func parseExcel(s string, loc *time.Location) (time.Time, error) {
	f, err := parseNumber(s)
	if err != nil {
		return time.Time{}, err
	}
	if f < 0 || f >= excelMaxSerial {
		return time.Time{}, errNumber
	}
	days, frac := math.Modf(f)
	// Excel stores a time of day as a binary fraction of a day, so 15:04 is
	// 0.62777…; round to the millisecond to get back what the user typed.
	ms := int64(math.Round(frac * 86400e3))
	// Build the wall clock with time.Date rather than adding a duration,
	// so that a DST change on that day does not shift the time by an hour.
	h := ms / 3600e3
	m := ms / 60e3 % 60
	sec := ms / 1e3 % 60
	return time.Date(1899, 12, 30+int(days), int(h), int(m), int(sec), int(ms%1000)*1e6, loc), nil
}

// parseAuto implements ParseTime's "auto" format.
func parseAuto(s string, loc *time.Location) (time.Time, error) {
	if c := s[0]; c >= '0' && c <= '9' || c == '-' || c == '+' {
		if f, err := parseNumber(s); err == nil {
			return parseAutoNumber(s, f, loc)
		}
	}
	var layouts []string
	switch {
	case len(s) >= 5 && (s[4] == '-' || s[4] == '/'):
		layouts = autoISO
	case strings.IndexByte(s, '/') > 0:
		layouts = autoMonthFirst
		if first, _, ok := strings.Cut(s, "/"); ok {
			if n, err := strconv.Atoi(first); err == nil && n > 12 {
				layouts = autoDayFirst
			}
		}
	case strings.IndexByte(s, '.') > 0:
		layouts = autoDots
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errNumber
}

// parseAutoNumber judges a plain number by its magnitude (see ParseTime).
func parseAutoNumber(s string, f float64, loc *time.Location) (time.Time, error) {
	if len(s) == 8 && !strings.ContainsAny(s, ".-+") {
		if t, err := time.ParseInLocation("20060102", s, loc); err == nil && t.Year() >= 1900 && t.Year() < 2200 {
			return t, nil
		}
	}
	switch {
	case f <= 0:
		return time.Time{}, errNumber
	case f < 1e7:
		return parseExcel(s, loc)
	case f < 1e11:
		return parseEpoch(s, 1)
	case f < 1e14:
		return parseEpoch(s, 1000)
	}
	return time.Time{}, errNumber
}

// layoutReference is the time used to check a configured Go layout: its
// day is above 12 and its hour above 12, so a layout that swaps or drops
// fields does not read it back.
var layoutReference = time.Date(2024, time.November, 23, 17, 45, 31, 0, time.UTC)

// checkFormat says whether format is one ParseTime understands and, for a
// Go layout, whether it carries at least a full date and reads back what it
// writes. The error explains how to write a Go layout, because
// "YYYY-MM-DD" is what most people try first.
func checkFormat(format string) error {
	switch format {
	case FormatUnix, FormatUnixMS, FormatExcel, FormatRFC3339, FormatAuto:
		return nil
	}
	hint := ""
	for _, tok := range []string{"YYYY", "yyyy", "YY", "DD", "dd", "MM", "HH", "hh", "mm", "ss", "%Y", "%m", "%d"} {
		if strings.Contains(format, tok) {
			hint = fmt.Sprintf(` (found %q: a Go layout writes Go's reference time Mon Jan 2 15:04:05 2006 as the dates should look, e.g. "2006-01-02 15:04:05" or "01/02/2006 3:04 PM")`, tok)
			break
		}
	}
	want := "unix, unix_ms, excel, rfc3339, auto, or a Go layout with year, month and day"
	formatted := layoutReference.Format(format)
	t, err := time.Parse(format, formatted)
	if err != nil || t.Year() != layoutReference.Year() || t.Month() != layoutReference.Month() || t.Day() != layoutReference.Day() {
		return fmt.Errorf("%w: %q is not a time format: want %s%s", ErrInvalid, format, want, hint)
	}
	if t.Hour() != 0 && t.Hour() != layoutReference.Hour() || t.Minute() != 0 && t.Minute() != layoutReference.Minute() {
		return fmt.Errorf("%w: %q does not read back the time it writes%s", ErrInvalid, format, hint)
	}
	return nil
}

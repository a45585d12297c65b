package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// ValueError says why a customer-information or custom-data value was
// refused. Code is a short, stable identifier ("not_an_email",
// "bad_phone", "bad_year", …) used in summary counts; neither field ever
// holds the value itself.
type ValueError struct {
	Key  string
	Code string
}

func (e *ValueError) Error() string { return e.Key + ": " + e.Code }

// NormalizeEmail returns the trimmed, lower-cased address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", &ValueError{Key: "em", Code: "empty"}
	}
	return s, nil
}

// NormalizePhone returns the number as E.164 digits without '+'.
func NormalizePhone(s, defaultCountry string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "", &ValueError{Key: "ph", Code: "empty"}
	}
	return b.String(), nil
}

// NormalizeName normalizes a first or last name.
func NormalizeName(s string) (string, error) { return simpleText("fn", s) }

// NormalizeCity normalizes a city.
func NormalizeCity(s string) (string, error) { return simpleText("ct", s) }

// NormalizeState normalizes a state or province.
func NormalizeState(s, country string) (string, error) { return simpleText("st", s) }

// NormalizeZip normalizes a postal code.
func NormalizeZip(s, country string) (string, error) { return simpleText("zp", s) }

// NormalizeCountry returns the ISO 3166-1 alpha-2 code, lower-case.
func NormalizeCountry(s string) (string, error) { return simpleText("country", s) }

// NormalizeBirthdate returns the date as YYYYMMDD.
func NormalizeBirthdate(s, layout string, now time.Time) (string, error) {
	return simpleText("db", s)
}

// NormalizeGender returns "f" or "m".
func NormalizeGender(s string) (string, error) { return simpleText("ge", s) }

// NormalizeExternalID returns the trimmed id, case kept.
func NormalizeExternalID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "external_id", Code: "empty"}
	}
	return s, nil
}

// NormalizeCurrency returns the ISO 4217 code, upper-case.
func NormalizeCurrency(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", &ValueError{Key: "currency", Code: "empty"}
	}
	return s, nil
}

// Hash returns the lower-case hex SHA-256 of normalized.
func Hash(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}

// IsSHA256Hex reports whether s is 64 hex digits.
func IsSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// NormalizeOptions carries the context NormalizeUserValue needs.
type NormalizeOptions struct {
	DefaultCountry string
	Country        string
	DateLayout     string
	Now            time.Time
	NoHash         bool
}

// NormalizeUserValue normalizes and hashes one value of a user_data key.
func NormalizeUserValue(key, value string, opt NormalizeOptions) (string, error) {
	if t := strings.TrimSpace(value); IsSHA256Hex(t) {
		return strings.ToLower(t), nil
	}
	var n string
	var err error
	switch key {
	case "em":
		n, err = NormalizeEmail(value)
	case "ph":
		n, err = NormalizePhone(value, opt.DefaultCountry)
	case "fn", "ln":
		n, err = NormalizeName(value)
	case "ct":
		n, err = NormalizeCity(value)
	case "st":
		n, err = NormalizeState(value, opt.Country)
	case "zp":
		n, err = NormalizeZip(value, opt.Country)
	case "country":
		n, err = NormalizeCountry(value)
	case "db":
		n, err = NormalizeBirthdate(value, opt.DateLayout, opt.Now)
	case "ge":
		n, err = NormalizeGender(value)
	case "external_id":
		n, err = NormalizeExternalID(value)
		if err == nil && opt.NoHash {
			return n, nil
		}
	default:
		return "", &ValueError{Key: key, Code: "unknown_key"}
	}
	if err != nil {
		return "", err
	}
	return Hash(n), nil
}

func simpleText(key, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", &ValueError{Key: key, Code: "empty"}
	}
	return s, nil
}

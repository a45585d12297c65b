package mapping

import (
	"errors"
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

// The normalizers (NormalizeEmail, NormalizePhone, …) each return the form
// Meta documents
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters)
// before hashing, or a *ValueError. Where Meta's SDKs disagree with those
// docs the docs win (README "Customer information"). They are pure and
// idempotent: N(N(x)) == N(x) (NormalizePhone documents the form it
// keeps).

// NormalizeOptions is what NormalizeUserValue needs beyond the value.
type NormalizeOptions struct {
	// DefaultCountry (config default_country, ISO alpha-2) reads phone
	// numbers written without a country code when the row has no country.
	DefaultCountry string
	// Country is the row's country as ISO alpha-2 (its normalized
	// country column), or DefaultCountry when the row has none; it
	// decides the st and zp rules and reads phone numbers written without
	// a country code. "" means not known.
	Country string
	// DateLayout is the db field's format: a Go layout, "excel", or ""
	// / "auto".
	DateLayout string
	// Now bounds birth years; the zero value means time.Now().
	Now time.Time
	// NoHash sends external_id normalized but not hashed (the field's
	// "hash: false"). Other keys are always hashed.
	NoHash bool
}

// NormalizeUserValue returns the value to send for one user_data key:
// normalized by the key's normalizer and hashed with Hash. A value that
// already is 64 hex digits (after trimming) is taken for a SHA-256 made
// upstream and returned lower-cased without normalizing; 32 hex digits
// are not taken for a hash (README "Customer information"). An external_id with opt.NoHash is
// returned trimmed, case kept, as is. The keys Meta takes unhashed
// (UnhashedKeys) are checked by NormalizeUnhashed and never hashed. An
// unknown key is refused with code "unknown_key".
func NormalizeUserValue(key, value string, opt NormalizeOptions) (string, error) {
	n, final, err := normalizeUserValue(key, value, opt)
	if err != nil || final {
		return n, err
	}
	return Hash(n), nil
}

// placeholderKeys are the keys whose placeholder values ("Guest",
// "Walk-in Customer", "N/A") are refused as "placeholder".
var placeholderKeys = map[string]bool{"em": true, "fn": true, "ln": true, "ct": true, "external_id": true}

// normalizeUserValue is NormalizeUserValue without the hashing, so that
// Map can hash into its own buffer: it returns the normalized value to
// hash, or with final set the value to send as it is (a hash made
// upstream, an external_id not to be hashed).
func normalizeUserValue(key, value string, opt NormalizeOptions) (n string, final bool, err error) {
	if key == "external_id" && opt.NoHash {
		n, err = NormalizeExternalID(value)
		if err == nil && (isPlaceholderText(n) || strings.Trim(n, "0") == "") {
			err = &ValueError{Key: key, Code: "placeholder"}
		}
		return n, true, err
	}
	if IsUnhashedKey(key) {
		// Never hashed, and a 64-hex value is refused rather than passed
		// through (normalize_unhashed.go).
		n, err = NormalizeUnhashed(key, value)
		return n, true, err
	}
	if t := strings.TrimSpace(value); IsSHA256Hex(t) {
		return strings.ToLower(t), true, nil
	}
	if placeholderKeys[key] && isPlaceholderText(value) {
		return "", false, &ValueError{Key: key, Code: "placeholder"}
	}
	switch key {
	case "em":
		n, err = NormalizeEmail(value)
		if err == nil && isPlaceholderEmail(n) {
			err = &ValueError{Key: key, Code: "placeholder"}
		}
	case "ph":
		// A number written without its country code belongs to the row's
		// country when the row names one: a CRM export of customers in
		// several countries writes each number in its national format.
		region := opt.Country
		if region == "" {
			region = opt.DefaultCountry
		}
		n, err = NormalizePhone(value, region)
	case "fn", "ln":
		n, err = NormalizeName(value)
		if ve, ok := errors.AsType[*ValueError](err); ok {
			ve.Key = key // NormalizeName says "fn"; this may be ln
		}
	case "ct":
		n, err = NormalizeCity(value)
	case "st":
		n, err = NormalizeState(value, opt.Country)
	case "zp":
		n, err = NormalizeZip(value, opt.Country)
	case "country":
		n, err = NormalizeCountry(value)
	case "db":
		now := opt.Now
		if now.IsZero() {
			now = time.Now()
		}
		n, err = NormalizeBirthdate(value, opt.DateLayout, now)
	case "ge":
		n, err = NormalizeGender(value)
	case "external_id":
		n, err = NormalizeExternalID(value)
		if err == nil && strings.Trim(n, "0") == "" {
			err = &ValueError{Key: key, Code: "placeholder"} // customer number 0: a walk-in
		}
	default:
		return "", false, &ValueError{Key: key, Code: "unknown_key"}
	}
	if err != nil {
		return "", false, err
	}
	return n, false, nil
}

package mapping

import (
	"capi-upload/capi"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The keys Meta takes unhashed: "Do not hash" on the customer information
// parameters page
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters),
// and the playbook's list of the same keys. Each is sent as its normalizer
// returns it, never hashed; a value that is 64 hex digits is refused with
// code "hashed", because it is a hash of something Meta can only use in
// clear, and sending it would look valid while matching nothing.

// UnhashedKeys lists the customer keys sent unhashed, in UserKeys order.
var UnhashedKeys = capi.UserKeys[capi.KeyClientIP:]

// IsUnhashedKey reports whether key is one of UnhashedKeys.
func IsUnhashedKey(key string) bool { return capi.UserKeyIndex(key) >= capi.KeyClientIP }

// NormalizeUnhashed checks value for the unhashed key and returns the
// form to send: the normalizer of the key (NormalizeClientIP, …). An fbc
// cell that holds a bare fbclid is refused here with code "bare_fbclid":
// only the mapper, which knows the click time, can build the cookie
// (BuildFBC).
func NormalizeUnhashed(key, value string) (string, error) {
	switch key {
	case "client_ip_address":
		return NormalizeClientIP(value)
	case "client_user_agent":
		return NormalizeUserAgent(value)
	case "fbc":
		return NormalizeFBC(value)
	case "fbp":
		return NormalizeFBP(value)
	case "lead_id":
		return NormalizeLeadID(value)
	case "subscription_id", "fb_login_id":
		return normalizeDigitsID(key, value)
	case "madid":
		return NormalizeMadid(value)
	}
	return "", &ValueError{Key: key, Code: "unknown_key"}
}

// NormalizeClientIP checks an IPv4 or IPv6 literal: "Valid IPv4/IPv6, no
// spaces" (customer information parameters page). IPv4 is kept as
// written; IPv6 takes its canonical form (RFC 5952: lower case, zeros
// compressed), so that one address has one spelling. The unspecified and
// loopback addresses are placeholders a form or a proxy wrote, not a
// customer's address, and are refused.
func NormalizeClientIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: "client_ip_address", Code: "hashed"}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		// A zone ("fe80::1%eth0") names an interface of the machine that
		// logged the address: never a customer's.
		return "", &ValueError{Key: "client_ip_address", Code: "not_an_ip"}
	}
	if a.IsUnspecified() || a.IsLoopback() {
		return "", &ValueError{Key: "client_ip_address", Code: "placeholder"}
	}
	return a.String(), nil
}

// uaPlaceholders are what exports write where no user agent was captured.
var uaPlaceholders = map[string]bool{
	"-": true, "n/a": true, "na": true, "none": true, "null": true, "unknown": true, "undefined": true,
}

// NormalizeUserAgent returns the user agent "as captured", trimmed: Meta
// matches it as the browser sent it, so nothing inside it is changed. A
// placeholder (N/A, unknown, -), a value that is not UTF-8, or one with
// control characters (a line of some other field that leaked in) is
// refused.
func NormalizeUserAgent(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &ValueError{Key: "client_user_agent", Code: "empty"}
	case IsSHA256Hex(s):
		return "", &ValueError{Key: "client_user_agent", Code: "hashed"}
	case uaPlaceholders[strings.ToLower(s)]:
		return "", &ValueError{Key: "client_user_agent", Code: "placeholder"}
	case !utf8.ValidString(s):
		// JSON would carry U+FFFD in place of the bad bytes: not the
		// string the browser sent.
		return "", &ValueError{Key: "client_user_agent", Code: "not_utf8"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "", &ValueError{Key: "client_user_agent", Code: "control_character"}
		}
	}
	return s, nil
}

// NormalizeFBC checks a click id cookie,
// fb.<subdomain index>.<creation time>.<fbclid>
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc).
// It is kept as written: "case sensitive; do not normalize or format the
// _fbc to lowercase" (parameter builder page). The creation time is in
// milliseconds, so 13 digits for any time this century. A cell holding
// only the fbclid (or a landing-page URL carrying one) is refused with
// code "bare_fbclid": it becomes a cookie with the click time (BuildFBC).
func NormalizeFBC(s string) (string, error) {
	s = strings.TrimSpace(s)
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: "fbc", Code: "hashed"}
	}
	if rest, ok := fbCookieRest(s); ok && isClickIDChars(rest) {
		return s, nil
	}
	if _, ok := ExtractFBCLID(s); ok {
		return "", &ValueError{Key: "fbc", Code: "bare_fbclid"}
	}
	return "", &ValueError{Key: "fbc", Code: "not_fb_cookie"}
}

// NormalizeFBP checks a browser id cookie,
// fb.<subdomain index>.<creation time>.<random number>, optionally with
// the appendix Meta's parameter builder adds after a last dot (same
// pages as NormalizeFBC). It is kept as written.
func NormalizeFBP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: "fbp", Code: "hashed"}
	}
	rest, ok := fbCookieRest(s)
	if ok {
		num, appendix, dotted := strings.Cut(rest, ".")
		ok = digitsOnly(num) && (!dotted || appendix != "" && isClickIDChars(appendix) && !strings.Contains(appendix, "."))
	}
	if !ok {
		return "", &ValueError{Key: "fbp", Code: "not_fb_cookie"}
	}
	return s, nil
}

// fbCookieRest checks the fb.<index>.<ms>. head of an fbc or fbp and
// returns what follows it.
func fbCookieRest(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "fb.")
	if !ok {
		return "", false
	}
	index, rest, ok := strings.Cut(rest, ".")
	if !ok || len(index) > 2 || !digitsOnly(index) {
		return "", false
	}
	ms, rest, ok := strings.Cut(rest, ".")
	if !ok || len(ms) != 13 || !digitsOnly(ms) || rest == "" {
		return "", false
	}
	return rest, true
}

// isClickIDChars reports whether s is made of the characters fbclid
// values use (URL-safe base64: letters, digits, '-', '_') and dots, which
// separate a parameter-builder appendix; never a leading or trailing dot.
func isClickIDChars(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ExtractFBCLID returns the fbclid in s: s itself when it is a bare click
// id, or the fbclid parameter of a landing-page URL or query string
// ("https://shop.example/?fbclid=IwAR…"), which is how click ids reach
// exports that never saw the cookie.
func ExtractFBCLID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "fbclid="); i >= 0 && (i == 0 || strings.ContainsRune("?&#;", rune(s[i-1]))) {
		q := s[i:]
		if j := strings.IndexByte(q, '#'); j >= 0 {
			q = q[:j]
		}
		v, err := url.ParseQuery(q)
		if err != nil {
			return "", false
		}
		s = v.Get("fbclid")
	}
	if strings.HasPrefix(s, "fb.") || strings.Contains(s, ".") || !isClickIDChars(s) || IsSHA256Hex(s) {
		return "", false
	}
	return s, true
}

// BuildFBC makes the fbc cookie value for a click id seen at click: "If
// you are generating this field on a server … use the value 1" for the
// subdomain index, and the creation time is "the UNIX time since epoch in
// milliseconds when the _fbc cookie was saved", or else when the fbclid
// was first observed
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc).
// The fbclid keeps its case.
func BuildFBC(fbclid string, click time.Time) string {
	b := make([]byte, 0, len("fb.1.")+13+1+len(fbclid))
	b = append(b, "fb.1."...)
	b = strconv.AppendInt(b, click.UnixMilli(), 10)
	b = append(b, '.')
	b = append(b, fbclid...)
	return string(b)
}

// NormalizeLeadID returns a Lead Ads lead id as its digits: "l:" dropped,
// 15 to 17 digits, no leading zero (Meta's ids are integers). A value
// Excel turned into a float ("1.23457E+15") has lost digits and is
// refused like any other non-digit value.
func NormalizeLeadID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: "lead_id", Code: "hashed"}
	}
	if len(s) > 2 && (s[0] == 'l' || s[0] == 'L') && s[1] == ':' {
		s = strings.TrimSpace(s[2:])
	}
	if !capi.IsLeadIDNumber(s) {
		return "", &ValueError{Key: "lead_id", Code: "not_a_lead_id"}
	}
	return s, nil
}

// maxIDDigits bounds subscription_id and fb_login_id: fb_login_id is an
// app-scoped user id, an integer; 20 digits hold any 64-bit one.
const maxIDDigits = 20

// normalizeDigitsID checks subscription_id and fb_login_id: digits, as
// written (leading zeros kept: subscription_id is a string to Meta).
func normalizeDigitsID(key, s string) (string, error) {
	s = strings.TrimSpace(s)
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: key, Code: "hashed"}
	}
	if len(s) > maxIDDigits || !digitsOnly(s) {
		return "", &ValueError{Key: key, Code: "not_digits"}
	}
	return s, nil
}

// NormalizeSubscriptionID checks a subscription_id: digits, as written.
func NormalizeSubscriptionID(s string) (string, error) {
	return normalizeDigitsID("subscription_id", s)
}

// NormalizeFBLoginID checks an fb_login_id: digits, as written.
func NormalizeFBLoginID(s string) (string, error) { return normalizeDigitsID("fb_login_id", s) }

// NormalizeMadid returns a mobile advertiser id (Apple's IDFA or Google's
// advertising id, both UUIDs: 8-4-4-4-12 hex digits) in lower case, the
// form Android reports and the one to match on. The all-zero UUID is what
// a device reports when the user limited ad tracking: a placeholder.
func NormalizeMadid(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if IsSHA256Hex(s) {
		return "", &ValueError{Key: "madid", Code: "hashed"}
	}
	if len(s) != 36 {
		return "", &ValueError{Key: "madid", Code: "not_a_uuid"}
	}
	zero := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", &ValueError{Key: "madid", Code: "not_a_uuid"}
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", &ValueError{Key: "madid", Code: "not_a_uuid"}
		}
		zero = zero && c == '0'
	}
	if zero {
		return "", &ValueError{Key: "madid", Code: "placeholder"}
	}
	return s, nil
}

// digitsOnly reports whether s is one or more ASCII digits.
func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

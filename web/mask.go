package web

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"capi-upload/mapping"
)

// dots stands for the hidden part of a masked value.
const dots = "•••"

// The masks below show just enough of a customer value for a person to
// recognize the kind of data and tell rows apart (the first letter of a
// name, the last digits of a phone), never enough to read the value back.
// Every customer value the page shows goes through one of them.

// MaskEmail masks an email address as j•••@g•••.com: the first letter of
// the mailbox and of the domain, and the top-level domain.
func MaskEmail(s string) string {
	s = strings.TrimSpace(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" {
		return MaskText(s)
	}
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 && i < len(domain)-1 && len(domain)-i <= 7 {
		tld = domain[i:]
	}
	return firstRune(local) + dots + "@" + firstRune(domain) + dots + tld
}

// MaskPhone masks a phone number as +1 ••• ••• 0134: the country code when
// the number carries one (or defaultCountry gives it) and the last four
// digits. Fewer than seven digits show none.
func MaskPhone(s, defaultCountry string) string {
	digits := onlyDigits(s)
	if len(digits) < 7 {
		return maskAll(s)
	}
	prefix := ""
	region := defaultCountry
	if strings.HasPrefix(strings.TrimSpace(s), "+") || strings.HasPrefix(strings.TrimSpace(s), "00") {
		region = ""
	}
	if num, err := phonenumbers.Parse(s, strings.ToUpper(region)); err == nil && num.GetCountryCode() != 0 {
		prefix = "+" + itoa(int(num.GetCountryCode())) + " "
	}
	return prefix + dots + " " + dots + " " + digits[len(digits)-4:]
}

// MaskName masks each word of a name, city or street as its first letter:
// "Jane Doe" → "J••• D•••".
func MaskName(s string) string { return MaskText(s) }

// MaskText masks free text word by word, keeping each word's first letter.
func MaskText(s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	for i, w := range words {
		words[i] = firstRune(w) + dots
	}
	if len(words) > 4 {
		words = append(words[:4], "…")
	}
	return strings.Join(words, " ")
}

// MaskZip masks a postal code as its first two characters: "02134" →
// "02•••", enough to see the region and the kept leading zero.
func MaskZip(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) < 4 {
		return maskAll(s)
	}
	r := []rune(s)
	return string(r[:2]) + dots
}

// MaskID masks an identifier (a customer number, a lead id, an IP
// address) as its last four characters, "•••7101"; short ids show
// nothing.
func MaskID(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) < 8 {
		return maskAll(s)
	}
	return dots + string(r[len(r)-4:])
}

// MaskKey masks the normalized value of a customer key (capi.UserKeys)
// for the preview: each key by the mask that fits it.
func MaskKey(key, normalized string) string {
	if normalized == "" {
		return ""
	}
	switch key {
	case "em":
		return MaskEmail(normalized)
	case "ph":
		return MaskPhone("+"+onlyDigits(normalized), "")
	case "zp":
		return MaskZip(normalized)
	case "fn", "ln", "ct", "st", "country", "ge":
		return firstRune(normalized) + dots
	case "db":
		return dots
	case "client_user_agent":
		return MaskText(normalized)
	default:
		return MaskID(normalized)
	}
}

// Mask masks a cell of unknown kind: emails and phone numbers by their
// masks, other text word by word. It is what the page uses for every cell
// it has no reason to trust.
func Mask(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ""
	case strings.Contains(s, "@"):
		return MaskEmail(s)
	case looksLikePhone(s):
		return MaskPhone(s, "")
	case len(onlyDigits(s)) >= 6 && !strings.ContainsFunc(s, unicode.IsSpace):
		return MaskID(s)
	default:
		return MaskText(s)
	}
}

// maskCell masks a cell for the column's role: a customer key by that
// key's mask, anything else by Mask.
func maskCell(key, s, defaultCountry string) string {
	switch key {
	case "em":
		return MaskEmail(s)
	case "ph":
		return MaskPhone(s, defaultCountry)
	case "zp":
		return MaskZip(s)
	case "fn", "ln", "ct", "st", "ge", "country", "name":
		return MaskText(s)
	case "db":
		return maskAll(s)
	case "external_id", "lead_id", "madid", "fbc", "fbp", "subscription_id", "fb_login_id", "client_ip_address":
		return MaskID(s)
	}
	return Mask(s)
}

func looksLikePhone(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case strings.ContainsRune("+-(). /", r):
		default:
			return false
		}
	}
	return n >= 7 && n <= 16
}

func maskAll(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return dots
}

func firstRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return ""
	}
	return string(r)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	return string(b[i:])
}

// normalizeForShow returns a cell's value as capi-upload would normalize
// it for key before hashing, for the preview to show masked; "" when the
// value is invalid (the event's Invalid list says why).
func normalizeForShow(key, cell string, cfg *mapping.Config) string {
	// Excel's text marker, which the mapper drops too ('02134).
	cell = strings.TrimPrefix(strings.TrimSpace(cell), "'")
	var v string
	var err error
	switch key {
	case "em":
		v, err = mapping.NormalizeEmail(cell)
	case "ph":
		v, err = mapping.NormalizePhone(cell, cfg.DefaultCountry)
	case "fn", "ln":
		v, err = mapping.NormalizeName(cell)
	case "ct":
		v, err = mapping.NormalizeCity(cell)
	case "st":
		v, err = mapping.NormalizeState(cell, cfg.DefaultCountry)
	case "zp":
		v, err = mapping.NormalizeZip(cell, cfg.DefaultCountry)
	case "country":
		v, err = mapping.NormalizeCountry(cell)
	case "ge":
		v, err = mapping.NormalizeGender(cell)
	case "external_id":
		v, err = mapping.NormalizeExternalID(cell)
	default:
		if mapping.IsUnhashedKey(key) {
			v, err = mapping.NormalizeUnhashed(key, cell)
		} else {
			v = strings.TrimSpace(cell)
		}
	}
	if err != nil {
		return ""
	}
	return v
}

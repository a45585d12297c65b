package mapping

import (
	"strings"

	"golang.org/x/text/currency"
)

// NormalizeCurrency returns an ISO 4217 currency code in upper case, as
// custom_data.currency is sent ("usd " → "USD"). It accepts the codes
// golang.org/x/text/currency knows, except the X-codes that are not money
// a purchase is paid in (gold, SDR, test and "no currency" codes); the CFA
// francs and other real X-codes pass. Symbols such as "$" are refused as
// "unknown_currency": several currencies share them.
func NormalizeCurrency(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "currency", Code: "empty"}
	}
	if len(s) != 3 {
		return "", &ValueError{Key: "currency", Code: "unknown_currency"}
	}
	up := strings.ToUpper(s)
	for i := 0; i < 3; i++ {
		if up[i] < 'A' || up[i] > 'Z' {
			return "", &ValueError{Key: "currency", Code: "unknown_currency"}
		}
	}
	if notMoney[up] {
		return "", &ValueError{Key: "currency", Code: "unknown_currency"}
	}
	if _, err := currency.ParseISO(up); err != nil {
		return "", &ValueError{Key: "currency", Code: "unknown_currency"}
	}
	return up, nil
}

// notMoney lists ISO 4217 codes for precious metals, fund units, test
// and "no currency" use.
var notMoney = map[string]bool{
	"XAU": true, "XAG": true, "XPT": true, "XPD": true, "XDR": true,
	"XBA": true, "XBB": true, "XBC": true, "XBD": true, "XSU": true,
	"XUA": true, "XTS": true, "XXX": true,
}

package mapping

import (
	"strings"
	"sync"

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
	if code, ok := currencyNames[strings.ToLower(strings.Join(strings.Fields(s), " "))]; ok {
		return code, nil
	}
	if len(s) != 3 {
		return "", &ValueError{Key: "currency", Code: "unknown_currency"}
	}
	up := strings.ToUpper(s)
	if len(up) != 3 {
		// Upper-casing can change the length: "ſa" is three bytes, "SA" two.
		return "", &ValueError{Key: "currency", Code: "unknown_currency"}
	}
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

// currencyValue is NormalizeCurrency for Map: the code comes back already
// converted to the custom_data value (a string in an interface), taken
// from a table of every accepted code, so a row's currency costs no
// allocation. Values the table does not hold go through
// NormalizeCurrency.
func currencyValue(s string) (any, error) {
	t := strings.TrimSpace(s)
	if len(t) == 3 {
		var k [3]byte
		for i := range k {
			c := t[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
		}
		if v, ok := currencyValues()[k]; ok {
			return v, nil
		}
	}
	cur, err := NormalizeCurrency(s)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// currencyValues holds every three-letter code NormalizeCurrency accepts,
// found once by asking it about all 17,576 of them.
var currencyValues = sync.OnceValue(func() map[[3]byte]any {
	out := map[[3]byte]any{}
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			for c := byte('A'); c <= 'Z'; c++ {
				if cur, err := NormalizeCurrency(string([]byte{a, b, c})); err == nil {
					out[[3]byte{a, b, c}] = cur
				}
			}
		}
	}
	return out
})

// currencyNames are the names CRMs write instead of ISO codes (Dynamics
// 365 exports "Euro", "US Dollar"), lower-cased. Ambiguous names ("dollar",
// "peso", "krone") are left out: they name several currencies.
var currencyNames = map[string]string{
	"euro": "EUR", "euros": "EUR", "us dollar": "USD", "us dollars": "USD", "u.s. dollar": "USD",
	"united states dollar": "USD", "pound sterling": "GBP", "british pound": "GBP", "pound": "GBP",
	"canadian dollar": "CAD", "australian dollar": "AUD", "new zealand dollar": "NZD",
	"swiss franc": "CHF", "japanese yen": "JPY", "yen": "JPY", "indian rupee": "INR",
	"brazilian real": "BRL", "real": "BRL", "mexican peso": "MXN", "swedish krona": "SEK",
	"norwegian krone": "NOK", "danish krone": "DKK", "polish zloty": "PLN", "złoty": "PLN",
	"czech koruna": "CZK", "south african rand": "ZAR", "singapore dollar": "SGD",
	"hong kong dollar": "HKD", "chinese yuan": "CNY", "yuan renminbi": "CNY", "renminbi": "CNY",
}

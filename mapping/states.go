package mapping

import "strings"

// NormalizeState returns a state or province (st) as Meta hashes it.
//
// For the United States (country "us", any case) it is the two-letter
// USPS code, lower-case: full names, codes with dots or spaces ("N.Y."),
// DC and the territories (PR, GU, VI, AS, MP, UM) and military codes (AA,
// AE, AP) are mapped; a value that names no state is refused as
// "unknown_state", since Meta would match nothing with it. When country
// is "" (not known for the row) a value that is a US state name or code
// is mapped the same way and anything else takes the rule for other
// countries: lower-case, no punctuation, no spaces ("Île-de-France" →
// "îledefrance"); Meta documents no code list there.
func NormalizeState(s, country string) (string, error) {
	k := foldText(s)
	if k == "" {
		return "", &ValueError{Key: "st", Code: "empty"}
	}
	us := len(country) == 2 && country[0]|0x20 == 'u' && country[1]|0x20 == 's'
	if us || country == "" {
		if code, ok := usStates[k]; ok {
			return code, nil
		}
		if us {
			return "", &ValueError{Key: "st", Code: "unknown_state"}
		}
	}
	return k, nil
}

// usStates maps folded names and codes to the lower-case USPS code.
var usStates = func() map[string]string {
	const table = `al alabama|ak alaska|az arizona|ar arkansas|ca california|co colorado|
ct connecticut|de delaware|fl florida|ga georgia|hi hawaii|id idaho|il illinois|in indiana|
ia iowa|ks kansas|ky kentucky|la louisiana|me maine|md maryland|ma massachusetts|
mi michigan|mn minnesota|ms mississippi|mo missouri|mt montana|ne nebraska|nv nevada|
nh new hampshire|nj new jersey|nm new mexico|ny new york|nc north carolina|
nd north dakota|oh ohio|ok oklahoma|or oregon|pa pennsylvania|ri rhode island|
sc south carolina|sd south dakota|tn tennessee|tx texas|ut utah|vt vermont|va virginia|
wa washington|wv west virginia|wi wisconsin|wy wyoming|
dc district of columbia|dc washington dc|dc washington d.c.|
pr puerto rico|gu guam|vi virgin islands|vi us virgin islands|vi u.s. virgin islands|
as american samoa|mp northern mariana islands|um us minor outlying islands|
um united states minor outlying islands|
aa armed forces americas|ae armed forces europe|ap armed forces pacific`
	m := map[string]string{}
	for entry := range strings.SplitSeq(table, "|") {
		code, name, _ := strings.Cut(strings.TrimSpace(entry), " ")
		m[code] = code
		m[foldText(name)] = code
	}
	return m
}()

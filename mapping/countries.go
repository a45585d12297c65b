package mapping

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"
)

// NormalizeCountry returns a country as its ISO 3166-1 alpha-2 code in
// lower case, as Meta hashes country. It reads alpha-2 and alpha-3 codes
// ("US", "USA", "GBR"), English names ("United States"), names in
// German, French, Spanish, Italian, Portuguese and Dutch ("Deutschland",
// "España", with or without accents), and common aliases ("UK",
// "England", "U.S.A.", "America", "Holland"). Case, spaces and
// punctuation do not matter. Anything else is refused as
// "unknown_country": a guessed code would send every row of a file to
// the wrong country.
func NormalizeCountry(s string) (string, error) {
	k := foldText(s)
	if k == "" {
		return "", &ValueError{Key: "country", Code: "empty"}
	}
	idx := countryIndex()
	if c, ok := idx[k]; ok {
		return c, nil
	}
	if c, ok := idx[stripMarks(k)]; ok {
		return c, nil
	}
	return "", &ValueError{Key: "country", Code: "unknown_country"}
}

// IsCountryCode reports whether c is an ISO 3166-1 alpha-2 country code,
// in either case, such as the config's default_country must be.
func IsCountryCode(c string) bool {
	if len(c) != 2 {
		return false
	}
	got, ok := countryIndex()[strings.ToLower(c)]
	return ok && got == strings.ToLower(c)
}

// countryAliases are names people write that are neither a code nor a
// display name; the parts of the United Kingdom are sent as gb because
// ISO 3166-1 has no code for them.
var countryAliases = map[string]string{
	"uk": "gb", "greatbritain": "gb", "britain": "gb", "england": "gb",
	"scotland": "gb", "wales": "gb", "northernireland": "gb",
	"unitedkingdomofgreatbritainandnorthernireland": "gb",
	"usa": "us", "america": "us", "unitedstatesofamerica": "us",
	"holland": "nl", "thenetherlands": "nl",
	"southkorea": "kr", "korearepublicof": "kr", "republicofkorea": "kr",
	"northkorea": "kp", "russianfederation": "ru", "czechrepublic": "cz",
	"ivorycoast": "ci", "turkey": "tr", "türkiye": "tr", "turkiye": "tr",
	"vietnam": "vn", "persia": "ir", "burma": "mm", "swaziland": "sz",
	"macedonia": "mk", "capeverde": "cv", "hongkongsar": "hk", "macaosar": "mo",
	"uae": "ae", "emirates": "ae", "vaticancity": "va", "holysee": "va",
	"deutschland": "de", "españa": "es", "espana": "es", "schweiz": "ch",
	"suisse": "ch", "svizzera": "ch", "österreich": "at", "osterreich": "at",
	"nederland": "nl", "belgië": "be", "belgique": "be", "polska": "pl",
	"sverige": "se", "norge": "no", "danmark": "dk", "suomi": "fi",
	"éire": "ie", "eire": "ie", "brasil": "br", "méxico": "mx", "nippon": "jp",
	"italia": "it", "france": "fr", "portugal": "pt", "россия": "ru",
	"中国": "cn", "日本": "jp", "한국": "kr",
}

// countryIndex maps folded codes, names and aliases to alpha-2 codes. It
// is built on first use (about a millisecond) so that programs that never
// read a country do not pay for it.
var countryIndex = sync.OnceValue(func() map[string]string {
	idx := make(map[string]string, 4096)
	add := func(key, code string) {
		if key == "" {
			return
		}
		if _, ok := idx[key]; !ok {
			idx[key] = code
		}
		if k := stripMarks(key); k != key {
			if _, ok := idx[k]; !ok {
				idx[k] = code
			}
		}
	}
	var regions []language.Region
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			// UK and other exceptionally reserved codes parse but are
			// not ISO 3166-1 country codes (their ISO3 is ZZZ); withdrawn
			// codes (DD, YU) canonicalize to a successor.
			if err != nil || r.String() != code || !r.IsCountry() || r.IsPrivateUse() || r.ISO3() == "ZZZ" || r.Canonicalize() != r {
				continue
			}
			regions = append(regions, r)
		}
	}
	// Codes first, then English names, then other languages, so that a
	// name that means different countries in two languages keeps the
	// English meaning.
	for _, r := range regions {
		code := strings.ToLower(r.String())
		idx[code] = code
		idx[strings.ToLower(r.ISO3())] = code
	}
	for k, v := range countryAliases {
		idx[foldText(k)] = v
	}
	namers := []display.Namer{
		display.English.Regions(), display.German.Regions(), display.French.Regions(),
		display.Spanish.Regions(), display.Italian.Regions(), display.Portuguese.Regions(),
		display.Dutch.Regions(),
	}
	for _, n := range namers {
		for _, r := range regions {
			add(foldText(n.Name(r)), strings.ToLower(r.String()))
		}
	}
	return idx
})

// stripMarks removes combining marks after decomposition, so "espana"
// finds "españa".
func stripMarks(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

package mapping

import "strings"

// NormalizeGender returns "f" or "m" (ge), Meta's only two values. It
// reads the English words and initials (female, woman, f; male, man, m),
// salutations (mrs, ms, miss, Frau, Madame, Sra.; mr, Herr, Monsieur,
// Sr.), so an Anrede column feeds ge, and the words of the languages most
// exports come in (German w/weiblich/frau, männlich/mann; French femme,
// homme; Spanish and Portuguese mujer/mulher, femenino/feminino, hombre/
// homem, masculino; Italian donna, uomo; Dutch vrouw, man), in any case
// and with punctuation ignored ("F.", "Female "). Anything else, including
// non-binary values Meta cannot take, is refused as "unknown_gender", so
// the key is left out rather than guessed.
func NormalizeGender(s string) (string, error) {
	k := foldText(s)
	if k == "" {
		return "", &ValueError{Key: "ge", Code: "empty"}
	}
	if g, ok := genderWords[k]; ok {
		return g, nil
	}
	return "", &ValueError{Key: "ge", Code: "unknown_gender"}
}

var genderWords = func() map[string]string {
	m := map[string]string{}
	for w := range strings.FieldsSeq("f w female woman women girl mrs ms miss frau weiblich weibl femme femenino feminino féminin feminin mujer mulher donna femmina vrouw vrouwelijk fr madame mme mademoiselle mlle sra señora senora senhora srta signora mevrouw mevr") {
		m[w] = "f"
	}
	for w := range strings.FieldsSeq("m male man men boy mr mann männlich mannlich maennlich männl homme masculin masculino hombre homem uomo maschio mannelijk herr hr monsieur sr señor senor senhor signor sig meneer dhr") {
		m[w] = "m"
	}
	return m
}()

// NormalizeExternalID returns an external_id trimmed of surrounding
// whitespace with its case kept: the same id must hash alike in every
// channel that sends it, and ids such as "AbC-12" are case-sensitive in
// the systems that issue them.
func NormalizeExternalID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &ValueError{Key: "external_id", Code: "empty"}
	}
	return s, nil
}

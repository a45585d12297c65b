package mapping

import (
	"strings"
)

// namePart returns the first or the last name of a full name written in
// one cell ("Billing Name", "Customer Name"): salutations and titles in
// front ("Mr", "Frau", "Dr.") and suffixes at the end ("Jr.", "III") are
// not names, and "Last, First" (as CRMs write) is read the other way
// round. A single word is a first name. A name that is a placeholder
// ("Walk-in Customer") comes back whole, so that the name normalizer
// refuses it.
func namePart(full, part string) string {
	full = strings.TrimSpace(full)
	if isPlaceholderText(full) {
		return full
	}
	if last, first, ok := strings.Cut(full, ","); ok && !isNameSuffix(strings.TrimSpace(first)) {
		full = strings.TrimSpace(first) + " " + strings.TrimSpace(last)
	}
	words := strings.FieldsFunc(full, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	for len(words) > 1 && isSalutation(words[0]) {
		words = words[1:]
	}
	for len(words) > 1 && isNameSuffix(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	switch {
	case len(words) == 0:
		return ""
	case part == "first":
		return words[0]
	case len(words) == 1:
		return "" // no last name written
	default:
		return words[len(words)-1]
	}
}

// isSalutation reports words that stand before a name but are not one.
// The gendered ones also feed ge (NormalizeGender reads them).
func isSalutation(w string) bool {
	_, ok := salutations[foldText(w)]
	return ok
}

var salutations = func() map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq("mr mrs ms miss mx dr prof herr frau fräulein hr fr monsieur madame mademoiselle mme mlle m sr sra srta señor señora senhor senhora sig signor signora dhr mevr meneer mevrouw") {
		m[w] = true
	}
	return m
}()

func isNameSuffix(w string) bool {
	switch foldText(w) {
	case "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq":
		return true
	}
	return false
}

// isPlaceholderText reports values that exports write where a customer's
// name, id or email would be when there is no customer: walk-in sales,
// guest checkouts, "N/A". They are never a person and never sent
// (README "What real exports need").
func isPlaceholderText(s string) bool {
	_, ok := placeholders[foldText(s)]
	return ok
}

var placeholders = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		"n/a", "na", "none", "null", "nil", "unknown", "unbekannt", "inconnu", "desconocido",
		"-", "--", "?", "x", "xx", "xxx", "0", "test", "dummy", "anonymous", "anonym", "anonyme",
		"guest", "guest customer", "gast", "walk-in", "walk in", "walkin", "walk-in customer",
		"walk in customer", "walkin customer", "cash customer", "cash sale", "customer", "no name",
		"noname", "no customer", "laufkunde", "barverkauf", "barkunde", "kunde", "kundennr 0",
		"client", "client de passage", "cliente", "cliente de mostrador", "cliente final",
		"default customer", "pos customer",
	} {
		if k := foldText(w); k != "" {
			m[k] = true
		}
	}
	return m
}()

// isPlaceholderEmail reports addresses that stand for "no email": a local
// part or a domain that nobody receives mail at.
func isPlaceholderEmail(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	switch local {
	case "test", "noemail", "no-email", "no_email", "nomail", "none", "na", "n/a", "null",
		"noreply", "no-reply", "unknown", "dummy", "fake", "x", "xx", "xxx", "keine", "kein":
		return true
	}
	switch domain {
	case "test.com", "noemail.com", "none.com", "nomail.com", "no-email.com", "email.invalid", "invalid":
		return true
	}
	return false
}

// looksLikeContact reports a value that is an email address or a phone
// number written as people write them ("+1 650…", "(650) 555-…"): raw
// customer data that must never leave as an id or a property. A bare run
// of digits is not flagged, since receipt numbers are digits too.
func looksLikeContact(v string) bool {
	v = strings.TrimSpace(v)
	if at := strings.IndexByte(v, '@'); at > 0 && strings.Contains(v[at:], ".") && !strings.ContainsAny(v, " ") {
		return true
	}
	if !strings.HasPrefix(v, "+") && !strings.HasPrefix(v, "(") {
		return false
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return false
		}
	}
	return digits >= 7
}

// contactColumn reports a column name that says it holds email addresses
// or phone numbers, in the languages exports come in.
func contactColumn(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"email", "e-mail", "e mail", "mail address", "phone", "mobile", "telefon", "telephone", "téléphone", "teléfono", "telefone", "handy", "cell"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

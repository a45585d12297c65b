package mapping

// ValueError says why a customer-information or custom-data value was
// refused. Code is a short, stable identifier ("not_an_email",
// "bad_phone", "bad_year", …) used in summary counts; neither field ever
// holds the value itself.
type ValueError struct {
	Key  string
	Code string
}

func (e *ValueError) Error() string { return e.Key + ": " + e.Code }

// The normalizers below each return the form Meta documents
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters)
// before hashing, or a *ValueError. They are pure and idempotent:
// N(N(x)) == N(x).
//
//	func NormalizeEmail(s string) (string, error)
//	func NormalizePhone(s, defaultCountry string) (string, error)
//	func NormalizeName(s string) (string, error)            // fn, ln
//	func NormalizeCity(s string) (string, error)
//	func NormalizeState(s, country string) (string, error)  // country: ISO alpha-2 of the row or default
//	func NormalizeZip(s, country string) (string, error)
//	func NormalizeCountry(s string) (string, error)
//	func NormalizeBirthdate(s, layout string, now time.Time) (string, error) // layout "" or "auto" guesses
//	func NormalizeGender(s string) (string, error)
//	func NormalizeExternalID(s string) (string, error)
//	func NormalizeCurrency(s string) (string, error)        // ISO 4217, upper-case
//	func Hash(normalized string) string                     // SHA-256 lower-case hex; 64-hex input passes through lower-cased
//	func IsSHA256Hex(s string) bool

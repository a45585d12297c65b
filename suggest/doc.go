// Package suggest proposes a mapping config for an export nobody has
// mapped yet: it is the engine of `capi-upload init`.
//
// It reads the header and a sample of rows (streamed, never the whole
// file), recognizes columns by their names in the languages exports come
// in (Email, E-Mail-Adresse, Courriel, Correo, Teléfono, PLZ, CEP, …) and,
// when a name says nothing ("Column7"), by their values (emails, phone
// numbers, SHA-256 hashes, dates, Excel serials, money). It works out the
// date layout, decimal separator and list separator from the values and
// writes a complete, commented YAML config in the shape of the README's "Mapping
// config", for a person to check before the first upload.
//
// The proposal is meant to pass `capi-upload validate` on the same file
// unchanged whenever the file has an event time and customer data. Its
// comments quote sample dates and amounts to show where a format came
// from, but never a value from a customer column: the output is printed
// on a terminal and pasted into tickets.
package suggest

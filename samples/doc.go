// Package samples writes the synthetic exports that the README's quick start,
// the samples tests and `capi-upload init`'s tests run on: a point-of-sale
// CSV (pos.csv, `;`-separated, Windows-1252, local store times, decimal
// commas) and a CRM workbook (crm.xlsx, Excel date serials, international
// customers). Their mapping configs, pos.yaml and crm.yaml, are hand-written
// files beside them.
//
// Event times are relative to a given "now" so that the quick start shows
// sent events on whatever day it is run; for one "now" the output is
// byte-identical, so tests can pin counts and bytes. Every person, address,
// phone number and email in the files is invented (example.com domains,
// fictional 555-01xx numbers and a UK mobile range the phone library
// judges valid).
package samples

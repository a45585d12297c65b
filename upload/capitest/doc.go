// Package capitest is a strict local stand-in for Meta's Conversions API
// /events edge (POST /v{N}.0/{pixel_id}/events), for tests and benchmarks of
// anything that sends events: the upload client, the end-to-end tests of the
// command, and its throughput benchmarks.
//
// The double enforces what Meta documents for the edge, so that a client
// that passes against it has a fair chance against the real one: the route,
// the access token (and optionally appsecret_proof), at most 1,000 events per
// request, required event fields, action_source values, 64-hex hashed
// customer keys, the formats of the keys Meta takes unhashed (an IP
// literal, fbc and fbp in the fb.<index>.<time>.<value> form, a lead_id of
// 15 to 17 digits, none of them a hash), the Conversion Leads payload
// (custom_data.event_source crm with lead_id, lead_event_source and
// action_source system_generated), the 7-day event_time window (subcode 2804003), the matching
// floor (subcode 2804050), Purchase value and currency, and Limited Data Use
// fields. Like Meta, it rejects the whole request when any event is invalid
// and processes none of it; and like Meta (as far as anyone has documented)
// it does not say which event was at fault, so a client must find bad events
// by splitting the batch.
//
// It records every request and every accepted event, so tests can assert
// that each event arrived exactly once, that the token never appeared in a
// URL, and how many requests were in flight at once. Faults are injected
// per request (a queue) or for all requests (standing rules): latency, HTTP
// 5xx, transient and throttling Graph errors with Retry-After and usage
// headers, hanging until the client gives up, accepting the events and then
// dropping the connection, token and permission errors, and poison event
// ids.
//
// Where Meta's behaviour is not documented, the double picks the strict
// reading and says so in the doc comment of the rule; the sources are
// Meta's pages cited next to each rule.
//
// capitest listens on loopback only and never talks to Meta.
package capitest

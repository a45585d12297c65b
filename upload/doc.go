// Package upload sends events to the Conversions API /events edge: it packs
// them into batches of at most 1,000, sends batches concurrently, retries
// what Meta or the network says may be retried, isolates the events Meta
// refuses, and records what was acknowledged in a ledger so that no event
// is sent twice.
package upload

// Package upload sends events to the Conversions API /events edge: it packs
// them into batches of at most 1,000, sends batches concurrently, retries
// what Meta or the network says may be retried, isolates the events Meta
// refuses, and records what was acknowledged in a ledger so that no event
// is sent twice.
//
// The pieces, and who owns what:
//
//   - Run owns the flow: it reads events from a channel, skips those the
//     Ledger has seen, packs batches, sends them under an errgroup limited
//     to Options.Concurrency, retries (codeActions in retry.go is the whole
//     policy), takes out events that turned stale before every attempt,
//     bisects a batch Meta rejects as invalid (isolate), records what was
//     acknowledged in the ledger (from one writer goroutine, off the
//     request slots, finished before Run returns), and gives every event
//     exactly one Outcome.
//   - A Sender (capi.Sender) makes one attempt at one request body: Client over HTTP,
//     DryRun to files. The body is built once per batch by Run without the
//     token; only Client adds access_token and appsecret_proof, so neither
//     can reach a log, an error, a report or a URL.
//   - The Ledger (capi.Ledger, kept by package ledger) says which events earlier runs sent;
//     Run records what Meta acknowledged through its ledger writer.
//
// A request that timed out may still have been processed by Meta. Its
// events are retried with the same event_id, which Meta uses to
// deduplicate them, so a retry never counts an event twice; events are
// written to the ledger only after Meta acknowledged them.
package upload

package upload

// isolate delivers evs with send. When send says the batch is invalid
// (Meta rejects a whole batch for one bad event), the batch is cut in
// halves and each half is isolated in turn, so that only the events that
// make a batch invalid on their own reach reject, and every other event is
// delivered. With k bad events among n this costs at most about
// 2·k·log2(n) extra calls to send. An error from send stops the run: it is
// returned at once and the events not yet tried are left to the caller.
//
// triage, when not nil, is asked first about an invalid batch: when Meta's
// error names a cause the events show (an event_time too old), it moves
// the events with that cause to the front of evs and returns how many;
// those are rejected at once and the rest is tried as a whole. Halving
// would cost about two calls per event when most of a batch is bad, as
// when all of a backfill is older than Meta takes. Events are tried in the
// order evs holds after triage, so those with an outcome are always a
// prefix of it.
func isolate[T any](evs []T, send func([]T) (invalid *APIError, err error), reject func([]T, *APIError), triage func([]T, *APIError) int) error {
	if len(evs) == 0 {
		return nil
	}
	invalid, err := send(evs)
	if err != nil || invalid == nil {
		return err
	}
	if triage != nil {
		if n := triage(evs, invalid); n > 0 {
			reject(evs[:n], invalid)
			return isolate(evs[n:], send, reject, triage)
		}
	}
	if len(evs) == 1 {
		reject(evs, invalid)
		return nil
	}
	mid := len(evs) / 2
	if err := isolate(evs[:mid], send, reject, triage); err != nil {
		return err
	}
	return isolate(evs[mid:], send, reject, triage)
}

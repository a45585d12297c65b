package upload

// isolate delivers evs with send. When send says the batch is invalid
// (Meta rejects a whole batch for one bad event), the batch is cut in
// halves and each half is isolated in turn, so that only the events that
// make a batch invalid on their own reach reject, and every other event is
// delivered. With k bad events among n this costs at most about
// 2·k·log2(n) extra calls to send. An error from send stops the run: it is
// returned at once and the events not yet tried are left to the caller.
func isolate[T any](evs []T, send func([]T) (invalid *APIError, err error), reject func([]T, *APIError)) error {
	if len(evs) == 0 {
		return nil
	}
	invalid, err := send(evs)
	if err != nil || invalid == nil {
		return err
	}
	if len(evs) == 1 {
		reject(evs, invalid)
		return nil
	}
	mid := len(evs) / 2
	if err := isolate(evs[:mid], send, reject); err != nil {
		return err
	}
	return isolate(evs[mid:], send, reject)
}

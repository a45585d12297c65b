//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// removeOpenFiles is false where an open file cannot be removed (Windows):
// the runs are removed when the set is closed.
const removeOpenFiles = false

// allocWords returns n zeroed words from the Go heap, where no anonymous
// mapping is at hand.
func allocWords(n int) ([]uint64, error) {
	return make([]uint64, n), nil
}

// freeWords leaves w to the garbage collector.
func freeWords([]uint64) error { return nil }

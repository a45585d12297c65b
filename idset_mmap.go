//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

// removeOpenFiles says the platform keeps a removed file for the
// descriptors still open on it.
const removeOpenFiles = true

// allocWords returns n zeroed words of anonymous memory outside the Go
// heap. The duplicate-id set's table and filter are large and live for
// the whole run; on the heap each would raise the garbage collector's goal
// by twice its size (GOGC=200) as well.
func allocWords(n int) ([]uint64, error) {
	b, err := syscall.Mmap(-1, 0, 8*n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes: %w", 8*n, err)
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), n), nil
}

// freeWords returns memory from allocWords; nil is a no-op.
func freeWords(w []uint64) error {
	if len(w) == 0 {
		return nil
	}
	// syscall.Munmap finds the mapping by the addresses of the first
	// and last byte, which this slice shares with the one Mmap returned.
	return syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), 8*len(w)))
}

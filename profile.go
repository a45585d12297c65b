//go:build profile

package main

import (
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Built with -tags profile, capi-upload writes a CPU profile to the file
// named by CAPI_UPLOAD_CPUPROFILE, a heap profile (with every
// allocation's size, for alloc_space) to CAPI_UPLOAD_MEMPROFILE, and an
// execution trace to CAPI_UPLOAD_TRACE (where the CPU waits: on the disk,
// on the double, on a lock), for the bench scripts; release builds carry
// no profiling hooks.
func init() {
	var stops []func()
	// stream starts a profile that writes to the file named by env as the
	// run goes, and stops it at the end.
	stream := func(env string, start func(io.Writer) error, stop func()) {
		path := os.Getenv(env)
		if path == "" {
			return
		}
		f, err := os.Create(path)
		if err != nil {
			panic(err)
		}
		if err := start(f); err != nil {
			panic(err)
		}
		stops = append(stops, func() {
			stop()
			f.Close()
		})
	}
	stream("CAPI_UPLOAD_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stream("CAPI_UPLOAD_TRACE", trace.Start, trace.Stop)
	if path := os.Getenv("CAPI_UPLOAD_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			f, err := os.Create(path)
			if err != nil {
				panic(err)
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				panic(err)
			}
		})
	}
	stopProfile = func() {
		for _, stop := range stops {
			stop()
		}
	}
}

//go:build profile

package main

import (
	"os"
	"runtime/pprof"
)

// Built with -tags profile, capi-upload writes a CPU profile to the file
// named by CAPI_UPLOAD_CPUPROFILE, for the bench script; release builds
// carry no profiling hooks.
func init() {
	path := os.Getenv("CAPI_UPLOAD_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	stopProfile = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

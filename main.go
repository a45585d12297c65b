// Command capi-upload sends offline conversion events from CSV and XLSX
// exports to Meta's Conversions API. See README.md for how to run
// it and what it promises.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// stopProfile ends CPU profiling in builds with -tags profile.
var stopProfile = func() {}

func main() {
	// Every row leaves a little short-lived garbage and the live heap is
	// small, so a higher GC target trades some peak memory for less CPU
	// (bench/README.md, "Figures"). GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handlers so that a second
	// one ends the process at once, as users expect of Ctrl-C pressed twice.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, time.Now)
	stop()
	stopProfile()
	os.Exit(int(code))
}

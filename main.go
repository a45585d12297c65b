// Command capi-upload sends offline conversion events from CSV and XLSX
// exports to Meta's Conversions API. See SPEC.md for the contract and
// README.md for how to run it.
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
	// small (tens of MiB), so a GC target of 200% trades about 35 MiB of
	// peak memory for about a tenth less CPU (bench/bench.sh, 1M rows:
	// 8.3 to 7.4 CPU seconds). GOGC in the environment still wins.
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

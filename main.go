// Command capi-upload sends offline conversion events from CSV and XLSX
// exports to Meta's Conversions API. See SPEC.md for the contract and
// README.md for how to run it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopProfile ends CPU profiling in builds with -tags profile.
var stopProfile = func() {}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handlers so that a second
	// one ends the process at once, as users expect of Ctrl-C pressed twice.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	stopProfile()
	os.Exit(int(code))
}

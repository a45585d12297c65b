// Command fakeedge serves the test double of Meta's Conversions API /events
// edge (package capitest) on a loopback port, for the README demo and the
// whole-run benchmarks. It prints its base URL on the first line of stdout
// and serves until it is interrupted or stdin closes.
//
//	go run ./tools/fakeedge -latency 600ms
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"capi-upload/upload/capitest"
)

func main() {
	latency := flag.Duration("latency", 0, "delay before each answer")
	pixels := flag.String("pixels", capitest.DefaultPixelID, "comma-separated pixel ids the token may post to")
	watchStdin := flag.Bool("stdin", false, "also stop when stdin closes")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the double to `file` (for its own benchmarks)")
	sinkOnly := flag.Bool("sink", false, "answer every batch as received, checking and recording nothing (for benchmarks on shared CPUs)")
	flag.Parse()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeedge: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "fakeedge: start CPU profile: %v\n", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "fakeedge: write CPU profile: %v\n", err)
			}
		}()
	}

	var report func()
	if *sinkOnly {
		if *latency > 0 {
			fmt.Fprintln(os.Stderr, "fakeedge: -sink answers at once; -latency is for the full double")
			os.Exit(2)
		}
		s := &sink{}
		srv := httptest.NewServer(s)
		defer srv.Close()
		fmt.Println(srv.URL)
		fmt.Fprintf(os.Stderr, "fakeedge: serving a sink that checks nothing at %s\n", srv.URL)
		report = func() { fmt.Fprintf(os.Stderr, "fakeedge: %d events received (sink)\n", s.events.Load()) }
	} else {
		opts := []capitest.Option{capitest.WithPixels(strings.Split(*pixels, ",")...)}
		if *latency > 0 {
			opts = append(opts, capitest.WithLatency(*latency))
		}
		srv := capitest.NewServer(opts...)
		defer srv.Close()
		fmt.Println(srv.URL)
		fmt.Fprintf(os.Stderr, "fakeedge: serving the /events test double at %s (token %q)\n", srv.URL, srv.Token())
		report = func() {
			fmt.Fprintf(os.Stderr, "fakeedge: %d events received, %d duplicates\n", srv.EventsReceived(), len(srv.Duplicates()))
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	<-ctx.Done()
	// Let an answer being written finish before the listener goes.
	shutdown := time.NewTimer(100 * time.Millisecond)
	<-shutdown.C
	report()
}

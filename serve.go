package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"capi-upload/pipeline"
	"capi-upload/report"
	"capi-upload/web"
)

// runServe is `capi-upload serve`: the local web page of package web,
// with runs made by this command's own pipeline (cliRunner).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env, now func() time.Time) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback unless you mean otherwise)")
	state := fs.String("state", "", "the sent-events ledger, the nightly job's --state (default capi-upload.state in --dir, else here)")
	dir := fs.String("dir", "", "folder of exports to open; configs are saved and reports written there")
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "Usage: capi-upload serve [--addr 127.0.0.1:8080] [--state FILE] [--dir DIR]\n\nA local web page to map an export, preview it masked, check it, save the config and send.\n\nFlags:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return &usageError{msg: err.Error(), hint: `run "capi-upload serve --help"`}
	}
	if len(positional) > 0 {
		return usagef("serve takes no INPUT: open files in the page, or name a folder with --dir")
	}
	if *dir != "" {
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			return fmt.Errorf("--dir %s: not a folder", *dir)
		}
	}
	if *state == "" {
		*state = filepath.Join(*dir, "capi-upload.state")
	}
	if abs, err := filepath.Abs(*state); err == nil {
		*state = abs
	}
	return serve(ctx, *addr, web.Options{
		Runner:    cliRunner{getenv: getenv, now: now},
		Dir:       *dir,
		StatePath: *state,
		Now:       now,
		Getenv:    getenv,
		Logger:    slog.New(slog.NewTextHandler(stderr, nil)),
		CLI:       "capi-upload",
	}, stdout, stderr)
}

// serve listens on addr and serves the page until ctx ends.
func serve(ctx context.Context, addr string, opt web.Options, stdout, stderr io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	opt.Port = port
	ip := net.ParseIP(host)
	shown := host
	switch {
	case ip != nil && ip.IsLoopback():
	case ip != nil && ip.IsUnspecified():
		// Listening on every interface: accept this machine's own names.
		shown = "127.0.0.1"
		if h, err := os.Hostname(); err == nil {
			opt.Hosts = append(opt.Hosts, net.JoinHostPort(h, port))
		}
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					opt.Hosts = append(opt.Hosts, net.JoinHostPort(n.IP.String(), port))
				}
			}
		}
		fmt.Fprintln(stderr, "capi-upload serve: listening on every interface: anyone who has the URL below can use the page")
	default:
		opt.Hosts = append(opt.Hosts, net.JoinHostPort(host, port))
		fmt.Fprintln(stderr, "capi-upload serve: not on loopback: anyone who has the URL below can use the page")
	}
	srv, err := web.New(opt)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "capi-upload serve: open this address in a browser (it carries the session secret):\n\n    http://%s/?token=%s\n\nPress Ctrl-C to stop; the files opened in the page are removed then.\n",
		net.JoinHostPort(shown, port), srv.Secret())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	<-errc
	return nil
}

// cliRunner runs the page's runs through the same path as the command
// line: parseRunFlags → pipeline.Run (runPipeline), so the page gets the
// same config resolution, ledger locking, reports and exit codes as the
// nightly job.
type cliRunner struct {
	getenv env              // the server's environment: CAPI_GRAPH_URL, CAPI_APP_SECRET
	now    func() time.Time // the server's clock
}

func (c cliRunner) Run(ctx context.Context, req web.RunRequest, progress func(web.Progress)) (web.RunResult, error) {
	args := []string{"--config", req.ConfigPath, "--report-dir", req.ReportDir,
		"--state", req.StatePath, "--progress", "never"}
	if req.Command == web.CommandUpload {
		if req.DryRun {
			args = append(args, "--dry-run")
		}
		if req.TestEventCode != "" {
			args = append(args, "--test-event-code", req.TestEventCode)
		}
	}
	args = append(args, "--", req.Input)
	// The token goes to the run through this lookup only, never into the
	// process environment, where child processes and crash dumps see it.
	getenv := func(k string) string {
		if k == "CAPI_ACCESS_TOKEN" {
			return req.Token
		}
		return c.getenv(k)
	}
	var msgs messageLog
	o, err := parseRunFlags(string(req.Command), args, io.Discard, &msgs, getenv)
	if err != nil {
		code := reportError(err, &msgs)
		return web.RunResult{ReportDir: req.ReportDir, ExitCode: int(code), Message: msgs.message()}, nil
	}
	o.Stdin, o.Stderr, o.Now = strings.NewReader(""), io.Discard, c.now
	if progress != nil {
		o.OnProgress = func(p pipeline.Progress) {
			progress(web.Progress{Rows: p.RowsRead, Done: p.Sent, Total: p.Total})
		}
	}
	code := runPipeline(ctx, o, io.Discard, &msgs)
	res := web.RunResult{ReportDir: req.ReportDir, ExitCode: int(code), Message: msgs.message()}
	if b, err := os.ReadFile(filepath.Join(req.ReportDir, report.SummaryFile)); err == nil {
		var s report.Summary
		if err := json.Unmarshal(b, &s); err == nil {
			res.Summary = &s
		}
	}
	return res, nil
}

// messageLog keeps the "capi-upload: …" lines a run writes for a person
// (why its exit code is not 0) as the page's message; log lines are
// dropped. Neither holds customer data or the token (README "Reports").
type messageLog struct {
	mu   sync.Mutex
	buf  []byte
	msgs []string
}

func (m *messageLog) Write(b []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = append(m.buf, b...)
	for {
		i := bytes.IndexByte(m.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if msg, ok := bytes.CutPrefix(m.buf[:i], []byte("capi-upload: ")); ok {
			m.msgs = append(m.msgs, string(msg))
		}
		m.buf = m.buf[i+1:]
	}
}

func (m *messageLog) message() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.msgs, "\n")
}

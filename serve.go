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

	"capi-upload/report"
	"capi-upload/web"
)

// runServe is `capi-upload serve`: the local web page of package web,
// with runs made by this command's own pipeline (cliRunner).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
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
		Runner:    cliRunner{getenv: getenv},
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

// cliRunner runs the page's runs through run, this command's own entry
// point, in process: the same flags, pipeline, ledger locking and reports
// as the nightly job. It is the one piece to switch to pipeline.Run once
// the pipeline is a package: RunRequest maps onto its Options field by
// field, Progress onto its OnProgress callback, and RunResult onto its
// Result (report dir, summary, exit code).
type cliRunner struct {
	getenv env // the server's environment: CAPI_GRAPH_URL, CAPI_APP_SECRET
}

func (c cliRunner) Run(ctx context.Context, req web.RunRequest, progress func(web.Progress)) (web.RunResult, error) {
	args := []string{string(req.Command), "--config", req.ConfigPath, "--report-dir", req.ReportDir,
		"--state", req.StatePath, "--progress", "auto", "--log-format", "json"}
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
		switch k {
		case "CAPI_ACCESS_TOKEN":
			return req.Token
		case "CAPI_UPLOAD_PROGRESS_EVERY":
			return "250ms"
		}
		return c.getenv(k)
	}
	logs := &progressLog{onProgress: progress}
	code := run(ctx, args, strings.NewReader(""), io.Discard, logs, getenv)
	logs.flush()
	res := web.RunResult{ReportDir: req.ReportDir, ExitCode: int(code), Message: logs.message()}
	b, err := os.ReadFile(filepath.Join(req.ReportDir, report.SummaryFile))
	if err == nil {
		var s report.Summary
		if err := json.Unmarshal(b, &s); err == nil {
			res.Summary = &s
		}
	}
	return res, nil
}

// progressLog reads a run's stderr: its JSON progress lines become
// progress callbacks, and its "capi-upload: …" lines the result's
// message. (Logs never hold customer data or the token: SPEC.)
type progressLog struct {
	onProgress func(web.Progress)
	mu         sync.Mutex
	buf        []byte
	msgs       []string
}

func (p *progressLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.line(p.buf[:i])
		p.buf = p.buf[i+1:]
	}
}

func (p *progressLog) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.line(p.buf)
		p.buf = nil
	}
}

func (p *progressLog) line(l []byte) {
	if msg, ok := bytes.CutPrefix(l, []byte("capi-upload: ")); ok {
		p.msgs = append(p.msgs, string(msg))
		return
	}
	var v struct {
		Msg   string `json:"msg"`
		Level string `json:"level"`
		Err   string `json:"err"`
		Rows  int    `json:"rows_read"`
		Sent  *int   `json:"sent"`
		Built *int   `json:"built"`
	}
	if json.Unmarshal(l, &v) != nil {
		return
	}
	switch {
	case v.Msg == "progress" && p.onProgress != nil:
		pr := web.Progress{Rows: v.Rows}
		if v.Sent != nil {
			pr.Done = *v.Sent
		} else if v.Built != nil {
			pr.Done = *v.Built
		}
		p.onProgress(pr)
	case v.Level == "ERROR":
		p.msgs = append(p.msgs, strings.TrimSpace(v.Msg+": "+v.Err))
	}
}

func (p *progressLog) message() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.msgs, "\n")
}

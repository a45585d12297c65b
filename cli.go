package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	_ "time/tzdata" // timezone names must work on machines without zoneinfo

	"capi-upload/capi"
	"capi-upload/mapping"
	"capi-upload/pipeline"
	"capi-upload/report"
	"capi-upload/upload"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it the module version from the build info is used.
var version = ""

func appVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	// go run and builds outside a module version still record the commit.
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev-" + rev[:min(12, len(rev))]
	if dirty {
		v += "-dirty"
	}
	return v
}

const topUsage = `capi-upload sends offline conversion events from CSV and XLSX exports
to Meta's Conversions API.

Usage:
  capi-upload upload   --config FILE [flags] INPUT...   read, map, check, send, report
  capi-upload validate --config FILE [flags] INPUT...   everything but the network; same reports
  capi-upload init     [--sheet NAME] INPUT             print a proposed mapping config for a file
  capi-upload serve    [--addr 127.0.0.1:8080] [--state FILE] [--dir DIR]
                                                        a local web page: map, preview, check, send
  capi-upload version

INPUT is a .csv, .tsv, .txt, .csv.gz or .xlsx file, a directory (its such
files, sorted by name), or - for CSV on standard input.

Environment: CAPI_ACCESS_TOKEN (required to send), CAPI_APP_SECRET
(optional, adds appsecret_proof), CAPI_GRAPH_URL (optional base URL).

Run "capi-upload COMMAND --help" for a command's flags.
`

// env looks up an environment variable; tests pass a map's lookup.
type env func(string) string

// run is the whole program but for process setup, so tests can call it.
// now is the clock of the run: time.Now, or a fixed one in tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv env, now func() time.Time) exitCode {
	stderr = serialize(stderr)
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "upload", "validate":
		var o *options
		o, err = parseRunFlags(cmd, rest, stdout, stderr, getenv)
		if err == nil {
			o.Stdin, o.Stderr, o.Now = stdin, stderr, now
			return runPipeline(ctx, o, stdout, stderr)
		}
	case "init":
		err = runInit(ctx, rest, stdin, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stdout, stderr, getenv, now)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "capi-upload %s\n", appVersion())
		return exitOK
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, topUsage)
		return exitOK
	default:
		err = &usageError{msg: fmt.Sprintf("unknown command %q", cmd), hint: `run "capi-upload --help"`}
	}
	return reportError(err, stderr)
}

// reportError prints err for a person and picks the exit code.
func reportError(err error, stderr io.Writer) exitCode {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if ue, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(stderr, "capi-upload: %s\n", ue.msg)
		if ue.hint != "" {
			fmt.Fprintf(stderr, "%s\n", ue.hint)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "capi-upload: %v\n", err)
	return exitFatal
}

// options are the resolved settings of an upload or validate run: flags
// over config values over defaults.
type options struct {
	pipeline.Options
	logFormat string // "text" or "json", for the log lines and the summary
}

// durationFlag reads Go durations and whole days ("7d").
type durationFlag struct{ d *time.Duration }

// String is what --help shows as the default: whole days as the "7d" a
// user may type, not 168h0m0s.
func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	if day := 24 * time.Hour; *f.d >= day && *f.d%day == 0 {
		return fmt.Sprintf("%dd", *f.d/day)
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := mapping.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: negative", s)
	}
	return time.Duration(d), nil
}

func parseRunFlags(cmd string, args []string, stdout, stderr io.Writer, getenv env) (*options, error) {
	o := &options{}
	o.Command = cmd
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "capi-upload.yaml", "mapping config (YAML)")
	fs.StringVar(&o.ReportDir, "report-dir", "", "where reports go (default reports/<UTC timestamp>)")
	fs.StringVar(&o.StatePath, "state", "", "the sent-events ledger (default capi-upload.state beside the config)")
	maxAge := capi.MetaMaxAge
	fs.Var(durationFlag{&maxAge}, "max-age", "drop events older than this `duration` (Go duration or 7d)")
	fs.StringVar(&o.ProgressMode, "progress", "auto", "progress bar on stderr: auto, always or never")
	fs.StringVar(&o.logFormat, "log-format", "text", "log lines on stderr: text or json")
	fs.Float64Var(&o.MaxRejectRatio, "max-reject-ratio", capi.DefaultMaxRejectRatio, "exit 4 when rejected rows / rows read exceeds this")
	sheet := fs.String("sheet", "", "XLSX sheet (default the first sheet)")
	if cmd == "upload" {
		fs.BoolVar(&o.Resend, "resend", false, `ignore the ledger's "already sent"`)
		fs.IntVar(&o.BatchSize, "batch-size", capi.MaxBatchSize, fmt.Sprintf("events per request, 1..%d", capi.MaxBatchSize))
		fs.IntVar(&o.Concurrency, "concurrency", capi.DefaultConcurrency, "requests in flight")
		fs.StringVar(&o.TestEventCode, "test-event-code", "", "send as test events (Events Manager > Test Events)")
		fs.BoolVar(&o.DryRun, "dry-run", false, "write the request bodies to <report-dir>/requests/ instead of sending")
		fs.IntVar(&o.MaxAttempts, "max-attempts", capi.DefaultMaxAttempts, "tries per request before its rows are upload_failed")
		o.RequestTimeout = capi.DefaultRequestTimeout
		fs.Var(durationFlag{&o.RequestTimeout}, "request-timeout", "the `duration` one request may take")
	}
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandUsage(stdout, cmd, fs)
		return nil, errHelp
	}
	if err != nil {
		return nil, &usageError{msg: err.Error(), hint: fmt.Sprintf(`run "capi-upload %s --help"`, cmd)}
	}
	if len(positional) == 0 {
		return nil, &usageError{msg: "no INPUT given", hint: fmt.Sprintf("usage: capi-upload %s --config FILE [flags] INPUT...", cmd)}
	}
	if i := slices.Index(positional, "-"); i >= 0 && slices.Contains(positional[i+1:], "-") {
		return nil, usagef(`"-" (standard input) given more than once`)
	}
	o.Inputs = positional
	o.Version = appVersion()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch o.ProgressMode {
	case "auto", "always", "never":
	default:
		return nil, usagef("--progress must be auto, always or never, not %q", o.ProgressMode)
	}
	switch o.logFormat {
	case "text", "json":
	default:
		return nil, usagef("--log-format must be text or json, not %q", o.logFormat)
	}
	if cmd == "upload" {
		if o.BatchSize < 1 || o.BatchSize > capi.MaxBatchSize {
			return nil, usagef("--batch-size must be between 1 and %d, not %d", capi.MaxBatchSize, o.BatchSize)
		}
		if o.Concurrency < 1 || o.Concurrency > capi.MaxConcurrency {
			return nil, usagef("--concurrency must be between 1 and %d, not %d", capi.MaxConcurrency, o.Concurrency)
		}
		if o.MaxAttempts < 1 || o.MaxAttempts > capi.MaxAttempts {
			return nil, usagef("--max-attempts must be between 1 and %d, not %d", capi.MaxAttempts, o.MaxAttempts)
		}
	}
	if o.MaxRejectRatio < 0 || o.MaxRejectRatio > 1 {
		return nil, usagef("--max-reject-ratio must be between 0 and 1, not %v", o.MaxRejectRatio)
	}

	cfg, err := mapping.Load(*configPath)
	if errors.Is(err, iofs.ErrNotExist) {
		input := "EXPORT.csv"
		if len(o.Inputs) > 0 {
			input = o.Inputs[0]
		}
		return nil, fmt.Errorf("config %s: %w (capi-upload init %s > %s proposes one to review)", *configPath, err, input, *configPath)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", *configPath, err)
	}
	o.Config = cfg
	if set["sheet"] {
		cfg.Input.Sheet = *sheet
	}
	// A flag wins over its config twin, which wins over the default.
	// Paths in the config are relative to its directory (README), as a
	// flag's are to the working directory: cron runs from anywhere.
	if !set["report-dir"] && cfg.ReportDir != "" {
		o.ReportDir = resolveBeside(*configPath, cfg.ReportDir)
	}
	if !set["state"] && cfg.State != "" {
		o.StatePath = resolveBeside(*configPath, cfg.State)
	}
	if o.StatePath == "" {
		o.StatePath = filepath.Join(filepath.Dir(*configPath), "capi-upload.state")
	}
	o.MaxAge = maxAge
	if !set["max-age"] && cfg.MaxAge != 0 {
		o.MaxAge = time.Duration(cfg.MaxAge)
	}
	if !set["max-reject-ratio"] && cfg.MaxRejectRatio != nil {
		o.MaxRejectRatio = *cfg.MaxRejectRatio
	}
	u := cfg.Upload
	if !set["batch-size"] && u.BatchSize != 0 {
		o.BatchSize = u.BatchSize
	}
	if !set["concurrency"] && u.Concurrency != 0 {
		o.Concurrency = u.Concurrency
	}
	if !set["max-attempts"] && u.MaxAttempts != 0 {
		o.MaxAttempts = u.MaxAttempts
	}
	if !set["request-timeout"] && u.RequestTimeout != 0 {
		o.RequestTimeout = time.Duration(u.RequestTimeout)
	}
	if !set["test-event-code"] && u.TestEventCode != "" {
		o.TestEventCode = u.TestEventCode
	}
	// A token read from a file (cron's $(cat token), a systemd
	// EnvironmentFile written on Windows) can bring a space or a \r that
	// Meta would refuse as an invalid token, sending the user off to make
	// a new one; no token or secret has white space of its own. Only a
	// run that sends uses them, so only such a run is stopped by them.
	sends := cmd == "upload" && !o.DryRun
	for _, v := range []struct {
		name string
		dst  *string
	}{{"CAPI_ACCESS_TOKEN", &o.Token}, {"CAPI_APP_SECRET", &o.AppSecret}} {
		*v.dst = strings.TrimSpace(getenv(v.name))
		if sends && strings.ContainsFunc(*v.dst, unicode.IsSpace) {
			return nil, fmt.Errorf("%s holds white space inside it: set it to the value alone", v.name)
		}
	}
	o.GraphURL = getenv("CAPI_GRAPH_URL")
	if o.GraphURL == "" {
		o.GraphURL = "https://graph.facebook.com"
	} else if sends {
		// Checked before anything is read or written, so that a run
		// that would send the token in clear stops at once.
		if _, err := upload.ParseBaseURL(o.GraphURL); err != nil {
			return nil, fmt.Errorf("CAPI_GRAPH_URL: %w", err)
		}
	}
	if sends && o.Token == "" {
		return nil, errors.New("CAPI_ACCESS_TOKEN is not set: generate an access token in Events Manager > Settings > Conversions API and export it (use --dry-run to try without sending)")
	}
	return o, nil
}

// resolveBeside makes a path from the config file relative to the
// config's directory, so a config works from any working directory.
func resolveBeside(configPath, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}

// parseInterspersed lets flags follow the inputs, as in
// "capi-upload upload sales.csv --dry-run"; "-" is an input.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// flag stops at "--"; everything after it is an input.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func printCommandUsage(w io.Writer, cmd string, fs *flag.FlagSet) {
	switch cmd {
	case "upload":
		fmt.Fprintln(w, "Usage: capi-upload upload --config FILE [flags] INPUT...\n\nRead, map, check, send and report. Needs CAPI_ACCESS_TOKEN unless --dry-run.\n\nFlags:")
	case "validate":
		fmt.Fprintln(w, "Usage: capi-upload validate --config FILE [flags] INPUT...\n\nEverything but the network: the same checks and reports as upload.\n\nFlags:")
	case "init":
		fmt.Fprintln(w, "Usage: capi-upload init [--sheet NAME] INPUT\n\nPrint a proposed mapping config for INPUT on stdout.\n\nFlags:")
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// newLogger writes log lines to stderr in the chosen format.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: durationText}))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// durationText writes a duration as the text handler does ("1.5s"): the
// JSON handler's default, a bare count of nanoseconds, reads as seconds or
// milliseconds to anyone who has not looked it up.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// lockedWriter serializes writes: log lines from the uploader's goroutines
// and the progress display share stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// serialize makes w safe for concurrent writers. An *os.File already is
// (each Write is one system call), and stays itself so the progress
// display can tell whether it is a terminal.
func serialize(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok {
		return w
	}
	return &lockedWriter{w: w}
}

// runPipeline runs an upload or validate, prints the summary on stdout and
// says on stderr why the exit code is not 0.
func runPipeline(ctx context.Context, o *options, stdout, stderr io.Writer) exitCode {
	o.Logger = newLogger(stderr, o.logFormat)
	res, err := pipeline.Run(ctx, o.Options)
	if res.Summary != nil {
		if err := writeSummary(stdout, res.Summary, o.logFormat); err != nil {
			o.Logger.Error("writing summary", "err", err)
		}
	}
	if err != nil {
		return reportError(err, stderr)
	}
	gaveUp, _ := errors.AsType[*upload.GaveUpError](res.Stopped)
	switch {
	case errors.Is(res.Stopped, upload.ErrInterrupted):
		fmt.Fprintln(stderr, "capi-upload: interrupted: rows not acknowledged are reported as upload_failed and will be sent by the next run")
		return exitPartial
	case gaveUp != nil:
		fmt.Fprintf(stderr, "capi-upload: %v: the rows not sent are upload_failed, and the next run sends them\n", gaveUp)
		return exitPartial
	case res.Partial:
		return exitPartial
	}
	code := exitOK
	if res.RejectRatioExceeded {
		fmt.Fprintf(stderr, "capi-upload: %.1f%% of rows were rejected, above --max-reject-ratio %.1f%%: see %s\n",
			100*res.Summary.RejectRatio(), 100*o.MaxRejectRatio, filepath.Join(res.ReportDir, "rejects.csv"))
		code = exitRejectRatio
	}
	for _, f := range res.StaleFiles {
		fmt.Fprintf(stderr, "capi-upload: %s: none of its %d rows is newer than --max-age %s: is it an old export read again?\n",
			f.File, f.RowsRead, mapping.Duration(o.MaxAge))
		code = exitRejectRatio
	}
	return code
}

// writeSummary prints the end-of-run summary: the short text a person
// reads, or with --log-format json the summary as one JSON object on one
// line, so that a cron log stays one JSON object per line.
func writeSummary(w io.Writer, s *report.Summary, logFormat string) error {
	if logFormat != "json" {
		return report.WriteText(w, s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

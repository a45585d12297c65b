package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"capi-upload/web"
)

// shopifyNow is the clock the shopify export is fresh at.
var shopifyNow = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

const shopifyExport = "testdata/exports/shopify_orders.csv"

// proposalConfig writes init's proposal for the shopify export, with a
// real-looking pixel id, and returns its path.
func proposalConfig(t *testing.T) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"init", "--pixel-id", "123456789012345", shopifyExport}, nil, &out, &errb, envMap(nil), now); code != exitOK {
		t.Fatalf("init = %d: %s", code, errb.String())
	}
	p := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIRunner(t *testing.T) {
	setClock(t, shopifyNow)
	cfg := proposalConfig(t)
	dir := t.TempDir()
	r := cliRunner{getenv: envMap(map[string]string{"CAPI_ACCESS_TOKEN": "from-the-server-env"}), now: now}
	for _, tt := range []struct {
		name string
		req  web.RunRequest
	}{
		{"validate", web.RunRequest{Command: web.CommandValidate}},
		{"dry run", web.RunRequest{Command: web.CommandUpload, DryRun: true, TestEventCode: "TEST1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.ConfigPath, req.Input = cfg, shopifyExport
			req.ReportDir = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			req.StatePath = filepath.Join(dir, "capi-upload.state")
			var calls int
			res, err := r.Run(t.Context(), req, func(p web.Progress) { calls++ })
			if err != nil {
				t.Fatal(err)
			}
			if res.Summary == nil {
				t.Fatalf("no summary; result %+v", res)
			}
			s := res.Summary
			if s.RowsRead != 17 || s.Outcomes.Sent == 0 || res.ExitCode != int(exitOK) {
				t.Errorf("rows %d, built %d, exit %d (%s)", s.RowsRead, s.Outcomes.Sent, res.ExitCode, res.Message)
			}
			_, err = os.Stat(filepath.Join(req.ReportDir, "requests"))
			if got := err == nil; got != req.DryRun {
				t.Errorf("requests/ exists = %v, want %v", got, req.DryRun)
			}
			if _, err := os.Stat(req.StatePath); err == nil {
				t.Errorf("a %s wrote the ledger", tt.name)
			}
		})
	}
}

func TestCLIRunnerMessage(t *testing.T) {
	r := cliRunner{getenv: envMap(nil), now: now}
	dir := t.TempDir()
	res, err := r.Run(t.Context(), web.RunRequest{Command: web.CommandUpload, ConfigPath: proposalConfig(t), Input: shopifyExport,
		ReportDir: filepath.Join(dir, "r"), StatePath: filepath.Join(dir, "s")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != int(exitFatal) || !strings.Contains(res.Message, "CAPI_ACCESS_TOKEN is not set") {
		t.Errorf("upload without a token: exit %d, message %q", res.ExitCode, res.Message)
	}
}

func TestMessageLog(t *testing.T) {
	var m messageLog
	m.Write([]byte("time=x level=WARN msg=retrying\ncapi-upload: ledger ")) // a log line, then half a message
	m.Write([]byte("locked\n"))
	if got := m.message(); got != "ledger locked" {
		t.Errorf("message = %q, want %q", got, "ledger locked")
	}
}

// TestCLIRunnerProgress: the page's progress comes from the pipeline's
// OnProgress, ending with the whole file counted.
func TestCLIRunnerProgress(t *testing.T) {
	setClock(t, shopifyNow)
	dir := t.TempDir()
	r := cliRunner{getenv: envMap(nil), now: now}
	var last web.Progress
	_, err := r.Run(t.Context(), web.RunRequest{Command: web.CommandValidate, ConfigPath: proposalConfig(t), Input: shopifyExport,
		ReportDir: filepath.Join(dir, "r"), StatePath: filepath.Join(dir, "s")}, func(p web.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if last.Rows != 17 {
		t.Errorf("last progress %+v, want 17 rows read", last)
	}
}

func TestServeUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"serve", "file.csv"}, nil, &out, &errb, envMap(nil), now); code != exitUsage {
		t.Errorf("serve file.csv = %d, want %d", code, exitUsage)
	}
	if code := run(t.Context(), []string{"serve", "--help"}, nil, &out, &errb, envMap(nil), now); code != exitOK || !strings.Contains(out.String(), "--addr") {
		t.Errorf("serve --help = %d: %s", code, out.String())
	}
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"capi-upload/mapping"
	"capi-upload/report"
	"capi-upload/web"
)

var (
	browserRequired  = flag.Bool("browser", false, "fail, not skip, the browser test when no Chromium is found (always so when CI is set)")
	updateScreenshot = flag.Bool("update-screenshot", false, "write the README's screenshot of the page, docs/serve.png")
)

// findBrowser returns the Chromium to drive: $CHROMIUM, else chromium on
// PATH.
func findBrowser() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// TestServeInBrowser goes through the page in headless Chromium as a
// marketing-ops user would: open the shopify export, change a mapping,
// preview, check the whole file, save the YAML, dry run, open the report.
// The figures the page shows must be summary.json's, and the browser
// console must stay free of errors. It skips without a browser, except in
// CI (CI set, or -browser), where it fails.
func TestServeInBrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		if os.Getenv("CI") != "" || *browserRequired {
			t.Fatal("no Chromium found (install the chromium package, or set CHROMIUM): the browser test must run in CI")
		}
		t.Skip("no Chromium found; apt-get install chromium to run the browser test")
	}
	setClock(t, shopifyNow)
	dir := t.TempDir()
	srv, err := web.New(web.Options{
		Runner:    cliRunner{getenv: envMap(nil), now: now},
		Dir:       dir,
		StatePath: filepath.Join(dir, "capi-upload.state"),
		Now:       func() time.Time { return shopifyNow },
		Getenv:    envMap(nil),
		TempDir:   t.TempDir(),
		Logger:    slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer func() {
		ts.Close()
		srv.Close()
	}()

	// chromedp's defaults (headless, no background throttling of the
	// renderer, which otherwise draws no frame to screenshot), then the
	// flags .ci/run's environment needs.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 40*time.Second)
	defer cancelT()

	// Every console message of the page is read from the start: an error
	// or an uncaught exception fails the test.
	cctx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	var consoleErrs []string
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				consoleErrs = append(consoleErrs, m.String()+" "+m.URL)
			}
		}
	}()
	// step runs actions once more when the page was replaced under them
	// (a form's redirect lands after the element was found: CDP answers
	// "No node with given id found"); any other error fails at once.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		var err error
		for try := 0; try < 3; try++ {
			if err = chromedp.Do(ctx, actions...); err == nil || !strings.Contains(err.Error(), "No node with given id") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
	}
	text := func(id string) string {
		t.Helper()
		var s string
		var err error
		for try := 0; try < 3; try++ {
			if s, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID(id))); err == nil || !strings.Contains(err.Error(), "No node with given id") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	// poll waits for expr to hold across the page's own reloads (a run's
	// end reloads it), which end a chromedp.Poll.
	poll := func(name, expr string) {
		t.Helper()
		start := time.Now()
		var err error
		for time.Since(start) < 30*time.Second {
			var ok bool
			if ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
				t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		last, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		t.Fatalf("%s: waiting for %s: %v\nthe page says:\n%s", name, expr, err, last)
	}
	// submit clicks a control that loads a new page and waits for that
	// page, not the old one, to hold the element waitID: the old page is
	// marked first, and a new page has no mark.
	submit := func(name, clickID, waitID string, before ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.__old = true)`)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		step(name, append(before, chromedp.Click(chromedp.ID(clickID)))...)
		poll(name+", new page", `!window.__old && document.readyState === "complete" && !!document.getElementById(`+strconv.Quote(waitID)+`)`)
	}
	export, err := filepath.Abs(shopifyExport)
	if err != nil {
		t.Fatal(err)
	}

	step("start", chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(ts.URL+"/?token="+srv.Secret()),
		chromedp.WaitVisible(chromedp.ID("file")))
	submit("open", "open-btn", "mapping-form", chromedp.SetUploadFiles(chromedp.ID("file"), []string{export}))

	// Change one mapping: the store's location is not sent; and type a
	// time format, whose "reads as" follows live.
	const location = chromedp.CSS(`select[aria-label="Field for column Location"]`)
	const paidAt = chromedp.CSS(`input[aria-label="Format for column Paid at"]`)
	const readsAs = `document.querySelector('tr[data-col="3"] .readsas').textContent`
	step("map", chromedp.SetValue(chromedp.ID("pixel_id"), "123456789012345"),
		chromedp.SetValue(location, ""),
		clearInput(paidAt),
		chromedp.SendKeys(paidAt, "unix"))
	poll("reads as, unix", readsAs+`.includes("does not read")`)
	step("type auto", clearInput(paidAt), chromedp.SendKeys(paidAt, "auto"))
	poll("reads as, auto", `document.querySelector('tr[data-col="3"] .readsas').textContent.includes("reads as 2026-12-06 22:38 UTC")`)

	submit("preview", "apply", "preview-figures")
	if text("pv-sent") == "0" {
		t.Errorf("the preview would send no row")
	}

	shot := filepath.Join(t.TempDir(), "serve.png")
	if *updateScreenshot {
		shot = filepath.Join("docs", "serve.png")
	}
	step("scroll", chromedp.ScrollIntoView(chromedp.ID("preview-h")))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}

	check := func(name, command string) *report.Summary {
		t.Helper()
		s := latestSummary(t, filepath.Join(dir, "reports"))
		if s.Command != command {
			t.Fatalf("%s: latest report is %q's, want %q's", name, s.Command, command)
		}
		o := s.Outcomes
		for id, want := range map[string]int{"r-rows": s.RowsRead, "r-sent": o.Sent, "r-rejected": o.Rejected,
			"r-skipped": o.Skipped, "r-stale": o.Stale, "r-already": o.AlreadySent, "r-failed": o.Failed} {
			if got := text(id); got != itoa(want) {
				t.Errorf("%s: the page shows %s = %s, summary.json %d", name, id, got, want)
			}
		}
		return s
	}

	step("check the whole file", chromedp.Click(chromedp.ID("check-all")))
	poll("check the whole file", `!!document.querySelector("#run-h") && document.querySelector("#run-h").textContent.includes("done")`)
	step("result", chromedp.WaitVisible(chromedp.ID("result-figures")))
	s := check("validate", "validate")
	if s.RowsRead != 17 || s.Outcomes.Sent == 0 {
		t.Errorf("validate: rows %d, built %d", s.RowsRead, s.Outcomes.Sent)
	}

	submit("save", "save-btn", "flash", chromedp.SetValue(chromedp.ID("save-name"), "shop.yaml"))
	if flash := text("flash"); !strings.Contains(flash, "upload --config shop.yaml") {
		t.Errorf("no cron line after saving: %q", flash)
	}
	cfg, err := mapping.Load(filepath.Join(dir, "shop.yaml"))
	if err != nil {
		t.Fatalf("the saved config does not load: %v", err)
	}
	if cfg.Fields.CustomData["store_id"] != nil || cfg.Fields.EventTime.Format != "auto" || cfg.PixelID != "123456789012345" {
		t.Errorf("the saved config lacks the changes: store_id %v, format %q, pixel %q",
			cfg.Fields.CustomData["store_id"], cfg.Fields.EventTime.Format, cfg.PixelID)
	}

	step("dry run", chromedp.Click(chromedp.ID("dry-run")))
	poll("dry run", `!!document.querySelector("#run-h") && document.querySelector("#run-h").textContent.includes("Dry run: done")`)
	step("dry run result", chromedp.WaitVisible(chromedp.ID("requests-zip")))
	s = check("dry run", "upload --dry-run")

	submit("open the report", "open-report", "totals")
	totals := strings.ReplaceAll(text("totals"), "\n", "")
	for _, f := range []string{itoa(s.RowsRead) + "rows read", itoa(s.Outcomes.Sent) + "built"} {
		if !strings.Contains(totals, f) {
			t.Errorf("report.html totals %q lack %q", totals, f)
		}
	}

	stopConsole()
	<-consoleDone
	if len(consoleErrs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(consoleErrs, "\n"))
	}
}

// clearInput empties a text box (chromedp.Clear leaves what SendKeys
// typed into it).
func clearInput(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).value = "", true)`, string(sel)))(ctx, t)
		return chromedp.Void{}, err
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// latestSummary reads the summary.json of the newest report folder.
func latestSummary(t *testing.T, reports string) *report.Summary {
	t.Helper()
	ents, err := os.ReadDir(reports)
	if err != nil || len(ents) == 0 {
		t.Fatalf("no report folders in %s: %v", reports, err)
	}
	b, err := os.ReadFile(filepath.Join(reports, ents[len(ents)-1].Name(), "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(fmt.Errorf("summary.json: %w", err))
	}
	return &s
}

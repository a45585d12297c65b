package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"capi-upload/mapping"
)

// figures collects the text of every element with a data-figure
// attribute, keyed by the attribute.
func figures(t *testing.T, page []byte) map[string]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse report.html: %v", err)
	}
	out := map[string]string{}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "data-figure" {
				out[a.Val] = strings.TrimSpace(text(n))
			}
			// Self-contained: nothing may be fetched from elsewhere.
			if (a.Key == "src" || a.Key == "href") && a.Val != "" {
				t.Errorf("report.html: <%s %s=%q> loads a resource", n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "script" || n.Data == "link" || n.Data == "img" || n.Data == "iframe" {
			t.Errorf("report.html has a <%s> element", n.Data)
		}
	}
	return out
}

// wantFigures derives, from summary.json as written, what the page must
// show.
func wantFigures(t *testing.T, sumJSON []byte) map[string]string {
	t.Helper()
	var s Summary
	if err := json.Unmarshal(sumJSON, &s); err != nil {
		t.Fatal(err)
	}
	pct := func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
	o := s.Outcomes
	w := map[string]string{
		"rows_read": fmt.Sprint(s.RowsRead), "sent": fmt.Sprint(o.Sent), "rejected": fmt.Sprint(o.Rejected),
		"stale": fmt.Sprint(o.Stale), "already_sent": fmt.Sprint(o.AlreadySent), "failed": fmt.Sprint(o.Failed),
		"skipped":        fmt.Sprint(o.Skipped),
		"dedup.event_id": pct(s.Dedup.EventID), "dedup.order_id": pct(s.Dedup.OrderID),
		"age.under_1h": fmt.Sprint(s.Age.Under1Hour + s.Age.FutureDrift), "age.under_1d": fmt.Sprint(s.Age.Under1Day),
		"age.under_3d": fmt.Sprint(s.Age.Under3Days), "age.under_7d": fmt.Sprint(s.Age.Under7Days),
		"age.older": fmt.Sprint(s.Age.Older), "age.stale": fmt.Sprint(s.Age.Stale),
		"requests":   fmt.Sprint(s.RequestTotals.Requests),
		"duplicates": fmt.Sprint(s.Duplicates.Rows),
	}
	if s.MatchStrength != nil {
		w["match_strength"] = fmt.Sprintf("%.0f/100", s.MatchStrength.Score)
	}
	for k, c := range s.Coverage {
		if mapping.IsUnhashedKey(k) && c.Events == 0 && c.Invalid == 0 && !s.mapped(k) {
			continue // report.html leaves out unhashed keys the run never saw
		}
		w["coverage."+k+".events"] = fmt.Sprint(c.Events)
		w["coverage."+k+".share"] = pct(c.Share)
	}
	for r, n := range s.Rejects {
		w["rejects."+r] = fmt.Sprint(n)
	}
	return w
}

func TestHTMLMatchesSummary(t *testing.T) {
	for _, cmdName := range []string{"upload", "validate"} {
		t.Run(cmdName, func(t *testing.T) {
			dir := t.TempDir()
			script(t, dir, Options{Command: cmdName, Version: "1.2.3"})
			page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
			if err != nil {
				t.Fatal(err)
			}
			sum, err := os.ReadFile(filepath.Join(dir, SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			got, want := figures(t, page), wantFigures(t, sum)
			for k, v := range want {
				if got[k] != v {
					t.Errorf("report.html %s = %q, summary.json says %q", k, got[k], v)
				}
			}
			if len(got) != len(want) {
				t.Errorf("report.html has %d figures, summary.json %d", len(got), len(want))
			}
			if cmdName == "validate" && !bytes.Contains(page, []byte("nothing was sent")) {
				t.Error("validate report.html does not say nothing was sent")
			}
			if !bytes.Contains(page, []byte(html.EscapeString(MatchLabel))) {
				t.Error("report.html: match strength not labelled as capi-upload's estimate")
			}
		})
	}
}

func TestWriteHTMLEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, &Summary{Command: "validate", DryRun: true}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No requests.") {
		t.Error("empty report.html lacks the no-requests note")
	}
}

// TestHTMLChromium renders report.html in headless Chromium and checks
// that the figures are in the rendered DOM and that the page logged no
// console errors.
func TestHTMLChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium binary: install Debian's chromium package to run the browser test")
	}
	dir := t.TempDir()
	script(t, dir, Options{Command: "upload", Version: "1.2.3"})
	sum, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+filepath.Join(dir, HTMLFile))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	got := figures(t, stdout.Bytes())
	for k, v := range wantFigures(t, sum) {
		if got[k] != v {
			t.Errorf("rendered DOM %s = %q, summary.json says %q", k, got[k], v)
		}
	}
	for line := range strings.Lines(stderr.String()) {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console message: %s", line)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"capi-upload/upload/capitest"
)

// TestAnswersThatAreNotAcknowledgements runs upload against a double that
// redirects, acknowledges short, or answers something that is not Graph's
// JSON. Every row must end upload_failed (exit 3), counted in summary.json
// and listed in report.html, and stay out of the ledger, so that the next
// run against a sound endpoint sends them all; a redirect target never
// sees a request.
func TestAnswersThatAreNotAcknowledgements(t *testing.T) {
	tests := []struct {
		name  string
		fault func(elsewhere string) capitest.Fault
	}{
		{"307 to another host", func(to string) capitest.Fault { return capitest.Redirect(307, to) }},
		{"302 to another host", func(to string) capitest.Fault { return capitest.Redirect(302, to) }},
		{"short by one", func(string) capitest.Fault { return capitest.ShortAck(1) }},
		{"zero received", func(string) capitest.Fault { return capitest.Ack(0) }},
		{"negative received", func(string) capitest.Fault { return capitest.Ack(-7) }},
		{"not JSON", func(string) capitest.Fault { return capitest.RawAnswer(200, "text/html", "<html>welcome</html>") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			srv := startEdge(t)
			elsewhere := startEdge(t)
			srv.SetFault(tt.fault(elsewhere.URL + "/v24.0/" + capitest.DefaultPixelID + "/events"))
			r := runIn(t.Context(), t, edgeEnv(srv), posArgs(f)...)
			if r.code != exitPartial {
				t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
			}
			s := readSummary(t, f.path("reports"))
			if s.Outcomes.Sent != 0 || s.Outcomes.Failed == 0 || s.Rejects["upload_failed"] != s.Outcomes.Failed {
				t.Errorf("outcomes %+v, rejects %v: want none sent, every built row upload_failed", s.Outcomes, s.Rejects)
			}
			failed := s.Outcomes.Failed
			html, err := os.ReadFile(filepath.Join(f.path("reports"), "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "report.html", string(html), `data-figure="rejects.upload_failed"`)
			rejects, err := os.ReadFile(filepath.Join(f.path("reports"), "rejects.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(rejects), ",upload_failed,"); n != failed {
				t.Errorf("rejects.csv lists %d upload_failed rows, want %d", n, failed)
			}
			if n := len(elsewhere.Requests()); n != 0 {
				t.Errorf("the redirect target got %d requests", n)
			}

			// Nothing reached the ledger: a sound endpoint gets every row.
			srv.ClearFaults()
			r = runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--report-dir", f.path("reports2"))...)
			if r.code != exitOK {
				t.Fatalf("rerun: exit %d; stderr:\n%s", r.code, r.stderr)
			}
			s = readSummary(t, f.path("reports2"))
			if s.Outcomes.Sent != failed || s.Outcomes.AlreadySent != 0 {
				t.Errorf("rerun outcomes %+v, want the %d failed rows sent and none already sent", s.Outcomes, failed)
			}
		})
	}
}

// TestGraphURLPlainHTTP: plain http to anything but loopback would carry
// the token and hashed customer data in clear, so upload refuses it before
// reading or writing anything; loopback stays allowed for test endpoints.
func TestGraphURLPlainHTTP(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	srv := startEdge(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	tests := []struct {
		name string
		url  string
		want exitCode
	}{
		{"remote host", "http://graph.facebook.com", exitFatal},
		{"private address", "http://192.168.1.20" + port, exitFatal},
		{"a name that only starts like localhost", "http://localhost.attacker.example" + port, exitFatal},
		{"127.0.0.1", "http://127.0.0.1" + port, exitOK},
		{"localhost", "http://localhost" + port, exitOK},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := edgeEnv(srv)
			env["CAPI_GRAPH_URL"] = tt.url
			dir := f.path("reports-" + string(rune('a'+i)))
			r := runIn(t.Context(), t, env, posArgs(f, "--report-dir", dir, "--resend")...)
			if r.code != tt.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			if tt.want == exitOK {
				return
			}
			mustContain(t, "stderr", r.stderr, "CAPI_GRAPH_URL", "plain http", "https")
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("report dir %s written although the run was refused", dir)
			}
		})
	}
}

// TestDryRunPlantedLink: a link planted at <report-dir>/requests/000001.json
// stops upload --dry-run (exit 1, naming the file) without writing through
// it; the bodies of a clean dry run are 0600 in a 0700 directory.
func TestDryRunPlantedLink(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	target := f.path("precious.txt")
	writeFile(t, target, "keep me")
	reports := f.path("reports")
	if err := os.MkdirAll(filepath.Join(reports, "requests"), 0o755); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(reports, "requests", "000001.json")
	if err := os.Symlink(target, planted); err != nil {
		t.Fatal(err)
	}
	r := runIn(t.Context(), t, nil, posArgs(f, "--dry-run")...)
	if r.code != exitFatal {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, planted, "already exists")
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("link target = %q, %v; want it untouched", b, err)
	}

	clean := f.path("reports-clean")
	if r := runIn(t.Context(), t, nil, posArgs(f, "--dry-run", "--report-dir", clean)...); r.code != exitOK {
		t.Fatalf("clean dry run: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	for name, want := range map[string]os.FileMode{"requests": 0o700, "requests/000001.json": 0o600} {
		fi, err := os.Stat(filepath.Join(clean, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", name, got, want)
		}
	}
}

// TestConfigReportDirBesideConfig: report_dir in the config, like state,
// is relative to the config's directory, not to where the run starts.
func TestConfigReportDirBesideConfig(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	b, err := os.ReadFile(f.path("pos.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.path("pos.yaml"), string(b)+"\nreport_dir: out/pos\nstate: pos.state\n")
	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	r := runIn(t.Context(), t, nil, "validate", "--config", f.path("pos.yaml"), "--progress", "never", f.path("pos.csv"))
	if r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "out", "pos", "summary.json")); err != nil {
		t.Errorf("reports not beside the config: %v", err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "out")); err == nil {
		t.Error("reports written under the working directory")
	}
	mustContain(t, "stdout", r.stdout, filepath.Join(f.dir, "out", "pos"))
}

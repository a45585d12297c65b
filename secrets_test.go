package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"capi-upload/upload/capitest"
)

// Planted secrets: distinctive enough that finding one anywhere is a leak.
const (
	plantToken  = "EAAGsecretTOKENqz7Wv1x9Kk3mJpL0"
	plantSecret = "appSECRETzq8f3b1d9e2c7a"
	plantEmail  = "Zanzibar.Quuxley@Example.com"
	plantPhone  = "(312) 555-0199"
	plantFirst  = "Quillonius"
	plantLast   = "Xerxesworth"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// secretsCSV holds the planted customer in a good row, in a row with a bad
// time, and in a row with a bad email, so that sent, rejected and invalid
// paths all see them.
func secretsCSV(at time.Time) string {
	when := at.Add(-time.Hour).In(mustZone("America/Chicago")).Format("01/02/2006 15:04")
	return posHeader + "\n" +
		"7001;" + when + ";S1;" + plantEmail + ";" + plantPhone + ";" + plantFirst + ";" + plantLast + ";Chicago;IL;60601;US;10,00;USD;1;1;SALE\n" +
		"7002;not a date;S1;" + plantEmail + ";" + plantPhone + ";" + plantFirst + ";" + plantLast + ";Chicago;IL;60601;US;10,00;USD;1;1;SALE\n" +
		"7003;" + when + ";S1;" + plantEmail + "@@;" + plantPhone + "x;" + plantFirst + ";" + plantLast + ";Chicago;IL;60601;US;10,00;USD;1;1;SALE\n" +
		"7004;" + when + ";S1;;;" + plantFirst + ";;;;;;10,00;USD;1;1;SALE\n"
}

// TestNoSecretsAnywhere runs every command, failures included, with a
// planted token, app secret and customer, and scans everything the runs
// left for them: stdout, stderr, every report file, every request URL and
// header the double saw. Only the dry run's request bodies may hold the
// customer's hashes, and never the raw values or the token.
func TestNoSecretsAnywhere(t *testing.T) {
	raw := []string{plantEmail, strings.ToLower(plantEmail), "3125550199", plantPhone, plantFirst, plantLast, strings.ToLower(plantFirst), strings.ToLower(plantLast)}
	hashes := []string{sha(strings.ToLower(plantEmail)), sha("13125550199"), sha(strings.ToLower(plantFirst)), sha(strings.ToLower(plantLast))}
	secrets := []string{plantToken, plantSecret}
	forbidden := append(append(append([]string{}, raw...), hashes...), secrets...)

	tests := []struct {
		name   string
		fault  *capitest.Fault
		secret string // CAPI_APP_SECRET given to the run
		args   []string
		want   exitCode
	}{
		{name: "upload", args: []string{"upload"}, want: exitOK},
		{name: "upload json logs", args: []string{"upload", "--log-format", "json", "--resend"}, want: exitOK},
		{name: "token refused", fault: ptr(capitest.TokenError(capitest.SubcodeTokenInvalid)), args: []string{"upload"}, want: exitFatal},
		{name: "wrong app secret", secret: plantSecret + "x", args: []string{"upload"}, want: exitFatal},
		{name: "timeouts", fault: ptr(capitest.Hang()), args: []string{"upload", "--request-timeout", "100ms"}, want: exitPartial},
		{name: "5xx", fault: ptr(capitest.HTTPStatus(500)), args: []string{"upload", "--log-format", "json"}, want: exitPartial},
		{name: "permission", fault: ptr(capitest.PermissionError(200)), args: []string{"upload"}, want: exitFatal},
		{name: "validate", args: []string{"validate"}, want: exitOK},
		{name: "dry run", args: []string{"upload", "--dry-run"}, want: exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(t, sampleNow)
			f := newFixture(t, sampleNow)
			writeFile(t, f.path("people.csv"), secretsCSV(sampleNow))
			srv := startEdge(t, capitest.WithToken(plantToken), capitest.WithAppSecret(plantSecret))
			if tt.fault != nil {
				srv.SetFault(*tt.fault)
			}
			e := map[string]string{"CAPI_GRAPH_URL": srv.URL, "CAPI_ACCESS_TOKEN": plantToken, "CAPI_APP_SECRET": plantSecret}
			if tt.secret != "" {
				e["CAPI_APP_SECRET"] = tt.secret
			}
			reports := f.path("reports")
			args := append(append([]string{}, tt.args...), "--config", f.path("pos.yaml"), "--state", f.state,
				"--report-dir", reports, "--progress", "always", "--max-reject-ratio", "1", f.path("people.csv"))
			if tt.args[0] == "upload" {
				args = append(args, "--max-attempts", "2")
			}
			r := runIn(t.Context(), t, e, args...)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.want, r.stderr)
			}
			scan(t, "stdout", r.stdout, forbidden)
			scan(t, "stderr", r.stderr, forbidden)
			sawRequests := false
			filepath.WalkDir(reports, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(filepath.Dir(p)) == "requests" {
					sawRequests = true
					scan(t, p, string(b), append(append([]string{}, raw...), secrets...))
					mustContain(t, p, string(b), hashes...)
					return nil
				}
				scan(t, p, string(b), forbidden)
				return nil
			})
			if sawRequests != strings.Contains(tt.name, "dry run") {
				t.Errorf("requests/ written: %v", sawRequests)
			}
			for _, rq := range srv.Requests() {
				if rq.TokenInURL {
					t.Errorf("request %d: token in URL", rq.Seq)
				}
				scan(t, "request URL", rq.URL, forbidden)
				for k, vs := range rq.Header {
					scan(t, "request header "+k, strings.Join(vs, " "), forbidden)
				}
			}
			if strings.HasPrefix(tt.name, "upload") && srv.EventsReceived() == 0 {
				t.Errorf("the planted customer was never sent: the scan proves nothing")
			}
		})
	}

	t.Run("init", func(t *testing.T) {
		f := newFixture(t, sampleNow)
		writeFile(t, f.path("people.csv"), secretsCSV(sampleNow))
		r := runIn(t.Context(), t, nil, "init", f.path("people.csv"))
		if r.code != exitOK {
			t.Fatalf("init: exit %d; stderr:\n%s", r.code, r.stderr)
		}
		scan(t, "init stdout", r.stdout, forbidden)
		scan(t, "init stderr", r.stderr, forbidden)
	})

	t.Run("built binary", func(t *testing.T) {
		f := newFixture(t, time.Now())
		writeFile(t, f.path("people.csv"), secretsCSV(time.Now()))
		srv := capitest.Start(t, capitest.WithToken(plantToken))
		srv.SetFault(capitest.TokenError(capitest.SubcodeTokenExpired))
		p := runBin(t, f.dir, map[string]string{"CAPI_GRAPH_URL": srv.URL, "CAPI_ACCESS_TOKEN": plantToken},
			"upload", "--config", "pos.yaml", "--state", f.state, "--report-dir", "reports", "--log-format", "json", "people.csv")
		if p.code != 1 {
			t.Errorf("exit %d, want 1; stderr:\n%s", p.code, p.stderr)
		}
		scan(t, "stdout", p.stdout, forbidden)
		scan(t, "stderr", p.stderr, forbidden)
	})
}

// scan fails when s contains any of forbidden, case-insensitively, without
// printing the secret itself.
func scan(t *testing.T, where, s string, forbidden []string) {
	t.Helper()
	ls := strings.ToLower(s)
	for i, v := range forbidden {
		if strings.Contains(ls, strings.ToLower(v)) {
			t.Errorf("%s holds planted secret #%d (%d characters)", where, i, len(v))
		}
	}
}

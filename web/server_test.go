package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"capi-upload/report"
)

var testNow = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

const shopify = "../testdata/exports/shopify_orders.csv"

// fakeRunner writes a summary as a run would and records the requests.
type fakeRunner struct {
	mu   sync.Mutex
	reqs []RunRequest
	wait chan struct{} // when set, Run blocks until closed or ctx ends
}

func (f *fakeRunner) Run(ctx context.Context, req RunRequest, progress func(Progress)) (RunResult, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	progress(Progress{Rows: 5, Done: 3})
	code := 0
	if f.wait != nil {
		select {
		case <-f.wait:
		case <-ctx.Done():
			code = 3
		}
	}
	if err := os.MkdirAll(filepath.Join(req.ReportDir, "requests"), 0o700); err != nil {
		return RunResult{}, err
	}
	s := &report.Summary{Command: string(req.Command), RowsRead: 17, Started: testNow, DryRun: req.DryRun || req.Command == CommandValidate,
		Outcomes: report.Outcomes{Sent: 6, Rejected: 3, Skipped: 8}, Advice: []report.Advice{{Code: "x", Text: "map a phone column"}}}
	b, _ := json.Marshal(s)
	os.WriteFile(filepath.Join(req.ReportDir, "summary.json"), b, 0o644)
	os.WriteFile(filepath.Join(req.ReportDir, "report.html"), []byte("<title>report</title>"), 0o644)
	os.WriteFile(filepath.Join(req.ReportDir, "rejects.csv"), []byte("file,row,event_id,reason,field,detail\n"), 0o644)
	os.WriteFile(filepath.Join(req.ReportDir, "requests", "request-0001.json"), []byte(`{"data":[]}`), 0o600)
	return RunResult{ReportDir: req.ReportDir, Summary: s, ExitCode: code}, nil
}

// client is a browser of the page: a cookie jar, the CSRF token, and
// every body it received (for the raw-value scan).
type client struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	c      *http.Client
	csrf   string
	mu     sync.Mutex
	bodies []string
	logs   *bytes.Buffer
}

func newClient(t *testing.T, opt Options) *client {
	t.Helper()
	if opt.Runner == nil {
		opt.Runner = &fakeRunner{}
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return testNow }
	}
	if opt.StatePath == "" {
		opt.StatePath = filepath.Join(t.TempDir(), "capi-upload.state")
	}
	opt.TempDir = t.TempDir()
	logs := &bytes.Buffer{}
	opt.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, srv: srv, ts: ts, c: &http.Client{Jar: jar}, logs: logs}
	body := c.get("/?token=" + srv.Secret())
	m := regexp.MustCompile(`name="csrf" content="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	c.csrf = m[1]
	return c
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (c *client) keep(resp *http.Response) (int, string) {
	c.t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, string(b))
	c.mu.Unlock()
	return resp.StatusCode, string(b)
}

func (c *client) get(path string) string {
	c.t.Helper()
	code, body := c.do(http.MethodGet, path, nil, "")
	if code != http.StatusOK {
		c.t.Fatalf("GET %s = %d: %s", path, code, body)
	}
	return body
}

func (c *client) do(method, path string, body io.Reader, ctype string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.ts.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.keep(resp)
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (c *client) upload(path, field, name string, data []byte, csrf string) (int, string) {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		w.WriteField("csrf", csrf)
	}
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	return c.do(http.MethodPost, path, &buf, w.FormDataContentType())
}

func (c *client) open(file string) string {
	c.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		c.t.Fatal(err)
	}
	if code, body := c.upload("/open", "file", filepath.Base(file), data, c.csrf); code != http.StatusOK {
		c.t.Fatalf("open = %d: %s", code, body)
	}
	return c.get("/")
}

func TestSessionSecret(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{})
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		name, path string
		want       int
	}{
		{"no secret", "/", http.StatusForbidden},
		{"wrong secret", "/?token=abc", http.StatusForbidden},
		{"static needs it too", "/static/app.js", http.StatusForbidden},
		{"reports need it too", "/runs/20261207T200000Z/rejects.csv", http.StatusForbidden},
		{"right secret", "/?token=" + c.srv.Secret(), http.StatusSeeOther},
	} {
		resp, err := plain.Get(c.ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: GET %s = %d, want %d", tt.name, tt.path, resp.StatusCode, tt.want)
		}
		if tt.want == http.StatusSeeOther {
			if loc := resp.Header.Get("Location"); strings.Contains(loc, "token") {
				t.Errorf("redirect keeps the secret in the address: %s", loc)
			}
			ck := resp.Cookies()
			if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie = %+v, want one HttpOnly SameSite=Strict", ck)
			}
		}
	}
	if s := c.srv.Secret(); len(s) < 32 {
		t.Errorf("secret %q is too short", s)
	}
	other := newClient(t, Options{})
	if other.srv.Secret() == c.srv.Secret() {
		t.Errorf("two servers have the same secret")
	}
}

func TestHostHeader(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{})
	for _, tt := range []struct {
		host string
		want int
	}{
		{"evil.example.com", http.StatusForbidden},
		{"evil.example.com:80", http.StatusForbidden},
		{"127.0.0.1.nip.io", http.StatusForbidden},
		{"localhost", http.StatusOK},
		{"127.0.0.1", http.StatusOK},
		{"[::1]:8080", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, c.ts.URL+"/", nil)
		req.Host = tt.host
		u, _ := url.Parse(c.ts.URL)
		for _, ck := range c.c.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Host %s: GET / = %d, want %d", tt.host, resp.StatusCode, tt.want)
		}
	}
	s := &Server{opt: Options{Port: "8080", Hosts: []string{"myhost:8080"}}}
	for host, want := range map[string]bool{"127.0.0.1:8080": true, "127.0.0.1:9999": false, "myhost:8080": true, "otherhost:8080": false} {
		if got := s.hostOK(host); got != want {
			t.Errorf("hostOK(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{})
	c.open(shopify)
	for _, tt := range []struct {
		name   string
		form   url.Values
		origin string
		want   int
	}{
		{"no token", url.Values{"csrf": {"x"}}, "", http.StatusForbidden},
		{"cross origin", url.Values{}, "http://evil.example.com", http.StatusForbidden},
		{"token", url.Values{}, "", http.StatusOK},
	} {
		if tt.form.Get("csrf") == "" {
			tt.form.Set("csrf", c.csrf)
		}
		req, _ := http.NewRequest(http.MethodPost, c.ts.URL+"/token", strings.NewReader(tt.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: POST /token = %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	// A multipart upload without the token opens nothing.
	if code, _ := c.upload("/open", "file", "x.csv", []byte("a,b\n1,2\n"), ""); code != http.StatusForbidden {
		t.Errorf("upload without CSRF token = %d, want 403", code)
	}
}

func TestUploadLimit(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{MaxUpload: 4 << 10})
	big := bytes.Repeat([]byte("a,b,c\n"), 2000)
	if code, body := c.upload("/open", "file", "big.csv", big, c.csrf); code != http.StatusRequestEntityTooLarge {
		t.Errorf("upload of %d bytes = %d, want 413: %s", len(big), code, body)
	}
}

func TestDirFilesOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, _ := os.ReadFile(shopify)
	os.WriteFile(filepath.Join(dir, "orders.csv"), data, 0o644)
	c := newClient(t, Options{Dir: dir})
	if !strings.Contains(c.get("/"), "<option>orders.csv</option>") {
		t.Errorf("the page does not offer orders.csv from --dir")
	}
	for _, name := range []string{"../orders.csv", "/etc/passwd", ".hidden"} {
		if _, body := c.post("/open", url.Values{"dirfile": {name}}); !strings.Contains(body, "no such file in the folder") {
			t.Errorf("dirfile %q was not refused", name)
		}
	}
	c.post("/open", url.Values{"dirfile": {"orders.csv"}})
	if body := c.get("/"); !strings.Contains(body, `id="file-name">orders.csv`) {
		t.Errorf("dirfile orders.csv not opened")
	}
	for _, p := range []string{"/runs/..%2f..%2fetc/passwd", "/runs/x/report.html", "/runs/20261207T200000Z/../../x"} {
		if code, _ := c.do(http.MethodGet, p, nil, ""); code == http.StatusOK {
			t.Errorf("GET %s = 200", p)
		}
	}
}

// customerValues are the raw customer values of the shopify export.
func customerValues(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(shopify)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]bool{"Email": true, "Billing Name": true, "Billing Phone": true, "Shipping Phone": true, "Phone": true,
		"Billing Street": true, "Billing Address1": true, "Billing City": true, "Billing Zip": true, "Shipping Name": true,
		"Shipping Street": true, "Shipping City": true, "Shipping Zip": true, "Name": false}
	seen := map[string]bool{}
	var out []string
	for _, row := range rows[1:] {
		for i, v := range row {
			v = strings.TrimPrefix(strings.TrimSpace(v), "'")
			if !cols[rows[0][i]] || len(v) < 4 || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, v)
			if d := onlyDigits(v); len(d) >= 7 {
				out = append(out, d, d[len(d)-7:])
			}
			if strings.Contains(v, "@") {
				out = append(out, strings.ToLower(v))
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d customer values", len(out))
	}
	return out
}

// TestNoRawCustomerValue goes through the page as a user would and scans
// every response and the log for the file's raw customer values.
func TestNoRawCustomerValue(t *testing.T) {
	t.Parallel()
	c := newClient(t, Options{Dir: t.TempDir()})
	// Text the page shows whatever the file (the time zone list names
	// Berlin; the placeholder pixel id is all zeros) is not the file's.
	baseline := c.get("/") + `value="000000000000000"` + strings.Join(commonZones, " ")
	page := c.open(shopify)
	for _, want := range []string{"j•••@e•••.com", "&#43;1 ••• ••• 0142", `id="pv-sent"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for i := range 79 {
		c.get("/api/readas?col=" + strconv.Itoa(i) + "&format=auto")
	}
	c.get("/config.yaml")
	form := url.Values{"pixel_id": {"123"}, "timezone": {"UTC"}, "default_country": {"US"}, "event_name": {"Purchase"}, "action_source": {"physical_store"}}
	for _, col := range pageColumns(t, page) {
		form["f"+col.idx] = col.assign
	}
	// A careless mapping (emails as event ids) is refused, and its
	// error shows nothing raw either.
	careless := url.Values{}
	for k, v := range form {
		careless[k] = v
	}
	careless["f1"] = []string{"user_data.em", "event_id"}
	if _, body := c.post("/mapping", careless); !strings.Contains(body, "the mapping is not complete yet") {
		t.Errorf("emails as event_id were not refused")
	}
	c.post("/mapping", form)
	c.post("/run", url.Values{"command": {"validate"}})
	waitRun(t, c)
	c.get("/")
	c.get("/run/events")
	for _, v := range customerValues(t) {
		if strings.Contains(baseline, v) {
			continue
		}
		for _, b := range append(c.bodies, c.logs.String()) {
			if strings.Contains(b, v) {
				i := strings.Index(b, v)
				t.Errorf("raw customer value %q in a response: …%s…", v, b[max(0, i-80):min(len(b), i+80)])
				break
			}
		}
	}
}

type pageColumn struct {
	idx    string
	assign []string
}

// pageColumns reads the mapping table's selected fields back from the page.
func pageColumns(t *testing.T, page string) []pageColumn {
	t.Helper()
	sel := regexp.MustCompile(`(?s)<select name="f(\d+)"[^>]*>(.*?)</select>`)
	opt := regexp.MustCompile(`<option value="([^"]*)" selected>`)
	byIdx := map[string]*pageColumn{}
	var out []*pageColumn
	for _, m := range sel.FindAllStringSubmatch(page, -1) {
		pc := byIdx[m[1]]
		if pc == nil {
			pc = &pageColumn{idx: m[1]}
			byIdx[m[1]] = pc
			out = append(out, pc)
		}
		v := ""
		if o := opt.FindStringSubmatch(m[2]); o != nil {
			v = o[1]
		}
		pc.assign = append(pc.assign, v)
	}
	res := make([]pageColumn, len(out))
	for i, p := range out {
		res[i] = *p
	}
	return res
}

func waitRun(t *testing.T, c *client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.srv.mu.Lock()
		rs := c.srv.run
		c.srv.mu.Unlock()
		if rs != nil && rs.finished() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the run did not end")
}

func TestRunFlow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fr := &fakeRunner{wait: make(chan struct{})}
	c := newClient(t, Options{Dir: dir, Runner: fr, Getenv: func(string) string { return "" }})
	c.open(shopify)

	// Upload needs a token: none in the env, none pasted.
	if _, page := c.post("/run", url.Values{"command": {"upload"}}); !strings.Contains(page, "no access token") {
		t.Errorf("upload without a token was not refused")
	}
	c.post("/token", url.Values{"token": {"EAAB-secret-token"}})
	page := c.get("/")
	if strings.Contains(page, "EAAB-secret-token") {
		t.Errorf("the page shows the pasted token")
	}
	if !strings.Contains(page, "pasted into this page") {
		t.Errorf("the page does not say a token is set")
	}

	c.post("/run", url.Values{"command": {"upload"}, "test_event_code": {"TEST123"}})
	// The page shows the run in progress; events stream its progress.
	if body := c.get("/"); !strings.Contains(body, `data-running="1"`) {
		t.Errorf("no running run on the page")
	}
	if _, body := c.post("/run", url.Values{"command": {"validate"}}); !strings.Contains(body, "a run is in progress") {
		t.Errorf("a second run was not refused")
	}
	close(fr.wait)
	_, events := c.do(http.MethodGet, "/run/events", nil, "")
	if !strings.Contains(events, "event: progress") || !strings.Contains(events, "event: done") {
		t.Errorf("events = %q", events)
	}
	waitRun(t, c)
	fr.mu.Lock()
	req := fr.reqs[0]
	fr.mu.Unlock()
	if req.Command != CommandUpload || req.DryRun || req.Token != "EAAB-secret-token" || req.TestEventCode != "TEST123" {
		t.Errorf("run request = %+v", req)
	}
	if req.StatePath != c.srv.opt.StatePath || !strings.HasPrefix(req.ReportDir, filepath.Join(dir, "reports")) {
		t.Errorf("run request paths = %+v", req)
	}
	page = c.get("/")
	for _, want := range []string{`id="r-rows">17<`, `id="r-sent">6<`, `id="r-rejected">3<`, "map a phone column", "requests.zip", "Exit code 0"} {
		if !strings.Contains(page, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	id := filepath.Base(req.ReportDir)
	for _, f := range []string{"report.html", "rejects.csv", "summary.json", "requests.zip"} {
		if code, _ := c.do(http.MethodGet, "/runs/"+id+"/"+f, nil, ""); code != http.StatusOK {
			t.Errorf("GET %s = %d", f, code)
		}
	}

	// Dry run, then the history lists both runs.
	c.post("/run", url.Values{"command": {"dryrun"}})
	waitRun(t, c)
	if n := strings.Count(c.get("/"), `/report.html">report</a>`); n != 2 {
		t.Errorf("history lists %d runs, want 2", n)
	}

	// Save into --dir, load it back.
	_, page = c.post("/config/save", url.Values{"name": {"shop"}})
	saved, err := os.ReadFile(filepath.Join(dir, "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page, "upload --config shop.yaml") {
		t.Errorf("no cron line after saving")
	}
	c.post("/config/load", url.Values{"dirconfig": {"shop.yaml"}})
	if got := c.get("/config.yaml"); got != string(saved) {
		t.Errorf("load → save changed the config:\n%s\n---\n%s", saved, got)
	}
	if strings.Contains(c.logs.String(), "EAAB-secret-token") {
		t.Errorf("the token is in the log")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	fr := &fakeRunner{wait: make(chan struct{})}
	c := newClient(t, Options{Runner: fr})
	c.open(shopify)
	c.post("/run", url.Values{"command": {"dryrun"}})
	c.post("/run/cancel", url.Values{})
	waitRun(t, c)
	if page := c.get("/"); !strings.Contains(page, "Exit code 3") {
		t.Errorf("cancelled run does not show exit code 3")
	}
}

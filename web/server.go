package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"capi-upload/ingest"
	"capi-upload/mapping"
	"capi-upload/report"
	"capi-upload/suggest"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultMaxUpload is the largest file the page takes, in bytes.
const DefaultMaxUpload = 200 << 20

// Options configure a Server.
type Options struct {
	// Runner runs validate and upload; required.
	Runner Runner
	// Dir, when set, is the folder of exports the page offers to open,
	// where it saves configs and where run reports go (Dir/reports).
	Dir string
	// StatePath is the ledger (--state) runs use: the nightly job's.
	StatePath string
	// Now is the clock; time.Now when nil. The preview judges ages by it.
	Now func() time.Time
	// Getenv reads CAPI_ACCESS_TOKEN; os.Getenv when nil.
	Getenv func(string) string
	// Secret is the session secret; random when "".
	Secret string
	// Hosts are the Host header values accepted (host:port), besides
	// those of loopback addresses on Port.
	Hosts []string
	// Port is the port the server listens on, for the Host check.
	Port string
	// MaxUpload limits a request body in bytes; DefaultMaxUpload when 0.
	MaxUpload int64
	// TempDir is where the private working folder is made; os.TempDir
	// when "".
	TempDir string
	// Logger gets one line per request (method, path, status), never a
	// query string or a body; discarded when nil.
	Logger *slog.Logger
	// CLI is the command name the cron line shows; "capi-upload" when "".
	CLI string
}

// Server is the page: an http.Handler with the state of one user's
// session (the open file, the mapping, the runs).
type Server struct {
	opt     Options
	secret  string
	csrf    string
	cookie  string
	tmp     string
	reports string
	tmpl    *template.Template
	mux     *http.ServeMux

	mu     sync.Mutex
	file   *openFile
	draft  *mapping.Config // the mapping as edited
	cfg    *mapping.Config // draft as the command line reads it; nil when invalid
	cfgErr string
	checks []checkItem
	flash  string
	errMsg string
	token  string // pasted into the page; memory only
	run    *runState
	seq    int
	runs   sync.WaitGroup
}

// openFile is the export the page works on.
type openFile struct {
	Name string // as the user named it
	Path string // in the private folder, or in Dir
}

// New makes a Server and its private working folder (mode 0700), which
// Close removes.
func New(opt Options) (*Server, error) {
	if opt.Runner == nil {
		return nil, errors.New("web: no Runner")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	if opt.MaxUpload <= 0 {
		opt.MaxUpload = DefaultMaxUpload
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.CLI == "" {
		opt.CLI = "capi-upload"
	}
	s := &Server{opt: opt, secret: opt.Secret}
	if s.secret == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		s.secret = hex.EncodeToString(b)
	}
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte("csrf"))
	s.csrf = hex.EncodeToString(mac.Sum(nil))
	// A cookie is per host, not per port: two servers on one machine
	// must not overwrite each other's.
	sum := sha256.Sum256([]byte(s.secret))
	s.cookie = "capi-upload-" + hex.EncodeToString(sum[:4])
	tmp, err := os.MkdirTemp(opt.TempDir, "capi-upload-serve-")
	if err != nil {
		return nil, err
	}
	s.tmp = tmp
	s.reports = filepath.Join(tmp, "reports")
	if opt.Dir != "" {
		s.reports = filepath.Join(opt.Dir, "reports")
	}
	s.tmpl, err = template.New("").Funcs(template.FuncMap{
		"pct":       func(n, of int) int { return pctOf(n, of) },
		"join":      strings.Join,
		"hasPrefix": strings.HasPrefix,
		"label":     func(k string) string { return keyLabels[k] },
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	s.routes()
	return s, nil
}

// Secret is the session secret the start URL carries.
func (s *Server) Secret() string { return s.secret }

// Close cancels a run in progress, waits for it and removes the private
// working folder with the files opened in the page.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.run != nil && s.run.cancel != nil {
		s.run.cancel()
	}
	s.mu.Unlock()
	s.runs.Wait()
	return os.RemoveAll(s.tmp)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.handlePage)
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	m.HandleFunc("POST /open", s.handleOpen)
	m.HandleFunc("POST /config/load", s.handleLoadConfig)
	m.HandleFunc("POST /mapping", s.handleMapping)
	m.HandleFunc("GET /api/readas", s.handleReadAs)
	m.HandleFunc("GET /config.yaml", s.handleConfigYAML)
	m.HandleFunc("POST /config/save", s.handleSaveConfig)
	m.HandleFunc("POST /token", s.handleToken)
	m.HandleFunc("POST /run", s.handleRun)
	m.HandleFunc("POST /run/cancel", s.handleCancel)
	m.HandleFunc("GET /run/events", s.handleEvents)
	m.HandleFunc("GET /runs/{id}/{file}", s.handleRunFile)
	s.mux = m
}

// ServeHTTP checks every request before it reaches a handler: the Host
// header, the session secret, and for a state change the CSRF token.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.opt.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status)
	}()
	h := sw.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	// Not no-referrer: with it a browser sends "Origin: null" on the
	// page's own form posts, and the Origin check below would refuse them.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if !s.hostOK(r.Host) {
		http.Error(sw, "capi-upload serve: this Host is not allowed (open the URL printed at start)", http.StatusForbidden)
		return
	}
	if tok := r.URL.Query().Get("token"); tok != "" {
		if !equal(tok, s.secret) {
			http.Error(sw, "capi-upload serve: wrong session secret (open the URL printed at start)", http.StatusForbidden)
			return
		}
		http.SetCookie(sw, &http.Cookie{Name: s.cookie, Value: s.secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		if r.Method == http.MethodGet {
			// The secret leaves the address bar (and the history).
			q := r.URL.Query()
			q.Del("token")
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(sw, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
	} else if c, err := r.Cookie(s.cookie); err != nil || !equal(c.Value, s.secret) {
		http.Error(sw, "capi-upload serve: open the URL printed when the server started (it carries the session secret)", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(sw, r.Body, s.opt.MaxUpload)
		if origin := r.Header.Get("Origin"); origin != "" && origin != "http://"+r.Host {
			http.Error(sw, "capi-upload serve: cross-origin request refused", http.StatusForbidden)
			return
		}
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" {
			if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					http.Error(sw, fmt.Sprintf("capi-upload serve: the file is larger than %d MB", s.opt.MaxUpload>>20), http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(sw, "capi-upload serve: cannot read the form", http.StatusBadRequest)
				return
			}
			tok = r.PostFormValue("csrf")
		}
		if !equal(tok, s.csrf) {
			http.Error(sw, "capi-upload serve: missing or wrong CSRF token: reload the page", http.StatusForbidden)
			return
		}
	}
	s.mux.ServeHTTP(sw, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// hostOK accepts the Host header of a loopback address or a configured
// host on the server's port: a page of another site whose name was made
// to resolve to 127.0.0.1 (DNS rebinding) sends its own name and is
// refused.
func (s *Server) hostOK(host string) bool {
	if slices.Contains(s.opt.Hosts, host) {
		return true
	}
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		h, port = host, ""
	}
	if s.opt.Port != "" && port != s.opt.Port {
		return false
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ---- the page ----

// pageData is everything the page template shows.
type pageData struct {
	CSRF        string
	Flash       string
	Error       string
	File        *openFile
	DirFiles    []string
	DirConfigs  []string
	Dir         string
	StatePath   string
	Columns     []column
	Groups      []fieldGroup
	Checks      []checkItem
	CheckKeys   map[string]bool
	Config      *mapping.Config
	ConfigErr   string
	EventName   string
	Action      string
	Actions     []string
	Zones       []string
	YAML        string
	Cron        string
	Preview     *preview
	TokenFrom   string
	Run         *runView
	History     []historyRun
	MaxUploadMB int64
	Now         string
}

// runView is the run section.
type runView struct {
	ID       string
	Label    string
	Running  bool
	Progress Progress
	Result   RunResult
	Err      string
	Requests bool
	S        *report.Summary
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := &pageData{
		CSRF: s.csrf, Flash: s.flash, Error: s.errMsg, File: s.file, Dir: s.opt.Dir,
		StatePath: s.opt.StatePath, Checks: s.checks, Config: s.draft, ConfigErr: s.cfgErr,
		Actions: mapping.ActionSources, Zones: commonZones, MaxUploadMB: s.opt.MaxUpload >> 20,
		Now: s.opt.Now().UTC().Format("2006-01-02 15:04 UTC"),
	}
	s.flash, s.errMsg = "", ""
	d.CheckKeys = map[string]bool{}
	for _, c := range s.checks {
		d.CheckKeys[c.Key] = true
	}
	file, draft, cfg := s.file, s.draft, s.cfg
	switch {
	case s.token != "":
		d.TokenFrom = "pasted into this page (held in memory until the server stops)"
	case strings.TrimSpace(s.opt.Getenv("CAPI_ACCESS_TOKEN")) != "":
		d.TokenFrom = "CAPI_ACCESS_TOKEN of the server's environment"
	}
	if s.run != nil {
		d.Run = s.runView(s.run)
	}
	s.mu.Unlock()

	d.DirFiles, d.DirConfigs = s.dirListing()
	if draft != nil {
		d.Groups = fieldGroups(draft)
		if v, ok := specValue(draft.Fields.EventName); ok {
			d.EventName = v
		}
		if v, ok := specValue(draft.Fields.ActionSource); ok {
			d.Action = v
		}
		if y, err := mapping.MarshalConfig(draft); err == nil {
			d.YAML = string(y)
		}
		d.Cron = s.cronLine("CONFIG.yaml")
	}
	if file != nil && draft != nil {
		cols, _, err := buildColumns(file.Path, draft, d.Checks)
		if err != nil {
			d.Error = joinMsg(d.Error, "read "+file.Name+": "+err.Error())
		}
		d.Columns = cols
		if cfg != nil {
			d.Preview = buildPreview(file.Path, file.Name, cfg, s.opt.Now())
		}
	}
	d.History = s.history()
	s.render(w, d)
}

func (s *Server) render(w http.ResponseWriter, d *pageData) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "page.html", d); err != nil {
		s.opt.Logger.Error("render", "err", err)
		http.Error(w, "capi-upload serve: cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func specValue(f *mapping.FieldSpec) (string, bool) {
	if f == nil {
		return "", false
	}
	v, ok := f.Value.(string)
	return v, ok
}

func pctOf(n, of int) int {
	if of <= 0 {
		return 0
	}
	return 100 * n / of
}

// commonZones fill the time zone field's suggestions.
var commonZones = []string{"UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"America/Sao_Paulo", "America/Mexico_City", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
	"Asia/Tokyo", "Asia/Singapore", "Australia/Sydney"}

// exportExts are the files the page offers from Dir.
var exportExts = []string{".csv", ".tsv", ".txt", ".xlsx", ".gz"}

func (s *Server) dirListing() (files, configs []string) {
	if s.opt.Dir == "" {
		return nil, nil
	}
	ents, err := os.ReadDir(s.opt.Dir)
	if err != nil {
		return nil, nil
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(e.Name()))
		switch {
		case slices.Contains(exportExts, ext):
			files = append(files, e.Name())
		case ext == ".yaml" || ext == ".yml":
			configs = append(configs, e.Name())
		}
	}
	return files, configs
}

// ---- open a file, load a config, edit the mapping ----

func (s *Server) redirect(w http.ResponseWriter, r *http.Request, anchor string) {
	http.Redirect(w, r, "/#"+anchor, http.StatusSeeOther)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, anchor, msg string) {
	s.mu.Lock()
	s.errMsg = msg
	s.mu.Unlock()
	s.redirect(w, r, anchor)
}

func (s *Server) handleOpen(w http.ResponseWriter, r *http.Request) {
	var f *openFile
	if name := r.PostFormValue("dirfile"); name != "" {
		p, ok := s.inDir(name)
		if !ok {
			s.fail(w, r, "open", "no such file in the folder")
			return
		}
		f = &openFile{Name: filepath.Base(p), Path: p}
	} else {
		up, hdr, err := r.FormFile("file")
		if err != nil {
			s.fail(w, r, "open", "choose a CSV or XLSX file first")
			return
		}
		defer up.Close()
		name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
		if !slices.Contains(exportExts, strings.ToLower(filepath.Ext(name))) || name == "." || name == "/" {
			s.fail(w, r, "open", "open a .csv, .tsv, .txt, .csv.gz or .xlsx file")
			return
		}
		s.mu.Lock()
		s.seq++
		dir := filepath.Join(s.tmp, "files", strconv.Itoa(s.seq))
		s.mu.Unlock()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			s.fail(w, r, "open", err.Error())
			return
		}
		p := filepath.Join(dir, name)
		out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_, err = io.Copy(out, up)
			err = errors.Join(err, out.Close())
		}
		if err != nil {
			s.fail(w, r, "open", "save the file: "+err.Error())
			return
		}
		f = &openFile{Name: name, Path: p}
	}
	yml, err := propose(r.Context(), f.Path)
	if err != nil {
		s.fail(w, r, "open", fmt.Sprintf("%s: %v", f.Name, err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.file = f
	s.checks = parseChecks(yml)
	if err := s.setConfigLocked(yml); err != nil {
		s.errMsg = "the proposal does not load: " + err.Error()
	}
	s.flash = fmt.Sprintf("Opened %s: the mapping below is init's proposal; look at the highlighted CHECK items.", f.Name)
	s.redirect(w, r, "map")
}

// propose is what `capi-upload init FILE` prints.
func propose(ctx context.Context, path string) ([]byte, error) {
	opt := ingest.Options{}
	var err error
	if opt.HeaderRow, err = suggest.FindHeaderRow(path, opt); err != nil {
		return nil, err
	}
	rd, err := ingest.Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return suggest.Propose(ctx, rd, suggest.Options{File: filepath.Base(path), HeaderRow: opt.HeaderRow})
}

// setConfigLocked makes yml the page's mapping; s.mu is held.
func (s *Server) setConfigLocked(yml []byte) error {
	cfg, err := mapping.Parse(bytes.NewReader(yml))
	if err != nil {
		return err
	}
	s.draft, s.cfg, s.cfgErr = cfg, cfg, ""
	return nil
}

func (s *Server) handleLoadConfig(w http.ResponseWriter, r *http.Request) {
	var data []byte
	if name := r.PostFormValue("dirconfig"); name != "" {
		p, ok := s.inDir(name)
		if !ok {
			s.fail(w, r, "save", "no such config in the folder")
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			s.fail(w, r, "save", err.Error())
			return
		}
		data = b
	} else {
		up, _, err := r.FormFile("config")
		if err != nil {
			s.fail(w, r, "save", "choose a YAML config first")
			return
		}
		defer up.Close()
		if data, err = io.ReadAll(io.LimitReader(up, mapping.MaxConfigSize+1)); err != nil {
			s.fail(w, r, "save", err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setConfigLocked(data); err != nil {
		s.errMsg = "config: " + err.Error()
		s.redirect(w, r, "save")
		return
	}
	s.checks = parseChecks(data)
	s.flash = "Config loaded: the table and preview below use it."
	s.redirect(w, r, "map")
}

// inDir resolves a file name offered from Dir; only plain names listed
// there are accepted.
func (s *Server) inDir(name string) (string, bool) {
	if s.opt.Dir == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", false
	}
	p := filepath.Join(s.opt.Dir, name)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}

func (s *Server) handleMapping(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draft == nil || s.file == nil {
		s.errMsg = "open a file first"
		s.redirect(w, r, "open")
		return
	}
	rd, err := openReader(s.file.Path, s.draft)
	if err != nil {
		s.errMsg = err.Error()
		s.redirect(w, r, "map")
		return
	}
	header := rd.Header()
	rd.Close()
	f := mappingForm{Assign: map[int][]string{}, Format: map[int]string{},
		PixelID: r.PostFormValue("pixel_id"), Zone: r.PostFormValue("timezone"), Country: r.PostFormValue("default_country"),
		EventName: r.PostFormValue("event_name"), ActionSource: r.PostFormValue("action_source")}
	for i := range header {
		f.Assign[i] = r.PostForm["f"+strconv.Itoa(i)]
		if v, ok := r.PostForm["fmt"+strconv.Itoa(i)]; ok && len(v) > 0 {
			f.Format[i] = v[0]
		}
	}
	s.draft = applyForm(s.draft, header, f)
	y, err := mapping.MarshalConfig(s.draft)
	if err == nil {
		var cfg *mapping.Config
		if cfg, err = mapping.Parse(bytes.NewReader(y)); err == nil {
			s.cfg, s.cfgErr = cfg, ""
			s.draft = cfg
			s.flash = "Mapping applied: the preview below uses it."
			s.redirect(w, r, "preview")
			return
		}
	}
	s.cfg, s.cfgErr = nil, err.Error()
	s.errMsg = "the mapping is not complete yet: " + err.Error()
	s.redirect(w, r, "map")
}

// handleReadAs answers the live "reads as" of a time format: how the
// first samples of a column read with it. Only times are returned, never
// a cell.
func (s *Server) handleReadAs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	file, draft := s.file, s.draft
	s.mu.Unlock()
	if file == nil || draft == nil {
		http.Error(w, "open a file first", http.StatusConflict)
		return
	}
	q := r.URL.Query()
	col, err := strconv.Atoi(q.Get("col"))
	if err != nil {
		http.Error(w, "bad column", http.StatusBadRequest)
		return
	}
	rd, err := openReader(file.Path, draft)
	if err != nil {
		http.Error(w, "cannot read the file", http.StatusInternalServerError)
		return
	}
	defer rd.Close()
	header := rd.Header()
	var rows [][]string
	for len(rows) < sampleRows {
		row, err := rd.Read()
		if err == io.EOF || err != nil && !ingest.IsRowError(err) {
			break
		}
		if err == nil {
			rows = append(rows, row.Cells)
		}
	}
	if col < 0 || col >= len(header) {
		http.Error(w, "bad column", http.StatusBadRequest)
		return
	}
	et := &mapping.FieldSpec{Columns: []string{header[col]}, Format: q.Get("format")}
	if et0 := draft.Fields.EventTime; et0 != nil {
		et.Time, et.Zone = et0.Time, et0.Zone
	}
	tz := q.Get("timezone")
	if tz == "" {
		tz = draft.Timezone
	}
	c := *draft
	c.Timezone = tz
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"reads_as": readsAs(&c, header, rows, col, et)})
}

func (s *Server) handleConfigYAML(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draft := s.draft
	s.mu.Unlock()
	if draft == nil {
		http.Error(w, "no mapping yet: open a file", http.StatusNotFound)
		return
	}
	y, err := mapping.MarshalConfig(draft)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="capi-upload.yaml"`)
	w.Write(y)
}

var configNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$`)

func (s *Server) handleSaveConfig(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	draft := s.draft
	s.mu.Unlock()
	if draft == nil || s.opt.Dir == "" {
		s.fail(w, r, "save", "nothing to save, or no --dir to save into")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
		name += ".yaml"
	}
	if !configNameRE.MatchString(name) {
		s.fail(w, r, "save", "a config name is letters, digits, dots, dashes and underscores")
		return
	}
	y, err := mapping.MarshalConfig(draft)
	if err == nil {
		err = writeFileAtomic(filepath.Join(s.opt.Dir, name), y)
	}
	if err != nil {
		s.fail(w, r, "save", "save: "+err.Error())
		return
	}
	s.mu.Lock()
	s.flash = fmt.Sprintf("Saved %s. The nightly job: %s", filepath.Join(s.opt.Dir, name), s.cronLine(name))
	s.mu.Unlock()
	s.redirect(w, r, "save")
}

// cronLine is the crontab line that runs the saved config nightly.
func (s *Server) cronLine(config string) string {
	dir := s.opt.Dir
	if dir == "" {
		dir = "/srv/capi"
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	state := s.opt.StatePath
	if abs, err := filepath.Abs(state); err == nil && state != "" {
		state = abs
	}
	input := "EXPORT.csv"
	if s.file != nil {
		input = s.file.Name
	}
	return fmt.Sprintf(`30 2 * * * cd %s && CAPI_ACCESS_TOKEN="$(cat token)" %s upload --config %s --state %s --log-format json --progress never %s >>capi-upload.log 2>&1`,
		shellQuote(dir), s.opt.CLI, shellQuote(config), shellQuote(state), shellQuote(input))
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".capi-upload-*.yaml")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// ---- the token and runs ----

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimSpace(r.PostFormValue("token"))
	s.mu.Lock()
	if r.PostFormValue("forget") != "" {
		s.token = ""
		s.flash = "The pasted token is forgotten."
	} else if tok != "" {
		s.token = tok
		s.flash = "Token set. It is held in memory only, until the server stops."
	}
	s.mu.Unlock()
	s.redirect(w, r, "send")
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	anchor := "send"
	if s.run != nil && !s.run.finished() {
		s.errMsg = "a run is in progress: wait for it or cancel it"
		s.redirect(w, r, anchor)
		return
	}
	if s.file == nil || s.cfg == nil {
		s.errMsg = "open a file and complete the mapping first"
		s.redirect(w, r, "map")
		return
	}
	req := RunRequest{Input: s.file.Path, StatePath: s.opt.StatePath}
	label := ""
	switch r.PostFormValue("command") {
	case "validate":
		req.Command, label, anchor = CommandValidate, "Check of the whole file", "preview"
	case "dryrun":
		req.Command, req.DryRun, label = CommandUpload, true, "Dry run"
	case "upload":
		req.Command, label = CommandUpload, "Upload"
		req.TestEventCode = strings.TrimSpace(r.PostFormValue("test_event_code"))
		req.Token = s.token
		if req.Token == "" {
			req.Token = strings.TrimSpace(s.opt.Getenv("CAPI_ACCESS_TOKEN"))
		}
		if req.Token == "" {
			s.errMsg = "no access token: paste one, or start the server with CAPI_ACCESS_TOKEN set"
			s.redirect(w, r, anchor)
			return
		}
		if req.TestEventCode != "" {
			label += " with test event code"
		}
	default:
		http.Error(w, "unknown command", http.StatusBadRequest)
		return
	}
	y, err := mapping.MarshalConfig(s.cfg)
	if err != nil {
		s.errMsg = err.Error()
		s.redirect(w, r, anchor)
		return
	}
	s.seq++
	req.ConfigPath = filepath.Join(s.tmp, fmt.Sprintf("run-%d.yaml", s.seq))
	if err := os.WriteFile(req.ConfigPath, y, 0o600); err != nil {
		s.errMsg = err.Error()
		s.redirect(w, r, anchor)
		return
	}
	dir, err := newRunDir(s.reports, s.opt.Now())
	if err != nil {
		s.errMsg = err.Error()
		s.redirect(w, r, anchor)
		return
	}
	req.ReportDir = dir
	ctx, cancel := context.WithCancel(context.Background())
	rs := &runState{ID: filepath.Base(dir), Label: label, cancel: cancel, done: make(chan struct{})}
	rs.prog.Total = estimateRows(s.file.Path)
	s.run = rs
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		defer close(rs.done)
		defer cancel()
		res, err := s.opt.Runner.Run(ctx, req, func(p Progress) {
			if p.Total == 0 {
				p.Total = rs.prog.Total
			}
			rs.setProgress(p)
		})
		rs.mu.Lock()
		rs.result, rs.err = res, err
		if res.Summary != nil {
			rs.prog.Rows = res.Summary.RowsRead
			rs.prog.Done = res.Summary.Outcomes.Sent
		}
		rs.version++
		rs.mu.Unlock()
	}()
	s.redirect(w, r, "run")
}

// newRunDir reserves the report folder of a run, named for the UTC second
// as the command line names its own.
func newRunDir(parent string, at time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(parent, at.UTC().Format("20060102T150405Z"))
	for n := 1; n < 1000; n++ {
		dir := base
		if n > 1 {
			dir = fmt.Sprintf("%s-%d", base, n)
		}
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no free report folder under %s", parent)
}

// estimateRows counts the lines of a plain CSV for the progress bar; 0
// for other files.
func estimateRows(path string) int {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".tsv" && ext != ".txt" {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			break
		}
	}
	return max(0, n-1)
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.run != nil && !s.run.finished() {
		s.run.cancel()
		s.flash = "Cancelling: rows not acknowledged are reported as upload_failed, and the next run sends them."
	}
	s.mu.Unlock()
	s.redirect(w, r, "run")
}

// handleEvents streams the run's progress as server-sent events:
// "progress" while it runs, then one "done".
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs := s.run
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if fl != nil {
			fl.Flush()
		}
	}
	if rs == nil {
		send("done", map[string]string{"id": ""})
		return
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	last := -1
	for {
		p, v := rs.snapshot()
		if v != last {
			last = v
			send("progress", p)
		}
		select {
		case <-rs.done:
			p, _ := rs.snapshot()
			send("progress", p)
			send("done", map[string]string{"id": rs.ID})
			return
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) runView(rs *runState) *runView {
	p, _ := rs.snapshot()
	v := &runView{ID: rs.ID, Label: rs.Label, Running: !rs.finished(), Progress: p}
	if !v.Running {
		rs.mu.Lock()
		v.Result = rs.result
		if rs.err != nil {
			v.Err = rs.err.Error()
		}
		rs.mu.Unlock()
		v.S = v.Result.Summary
		if st, err := os.Stat(filepath.Join(s.reports, rs.ID, "requests")); err == nil && st.IsDir() {
			v.Requests = true
		}
	}
	return v
}

// historyRun is one earlier run in the report folders.
type historyRun struct {
	ID       string
	Command  string
	Started  string
	Rows     int
	Sent     int
	Rejected int
	Skipped  int
	DryRun   bool
	Requests bool
}

func (s *Server) history() []historyRun {
	ents, err := os.ReadDir(s.reports)
	if err != nil {
		return nil
	}
	var out []historyRun
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		sum, err := readSummary(filepath.Join(s.reports, e.Name()))
		if err != nil {
			continue
		}
		h := historyRun{ID: e.Name(), Command: sum.Command, Started: sum.Started.UTC().Format("2006-01-02 15:04 UTC"),
			Rows: sum.RowsRead, Sent: sum.Outcomes.Sent, Rejected: sum.Outcomes.Rejected, Skipped: sum.Outcomes.Skipped, DryRun: sum.DryRun}
		if st, err := os.Stat(filepath.Join(s.reports, e.Name(), "requests")); err == nil && st.IsDir() {
			h.Requests = true
		}
		out = append(out, h)
	}
	slices.Reverse(out) // newest first: the names are UTC timestamps
	return out
}

// readSummary reads a report folder's summary.json.
func readSummary(dir string) (*report.Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, err
	}
	var sum report.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, err
	}
	return &sum, nil
}

var runIDRE = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z(-[0-9]+)?$`)

// handleRunFile serves a run's reports: report.html to look at,
// rejects.csv, summary.json and the dry run's request bodies (a zip) as
// downloads.
func (s *Server) handleRunFile(w http.ResponseWriter, r *http.Request) {
	id, file := r.PathValue("id"), r.PathValue("file")
	if !runIDRE.MatchString(id) {
		http.NotFound(w, r)
		return
	}
	dir := filepath.Join(s.reports, id)
	switch file {
	case "report.html":
		// report.html is self-contained with its own inline style; it
		// runs no script.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeFile(w, r, filepath.Join(dir, file))
	case "rejects.csv", "summary.json":
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s"`, id, file))
		http.ServeFile(w, r, filepath.Join(dir, file))
	case "requests.zip":
		s.serveRequests(w, filepath.Join(dir, "requests"), id)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveRequests(w http.ResponseWriter, dir, id string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		http.Error(w, "this run wrote no request bodies", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-requests.zip"`, id))
	zw := zip.NewWriter(w)
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if f, err := zw.Create(e.Name()); err == nil {
			f.Write(b)
		}
	}
	zw.Close()
}

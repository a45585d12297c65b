package report

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"capi-upload/capi"
	"capi-upload/redact"
)

// Reject is one line of rejects.csv. No field may hold customer data,
// raw or hashed: Detail says what was wrong, never the value. Its
// columns in the file are rejectLine's (rejects.go).
type Reject struct {
	File    string
	Row     int
	EventID string
	Reason  capi.Reason
	Field   string
	Detail  string
}

// Options describes the run for the summary.
type Options struct {
	Command string // "upload", "validate", "upload --dry-run"
	Version string
	PixelID string // the dataset events go to, named in the reports
	// DefaultCountry is the config's default_country, "" when unset.
	DefaultCountry string
	// DryRun says nothing is sent; it is implied by a Command of
	// "validate" or one containing "--dry-run". The summary then says
	// "built" where it would say "sent".
	DryRun bool
	// Now is the clock for started/finished and event ages; time.Now when
	// nil. Tests inject a fixed one so summary.json is reproducible.
	Now func() time.Time
	// Redact lists secrets (the access token, the app secret) that must
	// never reach a report even if an error message upstream carried one;
	// each is replaced by "[redacted]" in details and request errors.
	Redact []string
	// MappedKeys lists the customer keys the config maps to a column or
	// value, so advice can tell "no column maps to ph" (fix the config)
	// from "no event carries ph" (the column is empty or invalid). nil
	// means unknown.
	MappedKeys []string
	// WrapRejects, when set, wraps the file rejects.csv is written to;
	// tests use it to make the writes fail as on a full disk.
	WrapRejects func(io.Writer) io.Writer
}

// redact removes every Options.Redact secret from s.
func (o Options) redact(s string) string {
	return redact.String(s, "[redacted]", o.Redact...)
}

func (o Options) dryRun() bool {
	return o.DryRun || o.Command == "validate" || strings.Contains(o.Command, "dry-run")
}

// File names inside the report directory.
const (
	RejectsFile = "rejects.csv"
	SummaryFile = "summary.json"
	HTMLFile    = "report.html"
)

// firstRowsPerReason bounds what the HTML report lists per reason and what
// the recorder keeps in memory for it.
const firstRowsPerReason = 5

// Recorder accumulates a run's outcomes and writes its reports into a
// directory. It is not safe for concurrent use: the run loop and
// upload.Run's serialized callbacks feed it from one goroutine at a time.
// Its memory does not grow with the number of rows: reject lines are
// streamed to disk and events are reduced to counters as they arrive.
type Recorder struct {
	dir   string
	opt   Options
	now   func() time.Time
	nowAt int64 // Unix nanoseconds of the last reading of now, for ages
	rejF  *os.File
	rejW  *RejectWriter
	s     Summary
	files map[string]int // index into s.Files
	first map[capi.Reason][]RowSpot
	match float64 // Σ eventMatchScore over sent events
	ids   int     // sent events carrying an event_id

	// Hot-path counters, folded into s at Close: per-row map writes of
	// struct values cost more than the rest of the recording.
	keyIdx map[string]int // customer key → index in keys
	keys   []keyCount     // per customer key
	names  map[string]*EventNameCount
	closed bool
	// rejErr is the first error writing rejects.csv. After it, rows are
	// still counted, so the summary adds up, and the reports say they are
	// incomplete.
	rejErr error
}

// keyCount is the running count behind one KeyCoverage.
type keyCount struct {
	name           string
	weight         float64
	events, values int
}

// Create makes dir (and parents) and opens rejects.csv in it. The file is
// written under a temporary name and renamed by Close, so a rejects.csv
// in the directory is always complete.
func Create(dir string, opt Options) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report dir: %w", err)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	f, err := os.CreateTemp(dir, "."+RejectsFile+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", RejectsFile, err)
	}
	var out io.Writer = f
	if opt.WrapRejects != nil {
		out = opt.WrapRejects(f)
	}
	w, err := NewRejectWriter(out)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	r := &Recorder{
		dir: dir, opt: opt, now: now, rejF: f, rejW: w,
		files: map[string]int{},
		first: map[capi.Reason][]RowSpot{},
	}
	r.s = Summary{
		Command:        opt.Command,
		Version:        opt.Version,
		PixelID:        opt.PixelID,
		DefaultCountry: opt.DefaultCountry,
		Started:        now().UTC(),
		DryRun:         opt.dryRun(),
		Files:          []FileCount{},
		Rejects:        map[string]int{},
		EventNames:     map[string]EventNameCount{},
		Coverage:       map[string]KeyCoverage{},
		Duplicates:     Duplicates{First: []RowSpot{}},
		Requests:       []capi.RequestLog{},
		Dir:            dir,
		MappedKeys:     opt.MappedKeys,
	}
	r.s.Outcomes.dryRun = r.s.DryRun
	r.keyIdx = map[string]int{}
	r.names = map[string]*EventNameCount{}
	for _, k := range capi.UserKeys {
		r.keys = append(r.keys, keyCount{name: k, weight: MatchWeights[k]})
	}
	return r, nil
}

// key returns the counter index of customer key k, adding one for a key
// not in capi.UserKeys so that nothing is lost.
func (r *Recorder) key(k string) int {
	// The keys capi-upload maps hold the first indexes, in UserKeys order
	// (Create adds them first); a scan of eleven short strings is cheaper
	// than a map lookup, and this runs for every key of every event.
	for i, u := range capi.UserKeys {
		if u == k {
			return i
		}
	}
	i, ok := r.keyIdx[k]
	if !ok {
		i = len(r.keys)
		r.keyIdx[k] = i
		r.keys = append(r.keys, keyCount{name: k, weight: MatchWeights[k]})
	}
	return i
}

func (r *Recorder) name(n string) *EventNameCount {
	c, ok := r.names[n]
	if !ok {
		c = &EventNameCount{}
		r.names[n] = c
	}
	return c
}

// FileOpened lists an input in the summary before its first row, so that
// a header-only file shows as read, with 0 rows.
func (r *Recorder) FileOpened(file string) { r.file(file) }

// RowRead counts one row read from file (the input's base name).
func (r *Recorder) RowRead(file string) {
	r.s.RowsRead++
	r.s.Files[r.file(file)].RowsRead++
}

// file returns the index of file's entry in s.Files, adding it if needed.
func (r *Recorder) file(file string) int {
	i, ok := r.files[file]
	if !ok {
		i = len(r.s.Files)
		r.files[file] = i
		r.s.Files = append(r.s.Files, FileCount{File: file})
	}
	return i
}

// Reject records a row that was not sent: one line in rejects.csv and
// one count under its reason (stale and upload_failed rows count as stale
// and failed, every other reason as rejected).
func (r *Recorder) Reject(rj Reject) error {
	if r.closed {
		return errors.New("report: reject after close")
	}
	rj.Detail = r.opt.redact(rj.Detail)
	var err error
	if r.rejErr == nil {
		if werr := r.rejW.Write(rj); werr != nil {
			r.rejErr = r.rejectsError(werr)
			err = r.rejErr // once: the caller keeps the first
		}
	}
	r.s.Rejects[string(rj.Reason)]++
	switch rj.Reason {
	case capi.ReasonStale:
		r.s.Outcomes.Stale++
		r.s.Files[r.file(rj.File)].Stale++
	case capi.ReasonUploadFailed:
		r.s.Outcomes.Failed++
	case capi.ReasonSkipped:
		// An outcome of its own, not a rejection: the user asked for it.
		r.s.Outcomes.Skipped++
	default:
		r.s.Outcomes.Rejected++
	}
	spot := RowSpot{File: rj.File, Row: rj.Row, Reason: string(rj.Reason), Field: rj.Field}
	if rj.Reason == capi.ReasonDuplicateEventID {
		r.s.Duplicates.Rows++
		if len(r.s.Duplicates.First) < firstRowsPerReason {
			r.s.Duplicates.First = append(r.s.Duplicates.First, RowSpot{File: rj.File, Row: rj.Row})
		}
	}
	if len(r.first[rj.Reason]) < firstRowsPerReason {
		r.first[rj.Reason] = append(r.first[rj.Reason], spot)
	}
	return err
}

// rejectsError names rejects.csv, where the user looks for it, rather than
// the temporary file the lines go to, and keeps the cause ("no space left
// on device").
func (r *Recorder) rejectsError(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("write %s: %w", filepath.Join(r.dir, RejectsFile), err)
}

// Built records an event that passed every check before sending: its
// event name and the customer values that were valid or dropped. The
// event is not retained.
func (r *Recorder) Built(ev *capi.Event) {
	r.s.Files[r.file(ev.File)].Fresh++
	r.name(ev.EventName).Rows++
	// r.keys begins with capi.UserKeys in order (Create adds them
	// first), so a key's index in UserData is its index there.
	for i, v := range &ev.UserData {
		r.keys[i].values += len(v)
	}
	for _, inv := range ev.Invalid {
		r.key(inv.Key)
		c := r.s.Coverage[inv.Key]
		c.Invalid++
		if c.InvalidBy == nil {
			c.InvalidBy = map[string]int{}
		}
		c.InvalidBy[inv.Reason]++
		r.s.Coverage[inv.Key] = c
	}
}

// Outcome records the final outcome of a built event. Sent events feed
// coverage, freshness and the match estimate; rejected, failed and stale
// outcomes also become reject lines; already-sent events are only
// counted, as the README's "Reports" says.
func (r *Recorder) Outcome(o capi.Outcome) error {
	ev := o.Event
	if ev == nil {
		ev = &capi.Event{}
	}
	switch o.Status {
	case capi.StatusSent:
		r.sent(ev)
		return nil
	case capi.StatusAlreadySent:
		r.s.Outcomes.AlreadySent++
		return nil
	}
	reason := o.Reason
	if reason == "" {
		switch o.Status {
		case capi.StatusStale:
			reason = capi.ReasonStale
		case capi.StatusRejected:
			reason = capi.ReasonAPIRejected
		case capi.StatusFailed:
			reason = capi.ReasonUploadFailed
		default:
			return fmt.Errorf("report: unknown outcome status %q", o.Status)
		}
	}
	return r.Reject(Reject{File: ev.File, Row: ev.Row, EventID: ev.EventID, Reason: reason, Field: o.Field, Detail: o.Detail})
}

func (r *Recorder) sent(ev *capi.Event) {
	r.s.Outcomes.Sent++
	r.name(ev.EventName).Events++
	score := 0.0
	for i, v := range &ev.UserData {
		if len(v) == 0 {
			continue
		}
		c := &r.keys[i]
		c.events++
		score += c.weight
	}
	// One event's term of the match estimate: see MatchWeights.
	r.match += min(score, 1)
	if ev.EventID != "" {
		r.ids++
	}
	if id, ok := ev.CustomData.Get("order_id"); ok && id != "" && id != nil {
		r.s.Dedup.OrderIDCount++
	}

	// Reading the clock for every event costs more than the rest of the
	// age bucketing; buckets are hours wide, so once per 1,024 will do.
	if r.nowAt == 0 || r.s.Outcomes.Sent%1024 == 0 {
		r.nowAt = r.now().UnixNano()
	}
	age := time.Unix(0, r.nowAt).Sub(time.Unix(ev.EventTime, 0))
	a := &r.s.Age
	switch {
	case age < 0:
		a.FutureDrift++
	case age < time.Hour:
		a.Under1Hour++
	case age < 24*time.Hour:
		a.Under1Day++
	case age < 3*24*time.Hour:
		a.Under3Days++
	case age < 7*24*time.Hour:
		a.Under7Days++
	default:
		a.Older++
	}
}

// Request records one request for summary.json and the HTML report.
func (r *Recorder) Request(l capi.RequestLog) {
	l.Error = r.opt.redact(l.Error)
	r.s.Requests = append(r.s.Requests, l)
}

// Close flushes rejects.csv, writes summary.json and report.html (temp
// file, fsync, rename) and returns the summary. It writes every file it
// can even when one fails, and returns the summary with the errors.
func (r *Recorder) Close() (*Summary, error) {
	if r.closed {
		return nil, errors.New("report: closed twice")
	}
	r.closed = true

	// rejects.csv first: whether it could be written decides what the
	// summary and the HTML report say about it.
	if r.rejErr == nil {
		if err := r.rejW.Close(); err != nil {
			r.rejErr = r.rejectsError(err)
		} else if err := commitFile(r.rejF, filepath.Join(r.dir, RejectsFile)); err != nil {
			r.rejErr = r.rejectsError(err)
		}
	}
	var errs []error
	written := []string{}
	if r.rejErr != nil {
		r.rejF.Close()
		os.Remove(r.rejF.Name())
		// An older rejects.csv in the directory would pass for this run's.
		os.Remove(filepath.Join(r.dir, RejectsFile))
		errs = append(errs, r.rejErr)
		r.s.Incomplete = fmt.Sprintf("%s could not be written (%v): the counts cover every row, but the rows not sent are not listed; free the space and run again (rows not sent are sent by the next upload)",
			RejectsFile, r.rejErr)
	}
	s := r.finish()
	if err := writeFileAtomic(filepath.Join(r.dir, SummaryFile), func(f *os.File) error {
		return s.WriteJSON(f)
	}); err != nil {
		errs = append(errs, err)
	} else {
		written = append(written, SummaryFile)
	}
	htmlErr := writeFileAtomic(filepath.Join(r.dir, HTMLFile), func(f *os.File) error {
		// The template writes each piece as it goes: unbuffered, a large
		// run's report was some 20,000 write calls.
		w := bufio.NewWriterSize(f, 64<<10)
		if err := WriteHTML(w, s, r.firstRows()); err != nil {
			return err
		}
		return w.Flush()
	})
	if htmlErr != nil {
		errs = append(errs, htmlErr)
	} else {
		written = append([]string{HTMLFile}, written...)
	}
	if r.rejErr == nil {
		written = slices.Insert(written, min(len(written), 1), RejectsFile)
	}
	s.written = written
	return s, errors.Join(errs...)
}

// finish turns the counters into the summary's shares, totals and advice.
func (r *Recorder) finish() *Summary {
	s := &r.s
	s.Finished = r.now().UTC()
	sent := s.Outcomes.Sent
	share := func(n int) float64 {
		if sent == 0 {
			return 0
		}
		return round4(float64(n) / float64(sent))
	}
	for _, k := range r.keys {
		c := s.Coverage[k.name] // holds the invalid counts
		c.Events, c.Values, c.Share = k.events, k.values, share(k.events)
		s.Coverage[k.name] = c
	}
	for n, c := range r.names {
		s.EventNames[n] = *c
	}
	s.Dedup.EventID = share(r.ids)
	s.Dedup.OrderID = share(s.Dedup.OrderIDCount)
	s.Age.Stale = s.Outcomes.Stale
	if sent > 0 {
		score := math.Round(r.match/float64(sent)*1000) / 10
		s.MatchStrength = &MatchStrength{Score: score, Level: matchLevel(score), Label: MatchLabel}
	}
	slices.SortStableFunc(s.Requests, func(a, b capi.RequestLog) int { return cmp.Compare(a.Seq, b.Seq) })
	t := RequestTotals{ByStatus: map[string]int{}}
	for _, l := range s.Requests {
		t.Requests++
		t.Events += l.Events
		t.EventsReceived += l.EventsReceived
		t.DurationMS += l.DurationMS
		if l.Attempt > 1 {
			t.Retries += l.Attempt - 1
		}
		if l.Error != "" || l.HTTPStatus >= 400 {
			t.Errors++
		}
		t.ByStatus[strconv.Itoa(l.HTTPStatus)]++
	}
	s.RequestTotals = t
	s.Advice = advise(s)
	return s
}

// firstRows lists the first rows kept per reason, in report order.
func (r *Recorder) firstRows() []ReasonRows {
	var out []ReasonRows
	for _, reason := range capi.Reasons {
		if n := r.s.Rejects[string(reason)]; n > 0 {
			out = append(out, ReasonRows{Reason: string(reason), Count: n, First: r.first[reason]})
		}
	}
	return out
}

// WriteJSON writes s as summary.json: indented, keys in a fixed order.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

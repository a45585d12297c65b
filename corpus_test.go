package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"capi-upload/ingest"

	"go.yaml.in/yaml/v3"
)

// The corpus test measures how far `init` plus the mapping rules get on
// realistic exports without a person editing the config: it is the score
// of the rules, not a unit test of one of them.
var (
	corpusKeep   = flag.String("corpus.keep", "", "copy each corpus file's configs, reports and findings into this `dir` for humans to read")
	corpusStrict = flag.Bool("corpus.strict", false, "make holdout corpus mismatches fatal, as the main corpus's are")
)

// corpusNow is the clock every truth file was written against (README of
// testdata/exports): stale and fresh rows depend on it.
var corpusNow = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

// corpusTruth is one <file>.truth.json.
type corpusTruth struct {
	System string            `json:"system"`
	File   string            `json:"file"`
	Set    map[string]string `json:"set"`
	SetWhy map[string]string `json:"set_why"`
	Rows   []truthRow        `json:"rows"`
}

// truthRow is the expected outcome of one data row.
type truthRow struct {
	Row       int                 `json:"row"`
	Outcome   string              `json:"outcome"` // sent, skipped, rejected, stale
	Reason    string              `json:"reason"`  // for rejected
	Why       string              `json:"why"`
	EventName string              `json:"event_name"`
	EventTime string              `json:"event_time"`
	Value     *float64            `json:"value"` // nil: the event carries no value
	Currency  string              `json:"currency"`
	Keys      map[string][]string `json:"keys"`
	// LeadID sits beside keys in the Conversion Leads truth; keys.lead_id
	// is accepted too.
	LeadID string `json:"lead_id"`
}

// sentEvent is one event of a dry run's request bodies, with user_data
// flattened to lists of strings (a single value is a string in the body,
// several an array, lead_id a number).
type sentEvent struct {
	body      string // request file base name, for the log
	EventName string
	EventTime int64
	EventID   string
	UserData  map[string][]string
	Value     *float64
	Currency  string
}

// corpusStats is one line of the table.
type corpusStats struct {
	file, system string
	exits        string // validate/upload exit codes
	sendable     int
	sentRight    int
	falseSends   int
	nonSentWrong int
	leaks        int
	set          string
}

func TestCorpus(t *testing.T) {
	groups := []struct {
		name string
		dir  string
		// gate: mismatches fail the test. The holdout measures systems
		// nobody tuned the rules for, so by default it only reports.
		gate bool
	}{
		{"main", filepath.Join("testdata", "exports"), true},
		{"holdout", filepath.Join("testdata", "exports", "holdout"), *corpusStrict},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			truths, err := filepath.Glob(filepath.Join(g.dir, "*.truth.json"))
			if err != nil || len(truths) == 0 {
				t.Fatalf("no truth files in %s (%v)", g.dir, err)
			}
			slices.Sort(truths)
			var stats []*corpusStats
			for _, tp := range truths {
				input := strings.TrimSuffix(tp, ".truth.json")
				// Appended before the run, so that a file whose run stops
				// early still has its line in the table.
				st := &corpusStats{file: filepath.Base(input), exits: "-", set: "-"}
				stats = append(stats, st)
				t.Run(filepath.Base(input), func(t *testing.T) {
					keep := ""
					if *corpusKeep != "" {
						keep = filepath.Join(*corpusKeep, g.name, filepath.Base(input))
					}
					scoreCorpusFile(t, input, tp, g.gate, keep, st)
				})
			}
			table := corpusTable(stats)
			t.Logf("%s corpus (clock %s):\n%s", g.name, corpusNow.Format(time.RFC3339), table)
			if *corpusKeep != "" {
				writeFile(t, filepath.Join(*corpusKeep, g.name, "table.txt"), table)
			}
		})
	}
}

// scoreCorpusFile runs init, validate and a dry run on one input and
// compares what came out with its truth. It fails t (gate) on any
// mismatch, and on a privacy leak whatever gate says.
func scoreCorpusFile(t *testing.T, input, truthPath string, gate bool, keep string, st *corpusStats) {
	tb, err := os.ReadFile(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	var truth corpusTruth
	dec := json.NewDecoder(bytes.NewReader(tb))
	dec.DisallowUnknownFields() // a new truth field must be scored, not ignored
	if err := dec.Decode(&truth); err != nil {
		t.Fatalf("%s: %v", truthPath, err)
	}
	st.system, st.set = truth.System, setString(truth.Set)
	// findings go to t.Log and, with -corpus.keep, to findings.txt.
	var findings strings.Builder
	note := func(format string, a ...any) {
		t.Helper()
		t.Logf(format, a...)
		fmt.Fprintf(&findings, format+"\n", a...)
	}

	setClock(t, corpusNow)
	dir := t.TempDir()
	r := runIn(t.Context(), t, nil, "init", "--pixel-id", samplePixel, input)
	if r.code != exitOK {
		t.Fatalf("init: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	proposed := filepath.Join(dir, "proposed.yaml")
	writeFile(t, proposed, r.stdout)
	cfg, err := applyTruthSet([]byte(r.stdout), truth.Set)
	if err != nil {
		t.Fatalf("applying set %v to the proposed config: %v", truth.Set, err)
	}
	config := filepath.Join(dir, "config.yaml")
	writeFile(t, config, string(cfg))
	if len(truth.Set) == 0 {
		note("set: nothing (the file tells everything)")
	}
	for _, k := range slices.Sorted(maps.Keys(truth.Set)) {
		note("set %s = %s (the file cannot tell it: %s)", k, truth.Set[k], truth.SetWhy[k])
	}

	r1, r2 := filepath.Join(dir, "validate"), filepath.Join(dir, "dryrun")
	v := runIn(t.Context(), t, nil, "validate", "--config", config, "--report-dir", r1, "--progress", "never", input)
	u := runIn(t.Context(), t, nil, "upload", "--dry-run", "--config", config, "--report-dir", r2, "--progress", "never", input)
	st.exits = fmt.Sprintf("%d/%d", v.code, u.code)
	// 0 and 4 (too many rejects, or only stale rows) are outcomes to
	// score; anything else means the proposed config could not run.
	for _, run := range []struct {
		name string
		res  result
	}{{"validate", v}, {"upload --dry-run", u}} {
		if run.res.code != exitOK && run.res.code != exitRejectRatio {
			note("%s: exit %d: the proposed config is broken, nothing it would send counts; stderr:\n%s", run.name, run.res.code, run.res.stderr)
		}
	}
	if keep != "" {
		defer keepCorpusRun(t, keep, dir, &findings)
	}

	rowsRead(note, r1, len(truth.Rows))
	events := readSentEvents(t, r2)
	rejects, rejErr := readRejects(filepath.Join(r1, "rejects.csv"))
	if rejErr != nil {
		note("rejects.csv of validate: %v", rejErr)
	}

	// Sent rows: greedy, one event per truth row, in row order.
	used := make([]bool, len(events))
	var missed []*expected
	for _, tr := range truth.Rows {
		if tr.Outcome != "sent" {
			continue
		}
		st.sendable++
		want, err := expectEvent(tr)
		if err != nil {
			t.Fatalf("%s row %d: %v", truthPath, tr.Row, err)
		}
		matched := false
		for i, ev := range events {
			if !used[i] && len(want.diff(ev)) == 0 {
				used[i], matched = true, true
				break
			}
		}
		if matched {
			st.sentRight++
			continue
		}
		missed = append(missed, want)
		note("row %d: want sent (%s), not sent right: %s%s", tr.Row, want, want.closest(events, used), rejectsSay(rejects[tr.Row]))
	}
	for i, ev := range events {
		if used[i] {
			continue
		}
		st.falseSends++
		// Name the missed truth row this event most likely is, so a wrong
		// send reads apart from a row that must not be sent at all.
		like := "alike no missed sendable row: a row that must not be sent, or one sent all wrong"
		for _, m := range missed {
			if ev.EventTime == m.eventTime || m.likeness(ev) >= max(1, (len(m.keys)+1)/2) {
				like = fmt.Sprintf("probably row %d sent wrong", m.row)
				break
			}
		}
		note("false send: %s (%s)", ev, like)
	}

	// Rows that must not be sent: their outcome and reason in rejects.csv.
	for _, tr := range truth.Rows {
		if tr.Outcome == "sent" {
			continue
		}
		want := tr.Outcome // skipped and stale are their own reasons
		if tr.Outcome == "rejected" {
			want = tr.Reason
		}
		got := rejects[tr.Row]
		if slices.ContainsFunc(got, func(r rejectLine) bool { return r.reason == want }) {
			continue
		}
		st.nonSentWrong++
		switch {
		case rejErr != nil:
			note("row %d: want %s (%s), no rejects.csv to tell", tr.Row, want, tr.Why)
		case len(got) == 0:
			note("row %d: want %s (%s), not in rejects.csv (built as an event)", tr.Row, want, tr.Why)
		default:
			note("row %d: want %s (%s)%s", tr.Row, want, tr.Why, rejectsSay(got))
		}
	}
	known := map[int]bool{}
	for _, tr := range truth.Rows {
		known[tr.Row] = true
	}
	for _, row := range slices.Sorted(maps.Keys(rejects)) {
		if !known[row] {
			note("rejects.csv row %d is no data row of the truth%s", row, rejectsSay(rejects[row]))
		}
	}

	leaks := findLeaks(t, input, truth, r1, r2)
	st.leaks = len(leaks)
	for _, l := range leaks {
		note("privacy: %s", l)
	}

	if st.leaks > 0 {
		t.Errorf("%d raw customer values in the reports or request bodies", st.leaks)
	}
	if st.sentRight < st.sendable || st.falseSends > 0 || st.nonSentWrong > 0 {
		fail := t.Logf
		if gate {
			fail = t.Errorf
		}
		fail("%s: sent right %d of %d, false sends %d, non-sent rows wrong %d (exit validate/upload %s)",
			st.file, st.sentRight, st.sendable, st.falseSends, st.nonSentWrong, st.exits)
	}
}

// applyTruthSet sets the truth's `set` values, and only those, in the
// proposed YAML. Its comments stay; yaml.v3 drops blank lines and the
// alignment of line comments, which changes no value.
func applyTruthSet(src []byte, set map[string]string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the config is not a YAML mapping")
	}
	root := doc.Content[0]
	for _, k := range slices.Sorted(maps.Keys(set)) {
		v := set[k]
		switch k {
		case "timezone", "default_country":
			setMapKey(root, k, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle})
		case "currency":
			fields := childMapping(root, "fields")
			custom := childMapping(fields, "custom_data")
			setMapKey(custom, "currency", &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: "value"},
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle},
			}})
		default:
			return nil, fmt.Errorf("truth sets %q, which the test does not know how to apply", k)
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// setMapKey replaces the value of key in mapping m, or appends the pair.
// The comments of a replaced value stay with it.
func setMapKey(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			val.LineComment = old.LineComment
			m.Content[i+1] = val
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}

// childMapping returns the mapping under key in m, creating it if absent.
func childMapping(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.MappingNode {
			return m.Content[i+1]
		}
	}
	c := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	setMapKey(m, key, c)
	return c
}

func setString(set map[string]string) string {
	if len(set) == 0 {
		return "-"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		parts = append(parts, k+"="+set[k])
	}
	return strings.Join(parts, " ")
}

// expected is a truth sent row in the form the body carries it: each key's
// values as sent (hashes for hashed keys).
type expected struct {
	row       int
	eventName string
	eventTime int64
	value     *float64
	currency  string
	keys      map[string][]string // sorted
	// external_id may be sent hashed or as is (it often already is an
	// opaque id); its raw values are kept to accept either.
	rawExternal []string
}

// unhashedKeys are sent as is (README "Keys sent unhashed"; capi.UserKeys after external_id).
var unhashedKeys = map[string]bool{
	"client_ip_address": true, "client_user_agent": true, "fbc": true, "fbp": true,
	"lead_id": true, "subscription_id": true, "fb_login_id": true, "madid": true,
}

func expectEvent(tr truthRow) (*expected, error) {
	tm, err := time.Parse(time.RFC3339, tr.EventTime)
	if err != nil {
		return nil, fmt.Errorf("event_time: %v", err)
	}
	e := &expected{row: tr.Row, eventName: tr.EventName, eventTime: tm.Unix(), value: tr.Value,
		currency: strings.ToUpper(tr.Currency), keys: map[string][]string{}}
	keys := tr.Keys
	if tr.LeadID != "" {
		keys = maps.Clone(keys)
		if keys == nil {
			keys = map[string][]string{}
		}
		keys["lead_id"] = append(keys["lead_id"], tr.LeadID)
	}
	for k, vs := range keys {
		if len(vs) == 0 {
			return nil, fmt.Errorf("key %s has no value", k)
		}
		var sent []string
		for _, v := range vs {
			switch {
			case k == "lead_id":
				sent = append(sent, digitsOf(v))
			case unhashedKeys[k]:
				sent = append(sent, v)
			default:
				sent = append(sent, sha256Hex(v))
			}
		}
		if k == "external_id" {
			e.rawExternal = sortedSet(vs)
		}
		e.keys[k] = sortedSet(sent)
	}
	return e, nil
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func sortedSet(vs []string) []string {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}

func (e *expected) String() string {
	s := fmt.Sprintf("%s %s", e.eventName, time.Unix(e.eventTime, 0).UTC().Format(time.RFC3339))
	if e.value != nil {
		s += fmt.Sprintf(" %v %s", *e.value, e.currency)
	}
	return s + " keys " + strings.Join(slices.Sorted(maps.Keys(e.keys)), ",")
}

// diff lists how ev differs from the expected event; empty means a match.
func (e *expected) diff(ev sentEvent) []string {
	var d []string
	if ev.EventName != e.eventName {
		d = append(d, fmt.Sprintf("event_name %q, want %q", ev.EventName, e.eventName))
	}
	if ev.EventTime != e.eventTime {
		d = append(d, fmt.Sprintf("event_time %s (off by %s)", time.Unix(ev.EventTime, 0).UTC().Format(time.RFC3339),
			time.Duration(ev.EventTime-e.eventTime)*time.Second))
	}
	switch {
	case e.value == nil && ev.Value != nil:
		d = append(d, fmt.Sprintf("value %v, want none", *ev.Value))
	case e.value != nil && ev.Value == nil:
		d = append(d, fmt.Sprintf("no value, want %v", *e.value))
	case e.value != nil && math.Abs(*ev.Value-*e.value) > 0.005:
		d = append(d, fmt.Sprintf("value %v, want %v", *ev.Value, *e.value))
	}
	if ev.Currency != e.currency {
		d = append(d, fmt.Sprintf("currency %q, want %q", ev.Currency, e.currency))
	}
	for _, k := range slices.Sorted(maps.Keys(e.keys)) {
		got, ok := ev.UserData[k]
		switch {
		case !ok:
			d = append(d, "missing key "+k)
		case slices.Equal(sortedSet(got), e.keys[k]):
		case k == "external_id" && slices.Equal(sortedSet(got), e.rawExternal):
		case k == "lead_id":
			d = append(d, fmt.Sprintf("lead_id %v, want %v", got, e.keys[k]))
		default:
			d = append(d, fmt.Sprintf("%s differs (%d values sent, %d wanted; no hash of the truth's normalized value among them)", k, len(got), len(e.keys[k])))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ev.UserData)) {
		if _, ok := e.keys[k]; !ok {
			d = append(d, "extra key "+k)
		}
	}
	return d
}

// closest explains a missed truth row by the unused event most like it:
// one at the same event_time first, then the one most alike (likeness),
// then the one with fewest differences. An event alike in nothing explains
// nothing and is not named.
func (e *expected) closest(events []sentEvent, used []bool) string {
	best, bestDiff := -1, []string(nil)
	bestSame, bestLike := false, 0
	for i, ev := range events {
		if used[i] {
			continue
		}
		d, same, like := e.diff(ev), ev.EventTime == e.eventTime, e.likeness(ev)
		better := best < 0 || (same && !bestSame) ||
			(same == bestSame && (like > bestLike || (like == bestLike && len(d) < len(bestDiff))))
		if better {
			best, bestDiff, bestSame, bestLike = i, d, same, like
		}
	}
	switch {
	case best < 0:
		return "no unmatched event to compare with"
	case bestSame:
		return fmt.Sprintf("event %s at the same time: %s", events[best].EventID, strings.Join(bestDiff, "; "))
	case bestLike > 0:
		return fmt.Sprintf("no unmatched event at that time; most alike is %s: %s", events[best].EventID, strings.Join(bestDiff, "; "))
	default:
		return "no unmatched event at that time, with any of its keys or with its value"
	}
}

// likeness counts what ev has exactly as expected besides the time: each
// customer key, and the value. The right person at a wrong time shows a
// time zone or time column error.
func (e *expected) likeness(ev sentEvent) int {
	n := 0
	for k, want := range e.keys {
		if got, ok := ev.UserData[k]; ok && slices.Equal(sortedSet(got), want) {
			n++
		}
	}
	if e.value != nil && ev.Value != nil && math.Abs(*ev.Value-*e.value) <= 0.005 {
		n++
	}
	return n
}

func (ev sentEvent) String() string {
	s := fmt.Sprintf("%s: %s %s id %s", ev.body, ev.EventName, time.Unix(ev.EventTime, 0).UTC().Format(time.RFC3339), ev.EventID)
	if ev.Value != nil {
		s += fmt.Sprintf(" value %v", *ev.Value)
	}
	if ev.Currency != "" {
		s += " " + ev.Currency
	}
	return s + " keys " + strings.Join(slices.Sorted(maps.Keys(ev.UserData)), ",")
}

// readSentEvents reads every event of the request bodies a dry run wrote
// into dir/requests; none when the run wrote none.
func readSentEvents(t *testing.T, dir string) []sentEvent {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "requests", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	var events []sentEvent
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data []struct {
				EventName  string                     `json:"event_name"`
				EventTime  int64                      `json:"event_time"`
				EventID    string                     `json:"event_id"`
				UserData   map[string]json.RawMessage `json:"user_data"`
				CustomData map[string]any             `json:"custom_data"`
			} `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, d := range body.Data {
			ev := sentEvent{body: filepath.Base(p), EventName: d.EventName, EventTime: d.EventTime, EventID: d.EventID,
				UserData: map[string][]string{}}
			for k, raw := range d.UserData {
				vs, err := userDataValues(raw)
				if err != nil {
					t.Fatalf("%s: user_data.%s: %v", p, k, err)
				}
				ev.UserData[k] = vs
			}
			if n, ok := d.CustomData["value"].(json.Number); ok {
				f, err := n.Float64()
				if err != nil {
					t.Fatalf("%s: custom_data.value: %v", p, err)
				}
				ev.Value = &f
			} else if d.CustomData["value"] != nil {
				t.Fatalf("%s: custom_data.value is %T, not a number", p, d.CustomData["value"])
			}
			ev.Currency, _ = d.CustomData["currency"].(string)
			events = append(events, ev)
		}
	}
	return events
}

// userDataValues flattens one user_data value: a string, a number
// (lead_id) or an array of strings.
func userDataValues(raw json.RawMessage) ([]string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return []string{n.String()}, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, err
	}
	return ss, nil
}

// rejectLine is one line of rejects.csv.
type rejectLine struct {
	reason, field, detail string
}

// readRejects reads rejects.csv by row number.
func readRejects(path string) (map[int][]rejectLine, error) {
	out := map[int][]rejectLine{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return out, err
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"file", "row", "event_id", "reason", "field", "detail"}) {
		return out, fmt.Errorf("unexpected header %v", recs[:min(1, len(recs))])
	}
	for _, r := range recs[1:] {
		row, err := strconv.Atoi(r[1])
		if err != nil {
			return out, fmt.Errorf("row %q: %v", r[1], err)
		}
		out[row] = append(out[row], rejectLine{reason: r[3], field: r[4], detail: r[5]})
	}
	return out, nil
}

func rejectsSay(rs []rejectLine) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s (%s: %s)", r.reason, r.field, r.detail))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; rejects.csv says " + strings.Join(parts, ", ")
}

// rowsRead notes when validate read a different number of data rows than
// the truth lists: a header or footer taken for data, or rows lost.
func rowsRead(note func(string, ...any), dir string, want int) {
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return // a broken config wrote no summary; already noted
	}
	var s struct {
		RowsRead int `json:"rows_read"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		note("summary.json: %v", err)
		return
	}
	if s.RowsRead != want {
		note("validate read %d rows, the truth lists %d", s.RowsRead, want)
	}
}

var (
	emailLike      = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phoneHeader    = regexp.MustCompile(`(?i)phone|mobile|handy|telef|^tel\b|\btel$|fon`)
	phoneCharsOnly = regexp.MustCompile(`^[0-9+()./\s-]+$`)
)

// findLeaks looks for raw customer emails and phone numbers where only
// hashes or nothing may be: the request bodies, and rejects.csv,
// summary.json and report.html of both runs. The needles are the truth's
// sent em values and ph digits, and every email-like cell and phone-like
// cell (as written and as digits) of the input.
func findLeaks(t *testing.T, input string, truth corpusTruth, dirs ...string) []string {
	t.Helper()
	needles := map[string]string{} // lower-case needle -> what it is
	add := func(v, what string) {
		v = strings.ToLower(strings.TrimSpace(v))
		// Shorter strings match by chance; the first row named is kept.
		if _, seen := needles[v]; len(v) >= 6 && !seen {
			needles[v] = what
		}
	}
	for _, tr := range truth.Rows {
		for _, em := range tr.Keys["em"] {
			add(em, fmt.Sprintf("email of row %d", tr.Row))
		}
		for _, ph := range tr.Keys["ph"] {
			if d := digitsOf(ph); len(d) >= 7 {
				add(d, fmt.Sprintf("phone digits of row %d", tr.Row))
			}
		}
	}
	for _, c := range inputContacts(t, input) {
		add(c.value, c.what)
	}

	var files []string
	for _, d := range dirs {
		for _, name := range []string{"rejects.csv", "summary.json", "report.html"} {
			files = append(files, filepath.Join(d, name))
		}
		bodies, _ := filepath.Glob(filepath.Join(d, "requests", "*.json"))
		files = append(files, bodies...)
	}
	var leaks []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // not written by this run (e.g. validate has no bodies)
		}
		text := strings.ToLower(string(b))
		for _, n := range slices.Sorted(maps.Keys(needles)) {
			if strings.Contains(text, n) {
				leaks = append(leaks, fmt.Sprintf("%s holds the %s (%s)", filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f)), needles[n], mask(n)))
			}
		}
	}
	return leaks
}

// mask keeps enough of a value for a person to find it in the input.
func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:2] + strings.Repeat("*", len(s)-4) + s[len(s)-2:]
}

type contact struct{ value, what string }

// inputContacts returns the input's email-like cells and the cells of
// phone-named columns that look like phone numbers, as written and as
// digits. A row naming a phone column is taken as the header, which finds
// the header below a report's preamble too.
func inputContacts(t *testing.T, input string) []contact {
	t.Helper()
	r, err := ingest.Open(input, ingest.Options{})
	if err != nil {
		t.Logf("privacy: cannot read %s for its contact cells: %v", input, err)
		return nil
	}
	defer r.Close()
	phoneCols := func(cells []string) map[int]bool {
		m := map[int]bool{}
		for i, c := range cells {
			if phoneHeader.MatchString(strings.TrimSpace(c)) {
				m[i] = true
			}
		}
		return m
	}
	cols := phoneCols(r.Header())
	var out []contact
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ingest.IsRowError(err) {
				continue
			}
			t.Logf("privacy: reading %s: %v", input, err)
			break
		}
		if h := phoneCols(row.Cells); len(h) > 0 {
			cols = h
			continue
		}
		for i, c := range row.Cells {
			c = strings.TrimSpace(c)
			switch {
			case emailLike.MatchString(c):
				out = append(out, contact{c, fmt.Sprintf("email cell of row %d", row.Line)})
			case cols[i] && phoneCharsOnly.MatchString(c) && len(digitsOf(c)) >= 7:
				out = append(out, contact{c, fmt.Sprintf("phone cell of row %d", row.Line)},
					contact{digitsOf(c), fmt.Sprintf("phone digits of row %d", row.Line)})
			}
		}
	}
	return out
}

// keepCorpusRun copies one file's configs, reports and findings under
// keep, replacing an earlier copy.
func keepCorpusRun(t *testing.T, keep, dir string, findings *strings.Builder) {
	t.Helper()
	if err := os.RemoveAll(keep); err != nil {
		t.Errorf("-corpus.keep: %v", err)
		return
	}
	if err := os.CopyFS(keep, os.DirFS(dir)); err != nil {
		t.Errorf("-corpus.keep: %v", err)
		return
	}
	writeFile(t, filepath.Join(keep, "findings.txt"), findings.String())
}

// corpusTable renders the per-file scores and their total.
func corpusTable(stats []*corpusStats) string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "file\tsystem\texit v/u\tsendable\tsent right\tfalse sends\tnon-sent wrong\tleaks\tset")
	var tot corpusStats
	for _, s := range stats {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.file, shorten(s.system, 40), s.exits,
			s.sendable, s.sentRight, s.falseSends, s.nonSentWrong, s.leaks, s.set)
		tot.sendable += s.sendable
		tot.sentRight += s.sentRight
		tot.falseSends += s.falseSends
		tot.nonSentWrong += s.nonSentWrong
		tot.leaks += s.leaks
	}
	fmt.Fprintf(w, "TOTAL (%d files)\t\t\t%d\t%d\t%d\t%d\t%d\t\n", len(stats), tot.sendable, tot.sentRight, tot.falseSends, tot.nonSentWrong, tot.leaks)
	w.Flush()
	return b.String()
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

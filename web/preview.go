package web

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"capi-upload/capi"
	"capi-upload/ingest"
	"capi-upload/mapping"
	"capi-upload/report"
)

// PreviewRows is how many rows the preview maps.
const PreviewRows = 50

// sampleRows is how many rows the mapping table looks at for its three
// sample values per column.
const sampleRows = 50

// defaultMaxAge is --max-age's default (SPEC).
const defaultMaxAge = 7 * 24 * time.Hour

// previewRow is one row of the preview: where it is in the spreadsheet,
// what would become of it, and its customer keys masked.
type previewRow struct {
	Line    int
	Verdict string // sent, rejected, skipped, stale
	Text    string
	Name    string
	Time    string
	Age     string
	Value   string
	Keys    []keyCell
}

// keyCell is one customer key of a preview row.
type keyCell struct {
	Key     string
	Masked  string // the normalized values, masked
	Invalid string // why the value was dropped
}

// coverage is the share of would-be-sent events carrying a key.
type coverage struct {
	Key string
	N   int
	Pct int
}

// freshness counts would-be-sent events by age, as summary.json does.
type freshness struct {
	Hour, Day, Days3, Days7, Stale, Future int
}

// preview is the preview section: the first rows as events.
type preview struct {
	Rows      []previewRow
	Keys      []string
	Counts    map[string]int
	Coverage  []coverage
	Fresh     freshness
	Match     int
	MatchWord string
	Err       string
}

// openReader opens the file for cfg's reader hints.
func openReader(path string, cfg *mapping.Config) (ingest.Reader, error) {
	return ingest.Open(path, cfg.IngestOptions())
}

// buildPreview maps the first PreviewRows rows of path with cfg and
// judges each at now, as validate would (but for the ledger).
func buildPreview(path, name string, cfg *mapping.Config, now time.Time) *preview {
	p := &preview{Counts: map[string]int{}}
	r, err := openReader(path, cfg)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	defer r.Close()
	header := r.Header()
	m, err := mapping.NewMapper(cfg, name, header)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	m.Now = func() time.Time { return now }
	maxAge := time.Duration(cfg.MaxAge)
	if maxAge <= 0 {
		maxAge = defaultMaxAge
	}
	for _, k := range capi.UserKeys {
		if cfg.Fields.UserData[k] != nil {
			p.Keys = append(p.Keys, k)
		}
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	seen := map[string]bool{}
	keyCount := map[string]int{}
	var strength float64
	for len(p.Rows) < PreviewRows {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !ingest.IsRowError(err) {
				p.Err = err.Error()
				break
			}
			line := 0
			if pe, ok := errors.AsType[*ingest.ParseError](err); ok {
				line = pe.Row
			}
			p.add(previewRow{Line: line, Verdict: "rejected", Text: "rejected: invalid_value: the row cannot be read"})
			continue
		}
		pr := previewRow{Line: row.Line}
		ev, err := m.Map(row)
		if err != nil {
			if se, ok := errors.AsType[*mapping.SkipError](err); ok {
				pr.Verdict, pr.Text = "skipped", "skipped: "+se.Rule
			} else if re, ok := errors.AsType[*mapping.RowError](err); ok {
				pr.Verdict, pr.Text = "rejected", "rejected: "+string(re.Reason)
				if re.Field != "" {
					pr.Text += " (" + re.Field + ")"
				}
				if re.Detail != "" {
					pr.Text += ": " + re.Detail
				}
			} else {
				pr.Verdict, pr.Text = "rejected", "rejected: "+err.Error()
			}
			p.add(pr)
			continue
		}
		t := time.Unix(ev.EventTime, 0)
		pr.Name = ev.EventName
		pr.Time = t.In(loc).Format("2006-01-02 15:04")
		pr.Age = age(now.Sub(t))
		pr.Value = eventValue(&ev)
		pr.Keys = p.keys(cfg, header, row, &ev)
		dupKey := ev.EventName + "\x00" + ev.EventID
		switch reason := capi.CheckTime(t.Unix(), now, maxAge); {
		case reason == capi.ReasonStale:
			pr.Verdict, pr.Text = "stale", fmt.Sprintf("stale: %s old, over %s", pr.Age, mapping.Duration(maxAge))
			p.Fresh.Stale++
		case reason != "":
			pr.Verdict, pr.Text = "rejected", "rejected: "+string(reason)
			p.Fresh.Future++
		case seen[dupKey]:
			pr.Verdict, pr.Text = "rejected", "rejected: duplicate_event_id: an earlier row has the same event_id"
		default:
			seen[dupKey] = true
			pr.Verdict, pr.Text = "sent", "would be sent"
			switch a := now.Sub(t); {
			case a < time.Hour:
				p.Fresh.Hour++
			case a < 24*time.Hour:
				p.Fresh.Day++
			case a < 72*time.Hour:
				p.Fresh.Days3++
			default:
				p.Fresh.Days7++
			}
			sum := 0.0
			for i, k := range capi.UserKeys {
				if len(ev.UserData[i]) > 0 {
					keyCount[k]++
					sum += report.MatchWeights[k]
				}
			}
			strength += min(sum, 1)
		}
		p.add(pr)
	}
	sent := p.Counts["sent"]
	for _, k := range p.Keys {
		c := coverage{Key: k, N: keyCount[k]}
		if sent > 0 {
			c.Pct = 100 * c.N / sent
		}
		p.Coverage = append(p.Coverage, c)
	}
	if sent > 0 {
		p.Match = int(100*strength/float64(sent) + 0.5)
		switch {
		case p.Match < 30:
			p.MatchWord = "weak"
		case p.Match < 55:
			p.MatchWord = "fair"
		case p.Match < 80:
			p.MatchWord = "good"
		default:
			p.MatchWord = "strong"
		}
	}
	return p
}

func (p *preview) add(r previewRow) {
	if r.Keys == nil {
		r.Keys = make([]keyCell, len(p.Keys)) // empty cells keep the table's columns
	}
	p.Rows = append(p.Rows, r)
	p.Counts[r.Verdict]++
}

// keys lists the row's mapped customer keys, each with its values as
// capi-upload normalizes them, masked, or why it was dropped.
func (p *preview) keys(cfg *mapping.Config, header []string, row ingest.Row, ev *capi.Event) []keyCell {
	var out []keyCell
	for _, k := range p.Keys {
		kc := keyCell{Key: k}
		for _, inv := range ev.Invalid {
			if inv.Key == k {
				kc.Invalid = inv.Reason
			}
		}
		idx := capi.UserKeyIndex(k)
		if idx >= 0 && len(ev.UserData[idx]) > 0 {
			spec := cfg.Fields.UserData[k]
			var shown []string
			for _, col := range spec.Columns {
				i := slices.Index(header, col)
				if i < 0 || i >= len(row.Cells) {
					continue
				}
				cell := row.Cells[i]
				if spec.Part != "" {
					cell = namePart(cell, spec.Part)
				}
				if v := normalizeForShow(k, cell, cfg); v != "" {
					if m := MaskKey(k, v); !slices.Contains(shown, m) {
						shown = append(shown, m)
					}
				}
			}
			if len(shown) == 0 {
				shown = []string{"✓"}
			}
			kc.Masked = strings.Join(shown, ", ")
		}
		out = append(out, kc)
	}
	return out
}

// namePart takes the first or last word of a full name ("Doe, Jane" is
// Jane Doe); the mapper does it more carefully, and only the masked first
// letter is shown.
func namePart(s, part string) string {
	if last, first, ok := strings.Cut(s, ","); ok {
		s = first + " " + last
	}
	w := strings.Fields(s)
	if len(w) == 0 {
		return ""
	}
	if part == "last" {
		return w[len(w)-1]
	}
	return w[0]
}

func eventValue(ev *capi.Event) string {
	var value, currency string
	for _, f := range ev.CustomData {
		switch f.Key {
		case "value":
			if v, ok := f.Value.(float64); ok {
				value = strconv.FormatFloat(v, 'f', 2, 64)
			}
		case "currency":
			currency, _ = f.Value.(string)
		}
	}
	return strings.TrimSpace(value + " " + currency)
}

// age says how long ago an event was, in the largest whole unit.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}

// safeFields are the fields whose cells are not customer data, so the
// mapping table may show their samples as written once the value also
// reads as what the field expects.
var safeFields = map[string]bool{
	"event_time": true, pathTime: true, pathZone: true, "event_name": true, "action_source": true,
	"custom_data.value": true, "custom_data.currency": true, "custom_data.num_items": true,
	"custom_data.content_type": true,
}

// column is one row of the mapping table.
type column struct {
	Index   int
	Name    string
	Samples []string
	Assign  []string
	Format  string
	Time    bool // feeds event_time: show the format and "reads as"
	Date    bool // feeds db
	ReadsAs string
	Check   bool
}

// buildColumns reads the first rows of path for the mapping table: each
// column with three sample values, masked unless the column feeds a field
// that holds no customer data and the value looks the part.
func buildColumns(path string, cfg *mapping.Config, checks []checkItem) ([]column, []string, error) {
	r, err := openReader(path, cfg)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	header := r.Header()
	var rows [][]string
	for len(rows) < sampleRows {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ingest.IsRowError(err) {
				continue
			}
			return nil, nil, err
		}
		rows = append(rows, row.Cells)
	}
	assign := assignments(cfg)
	checked := map[string]bool{}
	for _, c := range checks {
		for _, col := range c.Columns {
			checked[col] = true
		}
		if s := specAt(cfg, c.Key); s != nil {
			for _, col := range s.Columns {
				checked[col] = true
			}
		}
	}
	cols := make([]column, len(header))
	for i, name := range header {
		c := column{Index: i, Name: name, Assign: assign[name], Check: checked[name]}
		for len(c.Assign) < 2 {
			c.Assign = append(c.Assign, "")
		}
		role := c.Assign[0]
		key := strings.TrimPrefix(role, "user_data.")
		for _, row := range rows {
			if i >= len(row) || strings.TrimSpace(row[i]) == "" {
				continue
			}
			c.Samples = append(c.Samples, showCell(role, key, row[i], cfg))
			if len(c.Samples) == 3 {
				break
			}
		}
		if et := cfg.Fields.EventTime; et != nil && len(et.Columns) > 0 && et.Columns[0] == name {
			c.Time, c.Format = true, et.Format
			c.ReadsAs = readsAs(cfg, header, rows, i, et)
		}
		if db := cfg.Fields.UserData["db"]; db != nil && len(db.Columns) > 0 && db.Columns[0] == name {
			c.Date, c.Format = true, db.Format
		}
		cols[i] = c
	}
	return cols, header, nil
}

// showCell is a sample as the table shows it.
func showCell(role, key, v string, cfg *mapping.Config) string {
	v = strings.TrimSpace(v)
	if safeFields[role] && !strings.Contains(v, "@") && len([]rune(v)) <= 40 {
		switch role {
		case "event_time", pathTime:
			if !looksLikePhone(v) || strings.ContainsAny(v, ":/") {
				return v
			}
		case "custom_data.value", "custom_data.num_items":
			if _, err := strconv.ParseFloat(strings.NewReplacer(",", ".", " ", "", "$", "", "€", "", "£", "").Replace(v), 64); err == nil && len(onlyDigits(v)) < 7 {
				return v
			}
		default:
			if len(onlyDigits(v)) < 5 {
				return v
			}
		}
	}
	return maskCell(key, v, cfg.DefaultCountry)
}

// readsAs shows how the first samples of the event_time column read with
// the spec's format, time and zone columns.
func readsAs(cfg *mapping.Config, header []string, rows [][]string, col int, et *mapping.FieldSpec) string {
	timeCol, zoneCol := slices.Index(header, et.Time), slices.Index(header, et.Zone)
	var out []string
	for _, row := range rows {
		if col >= len(row) || strings.TrimSpace(row[col]) == "" {
			continue
		}
		s := row[col]
		if timeCol >= 0 && timeCol < len(row) {
			s += " " + row[timeCol]
		}
		zone := ""
		if zoneCol >= 0 && zoneCol < len(row) {
			zone = row[zoneCol]
		}
		out = append(out, readTime(s, et.Format, cfg.Timezone, zone))
		if len(out) == 2 {
			break
		}
	}
	return strings.Join(out, "; ")
}

// readTime reads one time text as the mapper would and says what it reads
// as, in the zone it was read in; on failure it says so without the text.
func readTime(s, format, timezone, zone string) string {
	loc, err := mapping.LoadZone(timezone)
	if err != nil || timezone == "" {
		loc = time.UTC
	}
	if strings.TrimSpace(zone) != "" {
		if z, err := mapping.LoadZone(zone); err == nil {
			loc = z
		}
	}
	if format == "" {
		format = "auto"
	}
	t, err := mapping.ParseTime(s, format, loc)
	if err != nil {
		return "does not read with this format"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " " + loc.String()
}

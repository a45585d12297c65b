package mapping

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"time"

	"capi-upload/capi"
	"capi-upload/ingest"
)

// Mapper turns the rows of one input into events. Every mapped column is
// resolved to its index once, in NewMapper, so Map does no lookups by
// name. A Mapper is safe for concurrent use by several goroutines: Map
// only reads it, but for a memo of repeated values swapped in atomically.
type Mapper struct {
	// Now is the clock used to judge birth years (db must not lie in the
	// future); time.Now unless set before the first Map.
	Now func() time.Time

	cfg  *Config
	file string

	eventName, actionSource, eventTime, eventID *plan
	user                                        [len(userKeyList)]*plan
	custom                                      []customPlan
	dpo, dpoCountry, dpoState                   *plan
	skip                                        []skipPlan
	userMapped                                  int
	unhashed                                    unhashedPlan // map_unhashed.go
	memo                                        *memo
}

// userKeyList fixes the number of customer keys for the array in Mapper.
var userKeyList = [capi.NumUserKeys]string{"em", "ph", "fn", "ln", "ct", "st", "zp", "country", "db", "ge", "external_id",
	"client_ip_address", "client_user_agent", "fbc", "fbp", "lead_id", "subscription_id", "fb_login_id", "madid"}

// Indices into userKeyList (and UserKeys) that Map treats specially.
const (
	keyCountry    = capi.KeyCountry
	keyDB         = capi.KeyDB
	keyExternalID = capi.KeyExternalID
)

type customPlan struct {
	key  string
	path string
	p    *plan
}

// plan is a field spec resolved against one header.
type plan struct {
	path    string // config key, for RowError.Field
	cols    []int
	consts  []string // constant values; nil when read from columns
	isConst bool
	m       map[string]string // exact translation
	mFold   map[string]string // lower-cased keys, tried after exact
	split   string
	def     string
	format  string
	noHash  bool
	decimal byte
	// timeCol and zoneCol are event_time's time-of-day and time-zone
	// columns, -1 when not mapped.
	timeCol, zoneCol int
	part             string // "first" or "last" of a full name; "" for the whole value
}

// ColumnError says that a mapped column cannot be found in an input's
// header, or is found there more than once.
type ColumnError struct {
	File   string // input base name
	Column string // column name as the config writes it
	Field  string // config key, e.g. "fields.user_data.em"
	Err    error  // ErrColumnNotFound, ErrDuplicateColumn or ErrAmbiguousColumn
	Hint   string // closest header name, when one is close
}

func (e *ColumnError) Error() string {
	msg := fmt.Sprintf("%s: column %q (%s): %v", e.File, e.Column, e.Field, e.Err)
	if e.Hint != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Hint)
	}
	return msg
}

func (e *ColumnError) Unwrap() error { return e.Err }

// Sentinels wrapped in *ColumnError.
var (
	ErrColumnNotFound  = errors.New("not in the header")
	ErrDuplicateColumn = errors.New("appears more than once in the header")
	ErrAmbiguousColumn = errors.New("matches several header columns that differ only in case")
)

// NewMapper prepares the mapping of one input whose header is given. It
// returns a *ColumnError naming the file, the column and the config key
// when a mapped column is missing from the header or appears in it more
// than once. A column matches a header cell exactly after trimming
// spaces, or else ignoring case.
func NewMapper(cfg *Config, file string, header []string) (*Mapper, error) {
	m := &Mapper{cfg: cfg, file: file, Now: time.Now, memo: &memo{seed: maphash.MakeSeed()}}
	r := resolver{file: file, exact: map[string][]int{}, fold: map[string][]int{}, header: header}
	for i, h := range header {
		h = strings.TrimSpace(h)
		r.exact[h] = append(r.exact[h], i)
		r.fold[strings.ToLower(h)] = append(r.fold[strings.ToLower(h)], i)
	}
	f := &cfg.Fields
	var err error
	if m.eventName, err = r.plan("fields.event_name", f.EventName); err != nil {
		return nil, err
	}
	if m.actionSource, err = r.plan("fields.action_source", f.ActionSource); err != nil {
		return nil, err
	}
	if m.eventTime, err = r.plan("fields.event_time", f.EventTime); err != nil {
		return nil, err
	}
	for i := range cfg.Skip {
		rule := &cfg.Skip[i]
		col, err := r.find(fmt.Sprintf("skip[%d].column", i), rule.Column)
		if err != nil {
			return nil, err
		}
		m.skip = append(m.skip, skipPlan{rule: rule, col: col, label: rule.label()})
	}
	if m.eventID, err = r.plan("fields.event_id", f.EventID); err != nil {
		return nil, err
	}
	for i, k := range userKeyList {
		if m.user[i], err = r.plan("fields.user_data."+k, f.UserData[k]); err != nil {
			return nil, err
		}
		if m.user[i] != nil {
			m.userMapped++
		}
	}
	if err := m.planUnhashed(&r); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(f.CustomData) {
		p, err := r.plan("fields.custom_data."+k, f.CustomData[k])
		if err != nil {
			return nil, err
		}
		m.custom = append(m.custom, customPlan{key: k, path: "custom_data." + k, p: p})
	}
	if m.dpo, err = r.plan("fields.data_processing_options", f.DataProcessingOptions); err != nil {
		return nil, err
	}
	if m.dpoCountry, err = r.plan("fields.data_processing_options_country", f.DPOCountry); err != nil {
		return nil, err
	}
	if m.dpoState, err = r.plan("fields.data_processing_options_state", f.DPOState); err != nil {
		return nil, err
	}
	return m, nil
}

type resolver struct {
	file   string
	header []string
	exact  map[string][]int
	fold   map[string][]int
}

func (r *resolver) plan(path string, s *FieldSpec) (*plan, error) {
	if s == nil {
		return nil, nil
	}
	p := &plan{
		path:    strings.TrimPrefix(path, "fields."),
		split:   s.Split,
		def:     strings.TrimSpace(s.Default),
		format:  s.Format,
		noHash:  s.Hash != nil && !*s.Hash,
		decimal: decimalSep(s),
		timeCol: -1,
		zoneCol: -1,
		part:    s.Part,
	}
	for _, c := range [...]struct {
		name string
		dst  *int
		key  string
	}{{s.Time, &p.timeCol, ".time"}, {s.Zone, &p.zoneCol, ".zone"}} {
		if c.name == "" {
			continue
		}
		idx, err := r.find(path+c.key, c.name)
		if err != nil {
			return nil, err
		}
		*c.dst = idx
	}
	if s.Value != nil {
		p.isConst = true
		for _, v := range constants(s) {
			if v = strings.TrimSpace(v); v != "" {
				p.consts = append(p.consts, v)
			}
		}
	}
	if len(s.Map) > 0 {
		p.m = make(map[string]string, len(s.Map))
		p.mFold = make(map[string]string, len(s.Map))
		for k, v := range s.Map {
			p.m[strings.TrimSpace(k)] = strings.TrimSpace(v)
			p.mFold[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	for _, col := range s.Columns {
		idx, err := r.find(path, col)
		if err != nil {
			return nil, err
		}
		p.cols = append(p.cols, idx)
	}
	return p, nil
}

func (r *resolver) find(path, col string) (int, error) {
	name := strings.TrimSpace(col)
	switch ix := r.exact[name]; len(ix) {
	case 1:
		return ix[0], nil
	case 0:
	default:
		return 0, &ColumnError{File: r.file, Column: col, Field: path, Err: ErrDuplicateColumn}
	}
	switch ix := r.fold[strings.ToLower(name)]; len(ix) {
	case 1:
		return ix[0], nil
	case 0:
	default:
		return 0, &ColumnError{File: r.file, Column: col, Field: path, Err: ErrAmbiguousColumn}
	}
	hint, best := "", 4
	for _, h := range r.header {
		h = strings.TrimSpace(h)
		if d := editDistance(strings.ToLower(name), strings.ToLower(h)); d < best && d < len(name) {
			hint, best = h, d
		}
	}
	return 0, &ColumnError{File: r.file, Column: col, Field: path, Err: ErrColumnNotFound, Hint: hint}
}

// translate applies the spec's map to v; mapped says the map had v.
func (p *plan) translate(v string) (out string, mapped bool) {
	if p.m == nil {
		return v, false
	}
	if t, ok := p.m[v]; ok {
		return t, true
	}
	if t, ok := p.mFold[strings.ToLower(v)]; ok {
		return t, true
	}
	return v, false
}

// cleanCell trims a cell and drops a leading apostrophe: Excel's marker
// for "this is text", which Shopify writes before zips ('02134) and
// which is never part of the value.
func cleanCell(c string) string {
	c = strings.TrimSpace(c)
	if strings.HasPrefix(c, "'") {
		c = strings.TrimSpace(c[1:])
	}
	return c
}

// cellValue returns column i's cell cleaned, or the default when empty.
func (p *plan) cellValue(cells []string, i int) string {
	v := ""
	if i < len(cells) {
		v = cleanCell(cells[i])
	}
	if v == "" {
		return p.def
	}
	return v
}

// first returns the field's first non-empty value after default and map,
// and whether a map entry produced it (so "" from a map means "skip").
func (p *plan) first(cells []string) (string, bool) {
	v, _, mapped := p.firstAt(cells)
	return v, mapped
}

// firstAt is first that also returns the index of the cell whose text
// the value is, or -1 for a constant, a default or a map's output.
func (p *plan) firstAt(cells []string) (string, int, bool) {
	if p.isConst {
		if len(p.consts) > 0 {
			return p.consts[0], -1, false
		}
		return "", -1, false
	}
	for _, i := range p.cols {
		v := p.cellValue(cells, i)
		if v == "" && !p.mapsEmpty() {
			continue
		}
		t, mapped := p.translate(v)
		if t != "" || mapped {
			if mapped || i >= len(cells) || strings.TrimSpace(cells[i]) == "" {
				i = -1
			}
			return t, i, mapped
		}
	}
	return "", -1, false
}

// mapsEmpty reports whether the spec's map has an entry for an empty
// cell ({"": ""} skips rows whose cell is empty).
func (p *plan) mapsEmpty() bool {
	_, ok := p.m[""]
	return ok
}

// appendValues appends every non-empty value of the field: each column's
// cell (or default), translated, split, trimmed.
func (p *plan) appendValues(dst []string, cells []string) []string {
	if p.isConst {
		return append(dst, p.consts...)
	}
	for _, i := range p.cols {
		dst = p.appendCell(dst, cells, i)
	}
	return dst
}

// appendCell is appendValues for column i alone.
func (p *plan) appendCell(dst []string, cells []string, i int) []string {
	v := p.cellValue(cells, i)
	if v == "" {
		return dst
	}
	v, _ = p.translate(v)
	if p.part != "" {
		v = namePart(v, p.part)
	}
	if p.split == "" {
		if v != "" {
			dst = append(dst, v)
		}
		return dst
	}
	for v != "" {
		part, rest, _ := strings.Cut(v, p.split)
		if part = strings.TrimSpace(part); part != "" {
			dst = append(dst, part)
		}
		v = rest
	}
	return dst
}

// Map builds the event for row, or returns a *RowError saying why the row
// cannot become an event (bad_time, no_user_data, invalid_value,
// missing_required). A row that a skip rule leaves out, or whose map
// turns event_name into "", yields a *SkipError (errors.Is ErrSkip). Map does not judge the event's age: the caller does,
// with capi.CheckTime, so the reject report can carry the event_id of a stale
// event. RowError details name keys and formats, never cell values:
// a column mapped by mistake may hold customer data.
func (m *Mapper) Map(row ingest.Row) (capi.Event, error) {
	ev, err := m.mapRow(row)
	if err != nil && m.eventID != nil {
		// The reject report names the row's own id (a receipt number)
		// whenever the config maps one, so the user can find the sale.
		id, _ := m.eventID.first(row.Cells)
		if looksLikeContact(id) {
			id = "" // never copy an email or phone into the report
		}
		switch e := err.(type) {
		case *RowError:
			e.EventID = id
		case *SkipError:
			e.EventID = id
		}
	}
	return ev, err
}

func (m *Mapper) mapRow(row ingest.Row) (capi.Event, error) {
	cells := row.Cells
	ev := capi.Event{File: row.File, Row: row.Line}
	if err := m.skips(cells); err != nil {
		return capi.Event{}, err
	}

	name, mapped := m.eventName.first(cells)
	if name == "" {
		if mapped {
			return capi.Event{}, &SkipError{Rule: "fields.event_name.map"}
		}
		return capi.Event{}, &RowError{Reason: capi.ReasonMissingRequired, Field: "event_name", Detail: "empty event name"}
	}
	ev.EventName = name

	src, _ := m.actionSource.first(cells)
	switch {
	case src == "":
		return capi.Event{}, &RowError{Reason: capi.ReasonMissingRequired, Field: "action_source", Detail: "empty action source"}
	case !isActionSource(src):
		low := strings.ToLower(src)
		if !isActionSource(low) {
			return capi.Event{}, &RowError{Reason: capi.ReasonInvalidValue, Field: "action_source", Detail: "not one of " + strings.Join(ActionSources, ", ")}
		}
		src = low
	}
	ev.ActionSource = src

	t, err := m.eventTimeOf(cells, row.Kinds)
	if err != nil {
		return capi.Event{}, err
	}
	ev.EventTime = t.Unix()

	if err := m.mapCustom(&ev, cells); err != nil {
		return capi.Event{}, err
	}
	if err := m.mapUser(&ev, cells, row.Kinds); err != nil {
		return capi.Event{}, err
	}
	if err := m.mapDPO(&ev, cells); err != nil {
		return capi.Event{}, err
	}
	if m.eventID != nil {
		ev.EventID, _ = m.eventID.first(cells)
		if looksLikeContact(ev.EventID) {
			return capi.Event{}, &RowError{Reason: capi.ReasonInvalidValue, Field: "event_id", Detail: "looks like an email address or phone number, which must not be sent unhashed"}
		}
	}
	if ev.EventID == "" {
		ev.EventID = capi.DeriveEventID(&ev)
	}
	return ev, nil
}

// eventTimeOf reads the row's event time: the event_time cell, joined
// with its time-of-day cell when the export writes them apart, read in
// the row's own time zone when a column gives one.
func (m *Mapper) eventTimeOf(cells []string, kinds []ingest.CellKind) (time.Time, error) {
	p := m.eventTime
	tv, tcol, _ := p.firstAt(cells)
	if tv == "" {
		return time.Time{}, &RowError{Reason: capi.ReasonBadTime, Field: "event_time", Detail: "empty"}
	}
	kind := ingest.Row{Kinds: kinds}.Kind(tcol)
	format := cellFormat(p.format, kind)
	if p.timeCol >= 0 && p.timeCol < len(cells) {
		if tc := cleanCell(cells[p.timeCol]); tc != "" {
			if kind == ingest.CellDate {
				// A date cell's own time is midnight; the time column
				// holds the real one, so the two are read as text.
				tv, format = tv[:len("2006-01-02")], FormatAuto
			}
			tv += " " + tc
		}
	}
	loc := m.cfg.Location
	if p.zoneCol >= 0 && p.zoneCol < len(cells) {
		if z := cleanCell(cells[p.zoneCol]); z != "" {
			l, err := LoadZone(z)
			if err != nil {
				return time.Time{}, &RowError{Reason: capi.ReasonBadTime, Field: "event_time.zone", Detail: "not a time zone (an IANA name, a UTC offset, or a Windows or Rails name)"}
			}
			loc = l
		}
	}
	t, err := ParseTime(tv, format, loc)
	if err != nil {
		return time.Time{}, &RowError{Reason: capi.ReasonBadTime, Field: "event_time", Detail: badTimeDetail(p.format, kind, loc)}
	}
	return t, nil
}

func isActionSource(s string) bool {
	for _, a := range ActionSources {
		if a == s {
			return true
		}
	}
	return false
}

func (m *Mapper) mapCustom(ev *capi.Event, cells []string) error {
	var scratch [8]string
	for _, c := range m.custom {
		vals := c.p.appendValues(scratch[:0], cells)
		if len(vals) == 0 {
			continue
		}
		if c.key != "value" && c.key != "currency" && c.key != "num_items" {
			for _, v := range vals {
				if looksLikeContact(v) {
					return &RowError{Reason: capi.ReasonInvalidValue, Field: c.path, Detail: "looks like an email address or phone number, which must not be sent unhashed"}
				}
			}
		}
		if ev.CustomData == nil {
			ev.CustomData = make(capi.CustomData, 0, len(m.custom))
		}
		// m.custom is in key order, so CustomData is too.
		var v any
		switch c.key {
		case "value":
			f, err := parseDecimal(vals[0], c.p.decimal)
			if err != nil {
				return &RowError{Reason: capi.ReasonInvalidValue, Field: c.path, Detail: "not an amount with decimal " + strconv.QuoteRune(rune(c.p.decimal))}
			}
			v = f
		case "currency":
			cur, err := currencyValue(vals[0])
			if err != nil {
				return &RowError{Reason: capi.ReasonInvalidValue, Field: c.path, Detail: "not an ISO 4217 currency code"}
			}
			v = cur
		case "num_items":
			n, err := parseCount(vals[0])
			if err != nil {
				return &RowError{Reason: capi.ReasonInvalidValue, Field: c.path, Detail: "not a whole number"}
			}
			v = n
		case "content_ids":
			v = dedupe(append([]string(nil), vals...))
		case "order_id":
			v = vals[0]
		default:
			if len(vals) == 1 {
				v = vals[0]
			} else {
				v = append([]string(nil), vals...)
			}
		}
		ev.CustomData = append(ev.CustomData, capi.CustomField{Key: c.key, Value: v})
	}
	// Meta requires value and currency on Purchase events
	// (https://developers.facebook.com/docs/meta-pixel/reference#standard-events).
	if ev.EventName == "Purchase" {
		for _, k := range [...]string{"value", "currency"} {
			if _, ok := ev.CustomData.Get(k); !ok {
				return &RowError{Reason: capi.ReasonMissingRequired, Field: "custom_data." + k, Detail: "Purchase events need value and currency"}
			}
		}
	}
	return nil
}

func dedupe(vs []string) []string {
	out := vs[:0]
	for _, v := range vs {
		if !containsString(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsString(vs []string, s string) bool {
	for _, v := range vs {
		if v == s {
			return true
		}
	}
	return false
}

// Key bits for Meta's matching floor.
const (
	bitEm = 1 << iota
	bitPh
	bitFn
	bitLn
	bitCt
	bitSt
	bitZp
	bitCountry
	bitDB
	bitGe
	bitExternalID
)

// Meta refuses a batch when one event's customer keys are only a subset of
// one of these sets (error 2804050); capi-upload refuses the row instead.
var weakKeySets = [...]int{
	bitCt | bitSt | bitZp | bitCountry | bitGe,
	bitDB,
	bitFn | bitGe,
	bitLn | bitGe,
}

func (m *Mapper) mapUser(ev *capi.Event, cells []string, kinds []ingest.CellKind) error {
	opt := NormalizeOptions{DefaultCountry: m.cfg.DefaultCountry, Country: m.cfg.DefaultCountry}
	if m.user[keyDB] != nil {
		opt.Now = m.Now()
	}
	var scratch [8]string
	var dateScratch [8]bool
	// Every value of the row is appended to buf (a hash as 64 hex digits)
	// and recorded as a span; at the end buf becomes one string and the
	// spans slices of one backing array. A row's user_data then costs a
	// handful of allocations instead of two per key, which matters when
	// the garbage collector is a large share of a run.
	var bufArr [768]byte
	buf := bufArr[:0]
	var spanArr [16]valueSpan
	spans := spanArr[:0]
	// The country comes first: state, zip and phone are read by its rules.
	order := [...]int{keyCountry, 0, 1, 2, 3, 4, 5, 6, keyDB, 9, keyExternalID}
	have := 0
	for _, i := range order {
		p := m.user[i]
		if p == nil {
			continue
		}
		key := userKeyList[i]
		first := len(spans)
		var vals []string
		var dates []bool
		if i == keyDB {
			vals, dates = p.appendDates(scratch[:0], dateScratch[:0], cells, kinds)
		} else {
			vals = p.appendValues(scratch[:0], cells)
		}
		for j, v := range vals {
			opt.DateLayout = p.format
			if j < len(dates) && dates[j] {
				opt.DateLayout = ingest.DateLayout
			}
			opt.NoHash = p.noHash
			var n string
			var final bool
			var err error
			memoCountry := ""
			if i != keyCountry {
				memoCountry = opt.Country
			}
			cacheable := memoizable(i)
			if cacheable {
				if e := m.memo.get(i, memoCountry, v); e != nil {
					if e.code != "" {
						ev.Invalid = append(ev.Invalid, capi.InvalidKey{Key: key, Reason: e.code})
						continue
					}
					if i == keyCountry && first == len(spans) && e.norm != "" {
						opt.Country = e.norm
					}
					at := len(buf)
					buf = append(buf, e.out...)
					if spanSeen(buf, spans[first:], at) {
						buf = buf[:at]
						continue
					}
					spans = append(spans, valueSpan{i, at, len(buf)})
					continue
				}
			}
			if i == keyCountry {
				var cc string
				if cc, err = NormalizeCountry(v); err == nil {
					if first == len(spans) {
						opt.Country = strings.ToUpper(cc)
					}
					n = cc
				} else if t := strings.TrimSpace(v); IsSHA256Hex(t) {
					n, final, err = strings.ToLower(t), true, nil
				}
			} else {
				n, final, err = normalizeUserValue(key, v, opt)
			}
			if err != nil {
				code := valueCode(err)
				if cacheable {
					m.memo.put(&memoEntry{key: i, country: memoCountry, value: strings.Clone(v), code: code})
				}
				ev.Invalid = append(ev.Invalid, capi.InvalidKey{Key: key, Reason: code})
				continue
			}
			at := len(buf)
			if final {
				buf = append(buf, n...)
			} else {
				buf = appendHash(buf, n)
			}
			if cacheable {
				e := &memoEntry{key: i, country: memoCountry, value: strings.Clone(v), out: string(buf[at:])}
				if i == keyCountry && !final {
					e.norm = strings.ToUpper(n)
				}
				m.memo.put(e)
			}
			if spanSeen(buf, spans[first:], at) {
				buf = buf[:at]
				continue
			}
			spans = append(spans, valueSpan{i, at, len(buf)})
		}
		if len(spans) > first {
			have |= 1 << i
		}
	}
	have |= m.mapUnhashed(ev, cells)
	if err := m.checkFloor(ev, have); err != nil {
		return err
	}
	all := string(buf)
	vals := make([]string, len(spans))
	for j, sp := range spans {
		vals[j] = all[sp.start:sp.end]
	}
	for j := 0; j < len(spans); {
		e := j + 1
		for e < len(spans) && spans[e].key == spans[j].key {
			e++
		}
		// Full slice expressions: an append by a caller must not write
		// into the next key's values.
		ev.UserData[spans[j].key] = vals[j:e:e]
		j = e
	}
	return nil
}

// valueSpan locates one user_data value of key userKeyList[key] in the
// row's buffer.
type valueSpan struct{ key, start, end int }

// spanSeen reports whether buf[at:] equals one of spans, the values kept
// so far for the same key.
func spanSeen(buf []byte, spans []valueSpan, at int) bool {
	for _, sp := range spans {
		if string(buf[sp.start:sp.end]) == string(buf[at:]) {
			return true
		}
	}
	return false
}

func valueCode(err error) string {
	if ve, ok := errors.AsType[*ValueError](err); ok && ve.Code != "" {
		return ve.Code
	}
	return "invalid"
}

func keyNames(bits int) string {
	var b strings.Builder
	for i, k := range userKeyList {
		if bits&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
		}
	}
	return b.String()
}

// invalidSuffix lists the keys dropped as invalid, with their codes (never
// their values), so the reject says why a row that had data has none.
func invalidSuffix(inv []capi.InvalidKey) string {
	if len(inv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (invalid: ")
	for i, k := range inv {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.Key)
		b.WriteByte(' ')
		b.WriteString(k.Reason)
	}
	b.WriteByte(')')
	return b.String()
}

func (m *Mapper) mapDPO(ev *capi.Event, cells []string) error {
	if m.dpo != nil {
		var scratch [4]string
		ev.DataProcessingOptions = []string{}
		for _, v := range m.dpo.appendValues(scratch[:0], cells) {
			if !strings.EqualFold(v, "LDU") {
				return &RowError{Reason: capi.ReasonInvalidValue, Field: "data_processing_options", Detail: "the only option is LDU"}
			}
			ev.DataProcessingOptions = []string{"LDU"}
		}
	}
	for _, d := range [...]struct {
		p   *plan
		dst **int
	}{{m.dpoCountry, &ev.DPOCountry}, {m.dpoState, &ev.DPOState}} {
		if d.p == nil {
			continue
		}
		v, _ := d.p.first(cells)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return &RowError{Reason: capi.ReasonInvalidValue, Field: strings.TrimPrefix(d.p.path, "fields."), Detail: "not a whole number"}
		}
		*d.dst = &n
	}
	return nil
}

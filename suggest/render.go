package suggest

import (
	"bytes"
	"capi-upload/capi"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// placeholderPixel is written when no pixel id is known: digits, so the
// proposal validates, and zeros, so nobody mistakes it for a real one.
const placeholderPixel = "000000000000000"

// yamlWriter writes YAML by hand, because a proposal is mostly comments
// and its key order is the order the README's "Mapping config" documents; values are always
// double-quoted, whose escapes Go's strconv.Quote produces a subset of.
type yamlWriter struct {
	b bytes.Buffer
}

func (w *yamlWriter) comment(indent int, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	for line := range strings.SplitSeq(wrap(text, 76-indent), "\n") {
		fmt.Fprintf(&w.b, "%s# %s\n", strings.Repeat(" ", indent), line)
	}
}

func (w *yamlWriter) line(indent int, format string, args ...any) {
	fmt.Fprintf(&w.b, "%s%s\n", strings.Repeat(" ", indent), fmt.Sprintf(format, args...))
}

func (w *yamlWriter) blank() { w.b.WriteByte('\n') }

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) string {
	var out, cur strings.Builder
	for word := range strings.FieldsSeq(text) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			out.WriteString(cur.String())
			out.WriteByte('\n')
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	out.WriteString(cur.String())
	return out.String()
}

// q quotes s as a YAML double-quoted scalar.
func q(s string) string { return strconv.Quote(s) }

// safe makes a header name or sample fit in a one-line comment: control
// characters become spaces and long text is cut.
func safe(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:39]) + "…"
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// letters, digits and -_./:+@ (the file name goes into a command line
// the user copies).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// columnList renders the columns of a multi-column field.
func columnList(cs []*column) string {
	if len(cs) == 1 {
		return q(cs[0].header)
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = q(c.header)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func (p *proposal) render() []byte {
	w := &yamlWriter{}
	file := p.opt.File
	if file == "" {
		file = "INPUT"
	}
	w.comment(0, "Mapping config proposed by `capi-upload init` for %s from its header and %d sample rows. Lines marked CHECK are guesses: read them, save this as capi-upload.yaml, and try it without sending anything:", safe(file), p.rows)
	w.line(0, "#")
	w.line(0, "#   capi-upload validate --config capi-upload.yaml %s", shellQuote(safe(file)))
	w.blank()

	pixel := p.opt.PixelID
	if pixel == "" {
		pixel = placeholderPixel
		w.comment(0, "CHECK: your dataset (pixel) ID, from Events Manager > Data sources.")
	}
	w.line(0, "pixel_id: %s", q(pixel))
	w.blank()
	if p.leadID != nil {
		w.comment(0, "%q holds Lead Ads lead ids: the Conversion Leads profile sends each stage change as an event of its own (action_source system_generated, custom_data.event_source crm).", safe(p.leadID.header))
		w.line(0, "profile: conversion_leads")
		if p.crm != "" {
			w.line(0, "lead_event_source: %s   # the CRM the stages come from: CHECK", q(p.crm))
		} else {
			w.comment(0, "CHECK: the name of your CRM (HubSpot, Salesforce, Dynamics, …).")
			w.line(0, "lead_event_source: %s", q("CRM NAME"))
		}
		w.blank()
	}
	w.comment(0, "Times without a UTC offset are read on this clock. %s", p.tzWhy)
	w.line(0, "timezone: %s", q(p.timezone))
	w.comment(0, "Phone numbers without a country code, and addresses without a country, are read as this country's. %s", p.countryWhy)
	w.line(0, "default_country: %s", q(p.country))
	w.blank()
	w.line(0, "input:")
	if p.opt.Sheet != "" {
		w.line(2, "sheet: %s", q(p.opt.Sheet))
	}
	if p.opt.HeaderRow > 1 {
		w.line(2, "header_row: %d             # the rows above are the report's title", p.opt.HeaderRow)
	}
	w.line(2, "delimiter: auto           # or \",\" \";\" \"\\t\" \"|\"")
	w.line(2, "encoding: auto            # or utf-8, utf-16, windows-1252")
	w.blank()

	w.line(0, "fields:")
	p.renderEventFields(w)
	p.renderUserData(w)
	p.renderCustomData(w)
	p.renderSkips(w)
	p.renderUnmapped(w)
	return w.b.Bytes()
}

func (p *proposal) renderEventFields(w *yamlWriter) {
	en := p.eventName
	switch {
	case p.leadID != nil && p.stage != nil:
		w.comment(2, "The stage name is sent as the event name, unchanged.")
		w.line(2, "event_name: %s", q(p.stage.header))
	case p.leadID != nil:
		w.line(2, "event_name: { value: %s }   # CHECK: no stage column; the lead's stage", q("Lead"))
	case en.col != nil && en.m == nil:
		w.line(2, "event_name: %s", q(en.col.header))
	case en.col != nil:
		keys := make([]string, 0, len(en.m))
		for k := range en.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		pairs := make([]string, len(keys))
		for i, k := range keys {
			pairs[i] = q(k) + ": " + q(en.m[k])
		}
		w.comment(2, "From %q; a value mapped to \"\" is left out (not a conversion).", safe(en.col.header))
		w.line(2, "event_name:")
		w.line(4, "column: %s", q(en.col.header))
		w.line(4, "map: { %s }", strings.Join(pairs, ", "))
	default:
		w.line(2, "event_name: { value: %s }   # %s", q(en.value), en.why)
	}
	if p.leadID == nil {
		w.comment(2, "%s", p.actionWhy)
		w.line(2, "action_source: { value: %s }", q(p.action))
	}

	switch c := p.eventTime; {
	case c == nil:
		w.comment(2, "CHECK: no column looks like the time of the event; put its name here.")
		w.line(2, "event_time: { column: %s, format: auto }", q("EVENT TIME"))
	case p.timeFmt.format == "":
		w.comment(2, "CHECK: the values of %q fit no known layout; auto guesses per row, a Go layout is safer.", safe(c.header))
		w.line(2, "event_time: { column: %s, format: auto }", q(c.header))
	default:
		p.timeComment(w, c)
		extra := ""
		if p.timeCol != nil {
			w.comment(2, "The time of day is in %q: read together as %q.", safe(p.timeCol.header), p.timeFmt.format)
			extra += ", time: " + q(p.timeCol.header)
		}
		if p.zoneCol != nil {
			w.comment(2, "Each row's time zone is in %q.", safe(p.zoneCol.header))
			extra += ", zone: " + q(p.zoneCol.header)
		}
		w.line(2, "event_time: { column: %s, format: %s%s }", q(c.header), q(p.timeFmt.format), extra)
	}
	if c := p.eventTime; c != nil && len(p.timeOthers) > 0 {
		w.comment(2, "CHECK: %q was taken for the time of the event (a sale, payment, close or win); the file also has %s.", safe(c.header), strings.Join(p.timeOthers, ", "))
	}

	if p.eventID != nil {
		w.comment(2, "%s.", p.eventIDWhy)
		w.line(2, "event_id: %s", q(p.eventID.header))
	} else {
		why := p.eventIDWhy
		if why == "" {
			why = "no column identifies each event"
		}
		w.comment(2, "No event_id: %s; capi-upload derives a stable one from each event's content instead.", why)
	}
}

// timeComment says where the event time format came from. Event times
// are not customer data, so a sample is quoted.
func (p *proposal) timeComment(w *yamlWriter, c *column) {
	f := p.timeFmt
	switch f.format {
	case "excel":
		if f.cells {
			w.comment(2, "Excel date cells (e.g. %s): read as dates whatever the format says.", safe(f.sample))
			break
		}
		w.comment(2, "Excel date serials (e.g. %s): dates stored as numbers.", safe(f.sample))
	case "unix", "unix_ms", "rfc3339":
		w.comment(2, "Read as %s, e.g. %q.", f.format, safe(f.sample))
	default:
		order := "month first"
		if dayFirst(f.format) {
			order = "day first"
		}
		switch {
		case f.ambiguous:
			w.comment(2, "Read as %q, e.g. %q (%d of %d samples fit). CHECK: no day above 12 in the sample, so day and month could be either way round; %s assumed from %s.",
				f.format, safe(f.sample), f.parsed, len(c.values), order, p.country)
		case swapDayMonth(f.format) != "":
			w.comment(2, "Read as %q (%d of %d samples fit); %s, as %q shows.", f.format, f.parsed, len(c.values), order, safe(f.sample))
		default:
			w.comment(2, "Read as %q, e.g. %q (%d of %d samples fit).", f.format, safe(f.sample), f.parsed, len(c.values))
		}
	}
}

var userNotes = map[string]string{
	"ph": "any format; extensions are dropped",
	"st": "names and codes both work",
	"zp": "zip+4 and lost leading zeros are fixed",
}

// amountsWithoutCurrency reports whether a sample row has an amount but
// no currency, which Meta refuses for a Purchase; a blank currency where
// the amount is blank too (a lead) needs no default.
func (p *proposal) amountsWithoutCurrency(cur *column) bool {
	value := p.one(roleValue)
	for _, row := range p.sample {
		if row[cur.index] == "" && (value == nil || row[value.index] != "") {
			return true
		}
	}
	return false
}

// section writes "key:" and the lines fill writes below it, or "key: {}"
// when fill writes no mapping line: an empty key would be null, which the
// strict config decoder refuses.
func section(w *yamlWriter, key string, fill func(*yamlWriter) int) {
	var body yamlWriter
	if fill(&body) == 0 {
		w.b.Write(body.b.Bytes()) // the comments saying why it is empty
		w.line(2, "%s: {}", key)
		return
	}
	w.line(2, "%s:", key)
	w.b.Write(body.b.Bytes())
}

func (p *proposal) renderUserData(w *yamlWriter) {
	section(w, "user_data", p.userData)
}

func (p *proposal) renderCustomData(w *yamlWriter) {
	section(w, "custom_data", p.customData)
}

func (p *proposal) userData(w *yamlWriter) int {
	n := 0
	for _, key := range capi.UserKeys {
		cs := p.byRole[role(key)]
		if len(cs) == 0 {
			continue
		}
		n++
		for _, c := range cs {
			if c.note != "" {
				w.comment(4, "%q: %s", safe(c.header), c.note)
			}
		}
		switch {
		case key == "db" && p.birthFmt.format != "":
			// No sample here: a birthday is customer data.
			w.line(4, "db: { column: %s, format: %s }", q(cs[0].header), q(p.birthFmt.format))
		case userNotes[key] != "":
			w.line(4, "%s: %s   # %s", key, columnList(cs), userNotes[key])
		default:
			w.line(4, "%s: %s", key, columnList(cs))
		}
	}
	if c := p.fullName; c != nil {
		w.comment(4, "%q holds full names: its first word feeds fn, its last ln.", safe(c.header))
		w.line(4, "fn: { column: %s, part: first }", q(c.header))
		w.line(4, "ln: { column: %s, part: last }", q(c.header))
		n += 2
	}
	if c := p.leadID; c != nil {
		w.line(4, "lead_id: %s   # Lead Ads lead ids, sent unhashed", q(c.header))
		n++
	}
	if n == 0 {
		// A placeholder rather than an empty mapping: the config still
		// parses, and validate names the column to fill in.
		w.comment(4, "CHECK: no column looks like customer information (email, phone, name, address); Meta cannot match events without it. Put the right column names here.")
		w.line(4, "em: %s", q("EMAIL COLUMN"))
		n++
	}
	return n
}

func (p *proposal) customData(w *yamlWriter) int {
	start := w.b.Len()
	if c := p.one(roleValue); c != nil && len(p.valueOthers) > 0 {
		w.comment(4, "CHECK: %q was taken for the order's value; the file also has %s.", safe(c.header), strings.Join(p.valueOthers, ", "))
	}
	if c := p.one(roleValue); c != nil {
		switch p.decimal {
		case ',':
			w.line(4, "value: { column: %s, decimal: \",\" }   # decimal comma, e.g. %q", q(c.header), safe(p.decSample))
		case '.':
			w.line(4, "value: { column: %s, decimal: \".\" }   # decimal point, e.g. %q", q(c.header), safe(p.decSample))
		default:
			w.line(4, "value: %s", q(c.header))
		}
	}
	if c := p.one(roleCurrency); c != nil {
		if p.amountsWithoutCurrency(c) {
			counts := map[string]int{}
			for _, v := range c.values {
				counts[strings.ToUpper(v)]++
			}
			if cur, _ := majority(counts); cur != "" {
				w.line(4, "currency: { column: %s, default: %s }   # blank beside some amounts", q(c.header), q(cur))
			} else {
				w.line(4, "currency: %s", q(c.header))
			}
		} else {
			w.line(4, "currency: %s", q(c.header))
		}
	} else if p.currency != "" {
		w.line(4, "currency: { value: %s }   # CHECK: no currency column; ISO 4217 code of the amounts", q(p.currency))
	}
	if c := p.one(roleOrderID); c != nil {
		w.line(4, "order_id: %s", q(c.header))
	}
	if c := p.one(roleContentIDs); c != nil {
		if p.split != "" {
			w.line(4, "content_ids: { column: %s, split: %s }", q(c.header), q(p.split))
		} else {
			w.line(4, "content_ids: %s", q(c.header))
		}
	}
	if c := p.one(roleNumItems); c != nil {
		w.line(4, "num_items: %s", q(c.header))
	}
	if c := p.one(roleStore); c != nil {
		w.line(4, "store_id: %s   # a custom property", q(c.header))
	}
	return w.b.Len() - start
}

func (p *proposal) renderUnmapped(w *yamlWriter) {
	var lines []string
	for _, c := range p.cols {
		mapped := c.role != roleNone && c.role != roleFullName && c.role != roleChannel
		if c == p.eventTime || c == p.eventID || c == p.timeCol || c == p.zoneCol || c == p.fullName || c == p.leadID || c == p.stage || mapped && len(p.byRole[c.role]) > 0 && slices.Contains(p.byRole[c.role], c) {
			continue
		}
		why := c.note
		switch {
		case c.role == roleFullName:
			why = "full names: split them into first and last name columns to send fn and ln"
		case c.role == roleChannel && p.action == "physical_store":
			why = "a channel: map it to action_source with `map` if rows come from several channels"
		case c.role == roleChannel:
			continue
		case c.vetoed != roleNone:
			why = "named like " + string(c.vetoed) + ", but its values do not look like it"
		case c.header == "":
			why = "no name in the header row, so it cannot be mapped"
		case len(c.values) == 0:
			why = "blank in the sample"
		}
		if why == "" {
			lines = append(lines, fmt.Sprintf("%q", safe(c.header)))
		} else {
			lines = append(lines, fmt.Sprintf("%q: %s", safe(c.header), why))
		}
	}
	if len(lines) == 0 {
		return
	}
	w.blank()
	w.comment(0, "Columns not mapped (add them above if they matter; any other custom_data key is sent as a custom property):")
	for _, l := range lines {
		w.line(0, "#   %s", l)
	}
}

package web

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"capi-upload/capi"
	"capi-upload/mapping"
)

// A field path names what a column feeds in the page's drop-downs:
// "event_time", "user_data.em", "custom_data.value", and three that are
// not config keys of their own: "event_time.time" and "event_time.zone"
// (the time-of-day and per-row zone columns of event_time), "name" (a
// full name feeding fn and ln as its first and last part) and "custom"
// (a new custom property named after the column).
const (
	pathTime   = "event_time.time"
	pathZone   = "event_time.zone"
	pathName   = "name"
	pathCustom = "custom"
)

// fieldOption is one entry of a column's drop-down.
type fieldOption struct {
	Value, Label string
}

// fieldGroup is an <optgroup> of the drop-down.
type fieldGroup struct {
	Label   string
	Options []fieldOption
}

var keyLabels = map[string]string{
	"em": "email", "ph": "phone", "fn": "first name", "ln": "last name", "ct": "city", "st": "state",
	"zp": "zip / postal code", "country": "country", "db": "date of birth", "ge": "gender",
	"external_id": "customer id", "client_ip_address": "IP address (unhashed)",
	"client_user_agent": "browser user agent (unhashed)", "fbc": "click id fbc (unhashed)",
	"fbp": "browser id fbp (unhashed)", "lead_id": "Lead Ads lead id (unhashed)",
	"subscription_id": "subscription id (unhashed)", "fb_login_id": "Facebook login id (unhashed)",
	"madid": "mobile advertiser id (unhashed)",
}

// fieldGroups lists every field SPEC names, and the custom properties the
// config already has, for the drop-downs.
func fieldGroups(cfg *mapping.Config) []fieldGroup {
	event := fieldGroup{Label: "Event", Options: []fieldOption{
		{"event_time", "event_time: when it happened"},
		{pathTime, "event_time: time of day (beside a date column)"},
		{pathZone, "event_time: time zone of the row"},
		{"event_name", "event_name (per row)"},
		{"action_source", "action_source (per row)"},
		{"event_id", "event_id: receipt or transaction number"},
	}}
	user := fieldGroup{Label: "Customer (user_data)"}
	user.Options = append(user.Options, fieldOption{pathName, "full name → fn + ln"})
	for _, k := range capi.UserKeys {
		user.Options = append(user.Options, fieldOption{"user_data." + k, k + ": " + keyLabels[k]})
	}
	custom := fieldGroup{Label: "Purchase (custom_data)", Options: []fieldOption{
		{"custom_data.value", "value: amount"},
		{"custom_data.currency", "currency"},
		{"custom_data.order_id", "order_id"},
		{"custom_data.content_ids", "content_ids: SKUs"},
		{"custom_data.content_type", "content_type"},
		{"custom_data.num_items", "num_items: quantity"},
	}}
	if cfg != nil {
		for _, k := range mapping.CustomKeys(cfg.Fields.CustomData) {
			if !slices.Contains(mapping.StandardCustom, k) {
				custom.Options = append(custom.Options, fieldOption{"custom_data." + k, k + ": custom property"})
			}
		}
	}
	custom.Options = append(custom.Options, fieldOption{pathCustom, "a custom property named after the column"})
	dpo := fieldGroup{Label: "Data processing", Options: []fieldOption{
		{"data_processing_options", "data_processing_options"},
		{"data_processing_options_country", "data_processing_options_country"},
		{"data_processing_options_state", "data_processing_options_state"},
	}}
	return []fieldGroup{event, user, custom, dpo}
}

// topField returns the slot of a field that is not a user_data or
// custom_data key, nil for any other path.
func topField(f *mapping.Fields, path string) **mapping.FieldSpec {
	switch path {
	case "event_name":
		return &f.EventName
	case "action_source":
		return &f.ActionSource
	case "event_time":
		return &f.EventTime
	case "event_id":
		return &f.EventID
	case "data_processing_options":
		return &f.DataProcessingOptions
	case "data_processing_options_country":
		return &f.DPOCountry
	case "data_processing_options_state":
		return &f.DPOState
	}
	return nil
}

// keyedField returns the map and key a user_data.K or custom_data.K path
// names; ok is false for any other path.
func keyedField(f *mapping.Fields, path string) (m *map[string]*mapping.FieldSpec, k string, ok bool) {
	if k, ok = strings.CutPrefix(path, "user_data."); ok {
		return &f.UserData, k, true
	}
	if k, ok = strings.CutPrefix(path, "custom_data."); ok {
		return &f.CustomData, k, true
	}
	return nil, "", false
}

// specAt returns the spec a field path names in cfg, nil when unset.
func specAt(cfg *mapping.Config, path string) *mapping.FieldSpec {
	if slot := topField(&cfg.Fields, path); slot != nil {
		return *slot
	}
	if m, k, ok := keyedField(&cfg.Fields, path); ok {
		return (*m)[k]
	}
	return nil
}

// setSpec sets (or with nil removes) the spec at a field path.
func setSpec(cfg *mapping.Config, path string, s *mapping.FieldSpec) {
	if slot := topField(&cfg.Fields, path); slot != nil {
		*slot = s
		return
	}
	m, k, ok := keyedField(&cfg.Fields, path)
	switch {
	case !ok:
	case s == nil:
		delete(*m, k)
	default:
		if *m == nil {
			*m = map[string]*mapping.FieldSpec{}
		}
		(*m)[k] = s
	}
}

// columnPaths lists every field path of cfg that reads columns.
func columnPaths(cfg *mapping.Config) []string {
	paths := []string{"event_name", "action_source", "event_time", "event_id",
		"data_processing_options", "data_processing_options_country", "data_processing_options_state"}
	for _, k := range capi.UserKeys {
		paths = append(paths, "user_data."+k)
	}
	for _, k := range mapping.CustomKeys(cfg.Fields.CustomData) {
		paths = append(paths, "custom_data."+k)
	}
	return paths
}

// assignments says, for each column name, the field paths it feeds in
// cfg, in the order of columnPaths.
func assignments(cfg *mapping.Config) map[string][]string {
	out := map[string][]string{}
	addTo := func(col, path string) {
		if col != "" && !slices.Contains(out[col], path) {
			out[col] = append(out[col], path)
		}
	}
	fn, ln := cfg.Fields.UserData["fn"], cfg.Fields.UserData["ln"]
	fullName := ""
	if fn != nil && ln != nil && len(fn.Columns) == 1 && len(ln.Columns) == 1 &&
		fn.Columns[0] == ln.Columns[0] && fn.Part == "first" && ln.Part == "last" {
		fullName = fn.Columns[0]
	}
	for _, p := range columnPaths(cfg) {
		s := specAt(cfg, p)
		if s == nil {
			continue
		}
		if fullName != "" && (p == "user_data.fn" || p == "user_data.ln") {
			addTo(fullName, pathName)
			continue
		}
		for _, c := range s.Columns {
			addTo(c, p)
		}
		if p == "event_time" {
			addTo(s.Time, pathTime)
			addTo(s.Zone, pathZone)
		}
	}
	return out
}

// mappingForm is what the mapping form posts.
type mappingForm struct {
	// Assign holds, per column index, the field paths chosen ("" for not
	// used); Format the format typed in the column's row.
	Assign  map[int][]string
	Format  map[int]string
	PixelID string
	Zone    string
	Country string
	// EventName and ActionSource are the constants used when no column
	// feeds them.
	EventName    string
	ActionSource string
}

// applyForm returns a copy of cfg changed as the form says. A field whose
// columns did not change keeps its spec as it was (format, map, split,
// decimal, …), so a config loaded and saved unchanged maps every row the
// same way; a field given other columns keeps its options.
func applyForm(cfg *mapping.Config, header []string, f mappingForm) *mapping.Config {
	out := cloneConfig(cfg)
	newCols := map[string][]string{}
	fromName := map[string]bool{}
	var timeCol, zoneCol string
	for i, name := range header {
		for _, p := range f.Assign[i] {
			switch p {
			case "":
			case pathTime:
				if timeCol == "" {
					timeCol = name
				}
			case pathZone:
				if zoneCol == "" {
					zoneCol = name
				}
			case pathName:
				newCols["user_data.fn"] = appendNew(newCols["user_data.fn"], name)
				newCols["user_data.ln"] = appendNew(newCols["user_data.ln"], name)
				fromName["user_data.fn"], fromName["user_data.ln"] = true, true
			case pathCustom:
				k := customKey(name)
				newCols["custom_data."+k] = appendNew(newCols["custom_data."+k], name)
			default:
				newCols[p] = appendNew(newCols[p], name)
			}
		}
	}
	paths := columnPaths(out)
	for p := range newCols {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		old := specAt(out, p)
		cols := newCols[p]
		switch {
		case len(cols) == 0:
			if old != nil && old.Columns != nil {
				setSpec(out, p, nil)
			}
			continue
		case old != nil && old.Columns != nil && sameSet(old.Columns, cols) && fromName[p] == (old.Part != ""):
			continue
		}
		ns := &mapping.FieldSpec{}
		if old != nil && old.Columns != nil {
			c := *old
			ns = &c
		}
		ns.Columns = cols
		ns.Part = ""
		if fromName[p] {
			ns.Part = map[string]string{"user_data.fn": "first", "user_data.ln": "last"}[p]
		}
		setSpec(out, p, ns)
	}
	if et := out.Fields.EventTime; et != nil && et.Columns != nil {
		if et.Time != timeCol || et.Zone != zoneCol {
			c := *et
			c.Time, c.Zone = timeCol, zoneCol
			out.Fields.EventTime = &c
		}
	}
	// A format typed in a column's row applies to the time or date field
	// that column feeds first.
	for _, p := range []string{"event_time", "user_data.db"} {
		s := specAt(out, p)
		if s == nil || len(s.Columns) == 0 {
			continue
		}
		i := slices.Index(header, s.Columns[0])
		if v, ok := f.Format[i]; ok && i >= 0 && strings.TrimSpace(v) != s.Format {
			c := *s
			c.Format = strings.TrimSpace(v)
			setSpec(out, p, &c)
		}
	}
	for _, c := range []struct{ path, value string }{{"event_name", f.EventName}, {"action_source", f.ActionSource}} {
		s := specAt(out, c.path)
		if s != nil && s.Columns != nil {
			continue
		}
		v := strings.TrimSpace(c.value)
		switch {
		case v == "":
			setSpec(out, c.path, nil)
		case s == nil || s.Value != v:
			setSpec(out, c.path, &mapping.FieldSpec{Value: v})
		}
	}
	out.PixelID = strings.TrimSpace(f.PixelID)
	out.Timezone = strings.TrimSpace(f.Zone)
	out.DefaultCountry = strings.ToUpper(strings.TrimSpace(f.Country))
	return out
}

// cloneConfig copies the parts of cfg that applyForm changes.
func cloneConfig(cfg *mapping.Config) *mapping.Config {
	c := *cfg
	c.Fields.UserData = maps.Clone(cfg.Fields.UserData)
	c.Fields.CustomData = maps.Clone(cfg.Fields.CustomData)
	c.Skip = slices.Clone(cfg.Skip)
	return &c
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range b {
		if !slices.Contains(a, v) {
			return false
		}
	}
	return true
}

// customKey names a custom property after its column: "Store Name" →
// "store_name".
func customKey(col string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(col) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		} else {
			under = true
		}
	}
	if b.Len() == 0 {
		return "column"
	}
	return b.String()
}

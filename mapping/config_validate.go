package mapping

import (
	"capi-upload/capi"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActionSources lists the action_source values Meta accepts
// (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event).
var ActionSources = []string{
	"email", "website", "app", "phone_call", "chat", "physical_store",
	"system_generated", "business_messaging", "other",
}

var apiVersionRE = regexp.MustCompile(`^v[0-9]+\.0$`)

// specRule says which options a field spec may carry; an option where it
// means nothing is an error, because the user expected it to do something.
type specRule struct {
	format, split, decimal, hash, constant bool
	column, clickTime                      bool
	timeParts                              bool // time and zone columns (event_time)
	part                                   bool // part of a full name (fn, ln)
}

// Validate checks the config as a whole and fills in derived values
// (Location, the canonical default country). Errors are *ConfigError
// naming the key and its line.
func (c *Config) Validate() error {
	if err := c.validateTop(); err != nil {
		return err
	}
	if err := c.applyProfile(); err != nil {
		return err
	}
	return c.validateFields()
}

func (c *Config) errf(path string, sentinel error, format string, args ...any) *ConfigError {
	if format != "" {
		msg := fmt.Sprintf(format, args...)
		return &ConfigError{Line: c.line(path), Field: path, Err: fmt.Errorf("%w: %s", sentinel, msg)}
	}
	return &ConfigError{Line: c.line(path), Field: path, Err: sentinel}
}

// set reports whether the key at path was written in the file; it tells
// an explicit 0 (an error) from an absent key (the default).
func (c *Config) set(path string) bool { _, ok := c.lines[path]; return ok }

func (c *Config) validateTop() error {
	if c.PixelID == "" {
		return c.errf("pixel_id", ErrMissingRequired, "")
	}
	if len(c.PixelID) > 20 || strings.Trim(c.PixelID, "0123456789") != "" {
		return c.errf("pixel_id", ErrInvalid, "%q is not a pixel (dataset) id: want digits only", clip(c.PixelID, 40))
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if !apiVersionRE.MatchString(c.APIVersion) {
		return c.errf("api_version", ErrInvalid, "%q: want a Graph API version such as %s", clip(c.APIVersion, 40), DefaultAPIVersion)
	}
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || strings.EqualFold(c.Timezone, "local") {
		// "Local" depends on the machine the job runs on; a nightly job
		// moved to a UTC server would shift every event.
		return c.errf("timezone", ErrInvalid, "%q is not an IANA time zone such as America/Chicago or UTC", clip(c.Timezone, 60))
	}
	c.Location = loc
	if c.DefaultCountry != "" {
		if !IsCountryCode(c.DefaultCountry) {
			return c.errf("default_country", ErrInvalid, "%q is not a country: want an ISO 3166-1 alpha-2 code such as US", clip(c.DefaultCountry, 40))
		}
		c.DefaultCountry = strings.ToUpper(c.DefaultCountry)
	}
	if c.set("max_age") && c.MaxAge <= 0 {
		return c.errf("max_age", ErrInvalid, "want a duration above 0, such as 7d")
	}
	if r := c.MaxRejectRatio; r != nil && (*r < 0 || *r > 1) {
		return c.errf("max_reject_ratio", ErrInvalid, "%v: want a ratio from 0 to 1", *r)
	}
	switch c.Input.Delimiter {
	case "", "auto", ",", ";", "\t", `\t`, "tab", "|":
	default:
		return c.errf("input.delimiter", ErrInvalid, `%q: want auto, ",", ";", "\t" or "|"`, clip(c.Input.Delimiter, 10))
	}
	switch strings.ToLower(c.Input.Encoding) {
	case "", "auto", "utf-8", "utf-16", "windows-1252":
		c.Input.Encoding = strings.ToLower(c.Input.Encoding)
		if c.Input.Encoding == "" {
			c.Input.Encoding = "auto"
		}
	default:
		return c.errf("input.encoding", ErrInvalid, "%q: want auto, utf-8, utf-16 or windows-1252", clip(c.Input.Encoding, 20))
	}
	if c.Input.HeaderRow < 1 || c.Input.HeaderRow > 1000 {
		return c.errf("input.header_row", ErrInvalid, "%d: want a row number from 1 to 1000", c.Input.HeaderRow)
	}
	u := c.Upload
	if c.set("upload.batch_size") && (u.BatchSize < 1 || u.BatchSize > capi.MaxBatchSize) {
		return c.errf("upload.batch_size", ErrInvalid, "%d: want 1 to %d (Meta takes at most %[2]d events per request)", u.BatchSize, capi.MaxBatchSize)
	}
	if c.set("upload.concurrency") && (u.Concurrency < 1 || u.Concurrency > capi.MaxConcurrency) {
		return c.errf("upload.concurrency", ErrInvalid, "%d: want 1 to %d", u.Concurrency, capi.MaxConcurrency)
	}
	if c.set("upload.max_attempts") && (u.MaxAttempts < 1 || u.MaxAttempts > capi.MaxAttempts) {
		return c.errf("upload.max_attempts", ErrInvalid, "%d: want 1 to %d", u.MaxAttempts, capi.MaxAttempts)
	}
	if c.set("upload.request_timeout") && u.RequestTimeout <= 0 {
		return c.errf("upload.request_timeout", ErrInvalid, "want a duration above 0, such as 30s")
	}
	return nil
}

func (c *Config) validateFields() error {
	f := &c.Fields
	required := []struct {
		path string
		spec *FieldSpec
	}{
		{"fields.event_name", f.EventName},
		{"fields.action_source", f.ActionSource},
		{"fields.event_time", f.EventTime},
	}
	for _, r := range required {
		if r.spec == nil {
			return c.errf(r.path, ErrMissingRequired, "")
		}
	}
	if err := c.checkSpec("fields.event_name", f.EventName, specRule{column: true, constant: true}); err != nil {
		return err
	}
	if v, ok := f.EventName.Value.(string); ok && strings.TrimSpace(v) == "" {
		return c.errf("fields.event_name.value", ErrInvalid, "empty event name")
	}
	if err := c.checkSpec("fields.action_source", f.ActionSource, specRule{column: true, constant: true}); err != nil {
		return err
	}
	if v, ok := f.ActionSource.Value.(string); ok {
		if !slices.Contains(ActionSources, v) {
			return c.errf("fields.action_source.value", ErrInvalid, "%q: want one of %s", clip(v, 40), strings.Join(ActionSources, ", "))
		}
	}
	if err := c.checkSpec("fields.event_time", f.EventTime, specRule{column: true, format: true, timeParts: true}); err != nil {
		return err
	}
	if f.EventID != nil {
		if err := c.checkSpec("fields.event_id", f.EventID, specRule{column: true}); err != nil {
			return err
		}
	}
	if len(f.UserData) == 0 {
		return c.errf("fields.user_data", ErrMissingRequired, "map at least one customer key (%s): Meta matches events to people by them", strings.Join(capi.UserKeys, ", "))
	}
	for _, k := range capi.UserKeys {
		s := f.UserData[k]
		if s == nil {
			continue
		}
		path := "fields.user_data." + k
		if err := c.checkSpec(path, s, userKeyRule(k)); err != nil {
			return err
		}
		if k == "country" {
			for _, v := range constants(s) {
				if _, err := NormalizeCountry(v); err != nil {
					return c.errf(path+".value", ErrInvalid, "%q is not a country", clip(v, 40))
				}
			}
		}
	}
	if err := c.checkUnhashed(); err != nil {
		return err
	}
	for _, k := range sortedKeys(f.CustomData) {
		if err := c.checkCustom(k, f.CustomData[k]); err != nil {
			return err
		}
	}
	if err := c.checkNoContactIDs(); err != nil {
		return err
	}
	return c.checkDPO()
}

func (c *Config) checkCustom(k string, s *FieldSpec) error {
	path := "fields.custom_data." + k
	rule := specRule{column: true, constant: true, split: true}
	switch k {
	case "value":
		rule = specRule{column: true, constant: true, decimal: true}
	case "currency", "num_items", "order_id":
		rule.split = false
	}
	if err := c.checkSpec(path, s, rule); err != nil {
		return err
	}
	for _, v := range constants(s) {
		var err error
		switch k {
		case "value":
			_, err = parseDecimal(v, decimalSep(s))
		case "currency":
			_, err = NormalizeCurrency(v)
		case "num_items":
			_, err = parseCount(v)
		}
		if err != nil {
			return c.errf(path+".value", ErrInvalid, "%q cannot be read as %s", clip(v, 40), k)
		}
	}
	return nil
}

func (c *Config) checkDPO() error {
	f := &c.Fields
	const path = "fields.data_processing_options"
	ldu := false
	if s := f.DataProcessingOptions; s != nil {
		if err := c.checkSpec(path, s, specRule{column: true, constant: true, split: true}); err != nil {
			return err
		}
		for _, v := range constants(s) {
			if v != "" && !strings.EqualFold(v, "LDU") {
				return c.errf(path+".value", ErrInvalid, "%q: the only data processing option is LDU (Limited Data Use)", clip(v, 20))
			}
			ldu = ldu || v != ""
		}
	}
	for _, d := range []struct {
		path string
		spec *FieldSpec
	}{{path + "_country", f.DPOCountry}, {path + "_state", f.DPOState}} {
		if d.spec == nil {
			continue
		}
		if err := c.checkSpec(d.path, d.spec, specRule{column: true, constant: true}); err != nil {
			return err
		}
		for _, v := range constants(d.spec) {
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				return c.errf(d.path+".value", ErrInvalid, "%q: want a number (country 1 = USA, state 1000 = California, 0 = geolocate)", clip(v, 20))
			}
		}
	}
	if ldu && f.DPOCountry == nil {
		return c.errf(path+"_country", ErrMissingRequired, "LDU needs data_processing_options_country (1 = USA, 0 = geolocate)")
	}
	if f.DPOCountry != nil && f.DPOState == nil {
		return c.errf(path+"_state", ErrMissingRequired, "a data processing country needs a state too (1000 = California, 0 = geolocate)")
	}
	return nil
}

// checkSpec checks a field spec's options against what the field allows.
func (c *Config) checkSpec(path string, s *FieldSpec, r specRule) error {
	switch {
	case s.Value != nil && !r.constant:
		return c.errf(path+".value", ErrInvalid, "this field must come from a column")
	case s.Value != nil && !allowsList(path):
		if _, ok := s.Value.([]string); ok {
			return c.errf(path+".value", ErrWrongType, "want one value, got a list")
		}
	}
	if s.Format != "" {
		if !r.format {
			return c.errf(path+".format", ErrInvalid, "format applies only to event_time, user_data.db and user_data.fbc's click_time")
		}
		if err := checkFormat(s.Format); err != nil {
			return &ConfigError{Line: c.lineOr(path+".format", s.Line), Field: path + ".format", Err: err}
		}
	}
	if s.Split != "" && !r.split {
		return c.errf(path+".split", ErrInvalid, "this field takes one value per row; split applies to customer keys, content_ids and custom properties")
	}
	if s.Decimal != "" {
		if !r.decimal {
			return c.errf(path+".decimal", ErrInvalid, "decimal applies only to custom_data.value")
		}
		if s.Decimal != "." && s.Decimal != "," {
			return c.errf(path+".decimal", ErrInvalid, `%q: want "." or ","`, clip(s.Decimal, 10))
		}
	}
	if (s.Time != "" || s.Zone != "") && !r.timeParts {
		key := ".time"
		if s.Time == "" {
			key = ".zone"
		}
		return c.errf(path+key, ErrInvalid, "time and zone columns apply only to event_time")
	}
	if s.Part != "" {
		if !r.part {
			return c.errf(path+".part", ErrInvalid, "part applies only to user_data.fn and user_data.ln (a full name in one column)")
		}
		if s.Part != "first" && s.Part != "last" {
			return c.errf(path+".part", ErrInvalid, `%q: want "first" or "last"`, clip(s.Part, 20))
		}
	}
	if s.Hash != nil && !r.hash {
		return c.errf(path+".hash", ErrInvalid, "hash: false applies only to user_data.external_id; the other keys are hashed, or never hashed, as Meta requires")
	}
	if s.ClickTime != "" && !r.clickTime {
		return c.errf(path+".click_time", ErrInvalid, "click_time applies only to user_data.fbc")
	}
	return nil
}

func (c *Config) lineOr(path string, line int) int {
	if l := c.line(path); l > 0 {
		return l
	}
	return line
}

// allowsList reports whether a constant list makes sense for the field.
func allowsList(path string) bool {
	return strings.HasPrefix(path, "fields.user_data.") ||
		path == "fields.data_processing_options" ||
		path == "fields.custom_data.content_ids"
}

// constants returns a spec's constant values ([] when it maps columns).
func constants(s *FieldSpec) []string {
	switch v := s.Value.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	}
	return nil
}

func decimalSep(s *FieldSpec) byte {
	if s.Decimal == "," {
		return ','
	}
	return '.'
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkNoContactIDs refuses a config that sends a column of email
// addresses or phone numbers as event_id or in custom_data: those fields
// go to Meta and into the reject report as they are, unhashed: raw
// customer data never leaves as an id or a property (README "Customer
// information"). Customer keys
// belong in user_data, where they are normalized and hashed.
func (c *Config) checkNoContactIDs() error {
	check := func(path string, s *FieldSpec) error {
		if s == nil {
			return nil
		}
		for _, col := range s.Columns {
			if contactColumn(col) {
				return c.errf(path, ErrInvalid, "column %q looks like emails or phone numbers, which must not be sent unhashed; map it under user_data (em, ph) instead", clip(col, 60))
			}
		}
		return nil
	}
	if err := check("fields.event_id", c.Fields.EventID); err != nil {
		return err
	}
	for _, k := range sortedKeys(c.Fields.CustomData) {
		if k == "value" || k == "currency" || k == "num_items" {
			continue
		}
		if err := check("fields.custom_data."+k, c.Fields.CustomData[k]); err != nil {
			return err
		}
	}
	return nil
}

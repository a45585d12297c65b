package mapping

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"capi-upload/capi"
)

// MarshalConfig writes cfg as the YAML the command line reads
// (Parse), so that what the page saves maps every row as the page
// showed it. Keys come in SPEC's order and zero values are left out, so a
// config loaded and saved again reads the same; comments are not kept.
func MarshalConfig(cfg *Config) ([]byte, error) {
	root := mapNode(false)
	str := func(m *yaml.Node, k, v string) {
		if v != "" {
			add(m, k, strNode(v))
		}
	}
	str(root, "pixel_id", cfg.PixelID)
	if cfg.APIVersion != DefaultAPIVersion {
		str(root, "api_version", cfg.APIVersion)
	}
	str(root, "timezone", cfg.Timezone)
	str(root, "default_country", cfg.DefaultCountry)
	str(root, "profile", cfg.Profile)
	str(root, "lead_event_source", cfg.LeadEventSource)
	str(root, "report_dir", cfg.ReportDir)
	str(root, "state", cfg.State)
	if cfg.MaxAge != 0 {
		add(root, "max_age", strNode(cfg.MaxAge.String()))
	}
	if cfg.MaxRejectRatio != nil {
		add(root, "max_reject_ratio", plainNode(strconv.FormatFloat(*cfg.MaxRejectRatio, 'g', -1, 64)))
	}

	in := mapNode(false)
	str(in, "sheet", cfg.Input.Sheet)
	str(in, "delimiter", cfg.Input.Delimiter)
	str(in, "encoding", cfg.Input.Encoding)
	if cfg.Input.HeaderRow > 1 {
		add(in, "header_row", plainNode(strconv.Itoa(cfg.Input.HeaderRow)))
	}
	if len(in.Content) > 0 {
		add(root, "input", in)
	}

	u := cfg.Upload
	up := mapNode(false)
	str(up, "upload_tag", u.UploadTag)
	str(up, "namespace_id", u.NamespaceID)
	str(up, "test_event_code", u.TestEventCode)
	for _, kv := range []struct {
		k string
		v int
	}{{"batch_size", u.BatchSize}, {"concurrency", u.Concurrency}, {"max_attempts", u.MaxAttempts}} {
		if kv.v != 0 {
			add(up, kv.k, plainNode(strconv.Itoa(kv.v)))
		}
	}
	if u.RequestTimeout != 0 {
		add(up, "request_timeout", strNode(u.RequestTimeout.String()))
	}
	if len(up.Content) > 0 {
		add(root, "upload", up)
	}

	f := cfg.Fields
	fields := mapNode(false)
	spec := func(m *yaml.Node, k string, s *FieldSpec) {
		if s != nil {
			add(m, k, specNode(s))
		}
	}
	spec(fields, "event_name", f.EventName)
	spec(fields, "action_source", f.ActionSource)
	spec(fields, "event_time", f.EventTime)
	spec(fields, "event_id", f.EventID)
	if len(f.UserData) > 0 {
		ud := mapNode(false)
		for _, k := range capi.UserKeys {
			spec(ud, k, f.UserData[k])
		}
		add(fields, "user_data", ud)
	}
	if len(f.CustomData) > 0 {
		cd := mapNode(false)
		for _, k := range CustomKeys(f.CustomData) {
			spec(cd, k, f.CustomData[k])
		}
		add(fields, "custom_data", cd)
	}
	spec(fields, "data_processing_options", f.DataProcessingOptions)
	spec(fields, "data_processing_options_country", f.DPOCountry)
	spec(fields, "data_processing_options_state", f.DPOState)
	add(root, "fields", fields)

	if len(cfg.Skip) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range cfg.Skip {
			seq.Content = append(seq.Content, skipNode(r))
		}
		add(root, "skip", seq)
	}

	var buf bytes.Buffer
	buf.WriteString("# Mapping config saved by capi-upload serve.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	return buf.Bytes(), nil
}

// StandardCustom are the custom_data keys Meta defines, in the order the
// saved config lists them; any other key (a custom property) follows,
// sorted.
var StandardCustom = []string{"value", "currency", "order_id", "content_ids", "content_type", "contents", "num_items"}

// CustomKeys lists the custom_data keys of m: Meta's standard ones first,
// in StandardCustom's order, then the others sorted.
func CustomKeys(m map[string]*FieldSpec) []string {
	var keys, rest []string
	for _, k := range StandardCustom {
		if m[k] != nil {
			keys = append(keys, k)
		}
	}
	for k := range m {
		if !slices.Contains(StandardCustom, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

func specNode(s *FieldSpec) *yaml.Node {
	plain := s.Value == nil && s.Format == "" && s.Map == nil && s.Split == "" && s.Decimal == "" &&
		s.Default == "" && s.Hash == nil && s.Time == "" && s.Zone == "" && s.Part == "" && s.ClickTime == ""
	if plain {
		return columnsNode(s.Columns)
	}
	m := mapNode(true)
	if s.Columns != nil {
		add(m, "column", columnsNode(s.Columns))
	}
	switch v := s.Value.(type) {
	case string:
		add(m, "value", strNode(v))
	case []string:
		add(m, "value", strSeq(v))
	}
	for _, kv := range []struct{ k, v string }{
		{"format", s.Format}, {"time", s.Time}, {"zone", s.Zone}, {"part", s.Part},
		{"split", s.Split}, {"decimal", s.Decimal}, {"default", s.Default}, {"click_time", s.ClickTime},
	} {
		if kv.v != "" {
			add(m, kv.k, strNode(kv.v))
		}
	}
	if s.Hash != nil {
		add(m, "hash", plainNode(strconv.FormatBool(*s.Hash)))
	}
	if s.Map != nil {
		mm := mapNode(true)
		keys := make([]string, 0, len(s.Map))
		for k := range s.Map {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(mm, k, strNode(s.Map[k]))
		}
		add(m, "map", mm)
	}
	return m
}

func skipNode(r SkipRule) *yaml.Node {
	m := mapNode(true)
	add(m, "column", strNode(r.Column))
	if r.Name != "" {
		add(m, "name", strNode(r.Name))
	}
	for _, kv := range []struct {
		k string
		v []string
	}{{"is", r.Is}, {"is_not", r.IsNot}, {"contains", r.Contains}} {
		if kv.v != nil {
			add(m, kv.k, strSeq(kv.v))
		}
	}
	for _, kv := range []struct {
		k string
		v bool
	}{{"empty", r.Empty}, {"negative", r.Negative}, {"zero", r.Zero}} {
		if kv.v {
			add(m, kv.k, plainNode("true"))
		}
	}
	return m
}

func columnsNode(cols []string) *yaml.Node {
	if len(cols) == 1 {
		return strNode(cols[0])
	}
	return strSeq(cols)
}

func mapNode(flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

func add(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, strNode(k), v)
}

// strNode is a string scalar; the encoder quotes it when it would read as
// something else (a number, a bool, null), so a column named 2024 or a
// pixel id stays a string.
func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func plainNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
}

func strSeq(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{}}
	for _, v := range vs {
		n.Content = append(n.Content, strNode(v))
	}
	return n
}

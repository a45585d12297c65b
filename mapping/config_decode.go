package mapping

import (
	"capi-upload/capi"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The config is decoded in two steps: YAML into a yaml.Node tree, then
// the tree walked by hand. Walking by hand is what lets every error name
// its dotted key path and line, lets an unknown key anywhere be an error
// (a typo must not silently send wrong data), and bounds alias expansion,
// which yaml.Node leaves to the consumer.

// decoder walks a yaml.Node tree into a Config.
type decoder struct {
	visits int
	lines  map[string]int // dotted path → line, for Validate's errors
}

func decodeConfig(r io.Reader, cfg *Config) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &ConfigError{Err: fmt.Errorf("%w: the config is empty", ErrMissingRequired)}
		}
		return yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return yamlError(err)
		}
		return &ConfigError{Line: line, Err: fmt.Errorf("%w: more than one YAML document", ErrInvalid)}
	}
	d := &decoder{lines: map[string]int{}}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := d.config(root, cfg); err != nil {
		return err
	}
	cfg.lines = d.lines
	return nil
}

// yamlError turns a syntax error from the YAML parser into a ConfigError,
// taking the line out of its message ("yaml: line 3: …").
func yamlError(err error) error {
	msg := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if num, tail, ok := strings.Cut(rest, ":"); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line = n
				msg = strings.TrimSpace(tail)
			}
		}
	}
	return &ConfigError{Line: line, Err: fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(msg, "yaml: "))}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func errAt(n *yaml.Node, path string, err error) *ConfigError {
	return &ConfigError{Line: n.Line, Field: path, Err: err}
}

// resolve follows an alias and counts the node against the budget that
// stops alias bombs.
func (d *decoder) resolve(n *yaml.Node, path string) (*yaml.Node, error) {
	line := n.Line
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, &ConfigError{Line: line, Field: path, Err: fmt.Errorf("%w: unknown anchor", ErrInvalid)}
		}
		n = n.Alias
	}
	d.visits++
	if d.visits > maxNodeVisits {
		return nil, &ConfigError{Line: line, Field: path, Err: fmt.Errorf("%w: aliases expand to more than %d nodes", ErrTooLarge, maxNodeVisits)}
	}
	return n, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		case "!!null":
			return "nothing"
		}
		return "a string"
	}
	return "a YAML document"
}

func wrongType(n *yaml.Node, path, want string) *ConfigError {
	return errAt(n, path, fmt.Errorf("%w: want %s, got %s", ErrWrongType, want, kindName(n)))
}

// pair is one key of a mapping with its value, merge keys expanded.
type pair struct {
	key       string
	keyNode   *yaml.Node
	value     *yaml.Node
	fromMerge bool
}

// pairs lists the keys of mapping n, expanding YAML merge keys ("<<") so
// that keys written out win over merged ones, and refusing duplicates.
func (d *decoder) pairs(n *yaml.Node, path string) ([]pair, error) {
	n, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, wrongType(n, path, "a mapping")
	}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := d.resolve(n.Content[i], path)
		if err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, wrongType(k, path, "a plain key")
		}
		v := n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			ms, err := d.mergeSources(v, path)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				ps, err := d.pairs(m, path)
				if err != nil {
					return nil, err
				}
				for _, p := range ps {
					p.fromMerge = true
					merged = append(merged, p)
				}
			}
			continue
		}
		for _, p := range own {
			if p.key == k.Value {
				return nil, errAt(k, join(path, k.Value), fmt.Errorf("%w: key appears twice (also on line %d)", ErrInvalid, p.keyNode.Line))
			}
		}
		own = append(own, pair{key: k.Value, keyNode: k, value: v})
	}
	for _, m := range merged {
		if !slices.ContainsFunc(own, func(p pair) bool { return p.key == m.key }) {
			own = append(own, m)
		}
	}
	return own, nil
}

func (d *decoder) mergeSources(v *yaml.Node, path string) ([]*yaml.Node, error) {
	r, err := d.resolve(v, path)
	if err != nil {
		return nil, err
	}
	if r.Kind == yaml.SequenceNode {
		return r.Content, nil
	}
	return []*yaml.Node{v}, nil
}

// object decodes mapping n by calling the handler registered for each key;
// a key without a handler is an unknown key, with a suggestion when it is
// close to a known one.
func (d *decoder) object(n *yaml.Node, path string, handlers map[string]func(*yaml.Node, string) error) error {
	ps, err := d.pairs(n, path)
	if err != nil {
		return err
	}
	for _, p := range ps {
		h, ok := handlers[p.key]
		sub := join(path, p.key)
		if !ok {
			return errAt(p.keyNode, sub, unknownKey(p.key, handlerKeys(handlers)))
		}
		d.lines[sub] = p.keyNode.Line
		if err := h(p.value, sub); err != nil {
			return err
		}
	}
	return nil
}

func handlerKeys(h map[string]func(*yaml.Node, string) error) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func unknownKey(key string, known []string) error {
	best, bestDist := "", 3
	low := strings.ToLower(key)
	for _, k := range known {
		dist := editDistance(low, k)
		if len(k) >= 2 && strings.HasPrefix(low, k) {
			dist = min(dist, 2) // "emial" → em
		}
		if dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Errorf("%w (did you mean %s?)", ErrUnknownKey, best)
	}
	return ErrUnknownKey
}

// editDistance is the Levenshtein distance, for "did you mean" hints.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar returns the resolved scalar node at n, or a wrong-type error.
func (d *decoder) scalar(n *yaml.Node, path, want string) (*yaml.Node, error) {
	r, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	if r.Kind != yaml.ScalarNode {
		return nil, wrongType(r, path, want)
	}
	return r, nil
}

// str reads a string. Numbers are taken as written (a pixel id or a
// column named 2024 need no quotes); null is "".
func (d *decoder) str(n *yaml.Node, path string) (string, error) {
	r, err := d.scalar(n, path, "a string")
	if err != nil {
		return "", err
	}
	switch r.ShortTag() {
	case "!!null":
		return "", nil
	case "!!bool":
		return "", wrongType(r, path, "a string (quote it)")
	}
	return r.Value, nil
}

func (d *decoder) integer(n *yaml.Node, path string) (int, error) {
	r, err := d.scalar(n, path, "a whole number")
	if err != nil {
		return 0, err
	}
	if r.ShortTag() != "!!int" {
		return 0, wrongType(r, path, "a whole number")
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(r.Value, "_", ""), 0, 32)
	if err != nil {
		return 0, errAt(r, path, fmt.Errorf("%w: %q is not a whole number in range", ErrInvalid, r.Value))
	}
	return int(v), nil
}

func (d *decoder) float(n *yaml.Node, path string) (float64, error) {
	r, err := d.scalar(n, path, "a number")
	if err != nil {
		return 0, err
	}
	if t := r.ShortTag(); t != "!!int" && t != "!!float" {
		return 0, wrongType(r, path, "a number")
	}
	v, err := strconv.ParseFloat(r.Value, 64)
	if err != nil {
		return 0, errAt(r, path, fmt.Errorf("%w: %q is not a number", ErrInvalid, r.Value))
	}
	return v, nil
}

func (d *decoder) boolean(n *yaml.Node, path string) (bool, error) {
	r, err := d.scalar(n, path, "true or false")
	if err != nil {
		return false, err
	}
	if r.ShortTag() != "!!bool" {
		return false, wrongType(r, path, "true or false")
	}
	return r.Value == "true" || r.Value == "True" || r.Value == "TRUE", nil
}

func (d *decoder) duration(n *yaml.Node, path string) (Duration, error) {
	r, err := d.scalar(n, path, `a duration such as "30s" or "7d"`)
	if err != nil {
		return 0, err
	}
	v, err := ParseDuration(r.Value)
	if err != nil {
		return 0, errAt(r, path, err)
	}
	return v, nil
}

// ParseDuration reads a Go duration ("36h", "90m") or whole days ("7d"),
// as --max-age and the config's durations accept. Negative durations are
// refused.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%w: %q is not a duration such as \"7d\" or \"36h\"", ErrInvalid, s)
		}
		return Duration(time.Duration(n) * 24 * time.Hour), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: %q is not a duration such as \"7d\" or \"36h\"", ErrInvalid, s)
	}
	return Duration(v), nil
}

// String formats d the way ParseDuration reads it.
func (d Duration) String() string {
	if d > 0 && time.Duration(d)%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(time.Duration(d)/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(d).String()
}

// strInto, intInto, … adapt the readers to object's handler signature.
func (d *decoder) strInto(p *string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) (err error) { *p, err = d.str(n, path); return err }
}

func (d *decoder) intInto(p *int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) (err error) { *p, err = d.integer(n, path); return err }
}

func (d *decoder) durationInto(p *Duration) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) (err error) { *p, err = d.duration(n, path); return err }
}

func (d *decoder) specInto(p **FieldSpec) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) (err error) { *p, err = d.fieldSpec(n, path); return err }
}

func (d *decoder) config(n *yaml.Node, c *Config) error {
	return d.object(n, "", map[string]func(*yaml.Node, string) error{
		"pixel_id":          d.strInto(&c.PixelID),
		"api_version":       d.strInto(&c.APIVersion),
		"timezone":          d.strInto(&c.Timezone),
		"default_country":   d.strInto(&c.DefaultCountry),
		"report_dir":        d.strInto(&c.ReportDir),
		"state":             d.strInto(&c.State),
		"profile":           d.strInto(&c.Profile),
		"lead_event_source": d.strInto(&c.LeadEventSource),
		"max_age":           d.durationInto(&c.MaxAge),
		"max_reject_ratio": func(n *yaml.Node, path string) error {
			v, err := d.float(n, path)
			c.MaxRejectRatio = &v
			return err
		},
		"skip": func(n *yaml.Node, path string) (err error) {
			c.Skip, err = d.skipRules(n, path)
			return err
		},
		"input": func(n *yaml.Node, path string) error {
			return d.object(n, path, map[string]func(*yaml.Node, string) error{
				"sheet":      d.strInto(&c.Input.Sheet),
				"delimiter":  d.strInto(&c.Input.Delimiter),
				"encoding":   d.strInto(&c.Input.Encoding),
				"header_row": d.intInto(&c.Input.HeaderRow),
			})
		},
		"upload": func(n *yaml.Node, path string) error {
			u := &c.Upload
			return d.object(n, path, map[string]func(*yaml.Node, string) error{
				"upload_tag":      d.strInto(&u.UploadTag),
				"namespace_id":    d.strInto(&u.NamespaceID),
				"test_event_code": d.strInto(&u.TestEventCode),
				"batch_size":      d.intInto(&u.BatchSize),
				"concurrency":     d.intInto(&u.Concurrency),
				"max_attempts":    d.intInto(&u.MaxAttempts),
				"request_timeout": d.durationInto(&u.RequestTimeout),
			})
		},
		"fields": func(n *yaml.Node, path string) error {
			f := &c.Fields
			return d.object(n, path, map[string]func(*yaml.Node, string) error{
				"event_name":                      d.specInto(&f.EventName),
				"action_source":                   d.specInto(&f.ActionSource),
				"event_time":                      d.specInto(&f.EventTime),
				"event_id":                        d.specInto(&f.EventID),
				"data_processing_options":         d.specInto(&f.DataProcessingOptions),
				"data_processing_options_country": d.specInto(&f.DPOCountry),
				"data_processing_options_state":   d.specInto(&f.DPOState),
				"user_data": func(n *yaml.Node, path string) error {
					f.UserData = map[string]*FieldSpec{}
					h := map[string]func(*yaml.Node, string) error{}
					for _, k := range capi.UserKeys {
						h[k] = func(n *yaml.Node, path string) error {
							s, err := d.fieldSpec(n, path)
							if s != nil {
								f.UserData[k] = s
							}
							return err
						}
					}
					return d.object(n, path, h)
				},
				"custom_data": func(n *yaml.Node, path string) error {
					// Any key is allowed: custom properties are part of the
					// contract. Keys are still checked for duplicates.
					ps, err := d.pairs(n, path)
					if err != nil {
						return err
					}
					f.CustomData = map[string]*FieldSpec{}
					for _, p := range ps {
						sub := join(path, p.key)
						if p.key == "" {
							return errAt(p.keyNode, sub, fmt.Errorf("%w: empty key", ErrInvalid))
						}
						d.lines[sub] = p.keyNode.Line
						s, err := d.fieldSpec(p.value, sub)
						if err != nil {
							return err
						}
						if s != nil {
							f.CustomData[p.key] = s
						}
					}
					return nil
				},
			})
		},
	})
}

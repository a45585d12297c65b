package mapping

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// FieldSpec says where a field's value comes from: a column name, a list
// of column names, or an object with column or value and options.
type FieldSpec struct {
	Columns []string          // from a bare string, a list, or "column"
	Value   any               // constant: string or []string
	Format  string            // time and date fields
	Map     map[string]string // translate cell values; "" result skips the row
	Split   string
	Decimal string // "," or "."
	Default string
	Hash    *bool // external_id only: false sends it unhashed
	// Time names the column holding the time of day when an export
	// writes date and time apart (Square's Date and Time); event_time
	// only. The two cells are read as one text, "date time".
	Time string
	// Zone names a column holding each row's time zone (an IANA name, a
	// UTC offset, or a Windows or Rails name such as "Pacific Time (US &
	// Canada)"); event_time only. An empty cell falls back to the
	// config's timezone.
	Zone string
	// Part takes the first or the last word of a full name ("first",
	// "last"); fn and ln only, so one "Customer Name" column feeds both.
	Part string
	// ClickTime is the column with the click time, for user_data.fbc
	// only: a bare fbclid with it becomes an fbc cookie (BuildFBC), the
	// time read with Format.
	ClickTime string
	Line      int // line in the YAML file, for errors
}

// UnmarshalYAML decodes the three shapes a field spec may take: "Email",
// ["Email", "Email 2"] or {column: …, format: …}. Unknown keys in the
// object form are errors, so a typo ("colum") is caught.
func (f *FieldSpec) UnmarshalYAML(n *yaml.Node) error {
	d := &decoder{lines: map[string]int{}}
	s, err := d.fieldSpec(n, "")
	if err != nil {
		return err
	}
	if s == nil {
		s = &FieldSpec{Line: n.Line}
	}
	*f = *s
	return nil
}

// fieldSpec decodes one field spec; null yields (nil, nil), "not mapped".
func (d *decoder) fieldSpec(n *yaml.Node, path string) (*FieldSpec, error) {
	r, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	f := &FieldSpec{Line: n.Line}
	switch r.Kind {
	case yaml.ScalarNode:
		if r.ShortTag() == "!!null" {
			return nil, nil
		}
		f.Columns, err = d.columns(r, path)
		return f, err
	case yaml.SequenceNode:
		f.Columns, err = d.columns(r, path)
		return f, err
	case yaml.MappingNode:
	default:
		return nil, wrongType(r, path, "a column name, a list of column names or a mapping")
	}
	err = d.object(r, path, map[string]func(*yaml.Node, string) error{
		"column": func(n *yaml.Node, path string) (err error) {
			f.Columns, err = d.columns(n, path)
			return err
		},
		"value": func(n *yaml.Node, path string) error {
			r, err := d.resolve(n, path)
			if err != nil {
				return err
			}
			if r.Kind == yaml.SequenceNode {
				vals := []string{}
				for i, e := range r.Content {
					s, err := d.str(e, fmt.Sprintf("%s[%d]", path, i))
					if err != nil {
						return err
					}
					vals = append(vals, s)
				}
				f.Value = vals
				return nil
			}
			s, err := d.str(r, path)
			f.Value = s
			return err
		},
		"format":  d.strInto(&f.Format),
		"time":    d.strInto(&f.Time),
		"zone":    d.strInto(&f.Zone),
		"part":    d.strInto(&f.Part),
		"split":   d.strInto(&f.Split),
		"decimal": d.strInto(&f.Decimal),
		"default": d.strInto(&f.Default),
		"click_time": func(n *yaml.Node, path string) (err error) {
			f.ClickTime, err = d.str(n, path)
			if err == nil && f.ClickTime == "" {
				err = errAt(n, path, fmt.Errorf("%w: empty column name", ErrInvalid))
			}
			return err
		},
		"hash": func(n *yaml.Node, path string) error {
			b, err := d.boolean(n, path)
			f.Hash = &b
			return err
		},
		"map": func(n *yaml.Node, path string) error {
			ps, err := d.pairs(n, path)
			if err != nil {
				return err
			}
			f.Map = make(map[string]string, len(ps))
			for _, p := range ps {
				v, err := d.str(p.value, join(path, p.key))
				if err != nil {
					return err
				}
				f.Map[p.key] = v
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	switch {
	case f.Columns == nil && f.Value == nil:
		return nil, errAt(r, path, fmt.Errorf("%w: give a column or a value", ErrMissingRequired))
	case f.Columns != nil && f.Value != nil:
		return nil, errAt(r, path, fmt.Errorf("%w: give a column or a value, not both", ErrInvalid))
	}
	return f, nil
}

// columns reads a column name or a list of them; names must not be empty.
func (d *decoder) columns(n *yaml.Node, path string) ([]string, error) {
	r, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	var nodes []*yaml.Node
	switch r.Kind {
	case yaml.ScalarNode:
		nodes = []*yaml.Node{r}
	case yaml.SequenceNode:
		if len(r.Content) == 0 {
			return nil, errAt(r, path, fmt.Errorf("%w: empty list of columns", ErrInvalid))
		}
		nodes = r.Content
	default:
		return nil, wrongType(r, path, "a column name or a list of column names")
	}
	cols := make([]string, 0, len(nodes))
	for _, e := range nodes {
		s, err := d.str(e, path)
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, errAt(e, path, fmt.Errorf("%w: empty column name", ErrInvalid))
		}
		cols = append(cols, s)
	}
	return cols, nil
}

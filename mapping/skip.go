package mapping

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// SkipRule leaves out a row that is not a conversion: a refund, a void, a
// declined payment, a lost deal, a line-item row that only continues the
// order above it. A skipped row is listed in rejects.csv with reason
// skipped and the rule's name, and does not count as a rejection (README
// "Skipping rows").
//
// A rule tests one column; the row is skipped when any of the tests set
// on the rule holds:
//
//	skip:
//	  - { column: "Financial Status", is: [refunded, voided] }
//	  - { column: "Total", negative: true, name: refund }
//	  - { column: "Financial Status", empty: true, name: line-item row }
//	  - { column: "Deal Stage", is_not: [Closed Won] }
type SkipRule struct {
	Name     string   // how rejects.csv names the rule; derived when empty
	Column   string   // the column tested
	Is       []string // skip when the cell is one of these (case and spaces ignored)
	IsNot    []string // skip when the cell is none of these
	Contains []string // skip when the cell contains one of these words (case ignored)
	Empty    bool     // skip when the cell is empty
	Negative bool     // skip when the cell is a number below zero
	Zero     bool     // skip when the cell is a number equal to zero (a comped check)
	Line     int      // line in the YAML file, for errors
}

// label is the rule's name for the reject report. It is built from the
// config only, never from a cell, so it holds no customer data.
func (r *SkipRule) label() string {
	if r.Name != "" {
		return r.Name
	}
	var parts []string
	if len(r.Is) > 0 {
		parts = append(parts, "is "+strings.Join(r.Is, "/"))
	}
	if len(r.IsNot) > 0 {
		parts = append(parts, "is not "+strings.Join(r.IsNot, "/"))
	}
	if len(r.Contains) > 0 {
		parts = append(parts, "contains "+strings.Join(r.Contains, "/"))
	}
	if r.Empty {
		parts = append(parts, "is empty")
	}
	if r.Negative {
		parts = append(parts, "is negative")
	}
	if r.Zero {
		parts = append(parts, "is zero")
	}
	return r.Column + " " + strings.Join(parts, " or ")
}

func (d *decoder) skipRules(n *yaml.Node, path string) ([]SkipRule, error) {
	r, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	if r.Kind != yaml.SequenceNode {
		return nil, wrongType(r, path, "a list of rules")
	}
	var rules []SkipRule
	for i, e := range r.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		rule := SkipRule{Line: e.Line}
		list := func(dst *[]string) func(*yaml.Node, string) error {
			return func(n *yaml.Node, path string) error {
				c, err := d.columns(n, path) // a string or a list of non-empty strings
				*dst = c
				return err
			}
		}
		err := d.object(e, p, map[string]func(*yaml.Node, string) error{
			"name":     d.strInto(&rule.Name),
			"column":   d.strInto(&rule.Column),
			"is":       list(&rule.Is),
			"is_not":   list(&rule.IsNot),
			"contains": list(&rule.Contains),
			"empty": func(n *yaml.Node, path string) (err error) {
				rule.Empty, err = d.boolean(n, path)
				return err
			},
			"negative": func(n *yaml.Node, path string) (err error) {
				rule.Negative, err = d.boolean(n, path)
				return err
			},
			"zero": func(n *yaml.Node, path string) (err error) {
				rule.Zero, err = d.boolean(n, path)
				return err
			},
		})
		if err != nil {
			return nil, err
		}
		switch {
		case strings.TrimSpace(rule.Column) == "":
			return nil, errAt(e, p+".column", fmt.Errorf("%w: name the column the rule tests", ErrMissingRequired))
		case rule.Is == nil && rule.IsNot == nil && rule.Contains == nil && !rule.Empty && !rule.Negative && !rule.Zero:
			return nil, errAt(e, p, fmt.Errorf("%w: give is, is_not, contains, empty, negative or zero", ErrMissingRequired))
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// skipPlan is a SkipRule resolved against one header.
type skipPlan struct {
	rule  *SkipRule
	col   int
	label string
}

// SkipError says that a skip rule (or a map to "") left the row out on
// purpose. Rule names the rule for the reject report.
type SkipError struct {
	Rule    string
	EventID string // the row's mapped event_id, "" when unmapped
}

func (e *SkipError) Error() string { return "skipped: " + e.Rule }

// Is makes errors.Is(err, ErrSkip) hold for every SkipError.
func (e *SkipError) Is(target error) bool { return target == ErrSkip }

// ErrSkip is what every *SkipError matches with errors.Is.
var ErrSkip = errors.New("skipped")

// skips reports the first rule that leaves the row out, or nil.
func (m *Mapper) skips(cells []string) *SkipError {
	for i := range m.skip {
		s := &m.skip[i]
		v := ""
		if s.col < len(cells) {
			v = cleanCell(cells[s.col])
		}
		if s.rule.matches(v) {
			return &SkipError{Rule: s.label}
		}
	}
	return nil
}

func (r *SkipRule) matches(v string) bool {
	if r.Empty && v == "" {
		return true
	}
	if v == "" {
		// Only empty: true speaks of empty cells; is_not leaves them
		// alone, since line-item rows have a rule of their own.
		return false
	}
	if containsFold(r.Is, v) {
		return true
	}
	if r.IsNot != nil && !containsFold(r.IsNot, v) {
		return true
	}
	if len(r.Contains) > 0 {
		// Words, not substrings: "test" must not skip "Contest" or
		// "latest".
		padded := " " + strings.Join(strings.FieldsFunc(strings.ToLower(v), notWordRune), " ") + " "
		for _, c := range r.Contains {
			w := strings.Join(strings.FieldsFunc(strings.ToLower(c), notWordRune), " ")
			if w != "" && strings.Contains(padded, " "+w+" ") {
				return true
			}
		}
	}
	if r.Negative || r.Zero {
		f, ok := amount(v)
		if ok && (r.Negative && f < 0 || r.Zero && f == 0) {
			return true
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), v) {
			return true
		}
	}
	return false
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// amount reads a cell as a number with either decimal separator, and
// accounting notation ("(12.50)") as negative.
func amount(v string) (float64, bool) {
	neg := false
	if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") {
		v, neg = strings.Trim(v, "()"), true
	}
	for _, dec := range []byte{'.', ','} {
		if f, err := parseDecimal(v, dec); err == nil {
			if neg {
				f = -f
			}
			return f, true
		}
	}
	return 0, false
}

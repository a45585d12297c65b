package web

import (
	"regexp"
	"strings"
)

// checkItem is one of init's guesses that a person should read: the text
// of a CHECK comment of the proposal, the config key it sits at, and the
// columns it names.
type checkItem struct {
	Text    string
	Key     string   // "pixel_id", "event_time", "custom_data.value", …
	Columns []string // column names quoted in the text
}

var (
	keyLineRE = regexp.MustCompile(`^(\s*)(?:- )?([A-Za-z_][A-Za-z0-9_]*):`)
	quotedRE  = regexp.MustCompile(`"([^"]+)"`)
)

// parseChecks finds the CHECK comments of a proposal (suggest.Propose's
// output) and ties each to the key it comments: the key on the same line
// for a trailing comment, else the next key below a comment block.
func parseChecks(yaml []byte) []checkItem {
	lines := strings.Split(string(yaml), "\n")
	var items []checkItem
	var parents []string // key path by indentation
	var indents []int
	var pending []string // a comment block waiting for its key
	pendingCheck := false
	keyAt := func(indent int, key string) string {
		for len(indents) > 0 && indents[len(indents)-1] >= indent {
			indents, parents = indents[:len(indents)-1], parents[:len(parents)-1]
		}
		path := key
		if len(parents) > 0 {
			path = parents[len(parents)-1] + "." + key
		}
		indents, parents = append(indents, indent), append(parents, path)
		return path
	}
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "#") {
			text := strings.TrimSpace(strings.TrimPrefix(trimmed, "#"))
			if text == "" {
				pending, pendingCheck = nil, false
				continue
			}
			// A comment after a finished sentence starts a block of its
			// own; otherwise it continues the one above.
			if strings.HasPrefix(text, "CHECK") || len(pending) == 0 || strings.HasSuffix(pending[len(pending)-1], ".") {
				if len(pending) > 0 && pendingCheck {
					items = append(items, checkItem{Text: strings.Join(pending, " ")})
				}
				pending, pendingCheck = nil, strings.Contains(text, "CHECK")
			}
			pending = append(pending, text)
			continue
		}
		m := keyLineRE.FindStringSubmatch(l)
		if m == nil && strings.HasPrefix(trimmed, "- ") {
			// An entry of a list (skip rules) closes the block above it.
			if pendingCheck {
				items = append(items, checkItem{Text: strings.Join(pending, " "), Key: parents[len(parents)-1]})
			}
			pending, pendingCheck = nil, false
			continue
		}
		if m == nil {
			if trimmed == "" && pendingCheck {
				items = append(items, checkItem{Text: strings.Join(pending, " ")})
			}
			if trimmed == "" {
				pending, pendingCheck = nil, false
			}
			continue
		}
		key := m[2]
		if strings.HasPrefix(strings.TrimSpace(l), "- ") {
			key = "skip"
		}
		path := keyAt(len(m[1]), key)
		if pendingCheck {
			items = append(items, checkItem{Text: strings.Join(pending, " "), Key: path})
		}
		pending, pendingCheck = nil, false
		if i := strings.Index(l, " # "); i >= 0 && strings.Contains(l[i:], "CHECK") {
			items = append(items, checkItem{Text: strings.TrimSpace(l[i+3:]), Key: path})
		}
	}
	for i := range items {
		items[i].Text = strings.TrimPrefix(strings.TrimPrefix(items[i].Text, "CHECK:"), "CHECK")
		items[i].Text = strings.TrimSpace(items[i].Text)
		// The first quoted name is the column the guess is about; the
		// others are the alternatives it mentions.
		if q := quotedRE.FindStringSubmatch(items[i].Text); q != nil {
			items[i].Columns = []string{q[1]}
		}
		items[i].Key = strings.TrimPrefix(items[i].Key, "fields.")
	}
	return items
}

package suggest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"capi-upload/mapping"
)

// This file holds what real exports taught the proposal: exports carry
// many columns that look like a role (ids that look like phones, five
// amounts, four dates), rows that are not conversions, and names, dates
// and times written in ways the first version did not expect.

// idWords mark a column name that holds identifiers: such a column never
// gets a customer key or a time from its values alone (a 13-digit order
// id passes for a phone number, a device id for an Excel serial).
var idWords = []string{"id", "ids", "nr", "no", "number", "num", "record", "ref", "reference", "guid",
	"uuid", "key", "serial", "hash", "token", "auth", "code", "suffix", "pan", "rate", "probability"}

// isIDHeader reports a header made for identifiers, or one of the
// columns Dynamics 365 adds for its own bookkeeping.
func isIDHeader(h string) bool {
	if strings.HasPrefix(strings.TrimSpace(h), "(Do Not Modify)") {
		return true
	}
	return slices.ContainsFunc(strings.Fields(normalizeHeader(h)), func(w string) bool { return slices.Contains(idWords, w) })
}

// markIDColumns runs before detectByValue: Dynamics' hidden columns lose
// any role, and id columns are kept from value-based roles.
func (p *proposal) markIDColumns() {
	for _, c := range p.cols {
		if strings.HasPrefix(strings.TrimSpace(c.header), "(Do Not Modify)") {
			c.role, c.idLike = roleNone, true
			c.note = "Dynamics 365's own bookkeeping column"
			continue
		}
		if isIDHeader(c.header) {
			c.idLike = true
			// A "Record ID" or "Phone number" keeps a role its name
			// gives only where the name is explicit about it.
			if c.role == rolePhone || c.role == roleEmail {
				continue
			}
			if c.role == roleEventTime {
				c.role = roleNone
			}
		}
		// A store's own customer number (Customer ID, Kundennr.) only
		// helps Meta when the same id reaches it from other channels
		// too; loyalty, member, user and external ids are made for that.
		if c.role == roleExternalID && !slices.ContainsFunc(strings.Fields(normalizeHeader(c.header)), func(w string) bool {
			return w == "loyalty" || w == "member" || w == "membership" || w == "user" || w == "userid" ||
				w == "external" || w == "externalid" || w == "crm"
		}) {
			c.role = roleNone
			c.note = "a customer number: map it to external_id only if the same id reaches Meta from other channels (the pixel, the app)"
			continue
		}
		// A "Loyalty" column of amounts (points or money redeemed) is
		// not a loyalty id.
		if c.role == roleExternalID && c.share(func(v string) bool { return isMoney(v) && decimalOf(v) != 0 }) >= 0.5 {
			c.role = roleNone
			continue
		}
		// An "Account Name" or "Company" is a business, not a person:
		// never an external_id.
		if c.role == roleExternalID && slices.ContainsFunc(strings.Fields(normalizeHeader(c.header)), func(w string) bool {
			return w == "name" || w == "company" || w == "organization" || w == "organisation" || w == "owner"
		}) {
			c.role = roleNone
		}
	}
}

// scored is a header scored by the words in it.
type wordScore struct {
	words string // a word or a phrase of normalizeHeader's output
	score int
}

func headerScore(h string, table []wordScore) int {
	padded := " " + normalizeHeader(h) + " "
	s := 0
	for _, ws := range table {
		if strings.Contains(padded, " "+ws.words+" ") {
			s += ws.score
		}
	}
	return s
}

// eventTimeWords rank the time columns of an export: the sale, payment,
// close or win is the event; creation, modification, last activity,
// expected dates and losses are not.
var eventTimeWords = []wordScore{
	{"won", 8}, {"closed", 5}, {"close", 5}, {"closing", 5}, {"paid", 5}, {"sale", 4}, {"sold", 4},
	{"transaction", 4}, {"purchase", 4}, {"order", 3}, {"opened", 3}, {"completed", 4}, {"timestamp", 3},
	{"submitted", 3}, {"status last changed", 6}, {"stage change", 3}, {"date", 1}, {"datum", 1}, {"fecha", 1},
	{"created", -3}, {"create", -3}, {"modified", -6}, {"update", -6}, {"updated", -6}, {"last", -4},
	{"next", -6}, {"expected", -6}, {"activity", -4}, {"lost", -9}, {"fulfilled", -3}, {"cancelled", -9},
	{"canceled", -9}, {"deposit", -6}, {"due", -6}, {"birth", -9}, {"refund", -9}, {"refunded", -9}, {"shipped", -2},
	{"recent deal close", 3},
}

// valueWords rank the amount columns: the order's total, not its parts,
// fees, taxes or forecasts.
var valueWords = []wordScore{
	{"total", 5}, {"total collected", 2}, {"order total", 2}, {"amount", 4}, {"brutto", 5}, {"gross", 2},
	{"revenue", 3}, {"value", 3}, {"betrag", 4}, {"importe", 4}, {"montant", 4}, {"umsatz", 3},
	{"subtotal", -5}, {"tax", -8}, {"taxes", -8}, {"mwst", -8}, {"vat", -8}, {"tip", -8}, {"shipping", -8},
	{"discount", -8}, {"discounts", -8}, {"fee", -8}, {"fees", -8}, {"net", -3}, {"netto", -3},
	{"weighted", -8}, {"expected", -8}, {"refund", -8}, {"refunds", -8}, {"refunded", -8}, {"price", -2},
	{"lineitem", -6}, {"balance", -6}, {"outstanding", -6}, {"deposit", -8}, {"service", -5},
	{"exchange", -9}, {"partial", -8}, {"gift", -6}, {"cash", -5}, {"card", -5}, {"tender", -5},
	{"payments", -1}, {"compare", -8}, {"duties", -8}, {"charges", -5},
}

// rankRoles keeps, for event_time and value, the best-named candidate
// first, so that settleRoles keeps it; the others are noted.
func (p *proposal) rankRoles() {
	for _, r := range []struct {
		role  role
		table []wordScore
	}{{roleEventTime, eventTimeWords}, {roleValue, valueWords}} {
		var cands []*column
		for _, c := range p.cols {
			if c.role == r.role {
				cands = append(cands, c)
			}
		}
		if len(cands) < 2 {
			continue
		}
		score := func(c *column) int {
			s := headerScore(c.header, r.table) * 2
			if p.rows > 0 {
				s += 2 * len(c.values) / p.rows // filled columns win ties
			}
			return s
		}
		best := cands[0]
		for _, c := range cands[1:] {
			if score(c) > score(best) {
				best = c
			}
		}
		var others []string
		for _, c := range cands {
			if c != best {
				c.role, c.byValue = roleNone, false
				c.note = fmt.Sprintf("also looks like %s; %q was taken", r.role, best.header)
				others = append(others, q(c.header))
			}
		}
		if len(others) > 4 {
			others = append(others[:4], fmt.Sprintf("%d more", len(others)-4))
		}
		best.byValue = false // named or not, it is the choice
		if r.role == roleEventTime {
			p.timeOthers = others
		} else {
			p.valueOthers = others
		}
	}
}

// personNameExcluded are words of a "… Name" header that is not a person.
var personNameExcluded = []string{"company", "account", "organization", "organisation", "deal", "owner",
	"staff", "server", "employee", "creator", "product", "item", "lineitem", "store", "location", "device",
	"vendor", "tax", "discount", "shipping", "method", "campaign", "ad", "form", "file", "user", "bediener",
	"opportunity", "event", "page", "list", "first", "last", "given", "family", "sur", "title"}

// looksLikePersonName: two or more words of letters, no digits or '#'.
func looksLikePersonName(v string) bool {
	if strings.ContainsAny(v, "0123456789#@&/") {
		return false
	}
	return len(strings.Fields(v)) >= 2
}

// chooseFullName maps a full-name column to fn and ln (first and last
// part) when no column holds them apart.
func (p *proposal) chooseFullName() {
	if p.one(roleFirstName) != nil || p.one(roleLastName) != nil {
		return
	}
	var best *column
	bestScore := 0
	for _, c := range p.cols {
		words := strings.Fields(normalizeHeader(c.header))
		if len(words) == 0 || c.idLike || len(c.values) == 0 {
			continue
		}
		named := c.role == roleFullName || words[len(words)-1] == "name" || words[len(words)-1] == "person" ||
			slices.Equal(words, []string{"customer"}) || slices.Equal(words, []string{"kunde"})
		if !named || slices.ContainsFunc(words, func(w string) bool { return slices.Contains(personNameExcluded, w) }) {
			continue
		}
		if c.role != roleNone && c.role != roleFullName && c.role != roleExternalID {
			continue
		}
		if c.share(looksLikePersonName) < 0.5 {
			continue
		}
		s := 1
		switch {
		case slices.Contains(words, "billing") || slices.Contains(words, "customer") || slices.Contains(words, "contact") || slices.Contains(words, "full"):
			s = 5
		case slices.Contains(words, "person"):
			s = 4
		}
		if s > bestScore {
			best, bestScore = c, s
		}
	}
	if best == nil {
		return
	}
	if best.role == roleExternalID {
		p.byRole[roleExternalID] = slices.DeleteFunc(p.byRole[roleExternalID], func(c *column) bool { return c == best })
	}
	best.role = roleFullName
	p.fullName = best
}

// timeOfDayLayouts are how exports write a time alone.
var timeOfDayLayouts = []string{"15:04:05", "15:04", "03:04 PM", "3:04 PM", "03:04:05 PM", "3:04:05 PM", "03:04PM", "3:04PM"}

func timeOfDayLayout(values []string) string {
	for _, l := range timeOfDayLayouts {
		n := 0
		for _, v := range values {
			if _, err := time.Parse(l, v); err == nil {
				n++
			}
		}
		if len(values) > 0 && n*10 >= len(values)*8 {
			return l
		}
	}
	return ""
}

// chooseTimeParts finds, beside a date-only event_time, the column with
// the time of day (Square's Time, a German Uhrzeit, Toast's Opened Time)
// and a column naming each row's time zone (Square's Time Zone).
func (p *proposal) chooseTimeParts() {
	c := p.eventTime
	if c == nil {
		return
	}
	f := p.timeFmt.format
	dateOnly := c.dates == 0 && f != "" && !strings.Contains(f, "15") && !strings.Contains(f, "3:04") &&
		f != "excel" && f != "unix" && f != "unix_ms" && f != "rfc3339"
	for _, t := range p.cols {
		if t == c || len(t.values) == 0 {
			continue
		}
		words := strings.Fields(normalizeHeader(t.header))
		if dateOnly && p.timeCol == nil {
			if l := timeOfDayLayout(t.values); l != "" && (slices.Contains(words, "time") || slices.Contains(words, "uhrzeit") || slices.Contains(words, "zeit") || slices.Contains(words, "hora") || slices.Contains(words, "heure")) {
				p.timeCol, t.role = t, roleNone
				t.note = ""
				p.timeFmt.format = p.timeFmt.format + " " + l
				p.timeFmt.ambiguous = false
				continue
			}
		}
		if p.zoneCol == nil && (slices.Contains(words, "zone") || slices.Contains(words, "timezone") || slices.Contains(words, "tz")) {
			if t.share(func(v string) bool { _, err := mapping.LoadZone(v); return err == nil }) >= 0.8 {
				p.zoneCol, t.role = t, roleNone
				t.note = ""
			}
		}
	}
	if p.zoneCol != nil {
		p.tzWhy = fmt.Sprintf("Each row's own zone is read from %q; this one serves rows where it is blank.", p.zoneCol.header)
	}
}

// Status values: those of a sale or a won deal, and those of rows that
// are not conversions (refunds, voids, failed payments, lost or open
// deals), in the words exports use.
var (
	wonValues = []string{"paid", "complete", "completed", "success", "succeeded", "captured", "settled",
		"closed won", "won", "customer", "payment", "sale", "beleg", "authorized", "partially refunded",
		"partially_refunded", "approved", "fulfilled", "converted", "contract signed", "processing", "closed"}
	notWonValues = []string{"refunded", "voided", "void", "failed", "declined", "cancelled", "canceled",
		"pending", "expired", "closed lost", "lost", "open", "refund", "return", "storno", "retoure",
		"gutschrift", "abandoned", "unpaid", "in progress", "lead", "marketing qualified lead",
		"sales qualified lead", "opportunity", "subscriber", "negotiation review", "proposal made",
		"qualification", "needs analysis", "prospecting", "value proposition", "id decision makers",
		"perception analysis", "proposal price quote", "negotiation", "evangelist", "other", "unqualified",
		"disqualified", "on hold", "reversed", "chargeback", "dispute", "partially paid", "authorization",
		"abgebrochen", "annulé", "annule", "on hold", "onhold", "awaiting payment"}
	statusWords = []string{"status", "stage", "state", "typ", "type", "lifecycle", "phase", "stufe"}
)

// chooseSkips proposes skip rules for the rows that are not conversions:
// a status, stage or type column whose values say refund, void, lost or
// open (a CRM's won rows become the conversion, the rest are skipped),
// negative or zero amounts, line-item rows that only continue the order
// above them, test orders, and a report's title and footer lines.
func (p *proposal) chooseSkips() {
	value := p.one(roleValue)
	for _, c := range p.cols {
		// Conversion Leads: every stage is an event of its own.
		if p.leadID != nil || c == p.eventName.col || len(c.values) == 0 || c.idLike {
			continue
		}
		words := strings.Fields(normalizeHeader(c.header))
		if !slices.ContainsFunc(words, func(w string) bool { return slices.Contains(statusWords, w) }) {
			continue
		}
		distinct := map[string]string{} // folded → as written
		for _, v := range c.values {
			distinct[normalizeHeader(v)] = v
		}
		if len(distinct) > 15 {
			continue
		}
		var won, notWon []string
		unknown := 0
		for f, v := range distinct {
			switch {
			case slices.Contains(wonValues, f):
				won = append(won, v)
			case slices.Contains(notWonValues, f):
				notWon = append(notWon, v)
			default:
				unknown++
			}
		}
		if len(notWon) == 0 || unknown > len(distinct)/2 {
			continue
		}
		slices.Sort(won)
		slices.Sort(notWon)
		crm := slices.ContainsFunc(words, func(w string) bool { return w == "stage" || w == "lifecycle" || w == "phase" })
		if len(won) > 0 && (crm || unknown > 0) {
			p.skips = append(p.skips, skipChoice{column: c, isNot: won,
				why: fmt.Sprintf("only %s rows of %q are conversions: CHECK the list", strings.Join(quoteAll(won), ", "), c.header)})
		} else {
			p.skips = append(p.skips, skipChoice{column: c, is: notWon,
				why: fmt.Sprintf("%q says these rows are not conversions: CHECK the list", c.header)})
		}
		// A status blank on some rows of an order export marks the rows
		// that only continue the order above (Shopify's line items).
		if len(c.values) < p.rows && p.one(roleOrderID) != nil {
			p.skips = append(p.skips, skipChoice{column: c, empty: true, name: "line-item row",
				why: fmt.Sprintf("%q is blank on rows that only continue the order above", c.header)})
		}
	}
	// Line-item exports (one row per item, the order's fields on its first
	// row only): rows whose amount is blank while their order number
	// repeats only continue the order above.
	if o := p.one(roleOrderID); value != nil && o != nil && !slices.ContainsFunc(p.skips, func(s skipChoice) bool { return s.name == "line-item row" }) {
		seen, continued := map[string]bool{}, false
		for _, row := range p.sample {
			id := row[o.index]
			if id != "" && seen[id] && row[value.index] == "" {
				continued = true
			}
			seen[id] = true
		}
		if continued {
			p.skips = append(p.skips, skipChoice{column: value, empty: true, name: "line-item row",
				why: fmt.Sprintf("%q is blank on rows that only continue the order above", value.header)})
		}
	}
	if value != nil && p.eventName.value == "Purchase" {
		neg, zero := false, false
		for _, v := range value.values {
			s := strings.TrimSpace(stripMoney(v))
			neg = neg || strings.HasPrefix(s, "-") || strings.HasPrefix(strings.TrimSpace(v), "-") || strings.HasPrefix(v, "(")
			zero = zero || strings.Trim(s, "0.,") == ""
		}
		if neg || zero {
			p.skips = append(p.skips, skipChoice{column: value, negative: neg, zero: zero, name: "refund or no-charge sale",
				why: fmt.Sprintf("%q has amounts of zero or below: refunds, voids, comps", value.header)})
		}
	}
	p.chooseTestSkip()
	p.chooseFooterSkip()
}

// chooseTestSkip skips test orders: a tag, note or name column where a
// sample value is the word "test".
func (p *proposal) chooseTestSkip() {
	order := func(c *column) int {
		w := normalizeHeader(c.header)
		switch {
		case strings.Contains(w, "tag"):
			return 0
		case strings.Contains(w, "note"):
			return 1
		case c == p.fullName || c.role == roleFirstName || c.role == roleLastName:
			return 2
		case c.role == roleOrderID || c == p.eventID:
			return 3
		}
		return -1
	}
	var best *column
	for _, c := range p.cols {
		if order(c) < 0 || (best != nil && order(c) >= order(best)) {
			continue
		}
		if slices.ContainsFunc(c.values, func(v string) bool {
			f := strings.Fields(normalizeHeader(v))
			return len(f) > 0 && f[0] == "test"
		}) {
			best = c
		}
	}
	if best != nil {
		p.skips = append(p.skips, skipChoice{column: best, contains: []string{"test"}, name: "test order",
			why: fmt.Sprintf("%q marks test orders", best.header)})
	}
}

// chooseFooterSkip skips a report's title and footer lines ("Grand
// Totals", "Confidential"): rows with one or two cells filled, none of
// them the event time.
func (p *proposal) chooseFooterSkip() {
	if p.eventTime == nil {
		return
	}
	for _, row := range p.sample {
		filled := 0
		for _, v := range row {
			if v != "" {
				filled++
			}
		}
		if filled > 0 && filled <= 2 && len(p.cols) >= 6 && row[p.eventTime.index] == "" {
			p.skips = append(p.skips, skipChoice{column: p.eventTime, empty: true, name: "report title or footer line",
				why: "the report has lines that are not records"})
			return
		}
	}
}

// skipChoice is one proposed skip rule.
type skipChoice struct {
	column                *column
	name                  string
	is, isNot, contains   []string
	empty, negative, zero bool
	why                   string
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = q(v)
	}
	return out
}

func (p *proposal) renderSkips(w *yamlWriter) {
	if len(p.skips) == 0 {
		return
	}
	w.blank()
	w.comment(0, "Rows that are not conversions are skipped: rejects.csv lists each with reason skipped and the rule's name, and they do not count as rejected.")
	w.line(0, "skip:")
	for _, s := range p.skips {
		w.comment(2, "%s", s.why)
		parts := []string{"column: " + q(s.column.header)}
		if s.name != "" {
			parts = append(parts, "name: "+q(s.name))
		}
		if len(s.is) > 0 {
			parts = append(parts, "is: ["+strings.Join(quoteAll(s.is), ", ")+"]")
		}
		if len(s.isNot) > 0 {
			parts = append(parts, "is_not: ["+strings.Join(quoteAll(s.isNot), ", ")+"]")
		}
		if len(s.contains) > 0 {
			parts = append(parts, "contains: ["+strings.Join(quoteAll(s.contains), ", ")+"]")
		}
		if s.empty {
			parts = append(parts, "empty: true")
		}
		if s.negative {
			parts = append(parts, "negative: true")
		}
		if s.zero {
			parts = append(parts, "zero: true")
		}
		w.line(2, "- { %s }", strings.Join(parts, ", "))
	}
}

// leadIDWords name a Lead Ads lead id column.
var leadIDWords = []string{"lead id", "leadgen id", "facebook lead id", "fb lead id", "meta lead id", "lead ads id"}

// chooseLeads proposes the Conversion Leads profile when a column holds
// Lead Ads lead ids (15 to 17 digits), with a stage column as the event
// name and the CRM named when the header tells which.
func (p *proposal) chooseLeads() {
	for _, c := range p.cols {
		n := normalizeHeader(c.header)
		named := slices.ContainsFunc(leadIDWords, func(w string) bool { return n == w || strings.HasSuffix(n, " "+w) })
		digits := c.share(func(v string) bool {
			v = strings.TrimPrefix(v, "l:")
			return len(v) >= 15 && len(v) <= 17 && strings.Trim(v, "0123456789") == ""
		})
		if len(c.values) > 0 && (named && digits >= 0.5 || digits >= 0.9 && strings.Contains(n, "lead")) {
			p.leadID = c
			c.role, c.note = roleNone, ""
			break
		}
	}
	if p.leadID == nil {
		return
	}
	for _, c := range p.cols {
		words := strings.Fields(normalizeHeader(c.header))
		if c != p.leadID && len(c.values) > 0 && (slices.Contains(words, "stage") || slices.Contains(words, "status") && !slices.Contains(words, "changed")) {
			p.stage = c
			break
		}
	}
	p.crm = crmOf(p.header, p.cols)
	if p.crm == "" {
		for _, crm := range []string{"Salesforce", "HubSpot", "Dynamics", "Zoho", "Pipedrive"} {
			if strings.Contains(strings.ToLower(p.opt.File), strings.ToLower(crm)) {
				p.crm = crm
			}
		}
	}
}

// crmOf names the CRM an export comes from by the columns it writes, or
// "" when the header does not tell.
func crmOf(header []string, cols []*column) string {
	has := func(name string) bool {
		return slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), name) })
	}
	switch {
	case slices.ContainsFunc(header, func(h string) bool { return strings.HasPrefix(strings.TrimSpace(h), "(Do Not Modify)") }):
		return "Dynamics"
	case has("Lifecycle Stage") || has("Record ID") && has("Create Date"):
		return "HubSpot"
	case has("Lead Status") || has("Lead Owner") || has("Opportunity Owner"):
		return "Salesforce"
	case slices.ContainsFunc(header, func(h string) bool { return strings.HasPrefix(h, "Deal - ") || strings.HasPrefix(h, "Person - ") }):
		return "Pipedrive"
	}
	for _, c := range cols {
		if slices.ContainsFunc(c.values, func(v string) bool { return strings.HasPrefix(v, "zcrm_") }) {
			return "Zoho"
		}
	}
	return ""
}

package suggest

import (
	"fmt"
	"slices"
	"strings"
)

// chooseTimes picks the time zone and the formats of event_time and db.
func (p *proposal) chooseTimes() {
	if tz, ok := countryZone[p.country]; ok {
		p.timezone = tz
		p.tzWhy = "The time zone of " + p.country + ": CHECK it is where the times were recorded."
	} else {
		p.timezone = "UTC"
		p.tzWhy = p.country + " has several time zones or none is known: CHECK, and set the one the times were recorded in (e.g. America/Chicago)."
	}
	preferDay := !monthFirst[p.country]
	if c := p.one(roleEventTime); c != nil {
		p.eventTime = c
		p.timeFmt = proposeColumnTime(c, preferDay)
		if f := p.timeFmt.format; f == "rfc3339" || f == "unix" || f == "unix_ms" || strings.Contains(f, "-0700") || strings.Contains(f, "-07:00") {
			p.tzWhy = "The times carry their own offset, so this zone only serves times that lack one."
		}
	}
	if c := p.one(roleBirthday); c != nil {
		p.birthFmt = proposeColumnTime(c, preferDay)
	}
}

// proposeColumnTime is proposeTime for a column, whose date cells need no
// format: "excel" is proposed for them, which also reads the serials of
// dates typed into cells without a date format.
func proposeColumnTime(c *column, preferDay bool) timeFormat {
	if c.dates > 0 && c.dates == len(c.values) {
		return timeFormat{format: "excel", parsed: c.dates, sample: c.values[0], cells: true}
	}
	return proposeTime(c.values, preferDay)
}

// metaEvents are Meta's standard event names, matched without case.
var metaEvents = []string{
	"AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact",
	"CustomizeProduct", "Donate", "FindLocation", "InitiateCheckout", "Lead", "Purchase",
	"Schedule", "Search", "StartTrial", "SubmitApplication", "Subscribe", "ViewContent",
}

// Words for rows that are not conversions (returns, voids) and for sales,
// in the languages exports come in; a type column holding only such
// words is mapped to Purchase and "" (skip).
var (
	notConversionWords = []string{"return", "returns", "refund", "refunded", "void", "voided", "storno",
		"retour", "devolucion", "devolucao", "cancel", "canceled", "cancelled", "annulation", "rueckgabe",
		"ruckgabe", "gutschrift", "credit", "exchange", "reembolso", "remboursement"}
	saleWords = []string{"sale", "sales", "purchase", "purchased", "verkauf", "vente", "venta", "venda",
		"order", "kauf", "paid", "completed", "complete", "achat", "compra", "bestellung"}
)

type eventNameChoice struct {
	col   *column           // nil: a constant
	value string            // the constant
	m     map[string]string // cell value → event name ("" skips)
	why   string
}

// chooseEventName maps an event or type column when every value it holds
// can be named, else proposes a constant.
func (p *proposal) chooseEventName() {
	hasValue := p.one(roleValue) != nil
	if c := p.one(roleEventName); c != nil {
		if m, ok := eventMap(c.values, hasValue); ok {
			p.eventName = eventNameChoice{col: c, m: m}
			return
		}
		c.note = "values are not Meta event names: map them to event_name with `map` if they should be"
		c.role = roleNone
		p.byRole[roleEventName] = nil
	}
	if hasValue {
		p.eventName = eventNameChoice{value: "Purchase", why: "the file has amounts: CHECK"}
		return
	}
	p.eventName = eventNameChoice{value: "Lead", why: "no amount column, so not Purchase: CHECK which event these rows are"}
}

// eventMap returns the map from each distinct value to an event name;
// ok is false when a value cannot be named or there are too many values
// for a type column. An identity map is returned as nil.
func eventMap(values []string, hasValue bool) (map[string]string, bool) {
	distinct := map[string]bool{}
	for _, v := range values {
		distinct[v] = true
	}
	if len(distinct) == 0 || len(distinct) > 12 {
		return nil, false
	}
	m := map[string]string{}
	identity := true
	for v := range distinct {
		name, ok := eventName(v, hasValue)
		if !ok {
			return nil, false
		}
		m[v] = name
		identity = identity && name == v
	}
	if identity {
		return nil, true
	}
	return m, true
}

func eventName(v string, hasValue bool) (string, bool) {
	for _, e := range metaEvents {
		if strings.EqualFold(v, e) {
			return e, true
		}
	}
	w := normalizeHeader(v)
	if slices.Contains(notConversionWords, w) {
		return "", true
	}
	if hasValue && slices.Contains(saleWords, w) {
		return "Purchase", true
	}
	return "", false
}

var phoneWords = []string{"phone", "call", "calls", "telephone", "telefon", "telefono", "anruf", "appel", "llamada", "ligacao"}

// chooseActionSource proposes physical_store unless the file is about
// phone calls: a column named for calls, or a channel column whose values
// mostly say phone.
func (p *proposal) chooseActionSource() {
	p.action, p.actionWhy = "physical_store", "CHECK: phone_call for sales by phone, system_generated or other for CRM events"
	for _, c := range p.cols {
		for w := range strings.FieldsSeq(normalizeHeader(c.header)) {
			if w == "call" || w == "calls" || w == "anruf" || w == "appel" || w == "llamada" {
				p.action, p.actionWhy = "phone_call", fmt.Sprintf("Column %q is about calls: CHECK", c.header)
				return
			}
		}
	}
	if c := p.one(roleChannel); c != nil {
		if c.share(func(v string) bool {
			return slices.ContainsFunc(strings.Fields(normalizeHeader(v)), func(w string) bool { return slices.Contains(phoneWords, w) })
		}) > 0.5 {
			p.action, p.actionWhy = "phone_call", fmt.Sprintf("Most values of %q say phone: CHECK", c.header)
		}
	}
}

// chooseEventID proposes event_id from the order column when nearly every
// row has one and they are (nearly) unique, or else from a column whose
// values look like unique ids. Without one, event_id is left out and
// capi-upload derives it from the event's content.
func (p *proposal) chooseEventID() {
	if c := p.one(roleOrderID); c != nil {
		if p.filled(c) >= 0.95 && uniqueShare(c.values) >= 0.8 {
			p.eventID = c
			p.eventIDWhy = "One per sale in the sample, so a re-exported row is not sent twice"
		} else {
			p.eventIDWhy = fmt.Sprintf("%q is blank or repeated in too many rows to identify events", c.header)
		}
		return
	}
	for _, c := range p.cols {
		// A lead id names the lead, not the event: each of its stage
		// changes is an event of its own. Unique times are not ids.
		if c == p.leadID || isTimeColumn(c) {
			continue
		}
		if c.role != roleNone || len(c.values) == 0 || p.filled(c) < 0.95 || uniqueShare(c.values) < 0.98 {
			continue
		}
		if c.share(idRE.MatchString) < 1 || c.share(func(v string) bool { return decimalOf(v) != 0 }) > 0 {
			continue
		}
		p.eventID, c.role = c, roleOrderID
		p.byRole[roleOrderID] = []*column{c}
		p.eventIDWhy = "Unique in the sample, so taken for an order or receipt number: CHECK"
		return
	}
}

// filled is the share of sample rows in which c is not blank, counting
// only rows that have an event time when one is known: a report's title
// and footer lines are not records.
func (p *proposal) filled(c *column) float64 {
	rows, n := 0, 0
	for _, row := range p.sample {
		if p.eventTime != nil && row[p.eventTime.index] == "" {
			continue
		}
		rows++
		if row[c.index] != "" {
			n++
		}
	}
	if rows == 0 {
		return 0
	}
	return float64(n) / float64(rows)
}

func uniqueShare(values []string) float64 {
	if len(values) == 0 {
		return 0
	}
	seen := map[string]bool{}
	for _, v := range values {
		seen[v] = true
	}
	return float64(len(seen)) / float64(len(values))
}

// listSeparators are tried in order for content_ids.
var listSeparators = []string{"|", ";", ",", "/", " "}

// chooseAmounts works out the decimal separator of the value column, the
// list separator of content_ids, and the currency when no column has one.
func (p *proposal) chooseAmounts() {
	if c := p.one(roleValue); c != nil {
		comma, dot := 0, 0
		var commaSample, dotSample string
		for _, v := range c.values {
			switch decimalOf(v) {
			case ',':
				comma++
				if commaSample == "" {
					commaSample = v
				}
			case '.':
				dot++
				if dotSample == "" {
					dotSample = v
				}
			}
		}
		switch {
		case comma > dot:
			p.decimal, p.decSample = ',', commaSample
		case dot > 0:
			p.decimal, p.decSample = '.', dotSample
		}
	}
	if c := p.one(roleContentIDs); c != nil {
		for _, sep := range listSeparators {
			if c.share(func(v string) bool { return strings.Contains(v, sep) }) >= 0.1 {
				p.split = sep
				break
			}
		}
	}
	if p.one(roleCurrency) == nil && p.one(roleValue) != nil {
		if p.currency = symbolCurrency(p.one(roleValue).values); p.currency == "" {
			p.currency = countryCurrency[p.country]
		}
		if p.currency == "" {
			p.currency = "USD"
		}
	}
}

// currencySymbols are the symbols that name one currency; a bare "$" does
// not (USD, CAD, AUD, MXN, …), nor does "kr".
var currencySymbols = []struct{ symbol, code string }{
	{"R$", "BRL"}, {"US$", "USD"}, {"C$", "CAD"}, {"A$", "AUD"}, {"€", "EUR"}, {"£", "GBP"},
	{"¥", "JPY"}, {"₹", "INR"}, {"zł", "PLN"}, {"CHF", "CHF"}, {"EUR", "EUR"}, {"USD", "USD"}, {"GBP", "GBP"},
}

// symbolCurrency returns the currency most amounts are written with
// ("R$ 20,90", "12,50 €"), or "".
func symbolCurrency(values []string) string {
	counts := map[string]int{}
	for _, v := range values {
		for _, cs := range currencySymbols {
			if strings.Contains(v, cs.symbol) {
				counts[cs.code]++
				break
			}
		}
	}
	cur, _ := majority(counts)
	if cur == "" || counts[cur]*2 < len(values) {
		return ""
	}
	return cur
}

// isTimeColumn reports a column whose values are mostly times: unique,
// but not an id.
func isTimeColumn(c *column) bool {
	return c.share(isTime) >= 0.8
}

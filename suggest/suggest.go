package suggest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"capi-upload/ingest"
	"capi-upload/mapping"

	"github.com/nyaruka/phonenumbers"
)

// DefaultSampleRows is how many data rows Propose reads when
// Options.SampleRows is 0: enough to see a day above 12 and a decimal
// separator, few enough that init answers at once on a huge file.
const DefaultSampleRows = 200

// Options tunes a proposal. The zero value is ready to use.
type Options struct {
	// File is the input's name as the user typed it; it appears in the
	// proposal's opening comment and its validate command line.
	File string
	// Sheet, when set, is written as input.sheet (the --sheet the user
	// gave init), so validate reads the same sheet.
	Sheet string
	// SampleRows is how many data rows to read; 0 means DefaultSampleRows.
	SampleRows int
	// PixelID is written as pixel_id; "" writes a placeholder of zeros
	// for the user to replace.
	PixelID string
	// HeaderRow, when above 1, is written as input.header_row: the rows
	// above it are a report's title lines.
	HeaderRow int
	// DefaultCountry (ISO 3166-1 alpha-2), when set, is written as
	// default_country: the user said so, which beats any guess. "" means
	// guess from the sample, else US.
	DefaultCountry string
}

// column is what Propose learned about one input column.
type column struct {
	index  int
	header string
	role   role
	// byValue: the role came from the values, not the name.
	byValue bool
	// vetoed: the name suggested a role its values contradict.
	vetoed role
	values []string // non-blank samples, trimmed
	// dates counts the values that were date cells of a workbook, which
	// capi-upload reads as dates whatever the column's format says.
	dates int
	// note is a comment written beside the column's mapping.
	note string
	// idLike: the name says identifiers; no role from values alone.
	idLike bool
}

// proposal is the analysed sample, rendered by render.
type proposal struct {
	opt        Options
	header     []string
	cols       []*column
	rows       int        // sample rows read
	sample     [][]string // the sample rows' cells, trimmed
	byRole     map[role][]*column
	country    string // default_country
	countryWhy string
	timezone   string
	tzWhy      string
	eventTime  *column
	timeFmt    timeFormat
	birthFmt   timeFormat
	eventName  eventNameChoice
	action     string
	actionWhy  string
	eventID    *column
	eventIDWhy string
	decimal    byte
	decSample  string
	split      string
	currency   string // constant currency when no column has it

	timeOthers, valueOthers []string // other candidates, quoted, for CHECK comments
	fullName                *column  // one column feeding fn and ln
	timeCol, zoneCol        *column  // event_time's time-of-day and zone columns
	skips                   []skipChoice
	leadID, stage           *column // Conversion Leads: lead id and stage columns
	crm                     string  // the CRM's name, when the file tells it
}

// Propose reads the header and up to Options.SampleRows rows of r and
// returns a complete, commented mapping config (YAML) for the file. It
// reads nothing else and writes nothing: the caller prints the result.
// Rows that cannot be decoded are passed over; an error that stops the
// reader, or ctx ending, is returned.
func Propose(ctx context.Context, r ingest.Reader, opt Options) ([]byte, error) {
	p, err := analyze(ctx, r, opt)
	if err != nil {
		return nil, err
	}
	return p.render(), nil
}

func analyze(ctx context.Context, r ingest.Reader, opt Options) (*proposal, error) {
	if opt.SampleRows <= 0 {
		opt.SampleRows = DefaultSampleRows
	}
	p := &proposal{opt: opt, header: r.Header(), byRole: map[role][]*column{}}
	if len(p.header) == 0 {
		return nil, fmt.Errorf("propose a config: %w", ingest.ErrNoHeader)
	}
	for i, h := range p.header {
		p.cols = append(p.cols, &column{index: i, header: h, role: ruleFor(h)})
	}
	for p.rows < opt.SampleRows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if ingest.IsRowError(err) {
			continue // one unreadable row says nothing about the columns
		}
		if err != nil {
			return nil, fmt.Errorf("read sample rows: %w", err)
		}
		p.rows++
		cells := make([]string, len(p.cols))
		for i, cell := range row.Cells {
			if i >= len(p.cols) {
				break
			}
			// A column without a name cannot be mapped (a field spec
			// names its column), so its values are not studied.
			if v := strings.TrimSpace(cell); v != "" && p.cols[i].header != "" {
				cells[i] = v
				p.cols[i].values = append(p.cols[i].values, v)
				if row.Kind(i) == ingest.CellDate {
					p.cols[i].dates++
				}
			}
		}
		p.sample = append(p.sample, cells)
	}
	p.markIDColumns()
	p.checkNamedRoles()
	p.detectByValue()
	p.chooseLeads()
	p.rankRoles()
	p.settleRoles()
	p.chooseFullName()
	p.chooseCountry()
	p.chooseTimes()
	p.chooseTimeParts()
	p.chooseEventName()
	p.chooseActionSource()
	p.chooseEventID()
	p.chooseAmounts()
	p.chooseSkips()
	return p, nil
}

// share returns the fraction of c's non-blank samples for which ok holds.
func (c *column) share(ok func(string) bool) float64 {
	if len(c.values) == 0 {
		return 0
	}
	n := 0
	for _, v := range c.values {
		if ok(v) {
			n++
		}
	}
	return float64(n) / float64(len(c.values))
}

// checkNamedRoles drops a role the name suggested when the values plainly
// say otherwise ("Mail Opt-In" holding Yes/No is not an email column), so
// that a proposal never maps a column whose every value would be refused.
func (p *proposal) checkNamedRoles() {
	for _, c := range p.cols {
		if len(c.values) < 3 {
			continue
		}
		var ok func(string) bool
		switch c.role {
		case roleEmail:
			ok = func(v string) bool { return isEmail(v) || isHash(v) }
		case rolePhone:
			ok = func(v string) bool { return isPhone(v) || isHash(v) }
		case roleEventTime:
			ok = func(v string) bool {
				_, serial := excelSerial(v)
				return serial || isTime(v) || unixSeconds(v) || unixMillis(v)
			}
		case roleValue:
			ok = isMoney
		default:
			continue
		}
		if c.share(ok) < 0.3 {
			c.vetoed, c.role = c.role, roleNone
		}
	}
}

// detectByValue gives a role to columns whose names said nothing, from
// what at least 80% of their values look like.
func (p *proposal) detectByValue() {
	for _, c := range p.cols {
		if c.role != roleNone || len(c.values) == 0 {
			continue
		}
		if c.idLike {
			// An id column is a phone column only when its values are
			// written as phone numbers are ("(415) 555-0101"), never
			// for bare digits, which ids are.
			if c.share(func(v string) bool { return isPhone(v) && strings.ContainsAny(v, " -()+") }) >= 0.8 {
				c.role, c.byValue = rolePhone, true
			}
			continue
		}
		switch {
		case c.share(isEmail) >= 0.8:
			c.role = roleEmail
		case c.share(isHash) >= 0.8:
			c.role = roleEmail
			c.note = "SHA-256 hashes, taken for hashed emails: CHECK which key they are"
		case c.share(isPhone) >= 0.8:
			c.role = rolePhone
		case c.share(func(v string) bool { _, ok := excelSerial(v); return ok || isTime(v) }) >= 0.8:
			c.role = roleEventTime
		case c.share(isMoney) >= 0.8 && c.share(func(v string) bool { return decimalOf(v) != 0 }) > 0.5:
			c.role = roleValue
		default:
			continue
		}
		c.byValue = true
	}
}

// multi lists the roles that take several columns (README "Mapping config": "several
// columns: an array of values").
var multi = map[role]bool{roleEmail: true, rolePhone: true}

// settleRoles keeps one column per single-valued role, preferring a
// column recognized by name over one recognized by its values.
func (p *proposal) settleRoles() {
	for _, c := range p.cols {
		if c.role == roleNone {
			continue
		}
		have := p.byRole[c.role]
		if len(have) > 0 && !multi[c.role] {
			if have[0].byValue && !c.byValue {
				have[0].role = roleNone
				p.byRole[c.role] = []*column{c}
				continue
			}
			c.note = "also looks like " + string(c.role) + `; "` + have[0].header + `" was taken`
			c.role = roleNone
			continue
		}
		p.byRole[c.role] = append(have, c)
	}
}

func (p *proposal) one(r role) *column {
	if cs := p.byRole[r]; len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// countryCurrency is the currency of the countries whose exports this
// tool meets most; it proposes a currency when no column holds one.
var countryCurrency = map[string]string{
	"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "BR": "BRL", "MX": "MXN",
	"CH": "CHF", "JP": "JPY", "IN": "INR", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN",
	"CZ": "CZK", "ZA": "ZAR", "SG": "SGD", "HK": "HKD", "AR": "ARS", "CO": "COP", "CL": "CLP",
	"DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR",
	"IE": "EUR", "PT": "EUR", "FI": "EUR", "GR": "EUR",
}

// countryZone holds the countries with one time zone for (nearly) all of
// their people; elsewhere the zone is a question only the user can answer.
var countryZone = map[string]string{
	"GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "FR": "Europe/Paris",
	"ES": "Europe/Madrid", "IT": "Europe/Rome", "NL": "Europe/Amsterdam", "BE": "Europe/Brussels",
	"AT": "Europe/Vienna", "CH": "Europe/Zurich", "PL": "Europe/Warsaw", "SE": "Europe/Stockholm",
	"NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "PT": "Europe/Lisbon",
	"CZ": "Europe/Prague", "GR": "Europe/Athens", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
	"IN": "Asia/Kolkata", "SG": "Asia/Singapore", "HK": "Asia/Hong_Kong", "ZA": "Africa/Johannesburg",
	"IL": "Asia/Jerusalem", "AE": "Asia/Dubai", "NZ": "Pacific/Auckland", "CO": "America/Bogota",
	"PE": "America/Lima", "AR": "America/Argentina/Buenos_Aires",
}

// monthFirst holds the countries that write the month before the day.
var monthFirst = map[string]bool{"US": true, "PH": true, "FM": true, "MH": true, "PW": true}

// majority returns the most frequent key of counts (ties: the smallest
// key, so the proposal does not depend on map order) and its share.
func majority(counts map[string]int) (string, float64) {
	best, bestN, total := "", 0, 0
	for k, n := range counts {
		total += n
		if n > bestN || (n == bestN && k < best) {
			best, bestN = k, n
		}
	}
	if total == 0 {
		return "", 0
	}
	return best, float64(bestN) / float64(total)
}

// chooseCountry proposes default_country from, in order, the country
// column, the country codes of phone numbers, the currency column, and
// the caller's default.
func (p *proposal) chooseCountry() {
	if p.opt.DefaultCountry != "" {
		p.country, p.countryWhy = strings.ToUpper(p.opt.DefaultCountry), "Given to init."
		return
	}
	if c := p.one(roleCountry); c != nil {
		counts := map[string]int{}
		for _, v := range c.values {
			if cc, err := mapping.NormalizeCountry(v); err == nil && len(cc) == 2 {
				counts[strings.ToUpper(cc)]++
			}
		}
		if cc, share := majority(counts); cc != "" {
			p.country = cc
			p.countryWhy = fmt.Sprintf("Taken from most rows of %q (%.0f%% of the sample).", c.header, 100*share)
			if share < 0.5 {
				p.countryWhy += " CHECK: the file mixes countries, so numbers without a country code may be read wrong."
			}
			return
		}
	}
	counts := map[string]int{}
	for _, c := range p.byRole[rolePhone] {
		for _, v := range c.values {
			if !strings.HasPrefix(v, "+") {
				continue
			}
			// The country code alone decides: a number need not be valid
			// (fictional ranges are not) to say which country it is in.
			// Non-geographic codes (+800, +870: region "001") say nothing.
			if n, err := phonenumbers.Parse(v, "ZZ"); err == nil {
				if region := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())); mapping.IsCountryCode(region) {
					counts[region]++
				}
			}
		}
	}
	if cc, _ := majority(counts); cc != "" {
		p.country, p.countryWhy = cc, "Taken from the country code of most phone numbers written with one."
		return
	}
	var cur string
	if c := p.one(roleCurrency); c != nil {
		counts := map[string]int{}
		for _, v := range c.values {
			counts[strings.ToUpper(v)]++
		}
		cur, _ = majority(counts)
	} else if c := p.one(roleValue); c != nil {
		cur = symbolCurrency(c.values)
	}
	if cur != "" {
		for cc, ccur := range countryCurrency {
			if ccur == cur && ccur != "EUR" && (p.country == "" || cc < p.country) {
				p.country = cc
			}
		}
		if p.country != "" {
			p.countryWhy = "Taken from the currency most rows use (" + cur + "): CHECK."
			return
		}
	}
	p.country, p.countryWhy = "US", "Nothing in the sample shows the country: CHECK."
}

package samples

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the samples must not depend on the host's zoneinfo

	"golang.org/x/text/encoding/charmap"
)

// POSHeader is the header row of pos.csv.
var POSHeader = []string{
	"Receipt No", "Sale Date", "Store", "Email", "Phone", "First Name", "Last Name",
	"City", "State", "Zip", "Country", "Total", "Currency", "SKUs", "Qty", "Type",
}

// POSTimezone is where the stores are: pos.csv's times carry no offset.
const POSTimezone = "America/Chicago"

// posLayout is how the POS writes times: US order, local, no seconds.
const posLayout = "01/02/2006 15:04"

type location struct {
	city, code, name, zip, area string
}

var posLocations = []location{
	{"Chicago", "IL", "Illinois", "60601", "312"},
	{"Chicago", "IL", "Illinois", "60614", "773"},
	{"Chicago", "IL", "Illinois", "60622", "773"},
	{"Evanston", "IL", "Illinois", "60201", "847"},
	{"Oak Park", "IL", "Illinois", "60302", "708"},
	{"Naperville", "IL", "Illinois", "60540", "630"},
	{"St. Charles", "IL", "Illinois", "60174", "630"},
	{"Milwaukee", "WI", "Wisconsin", "53202", "414"},
	{"Gary", "IN", "Indiana", "46402", "219"},
	{"Boston", "MA", "Massachusetts", "02134", "617"},
	{"Cambridge", "MA", "Massachusetts", "02139", "617"},
}

var (
	posFirst = []string{
		"James", "Mary", "José", "Zoë", "Renée", "Jürgen", "Begoña", "François", "Chloé",
		"Noël", "Björn", "Inés", "Ana María", "Mary-Kate", "Sean", "Aisha", "Wei", "Priya",
		"Carlos", "Lucía", "Michael", "Jennifer", "David", "Linda", "Ángel", "Søren",
	}
	posLast = []string{
		"Smith", "Johnson", "García", "Muñoz", "Müller", "Nuñez", "Peña", "Dubé", "O'Brien",
		"Kowalski", "Nguyen", "Brown", "Lefèvre", "Schröder", "Ibáñez", "van der Berg",
		"Jones", "Patel", "Williams", "Martínez", "Åkesson", "Coté",
	}
	posStores  = []string{"CHI-012 Michigan Ave", "CHI-031 Oak Brook", "CHI-047 Evanston", "MKE-003 Third Ward"}
	posDomains = []string{"example.com", "example.org", "example.net", "mail.example.com"}
)

type posRow struct {
	t     time.Time
	cells []string
}

// Column indexes in POSHeader.
const (
	posReceipt = iota
	posDate
	posStore
	posEmail
	posPhone
	posFirstName
	posLastName
	posCity
	posState
	posZip
	posCountry
	posTotal
	posCurrency
	posSKUs
	posQty
	posType
)

// WritePOS writes pos.csv as a Windows point-of-sale system exports it:
// `;`-separated, CRLF line ends, Windows-1252, store-local times and
// decimal-comma totals. About 300 rows, most of them sendable at now; the
// rest exercise each reject reason (see README.md).
func WritePOS(w io.Writer, now time.Time) error {
	loc, err := time.LoadLocation(POSTimezone)
	if err != nil {
		return err
	}
	r := newRand(20261125)
	now = now.In(loc)

	// recent returns a store-hours time within the last six days that is
	// at least half an hour in the past, so it is neither stale nor future.
	recent := func() time.Time {
		d := r.IntN(6)
		t := time.Date(now.Year(), now.Month(), now.Day()-d, 8+r.IntN(13), r.IntN(60), 0, 0, loc)
		if t.After(now.Add(-30 * time.Minute)) {
			t = t.AddDate(0, 0, -1)
		}
		return t
	}

	var rows []posRow
	add := func(t time.Time, cells []string) { rows = append(rows, posRow{t, cells}) }
	for range 280 {
		add(recent(), posSale(r, true))
	}
	for range 8 { // stale: 8 to 20 days old
		t := time.Date(now.Year(), now.Month(), now.Day()-8-r.IntN(13), 8+r.IntN(13), r.IntN(60), 0, 0, loc)
		add(t, posSale(r, true))
	}
	// A walk-in customer who gave nothing: no_user_data.
	for range 2 {
		add(recent(), posSale(r, false))
	}
	// Returns are mapped to "" in pos.yaml and skipped.
	for range 3 {
		c := posSale(r, true)
		c[posType] = "RETURN"
		c[posTotal] = "-" + c[posTotal]
		add(recent(), c)
	}
	// An email typo and nothing else: the key is dropped, then no_user_data.
	c := posSale(r, false)
	c[posEmail] = "maria.lopez@@example.com"
	add(recent(), c)
	// An email typo beside a good phone: the email is dropped, the row sent.
	c = posSale(r, true)
	c[posEmail] = "jon.doe(at)example.com"
	c[posPhone] = "(312) 555-0188"
	add(recent(), c)
	// A sale without a total: missing_required.
	c = posSale(r, true)
	c[posTotal] = ""
	add(recent(), c)
	// A total no one can read: invalid_value.
	c = posSale(r, true)
	c[posTotal] = "N/A"
	add(recent(), c)
	// A till with a wrong clock: future_time.
	future := time.Date(now.Year(), now.Month(), now.Day()+2, 10, 15, 0, 0, loc)
	add(future, posSale(r, true))

	// Exports are in time order with consecutive receipt numbers.
	slices.SortStableFunc(rows, func(a, b posRow) int { return a.t.Compare(b.t) })
	for i := range rows {
		rows[i].cells[posReceipt] = strconv.Itoa(104200 + i)
		rows[i].cells[posDate] = rows[i].t.Format(posLayout)
	}
	// A voided sale the POS writes with a zero date: bad_time.
	bad := len(rows) / 3
	rows[bad].cells[posDate] = "00/00/0000 00:00"
	// The same receipt exported twice: duplicate_event_id.
	dup := 2 * len(rows) / 3
	rows = slices.Insert(rows, dup+1, posRow{rows[dup].t, slices.Clone(rows[dup].cells)})

	bw := bufio.NewWriter(w)
	enc := charmap.Windows1252.NewEncoder().Writer(bw)
	cw := csv.NewWriter(enc)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(POSHeader); err != nil {
		return err
	}
	for _, row := range rows {
		if err := cw.Write(row.cells); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// posSale returns the cells of one sale; with customer false the
// customer columns stay blank. Receipt No and Sale Date are set later.
func posSale(r *rand.Rand, customer bool) []string {
	c := make([]string, len(POSHeader))
	c[posStore] = pick(r, posStores)
	c[posType] = "SALE"
	c[posCurrency] = "USD"
	if chance(r, 0.15) {
		c[posCurrency] = "" // pos.yaml defaults it to USD
	}
	n := 1 + r.IntN(3)
	skus := make([]string, n)
	cents, qty := 0, 0
	for i := range skus {
		skus[i] = strconv.Itoa(100000 + r.IntN(900))
		q := 1 + r.IntN(2)
		qty += q
		cents += q * (499 + r.IntN(12000))
	}
	if chance(r, 0.03) {
		cents += 100000 + r.IntN(200000) // the odd sofa
	}
	c[posSKUs] = strings.Join(skus, "|")
	c[posQty] = strconv.Itoa(qty)
	c[posTotal] = decimalComma(cents)
	if !customer {
		return c
	}

	first, last := pick(r, posFirst), pick(r, posLast)
	l := pick(r, posLocations)
	if chance(r, 0.9) {
		c[posFirstName] = messy(r, first)
		c[posLastName] = messy(r, last)
	}
	if chance(r, 0.85) {
		local := emailLocal(first, last)
		if chance(r, 0.3) {
			local += strconv.Itoa(r.IntN(99))
		}
		e := local + "@" + pick(r, posDomains)
		if chance(r, 0.2) {
			e = strings.ToUpper(e[:1]) + e[1:strings.IndexByte(e, '@')] + "@" + strings.ToUpper(pick(r, posDomains))
		}
		c[posEmail] = messy(r, e)
	}
	if chance(r, 0.7) {
		c[posPhone] = usPhone(r, l.area)
	}
	if chance(r, 0.75) {
		c[posCity] = messy(r, l.city)
		switch r.IntN(4) {
		case 0:
			c[posState] = l.name
		case 1:
			c[posState] = strings.ToLower(l.name)
		default:
			c[posState] = l.code
		}
		switch zip := l.zip; {
		case zip[0] == '0' && chance(r, 0.6):
			c[posZip] = zip[1:] // a spreadsheet ate the leading zero
		case chance(r, 0.3):
			c[posZip] = fmt.Sprintf("%s-%04d", zip, r.IntN(10000))
		default:
			c[posZip] = zip
		}
	}
	if chance(r, 0.8) {
		c[posCountry] = pick(r, []string{"US", "US", "US", "USA", "United States", "us"})
	}
	return c
}

// usPhone returns a fictional 555-01xx number in one of the shapes
// cashiers type.
func usPhone(r *rand.Rand, area string) string {
	line := fmt.Sprintf("01%02d", r.IntN(100))
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("(%s) 555-%s", area, line)
	case 1:
		return fmt.Sprintf("%s.555.%s", area, line)
	case 2:
		return fmt.Sprintf("+1 %s 555 %s", area, line)
	case 3:
		return area + "555" + line
	case 4:
		return fmt.Sprintf("%s-555-%s ext. %d", area, line, 10+r.IntN(90))
	case 5:
		return fmt.Sprintf("1-%s-555-%s", area, line)
	case 6:
		return fmt.Sprintf(" %s 555 %s", area, line)
	default:
		return fmt.Sprintf("%s-555-%s", area, line)
	}
}

// decimalComma formats cents as European-style POS software does:
// "1.234,50", "34,99".
func decimalComma(cents int) string {
	units := strconv.Itoa(cents / 100)
	var b strings.Builder
	for i, d := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(d)
	}
	return fmt.Sprintf("%s,%02d", b.String(), cents%100)
}

package samples

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// CRMSheet is the sheet of crm.xlsx holding the customers; a second sheet,
// "Export Info", holds the export's metadata, as CRMs add.
const CRMSheet = "Customers"

// CRMHeader is the header row of crm.xlsx's Customers sheet.
var CRMHeader = []string{
	"Customer ID", "Created", "Event", "Email", "Email SHA256", "Mobile", "First Name",
	"Last Name", "City", "Postal Code", "Country", "Birthday", "Gender", "Order Ref",
	"Order Value", "Currency",
}

type crmNation struct {
	names    []string // how the CRM spells the country
	currency string
	first    []string
	last     []string
	places   [][2]string // city, postal code
	phone    func(r *rand.Rand) string
}

var crmCountries = []crmNation{
	{
		names: []string{"GB", "UK", "United Kingdom"}, currency: "GBP",
		first:  []string{"Oliver", "Amelia", "Harry", "Isla", "Siobhán", "Callum", "Zoë"},
		last:   []string{"Taylor", "Davies", "Evans", "O'Neill", "Wright", "Ó Briain"},
		places: [][2]string{{"London", "SW1A 1AA"}, {"London", "EC1A 1BB"}, {"Manchester", "M1 1AE"}, {"Leeds", "LS1 4DY"}},
		phone: func(r *rand.Rand) string {
			if chance(r, 0.2) {
				return fmt.Sprintf("+44 7911 123%03d", r.IntN(1000))
			}
			return fmt.Sprintf("07911 123%03d", r.IntN(1000))
		},
	},
	{
		names: []string{"DE", "Germany"}, currency: "EUR",
		first:  []string{"Lukas", "Jürgen", "Anna", "Günther", "Lea", "Maximilian"},
		last:   []string{"Müller", "Schmidt", "Weiß", "Groß", "Schäfer", "Köhler"},
		places: [][2]string{{"Berlin", "10115"}, {"München", "80331"}, {"Köln", "50667"}},
		phone: func(r *rand.Rand) string {
			return fmt.Sprintf("0151 %08d", 20000000+r.IntN(70000000))
		},
	},
	{
		names: []string{"FR", "France"}, currency: "EUR",
		first:  []string{"Léa", "Hélène", "Théo", "François", "Chloé", "Noël"},
		last:   []string{"Dubois", "Lefèvre", "Rousseau", "Girard", "Mercier"},
		places: [][2]string{{"Paris", "75001"}, {"Lyon", "69002"}, {"Saint-Étienne", "42000"}},
		phone: func(r *rand.Rand) string {
			return fmt.Sprintf("06 %02d %02d %02d %02d", r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
		},
	},
	{
		names: []string{"BR", "Brazil", "Brasil"}, currency: "BRL",
		first:  []string{"João", "Ana", "Gabriel", "Letícia", "Conceição", "Luíza"},
		last:   []string{"Silva", "Santos", "Araújo", "Gonçalves", "Pereira"},
		places: [][2]string{{"São Paulo", "01310-100"}, {"Rio de Janeiro", "20040-002"}, {"Belo Horizonte", "30130-010"}},
		phone: func(r *rand.Rand) string {
			return fmt.Sprintf("(11) 9%04d-%04d", r.IntN(10000), r.IntN(10000))
		},
	},
}

// excelEpoch is day 0 of Excel's 1900 date system (after its leap-year bug).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial returns t's wall clock as an Excel date serial.
func excelSerial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return float64(wall.Sub(excelEpoch)) / float64(24*time.Hour)
}

type crmRow struct {
	t     time.Time
	cells []any
}

// Column indexes in CRMHeader.
const (
	crmID = iota
	crmCreated
	crmEvent
	crmEmail
	crmEmailHash
	crmMobile
	crmFirst
	crmLast
	crmCity
	crmPostal
	crmCountry
	crmBirthday
	crmGender
	crmOrderRef
	crmValue
	crmCurrency
)

// WriteCRM writes crm.xlsx: 150 leads and purchases of customers in GB, DE,
// FR and BR, with Created and Birthday stored as Excel date serials
// formatted as dates, phones in national format beside a Country column,
// and some emails only as SHA-256 hashes. Times are UTC wall clock.
func WriteCRM(w io.Writer, now time.Time) error {
	r := newRand(20261126)
	now = now.UTC()
	recent := func() time.Time {
		t := now.Add(-time.Duration(45+r.IntN(6*24*60)) * time.Minute)
		return t.Truncate(time.Minute)
	}

	var rows []crmRow
	for i := range 150 {
		t := recent()
		if i%30 == 7 { // five stale rows, 8 to 14 days old
			t = now.Add(-time.Duration(8*24*60+r.IntN(6*24*60)) * time.Minute).Truncate(time.Minute)
		}
		rows = append(rows, crmRow{t, crmCustomer(r, now)})
	}
	// A guest known only by country and gender, which Meta refuses to match
	// on: no_user_data.
	guest := make([]any, len(CRMHeader))
	guest[crmEvent], guest[crmCountry], guest[crmGender] = "Lead", "FR", "Female"
	rows[40].cells = guest
	// A purchase whose value the CRM lost: missing_required.
	rows[90].cells[crmEvent] = "Purchase"
	rows[90].cells[crmValue] = nil
	rows[90].cells[crmCurrency] = "EUR"
	rows[90].cells[crmOrderRef] = "SO-2026-99990"

	slices.SortStableFunc(rows, func(a, b crmRow) int { return a.t.Compare(b.t) })

	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", CRMSheet); err != nil {
		return err
	}
	dateTime := "yyyy-mm-dd hh:mm"
	dtStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateTime})
	if err != nil {
		return err
	}
	dob := "dd/mm/yyyy"
	dobStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dob})
	if err != nil {
		return err
	}
	if err := f.SetSheetRow(CRMSheet, "A1", &CRMHeader); err != nil {
		return err
	}
	for i, row := range rows {
		if i != 60 { // one row whose Created cell was cleared: bad_time
			row.cells[crmCreated] = excelSerial(row.t)
		}
		line := i + 2
		if err := f.SetSheetRow(CRMSheet, fmt.Sprintf("A%d", line), &row.cells); err != nil {
			return err
		}
		for col, style := range map[int]int{crmCreated: dtStyle, crmBirthday: dobStyle} {
			cell, _ := excelize.CoordinatesToCellName(col+1, line)
			if err := f.SetCellStyle(CRMSheet, cell, cell, style); err != nil {
				return err
			}
		}
	}
	if _, err := f.NewSheet("Export Info"); err != nil {
		return err
	}
	info := [][]any{
		{"Export", "Customers with activity"},
		{"System", "Example CRM"},
		{"Rows", len(rows)},
	}
	for i, row := range info {
		if err := f.SetSheetRow("Export Info", fmt.Sprintf("A%d", i+1), &row); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func crmCustomer(r *rand.Rand, now time.Time) []any {
	c := make([]any, len(CRMHeader))
	k := pick(r, crmCountries)
	first, last := pick(r, k.first), pick(r, k.last)
	place := pick(r, k.places)
	c[crmID] = fmt.Sprintf("C%06d", 100000+r.IntN(900000))
	c[crmCountry] = pick(r, k.names)
	c[crmFirst] = messy(r, first)
	c[crmLast] = messy(r, last)
	email := emailLocal(first, last) + "@" + pick(r, posDomains)
	switch n := r.IntN(10); {
	case n < 7:
		c[crmEmail] = messy(r, email)
	case n < 9: // the CRM only keeps a hash for these
		sum := sha256.Sum256([]byte(email))
		c[crmEmailHash] = hex.EncodeToString(sum[:])
	}
	if chance(r, 0.7) {
		c[crmMobile] = k.phone(r)
	}
	if chance(r, 0.8) {
		c[crmCity], c[crmPostal] = place[0], place[1]
	}
	if chance(r, 0.6) {
		born := time.Date(now.Year()-18-r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		c[crmBirthday] = excelSerial(born)
	}
	if g := pick(r, []string{"Female", "Male", "female", "F", "M", "woman", "man", "", "", "divers"}); g != "" {
		c[crmGender] = g
	}
	c[crmEvent] = "Lead"
	if chance(r, 0.6) {
		c[crmEvent] = "Purchase"
		c[crmOrderRef] = fmt.Sprintf("SO-2026-%05d", r.IntN(100000))
		c[crmValue] = float64(999+r.IntN(40000)) / 100
		c[crmCurrency] = k.currency
	}
	if chance(r, 0.1) {
		c[crmEvent] = strings.ToLower(c[crmEvent].(string)) // hand-edited in the CRM
	}
	return c
}

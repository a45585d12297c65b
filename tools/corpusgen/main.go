// Command corpusgen writes the export corpus in testdata/exports: files that
// imitate the documented CSV and XLSX exports of point-of-sale and CRM
// systems (Shopify, Square, Toast, a German register, HubSpot, Salesforce,
// Pipedrive, Dynamics 365, Zoho, Google Forms, Clover) and, for each file X,
// the ground truth X.truth.json: what a careful capi-upload run should do
// with every data row when the clock is pinned to 2026-12-07T20:00:00Z.
// Three more systems go to testdata/exports/holdout for tests of the rules on
// formats nobody tuned for.
//
// Run it from the repository root:
//
//	go run ./tools/corpusgen
//
// Everything it writes is deterministic (no randomness, no clock).
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // the corpus must not depend on the host's zoneinfo
	"unicode"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// Now is the fixed clock the truth files assume.
var Now = time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)

// truthRow is what a careful run does with one data row.
type truthRow struct {
	Row       int                 `json:"row"`
	Outcome   string              `json:"outcome"`
	Reason    string              `json:"reason,omitempty"`
	Why       string              `json:"why,omitempty"`
	EventName string              `json:"event_name,omitempty"`
	EventTime string              `json:"event_time,omitempty"`
	Value     *float64            `json:"value,omitempty"`
	Currency  string              `json:"currency,omitempty"`
	Keys      map[string][]string `json:"keys,omitempty"`
	LeadID    string              `json:"lead_id,omitempty"`
}

// truthFile is the X.truth.json beside export X.
type truthFile struct {
	System string            `json:"system"`
	File   string            `json:"file"`
	Set    map[string]string `json:"set"`
	SetWhy map[string]string `json:"set_why"`
	Rows   []truthRow        `json:"rows"`
}

func sent(name string, t time.Time, value float64, cur string, keys map[string][]string) truthRow {
	r := truthRow{Outcome: "sent", EventName: name, EventTime: t.UTC().Format(time.RFC3339), Keys: keys}
	if cur != "" {
		v := value
		r.Value, r.Currency = &v, cur
	}
	return r
}

func skipped(why string) truthRow { return truthRow{Outcome: "skipped", Why: why} }

func rejected(reason, why string) truthRow {
	return truthRow{Outcome: "rejected", Reason: reason, Why: why}
}

func stale(why string) truthRow { return truthRow{Outcome: "stale", Why: why} }

// person is one fake customer; keys are derived from it by the README's rules.
type person struct {
	First, Last string
	Email       string
	Phone       string // E.164 digits without '+', "" when none
	City        string
	State       string // key form: US two-letter code, else normalized
	Zip         string // key form
	Country     string // alpha-2, lower-case
	DOB         string // YYYYMMDD
	Gender      string // f or m
}

// clean is the fn/ln/ct normalization: NFC, lower-case, letters and digits only.
func clean(s string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(strings.ToLower(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// keys returns p's normalized keys among which (space-separated key names).
func (p person) keys(which string) map[string][]string {
	m := map[string][]string{}
	add := func(k, v string) {
		if v != "" {
			m[k] = []string{v}
		}
	}
	for _, k := range strings.Fields(which) {
		switch k {
		case "em":
			add(k, strings.ToLower(strings.TrimSpace(p.Email)))
		case "ph":
			add(k, p.Phone)
		case "fn":
			add(k, clean(p.First))
		case "ln":
			add(k, clean(p.Last))
		case "ct":
			add(k, clean(p.City))
		case "st":
			add(k, p.State)
		case "zp":
			add(k, p.Zip)
		case "country":
			add(k, p.Country)
		case "db":
			add(k, p.DOB)
		case "ge":
			add(k, p.Gender)
		default:
			log.Fatalf("unknown key %q", k)
		}
	}
	return m
}

func loc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		log.Fatal(err)
	}
	return l
}

// at parses "2006-01-02 15:04:05" as wall clock in l.
func at(l *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, l)
	if err != nil {
		log.Fatal(err)
	}
	return t
}

// output collects what one export file holds.
type output struct {
	dir   string
	truth truthFile
}

func (o *output) writeTruth() {
	for _, r := range o.truth.Rows {
		if r.Outcome == "sent" {
			t, _ := time.Parse(time.RFC3339, r.EventTime)
			if t.After(Now) || Now.Sub(t) > 7*24*time.Hour {
				log.Fatalf("%s row %d: sent row at %s is outside the window", o.truth.File, r.Row, r.EventTime)
			}
		}
	}
	if o.truth.Set == nil {
		o.truth.Set = map[string]string{}
	}
	if o.truth.SetWhy == nil {
		o.truth.SetWhy = map[string]string{}
	}
	b, err := json.MarshalIndent(o.truth, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	b = append(b, '\n')
	if err := os.WriteFile(filepath.Join(o.dir, o.truth.File+".truth.json"), b, 0o644); err != nil {
		log.Fatal(err)
	}
}

// csvSpec says how a text export is encoded.
type csvSpec struct {
	comma    rune
	crlf     bool
	encoding string // utf-8, utf-8-bom, windows-1252, utf-16le
	preamble [][]string
}

// textTable is a text export: header, data rows, and their truth.
type textTable struct {
	header []string
	rows   [][]string
	truth  []truthRow
}

func (t *textTable) add(tr truthRow, cells ...string) {
	if len(cells) != len(t.header) {
		log.Fatalf("row %d has %d cells, header %d: %q", len(t.rows)+2, len(cells), len(t.header), cells)
	}
	t.rows = append(t.rows, cells)
	t.truth = append(t.truth, tr)
}

// row returns a row with the named columns set, the rest blank.
func (t *textTable) row(kv ...string) []string {
	cells := make([]string, len(t.header))
	for i := 0; i < len(kv); i += 2 {
		j := index(t.header, kv[i])
		cells[j] = kv[i+1]
	}
	return cells
}

func index(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	log.Fatalf("no column %q", name)
	return -1
}

func writeText(o *output, spec csvSpec, t *textTable) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = spec.comma
	w.UseCRLF = spec.crlf
	for _, p := range spec.preamble {
		_ = w.Write(p)
	}
	_ = w.Write(t.header)
	for _, r := range t.rows {
		_ = w.Write(r)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	data := buf.Bytes()
	switch spec.encoding {
	case "utf-8":
	case "utf-8-bom":
		data = append([]byte("\uFEFF"), data...)
	case "windows-1252":
		enc, err := charmap.Windows1252.NewEncoder().Bytes(data)
		if err != nil {
			log.Fatal(err)
		}
		data = enc
	case "utf-16le":
		enc, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(data)
		if err != nil {
			log.Fatal(err)
		}
		data = enc
	default:
		log.Fatalf("encoding %q", spec.encoding)
	}
	if err := os.WriteFile(filepath.Join(o.dir, o.truth.File), data, 0o644); err != nil {
		log.Fatal(err)
	}
	first := len(spec.preamble) + 2
	for i, tr := range t.truth {
		tr.Row = first + i
		o.truth.Rows = append(o.truth.Rows, tr)
	}
	o.writeTruth()
}

func main() {
	root := flag.String("out", "testdata/exports", "directory to write the corpus into")
	flag.Parse()
	hold := filepath.Join(*root, "holdout")
	if err := os.MkdirAll(hold, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, gen := range []func(string){
		shopify, square, toast, kasseDE, clover, googleForms, pipedrive, zoho,
		hubspotContacts, salesforceLeads, salesforceOpportunities, dynamics,
	} {
		gen(*root)
	}
	for _, gen := range []func(string){woocommerce, stripe, vend} {
		gen(hold)
	}
	fmt.Println("corpus written to", *root)
}

package main

import (
	"time"
)

const usDateTime = "yyyy-mm-dd hh:mm"

func hubspotContacts(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "HubSpot contacts export (XLSX)", File: "hubspot_contacts.xlsx",
		Set: map[string]string{"timezone": "America/New_York", "currency": "USD"},
		SetWhy: map[string]string{
			"timezone": "date cells hold the portal's wall clock; no zone anywhere in the file",
			"currency": "Recent Deal Amount is in the portal's company currency, which the export does not name",
		}}}
	ny := loc("America/New_York")
	x := &xlsxSpec{sheet: "Sheet1", header: []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "City", "State/Region", "Postal Code", "Country/Region", "Lifecycle Stage", "Lead Status", "Contact owner", "Create Date", "Last Activity Date", "Recent Deal Close Date", "Recent Deal Amount", "Total Revenue"}}
	type c struct {
		id                          int64
		first, last, email          string
		phone, mobile, zip          any
		city, state, country, stage string
		created, activity, close    string
		amount                      float64
	}
	mk := func(v c) []any {
		var closeCell, amt, rev any
		if v.close != "" {
			closeCell = xdate{at(ny, v.close), usDateTime}
			amt = xnum{v.amount, "#,##0.00"}
			rev = xnum{v.amount, "#,##0.00"}
		}
		return x.row("Record ID", v.id, "First Name", v.first, "Last Name", v.last, "Email", v.email, "Phone Number", v.phone,
			"Mobile Phone Number", v.mobile, "City", v.city, "State/Region", v.state, "Postal Code", v.zip, "Country/Region", v.country,
			"Lifecycle Stage", v.stage, "Contact owner", "Jordan Blake", "Create Date", xdate{at(ny, v.created), usDateTime},
			"Last Activity Date", xdate{at(ny, v.activity), usDateTime}, "Recent Deal Close Date", closeCell,
			"Recent Deal Amount", amt, "Total Revenue", rev)
	}
	buy := func(v c, p person, which string) truthRow {
		return sent("Purchase", at(ny, v.close), v.amount, "USD", p.keys(which))
	}
	a := c{id: 101234567801, first: "Megan", last: "Rhodes", email: "megan.rhodes@example.com", phone: int64(16172530150), zip: 2134, city: "Boston", state: "Massachusetts", country: "United States", stage: "Customer", created: "2026-09-14 10:22:00", activity: "2026-12-07 09:10:00", close: "2026-12-05 14:30:00", amount: 4800}
	x.add(buy(a, person{First: "Megan", Last: "Rhodes", Email: "megan.rhodes@example.com", Phone: "16172530150", City: "Boston", State: "ma", Zip: "02134", Country: "us"}, "em ph fn ln ct st zp country"), mk(a)...)
	x.add(skipped("Lifecycle Stage Lead: no purchase"), mk(c{id: 101234567802, first: "Owen", last: "Park", email: "owen.park@example.com", city: "Austin", state: "Texas", zip: 78701, country: "United States", stage: "Lead", created: "2026-12-01 08:00:00", activity: "2026-12-06 16:45:00"})...)
	x.add(skipped("Lifecycle Stage Marketing Qualified Lead: no purchase"), mk(c{id: 101234567803, first: "Zara", last: "Ali", email: "zara.ali@example.com", mobile: "+1 650 253 0190", city: "San Jose", state: "CA", zip: 95113, country: "United States", stage: "Marketing Qualified Lead", created: "2026-11-30 12:00:00", activity: "2026-12-05 11:00:00"})...)
	b := c{id: 101234567804, first: "Jonas", last: "Weber", email: "jonas.weber@example.org", phone: int64(4915112345678), zip: 20095, city: "Hamburg", country: "Germany", stage: "Customer", created: "2026-10-01 09:00:00", activity: "2026-12-06 12:00:00", close: "2026-12-06 10:00:00", amount: 2300}
	x.add(buy(b, person{First: "Jonas", Last: "Weber", Email: "jonas.weber@example.org", Phone: "4915112345678", City: "Hamburg", Zip: "20095", Country: "de"}, "em ph fn ln ct zp country"), mk(b)...)
	d := c{id: 101234567805, first: "Dana", last: "White", email: "n/a", phone: "1111111111", zip: "60601", city: "Chicago", state: "IL", country: "United States", stage: "Customer", created: "2026-08-20 15:00:00", activity: "2026-12-04 10:00:00", close: "2026-12-03 16:20:00", amount: 1250.5}
	x.add(buy(d, person{First: "Dana", Last: "White", City: "Chicago", State: "il", Zip: "60601", Country: "us"}, "fn ln ct st zp country"), mk(d)...)
	x.add(rejected("no_user_data", "customer known only by state and country (imported company contact without name or email)"), mk(c{id: 101234567806, state: "New York", country: "United States", stage: "Customer", created: "2026-07-01 09:00:00", activity: "2026-12-02 09:00:00", close: "2026-12-02 11:00:00", amount: 990})...)
	x.add(stale("Recent Deal Close Date 2026-11-20, older than 7 days"), mk(c{id: 101234567807, first: "Ivy", last: "Chen", email: "ivy.chen@example.com", phone: int64(16502530160), zip: 94301, city: "Palo Alto", state: "California", country: "United States", stage: "Customer", created: "2026-06-11 09:00:00", activity: "2026-12-01 09:00:00", close: "2026-11-20 13:00:00", amount: 3100})...)
	h := c{id: 101234567808, first: "Harper", last: "Lee", email: "Harper.Lee@Example.org", mobile: "+1 650 253 0188", zip: "02446", city: "Brookline", state: "MA", country: "USA", stage: "Customer", created: "2026-11-02 09:00:00", activity: "2026-12-07 08:00:00", close: "2026-12-07 09:45:00", amount: 760}
	x.add(buy(h, person{First: "Harper", Last: "Lee", Email: "harper.lee@example.org", Phone: "16502530188", City: "Brookline", State: "ma", Zip: "02446", Country: "us"}, "em ph fn ln ct st zp country"), mk(h)...)
	x.add(skipped("Lifecycle Stage Opportunity: deal still open"), mk(c{id: 101234567809, first: "Leo", last: "Grant", email: "leo.grant@example.com", phone: int64(13127445210), zip: 60614, city: "Chicago", state: "Illinois", country: "United States", stage: "Opportunity", created: "2026-11-10 09:00:00", activity: "2026-12-06 15:00:00"})...)
	e := c{id: 101234567810, first: "Mateo", last: "García", email: "mateo.garcia@example.com", phone: int64(13038662480), zip: 80202, city: "Denver", state: "Colorado", country: "United States", stage: "Customer", created: "2026-10-10 09:00:00", activity: "2026-12-05 09:00:00", close: "2026-12-01 12:00:00", amount: 15000}
	x.add(buy(e, person{First: "Mateo", Last: "García", Email: "mateo.garcia@example.com", Phone: "13038662480", City: "Denver", State: "co", Zip: "80202", Country: "us"}, "em ph fn ln ct st zp country"), mk(e)...)
	writeXLSX(o, x)
}

func salesforceLeads(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Salesforce leads report (XLSX, details only) with a Facebook Lead ID field, for CRM Conversion Leads", File: "salesforce_leads_lead_ads.xlsx",
		Set: map[string]string{"timezone": "America/Los_Angeles"},
		SetWhy: map[string]string{
			"timezone": "date cells hold the exporting user's wall clock (Pacific); no zone in the file",
		}}}
	la := loc("America/Los_Angeles")
	const sfdt = "m/d/yyyy h:mm AM/PM"
	x := &xlsxSpec{sheet: "Leads", header: []string{"Lead ID", "Facebook Lead ID", "First Name", "Last Name", "Email", "Mobile", "City", "State/Province", "Zip/Postal Code", "Country", "Lead Source", "Lead Status", "Status Last Changed", "Created Date", "Last Activity", "Lead Owner"}}
	type l struct {
		id                                 string
		fb, mobile, zip                    any
		first, last, email, city, st, ctry string
		source, status, changed, created   string
	}
	mk := func(v l) []any {
		return x.row("Lead ID", v.id, "Facebook Lead ID", v.fb, "First Name", v.first, "Last Name", v.last, "Email", v.email,
			"Mobile", v.mobile, "City", v.city, "State/Province", v.st, "Zip/Postal Code", v.zip, "Country", v.ctry,
			"Lead Source", v.source, "Lead Status", v.status, "Status Last Changed", xdate{at(la, v.changed), sfdt},
			"Created Date", xdate{at(la, v.created), "m/d/yyyy"}, "Last Activity", xdate{at(la, v.changed), "m/d/yyyy"}, "Lead Owner", "Morgan Diaz")
	}
	lead := func(v l, id string, p person, which string) truthRow {
		r := sent(v.status, at(la, v.changed), 0, "", p.keys(which))
		r.LeadID = id
		return r
	}
	a := l{id: "00Q5g00000Xa1bCEAR", fb: int64(512345678901234), first: "Ashley", last: "Young", email: "ashley.young@example.com", mobile: int64(16502530101), city: "San Jose", st: "CA", zip: 95113, ctry: "United States", source: "Facebook Lead Ads", status: "Marketing Qualified Lead", changed: "2026-12-05 10:12:00", created: "2026-12-01 08:30:00"}
	x.add(lead(a, "512345678901234", person{First: "Ashley", Last: "Young", Email: "ashley.young@example.com", Phone: "16502530101", City: "San Jose", State: "ca", Zip: "95113", Country: "us"}, "em ph fn ln ct st zp country"), mk(a)...)
	b := l{id: "00Q5g00000Xa1bDEAR", fb: "1234567890123456", first: "Brandon", last: "Hughes", email: "brandon.hughes@example.com", mobile: "(650) 253-0102", city: "Fremont", st: "California", zip: "94538", ctry: "US", source: "Facebook Lead Ads", status: "Sales Qualified Lead", changed: "2026-12-06 15:40:00", created: "2026-12-02 09:00:00"}
	x.add(lead(b, "1234567890123456", person{First: "Brandon", Last: "Hughes", Email: "brandon.hughes@example.com", Phone: "16502530102", City: "Fremont", State: "ca", Zip: "94538", Country: "us"}, "em ph fn ln ct st zp country"), mk(b)...)
	x.add(rejected("no_user_data", "lead from the web form: no Facebook Lead ID, which Conversion Leads requires"), mk(l{id: "00Q5g00000Xa1bEEAR", first: "Carmen", last: "Silva", email: "carmen.silva@example.com", mobile: int64(16502530103), city: "Oakland", st: "CA", zip: 94612, ctry: "United States", source: "Web", status: "Marketing Qualified Lead", changed: "2026-12-04 11:00:00", created: "2026-12-03 10:00:00"})...)
	c := l{id: "00Q5g00000Xa1bFEAR", fb: "l:712345678901235", first: "Derek", last: "Olsen", email: "derek.olsen@example.org", city: "Sacramento", st: "CA", zip: int64(95814), ctry: "United States", source: "Facebook Lead Ads", status: "Converted", changed: "2026-12-07 09:05:00", created: "2026-11-28 14:00:00"}
	x.add(lead(c, "712345678901235", person{First: "Derek", Last: "Olsen", Email: "derek.olsen@example.org", City: "Sacramento", State: "ca", Zip: "95814", Country: "us"}, "em fn ln ct st zp country"), mk(c)...)
	x.add(stale("stage changed 2026-11-26, older than 7 days"), mk(l{id: "00Q5g00000Xa1bGEAR", fb: int64(512345678901240), first: "Elena", last: "Rossi", email: "elena.rossi@example.com", city: "Fresno", st: "CA", zip: 93721, ctry: "United States", source: "Facebook Lead Ads", status: "Marketing Qualified Lead", changed: "2026-11-26 10:00:00", created: "2026-11-20 10:00:00"})...)
	x.add(rejected("duplicate_event_id", "row 2 exported twice (report grouped by owner, then ungrouped and pasted)"), mk(a)...)
	f := l{id: "00Q5g00000Xa1bHEAR", fb: int64(512345678901251), first: "Farah", last: "Aziz", source: "Facebook Lead Ads", status: "Open - Not Contacted", changed: "2026-12-07 07:58:00", created: "2026-12-07 07:58:00"}
	x.add(lead(f, "512345678901251", person{First: "Farah", Last: "Aziz"}, "fn ln"), mk(f)...)
	g := l{id: "00Q5g00000Xa1bIEAR", fb: int64(512345678901262), first: "George", last: "Miller", email: "george.miller@example.com", mobile: int64(16502530104), city: "Santa Clara", st: "CA", zip: 95050, ctry: "United States", source: "Facebook Lead Ads", status: "Unqualified", changed: "2026-12-03 13:15:00", created: "2026-12-01 10:00:00"}
	x.add(lead(g, "512345678901262", person{First: "George", Last: "Miller", Email: "george.miller@example.com", Phone: "16502530104", City: "Santa Clara", State: "ca", Zip: "95050", Country: "us"}, "em ph fn ln ct st zp country"), mk(g)...)
	x.add(skipped("test lead from the Lead Ads testing tool ('Test Lead', test@test.com)"), mk(l{id: "00Q5g00000Xa1bJEAR", fb: int64(512345678901273), first: "Test", last: "Lead", email: "test@test.com", mobile: "000-000-0000", source: "Facebook Lead Ads", status: "Marketing Qualified Lead", changed: "2026-12-02 09:00:00", created: "2026-12-02 09:00:00"})...)
	h := l{id: "00Q5g00000Xa1bKEAR", fb: int64(512345678901284), first: "Hana", last: "Kobayashi", email: "HANA.KOBAYASHI@EXAMPLE.COM", mobile: "+1 650-253-0105", city: "Palo Alto", st: "CA", zip: "94301-2102", ctry: "United States", source: "Facebook Lead Ads", status: "Sales Qualified Lead", changed: "2026-12-01 16:00:00", created: "2026-11-29 12:00:00"}
	x.add(lead(h, "512345678901284", person{First: "Hana", Last: "Kobayashi", Email: "hana.kobayashi@example.com", Phone: "16502530105", City: "Palo Alto", State: "ca", Zip: "94301", Country: "us"}, "em ph fn ln ct st zp country"), mk(h)...)
	writeXLSX(o, x)
}

func salesforceOpportunities(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Salesforce report export (XLSX, formatted): Opportunities with Contact Roles", File: "salesforce_opportunities_report.xlsx",
		Set: map[string]string{"timezone": "America/Los_Angeles", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "Close Date is a date-only cell; it is read as midnight in the org's time zone (Pacific)",
			"default_country": "Phone values are US national numbers without +1 (Mailing Country is per contact, not a phone default)",
		}}}
	la := loc("America/Los_Angeles")
	x := &xlsxSpec{sheet: "Opportunities with Contact Ro", header: []string{"Opportunity Owner", "Account Name", "Opportunity Name", "Opportunity ID", "Stage", "Close Date", "Amount", "Amount Currency", "Contact Role", "First Name", "Last Name", "Email", "Phone", "Mailing City", "Mailing State/Province", "Mailing Zip/Postal Code", "Mailing Country"}}
	x.preamble = [][]any{
		{"Opportunities with Contact Roles"},
		{"Closed This Week"},
		{"Filtered By:"},
		{"    Close Date equals THIS WEEK"},
		{nil},
	}
	type op struct {
		acct, name, id, stage, close, role, first, last, email, phone, city, st, zip, ctry string
		amount                                                                             any
	}
	mk := func(v op) []any {
		d, _ := time.ParseInLocation("2006-01-02", v.close, la)
		cur := any("USD")
		return x.row("Opportunity Owner", "Morgan Diaz", "Account Name", v.acct, "Opportunity Name", v.name, "Opportunity ID", v.id,
			"Stage", v.stage, "Close Date", xdate{d, "m/d/yyyy"}, "Amount", v.amount, "Amount Currency", cur, "Contact Role", v.role,
			"First Name", v.first, "Last Name", v.last, "Email", v.email, "Phone", v.phone, "Mailing City", v.city,
			"Mailing State/Province", v.st, "Mailing Zip/Postal Code", v.zip, "Mailing Country", v.ctry)
	}
	buy := func(v op, p person, which string) truthRow {
		d, _ := time.ParseInLocation("2006-01-02", v.close, la)
		return sent("Purchase", d, v.amount.(xnum).v, "USD", p.keys(which))
	}
	usd := func(v float64) xnum { return xnum{v, `"$"#,##0.00`} }
	a := op{acct: "Cooper Dental", name: "Cooper Dental - Annual", id: "0065g00000Kx9aBAAR", stage: "Closed Won", close: "2026-12-03", amount: usd(12500), role: "Decision Maker", first: "Ryan", last: "Cooper", email: "ryan.cooper@example.com", phone: "(650) 253-0121", city: "Palo Alto", st: "CA", zip: "94301", ctry: "USA"}
	x.add(buy(a, person{First: "Ryan", Last: "Cooper", Email: "ryan.cooper@example.com", Phone: "16502530121", City: "Palo Alto", State: "ca", Zip: "94301", Country: "us"}, "em ph fn ln ct st zp country"), mk(a)...)
	x.add(rejected("duplicate_event_id", "same opportunity, second contact role (Billing Contact): one row per contact role"), mk(op{acct: "Cooper Dental", name: "Cooper Dental - Annual", id: "0065g00000Kx9aBAAR", stage: "Closed Won", close: "2026-12-03", amount: usd(12500), role: "Billing Contact", first: "Nina", last: "Cooper", email: "billing@example.com", phone: "(650) 253-0122", city: "Palo Alto", st: "CA", zip: "94301", ctry: "USA"})...)
	x.add(skipped("Closed Lost"), mk(op{acct: "Bay Optics", name: "Bay Optics - Expansion", id: "0065g00000Kx9aCAAR", stage: "Closed Lost", close: "2026-12-04", amount: usd(8000), role: "Decision Maker", first: "Sean", last: "Murphy", email: "sean.murphy@example.com", phone: "(650) 253-0123", city: "San Mateo", st: "CA", zip: "94401", ctry: "USA"})...)
	x.add(skipped("open opportunity (Negotiation/Review)"), mk(op{acct: "Harbor Vet", name: "Harbor Vet - New", id: "0065g00000Kx9aDAAR", stage: "Negotiation/Review", close: "2026-12-05", amount: usd(6400), role: "Decision Maker", first: "Lily", last: "Tran", email: "lily.tran@example.com", phone: "(650) 253-0124", city: "Redwood City", st: "CA", zip: "94063", ctry: "USA"})...)
	x.add(stale("closed 2026-11-24, older than 7 days"), mk(op{acct: "Sunset Yoga", name: "Sunset Yoga - Annual", id: "0065g00000Kx9aEAAR", stage: "Closed Won", close: "2026-11-24", amount: usd(2400), role: "Decision Maker", first: "Maya", last: "Singh", email: "maya.singh@example.com", phone: "(650) 253-0125", city: "San Francisco", st: "CA", zip: "94110", ctry: "USA"})...)
	x.add(rejected("missing_required", "Closed Won with the Amount left empty"), mk(op{acct: "Pine Labs", name: "Pine Labs - Pilot", id: "0065g00000Kx9aFAAR", stage: "Closed Won", close: "2026-12-02", role: "Decision Maker", first: "Adam", last: "Fox", email: "adam.fox@example.com", phone: "(650) 253-0126", city: "Menlo Park", st: "CA", zip: "94025", ctry: "USA"})...)
	b := op{acct: "Gold Coast Cafe", name: "Gold Coast Cafe - POS", id: "0065g00000Kx9aGAAR", stage: "Closed Won", close: "2026-12-05", amount: usd(3250.75), role: "Decision Maker", first: "Theo", last: "Baxter", email: "n/a", phone: "1111111111", city: "St. Louis", st: "Missouri", zip: "63101-1234", ctry: "United States"}
	x.add(buy(b, person{First: "Theo", Last: "Baxter", City: "St. Louis", State: "mo", Zip: "63101", Country: "us"}, "fn ln ct st zp country"), mk(b)...)
	c := op{acct: "Vista Realty", name: "Vista Realty - Annual", id: "0065g00000Kx9aHAAR", stage: "Closed Won", close: "2026-12-07", amount: usd(18900), role: "Economic Buyer", first: "Isabel", last: "Ruiz", email: "isabel.ruiz@example.com", phone: "650.253.0127", city: "Los Altos", st: "CA", zip: "94022", ctry: "USA"}
	x.add(buy(c, person{First: "Isabel", Last: "Ruiz", Email: "isabel.ruiz@example.com", Phone: "16502530127", City: "Los Altos", State: "ca", Zip: "94022", Country: "us"}, "em ph fn ln ct st zp country"), mk(c)...)
	x.footer = [][]any{
		{"Grand Totals (8 records)", nil, nil, nil, nil, nil, xnum{51450.75, `"$"#,##0.00`}},
		{"Confidential Information - Do Not Distribute"},
		{"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."},
	}
	writeXLSX(o, x)
}

func dynamics(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Microsoft Dynamics 365 Sales: Export to Excel of an opportunity view (workbook in the 1904 date system)", File: "dynamics365_opportunities.xlsx",
		Set: map[string]string{"timezone": "Europe/Berlin"},
		SetWhy: map[string]string{
			"timezone": "Actual Close Date is a date-only cell; it is read as midnight in the user's time zone (Berlin)",
		}}}
	ber := loc("Europe/Berlin")
	x := &xlsxSpec{sheet: "My Closed Opportunities", date1904: true, header: []string{"(Do Not Modify) Opportunity", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On", "Topic", "Potential Customer", "Status", "Status Reason", "Actual Close Date", "Actual Revenue", "Est. Revenue", "Currency", "Owner", "First Name (Contact) (Contact)", "Last Name (Contact) (Contact)", "Email (Contact) (Contact)", "Mobile Phone (Contact) (Contact)", "Address 1: City (Contact) (Contact)", "Address 1: ZIP/Postal Code (Contact) (Contact)", "Address 1: Country/Region (Contact) (Contact)"},
		hidden: []string{"(Do Not Modify) Opportunity", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On"}}
	type op struct {
		guid, sum, topic, cust, status, reason, close, cur, first, last, email, city, country string
		rev                                                                                   float64
		phone, zip                                                                            any
	}
	mk := func(v op) []any {
		d, _ := time.ParseInLocation("2006-01-02", v.close, ber)
		var rev any
		if v.status == "Won" {
			rev = xnum{v.rev, "#,##0.00"}
		}
		return x.row("(Do Not Modify) Opportunity", v.guid, "(Do Not Modify) Row Checksum", v.sum,
			"(Do Not Modify) Modified On", xdate{d.Add(14*time.Hour + 3*time.Minute), "dd.mm.yyyy hh:mm"},
			"Topic", v.topic, "Potential Customer", v.cust, "Status", v.status, "Status Reason", v.reason,
			"Actual Close Date", xdate{d, "dd.mm.yyyy"}, "Actual Revenue", rev, "Est. Revenue", xnum{v.rev, "#,##0.00"},
			"Currency", v.cur, "Owner", "Katrin Vogel", "First Name (Contact) (Contact)", v.first, "Last Name (Contact) (Contact)", v.last,
			"Email (Contact) (Contact)", v.email, "Mobile Phone (Contact) (Contact)", v.phone, "Address 1: City (Contact) (Contact)", v.city,
			"Address 1: ZIP/Postal Code (Contact) (Contact)", v.zip, "Address 1: Country/Region (Contact) (Contact)", v.country)
	}
	iso := map[string]string{"Euro": "EUR", "US Dollar": "USD"}
	buy := func(v op, p person, which string) truthRow {
		d, _ := time.ParseInLocation("2006-01-02", v.close, ber)
		r := sent("Purchase", d, v.rev, iso[v.cur], p.keys(which))
		return r
	}
	a := op{guid: "3f2b9c1e-7a4d-ef11-8409-000d3a4b5c6d", sum: "k3J9bQ2xV1mZ8rT5yW0uAq==", topic: "CRM-Einführung Braun", cust: "Stefan Braun", status: "Won", reason: "Won", close: "2026-12-03", cur: "Euro", rev: 8900, first: "Stefan", last: "Braun", email: "stefan.braun@example.org", phone: int64(4915112345678), city: "Berlin", zip: int64(10117), country: "Germany"}
	x.add(buy(a, person{First: "Stefan", Last: "Braun", Email: "stefan.braun@example.org", Phone: "4915112345678", City: "Berlin", Zip: "10117", Country: "de"}, "em ph fn ln ct zp country"), mk(a)...)
	x.add(skipped("Status Lost"), mk(op{guid: "4a1c8d2f-7a4d-ef11-8409-000d3a4b5c6e", sum: "p8L2nR4tY6uI0oP1aS3dFg==", topic: "Wartungsvertrag Kraus", cust: "Ines Kraus", status: "Lost", reason: "Outsold", close: "2026-12-04", cur: "Euro", rev: 4200, first: "Ines", last: "Kraus", email: "ines.kraus@example.org", phone: int64(4917612345670), city: "Bremen", zip: int64(28195), country: "Germany"})...)
	x.add(skipped("Status Open"), mk(op{guid: "5b2d9e3a-7a4d-ef11-8409-000d3a4b5c6f", sum: "z1X2c3V4b5N6m7Q8w9E0rA==", topic: "Lizenzen Hoffmann", cust: "Kai Hoffmann", status: "Open", reason: "In Progress", close: "2026-12-20", cur: "Euro", rev: 15000, first: "Kai", last: "Hoffmann", email: "kai.hoffmann@example.org", city: "Dresden", zip: int64(1067), country: "Germany"})...)
	b := op{guid: "6c3e0f4b-7a4d-ef11-8409-000d3a4b5c70", sum: "Q1w2E3r4T5y6U7i8O9p0Aw==", topic: "Déploiement Dubois", cust: "Camille Dubois", status: "Won", reason: "Won", close: "2026-12-05", cur: "Euro", rev: 12400.5, first: "Camille", last: "Dubois", email: "camille.dubois@example.com", phone: int64(33612345678), city: "Paris", zip: int64(75001), country: "France"}
	x.add(buy(b, person{First: "Camille", Last: "Dubois", Email: "camille.dubois@example.com", Phone: "33612345678", City: "Paris", Zip: "75001", Country: "fr"}, "em ph fn ln ct zp country"), mk(b)...)
	c := op{guid: "7d4f1a5c-7a4d-ef11-8409-000d3a4b5c71", sum: "A9s8D7f6G5h4J3k2L1z0Xw==", topic: "Uitrol de Vries", cust: "Daan de Vries", status: "Won", reason: "Won", close: "2026-12-06", cur: "Euro", rev: 5600, first: "Daan", last: "de Vries", email: "daan.devries@example.com", phone: "+31 6 12345678", city: "Amsterdam", zip: "1012 AB", country: "Netherlands"}
	x.add(buy(c, person{First: "Daan", Last: "de Vries", Email: "daan.devries@example.com", Phone: "31612345678", City: "Amsterdam", Zip: "1012ab", Country: "nl"}, "em ph fn ln ct zp country"), mk(c)...)
	x.add(stale("closed 2026-11-20, older than 7 days"), mk(op{guid: "8e5a2b6d-7a4d-ef11-8409-000d3a4b5c72", sum: "M1n2B3v4C5x6Z7l8K9j0Hg==", topic: "Schulung Lang", cust: "Eva Lang", status: "Won", reason: "Won", close: "2026-11-20", cur: "Euro", rev: 1800, first: "Eva", last: "Lang", email: "eva.lang@example.org", phone: int64(4915123456700), city: "Bonn", zip: int64(53111), country: "Germany"})...)
	x.add(rejected("no_user_data", "won opportunity of an account with no contact"), mk(op{guid: "9f6b3c7e-7a4d-ef11-8409-000d3a4b5c73", sum: "R5t6Y7u8I9o0P1a2S3d4Fw==", topic: "Rahmenvertrag Nordlicht GmbH", cust: "Nordlicht GmbH", status: "Won", reason: "Won", close: "2026-12-02", cur: "Euro", rev: 48000})...)
	d := op{guid: "a07c4d8f-7a4d-ef11-8409-000d3a4b5c74", sum: "G7h8J9k0L1z2X3c4V5b6Nw==", topic: "US rollout Morgan", cust: "Hailey Morgan", status: "Won", reason: "Won", close: "2026-12-07", cur: "US Dollar", rev: 9900, first: "Hailey", last: "Morgan", email: "hailey.morgan@example.com", phone: int64(16502530133), city: "Mountain View", zip: int64(94043), country: "United States"}
	x.add(buy(d, person{First: "Hailey", Last: "Morgan", Email: "hailey.morgan@example.com", Phone: "16502530133", City: "Mountain View", Zip: "94043", Country: "us"}, "em ph fn ln ct zp country"), mk(d)...)
	x.add(rejected("duplicate_event_id", "opportunity 3f2b9c1e-... listed twice (two views exported into one sheet)"), mk(a)...)
	writeXLSX(o, x)
}

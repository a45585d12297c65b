package main

import (
	"strconv"
	"strings"
	"time"
)

func clover(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Clover orders export, re-saved by Excel as Unicode Text", File: "clover_orders_unicode.txt",
		Set: map[string]string{"timezone": "America/Chicago", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "Order Date is merchant wall clock with no zone",
			"default_country": "Customer Phone is US national format without +1; no country column",
		}}}
	chi := loc("America/Chicago")
	t := &textTable{header: strings.Split("Order Date,Order ID,Note,Currency,Tax Amount,Tip,Service Charge,Discount,Order Total,Payments Total,Refunds Total,Manual Refunds Total,Tender,Credit Card Auth Code,Credit Card Transaction ID,Order Payment State,Order Employee ID,Order Employee Name,Customer Name,Customer Phone,Customer Email,Device Serial", ",")}
	type ord struct{ when, id, note, tax, tip, total, refunds, tender, state, name, phone, email string }
	mk := func(c ord) []string {
		w, _ := time.ParseInLocation("2006-01-02 15:04", c.when, chi)
		pay := c.total
		if c.state == "Open" {
			pay = "0.00"
		}
		auth := ""
		if c.tender == "Credit Card" {
			auth = "0" + c.id[:5]
		}
		return t.row("Order Date", w.Format("02-Jan-2006 03:04 PM"), "Order ID", c.id, "Note", c.note, "Currency", "USD",
			"Tax Amount", c.tax, "Tip", c.tip, "Service Charge", "0.00", "Discount", "0.00", "Order Total", c.total,
			"Payments Total", pay, "Refunds Total", c.refunds, "Manual Refunds Total", "0.00", "Tender", c.tender,
			"Credit Card Auth Code", auth, "Order Payment State", c.state, "Order Employee ID", "EMP7K2Q9",
			"Order Employee Name", "Dana", "Customer Name", c.name, "Customer Phone", c.phone, "Customer Email", c.email,
			"Device Serial", "C045UQ12340123")
	}
	buy := func(c ord, p person, which string) truthRow {
		w, _ := time.ParseInLocation("2006-01-02 15:04", c.when, chi)
		v, _ := strconv.ParseFloat(c.total, 64)
		return sent("Purchase", w, v, "USD", p.keys(which))
	}
	a := ord{when: "2026-12-06 17:38", id: "QW8ZK2M1P3X4Y", tax: "3.30", tip: "5.00", total: "48.30", refunds: "0.00", tender: "Credit Card", state: "Paid", name: "Megan Foster", phone: "(312) 744-5101", email: "megan.foster@example.com"}
	t.add(buy(a, person{First: "Megan", Last: "Foster", Email: "megan.foster@example.com", Phone: "13127445101"}, "em ph fn ln"), mk(a)...)
	t.add(skipped("refunded order (Order Payment State Refunded)"), mk(ord{when: "2026-12-06 12:10", id: "HN3B7V5C1X9Z2", tax: "1.65", total: "21.65", refunds: "21.65", tender: "Credit Card", state: "Refunded", name: "Paul Young", phone: "(312) 744-5102", email: "paul.young@example.com"})...)
	t.add(rejected("no_user_data", "walk-in: no customer attached"), mk(ord{when: "2026-12-05 09:30", id: "LK8J6H4G2F0D1", tax: "0.41", total: "5.41", refunds: "0.00", tender: "Cash", state: "Paid"})...)
	t.add(skipped("open order, never paid (Order Payment State Open)"), mk(ord{when: "2026-12-05 19:45", id: "PO9I7U5Y3T1R2", tax: "2.48", total: "32.48", refunds: "0.00", state: "Open", name: "Nina Alvarez", email: "nina.alvarez@example.com"})...)
	b := ord{when: "2026-12-04 14:20", id: "MN2B4V6C8X0Z1", tax: "2.00", total: "26.00", refunds: "0.00", tender: "Cash", state: "Paid", name: "Brian Scott", phone: "1111111111", email: "n/a"}
	t.add(buy(b, person{First: "Brian", Last: "Scott"}, "fn ln"), mk(b)...)
	t.add(stale("2026-11-28, older than 7 days"), mk(ord{when: "2026-11-28 11:00", id: "ZX1C3V5B7N9M2", tax: "1.10", total: "14.60", refunds: "0.00", tender: "Credit Card", state: "Paid", name: "Megan Foster", phone: "(312) 744-5101", email: "megan.foster@example.com"})...)
	c := ord{when: "2026-12-03 08:05", id: "AS4D6F8G0H2J1", tax: "0.80", total: "10.80", refunds: "0.00", tender: "Credit Card", state: "Paid", phone: "3127445123"}
	t.add(buy(c, person{Phone: "13127445123"}, "ph"), mk(c)...)
	d := ord{when: "2026-12-02 16:55", id: "QA1Z2W3S4X5E6", tax: "4.95", tip: "10.00", total: "74.95", refunds: "0.00", tender: "Credit Card", state: "Paid", name: "Aisha Rahman", email: "aisha.rahman@example.org"}
	t.add(buy(d, person{First: "Aisha", Last: "Rahman", Email: "aisha.rahman@example.org"}, "em fn ln"), mk(d)...)
	t.add(rejected("duplicate_event_id", "Order QA1Z2W3S4X5E6 listed twice"), mk(d)...)
	t.add(skipped("test order (Note TEST, Test Customer, test@test.com)"), mk(ord{when: "2026-12-07 08:00", id: "TE5T0RD3R0001", note: "TEST", tax: "0.00", total: "0.01", refunds: "0.00", tender: "Credit Card", state: "Paid", name: "Test Customer", phone: "000-000-0000", email: "test@test.com"})...)
	e := ord{when: "2026-12-07 11:42", id: "RF7T8G9Y0H1U2", tax: "1.98", total: "25.98", refunds: "0.00", tender: "Credit Card", state: "Paid", name: "Diego Ramírez", phone: "312-744-5188", email: "diego.ramirez@example.com"}
	t.add(buy(e, person{First: "Diego", Last: "Ramírez", Email: "diego.ramirez@example.com", Phone: "13127445188"}, "em ph fn ln"), mk(e)...)
	writeText(o, csvSpec{comma: '\t', crlf: true, encoding: "utf-16le"}, t)
}

func googleForms(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Google Forms responses sheet, downloaded from Google Sheets as CSV", File: "google_forms_responses.csv",
		Set: map[string]string{"timezone": "America/Denver", "currency": "USD", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "Timestamp is in the spreadsheet's time zone, which the CSV does not carry",
			"currency":        "Purchase amount is free text ('45.00', '$120'); no currency column",
			"default_country": "phone numbers are typed without +1 and no column names a country",
		}}}
	den := loc("America/Denver")
	t := &textTable{header: []string{"Timestamp", "Email Address", "Full name", "Phone number", "ZIP code", "Which store did you visit?", "Purchase amount", "Receipt number", "How did you hear about us?"}}
	ts := func(s string) (string, time.Time) {
		w, err := time.ParseInLocation("1/2/2006 15:04:05", s, den)
		if err != nil {
			panic(err)
		}
		return s, w
	}
	add := func(tr truthRow, stamp, email, name, phone, zip, store, amount, receipt, heard string) {
		t.add(tr, stamp, email, name, phone, zip, store, amount, receipt, heard)
	}
	s, w := ts("12/6/2026 17:38:21")
	add(sent("Purchase", w, 45.00, "USD", person{First: "Maria", Last: "Cruz", Email: "maria.lopez@example.com", Phone: "13038662471", Zip: "80202"}.keys("em ph fn ln zp")),
		s, "maria.lopez@example.com", "Maria de la Cruz", "303-866-2471", "80202", "Downtown", "45.00", "R-88231", "Instagram")
	s, _ = ts("12/6/2026 17:55:02")
	add(skipped("test submission (name Test, test@test.com, receipt 'test')"), s, "test@test.com", "Test", "1111111111", "00000", "Downtown", "1", "test", "Other")
	s, w = ts("12/5/2026 12:14:40")
	add(sent("Purchase", w, 120.00, "USD", person{First: "James", Last: "Wilson", Phone: "13038662400", Zip: "80203"}.keys("ph fn ln zp")),
		s, "n/a", "James Wilson", "(303) 866-2400", "80203", "Cherry Creek", "$120", "R-88190", "Friend")
	s, _ = ts("12/6/2026 17:38:49")
	add(rejected("duplicate_event_id", "form submitted twice: same receipt R-88231"), s, "maria.lopez@example.com", "Maria de la Cruz", "303-866-2471", "80202", "Downtown", "45.00", "R-88231", "Instagram")
	s, _ = ts("12/4/2026 19:02:13")
	add(rejected("missing_required", "Purchase amount left blank"), s, "kate.miller@example.com", "Kate Miller", "", "80209", "Cherry Creek", "", "R-88150", "Google")
	s, _ = ts("11/28/2026 10:30:00")
	add(stale("11/28/2026, older than 7 days"), s, "paul.reed@example.com", "Paul Reed", "303-866-2455", "80205", "Downtown", "60", "R-87990", "Instagram")
	s, w = ts("12/3/2026 09:47:31")
	add(sent("Purchase", w, 210.00, "USD", person{First: "Noor", Last: "Haddad", Email: "noor.haddad@example.com", Phone: "17209131000", Zip: "80206"}.keys("em ph fn ln zp")),
		s, "  Noor.Haddad@Example.com", "Noor Haddad", "+1 (720) 913-1000", "80206-1234", "Cherry Creek", "210.00", "R-88101", "Facebook")
	s, w = ts("12/2/2026 15:20:05")
	add(sent("Purchase", w, 89.50, "USD", person{First: "Chris", Last: "Evans", Phone: "17209131044"}.keys("ph fn ln")),
		s, "", "Chris Evans", "720.913.1044", "", "Downtown", "89.5", "R-88077", "")
	s, w = ts("12/7/2026 10:03:59")
	add(sent("Purchase", w, 15.00, "USD", person{Email: "li.wei@example.org"}.keys("em")),
		s, "li.wei@example.org", "", "", "", "Downtown", "15", "R-88260", "Walk by")
	s, w = ts("12/1/2026 18:44:10")
	add(sent("Purchase", w, 32.25, "USD", person{First: "Grace", Last: "Hopper", Email: "g.hopper@example.com", Zip: "80210"}.keys("em fn ln zp")),
		s, "g.hopper@example.com", "Grace Hopper", "000-000-0000", "80210", "Cherry Creek", "32.25", "R-88002", "Newsletter")
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8"}, t)
}

func pipedrive(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Pipedrive deals export (deal + person fields)", File: "pipedrive_deals.csv",
		Set: map[string]string{"timezone": "America/Chicago", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "Deal - Won time is in the exporting user's time zone with no offset",
			"default_country": "some Person - Phone values are US national numbers without +1; no country column",
		}}}
	chi := loc("America/Chicago")
	t := &textTable{header: strings.Split("Deal - ID,Deal - Title,Deal - Creator,Deal - Owner,Deal - Value,Deal - Currency,Deal - Weighted value,Deal - Probability,Deal - Organization,Deal - Pipeline,Deal - Contact person,Deal - Stage,Deal - Label,Deal - Status,Deal - Deal created,Deal - Update time,Deal - Last stage change,Deal - Next activity date,Deal - Last activity date,Deal - Won time,Deal - Lost time,Deal - Deal closed on,Deal - Lost reason,Deal - Expected close date,Person - Name,Person - Email,Person - Phone,Person - Organization", ",")}
	type deal struct{ id, title, value, cur, org, person, stage, status, created, won, lost, reason, email, phone string }
	mk := func(d deal) []string {
		closed := d.won
		if d.lost != "" {
			closed = d.lost
		}
		w := d.value
		if d.status == "open" {
			w = d.value
		}
		return t.row("Deal - ID", d.id, "Deal - Title", d.title, "Deal - Creator", "Kim Howard", "Deal - Owner", "Kim Howard",
			"Deal - Value", d.value, "Deal - Currency", d.cur, "Deal - Weighted value", w, "Deal - Probability", "",
			"Deal - Organization", d.org, "Deal - Pipeline", "Sales", "Deal - Contact person", d.person, "Deal - Stage", d.stage,
			"Deal - Status", d.status, "Deal - Deal created", d.created, "Deal - Update time", maxs(d.created, closed),
			"Deal - Last stage change", maxs(d.created, closed), "Deal - Won time", d.won, "Deal - Lost time", d.lost,
			"Deal - Deal closed on", closed, "Deal - Lost reason", d.reason, "Person - Name", d.person, "Person - Email", d.email,
			"Person - Phone", d.phone, "Person - Organization", d.org)
	}
	buy := func(d deal, p person, which string) truthRow {
		v, _ := strconv.ParseFloat(d.value, 64)
		return sent("Purchase", at(chi, d.won), v, d.cur, p.keys(which))
	}
	d1 := deal{id: "1842", title: "Kitchen remodel - Alvarez", value: "18500", cur: "USD", person: "Rosa Alvarez", stage: "Contract signed", status: "won", created: "2026-10-02 09:12:00", won: "2026-12-04 15:30:12", email: "rosa.alvarez@example.com", phone: "+1 312 744 5201"}
	t.add(buy(d1, person{First: "Rosa", Last: "Alvarez", Email: "rosa.alvarez@example.com", Phone: "13127445201"}, "em ph fn ln"), mk(d1)...)
	t.add(skipped("lost deal"), mk(deal{id: "1843", title: "Bathroom refresh - Nolan", value: "7200", cur: "USD", person: "Patrick Nolan", stage: "Proposal made", status: "lost", created: "2026-10-15 11:00:00", lost: "2026-12-05 10:02:00", reason: "Went with competitor", email: "patrick.nolan@example.com", phone: "312-744-5202"})...)
	t.add(skipped("open deal, not won"), mk(deal{id: "1850", title: "Deck build - Iverson", value: "12400", cur: "USD", person: "Erik Iverson", stage: "Negotiations started", status: "open", created: "2026-11-20 14:22:00", email: "erik.iverson@example.com", phone: "(312) 744-5203"})...)
	d4 := deal{id: "1838", title: "Basement finish - Brooks", value: "26750.50", cur: "USD", org: "Brooks Family Trust", person: "Tyler Brooks", stage: "Contract signed", status: "won", created: "2026-09-18 08:45:00", won: "2026-12-06 11:05:41", email: "", phone: "3127445204"}
	t.add(buy(d4, person{First: "Tyler", Last: "Brooks", Phone: "13127445204"}, "ph fn ln"), mk(d4)...)
	t.add(stale("won 2026-11-24, older than 7 days"), mk(deal{id: "1820", title: "Window replacement - Cho", value: "9400", cur: "USD", person: "Min-jun Cho", stage: "Contract signed", status: "won", created: "2026-08-30 10:00:00", won: "2026-11-24 16:00:00", email: "minjun.cho@example.com", phone: "+1 312 744 5205"})...)
	d6 := deal{id: "1851", title: "Roof repair - Sandoval", value: "4300", cur: "USD", person: "Lucia Sandoval", stage: "Contract signed", status: "won", created: "2026-11-25 13:30:00", won: "2026-12-07 09:14:03", email: "LUCIA.SANDOVAL@example.org", phone: "000-000-0000"}
	t.add(buy(d6, person{First: "Lucia", Last: "Sandoval", Email: "lucia.sandoval@example.org"}, "em fn ln"), mk(d6)...)
	t.add(skipped("test deal ('Test Person', test@test.com, value 1), status open"), mk(deal{id: "1852", title: "Garage door - Test", value: "1", cur: "USD", person: "Test Person", stage: "Contract signed", status: "open", created: "2026-12-01 09:00:00", email: "test@test.com", phone: "1111111111"})...)
	d8 := deal{id: "1845", title: "Patio - Okafor", value: "15900", cur: "USD", person: "Chidi Okafor", stage: "Contract signed", status: "won", created: "2026-10-20 10:10:00", won: "2026-12-02 17:48:22", email: "chidi.okafor@example.com", phone: "+1 (720) 913-1050"}
	t.add(buy(d8, person{First: "Chidi", Last: "Okafor", Email: "chidi.okafor@example.com", Phone: "17209131050"}, "em ph fn ln"), mk(d8)...)
	t.add(rejected("no_user_data", "won deal of an organization with no contact person"), mk(deal{id: "1846", title: "Office fit-out - Lakeview LLC", value: "48000", cur: "USD", org: "Lakeview LLC", stage: "Contract signed", status: "won", created: "2026-10-01 09:00:00", won: "2026-12-03 12:00:00"})...)
	d10 := deal{id: "1847", title: "Sauna - Virtanen", value: "21000", cur: "EUR", person: "Aino Virtanen", stage: "Contract signed", status: "won", created: "2026-10-05 09:00:00", won: "2026-12-05 08:20:00", email: "aino.virtanen@example.com", phone: "+49 176 12345678"}
	t.add(buy(d10, person{First: "Aino", Last: "Virtanen", Email: "aino.virtanen@example.com", Phone: "4917612345678"}, "em ph fn ln"), mk(d10)...)
	writeText(o, csvSpec{comma: ',', crlf: false, encoding: "utf-8"}, t)
}

func maxs(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func zoho(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Zoho CRM deals export", File: "zoho_deals.csv",
		Set: map[string]string{"timezone": "Asia/Kolkata"},
		SetWhy: map[string]string{
			"timezone": "Closing Date is a date without time or zone; it is read as midnight in the org's time zone (IST)",
		}}}
	ist := loc("Asia/Kolkata")
	t := &textTable{header: strings.Split("Record Id,Deal Owner,Deal Name,Amount,Closing Date,Account Name,Stage,Type,Probability (%),Expected Revenue,Lead Source,Contact Name,Created By,Modified By,Created Time,Modified Time,Currency,Exchange Rate,Description", ",")}
	type deal struct{ id, name, amount, closing, account, stage, prob, contact, created, cur string }
	mk := func(d deal) []string {
		return t.row("Record Id", d.id, "Deal Owner", "Priya Raman", "Deal Name", d.name, "Amount", d.amount, "Closing Date", d.closing,
			"Account Name", d.account, "Stage", d.stage, "Type", "New Business", "Probability (%)", d.prob, "Expected Revenue", d.amount,
			"Lead Source", "Facebook", "Contact Name", d.contact, "Created By", "Priya Raman", "Modified By", "Priya Raman",
			"Created Time", d.created, "Modified Time", d.closing+" 18:22:10", "Currency", d.cur, "Exchange Rate", "1.000000000")
	}
	buy := func(d deal, first, last string) truthRow {
		v, _ := strconv.ParseFloat(d.amount, 64)
		return sent("Purchase", at(ist, d.closing+" 00:00:00"), v, d.cur, person{First: first, Last: last}.keys("fn ln"))
	}
	d1 := deal{id: "zcrm_4876876000001234001", name: "Annual plan - Mehta", amount: "54000", closing: "2026-12-04", account: "Mehta Textiles", stage: "Closed Won", prob: "100", contact: "Rohan Mehta", created: "2026-11-02 10:15:00", cur: "INR"}
	t.add(buy(d1, "Rohan", "Mehta"), mk(d1)...)
	t.add(skipped("Closed Lost"), mk(deal{id: "zcrm_4876876000001234002", name: "Pilot - Kapoor", amount: "12000", closing: "2026-12-05", account: "Kapoor & Sons", stage: "Closed Lost", prob: "0", contact: "Anjali Kapoor", created: "2026-11-10 09:00:00", cur: "INR"})...)
	t.add(skipped("open deal (Negotiation/Review)"), mk(deal{id: "zcrm_4876876000001234003", name: "Upgrade - Iyer", amount: "30000", closing: "2026-12-20", account: "Iyer Foods", stage: "Negotiation/Review", prob: "80", contact: "Karthik Iyer", created: "2026-11-15 12:00:00", cur: "INR"})...)
	d4 := deal{id: "zcrm_4876876000001234004", name: "Annual plan - Das", amount: "48000.00", closing: "2026-12-06", account: "", stage: "Closed Won", prob: "100", contact: "Sneha Das", created: "2026-11-20 15:40:00", cur: "INR"}
	t.add(buy(d4, "Sneha", "Das"), mk(d4)...)
	t.add(rejected("no_user_data", "won deal with no Contact Name (account only)"), mk(deal{id: "zcrm_4876876000001234005", name: "Bulk licences - Orbit Retail", amount: "250000", closing: "2026-12-03", account: "Orbit Retail Pvt Ltd", stage: "Closed Won", prob: "100", created: "2026-10-28 11:00:00", cur: "INR"})...)
	t.add(stale("closed 2026-11-25, older than 7 days"), mk(deal{id: "zcrm_4876876000001234006", name: "Annual plan - Nair", amount: "54000", closing: "2026-11-25", account: "Nair Exports", stage: "Closed Won", prob: "100", contact: "Meera Nair", created: "2026-10-10 10:00:00", cur: "INR"})...)
	d7 := deal{id: "zcrm_4876876000001234007", name: "Consulting - Fernandes", amount: "1500", closing: "2026-12-02", account: "Fernandes Design", stage: "Closed Won", prob: "100", contact: "Leo Fernandes", created: "2026-11-25 10:00:00", cur: "USD"}
	t.add(buy(d7, "Leo", "Fernandes"), mk(d7)...)
	d8 := deal{id: "zcrm_4876876000001234008", name: "Annual plan - Reddy", amount: "54000", closing: "2026-12-07", account: "Reddy Pharma", stage: "Closed Won", prob: "100", contact: "Vikram Reddy", created: "2026-11-29 10:00:00", cur: "INR"}
	t.add(buy(d8, "Vikram", "Reddy"), mk(d8)...)
	t.add(rejected("duplicate_event_id", "same Record Id twice (export of two overlapping views merged)"), mk(d8)...)
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8-bom"}, t)
}

package main

import (
	"strings"
)

func toast(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Toast CheckDetails.csv data export", File: "toast_CheckDetails.csv",
		Set: map[string]string{"timezone": "America/Chicago", "currency": "USD", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "Opened Date/Opened Time are restaurant wall clock with no zone column",
			"currency":        "Total is a bare number; Toast's field reference calls it US dollars but no column says so",
			"default_country": "Customer Phone is written in US national format without +1 and no column names a country",
		}}}
	chi := loc("America/Chicago")
	t := &textTable{header: strings.Split("Location Code,Opened Date,Opened Time,Item Description,Server,Tax,Tender,Check Id,Check #,Total,Customer Family,Table Size,Discount,Reason of Discount,Link,Customer Id,Customer,Customer Phone,Customer Email", ",")}
	type ck struct {
		date, tm, items, server, tax, tender, id, num, total, size, disc, reason, custID, cust, phone, email string
	}
	mk := func(c ck) []string {
		return t.row("Opened Date", c.date, "Opened Time", c.tm, "Item Description", c.items, "Server", c.server,
			"Tax", c.tax, "Tender", c.tender, "Check Id", c.id, "Check #", c.num, "Total", c.total, "Table Size", c.size,
			"Discount", c.disc, "Reason of Discount", c.reason, "Link", "https://www.toasttab.com/receipts/"+c.id,
			"Customer Id", c.custID, "Customer", c.cust, "Customer Phone", c.phone, "Customer Email", c.email)
	}
	when := func(date, tm string) string { // 12/06/26 + 07:42 PM -> wall clock
		d := strings.Split(date, "/")
		hm := strings.Fields(tm)
		hh := atoi(hm[0][:2])
		if hm[1] == "PM" && hh != 12 {
			hh += 12
		}
		if hm[1] == "AM" && hh == 12 {
			hh = 0
		}
		return "20" + d[2] + "-" + d[0] + "-" + d[1] + " " + pad2(hh) + ":" + hm[0][3:5] + ":00"
	}
	buy := func(c ck, p person, which string, v float64) truthRow {
		return sent("Purchase", at(chi, when(c.date, c.tm)), v, "USD", p.keys(which))
	}
	c2 := ck{date: "12/06/26", tm: "07:42 PM", items: "Ribeye, Caesar Salad, House Red", server: "Jordan M", tax: "7.40", tender: "VISA", id: "400000012345678101", num: "112", total: "86.40", size: "2", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e01", cust: "Rachel Green", phone: "(312) 744-5012", email: "rachel.green@example.com"}
	t.add(buy(c2, person{First: "Rachel", Last: "Green", Email: "rachel.green@example.com", Phone: "13127445012"}, "em ph fn ln", 86.40), mk(c2)...)
	t.add(rejected("no_user_data", "walk-in 'Guest' with no phone or email"), mk(ck{date: "12/06/26", tm: "08:05 PM", items: "Burger, Fries", server: "Jordan M", tax: "2.10", tender: "CASH", id: "400000012345678102", num: "113", total: "24.60", size: "1", cust: "Guest"})...)
	c4 := ck{date: "12/05/26", tm: "06:30 PM", items: "Margherita Pizza", server: "Alex P", tax: "1.60", tender: "MASTERCARD", id: "400000012345678103", num: "87", total: "19.10", size: "1", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e03", cust: "Tom Baker", phone: "000-000-0000", email: "n/a"}
	t.add(buy(c4, person{First: "Tom", Last: "Baker"}, "fn ln", 19.10), mk(c4)...)
	c5 := ck{date: "12/05/26", tm: "12:15 PM", items: "Takeout: Pad Thai x2", server: "Online Ordering", tax: "2.72", tender: "Credit", id: "400000012345678104", num: "45", total: "31.72", size: "1", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e04", phone: "3127445031"}
	t.add(buy(c5, person{Phone: "13127445031"}, "ph", 31.72), mk(c5)...)
	t.add(stale("opened 11/26/26, older than 7 days"), mk(ck{date: "11/26/26", tm: "07:10 PM", items: "Turkey Dinner", server: "Alex P", tax: "4.20", tender: "AMEX", id: "400000012345678099", num: "301", total: "52.20", size: "2", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e05", cust: "Samuel Ortiz", phone: "(312) 744-5040", email: "samuel.ortiz@example.com"})...)
	t.add(rejected("duplicate_event_id", "Check Id 400000012345678101 again (two exports concatenated)"), mk(c2)...)
	t.add(skipped("fully comped check (Total 0.00, Reason of Discount 'Comp - Manager'): no sale"), mk(ck{date: "12/04/26", tm: "09:20 PM", items: "Tasting Menu", server: "Jordan M", tax: "0.00", tender: "", id: "400000012345678105", num: "77", total: "0.00", size: "2", disc: "140.00", reason: "Comp - Manager", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e06", cust: "Helen Park", email: "helen.park@example.com"})...)
	c9 := ck{date: "12/04/26", tm: "01:05 PM", items: "Cobb Salad, Iced Tea", server: "Alex P", tax: "1.45", tender: "VISA", id: "400000012345678106", num: "52", total: "20.95", size: "1", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e07", cust: "Ana Lucía Torres", phone: "+1 312 744 5077", email: "ana.torres@example.com"}
	t.add(buy(c9, person{First: "Ana", Last: "Torres", Email: "ana.torres@example.com", Phone: "13127445077"}, "em ph fn ln", 20.95), mk(c9)...)
	t.add(rejected("no_user_data", "'Guest' with placeholder phone 1111111111 and test@test.com"), mk(ck{date: "12/03/26", tm: "05:50 PM", items: "Soup of the Day", server: "Jordan M", tax: "0.70", tender: "CASH", id: "400000012345678107", num: "20", total: "9.20", size: "1", cust: "Guest", phone: "1111111111", email: "test@test.com"})...)
	c11 := ck{date: "12/02/26", tm: "08:45 PM", items: "Salmon, Risotto, Tiramisu", server: "Alex P", tax: "6.10", tender: "DISCOVER", id: "400000012345678108", num: "140", total: "71.10", size: "2", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e08", cust: "Kevin Park", email: "KPark@Example.com"}
	t.add(buy(c11, person{First: "Kevin", Last: "Park", Email: "kpark@example.com"}, "em fn ln", 71.10), mk(c11)...)
	c12 := ck{date: "12/07/26", tm: "11:05 AM", items: "Brunch Special", server: "Jordan M", tax: "1.30", tender: "VISA", id: "400000012345678109", num: "3", total: "18.30", size: "1", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e09", cust: "Olivia Brown", phone: "312.744.5090"}
	t.add(buy(c12, person{First: "Olivia", Last: "Brown", Phone: "13127445090"}, "ph fn ln", 18.30), mk(c12)...)
	c13 := ck{date: "12/01/26", tm: "06:15 PM", items: "Fish Tacos", server: "Alex P", tax: "1.20", tender: "MASTERCARD", id: "400000012345678110", num: "98", total: "16.20", size: "1", custID: "b1f0c2d4-1a2b-4c3d-8e9f-0a1b2c3d4e10", cust: "Liam Johnson", email: "liam.johnson@example.org"}
	t.add(buy(c13, person{First: "Liam", Last: "Johnson", Email: "liam.johnson@example.org"}, "em fn ln", 16.20), mk(c13)...)
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8"}, t)
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func pad2(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

func kasseDE(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "German register journal export (Bonjournal mit Kundendaten)", File: "kasse_bonjournal_de.csv",
		Set: map[string]string{"timezone": "Europe/Berlin", "currency": "EUR", "default_country": "DE"},
		SetWhy: map[string]string{
			"timezone":        "Datum/Uhrzeit are register wall clock with no zone",
			"currency":        "Netto/MwSt./Brutto are bare decimal-comma numbers; no currency column",
			"default_country": "most Telefon values are national (0151 ..., +49 (0)30 with trunk zero); the contract reads national numbers with default_country",
		}}}
	ber := loc("Europe/Berlin")
	t := &textTable{header: strings.Split("Datum;Uhrzeit;Bon-Nr.;Kasse;Bediener;Bon-Typ;Kundennr.;Anrede;Vorname;Nachname;Straße;PLZ;Ort;Land;Telefon;E-Mail;Geburtsdatum;Anz. Artikel;Netto;MwSt.;Brutto;Zahlungsart", ";")}
	type bon struct {
		datum, zeit, nr, typ, kdnr, anrede, vor, nach, str, plz, ort, land, tel, mail, geb, anz, netto, mwst, brutto, zahl string
	}
	mk := func(b bon) []string {
		return t.row("Datum", b.datum, "Uhrzeit", b.zeit, "Bon-Nr.", b.nr, "Kasse", "K1", "Bediener", "Petra", "Bon-Typ", b.typ,
			"Kundennr.", b.kdnr, "Anrede", b.anrede, "Vorname", b.vor, "Nachname", b.nach, "Straße", b.str, "PLZ", b.plz,
			"Ort", b.ort, "Land", b.land, "Telefon", b.tel, "E-Mail", b.mail, "Geburtsdatum", b.geb, "Anz. Artikel", b.anz,
			"Netto", b.netto, "MwSt.", b.mwst, "Brutto", b.brutto, "Zahlungsart", b.zahl)
	}
	wall := func(b bon) string {
		d := strings.Split(b.datum, ".")
		return d[2] + "-" + d[1] + "-" + d[0] + " " + b.zeit
	}
	buy := func(b bon, p person, which string, v float64) truthRow {
		return sent("Purchase", at(ber, wall(b)), v, "EUR", p.keys(which))
	}
	b2 := bon{datum: "06.12.2026", zeit: "17:38:21", nr: "10234", typ: "Beleg", kdnr: "10017", anrede: "Frau", vor: "Anna", nach: "Müller", str: "Hauptstraße 5", plz: "10115", ort: "Berlin", land: "Deutschland", tel: "+49 (0)30 23456789", mail: "anna.mueller@example.org", geb: "12.03.1985", anz: "3", netto: "50,41", mwst: "9,58", brutto: "59,99", zahl: "EC-Karte"}
	t.add(buy(b2, person{First: "Anna", Last: "Müller", Email: "anna.mueller@example.org", Phone: "493023456789", City: "Berlin", Zip: "10115", Country: "de", DOB: "19850312", Gender: "f"}, "em ph fn ln ct zp country db ge", 59.99), mk(b2)...)
	t.add(rejected("no_user_data", "Laufkunde (walk-in), Kundennr. 0"), mk(bon{datum: "06.12.2026", zeit: "17:41:03", nr: "10235", typ: "Beleg", kdnr: "0", nach: "Laufkunde", anz: "1", netto: "4,12", mwst: "0,78", brutto: "4,90", zahl: "Bar"})...)
	t.add(skipped("Storno (void of Bon 10190 from an earlier day), negative Brutto"), mk(bon{datum: "06.12.2026", zeit: "18:02:44", nr: "10236", typ: "Storno", kdnr: "10021", anrede: "Herr", vor: "Jürgen", nach: "Weiß", str: "Lindenallee 12", plz: "20095", ort: "Hamburg", land: "Deutschland", tel: "040 23456789", mail: "juergen.weiss@example.org", anz: "-1", netto: "-20,92", mwst: "-3,98", brutto: "-24,90", zahl: "Bar"})...)
	t.add(skipped("Retoure (return), negative Brutto"), mk(bon{datum: "05.12.2026", zeit: "11:15:30", nr: "10221", typ: "Retoure", kdnr: "10044", anrede: "Frau", vor: "Claudia", nach: "Neumann", str: "Marktplatz 1", plz: "04109", ort: "Leipzig", land: "Deutschland", tel: "0341 2345678", mail: "claudia.neumann@example.org", anz: "-1", netto: "-100,00", mwst: "-19,00", brutto: "-119,00", zahl: "EC-Karte"})...)
	b6 := bon{datum: "05.12.2026", zeit: "15:47:12", nr: "10226", typ: "Beleg", kdnr: "10052", anrede: "Herr", vor: "Thomas", nach: "Schäfer", str: "Domkloster 4", plz: "50667", ort: "Köln", land: "DE", tel: "0151 23456701", mail: "thomas.schaefer@example.org", anz: "1", netto: "1.049,58", mwst: "199,42", brutto: "1.249,00", zahl: "Kreditkarte"}
	t.add(buy(b6, person{First: "Thomas", Last: "Schäfer", Email: "thomas.schaefer@example.org", Phone: "4915123456701", City: "Köln", Zip: "50667", Country: "de", Gender: "m"}, "em ph fn ln ct zp country ge", 1249.00), mk(b6)...)
	b7 := bon{datum: "04.12.2026", zeit: "10:05:55", nr: "10210", typ: "Beleg", kdnr: "10060", anrede: "Frau", vor: "Sophie", nach: "Becker", str: "Marienplatz 8", plz: "80331", ort: "München", land: "Deutschland", tel: "+49 (0)89 12345678", geb: "01.07.1992", anz: "2", netto: "33,53", mwst: "6,37", brutto: "39,90", zahl: "EC-Karte"}
	t.add(buy(b7, person{First: "Sophie", Last: "Becker", Phone: "498912345678", City: "München", Zip: "80331", Country: "de", DOB: "19920701", Gender: "f"}, "ph fn ln ct zp country db ge", 39.90), mk(b7)...)
	t.add(rejected("duplicate_event_id", "Bon 10234 exported twice (overlapping Z-Bon ranges)"), mk(b2)...)
	t.add(stale("27.11.2026, older than 7 days"), mk(bon{datum: "27.11.2026", zeit: "16:20:00", nr: "10101", typ: "Beleg", kdnr: "10017", anrede: "Frau", vor: "Anna", nach: "Müller", str: "Hauptstraße 5", plz: "10115", ort: "Berlin", land: "Deutschland", tel: "+49 (0)30 23456789", mail: "anna.mueller@example.org", geb: "12.03.1985", anz: "1", netto: "16,72", mwst: "3,18", brutto: "19,90", zahl: "Bar"})...)
	b10 := bon{datum: "03.12.2026", zeit: "13:22:09", nr: "10188", typ: "Beleg", kdnr: "10071", anrede: "Herr", vor: "Markus", nach: "Huber", str: "Graben 21", plz: "1010", ort: "Wien", land: "Österreich", tel: "+43 664 1234567", mail: "markus.huber@example.com", anz: "2", netto: "74,71", mwst: "14,19", brutto: "88,90", zahl: "Kreditkarte"}
	t.add(buy(b10, person{First: "Markus", Last: "Huber", Email: "markus.huber@example.com", Phone: "436641234567", City: "Wien", Zip: "1010", Country: "at", Gender: "m"}, "em ph fn ln ct zp country ge", 88.90), mk(b10)...)
	t.add(rejected("no_user_data", "Laufkunde (walk-in), Kundennr. 0"), mk(bon{datum: "03.12.2026", zeit: "13:40:51", nr: "10189", typ: "Beleg", kdnr: "0", nach: "Laufkunde", anz: "2", netto: "8,32", mwst: "1,58", brutto: "9,90", zahl: "Bar"})...)
	b12 := bon{datum: "07.12.2026", zeit: "18:30:00", nr: "10250", typ: "Beleg", kdnr: "10080", anrede: "Frau", vor: "Zoë", nach: "Krüger", str: "Königstraße 2", plz: "70173", ort: "Stuttgart", land: "Deutschland", tel: "0000 000000", mail: "keine Angabe", anz: "1", netto: "12,52", mwst: "2,38", brutto: "14,90", zahl: "Bar"}
	t.add(buy(b12, person{First: "Zoë", Last: "Krüger", City: "Stuttgart", Zip: "70173", Country: "de", Gender: "f"}, "fn ln ct zp country ge", 14.90), mk(b12)...)
	b13 := bon{datum: "02.12.2026", zeit: "09:12:40", nr: "10160", typ: "Beleg", kdnr: "10090", anrede: "Herr", vor: "Lukas", nach: "Groß", str: "Zeil 10", plz: "60313", ort: "Frankfurt am Main", land: "Deutschland", tel: "0176 12345678", mail: "LUKAS.GROSS@EXAMPLE.ORG", anz: "4", netto: "209,24", mwst: "39,76", brutto: "249,00", zahl: "EC-Karte"}
	t.add(buy(b13, person{First: "Lukas", Last: "Groß", Email: "lukas.gross@example.org", Phone: "4917612345678", City: "Frankfurt am Main", Zip: "60313", Country: "de", Gender: "m"}, "em ph fn ln ct zp country ge", 249.00), mk(b13)...)
	writeText(o, csvSpec{comma: ';', crlf: true, encoding: "windows-1252"}, t)
}

package main

import (
	"fmt"
	"strings"
)

var shopifyHeader = strings.Split("Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References", ",")

type shopOrder struct {
	name, email, status, created     string // created: "2026-12-06 17:38:21"
	subtotal, shipping, taxes, total string
	refunded                         string
	billName, street, city, zip      string
	prov, provName, country, phone   string
	id, tags, source, location, emp  string
	items                            [][3]string // qty, name, price
}

func shopify(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Shopify orders export", File: "shopify_orders.csv"}}
	ny := loc("America/New_York")
	t := &textTable{header: shopifyHeader}
	ts := func(s string) string { return at(ny, s).Format("2006-01-02 15:04:05 -0700") }
	first := func(s shopOrder) []string {
		paid := ""
		if s.status == "paid" || s.status == "refunded" || s.status == "partially_refunded" {
			paid = ts(s.created)
		}
		shipName := s.billName
		r := t.row("Name", s.name, "Email", s.email, "Financial Status", s.status, "Paid at", paid,
			"Fulfillment Status", "fulfilled", "Fulfilled at", paid, "Accepts Marketing", "no", "Currency", "USD",
			"Subtotal", s.subtotal, "Shipping", s.shipping, "Taxes", s.taxes, "Total", s.total,
			"Discount Amount", "0.00", "Shipping Method", "Standard", "Created at", ts(s.created),
			"Lineitem quantity", s.items[0][0], "Lineitem name", s.items[0][1], "Lineitem price", s.items[0][2],
			"Lineitem requires shipping", "true", "Lineitem taxable", "true", "Lineitem fulfillment status", "fulfilled",
			"Billing Name", s.billName, "Billing Street", s.street, "Billing Address1", s.street, "Billing City", s.city,
			"Billing Zip", s.zip, "Billing Province", s.prov, "Billing Country", s.country, "Billing Phone", s.phone,
			"Shipping Name", shipName, "Shipping Street", s.street, "Shipping Address1", s.street, "Shipping City", s.city,
			"Shipping Zip", s.zip, "Shipping Province", s.prov, "Shipping Country", s.country, "Shipping Phone", s.phone,
			"Payment Method", "Shopify Payments", "Refunded Amount", s.refunded, "Vendor", "Harbor Goods",
			"Outstanding Balance", "0.00", "Employee", s.emp, "Location", s.location, "Id", s.id, "Tags", s.tags,
			"Risk Level", "Low", "Source", s.source, "Lineitem discount", "0.00", "Tax 1 Name", "MA State Tax 6.25%",
			"Tax 1 Value", s.taxes, "Billing Province Name", s.provName, "Shipping Province Name", s.provName,
			"Payment ID", "c"+s.id[5:]+".1", "Payment References", "c"+s.id[5:]+".1")
		if s.billName == "" {
			r[index(t.header, "Shipping Method")] = ""
			r[index(t.header, "Fulfillment Status")] = "unfulfilled"
			r[index(t.header, "Fulfilled at")] = ""
		}
		return r
	}
	cont := func(s shopOrder, i int) []string {
		return t.row("Name", s.name, "Email", s.email, "Created at", ts(s.created),
			"Lineitem quantity", s.items[i][0], "Lineitem name", s.items[i][1], "Lineitem price", s.items[i][2],
			"Lineitem requires shipping", "true", "Lineitem taxable", "true", "Lineitem fulfillment status", "fulfilled",
			"Vendor", "Harbor Goods", "Lineitem discount", "0.00")
	}
	jane := person{First: "Jane", Last: "Doe", Email: "jane.doe@example.com", Phone: "16172530142", City: "Boston", State: "ma", Zip: "02134", Country: "us"}
	o1001 := shopOrder{name: "#1001", email: "jane.doe@example.com", status: "paid", created: "2026-12-06 17:38:21",
		subtotal: "59.99", shipping: "0.00", taxes: "4.80", total: "64.79", billName: "Jane Doe", street: "12 Harvard Ave",
		city: "Boston", zip: "'02134", prov: "MA", provName: "Massachusetts", country: "US", phone: "+1 617-253-0142",
		id: "5849203847101", source: "web", items: [][3]string{{"1", "Canvas Tote - Natural", "39.99"}, {"2", "Enamel Pin", "10.00"}}}
	t.add(sent("Purchase", at(ny, o1001.created), 64.79, "USD", jane.keys("em ph fn ln ct st zp country")), first(o1001)...)
	t.add(skipped("line-item continuation row of #1001"), cont(o1001, 1)...)

	o1002 := shopOrder{name: "#1002", email: "michael.chen@example.com", status: "refunded", created: "2026-12-05 11:02:45",
		subtotal: "112.00", shipping: "8.00", taxes: "0.00", total: "120.00", refunded: "120.00", billName: "Michael Chen",
		street: "400 Boylston St", city: "Boston", zip: "'02116", prov: "MA", provName: "Massachusetts", country: "US",
		phone: "+1 617-253-0187", id: "5849203847102", source: "web", items: [][3]string{{"1", "Wool Throw", "112.00"}}}
	t.add(skipped("refunded order"), first(o1002)...)

	o1003 := shopOrder{name: "#1003", email: "priya.patel@example.com", status: "voided", created: "2026-12-05 13:40:09",
		subtotal: "45.00", shipping: "5.00", taxes: "0.00", total: "50.00", billName: "Priya Patel", street: "9 Elm St",
		city: "Somerville", zip: "'02143", prov: "MA", provName: "Massachusetts", country: "US", phone: "+1 617-253-0155",
		id: "5849203847103", source: "web", items: [][3]string{{"1", "Linen Napkins (set of 4)", "45.00"}}}
	t.add(skipped("voided order (authorization released, never paid)"), first(o1003)...)

	o1004 := shopOrder{name: "#1004", status: "paid", created: "2026-12-05 15:12:44", subtotal: "18.50", shipping: "0.00",
		taxes: "0.00", total: "18.50", id: "5849203847104", source: "pos", location: "Newbury Street", emp: "Sam Reyes",
		items: [][3]string{{"1", "Greeting Card", "18.50"}}}
	t.add(rejected("no_user_data", "point-of-sale walk-in: no email, no billing address, no phone"), first(o1004)...)

	o1005 := shopOrder{name: "#1005", email: "test@test.com", status: "paid", created: "2026-12-06 08:01:12", subtotal: "1.00",
		shipping: "0.00", taxes: "0.00", total: "1.00", billName: "Test Order", street: "1 Test St", city: "Boston",
		zip: "'02134", prov: "MA", provName: "Massachusetts", country: "US", id: "5849203847105", tags: "test", source: "web",
		items: [][3]string{{"1", "TEST PRODUCT - DO NOT SHIP", "1.00"}}}
	t.add(skipped("test order (tagged test, test@test.com, 'Test Order')"), first(o1005)...)

	luis := person{First: "Luis", Last: "Ortega", Phone: "16502530177", City: "San Mateo", State: "ca", Zip: "94401", Country: "us"}
	o1006 := shopOrder{name: "#1006", status: "paid", created: "2026-12-04 09:15:02", subtotal: "89.00", shipping: "0.00",
		taxes: "0.00", total: "89.00", billName: "Luis Ortega", street: "230 S B St", city: "San Mateo", zip: "'94401",
		prov: "CA", provName: "California", country: "US", phone: "+1 650-253-0177", id: "5849203847106", source: "shopify_draft_order",
		items: [][3]string{{"1", "Ceramic Planter - Large", "89.00"}}}
	t.add(sent("Purchase", at(ny, o1006.created), 89.00, "USD", luis.keys("ph fn ln ct st zp country")), first(o1006)...)

	carlos := person{First: "Carlos", Last: "Mendez", Email: "carlos.mendez@example.com", City: "Cambridge", State: "ma", Zip: "02138", Country: "us"}
	o1007 := shopOrder{name: "#1007", email: "  Carlos.Mendez@Example.COM ", status: "paid", created: "2026-12-03 19:47:33",
		subtotal: "229.00", shipping: "0.00", taxes: "16.10", total: "245.10", billName: "Carlos Mendez", street: "1 Brattle Sq",
		city: "Cambridge", zip: "'02138-4307", prov: "MA", provName: "Massachusetts", country: "US", id: "5849203847107", source: "web",
		items: [][3]string{{"1", "Walnut Serving Board", "229.00"}}}
	t.add(sent("Purchase", at(ny, o1007.created), 245.10, "USD", carlos.keys("em fn ln ct st zp country")), first(o1007)...)

	emily := person{First: "Emily", Last: "Rossi", Email: "emily.rossi@example.org", City: "Providence", State: "ri", Zip: "02903", Country: "us"}
	o1008 := shopOrder{name: "#1008", email: "emily.rossi@example.org", status: "paid", created: "2026-12-02 12:05:50",
		subtotal: "34.00", shipping: "6.00", taxes: "0.00", total: "40.00", billName: "Emily Rossi", street: "75 Weybosset St",
		city: "Providence", zip: "'02903", prov: "RI", provName: "Rhode Island", country: "US", phone: "000-000-0000",
		id: "5849203847108", source: "web", items: [][3]string{{"2", "Beeswax Candle", "17.00"}}}
	t.add(sent("Purchase", at(ny, o1008.created), 40.00, "USD", emily.keys("em fn ln ct st zp country")), first(o1008)...)

	o1009 := shopOrder{name: "#1009", email: "owen.hart@example.com", status: "pending", created: "2026-12-06 21:14:00",
		subtotal: "75.00", shipping: "0.00", taxes: "0.00", total: "75.00", billName: "Owen Hart", street: "3 Main St",
		city: "Salem", zip: "'01970", prov: "MA", provName: "Massachusetts", country: "US", phone: "+1 617-253-0160",
		id: "5849203847109", source: "web", items: [][3]string{{"1", "Gift Card", "75.00"}}}
	t.add(skipped("payment pending (manual payment method, not paid)"), first(o1009)...)

	o1010 := shopOrder{name: "#1010", email: "ruth.adler@example.com", status: "paid", created: "2026-11-25 14:20:00",
		subtotal: "58.00", shipping: "0.00", taxes: "3.63", total: "61.63", billName: "Ruth Adler", street: "18 Pond St",
		city: "Brookline", zip: "'02445", prov: "MA", provName: "Massachusetts", country: "US", phone: "+1 617-253-0111",
		id: "5849203847110", source: "web", items: [][3]string{{"1", "Stoneware Mug", "58.00"}}}
	t.add(stale("ordered 2026-11-25, older than 7 days"), first(o1010)...)

	noah := person{First: "Noah", Last: "Williams", Email: "noah.williams@example.com", Phone: "16172530199", City: "Quincy", State: "ma", Zip: "02169", Country: "us"}
	o1011 := shopOrder{name: "#1011", email: "noah.williams@example.com", status: "paid", created: "2026-12-07 10:02:17",
		subtotal: "293.00", shipping: "0.00", taxes: "19.40", total: "312.40", billName: "Noah Williams", street: "1305 Hancock St",
		city: "Quincy", zip: "'02169", prov: "MA", provName: "Massachusetts", country: "US", phone: "+16172530199",
		id: "5849203847111", source: "web", items: [][3]string{{"1", "Oak Side Table", "249.00"}, {"2", "Coaster Set", "12.00"}, {"1", "Gift Wrap", "20.00"}}}
	t.add(sent("Purchase", at(ny, o1011.created), 312.40, "USD", noah.keys("em ph fn ln ct st zp country")), first(o1011)...)
	t.add(skipped("line-item continuation row of #1011"), cont(o1011, 1)...)
	t.add(skipped("line-item continuation row of #1011"), cont(o1011, 2)...)

	grace := person{First: "Grace", Last: "Kim", Email: "grace.kim@example.com", Phone: "16172530123", City: "Newton", State: "ma", Zip: "02458", Country: "us"}
	o1012 := shopOrder{name: "#1012", email: "grace.kim@example.com", status: "partially_refunded", created: "2026-12-01 16:30:45",
		subtotal: "150.00", shipping: "0.00", taxes: "0.00", total: "150.00", refunded: "30.00", billName: "Grace Kim",
		street: "1000 Commonwealth Ave", city: "Newton", zip: "'02458", prov: "MA", provName: "Massachusetts", country: "US",
		phone: "+1 (617) 253-0123", id: "5849203847112", source: "web", items: [][3]string{{"3", "Table Runner", "50.00"}}}
	r := sent("Purchase", at(ny, o1012.created), 150.00, "USD", grace.keys("em ph fn ln ct st zp country"))
	r.Why = "partially_refunded is still a purchase; value is Total, not Total minus Refunded Amount"
	t.add(r, first(o1012)...)

	lena := person{First: "Lena", Last: "Fischer", Email: "lena.fischer@example.org", Phone: "4915123456789", City: "Berlin", Zip: "10115", Country: "de"}
	o1013 := shopOrder{name: "#1013", email: "lena.fischer@example.org", status: "paid", created: "2026-12-04 03:55:10",
		subtotal: "96.00", shipping: "24.00", taxes: "0.00", total: "120.00", billName: "Lena Fischer", street: "Invalidenstraße 43",
		city: "Berlin", zip: "'10115", country: "DE", phone: "+49 151 23456789", id: "5849203847113", source: "web",
		items: [][3]string{{"2", "Canvas Tote - Natural", "48.00"}}}
	t.add(sent("Purchase", at(ny, o1013.created), 120.00, "USD", lena.keys("em ph fn ln ct zp country")), first(o1013)...)

	t.add(rejected("duplicate_event_id", "#1006 again: two exports pasted together"), first(o1006)...)

	writeText(o, csvSpec{comma: ',', crlf: false, encoding: "utf-8"}, t)
}

var squareHeader = strings.Split("Date,Time,Time Zone,Gross Sales,Discounts,Service Charges,Net Sales,Gift Card Sales,Tax,Tip,Partial Refunds,Total Collected,Source,Card,Card Entry Methods,Cash,Square Gift Card,Other Tender,Other Tender Type,Other Tender Note,Fees,Net Total,Transaction ID,Payment ID,Card Brand,PAN Suffix,Device Name,Staff Name,Staff ID,Details,Description,Event Type,Location,Dining Option,Customer ID,Customer Name,Customer Reference ID,Device Nickname,Deposit ID,Deposit Date,Deposit Details,Fee Percentage Rate,Fee Fixed Rate,Refund Reason,Discount Name,Transaction Status", ",")

func money(v float64) string {
	if v < 0 {
		return fmt.Sprintf("-$%.2f", -v)
	}
	return fmt.Sprintf("$%.2f", v)
}

func square(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Square transactions export", File: "square_transactions.csv",
		Set:    map[string]string{"currency": "USD"},
		SetWhy: map[string]string{"currency": "amounts carry only a '$' sign; no column names the currency"}}}
	t := &textTable{header: squareHeader}
	type sq struct {
		date, time, zone, event, txn, cust, custID, loc string
		gross, tax, tip                                 float64
		card                                            bool
	}
	zones := map[string]string{"Pacific Time (US & Canada)": "America/Los_Angeles", "Eastern Time (US & Canada)": "America/New_York"}
	mk := func(s sq) []string {
		net := s.gross
		total := net + s.tax + s.tip
		fee := -(total*0.026 + 0.10)
		if !s.card {
			fee = 0
		}
		card, cash, brand, pan, entry := money(total), money(0), "Visa", "4242", "Contactless"
		if !s.card {
			card, cash, brand, pan, entry = money(0), money(total), "", "", ""
		}
		if s.event == "Refund" {
			fee = 0
		}
		return t.row("Date", s.date, "Time", s.time, "Time Zone", s.zone, "Gross Sales", money(s.gross), "Discounts", money(0),
			"Service Charges", money(0), "Net Sales", money(net), "Gift Card Sales", money(0), "Tax", money(s.tax), "Tip", money(s.tip),
			"Partial Refunds", money(0), "Total Collected", money(total), "Source", "Point of Sale", "Card", card,
			"Card Entry Methods", entry, "Cash", cash, "Square Gift Card", money(0), "Other Tender", money(0),
			"Fees", money(fee), "Net Total", money(total+fee), "Transaction ID", s.txn, "Payment ID", s.txn[:10]+"Pay",
			"Card Brand", brand, "PAN Suffix", pan, "Device Name", "Counter iPad", "Staff Name", "Maya", "Staff ID", "TMa1B2c3D4",
			"Details", "https://squareup.com/receipt/preview/"+s.txn, "Description", "Custom Amount", "Event Type", s.event,
			"Location", s.loc, "Dining Option", "For Here", "Customer ID", s.custID, "Customer Name", s.cust,
			"Fee Percentage Rate", "2.6", "Fee Fixed Rate", "$0.10", "Transaction Status", "Complete")
	}
	ev := func(s sq) truthRow {
		tm := at(loc(zones[s.zone]), s.date+" "+s.time)
		f := strings.Fields(s.cust)
		p := person{First: f[0], Last: f[len(f)-1]}
		return sent("Purchase", tm, round2(s.gross+s.tax+s.tip), "USD", p.keys("fn ln"))
	}
	pt, et := "Pacific Time (US & Canada)", "Eastern Time (US & Canada)"
	rows := []struct {
		s  sq
		tr *truthRow
	}{
		{sq{date: "2026-12-07", time: "09:12:44", zone: pt, event: "Payment", txn: "Kq2vT9xLmN4pR7sW1yZ3", cust: "Hannah Brooks", custID: "J9Q4X2M7W1R3T5Y8", loc: "Mission St", gross: 42.00, tax: 3.68, tip: 6.00, card: true}, nil},
		{sq{date: "2026-12-07", time: "08:55:10", zone: pt, event: "Payment", txn: "Bv8cX1zQ3wE5rT7yU9iO", loc: "Mission St", gross: 6.50, tax: 0.57, card: false}, ptr(rejected("no_user_data", "walk-in: no Customer Name"))},
		{sq{date: "2026-12-06", time: "18:40:02", zone: et, event: "Payment", txn: "Pl0oK9iJ8uH7yG6tF5rD", cust: "Daniel O'Connor", custID: "A1B2C3D4E5F6G7H8", loc: "Bleecker St", gross: 128.00, tax: 11.36, tip: 0, card: true}, nil},
		{sq{date: "2026-12-06", time: "18:52:30", zone: et, event: "Refund", txn: "Pl0oK9iJ8uH7yG6tF5rD", cust: "Daniel O'Connor", custID: "A1B2C3D4E5F6G7H8", loc: "Bleecker St", gross: -128.00, tax: -11.36, card: true}, ptr(skipped("refund (Event Type Refund, negative amounts)"))},
		{sq{date: "2026-12-05", time: "12:03:15", zone: pt, event: "Payment", txn: "Zx9cV8bN7mL6kJ5hG4fD", cust: "Sofía Hernández", custID: "K2L3M4N5P6Q7R8S9", loc: "Mission St", gross: 18.75, tax: 1.64, tip: 3.00, card: true}, nil},
		{sq{date: "2026-12-05", time: "13:30:00", zone: pt, event: "Payment", txn: "Qw1eR2tY3uI4oP5aS6dF", loc: "Mission St", gross: 11.00, tax: 0.96, card: false}, ptr(rejected("no_user_data", "walk-in: no Customer Name"))},
		{sq{date: "2026-12-04", time: "20:15:48", zone: et, event: "Payment", txn: "Mn4bV5cX6zL7kJ8hG9fD", cust: "Marcus Lee", custID: "T1U2V3W4X5Y6Z7A8", loc: "Bleecker St", gross: 64.00, tax: 5.68, tip: 12.80, card: true}, nil},
		{sq{date: "2026-12-03", time: "07:45:21", zone: pt, event: "Payment", txn: "Ty6uI7oP8aS9dF0gH1jK", cust: "Ava Thompson", custID: "B9C8D7E6F5G4H3J2", loc: "Mission St", gross: 9.25, tax: 0.81, tip: 1.00, card: true}, nil},
		{sq{date: "2026-11-27", time: "16:20:11", zone: et, event: "Payment", txn: "Ui8oP9aS0dF1gH2jK3lZ", cust: "Ethan Wright", custID: "C1D2E3F4G5H6J7K8", loc: "Bleecker St", gross: 77.00, tax: 6.83, card: true}, ptr(stale("2026-11-27, older than 7 days"))},
		{sq{date: "2026-12-02", time: "11:11:11", zone: et, event: "Payment", txn: "Gh5jK6lZ7xC8vB9nM0qW", cust: "Isabella Nguyen", custID: "D1E2F3G4H5J6K7L8", loc: "Bleecker St", gross: 210.00, tax: 18.64, tip: 0, card: true}, nil},
		{sq{date: "2026-12-02", time: "11:11:11", zone: et, event: "Payment", txn: "Gh5jK6lZ7xC8vB9nM0qW", cust: "Isabella Nguyen", custID: "D1E2F3G4H5J6K7L8", loc: "Bleecker St", gross: 210.00, tax: 18.64, tip: 0, card: true}, ptr(rejected("duplicate_event_id", "same Transaction ID twice: overlapping date-range exports"))},
		{sq{date: "2026-12-01", time: "19:02:09", zone: pt, event: "Payment", txn: "Er4tY5uI6oP7aS8dF9gH", loc: "Mission St", gross: 24.00, tax: 2.10, tip: 4.00, card: true}, ptr(rejected("no_user_data", "card payment without a customer on file"))},
		{sq{date: "2026-12-06", time: "10:28:37", zone: pt, event: "Payment", txn: "Wa2sD3fG4hJ5kL6zX7cV", cust: "Jean-Luc Picard", custID: "E1F2G3H4J5K6L7M8", loc: "Mission St", gross: 55.00, tax: 4.81, tip: 10.00, card: true}, nil},
		{sq{date: "2026-12-07", time: "12:58:03", zone: et, event: "Payment", txn: "Rf5tG6yH7uJ8iK9oL0pA", cust: "Chloe Martin", custID: "F1G2H3J4K5L6M7N8", loc: "Bleecker St", gross: 36.50, tax: 3.24, tip: 5.00, card: true}, nil},
	}
	for _, r := range rows {
		var tr truthRow
		if r.tr != nil {
			tr = *r.tr
		} else {
			tr = ev(r.s)
		}
		t.add(tr, mk(r.s)...)
	}
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8"}, t)
}

func ptr[T any](v T) *T { return &v }

func round2(v float64) float64 {
	return float64(int64(v*100+0.5)) / 100
}

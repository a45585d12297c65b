package main

import (
	"strconv"
	"strings"
	"time"
)

func woocommerce(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "WooCommerce Customer/Order CSV Export (legacy one-row-per-order format)", File: "woocommerce_orders.csv",
		Set: map[string]string{"timezone": "America/Phoenix", "currency": "USD", "default_country": "US"},
		SetWhy: map[string]string{
			"timezone":        "date is the site's wall clock (M/D/YYYY H:MM) with no zone",
			"currency":        "the legacy format has no currency column",
			"default_country": "billing_phone is free text, mostly US national numbers",
		}}}
	phx := loc("America/Phoenix")
	t := &textTable{header: strings.Split("order_id,order_number_formatted,order_number,date,status,order_shipping,order_shipping_tax,order_fees,order_fee_tax,order_tax,cart_discount,order_discount,order_total,payment_method,shipping_method,customer_user,billing_first_name,billing_last_name,billing_email,billing_phone,billing_address_1,billing_address_2,billing_postcode,billing_city,billing_state,billing_country,billing_company,shipping_first_name,shipping_last_name,shipping_address_1,shipping_address_2,shipping_postcode,shipping_city,shipping_state,shipping_country,shipping_company,customer_note,order_item_1,order_item_2,download_permissions_granted,order_notes", ",")}
	type wo struct{ id, when, status, total, pay, user, first, last, email, phone, addr, zip, city, st, ctry, item1, item2 string }
	mk := func(w wo) []string {
		tm := at(phx, w.when)
		return t.row("order_id", w.id, "order_number_formatted", w.id, "date", tm.Format("1/2/2006 15:04"), "status", w.status,
			"order_shipping", "0", "order_shipping_tax", "0", "order_fees", "0", "order_fee_tax", "0", "order_tax", "0",
			"cart_discount", "0", "order_total", w.total, "payment_method", w.pay, "shipping_method", "Free Shipping",
			"customer_user", w.user, "billing_first_name", w.first, "billing_last_name", w.last, "billing_email", w.email,
			"billing_phone", w.phone, "billing_address_1", w.addr, "billing_postcode", w.zip, "billing_city", w.city,
			"billing_state", w.st, "billing_country", w.ctry, "shipping_first_name", w.first, "shipping_last_name", w.last,
			"shipping_address_1", w.addr, "shipping_postcode", w.zip, "shipping_city", w.city, "shipping_state", w.st,
			"shipping_country", w.ctry, "order_item_1", w.item1, "order_item_2", w.item2, "download_permissions_granted", "1",
			"order_notes", "Order status changed from Pending Payment to "+strings.ToUpper(w.status[:1])+w.status[1:]+".")
	}
	buy := func(w wo, p person, which string) truthRow {
		v, _ := strconv.ParseFloat(w.total, 64)
		return sent("Purchase", at(phx, w.when), v, "USD", p.keys(which))
	}
	a := wo{id: "5012", when: "2026-12-06 17:38:00", status: "completed", total: "64.5", pay: "stripe", user: "231", first: "Cherise", last: "Holt", email: "cherise.holt@example.com", phone: "6022530142", addr: "7140 W Turquoise Ave", zip: "85345", city: "Peoria", st: "AZ", ctry: "US", item1: "product_id:4959|1|64.5|size: Medium"}
	t.add(buy(a, person{First: "Cherise", Last: "Holt", Email: "cherise.holt@example.com", Phone: "16022530142", City: "Peoria", State: "az", Zip: "85345", Country: "us"}, "em ph fn ln ct st zp country"), mk(a)...)
	b := wo{id: "5013", when: "2026-12-06 19:02:00", status: "processing", total: "120", pay: "paypal", user: "0", first: "Marco", last: "Bellini", email: "marco.bellini@example.com", phone: "(480) 253-0150", addr: "1 E Washington St", zip: "85004", city: "Phoenix", st: "AZ", ctry: "US", item1: "product_id:4801|2|60|", item2: "product_id:4802|1|0|gift wrap"}
	t.add(buy(b, person{First: "Marco", Last: "Bellini", Email: "marco.bellini@example.com", Phone: "14802530150", City: "Phoenix", State: "az", Zip: "85004", Country: "us"}, "em ph fn ln ct st zp country"), mk(b)...)
	t.add(skipped("refunded order"), mk(wo{id: "5014", when: "2026-12-05 10:00:00", status: "refunded", total: "35", pay: "stripe", user: "240", first: "Alma", last: "Reyes", email: "alma.reyes@example.com", phone: "602-253-0160", addr: "10 Mill Ave", zip: "85281", city: "Tempe", st: "AZ", ctry: "US", item1: "product_id:4700|1|35|"})...)
	t.add(skipped("failed payment (card declined)"), mk(wo{id: "5015", when: "2026-12-05 11:30:00", status: "failed", total: "89", pay: "stripe", user: "0", first: "Nate", last: "Ford", email: "nate.ford@example.com", phone: "6022530170", addr: "22 Main St", zip: "85201", city: "Mesa", st: "AZ", ctry: "US", item1: "product_id:4600|1|89|"})...)
	t.add(skipped("cancelled order"), mk(wo{id: "5016", when: "2026-12-04 09:10:00", status: "cancelled", total: "45", pay: "bacs", user: "0", first: "Iris", last: "Long", email: "iris.long@example.com", phone: "6022530180", addr: "5 Oak St", zip: "85301", city: "Glendale", st: "AZ", ctry: "US", item1: "product_id:4500|1|45|"})...)
	t.add(skipped("on-hold: awaiting bank transfer, not paid"), mk(wo{id: "5017", when: "2026-12-04 15:45:00", status: "on-hold", total: "210", pay: "bacs", user: "251", first: "Omar", last: "Farouk", email: "omar.farouk@example.com", phone: "6022530190", addr: "8 Pine Rd", zip: "85251", city: "Scottsdale", st: "AZ", ctry: "US", item1: "product_id:4400|3|70|"})...)
	t.add(stale("2026-11-23, older than 7 days"), mk(wo{id: "4990", when: "2026-11-23 12:00:00", status: "completed", total: "52", pay: "stripe", user: "231", first: "Cherise", last: "Holt", email: "cherise.holt@example.com", phone: "6022530142", addr: "7140 W Turquoise Ave", zip: "85345", city: "Peoria", st: "AZ", ctry: "US", item1: "product_id:4300|1|52|"})...)
	c := wo{id: "5018", when: "2026-12-03 08:20:00", status: "completed", total: "19.99", pay: "stripe", user: "0", first: "Yuki", last: "Sato", email: "Yuki.Sato@Example.com ", phone: "000-000-0000", addr: "14 Roosevelt St", zip: "85003-1201", city: "Phoenix", st: "Arizona", ctry: "US", item1: "product_id:4200|1|19.99|"}
	t.add(buy(c, person{First: "Yuki", Last: "Sato", Email: "yuki.sato@example.com", City: "Phoenix", State: "az", Zip: "85003", Country: "us"}, "em fn ln ct st zp country"), mk(c)...)
	t.add(rejected("duplicate_event_id", "order 5012 exported again by the next scheduled export"), mk(a)...)
	d := wo{id: "5019", when: "2026-12-07 10:15:00", status: "completed", total: "75", pay: "cod", user: "0", first: "Björn", last: "Lindqvist", email: "bjorn.lindqvist@example.org", phone: "+46 70 123 45 67", addr: "Drottninggatan 1", zip: "111 51", city: "Stockholm", ctry: "SE", item1: "product_id:4100|1|75|"}
	t.add(buy(d, person{First: "Björn", Last: "Lindqvist", Email: "bjorn.lindqvist@example.org", Phone: "46701234567", City: "Stockholm", Zip: "11151", Country: "se"}, "em ph fn ln ct zp country"), mk(d)...)
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8"}, t)
}

func stripe(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Stripe Dashboard payments export (unified_payments.csv)", File: "stripe_unified_payments.csv"}}
	t := &textTable{header: strings.Split("id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,Converted Amount Refunded,Converted Currency,Decline Reason,Description,Fee,Refunded date (UTC),Statement Descriptor,Status,Seller Message,Taxes On Fee,Card ID,Card Name,Card Address Line1,Card Address City,Card Address State,Card Address Country,Card Address Zip,Card Brand,Card Funding,Card Last4,Customer ID,Customer Description,Customer Email,Customer Phone,PaymentIntent ID", ",")}
	type py struct{ id, when, amount, refunded, cur, captured, decline, status, msg, name, city, st, ctry, zip, email, phone string }
	mk := func(p py) []string {
		return t.row("id", p.id, "Created date (UTC)", p.when, "Amount", p.amount, "Amount Refunded", p.refunded, "Currency", p.cur,
			"Captured", p.captured, "Converted Amount", p.amount, "Converted Amount Refunded", p.refunded, "Converted Currency", p.cur,
			"Decline Reason", p.decline, "Description", "Order from web shop", "Fee", "0.00", "Statement Descriptor", "HARBORGOODS",
			"Status", p.status, "Seller Message", p.msg, "Taxes On Fee", "0.00", "Card ID", "card_"+p.id[3:17], "Card Name", p.name,
			"Card Address City", p.city, "Card Address State", p.st, "Card Address Country", p.ctry, "Card Address Zip", p.zip,
			"Card Brand", "Visa", "Card Funding", "credit", "Card Last4", "4242", "Customer ID", "cus_"+p.id[3:17],
			"Customer Email", p.email, "Customer Phone", p.phone, "PaymentIntent ID", "pi_"+p.id[3:])
	}
	buy := func(p py, pp person, which string) truthRow {
		w, _ := time.Parse("2006-01-02 15:04:05", p.when)
		v, _ := strconv.ParseFloat(p.amount, 64)
		return sent("Purchase", w, v, strings.ToUpper(p.cur), pp.keys(which))
	}
	ok := "Payment complete."
	a := py{id: "ch_3QaB1cD2eF3gH4iJ5kL", when: "2026-12-06 22:38:21", amount: "59.99", refunded: "0.00", cur: "usd", captured: "true", status: "Paid", msg: ok, name: "Jane Q Doe", city: "Boston", st: "MA", ctry: "US", zip: "02134", email: "jane.q.doe@example.com", phone: "+16172530142"}
	t.add(buy(a, person{First: "Jane", Last: "Doe", Email: "jane.q.doe@example.com", Phone: "16172530142", City: "Boston", State: "ma", Zip: "02134", Country: "us"}, "em ph fn ln ct st zp country"), mk(a)...)
	t.add(skipped("refunded payment"), mk(py{id: "ch_3QaB1cD2eF3gH4iJ5kM", when: "2026-12-06 10:00:00", amount: "120.00", refunded: "120.00", cur: "usd", captured: "true", status: "Refunded", msg: ok, name: "Mike Chen", city: "Boston", st: "MA", ctry: "US", zip: "02116", email: "mike.chen@example.com"})...)
	t.add(skipped("failed payment (card_declined)"), mk(py{id: "ch_3QaB1cD2eF3gH4iJ5kN", when: "2026-12-05 14:12:00", amount: "45.00", refunded: "0.00", cur: "usd", captured: "false", decline: "card_declined", status: "Failed", msg: "The bank did not return any further details with this decline.", name: "Ann Lee", city: "Quincy", st: "MA", ctry: "US", zip: "02169", email: "ann.lee@example.com"})...)
	t.add(skipped("uncaptured authorization (Captured false)"), mk(py{id: "ch_3QaB1cD2eF3gH4iJ5kO", when: "2026-12-05 16:40:00", amount: "300.00", refunded: "0.00", cur: "usd", captured: "false", status: "Uncaptured", msg: ok, name: "Bo Park", city: "Salem", st: "MA", ctry: "US", zip: "01970", email: "bo.park@example.com"})...)
	b := py{id: "ch_3QaB1cD2eF3gH4iJ5kP", when: "2026-12-04 09:05:33", amount: "1249.00", refunded: "0.00", cur: "eur", captured: "true", status: "Paid", msg: ok, name: "LENA FISCHER", city: "Berlin", ctry: "DE", zip: "10115", email: "lena.fischer@example.org", phone: "+49 151 23456789"}
	tb := buy(b, person{First: "Lena", Last: "Fischer", Email: "lena.fischer@example.org", Phone: "4915123456789", City: "Berlin", Zip: "10115", Country: "de"}, "em ph fn ln ct zp country")
	t.add(tb, mk(b)...)
	t.add(stale("2026-11-25, older than 7 days"), mk(py{id: "ch_3QaB1cD2eF3gH4iJ5kQ", when: "2026-11-25 12:00:00", amount: "80.00", refunded: "0.00", cur: "usd", captured: "true", status: "Paid", msg: ok, name: "Carl Hess", city: "Boston", st: "MA", ctry: "US", zip: "02110", email: "carl.hess@example.com"})...)
	t.add(rejected("no_user_data", "payment with no email, no name, only the card's country"), mk(py{id: "ch_3QaB1cD2eF3gH4iJ5kR", when: "2026-12-03 20:20:20", amount: "15.00", refunded: "0.00", cur: "usd", captured: "true", status: "Paid", msg: ok, ctry: "US"})...)
	c := py{id: "ch_3QaB1cD2eF3gH4iJ5kS", when: "2026-12-07 17:59:00", amount: "250.00", refunded: "40.00", cur: "usd", captured: "true", status: "Partially refunded", msg: ok, name: "Rita Moreno", city: "Cambridge", st: "MA", ctry: "US", zip: "02139", email: "rita.moreno@example.com"}
	tc := buy(c, person{First: "Rita", Last: "Moreno", Email: "rita.moreno@example.com", City: "Cambridge", State: "ma", Zip: "02139", Country: "us"}, "em fn ln ct st zp country")
	tc.Why = "partially refunded is still a purchase; value is Amount"
	t.add(tc, mk(c)...)
	t.add(rejected("duplicate_event_id", "charge ch_3QaB1cD2eF3gH4iJ5kL exported twice"), mk(a)...)
	writeText(o, csvSpec{comma: ',', crlf: false, encoding: "utf-8"}, t)
}

func vend(dir string) {
	o := &output{dir: dir, truth: truthFile{System: "Lightspeed Retail X-Series (Vend) sales history export", File: "vend_sales_history.csv",
		Set: map[string]string{"timezone": "Pacific/Auckland", "currency": "NZD"},
		SetWhy: map[string]string{
			"timezone": "Date is the store's wall clock with no zone",
			"currency": "amounts are bare numbers; no currency column",
		}}}
	akl := loc("Pacific/Auckland")
	t := &textTable{header: strings.Split("Date,Receipt Number,Line Type,Customer Code,Customer Name,Note,Quantity,Subtotal,Sales Tax,Discount,Loyalty,Total,Paid,Details,Register,User,Status,Sku,AccountCodeSale,AccountCodePurchase", ",")}
	type sale struct {
		when, receipt, code, name, status, total, tax string
		lines                                         [][3]string // sku, details, qty
	}
	head := func(s sale) []string {
		sub, _ := strconv.ParseFloat(s.total, 64)
		tx, _ := strconv.ParseFloat(s.tax, 64)
		return t.row("Date", s.when, "Receipt Number", s.receipt, "Line Type", "Sale", "Customer Code", s.code, "Customer Name", s.name,
			"Quantity", strconv.Itoa(len(s.lines)), "Subtotal", strconv.FormatFloat(sub-tx, 'f', 2, 64), "Sales Tax", s.tax,
			"Discount", "0.00", "Loyalty", "0.00", "Total", s.total, "Paid", s.total, "Details", "", "Register", "Main Register",
			"User", "Aroha", "Status", s.status)
	}
	line := func(s sale, i int) []string {
		return t.row("Date", s.when, "Receipt Number", s.receipt, "Line Type", "Sale Line", "Quantity", s.lines[i][2],
			"Details", s.lines[i][1], "Sku", s.lines[i][0], "AccountCodeSale", "200", "AccountCodePurchase", "300")
	}
	buy := func(s sale, first, last string) truthRow {
		v, _ := strconv.ParseFloat(s.total, 64)
		return sent("Purchase", at(akl, s.when), v, "NZD", person{First: first, Last: last}.keys("fn ln"))
	}
	a := sale{when: "2026-12-06 17:38:21", receipt: "1042", code: "tama-ngata", name: "Tama Ngata", status: "CLOSED", total: "86.25", tax: "11.25", lines: [][3]string{{"10001", "Merino Beanie", "1"}, {"10002", "Wool Socks", "2"}}}
	t.add(buy(a, "Tama", "Ngata"), head(a)...)
	t.add(skipped("Sale Line row (line item of receipt 1042)"), line(a, 0)...)
	t.add(skipped("Sale Line row (line item of receipt 1042)"), line(a, 1)...)
	w := sale{when: "2026-12-06 18:02:00", receipt: "1043", code: "WALKIN", status: "CLOSED", total: "12.00", tax: "1.57", lines: [][3]string{{"10010", "Postcard Set", "1"}}}
	t.add(rejected("no_user_data", "walk-in sale: no customer name"), head(w)...)
	t.add(skipped("Sale Line row (line item of receipt 1043)"), line(w, 0)...)
	v := sale{when: "2026-12-05 11:15:40", receipt: "1038", code: "sarah-wilson", name: "Sarah Wilson", status: "VOIDED", total: "45.00", tax: "5.87", lines: [][3]string{{"10020", "Candle", "1"}}}
	t.add(skipped("voided sale"), head(v)...)
	t.add(skipped("Sale Line row (line item of voided receipt 1038)"), line(v, 0)...)
	b := sale{when: "2026-12-03 10:05:00", receipt: "1030", code: "mere-parata", name: "Mere Parata", status: "CLOSED", total: "230.00", tax: "30.00", lines: [][3]string{{"10030", "Pounamu Pendant", "1"}}}
	t.add(buy(b, "Mere", "Parata"), head(b)...)
	t.add(skipped("Sale Line row (line item of receipt 1030)"), line(b, 0)...)
	st := sale{when: "2026-11-25 09:00:00", receipt: "0998", code: "tama-ngata", name: "Tama Ngata", status: "CLOSED", total: "20.00", tax: "2.61", lines: [][3]string{{"10040", "Tea Towel", "1"}}}
	t.add(stale("2026-11-25, older than 7 days"), head(st)...)
	t.add(skipped("Sale Line row (line item of stale receipt 0998)"), line(st, 0)...)
	l := sale{when: "2026-12-04 14:00:00", receipt: "1034", code: "james-cook", name: "James Cook", status: "LAYBY", total: "400.00", tax: "52.17", lines: [][3]string{{"10050", "Kauri Bowl", "1"}}}
	t.add(skipped("layby: not fully paid"), head(l)...)
	t.add(skipped("Sale Line row (line item of layby receipt 1034)"), line(l, 0)...)
	c := sale{when: "2026-12-07 16:30:00", receipt: "1050", code: "ana-lima", name: "Ana Lima", status: "CLOSED", total: "58.50", tax: "7.63", lines: [][3]string{{"10060", "Flax Basket", "1"}}}
	t.add(buy(c, "Ana", "Lima"), head(c)...)
	t.add(skipped("Sale Line row (line item of receipt 1050)"), line(c, 0)...)
	writeText(o, csvSpec{comma: ',', crlf: true, encoding: "utf-8"}, t)
}

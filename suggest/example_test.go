package suggest_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"capi-upload/ingest"
	"capi-upload/suggest"
)

func ExamplePropose() {
	csv := "Receipt;Datum;E-Mail;Betrag;Währung\n" +
		"R1;24.11.2026 10:15;anna@example.com;12,50;EUR\n" +
		"R2;25.11.2026 16:40;ben@example.com;1.034,00;EUR\n"
	r, err := ingest.NewCSVReader(strings.NewReader(csv), "export.csv", ingest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	out, err := suggest.Propose(context.Background(), r, suggest.Options{File: "export.csv", PixelID: "123456789012345", DefaultCountry: "DE"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output:
	// # Mapping config proposed by `capi-upload init` for export.csv from its header
	// # and 2 sample rows. Lines marked CHECK are guesses: read them, save this as
	// # capi-upload.yaml, and try it without sending anything:
	// #
	// #   capi-upload validate --config capi-upload.yaml export.csv
	//
	// pixel_id: "123456789012345"
	//
	// # Times without a UTC offset are read on this clock. The time zone of DE:
	// # CHECK it is where the times were recorded.
	// timezone: "Europe/Berlin"
	// # Phone numbers without a country code, and addresses without a country, are
	// # read as this country's. Given to init.
	// default_country: "DE"
	//
	// input:
	//   delimiter: auto           # or "," ";" "\t" "|"
	//   encoding: auto            # or utf-8, utf-16, windows-1252
	//
	// fields:
	//   event_name: { value: "Purchase" }   # the file has amounts: CHECK
	//   # CHECK: phone_call for sales by phone, system_generated or other for CRM
	//   # events
	//   action_source: { value: "physical_store" }
	//   # Read as "02.01.2006 15:04" (2 of 2 samples fit); day first, as "24.11.2026
	//   # 10:15" shows.
	//   event_time: { column: "Datum", format: "02.01.2006 15:04" }
	//   # One per sale in the sample, so a re-exported row is not sent twice.
	//   event_id: "Receipt"
	//   user_data:
	//     em: "E-Mail"
	//   custom_data:
	//     value: { column: "Betrag", decimal: "," }   # decimal comma, e.g. "12,50"
	//     currency: "Währung"
	//     order_id: "Receipt"
}

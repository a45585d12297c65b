package mapping_test

import (
	"fmt"
	"time"

	"capi-upload/mapping"
)

func ExampleNormalizePhone() {
	for _, in := range []struct{ number, country string }{
		{"(650)555-1212", "US"},
		{"020 7946 0958", "GB"},
		{"+44 (0)20 7946 0958", "US"},
		{"650 555 1212 ext. 12", "US"},
	} {
		out, err := mapping.NormalizePhone(in.number, in.country)
		fmt.Println(out, err)
	}
	_, err := mapping.NormalizePhone("555-1212", "US")
	fmt.Println(err)
	// Output:
	// 16505551212 <nil>
	// 442079460958 <nil>
	// 442079460958 <nil>
	// 16505551212 <nil>
	// ph: bad_phone
}

func ExampleHash() {
	fmt.Println(mapping.Hash("16505551212"))
	// A SHA-256 made upstream passes through, lower-cased.
	fmt.Println(mapping.Hash("E323EC626319CA94EE8BFF2E4C87CF613BE6EA19919ED1364124E16807AB3176"))
	// Output:
	// e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176
	// e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176
}

func ExampleNormalizeEmail() {
	fmt.Println(mapping.NormalizeEmail(" John_Smith@Gmail.com "))
	fmt.Println(mapping.NormalizeEmail("n/a"))
	// Output:
	// john_smith@gmail.com <nil>
	//  em: not_an_email
}

func ExampleNormalizeName() {
	fmt.Println(mapping.NormalizeName("Valéry"))
	fmt.Println(mapping.NormalizeName("O'Brien"))
	// Output:
	// valéry <nil>
	// obrien <nil>
}

func ExampleNormalizeCity() {
	fmt.Println(mapping.NormalizeCity("São Paulo"))
	// Output: sãopaulo <nil>
}

func ExampleNormalizeState() {
	fmt.Println(mapping.NormalizeState("N.Y.", "US"))
	fmt.Println(mapping.NormalizeState("Île-de-France", "FR"))
	// Output:
	// ny <nil>
	// îledefrance <nil>
}

func ExampleNormalizeZip() {
	fmt.Println(mapping.NormalizeZip("94025-1234", "US"))
	fmt.Println(mapping.NormalizeZip("2134", "US"))
	fmt.Println(mapping.NormalizeZip("SW1A 1AA", "GB"))
	// Output:
	// 94025 <nil>
	// 02134 <nil>
	// sw1a1aa <nil>
}

func ExampleNormalizeCountry() {
	for _, in := range []string{"United States", "USA", "UK", "Deutschland"} {
		out, _ := mapping.NormalizeCountry(in)
		fmt.Println(out)
	}
	// Output:
	// us
	// us
	// gb
	// de
}

func ExampleNormalizeBirthdate() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(mapping.NormalizeBirthdate("2/16/1997", "1/2/2006", now))
	fmt.Println(mapping.NormalizeBirthdate("16.02.1997", "auto", now))
	fmt.Println(mapping.NormalizeBirthdate("1899-12-31", "auto", now))
	// Output:
	// 19970216 <nil>
	// 19970216 <nil>
	//  db: year_out_of_range
}

func ExampleNormalizeGender() {
	fmt.Println(mapping.NormalizeGender("Female"))
	// Output: f <nil>
}

func ExampleNormalizeExternalID() {
	fmt.Println(mapping.NormalizeExternalID("  AbC-123 "))
	// Output: AbC-123 <nil>
}

func ExampleNormalizeCurrency() {
	fmt.Println(mapping.NormalizeCurrency(" usd"))
	// Output: USD <nil>
}

func ExampleNormalizeUserValue() {
	opt := mapping.NormalizeOptions{DefaultCountry: "US", Country: "US"}
	fmt.Println(mapping.NormalizeUserValue("country", "United States", opt))
	fmt.Println(mapping.NormalizeUserValue("external_id", " L-42 ", mapping.NormalizeOptions{NoHash: true}))
	// Output:
	// 79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621 <nil>
	// L-42 <nil>
}

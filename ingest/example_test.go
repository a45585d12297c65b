package ingest_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"capi-upload/ingest"
)

func ExampleOpen() {
	r, err := ingest.Open("testdata/crlf-quoted.csv", ingest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println(r.Header())
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if ingest.IsRowError(err) {
			fmt.Println("rejected:", err) // record it and read on
			continue
		}
		if err != nil {
			log.Fatal(err) // nothing more can be read
		}
		fmt.Printf("%s row %d: %q\n", row.File, row.Line, row.Cells)
	}
	// Output:
	// [Name Address Zip]
	// crlf-quoted.csv row 2: ["Ann" "1 Main St\nApt 2" "94025"]
	// crlf-quoted.csv row 3: ["Bob" "He said \"hi\"" "10001"]
}

func ExampleExpand() {
	inputs, err := ingest.Expand([]string{"-", "testdata"})
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range inputs {
		fmt.Println(in)
	}
	// Output:
	// -
	// testdata/blank-rows.csv
	// testdata/crlf-quoted.csv
	// testdata/gzip.csv.gz
	// testdata/multi-sheet.xlsx
	// testdata/pipe.txt
	// testdata/ragged.csv
	// testdata/semicolon.csv
	// testdata/tab.tsv
	// testdata/title-rows.csv
	// testdata/utf16be-bom.csv
	// testdata/utf16le-bom.txt
	// testdata/utf8-bom.csv
	// testdata/utf8.csv
	// testdata/windows1252.csv
}

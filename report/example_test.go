package report_test

import (
	"fmt"
	"os"

	"capi-upload/report"
)

func ExampleEscapeCell() {
	for _, cell := range []string{"pos.csv", "=HYPERLINK(\"http://x\")", "-12", "@SUM(A1)"} {
		fmt.Println(report.EscapeCell(cell))
	}
	// Output:
	// pos.csv
	// '=HYPERLINK("http://x")
	// '-12
	// '@SUM(A1)
}

func ExampleWriteText() {
	s := &report.Summary{
		Command:  "validate",
		DryRun:   true,
		RowsRead: 3,
		Files:    []report.FileCount{{File: "pos.csv", RowsRead: 3}},
		Outcomes: report.Outcomes{Sent: 2, Rejected: 1},
		Rejects:  map[string]int{"no_user_data": 1},
		Coverage: map[string]report.KeyCoverage{"em": {Events: 2, Share: 1}, "ph": {Events: 1, Share: 0.5}},
	}
	if err := s.Check(); err != nil {
		fmt.Println(err)
	}
	report.WriteText(os.Stdout, s)
	// Output:
	// capi-upload validate: 3 rows read from 1 file
	//   built                 2
	//   rejected              1   no_user_data 1
	//   stale                 0
	//   already sent          0
	//   failed                0
	//   coverage        em 100%  ph 50%  fn 0%  ln 0%  zp 0%  external_id 0%
}

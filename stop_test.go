package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"capi-upload/upload/capitest"
)

// TestAuthStopStopsReading: a refused token stops the run at once. The
// rows read after it could only fail, so reading stops too, rather than
// going through a large file to mark every row upload_failed.
func TestAuthStopStopsReading(t *testing.T) {
	setClock(t, sampleNow)
	f := newFixture(t, sampleNow)
	srv := startEdge(t)
	srv.SetFault(capitest.TokenError(capitest.SubcodeTokenExpired))

	// The sample's rows forty times over, about 12,000 rows, each copy
	// with its own receipt numbers. Copies of the same receipts would be
	// duplicates, rejected without waiting for the uploader, and the
	// reader would race the first answer through all of them; new events
	// must pass the uploader, which holds the reader back.
	b, err := os.ReadFile(f.path("pos.csv"))
	if err != nil {
		t.Fatal(err)
	}
	header, rows, _ := strings.Cut(string(b), "\n")
	var big strings.Builder
	big.WriteString(header + "\n")
	for k := range 40 {
		for line := range strings.Lines(rows) {
			fmt.Fprintf(&big, "%d-%s", k, line)
		}
	}
	total := strings.Count(big.String(), "\n") - 1
	writeFile(t, f.path("pos.csv"), big.String())

	res := runIn(t.Context(), t, edgeEnv(srv), posArgs(f, "--batch-size", "10", "--concurrency", "1")...)
	if res.code != exitFatal {
		t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, exitFatal, res.stderr)
	}
	s := readSummary(t, f.path("reports"))
	t.Logf("rows read: %d of %d", s.RowsRead, total)
	if s.RowsRead >= total/2 {
		t.Errorf("rows read after the token was refused: %d of %d (outcomes %+v); want reading to stop", s.RowsRead, total, s.Outcomes)
	}
	if s.Outcomes.Sent != 0 {
		t.Errorf("sent = %d, want 0", s.Outcomes.Sent)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (the run stops at the first refusal)", n)
	}
}

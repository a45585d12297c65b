package report

import (
	"bufio"
	"capi-upload/capi"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// textKeys are the customer keys the stdout summary shows; the full list
// is in summary.json and report.html.
var textKeys = []string{"em", "ph", "fn", "ln", "zp", "external_id"}

// WriteText prints the short end-of-run summary: a dozen aligned lines a
// person reads in a terminal or a cron mail.
func WriteText(w io.Writer, s *Summary) error {
	bw := bufio.NewWriter(w)
	sentWord := "sent"
	if s.DryRun {
		sentWord = "built"
	}
	files := "file"
	if len(s.Files) != 1 {
		files = "files"
	}
	cmdName := s.Command
	if cmdName == "" {
		cmdName = "run"
	}
	fmt.Fprintf(bw, "capi-upload %s: %d rows read from %d %s\n", cmdName, s.RowsRead, len(s.Files), files)
	line := func(label string, n int, extra string) {
		fmt.Fprintf(bw, "  %-14s %8d%s\n", label, n, extra)
	}
	o := s.Outcomes
	line(sentWord, o.Sent, "")
	line("rejected", o.Rejected, reasonList(s))
	line("stale", o.Stale, "")
	line("already sent", o.AlreadySent, "")
	line("failed", o.Failed, "")
	if o.Skipped > 0 {
		line("skipped", o.Skipped, "")
	}
	if o.Sent > 0 {
		var b strings.Builder
		for _, k := range textKeys {
			fmt.Fprintf(&b, "  %s %.0f%%", k, s.Coverage[k].Share*100)
		}
		// A Conversion Leads run stands or falls with lead_id: the one
		// unhashed key worth a place in the short summary when mapped.
		if s.mapped("lead_id") {
			fmt.Fprintf(&b, "  lead_id %.0f%%", s.Coverage["lead_id"].Share*100)
		}
		fmt.Fprintf(bw, "  %-14s%s\n", "coverage", b.String())
	}
	if m := s.MatchStrength; m != nil {
		fmt.Fprintf(bw, "  %-14s %.0f/100 %s (%s)\n", "match strength", m.Score, m.Level, m.Label)
	}
	for i, a := range s.Advice {
		if i == 2 {
			break
		}
		label := ""
		if i == 0 {
			label = "advice"
		}
		fmt.Fprintf(bw, "  %-14s %s\n", label, a.Text)
	}
	if s.Incomplete != "" {
		fmt.Fprintf(bw, "  %-14s %s\n", "INCOMPLETE", s.Incomplete)
	}
	if s.Dir != "" {
		files := s.written
		if files == nil {
			files = []string{HTMLFile, RejectsFile, SummaryFile}
		}
		// Only files that exist are pointed at.
		switch {
		case len(files) == 0:
		case files[0] == HTMLFile && len(files) > 1:
			fmt.Fprintf(bw, "  %-14s %s (%s)\n", "reports", filepath.Join(s.Dir, HTMLFile), strings.Join(files[1:], ", "))
		default:
			fmt.Fprintf(bw, "  %-14s %s (%s)\n", "reports", s.Dir, strings.Join(files, ", "))
		}
	}
	return bw.Flush()
}

// reasonList is ", by reason: no_user_data 3, …" for the rejected line;
// stale and upload_failed have lines of their own.
func reasonList(s *Summary) string {
	var parts []string
	for _, r := range capi.Reasons {
		if r == capi.ReasonStale || r == capi.ReasonUploadFailed || r == capi.ReasonSkipped {
			continue
		}
		if n := s.Rejects[string(r)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r, n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "   " + strings.Join(parts, ", ")
}

package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"capi-upload/capi"
	"capi-upload/mapping"
)

//go:embed templates/report.html.tmpl
var templateFS embed.FS

// The template is parsed once; a parse error is a build defect that
// TestWriteHTML catches, so panicking here cannot reach a user.
var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	// Requests in the timeline take one of timelineLanes rows, in turn,
	// so concurrent requests do not hide each other.
	"lanes": func(n int) int { return min(n, timelineLanes)*7 + 2 },
	"lane":  func(i int) int { return i % timelineLanes * 7 },
}).ParseFS(templateFS, "templates/report.html.tmpl"))

// ReasonRows is one reject reason in report.html: its count and the first
// rows, as file and row only.
type ReasonRows struct {
	Reason string
	Count  int
	First  []RowSpot
}

// maxHTMLRequests bounds the request table; the SVG timeline shows all.
const maxHTMLRequests = 200

type htmlFigure struct {
	Key, Label string
	N          int
}

type htmlBar struct {
	Key, Label string
	N          int
	Share      float64
	Width      float64 // px in the SVG
	Note       string
}

type htmlRequest struct {
	Seq, Events, Received, Status, Attempt int
	Start, Duration, TraceID, Error        string
	X, W                                   float64
	Class                                  string
}

type htmlData struct {
	S            *Summary
	SentWord     string
	Totals       []htmlFigure
	Coverage     []htmlBar
	Ages         []htmlBar
	Reasons      []ReasonRows
	Requests     []htmlRequest
	MoreRequests int
	Timeline     []htmlRequest
	EventNames   []eventNameRow
}

type eventNameRow struct {
	Name         string
	Rows, Events int
}

const (
	barWidth      = 320.0
	timelineLanes = 40
)

// WriteHTML writes report.html: one self-contained page (inline CSS and
// SVG, no script, no external resource) that opens offline from a file.
// reasons lists the first rows per reject reason (Recorder keeps them).
func WriteHTML(w io.Writer, s *Summary, reasons []ReasonRows) error {
	d := htmlData{S: s, SentWord: "sent", Reasons: reasons}
	if s.DryRun {
		d.SentWord = "built"
	}
	o := s.Outcomes
	d.Totals = []htmlFigure{
		{"rows_read", "rows read", s.RowsRead},
		{"sent", d.SentWord, o.Sent},
		{"rejected", "rejected", o.Rejected},
		{"stale", "stale", o.Stale},
		{"already_sent", "already sent", o.AlreadySent},
		{"failed", "failed", o.Failed},
		{"skipped", "skipped", o.Skipped},
	}
	for _, k := range capi.UserKeys {
		c := s.Coverage[k]
		if mapping.IsUnhashedKey(k) && c.Events == 0 && c.Invalid == 0 && !s.mapped(k) {
			// Most exports carry none of these: a bar for each would
			// bury the keys the file has.
			continue
		}
		note := ""
		if c.Invalid > 0 {
			var parts []string
			for _, code := range slices.Sorted(maps.Keys(c.InvalidBy)) {
				parts = append(parts, fmt.Sprintf("%s %d", code, c.InvalidBy[code]))
			}
			note = fmt.Sprintf("%d invalid: %s", c.Invalid, strings.Join(parts, ", "))
		}
		d.Coverage = append(d.Coverage, htmlBar{Key: k, Label: keyNames[k], N: c.Events, Share: c.Share, Width: c.Share * barWidth, Note: note})
	}
	a := s.Age
	ages := []htmlBar{
		{Key: "under_1h", Label: "under 1 hour", N: a.Under1Hour + a.FutureDrift},
		{Key: "under_1d", Label: "1 hour to 1 day", N: a.Under1Day},
		{Key: "under_3d", Label: "1 to 3 days", N: a.Under3Days},
		{Key: "under_7d", Label: "3 to 7 days", N: a.Under7Days},
		{Key: "older", Label: "older than 7 days", N: a.Older},
		{Key: "stale", Label: "stale (not sent)", N: a.Stale},
	}
	maxAge := 0
	for _, b := range ages {
		maxAge = max(maxAge, b.N)
	}
	for i := range ages {
		if maxAge > 0 {
			ages[i].Width = float64(ages[i].N) / float64(maxAge) * barWidth
		}
	}
	d.Ages = ages
	for _, name := range slices.Sorted(maps.Keys(s.EventNames)) {
		n := s.EventNames[name]
		d.EventNames = append(d.EventNames, eventNameRow{Name: name, Rows: n.Rows, Events: n.Events})
	}
	d.Timeline = timeline(s)
	d.Requests = d.Timeline
	if len(d.Requests) > maxHTMLRequests {
		d.MoreRequests = len(d.Requests) - maxHTMLRequests
		d.Requests = d.Requests[:maxHTMLRequests]
	}
	return htmlTemplate.Execute(w, d)
}

// timeline places each request on a shared time axis, 600 px wide.
func timeline(s *Summary) []htmlRequest {
	if len(s.Requests) == 0 {
		return nil
	}
	t0 := s.Requests[0].Start
	var end time.Time
	for _, l := range s.Requests {
		if l.Start.Before(t0) {
			t0 = l.Start
		}
		if e := l.Start.Add(time.Duration(l.DurationMS) * time.Millisecond); e.After(end) {
			end = e
		}
	}
	span := float64(end.Sub(t0).Milliseconds())
	if span <= 0 {
		span = 1
	}
	out := make([]htmlRequest, 0, len(s.Requests))
	for _, l := range s.Requests {
		class := "ok"
		switch {
		case l.Error != "" || l.HTTPStatus >= 400 || l.HTTPStatus == 0 && !s.DryRun:
			class = "err"
		case l.Attempt > 1:
			class = "retry"
		}
		x := float64(l.Start.Sub(t0).Milliseconds()) / span * 600
		out = append(out, htmlRequest{
			Seq: l.Seq, Events: l.Events, Received: l.EventsReceived, Status: l.HTTPStatus, Attempt: l.Attempt,
			Start: l.Start.UTC().Format("15:04:05.000"), Duration: fmt.Sprintf("%d ms", l.DurationMS),
			TraceID: l.FBTraceID, Error: l.Error,
			X: x, W: max(float64(l.DurationMS)/span*600, 2), Class: class,
		})
	}
	return out
}

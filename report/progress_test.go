package report

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the
// test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name     string
		mode     ProgressMode
		dryRun   bool
		logger   bool
		wantBar  bool
		wantLogs bool
	}{
		{name: "never", mode: ProgressNever, logger: true},
		{name: "always draws a bar", mode: ProgressAlways, wantBar: true},
		{name: "auto off a terminal logs", mode: ProgressAuto, logger: true, wantLogs: true},
		{name: "auto without logger is silent", mode: ProgressAuto},
		{name: "dry run bar says built", mode: ProgressAlways, dryRun: true, wantBar: true},
		{name: "dry run log says built", mode: ProgressAuto, dryRun: true, logger: true, wantLogs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w, logs syncBuffer
			opt := ProgressOptions{Mode: tt.mode, W: &w, LogEvery: 5 * time.Millisecond, Refresh: 5 * time.Millisecond, DryRun: tt.dryRun}
			word := "sent"
			if tt.dryRun {
				word = "built"
			}
			if tt.logger {
				opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			}
			p := NewProgress(opt)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 250 {
						p.AddRows(1)
					}
				})
			}
			wg.Wait()
			p.SetSent(600, 1000)
			// Wait for at least one tick to render the counters.
			deadline := time.Now().Add(5 * time.Second)
			for (tt.wantBar || tt.wantLogs) && !strings.Contains(w.String()+logs.String(), "1000") && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			p.Finish()
			p.Finish() // idempotent
			if rows, sent := p.Counts(); rows != 1000 || sent != 600 {
				t.Errorf("Counts() = %d, %d, want 1000, 600", rows, sent)
			}
			bar, log := w.String(), logs.String()
			if got := strings.Contains(bar, word+" 600"); got != tt.wantBar {
				t.Errorf("bar output %q: has bar = %v, want %v", bar, got, tt.wantBar)
			}
			if got := strings.Contains(log, "rows_read=1000 "+word+"=600"); got != tt.wantLogs {
				t.Errorf("log output %q: has progress line = %v, want %v", log, got, tt.wantLogs)
			}
			if !tt.wantBar && bar != "" {
				t.Errorf("unexpected output on W: %q", bar)
			}
			// Nothing is written after Finish returns.
			before := w.String() + logs.String()
			time.Sleep(20 * time.Millisecond)
			if after := w.String() + logs.String(); after != before {
				t.Error("progress wrote after Finish")
			}
		})
	}
}

// The bar counts a row done once its event, if it made one, has an
// outcome: rows queued or in flight hold it back.
func TestProgressRowsDone(t *testing.T) {
	tests := []struct {
		rows, built, settled int
		want                 int64
	}{
		{rows: 0, want: 0},
		{rows: 1000, want: 1000},                           // all rejected or skipped
		{rows: 1000, built: 800, want: 200},                // 800 events waiting
		{rows: 1000, built: 800, settled: 300, want: 500},  // 500 still waiting
		{rows: 1000, built: 800, settled: 800, want: 1000}, // all settled
		{rows: 1000, built: 800, settled: 900, want: 1000}, // settled before the chunk's count
		{rows: 500, built: 800, settled: 0, want: 0},       // never below zero
	}
	for _, tt := range tests {
		p := NewProgress(ProgressOptions{Mode: ProgressNever})
		p.AddRows(tt.rows)
		p.SetBuilt(tt.built)
		p.AddSettled(tt.settled)
		if got := p.rowsDone(p.rows.Load()); got != tt.want {
			t.Errorf("rows %d, built %d, settled %d: rowsDone = %d, want %d", tt.rows, tt.built, tt.settled, got, tt.want)
		}
	}
}

// The bar draws rows done, and Finish clears it so that the summary
// printed next starts at the beginning of the line.
func TestProgressBarDone(t *testing.T) {
	var w syncBuffer
	p := NewProgress(ProgressOptions{Mode: ProgressAlways, W: &w, Refresh: 5 * time.Millisecond})
	p.SetTotal(1000)
	p.AddRows(1000)
	p.SetBuilt(800)
	p.AddSettled(300)
	p.SetSent(300, 0)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(w.String(), "(500/1000") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.Finish()
	out := w.String()
	if !strings.Contains(out, "(500/1000") {
		t.Errorf("bar never showed 500 of 1000 rows done: %q", out)
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\r"), "\r")+1:]
	if strings.TrimSpace(last) != "" {
		t.Errorf("after Finish the line holds %q, want it cleared", last)
	}
}

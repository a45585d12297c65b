package report

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ProgressMode is the --progress flag: "auto", "always" or "never".
type ProgressMode string

// The --progress values.
const (
	ProgressAuto   ProgressMode = "auto"
	ProgressAlways ProgressMode = "always"
	ProgressNever  ProgressMode = "never"
)

// ProgressOptions configures NewProgress. Zero values take the defaults.
type ProgressOptions struct {
	Mode ProgressMode // default auto
	// W is where the bar goes (stderr); under auto the bar shows only if
	// W is an *os.File on a terminal.
	W io.Writer
	// Logger gets a line every LogEvery when there is no bar (cron, CI,
	// a redirected stderr), so a long run still shows it is alive.
	Logger   *slog.Logger
	LogEvery time.Duration // default 5 s
	// Refresh is how often the bar is redrawn; default 150 ms.
	Refresh time.Duration
	// DryRun: nothing is sent (validate, --dry-run), so the bar and the
	// log lines count events "built" rather than "sent".
	DryRun bool
}

// Progress shows a run's progress: counters the pipeline bumps from any
// goroutine, rendered by one goroutine of its own as a progress bar on a
// terminal or as periodic log lines otherwise. The hot path only does
// atomic adds, so progress costs nothing per row.
//
// The bar counts rows done: read, and if they made an event, that event
// has its outcome. Rows read alone ran ahead of the requests by the
// events queued and in flight, so a file of a few thousand rows showed
// 100% from its first second while its requests took the rest of the run.
type Progress struct {
	rows, sent, total atomic.Int64
	// built counts events handed to the uploader, settled those of them
	// with an outcome: rows - built + settled rows are done.
	built, settled atomic.Int64
	word           string // "sent", or "built" in a dry run
	bar            *progressbar.ProgressBar
	logger         *slog.Logger
	start          time.Time
	stop           chan struct{}
	done           chan struct{}
	once           sync.Once
}

// NewProgress starts showing progress as opt says; with mode never (or no
// logger and no terminal) it only counts. Finish stops it.
func NewProgress(opt ProgressOptions) *Progress {
	p := &Progress{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{}), word: "sent"}
	if opt.DryRun {
		p.word = "built"
	}
	mode := opt.Mode
	if mode == "" {
		mode = ProgressAuto
	}
	useBar := mode == ProgressAlways || mode == ProgressAuto && isTerminal(opt.W)
	every := opt.LogEvery
	switch {
	case mode == ProgressNever:
		close(p.done)
		return p
	case useBar && opt.W != nil:
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(opt.W),
			progressbar.OptionSetDescription("rows"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionShowIts(),
			progressbar.OptionThrottle(0), // we pace redraws ourselves
			progressbar.OptionSetRenderBlankState(true),
			// The summary that follows says it all, from the line's start.
			progressbar.OptionClearOnFinish(),
		)
		every = opt.Refresh
		if every <= 0 {
			every = 150 * time.Millisecond
		}
	case opt.Logger != nil:
		p.logger = opt.Logger
		if every <= 0 {
			every = 5 * time.Second
		}
	default:
		close(p.done)
		return p
	}
	go p.loop(every)
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// AddRows counts rows read.
func (p *Progress) AddRows(n int) { p.rows.Add(int64(n)) }

// SetBuilt sets how many events were handed to the uploader so far.
func (p *Progress) SetBuilt(n int) { p.built.Store(int64(n)) }

// AddSettled counts events that got their outcome (sent, failed, stale,
// rejected by Meta, already sent).
func (p *Progress) AddSettled(n int) { p.settled.Add(int64(n)) }

// SetSent sets the number of events acknowledged (or written, in a dry
// run) and, when known (> 0), how many there will be; it fits
// upload's progress callback.
func (p *Progress) SetSent(sent, total int) {
	p.sent.Store(int64(sent))
	if total > 0 {
		p.total.Store(int64(total))
	}
}

// SetTotal says how many rows the inputs hold, when known.
func (p *Progress) SetTotal(n int) { p.total.Store(int64(n)) }

// rowsDone is rows read less those whose event awaits its outcome. The
// pipeline counts rows and built once per chunk, after the chunk's events
// are queued, and an event may be settled before that: at such moments
// the events pending count as none.
func (p *Progress) rowsDone(rows int64) int64 {
	settled := p.settled.Load()
	return max(0, rows-max(0, p.built.Load()-settled))
}

// Snapshot returns every count so far: rows read, events built, sent and
// settled, and the rows the inputs are estimated to hold (0 = unknown).
func (p *Progress) Snapshot() (rows, built, sent, settled, total int) {
	return int(p.rows.Load()), int(p.built.Load()), int(p.sent.Load()), int(p.settled.Load()), int(p.total.Load())
}

// Counts returns rows read and events sent so far.
func (p *Progress) Counts() (rows, sent int) { return int(p.rows.Load()), int(p.sent.Load()) }

func (p *Progress) loop(every time.Duration) {
	defer close(p.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.render(true)
			return
		case <-t.C:
			p.render(false)
		}
	}
}

func (p *Progress) render(final bool) {
	rows, sent := p.rows.Load(), p.sent.Load()
	if p.bar != nil {
		if total := p.total.Load(); total > 0 && int64(p.bar.GetMax64()) != total {
			p.bar.ChangeMax64(total)
		}
		p.bar.Describe(fmt.Sprintf("%s %d", p.word, sent))
		_ = p.bar.Set64(p.rowsDone(rows))
		if final {
			_ = p.bar.Finish()
		}
		return
	}
	if final {
		return // the end-of-run summary says the rest
	}
	elapsed := time.Since(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(rows) / elapsed
	}
	p.logger.Info("progress", "rows_read", rows, p.word, sent, "rows_per_s", int64(rate))
}

// Finish stops the display, drawing the bar a last time; it waits for the
// drawing goroutine, so nothing is written to stderr after it returns.
// It may be called more than once.
func (p *Progress) Finish() {
	p.once.Do(func() {
		select {
		case <-p.done: // never started
		default:
			close(p.stop)
		}
	})
	<-p.done
}

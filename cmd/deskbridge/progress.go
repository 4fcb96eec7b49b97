package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/deskbridge/deskbridge/migrate"
)

// progressView shows a running migration on stderr.
type progressView interface {
	update(migrate.Progress)
	// note shows what the adapters are waiting for (see waits).
	note(string)
	finish()
}

// noteFor is how long a note stays on the bar without a newer one.
const noteFor = 5 * time.Second

// lineInterval is how often plain progress lines are printed.
const lineInterval = 2 * time.Second

// newProgress returns a progress bar when stderr is a terminal, plain
// periodic lines otherwise (a log file, CI). total is the number of source
// contacts, or -1 when unknown (a spinner with counts then).
func (a *app) newProgress(total int) progressView {
	retries := a.waits.retries.Load()
	retried := func() int { return int(a.waits.retries.Load() - retries) }
	if a.isTerminal {
		return newBarView(a.stderr, total, retried)
	}
	return &lineView{w: a.stderr, now: a.now, every: lineInterval, total: total, retried: retried}
}

// barView is a progressbar/v3 bar (or spinner, without a total).
type barView struct {
	bar *progressbar.ProgressBar
	now func() time.Time
	// known is whether the bar has its total (else it is a spinner).
	known bool
	// retried counts the adapters' retries since the display started.
	retried func() int
	mu      sync.Mutex
	p       migrate.Progress
	// drawn is when the bar was last drawn.
	drawn time.Time
	// noted is the last note and when it came.
	noted   string
	notedAt time.Time
}

// barInterval is how often the bar is redrawn for new counts; a note
// redraws it at once.
const barInterval = 100 * time.Millisecond

func newBarView(w io.Writer, total int, retried func() int) *barView {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("starting"),
		progressbar.OptionShowCount(),
		// A spinner shows "2900", not "2900/-".
		progressbar.OptionShowTotalBytes(total >= 0),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("contacts"),
		progressbar.OptionSetWidth(20),
		// barView paces the drawing itself, so that a note (and the lines
		// printed above the bar) is drawn at once.
		progressbar.OptionThrottle(0),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)
	return &barView{bar: bar, now: time.Now, known: total >= 0, retried: retried}
}

func (v *barView) update(p migrate.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p = p
	if !v.known && p.Total > 0 && p.Phase != migrate.PhaseIndex {
		v.known = true
		v.bar.ChangeMax(p.Total)
	}
	if v.now().Sub(v.drawn) >= barInterval {
		v.draw()
	}
}

// note prints the note on a line of its own above the bar and shows it on
// the bar for a while.
func (v *barView) note(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, _ = progressbar.Bprintln(v.bar, s) // written when the bar is drawn next: now
	v.noted, v.notedAt = s, v.now()
	v.draw()
}

// draw sets the bar's count and its text: the counts, and a recent note.
func (v *barView) draw() {
	v.drawn = v.now()
	d := brief(v.p, v.retried())
	if v.noted != "" && v.now().Sub(v.notedAt) < noteFor {
		d += " · " + v.noted
	}
	n := v.p.Processed
	if v.p.Phase == migrate.PhaseIndex {
		n = v.p.Indexed
	}
	// Each call draws the bar: the count first, so that the text shows
	// with it, unless the count ends the bar (which then draws nothing).
	if v.known && n >= v.bar.GetMax() {
		v.bar.Describe(d)
		_ = v.bar.Set(n)
		return
	}
	_ = v.bar.Set(n)
	v.bar.Describe(d)
}

func (v *barView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.draw() // the last counts, and any line not written yet
	_ = v.bar.Finish()
	_ = v.bar.Exit()
}

// lineView prints a line at each phase change and then every interval:
// for logs, where a redrawn bar would be noise.
type lineView struct {
	w     io.Writer
	now   func() time.Time
	every time.Duration
	// total is the number of source contacts when known (else -1 or 0),
	// until a progress snapshot says.
	total int
	// retried counts the adapters' retries since the display started.
	retried func() int

	mu    sync.Mutex
	last  time.Time
	phase migrate.Phase
	p     migrate.Progress
	// behind is set when p is newer than the last line printed.
	behind bool
	// noted is the last note printed, at notedAt.
	noted   string
	notedAt time.Time
}

func (v *lineView) update(p migrate.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p, v.behind = p, true
	now := v.now()
	if p.Phase == v.phase && now.Sub(v.last) < v.every {
		return
	}
	v.phase, v.last, v.behind = p.Phase, now, false
	fmt.Fprintln(v.w, v.line())
}

// line describes the last snapshot, with the total when known and the
// retries so far.
func (v *lineView) line() string {
	p := v.p
	if p.Total <= 0 && v.total > 0 {
		p.Total = v.total
	}
	retries := 0
	if v.retried != nil {
		retries = v.retried()
	}
	return describe(p, retries)
}

// note prints a note on a line of its own, unless it repeats the last one
// within the interval.
func (v *lineView) note(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if s == v.noted && now.Sub(v.notedAt) < v.every {
		return
	}
	v.noted, v.notedAt = s, now
	fmt.Fprintln(v.w, "  "+s)
}

// finish prints the last state, if it was not the last line printed.
func (v *lineView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.behind {
		fmt.Fprintln(v.w, v.line())
	}
	v.behind = false
}

// describe is one line about a progress snapshot and the retries so far.
func describe(p migrate.Progress, retries int) string {
	var s string
	switch p.Phase {
	case migrate.PhaseResolve:
		s = "resolving writes left pending by an earlier run"
	case migrate.PhaseIndex:
		s = fmt.Sprintf("indexing the target: %d contacts listed", p.Indexed)
	default:
		of := ""
		if p.Total > 0 {
			of = fmt.Sprintf(" of %d", p.Total)
		}
		s = fmt.Sprintf("%s: %d%s contacts (created %d, updated %d, unchanged %d, matched %d, upserted %d, skipped %d, failed %d, conflicts %d), %d write calls",
			p.Phase, p.Processed, of, p.Created, p.Updated, p.Unchanged, p.Matched, p.Upserted, p.Skipped, p.Failed, p.Conflicts, p.WriteCalls)
	}
	if retries > 0 {
		s += fmt.Sprintf(", %d request%s retried", retries, plural(retries))
	}
	return s
}

// brief is a short description for the bar (or the spinner, when the
// total is unknown), which shares its line with the bar and the counts:
// every outcome seen so far, and the retries.
func brief(p migrate.Progress, retries int) string {
	var s string
	switch p.Phase {
	case migrate.PhaseResolve:
		s = "resolving pending writes"
	case migrate.PhaseIndex:
		s = fmt.Sprintf("indexing the target (%d)", p.Indexed)
	default:
		s = fmt.Sprintf("%d new, %d updated", p.Created, p.Updated)
		for _, c := range []struct {
			n    int
			what string
		}{
			{p.Unchanged, "unchanged"}, {p.Matched, "matched"}, {p.Upserted, "upserted"}, {p.Changed, "changed"},
			{p.Skipped, "skipped"}, {p.Failed, "failed"}, {p.Conflicts, "conflicts"},
		} {
			if c.n > 0 {
				s += fmt.Sprintf(", %d %s", c.n, c.what)
			}
		}
	}
	if retries > 0 {
		s += fmt.Sprintf(", %d retried", retries)
	}
	return s
}

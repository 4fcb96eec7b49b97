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
// contacts when known exactly (the demo's, which seeded them), or -1. Else
// the run's own Progress.Total, an estimate from the state's last complete
// pass, is shown as one ("of about 3000"), and without either the bar is a
// spinner with the counts.
func (a *app) newProgress(total int) progressView {
	retries := a.waits.retries.Load()
	retried := func() int { return int(a.waits.retries.Load() - retries) }
	if a.isTerminal {
		return newBarView(a.stderr, total, retried)
	}
	return &lineView{w: a.stderr, now: a.now, every: lineInterval, total: total, retried: retried}
}

// barView is a progressbar/v3 bar, or a spinner without a total. The bar is
// made when it is first drawn, and made again when the migration moves from
// listing the target (a spinner counting the target's contacts) to the
// source's contacts (a bar, when a total is known).
type barView struct {
	w   io.Writer
	now func() time.Time
	// total is the number of source contacts when known exactly, else -1.
	total int
	// retried counts the adapters' retries since the display started.
	retried func() int

	mu sync.Mutex
	p  migrate.Progress
	// bar is nil until the first draw. listing is whether it shows the
	// phases before the source's contacts (the target's index, pending
	// writes). max is what it counts to, 0 for a spinner; about, whether
	// max comes from Progress.Total, an estimate, rather than total.
	bar     *progressbar.ProgressBar
	listing bool
	max     int
	about   bool
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
	return &barView{w: w, now: time.Now, total: total, retried: retried}
}

func (v *barView) update(p migrate.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p = p
	// A new phase is drawn at once: its bar may be another.
	if v.bar == nil || listingPhase(p.Phase) != v.listing || v.now().Sub(v.drawn) >= barInterval {
		v.draw()
	}
}

// note prints the note on a line of its own above the bar and shows it on
// the bar for a while.
func (v *barView) note(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	// The bar the line is queued on must be the one drawn next: one
	// cleared for another forgets its queued lines.
	v.ensure()
	_, _ = progressbar.Bprintln(v.bar, s) // written when the bar is drawn next: now
	v.noted, v.notedAt = s, v.now()
	v.draw()
}

// listingPhase reports whether p is of a phase before the source's
// contacts are listed (or before any snapshot).
func listingPhase(p migrate.Phase) bool {
	return p != migrate.PhaseMigrate && p != migrate.PhaseDone
}

// ensure makes the bar for the phase of the last snapshot, if it is not
// the one drawn: a spinner while listing or without a total, else a bar
// to the exact total, or to the estimate.
func (v *barView) ensure() {
	listing := listingPhase(v.p.Phase)
	if v.bar != nil && listing == v.listing {
		return
	}
	if v.bar != nil {
		_ = v.bar.Finish() // cleared (OptionClearOnFinish)
		_ = v.bar.Exit()
	}
	v.listing, v.max, v.about = listing, 0, false
	switch {
	case listing:
	case v.total > 0:
		v.max = v.total
	case v.p.Total > 0:
		// An estimate: the bar says "of ~3000" itself, and the count is
		// not shown as "2900/3000".
		v.max, v.about = v.p.Total, true
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(v.w),
		progressbar.OptionSetDescription(v.text()),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("contacts"),
		progressbar.OptionSetWidth(20),
		// barView paces the drawing itself, so that a note (and the lines
		// printed above the bar) is drawn at once.
		progressbar.OptionThrottle(0),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	}
	if !v.about {
		// A spinner shows "2900", not "2900/-".
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowTotalBytes(v.max > 0))
	}
	size := v.max
	if size == 0 {
		size = -1 // a spinner
	}
	v.bar = progressbar.NewOptions(size, opts...)
}

// count is what the bar counts: the target's contacts listed while it is
// indexed, else the source's contacts handled.
func (v *barView) count() int {
	if v.p.Phase == migrate.PhaseIndex {
		return v.p.Indexed
	}
	return v.p.Processed
}

// text is the bar's text: the count against an estimated total, the
// outcomes and retries, and a recent note.
func (v *barView) text() string {
	d := "starting"
	if v.p.Phase != "" {
		d = brief(v.p, v.retried())
	}
	if v.about {
		d = briefCount(v.count(), v.p.Total) + " · " + d
	}
	if v.noted != "" && v.now().Sub(v.notedAt) < noteFor {
		d += " · " + v.noted
	}
	return d
}

// draw sets the bar's count and its text.
func (v *barView) draw() {
	v.ensure()
	v.drawn = v.now()
	n, d := v.count(), v.text()
	if v.max > 0 {
		// An estimate is passed when the source grew since the last pass:
		// the bar grows with the count, so that it shows neither more than
		// 100% nor a negative time left, and it ends with the run. An
		// exact total is not passed; if it were, the bar would grow to the
		// count.
		switch {
		case v.about && n >= v.max && v.p.Phase != migrate.PhaseDone:
			v.max = n + 1
			v.bar.ChangeMax(v.max)
		case n > v.max:
			v.max = n
			v.bar.ChangeMax(v.max)
		}
	}
	// Each call draws the bar: the count first, so that the text shows
	// with it, unless the count ends the bar (which then draws nothing):
	// the text is then drawn with the count before.
	if v.max > 0 && n >= v.max {
		_ = v.bar.Set(n - 1)
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
	// total is the number of source contacts when known exactly (else -1
	// or 0): see newProgress.
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
	retries := 0
	if v.retried != nil {
		retries = v.retried()
	}
	return describe(v.p, v.total, retries)
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
// exact is the number of source contacts when known exactly (> 0), else
// p.Total is shown as the estimate it is.
func describe(p migrate.Progress, exact, retries int) string {
	var s string
	switch p.Phase {
	case migrate.PhaseResolve:
		s = "resolving writes left pending by an earlier run"
	case migrate.PhaseIndex:
		s = fmt.Sprintf("indexing the target: %d contacts listed", p.Indexed)
	default:
		s = fmt.Sprintf("%s: %s (created %d, updated %d, unchanged %d, matched %d, upserted %d, skipped %d, failed %d, conflicts %d), %d write calls",
			p.Phase, contactsCount(p.Processed, exact, p.Total), p.Created, p.Updated, p.Unchanged, p.Matched, p.Upserted, p.Skipped, p.Failed, p.Conflicts, p.WriteCalls)
	}
	if retries > 0 {
		s += fmt.Sprintf(", %d request%s retried", retries, plural(retries))
	}
	return s
}

// contactsCount is how many contacts were handled, against the exact total
// when there is one (> 0), else against the estimate (Progress.Total):
// "2900 of 3000 contacts", "2900 of about 3000 contacts", and past the
// total "3100 contacts, more than the 3000 expected". An estimate of 0
// (the last pass found the source empty) or none is not shown.
func contactsCount(n, exact, estimate int) string {
	total, about := exact, ""
	if exact <= 0 {
		total, about = estimate, "about "
	}
	switch {
	case total <= 0:
		return fmt.Sprintf("%d contacts", n)
	case n > total:
		return fmt.Sprintf("%d contacts, more than the %d expected", n, total)
	}
	return fmt.Sprintf("%d of %s%d contacts", n, about, total)
}

// briefCount is the bar's count against an estimate (> 0): "2900 of
// ~3000", and past it "3100 (~3000 expected)".
func briefCount(n, estimate int) string {
	if n > estimate {
		return fmt.Sprintf("%d (~%d expected)", n, estimate)
	}
	return fmt.Sprintf("%d of ~%d", n, estimate)
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

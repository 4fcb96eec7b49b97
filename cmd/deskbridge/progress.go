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
	if a.isTerminal {
		return newBarView(a.stderr, total)
	}
	return &lineView{w: a.stderr, now: a.now, every: lineInterval}
}

// barView is a progressbar/v3 bar (or spinner, without a total).
type barView struct {
	bar *progressbar.ProgressBar
	now func() time.Time
	mu  sync.Mutex
	p   migrate.Progress
	// noted is the last note and when it came.
	noted   string
	notedAt time.Time
}

func newBarView(w io.Writer, total int) *barView {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("starting"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("contacts"),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)
	return &barView{bar: bar, now: time.Now}
}

func (v *barView) update(p migrate.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p = p
	v.describe()
	if p.Phase == migrate.PhaseIndex {
		_ = v.bar.Set(p.Indexed)
		return
	}
	_ = v.bar.Set(p.Processed)
}

func (v *barView) note(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.noted, v.notedAt = s, v.now()
	v.describe()
}

// describe sets the bar's text: the counts, and a recent note.
func (v *barView) describe() {
	d := brief(v.p)
	if v.noted != "" && v.now().Sub(v.notedAt) < noteFor {
		d += " · " + v.noted
	}
	v.bar.Describe(d)
}

func (v *barView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = v.bar.Finish()
	_ = v.bar.Exit()
}

// lineView prints a line at each phase change and then every interval:
// for logs, where a redrawn bar would be noise.
type lineView struct {
	w     io.Writer
	now   func() time.Time
	every time.Duration

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
	fmt.Fprintln(v.w, describe(p))
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
		fmt.Fprintln(v.w, describe(v.p))
	}
	v.behind = false
}

// describe is one line about a progress snapshot.
func describe(p migrate.Progress) string {
	switch p.Phase {
	case migrate.PhaseResolve:
		return "resolving writes left pending by an earlier run"
	case migrate.PhaseIndex:
		return fmt.Sprintf("indexing the target: %d contacts listed", p.Indexed)
	default:
		return fmt.Sprintf("%s: %d contacts (created %d, updated %d, unchanged %d, matched %d, upserted %d, skipped %d, failed %d, conflicts %d), %d write calls",
			p.Phase, p.Processed, p.Created, p.Updated, p.Unchanged, p.Matched, p.Upserted, p.Skipped, p.Failed, p.Conflicts, p.WriteCalls)
	}
}

// brief is a short description for the bar, which shares its line with the
// bar and the counts.
func brief(p migrate.Progress) string {
	switch p.Phase {
	case migrate.PhaseResolve:
		return "resolving pending writes"
	case migrate.PhaseIndex:
		return fmt.Sprintf("indexing the target (%d)", p.Indexed)
	}
	s := fmt.Sprintf("%d new, %d updated", p.Created, p.Updated)
	if p.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", p.Skipped)
	}
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed", p.Failed)
	}
	if p.Conflicts > 0 {
		s += fmt.Sprintf(", %d conflicts", p.Conflicts)
	}
	return s
}

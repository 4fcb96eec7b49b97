package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// addPerson adds one more contact to a source, after a complete pass.
func addPerson(t *testing.T, src *support.Client) {
	t.Helper()
	_, err := src.CreateContact(context.Background(), support.ContactInput{FirstName: "New", LastName: "Person", Email: "new@example.com"})
	require.NoError(t, err)
}

// Off a terminal, a first run shows no total (none is known: the vendors'
// lists do not say); a run again shows the last complete pass's count as
// the estimate it is, and past it (a contact added since) says so instead
// of "6 of 5".
func TestMigrateProgressLinesShowTheEstimate(t *testing.T) {
	src := seeded(t, people(5))
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": seeded(t, nil)})
	state := filepath.Join(t.TempDir(), "s.db")
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), a.errOut.String())
	first := a.errOut.String()
	assert.Regexp(t, `(?m)^done: 5 contacts \(created 5,`, first)
	assert.NotContains(t, first, " of ", "a first pass has no total")
	assert.NotContains(t, first, "expected")

	addPerson(t, src)
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), a.errOut.String())
	again := a.errOut.String()
	assert.Regexp(t, `(?m)^migrate: [1-5] of about 5 contacts \(`, again, "the last pass listed 5")
	assert.Regexp(t, `(?m)^done: 6 contacts, more than the 5 expected \(created 1, .*skipped 5,`, again)
	assert.NotContains(t, again, "6 of ", "never more than the total")

	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), a.errOut.String())
	assert.Regexp(t, `(?m)^done: 6 of about 6 contacts \(`, a.errOut.String(), "the pass since listed 6")
}

// percents are the percentages a bar drew.
func percents(t *testing.T, out string) []int {
	t.Helper()
	var got []int
	for _, m := range regexp.MustCompile(`(\d+)%`).FindAllStringSubmatch(out, -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		got = append(got, n)
	}
	return got
}

// On a terminal, likewise: a spinner on a first run, then a bar to "~5"
// that, past it, counts on without going over 100%.
func TestMigrateProgressBarShowsTheEstimate(t *testing.T) {
	src := seeded(t, people(5))
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": seeded(t, nil)})
	a.isTerminal = true
	var stderr syncBuffer
	a.stderr = &stderr
	state := filepath.Join(t.TempDir(), "s.db")
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), stderr.String())
	first := stderr.String()
	assert.Contains(t, first, "5 new")
	assert.NotContains(t, first, "~", "a first pass has no total")
	assert.NotContains(t, first, "%", "a spinner")

	addPerson(t, src)
	start := len(stderr.String())
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), stderr.String())
	again := stderr.String()[start:]
	assert.Regexp(t, `[1-5] of ~5 · `, again, "the last pass listed 5")
	assert.Contains(t, again, "6 (~5 expected) · 1 new, 0 updated, 5 skipped")
	assert.NotContains(t, again, "/5", "an estimate is not drawn as an exact total")
	for _, p := range percents(t, again) {
		assert.LessOrEqual(t, p, 100)
	}
}

// A bar to an estimate that the count passes mid-run (the source grew)
// goes on showing every count, never above 100% nor with a negative time
// left, and ends with the run.
func TestProgressBarPastTheEstimate(t *testing.T) {
	var out syncBuffer
	v := newBarView(&out, -1, func() int { return 1 })
	clock := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return clock }
	p := migrate.Progress{Phase: migrate.PhaseMigrate, Total: 4}
	for i := 1; i <= 9; i++ {
		p.Processed, p.Created, p.Unchanged, p.Matched = i, i, i/2, i/3
		clock = clock.Add(time.Second)
		v.update(p)
		got := out.String()
		want := strconv.Itoa(i) + " new, 0 updated"
		if i >= 2 {
			want += ", " + strconv.Itoa(i/2) + " unchanged"
		}
		if i >= 3 {
			want += ", " + strconv.Itoa(i/3) + " matched"
		}
		assert.Contains(t, got, want+", 1 retried", "%d: every count stays shown", i)
	}
	p.Phase = migrate.PhaseDone
	v.update(p)
	v.finish()
	got := out.String()
	assert.Contains(t, got, "3 of ~4 · ")
	assert.Contains(t, got, "9 (~4 expected) · 9 new")
	for _, pc := range percents(t, got) {
		assert.LessOrEqual(t, pc, 100)
	}
	assert.NotRegexp(t, `:-\d`, got, "no negative time left")
}

// The demo's total is exact (it seeded the source): shown without "about",
// on the bar and in the lines, whatever the state estimates.
func TestProgressExactTotal(t *testing.T) {
	var out syncBuffer
	v := newBarView(&out, 10, func() int { return 0 })
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 3, Total: 8, Counts: migrate.Counts{Created: 3}})
	v.finish()
	assert.Contains(t, out.String(), "(3/10, ")
	assert.NotContains(t, out.String(), "~")

	var lines strings.Builder
	now := time.Unix(0, 0)
	l := &lineView{w: &lines, now: func() time.Time { return now }, every: lineInterval, total: 10}
	l.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 3, Total: 8, Counts: migrate.Counts{Created: 3}})
	assert.Equal(t, "migrate: 3 of 10 contacts (created 3, updated 0, unchanged 0, matched 0, upserted 0, skipped 0, failed 0, conflicts 0), 0 write calls\n", lines.String())
}

package migrate

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// totals runs a migration and returns its report and the set of
// Progress.Total values it reported.
func totals(t *testing.T, src, dst support.Driver, opts Options) (*Report, []int, error) {
	t.Helper()
	seen := map[int]bool{}
	var out []int
	opts.Progress = func(p Progress) {
		if !seen[p.Total] {
			seen[p.Total] = true
			out = append(out, p.Total)
		}
	}
	rep, err := Run(context.Background(), client(src), client(dst), opts)
	return rep, out, err
}

// Progress.Total is unknown on a State's first pass, and then the count of
// the last complete pass: on a run again, a dry run, and (less the pages
// the pass had finished) a resumed run, whose Processed then ends at it.
// A State without the count (written before it was recorded) has no total
// until a pass completes.
func TestProgressTotalFromTheLastCompletePass(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1) // upsert: a commit per page
	src.pageSize = 10
	src.seed(people(30)...)
	st := openState(t)

	rep, got, err := totals(t, src, dst, Options{State: st})
	require.NoError(t, err)
	assert.Equal(t, []int{-1}, got, "the first pass: unknown")
	assert.Equal(t, 30, rep.Created)

	rep, got, err = totals(t, src, dst, Options{State: st})
	require.NoError(t, err)
	assert.Equal(t, []int{30}, got, "run again")
	assert.Equal(t, 30, rep.Processed)

	src.seed(support.Contact{ID: "new", FirstName: "New", Email: "new@example.com"})
	rep, got, err = totals(t, src, dst, Options{State: st, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, []int{30}, got, "a dry run: the last pass's count, an estimate")
	assert.Equal(t, 31, rep.Processed, "one more since")

	// Every contact changed, so that each page is a window of its own, and
	// the pass stopped after its first page was committed.
	for i := range 30 {
		src.edit(fmt.Sprintf("src_%06d", i), support.ContactUpdate{City: support.Ptr("Porto")})
	}
	rep, got, err = totals(t, src, dst, Options{State: &killState{State: st, left: 2}})
	require.ErrorIs(t, err, errKilled)
	assert.Equal(t, []int{30}, got, "the last complete pass listed 30")
	require.Positive(t, rep.Processed)
	rep, got, err = totals(t, src, dst, Options{State: st})
	require.NoError(t, err)
	require.True(t, rep.Resumed)
	assert.Equal(t, []int{20}, got, "resumed: the first page of 10 is not listed again")
	assert.Equal(t, 21, rep.Processed, "20, and the contact added since")

	// As written before the count was recorded.
	require.NoError(t, st.Commit(&Commit{Checkpoints: map[string]string{cpSourceTotal: "", cpPassListed: ""}}))
	_, got, err = totals(t, src, dst, Options{State: st})
	require.NoError(t, err)
	assert.Equal(t, []int{-1}, got, "no count recorded")
	_, got, err = totals(t, src, dst, Options{State: st})
	require.NoError(t, err)
	assert.Equal(t, []int{31}, got, "recorded by the pass since")

	_, got, err = totals(t, src, dst, Options{})
	require.NoError(t, err)
	assert.Equal(t, []int{-1}, got, "without a State")
}

package migrate

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// cutOff is a target that needs a first name to create a contact (as
// respond.io does) and whose credentials are refused after a number of
// creates, before the next one is stored: a run that stops half way,
// which the next run resumes.
type cutOff struct {
	firstNameToCreate
	left atomic.Int64
}

func (c *cutOff) refused() error {
	if c.left.Add(-1) < 0 {
		return &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "token expired"}
	}
	return nil
}

func (c *cutOff) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if err := c.refused(); err != nil {
		return nil, err
	}
	return c.firstNameToCreate.CreateContacts(ctx, in)
}

func (c *cutOff) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	if err := c.refused(); err != nil {
		return nil, err
	}
	return c.firstNameToCreate.CreateContact(ctx, in)
}

// overallSetup seeds a source of 130 people: every 13th has no name (the
// target refuses it), person 23 shares a phone with someone else in the
// target (a conflict), 5 to 9 are in the target already as they are
// (unchanged) and 10 to 14 with another language (updated).
func overallSetup(maxBatch int) (src, inner *store) {
	src, inner = newStore("src", 1), newStore("dst", maxBatch)
	cs := people(130)
	for i := range cs {
		if i%13 == 12 {
			cs[i].FirstName, cs[i].LastName = "", ""
		}
	}
	src.seed(cs...)
	inner.seed(support.Contact{FirstName: "Other", Email: "other@example.com", Phone: person(23).Phone})
	for i := 5; i < 15; i++ {
		c := person(i)
		c.ID = ""
		if i >= 10 {
			c.Language = "fr"
		}
		inner.seed(c)
	}
	return src, inner
}

// Issue 13, item 5: a migration stopped half way and resumed reports, in
// Overall, what one run in one go counts; each run's Counts are its own.
// A finished migration run again keeps the same Overall, and a dry run
// gives the Overall the run would leave. Without a State there is none.
func TestOverallAcrossResumedRuns(t *testing.T) {
	for _, maxBatch := range []int{50, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := overallSetup(maxBatch)
			oneGo := run(t, src, firstNameToCreate{inner}, Options{State: openState(t)})
			require.True(t, oneGo.Complete)
			want := oneGo.Counts
			// Person 12 has no name, but is in the target: updated.
			require.Equal(t, Counts{Created: 110, Updated: 5, Unchanged: 5, Failed: 9, Conflicts: 1}, want, "one go")
			assert.Equal(t, &want, oneGo.Overall, "one go")

			src, inner = overallSetup(maxBatch)
			dst := &cutOff{firstNameToCreate: firstNameToCreate{inner}}
			dst.left.Store(int64(1 + 40/maxBatch))
			st := openState(t)
			plan := run(t, src, dst, Options{State: st, DryRun: true})
			assert.Equal(t, &want, plan.Overall, "dry run")
			first, err := Run(context.Background(), client(src), client(dst), Options{State: st})
			require.ErrorIs(t, err, support.ErrUnauthorized)
			require.NotNil(t, first.Overall)
			assert.Equal(t, first.Created, first.Overall.Created, "stopped run")
			assert.Less(t, first.Overall.Created, want.Created, "stopped run")

			dst.left.Store(1 << 30)
			resumed := run(t, src, dst, Options{State: st})
			require.True(t, resumed.Resumed)
			require.True(t, resumed.Complete)
			assert.NotEqual(t, want, resumed.Counts, "the resumed run's own counts")
			assert.Equal(t, want.Created, first.Created+resumed.Created)
			assert.Equal(t, &want, resumed.Overall, "resumed")

			again := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Skipped: 120, Failed: 9, Conflicts: 1}, again.Counts, "re-run")
			assert.Equal(t, &want, again.Overall, "re-run")

			noState := run(t, src, dst, Options{})
			assert.Nil(t, noState.Overall, "without a State")
		})
	}
}

// A State that belongs to another migration is refused before any count:
// its totals are not this migration's.
func TestOverallOfAnotherMigrationIsNotReported(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(3)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	other := newStore("other", 100)
	rep, err := Run(context.Background(), client(src), client(other), Options{State: st})
	require.ErrorIs(t, err, ErrStateMismatch)
	assert.Nil(t, rep.Overall)
}

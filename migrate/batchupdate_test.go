package migrate

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// formerly returns people(n) as a target holds them before the migration:
// under another first name, so that every one is matched and updated.
func formerly(n int) []support.Contact {
	cs := people(n)
	for i := range cs {
		cs[i].ID, cs[i].FirstName = "", "Formerly"
	}
	return cs
}

// Issue 11, point 3: on a target with a batch update (Tidio's PATCH
// /contacts/batch), the updates of a batch migration go in full batches,
// across source pages: 250 matched contacts that differ take 3 requests,
// and 120 contacts changed in the source since take 2, not one each. The
// dry run predicts both exactly, the target holds the new values, and a
// finished migration run again sends nothing.
func TestBatchUpdatesInFullBatches(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(250)...)
	inner.seed(formerly(250)...)
	dst := withBatchUpdate(inner, 100)
	st := openState(t)

	plan := run(t, src, dst, Options{State: st, DryRun: true})
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Updated: 250}, rep.Counts)
	assert.Equal(t, plan.Counts, rep.Counts, "the plan is the run")
	assert.EqualValues(t, 3, dst.calls.Load(), "batch update requests")
	assert.EqualValues(t, 250, dst.records.Load(), "patches in them")
	assert.Zero(t, dst.singles.Load(), "single updates")
	assert.Equal(t, 3, rep.WriteCalls)
	assert.Equal(t, 3, plan.PlannedWriteCalls)
	for _, c := range inner.all() {
		require.NotEqual(t, "Formerly", c.FirstName, "%s was not updated", c.Email)
	}
	checkMigrated(t, src.all(), inner.all(), st)

	for i := range 120 {
		src.edit(fmt.Sprintf("src_%06d", i), support.ContactUpdate{LastName: support.Ptr(fmt.Sprintf("Edited%d", i))})
	}
	plan = run(t, src, dst, Options{State: st, DryRun: true})
	calls := dst.calls.Load()
	delta := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Changed: 120, Skipped: 130}, delta.Counts)
	assert.Equal(t, plan.Counts, delta.Counts, "the plan is the run")
	assert.EqualValues(t, 2, dst.calls.Load()-calls, "batch update requests for 120 changes")
	assert.Equal(t, 2, delta.WriteCalls)
	assert.Equal(t, 2, plan.PlannedWriteCalls)
	assert.Zero(t, dst.singles.Load(), "single updates")
	last := map[string]string{}
	for _, c := range inner.all() {
		last[c.Email] = c.LastName
	}
	for i := range 120 {
		assert.Equal(t, fmt.Sprintf("Edited%d", i), last[person(i).Email])
	}
	e, ok, err := st.Entry("src_000007")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, fingerprint(mapped(t, src, "src_000007")), e.Fingerprint, "the entry has the new fingerprint")

	calls = dst.calls.Load()
	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 250}, again.Counts)
	assert.Zero(t, again.WriteCalls)
	assert.Equal(t, calls, dst.calls.Load())
}

// Two source contacts of one target contact (the second with its email
// in upper case and another last name) are updated one after the other,
// in two batches, never twice in one (the Client would refuse it): the
// target ends with the later one's values.
func TestBatchUpdatesKeepEachContactsOrder(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	twin := person(3)
	twin.ID, twin.Email, twin.LastName = "", "PERSON3@EXAMPLE.COM", "Twin"
	src.seed(people(4)...)
	src.seed(twin)
	inner.seed(formerly(4)...)
	dst := withBatchUpdate(inner, 100)
	st := openState(t)

	plan := run(t, src, dst, Options{State: st, DryRun: true})
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Updated: 5}, rep.Counts)
	assert.Equal(t, plan.Counts, rep.Counts)
	assert.Equal(t, 2, rep.WriteCalls, "the twin waits for its contact's first update")
	assert.Equal(t, 2, plan.PlannedWriteCalls)
	assert.Zero(t, dst.singles.Load())
	for _, c := range inner.all() {
		if c.Email == person(3).Email {
			assert.Equal(t, "Twin", c.LastName)
			assert.Equal(t, "First3", c.FirstName)
		}
	}
	checkMigrated(t, src.all(), inner.all(), st)
}

// A batch the target refuses whole because of one record is split by the
// Client until that record is alone: it fails with the vendor's message
// and is remembered, the others are updated, and every request sent is
// counted in WriteCalls.
func TestBatchUpdateRefusalFailsOneRecord(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(10)...)
	inner.seed(formerly(10)...)
	locked := inner.all()[6].ID
	dst := withBatchUpdate(inner, 100)
	dst.refuse = func(p support.ContactPatch) error {
		if p.ID == locked {
			return &support.Error{Kind: support.ErrInvalid, Status: 422, Code: "locked", Message: "contact is locked"}
		}
		return nil
	}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Updated: 9, Failed: 1}, rep.Counts)
	require.Len(t, rep.Failures, 1)
	assert.Equal(t, "src_000006", rep.Failures[0].SourceID)
	assert.Equal(t, "contact is locked", rep.Failures[0].Reason)
	assert.Equal(t, 422, rep.Failures[0].Status)
	assert.Equal(t, int(dst.calls.Load()+dst.singles.Load()), rep.WriteCalls, "every request sent, the splits included")
	assert.Greater(t, rep.WriteCalls, 1, "the batch was split")
	assert.Zero(t, dst.singles.Load(), "batches only, down to the record alone")
	for _, c := range inner.all() {
		if c.ID == locked {
			assert.Equal(t, "Formerly", c.FirstName)
		} else {
			assert.NotEqual(t, "Formerly", c.FirstName)
		}
	}
	e, ok, err := st.Entry("src_000006")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Failed, e.Outcome)

	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 9, Failed: 1}, again.Counts)
	require.Len(t, again.Failures, 1)
	assert.True(t, again.Failures[0].Remembered)
	assert.Zero(t, again.WriteCalls)
}

// limitedPatches refuses the first n batch updates (or every one, when n
// is negative) with err, as a vendor still limiting after internal/rest's
// retries would: the request is counted, nothing is applied.
type limitedPatches struct {
	*batchPatcher
	n   int
	err error
}

func (l *limitedPatches) PatchContacts(ctx context.Context, ps []support.ContactPatch) ([][]support.Warning, error) {
	if l.n != 0 {
		l.n--
		support.CountRequest(ctx, "PATCH", 1)
		return nil, l.err
	}
	return l.batchPatcher.PatchContacts(ctx, ps)
}

// A batch update refused for a rate limit is sent again after the wait the
// vendor asked for; one still refused after MaxAttempts stops the run, as
// does a refused credential at once, with nothing recorded as updated;
// running again then finishes the migration.
func TestBatchUpdateRateLimitsAndStops(t *testing.T) {
	limited := &support.Error{Kind: support.ErrRateLimited, Status: 429, Message: "too many requests", RetryAfter: 4 * time.Second}
	for _, tc := range []struct {
		name  string
		n     int
		err   error
		kind  error // the kind the stopped run's error matches
		stops bool
		sent  int // batch requests of the first run
		wait  time.Duration
	}{
		{"limited once", 1, limited, nil, false, 2, 4 * time.Second},
		{"limited for good", -1, limited, support.ErrRateLimited, true, defaultMaxAttempts, 2 * 4 * time.Second},
		{"unauthorized", 1, &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "bad token"}, support.ErrUnauthorized, true, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", 100)
				src.seed(people(30)...)
				inner.seed(formerly(30)...)
				dst := &limitedPatches{batchPatcher: withBatchUpdate(inner, 100), n: tc.n, err: tc.err}
				st := openState(t)
				start := time.Now()
				rep, err := Run(context.Background(), client(src), client(dst), Options{State: st})
				assert.Equal(t, tc.wait, time.Since(start), "waits")
				assert.Equal(t, tc.sent, rep.WriteCalls, "batch requests")
				if !tc.stops {
					require.NoError(t, err)
					assert.Equal(t, Counts{Updated: 30}, rep.Counts)
					assert.Equal(t, 1, rep.RetriedCalls)
					return
				}
				require.ErrorIs(t, err, tc.kind)
				assert.Zero(t, rep.Updated, "nothing is reported updated")
				for _, c := range inner.all() {
					require.Equal(t, "Formerly", c.FirstName, "nothing was applied")
				}
				es, err := st.Entries("", 100)
				require.NoError(t, err)
				assert.Empty(t, es, "nothing is recorded")

				dst.n = 0
				rep, err = Run(context.Background(), client(src), client(dst), Options{State: st})
				require.NoError(t, err)
				assert.Equal(t, Counts{Updated: 30}, rep.Counts)
				assert.Equal(t, 1, rep.WriteCalls)
				checkMigrated(t, src.all(), inner.all(), st)
			})
		})
	}
}

// Without a batch update (MaxBatchUpdate 1, or no support.BatchPatcher),
// each update is one UpdateContact, as before.
func TestUpdatesWithoutBatchUpdateAreSingle(t *testing.T) {
	for _, size := range []int{1, 0} {
		t.Run(fmt.Sprintf("max=%d", size), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", 100)
			src.seed(people(20)...)
			inner.seed(formerly(20)...)
			dst := withBatchUpdate(inner, size)
			rep := run(t, src, dst, Options{})
			assert.Equal(t, Counts{Updated: 20}, rep.Counts)
			assert.Equal(t, 20, rep.WriteCalls)
			assert.EqualValues(t, 20, dst.singles.Load())
			assert.Zero(t, dst.calls.Load())
		})
	}
}

package migrate

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// retrier is a target whose adapter sends every create a second time (the
// first attempt answered 429, say), counted as internal/rest counts it.
type retrier struct{ contactDriver }

func (r retrier) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	support.CountRequest(ctx, "POST", 2) // the retry; the store counts the first attempt
	return r.contactDriver.CreateContact(ctx, in)
}

// Item 12: WriteCalls is the write requests the target saw (an upsert that
// finds its contact up to date sends none), retries are counted apart, and
// a dry run plans exactly the writes the run sends.
func TestWriteCallsAreTheRequestsSent(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1) // an upsert target
	src.seed(people(30)...)
	dst.seed(people(20)...) // 20 up to date, 10 to create
	target := retrier{dst}

	plan, err := Run(context.Background(), client(src), client(target), Options{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, 10, plan.PlannedWriteCalls, "planned write requests")

	st := newMemState()
	reads := src.lists.Load() + dst.lookups() + dst.lists.Load()
	rep, err := Run(context.Background(), client(src), client(target), Options{State: st})
	require.NoError(t, err)
	require.Equal(t, Counts{Created: 10, Unchanged: 20}, rep.Counts)
	assert.Equal(t, int(dst.writes()), rep.WriteCalls, "write requests the target saw")
	assert.Equal(t, 10, rep.WriteCalls)
	assert.Equal(t, 10, rep.Retries, "the adapter's retries, apart")
	assert.Zero(t, rep.RetriedCalls)
	assert.Equal(t, int(src.lists.Load()+dst.lookups()+dst.lists.Load()-reads), rep.ReadCalls, "read requests")

	again, err := Run(context.Background(), client(src), client(target), Options{State: st})
	require.NoError(t, err)
	assert.Zero(t, again.WriteCalls)
}

package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// A lost write that a lookup by email does not find did not take effect: it
// is sent again without listing the target to look for its external ID.
// (The Client makes that lookup, and sends the write again.)
func TestLostWriteNotFoundByEmailIsNotScanned(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", maxBatch)
			for i := range 5 {
				c := person(i)
				c.ExternalID = fmt.Sprintf("crm-%d", i)
				src.seed(c)
			}
			dst := newLoseFirst(inner, inner.caps, false)
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			// The batch strategy lists the target once, to index it.
			assert.Equal(t, map[int]int64{100: 1, 1: 0}[maxBatch], inner.lists.Load(), "listings of the target")
			assert.Equal(t, Counts{Created: 5}, rep.Counts)
			assert.Zero(t, rep.Resolved)
			assert.NotZero(t, inner.lookups())
			checkMigrated(t, src.all(), inner.all(), st)
		})
	}
}

// twins are two source contacts with one email and different phones, the
// second with an external ID when ext is set.
func twins(ext bool) []support.Contact {
	a := support.Contact{ID: "a", FirstName: "Ann", Email: "same@example.com", Phone: "+442079400001"}
	b := support.Contact{ID: "b", FirstName: "Bea", Email: "same@example.com", Phone: "+442079400002"}
	if ext {
		a.ExternalID, b.ExternalID = "crm-1", "crm-2"
	}
	return []support.Contact{a, b}
}

// When the lookup by email returns another contact (the earliest with that
// email), it cannot tell whether the write took effect: the contact is
// then looked for in a listing of the target, by its fields, with or
// without an external ID, and never left unresolved. Matching by phone
// only, two source contacts with one email are created in one batch; the
// target cannot look up phones. The batch's fate is lost in a crash between
// its intents and its result (the Client settles a lost response within
// the run by itself; after a crash only the engine can): it was sent (a
// process killed after the call), or not (a run stopped before it).
func TestLostWriteShadowedByAnotherContact(t *testing.T) {
	for _, tc := range []struct {
		ext, commit bool
	}{{true, true}, {false, true}, {true, false}, {false, false}} {
		t.Run(fmt.Sprintf("ext=%v/committed=%v", tc.ext, tc.commit), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", 100)
			src.seed(twins(tc.ext)...)
			dst := capsOverride{inner, without(inner.caps, 100, support.OpGetByPhone)}
			st := openState(t)
			opts := Options{State: st, MatchKeys: []support.MatchKey{support.MatchPhone}}
			// Commits: the pass, the index, the intents.
			first := opts
			first.State = &killState{State: st, left: 3}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var target contactDriver = dst
			if !tc.commit {
				// Call 1 indexes the target; call 2, the batch, is stopped
				// before it is sent.
				target = &interrupter{contactDriver: dst, left: 2, cancel: cancel}
			}
			_, err := Run(ctx, client(src), client(target), first)
			require.Error(t, err)
			p, _ := st.Pending()
			require.Len(t, p, 2, "intents")

			rep := run(t, src, dst, opts)
			got := inner.all()
			require.Len(t, got, 2, "the two contacts once each")
			byPhone := map[string]string{}
			for _, c := range got {
				byPhone[c.Phone] = c.ID
			}
			for _, c := range src.all() {
				e, _, _ := st.Entry(c.ID)
				assert.True(t, e.Outcome.mapped(), "%s: entry %+v", c.ID, e)
				assert.Equal(t, byPhone[c.Phone], e.TargetID, "%s: entry %+v", c.ID, e)
				assert.Equal(t, tc.commit, e.Resolved, "%s: entry %+v", c.ID, e)
			}
			// b's lookup by email returns a: only a listing can find b.
			assert.Equal(t, tc.commit, inner.lists.Load() > 1, "target listed %d times", inner.lists.Load())
			if !tc.commit {
				assert.Equal(t, Counts{Created: 2}, rep.Counts)
				return
			}
			assert.Equal(t, Counts{Skipped: 2}, rep.Counts)
			assert.Equal(t, 2, rep.Resolved)
			again := run(t, src, dst, opts)
			assert.Zero(t, again.WriteCalls, "re-run")
			assert.Equal(t, Counts{Skipped: 2}, again.Counts, "re-run")
			assert.Len(t, inner.all(), 2)
		})
	}
}

// An upsert that matches by email is sent again when the lookup by that
// email returns another contact: sent again, it matches the same contact,
// whether or not the first one took effect. Here the upsert of the second
// twin matches the first by email, and its patch (the second twin's phone
// and name) is lost before the target applies it; the target cannot look
// up phones, so the lookup by email finds the first twin as it was.
func TestLostUpsertShadowedIsSentAgain(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(twins(false)...)
	dst := newLoseFirst(inner, without(inner.caps, 1, support.OpGetByPhone), false)
	st := openState(t)
	rep := run(t, src, dst, Options{State: st, Concurrency: 1})
	got := inner.all()
	require.Len(t, got, 1)
	assert.Equal(t, Counts{Created: 1, Updated: 1}, rep.Counts)
	assert.Zero(t, rep.Resolved)
	assert.Equal(t, int(inner.writes())+2, rep.WriteCalls, "write requests: those stored, and the lost create and patch")
	assert.EqualValues(t, 1, inner.creates.Load(), "creates")
	assert.EqualValues(t, 1, inner.updates.Load(), "patches stored")
	for _, id := range []string{"a", "b"} {
		e, _, _ := st.Entry(id)
		assert.Equal(t, got[0].ID, e.TargetID, id)
	}
}

// The listing that settles lost writes reads the whole target, and takes a
// listed contact for a lost write only when it holds the write's fields,
// is new (not in the index: there before the pass wrote, or mapped by it)
// and is the only one for that write: with two such contacts it cannot
// tell which, and with none the write did not take effect.
func TestScanTakesOnlyOneNewContact(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      support.ContactInput
		indexed bool // the contact crm-2 is in the index
		want    taskState
	}{
		{"found", support.ContactInput{FirstName: "N", ExternalID: "crm-2"}, false, tMatched},
		{"other fields", support.ContactInput{FirstName: "M", ExternalID: "crm-2"}, false, tTodo},
		{"absent", support.ContactInput{FirstName: "N", ExternalID: "crm-9"}, false, tTodo},
		{"there before", support.ContactInput{FirstName: "N", ExternalID: "crm-2"}, true, tTodo},
		{"two alike", support.ContactInput{FirstName: "Twin"}, false, tFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := newStore("dst", 100)
			dst.pageSize = 1
			for i := range 4 {
				dst.seed(support.Contact{FirstName: "N", ExternalID: fmt.Sprintf("crm-%d", i+1)})
			}
			dst.seed(support.Contact{FirstName: "Twin"}, support.Contact{FirstName: "Twin"})
			r, err := newRunner(client(newStore("src", 1)), client(dst), Options{})
			require.NoError(t, err)
			r.strategy = StrategyBatch
			if tc.indexed {
				for _, c := range dst.all() {
					if c.ExternalID == "crm-2" {
						require.NoError(t, r.st.Commit(&Commit{Targets: []Target{{ID: c.ID, Keys: []string{"external_id:crm-2"}}}}))
					}
				}
			}
			lost := &task{st: tLookup, in: tc.in}
			require.NoError(t, r.scan(context.Background(), []*task{lost}, nil))
			assert.Equal(t, tc.want, lost.st)
			if tc.want == tFailed {
				assert.Equal(t, Unresolved, lost.outcome)
			}
			if tc.want == tMatched {
				assert.Equal(t, "crm-2", lost.target.Fields.ExternalID)
				assert.True(t, lost.resolved)
			}
			assert.EqualValues(t, 6, dst.lists.Load(), "pages read: all of them")
		})
	}
}

// cutEvery stops the run at every k-th call to the target: the call takes
// effect, the run's context is cancelled and the response is lost.
type cutEvery struct {
	*store
	k      int
	mu     sync.Mutex
	calls  int
	cancel context.CancelFunc
}

func cutCall[T any](c *cutEvery, ctx context.Context, call func() (T, error)) (T, error) {
	c.mu.Lock()
	c.calls++
	cut := c.calls%c.k == 0
	c.mu.Unlock()
	v, err := call()
	if cut {
		c.cancel()
		var zero T
		return zero, &support.Error{Message: "response abandoned", Err: ctx.Err()}
	}
	return v, err
}

func (c *cutEvery) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return cutCall(c, ctx, func() (support.Page[support.Contact], error) { return c.store.ListContacts(ctx, o) })
}
func (c *cutEvery) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	return cutCall(c, ctx, func() (*support.Contact, error) { return c.store.GetContact(ctx, id) })
}
func (c *cutEvery) FindContacts(ctx context.Context, k support.MatchKey, v string) ([]support.Contact, error) {
	return cutCall(c, ctx, func() ([]support.Contact, error) { return c.store.FindContacts(ctx, k, v) })
}
func (c *cutEvery) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return cutCall(c, ctx, func() (*support.BatchResult, error) { return c.store.CreateContacts(ctx, in) })
}
func (c *cutEvery) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	return cutCall(c, ctx, func() (*support.ContactResult, error) { return c.store.PatchContact(ctx, id, u) })
}

// R2 under steady interruptions: stopped every k target calls, fewer than a
// batch's lookups, every run still makes progress, because the intents of a
// lost batch are resolved and committed as they are looked up, not all at
// the end. So the migration finishes within a bounded number of runs. (The
// end-to-end finding, Tidio's batches of 100 stopped every 40 calls, scaled
// down to stay fast.)
func TestInterruptedResolutionMakesProgress(t *testing.T) {
	const n, batch, k = 600, 20, 12
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(n)...)
	st := newMemState()
	// Every run makes k-1 calls that each do their part: it finishes after
	// at most as many runs as it takes to make, k-1 at a time, the calls of
	// a migration whose every batch is lost (an index listing, the batches,
	// a lookup per contact), and one more.
	bound := (1+n/batch+n+k-2)/(k-1) + 1
	runs := 0
	for {
		runs++
		if runs > bound {
			p, _ := st.Pending()
			t.Fatalf("not finished after %d runs: %d contacts in the target, %d intents pending", bound, len(inner.all()), len(p))
		}
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Run(ctx, client(src), client(&cutEvery{store: inner, k: k, cancel: cancel}), Options{State: st, BatchSize: batch})
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	checkMigrated(t, src.all(), inner.all(), st)
	assert.EqualValues(t, n, inner.batchRecords.Load(), "records sent")
	t.Logf("%d contacts, finished in %d runs (bound %d), %d lookups", n, runs, bound, inner.lookups())
}

// cancelInBatch is a target whose batch call stores the records and then
// finds its context ended (cancelled, or past its deadline), and fails
// with the vendor's error, which does not say why.
type cancelInBatch struct {
	*store
	cancel context.CancelFunc // nil: wait past the context's deadline
}

func (c *cancelInBatch) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if _, err := c.store.CreateContacts(ctx, in); err != nil {
		return nil, err
	}
	if c.cancel != nil {
		c.cancel()
	} else {
		<-ctx.Done()
	}
	return nil, &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset"}
}

// A run whose context ends during a batch returns an error matching the
// context's, even when the target reports the records with errors of its
// own; the next run looks the batch up instead of sending it again. (The
// Client does not look up a batch whose context ended.)
func TestBatchCutShortReportsTheContext(t *testing.T) {
	for _, want := range []error{context.Canceled, context.DeadlineExceeded} {
		t.Run(want.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", 100)
				src.seed(people(10)...)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				dst := &cancelInBatch{store: inner}
				if want == context.Canceled {
					dst.cancel = cancel
				}
				st := openState(t)
				_, err := Run(ctx, client(src), client(dst), Options{State: st})
				require.ErrorIs(t, err, want)
				require.ErrorIs(t, err, support.ErrUnavailable, "the target's error is kept")
				rep := run(t, src, inner, Options{State: st})
				assert.Equal(t, 10, rep.Resolved, "resumed")
				assert.Equal(t, Counts{Skipped: 10}, rep.Counts, "resumed")
				assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches")
				checkMigrated(t, src.all(), inner.all(), st)
			})
		})
	}
}

func TestStoppedMatchesTheContext(t *testing.T) {
	vendor := &support.Error{Kind: support.ErrUnavailable, Message: "reset"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name          string
		ctx           context.Context
		err           error
		wantCancelled bool
	}{
		{"vendor error, context cancelled", cancelled, vendor, true},
		{"context error already", cancelled, fmt.Errorf("call: %w", context.Canceled), true},
		{"context still running", context.Background(), vendor, false},
	} {
		err := stopped(tc.ctx, tc.err)
		if errors.Is(err, context.Canceled) != tc.wantCancelled || !errors.Is(err, tc.err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if n := strings.Count(err.Error(), "context canceled"); n > 1 {
			t.Errorf("%s: the context's error is said %d times: %v", tc.name, n, err)
		}
	}
}

// Pending intents are resolved and committed as the lookups finish, not all
// at the end: a run killed after its first commit keeps that resolution.
// The target's second lookup waits until the first commit has happened, so
// the first commit holds exactly one resolution whatever the scheduling;
// code that committed only at the end would never open the gate, which
// synctest reports as a deadlock.
func TestPendingResolutionCommitsAsItGoes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, inner := newStore("src", 1), newStore("dst", 100)
		src.seed(people(100)...)
		st := openState(t)
		// Commits: the pass, the index, the intents; the batch is sent and the
		// process dies before recording its result.
		_, err := Run(context.Background(), client(src), client(inner), Options{State: &killState{State: st, left: 3}})
		require.ErrorIs(t, err, errKilled)
		open := make(chan struct{})
		gs := &gateState{killState: killState{State: st, left: 1}, open: open}
		gt := &gatedTarget{contactDriver: inner, open: open}
		_, err = Run(context.Background(), client(src), client(gt), Options{State: gs, Concurrency: 1})
		require.ErrorIs(t, err, errKilled, "want the run killed at its second commit")
		p, _ := st.Pending()
		assert.Equal(t, 1, 100-len(p), "resolutions kept by the first commit (%d lookups)", inner.lookups())
		rep := run(t, src, inner, Options{State: st})
		assert.Equal(t, len(p), rep.Resolved)
		assert.Equal(t, Counts{Skipped: 100}, rep.Counts)
		assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches")
		checkMigrated(t, src.all(), inner.all(), st)
	})
}

// gateState is a killState that opens a gate after its first commit.
type gateState struct {
	killState
	open chan struct{}
	once sync.Once
}

func (g *gateState) Commit(c *Commit) error {
	err := g.killState.Commit(c)
	if err == nil {
		g.once.Do(func() { close(g.open) })
	}
	return err
}

// gatedTarget holds every lookup after the first until the gate opens.
type gatedTarget struct {
	contactDriver
	open chan struct{}
	n    atomic.Int64
}

func (g *gatedTarget) FindContacts(ctx context.Context, k support.MatchKey, v string) ([]support.Contact, error) {
	if g.n.Add(1) > 1 {
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.contactDriver.FindContacts(ctx, k, v)
}

// An intent whose create never reached the target, for a contact known only
// by external ID, is dropped once the listing does not find it, and the
// contact is created by the same run.
func TestPendingNotFoundByListingIsCreated(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"})
	st := openState(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Call 1 indexes the target; call 2, the batch, is stopped before it is sent.
	_, err := Run(ctx, client(src), client(&interrupter{contactDriver: inner, left: 2, cancel: cancel}), Options{State: st})
	require.ErrorIs(t, err, context.Canceled)
	p, _ := st.Pending()
	assert.Len(t, p, 1, "pending")
	assert.Empty(t, inner.all())
	rep := run(t, src, inner, Options{State: st})
	assert.Equal(t, Counts{Created: 1}, rep.Counts)
	assert.Zero(t, rep.Resolved)
	assert.EqualValues(t, 2, inner.lists.Load(), "listings: the index, then the one looking for the external ID")
	assert.Len(t, inner.all(), 1)
	checkByExternalID(t, src.all(), inner.all(), st)
}

package migrate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// R1: 10,000 contacts between two memory platforms, while 20% of the calls
// to both fail (429 with and without Retry-After, 503 before processing,
// and committed then lost), end with nothing lost, nothing doubled, and
// every source ID mapped to exactly one target ID; in both strategies (the
// batch one with Tidio's batches of 100). A tenth of the contacts are in
// the target already (half of them with another first name), and one
// person is in the source twice, with emails differing in case. synctest
// makes the backoff waits instant.
//
// The faults are injected below the Client, where internal/rest's retries
// are spent, and each driver call fails on its own: an upsert makes three
// or four of them, so about half the upserts fail. MaxAttempts 20 lets the
// run ride that out in one go (with the default, 3, it would stop and be
// resumed, which R2 covers).
func TestR1FaultsLoseAndDoubleNothing(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBatch int
		seed     uint64
	}{{"batch", 100, 1}, {"upsert", 1, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // the two largest runs of the package
			synctest.Test(t, func(t *testing.T) {
				const n = 10_000
				ps := people(n)
				twin := ps[1]
				twin.Email = strings.ToUpper(twin.Email)
				src, listed := memoryWith(t, 100, append(ps, twin))
				var existing []support.Contact
				for i := 0; i < n; i += 10 {
					c := ps[i]
					if i%20 == 0 {
						c.FirstName = "Old"
					}
					existing = append(existing, c)
				}
				inner, _ := memoryWith(t, 0, existing)
				time.Sleep(time.Hour) // the target's contacts are older than the run
				dst := newFaulty(memoryTarget(inner, tc.maxBatch), tc.seed, 0.20, 0.35)
				st := openState(t)
				rep := run(t, newFaulty(memorySource(src), tc.seed+100, 0.20, 0), dst, Options{State: st, MaxAttempts: 20})

				assert.GreaterOrEqual(t, float64(dst.faults.Load())/float64(dst.calls.Load()), 0.18, "share of target calls faulted")
				assert.GreaterOrEqual(t, float64(dst.lostWrites.Load())/float64(dst.writeCalls.Load()), 0.05, "share of target writes committed then lost")
				target := listAll(t, inner)
				checkMigrated(t, listed, target, st)
				assert.Len(t, target, n)
				p, _ := st.Pending()
				assert.Empty(t, p, "intents left pending")
				// Every contact created is counted Created or, when its
				// upsert's response was lost, Upserted; Created never counts
				// a contact that was there before.
				assert.Equal(t, n+1, rep.Processed)
				assert.Zero(t, rep.Failed)
				assert.NotZero(t, rep.Resolved, "lost writes resolved by migrate")
				assert.LessOrEqual(t, rep.Upserted, rep.Resolved)
				assert.Equal(t, n+1, rep.Created+rep.Updated+rep.Unchanged+rep.Upserted, "counts %+v", rep.Counts)
				assert.GreaterOrEqual(t, rep.Created+rep.Upserted, n-len(existing), "created or upserted")
				assert.LessOrEqual(t, rep.Created, n-len(existing), "created")
				// The batch strategy knows what it creates, so its counts are
				// exact even when responses are lost. (A lost upsert found
				// with the values sent cannot tell created, updated and
				// unchanged apart: it is Upserted.)
				if tc.maxBatch > 1 {
					assert.Equal(t, Counts{Created: n - len(existing), Updated: len(existing) / 2, Unchanged: len(existing)/2 + 1}, rep.Counts)
				}
				again := run(t, memorySource(src), memoryTarget(inner, tc.maxBatch), Options{State: st})
				assert.Zero(t, again.WriteCalls, "re-run")
				assert.Equal(t, Counts{Skipped: n + 1}, again.Counts, "re-run")
				t.Logf("target calls %d, faults %d, writes %d, lost writes %d; report: %+v, write calls %d, resolved %d, retries %d",
					dst.calls.Load(), dst.faults.Load(), dst.writeCalls.Load(), dst.lostWrites.Load(),
					rep.Counts, rep.WriteCalls, rep.Resolved, rep.Retries)
			})
		})
	}
}

// R3: a batch whose response is lost is looked up, not sent again; the
// records it did store are mapped as Created. The Client looks them up
// (each Resolved, with its warning on "id"), and the report counts them.
func TestLostBatchIsLookedUpNotResent(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(100)...)
	dst := &loseOnce{contactDriver: inner}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches: the lost one must not be resent")
	assert.EqualValues(t, 100, inner.batchRecords.Load(), "records sent")
	assert.Equal(t, Counts{Created: 100}, rep.Counts)
	assert.GreaterOrEqual(t, inner.lookups(), int64(100), "lookups")
	assert.Equal(t, 100, rep.WarningCounts["id"], "the Client's resolved-by-lookup warnings")
	assert.Equal(t, 100, rep.Resolved, "resolved by the Client's lookups")
	checkMigrated(t, src.all(), inner.all(), st)
}

// loseOnce stores the first batch and loses its response.
type loseOnce struct {
	contactDriver
	once sync.Once
}

func (l *loseOnce) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	res, err := l.contactDriver.CreateContacts(ctx, in)
	lost := false
	l.once.Do(func() { lost = true })
	if lost {
		return nil, &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "EOF"}
	}
	return res, err
}

// Contacts with nothing the target can look them up by (a name only, a
// name and a phone on a target that finds contacts by email alone), whose
// batch's response is lost, are found in one listing of the target by
// their fields, as new contacts there (the index shows which were there
// before): mapped, resolved, never Unresolved, and never sent again. A
// contact that was already in the target with the same fields is not
// taken for one of them.
func TestLostKeylessCreateIsFoundByListing(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(
		support.Contact{ID: "nameonly", FirstName: "Nobody", LastName: "Known"},
		support.Contact{ID: "phoneonly", FirstName: "Pat", Phone: "+442079460001"},
		person(1),
	)
	inner.seed(support.Contact{FirstName: "Nobody", LastName: "Known"}) // someone else, there before
	dst := &loseOnce{contactDriver: capsOverride{inner, without(inner.caps, 100, support.OpGetByPhone)}}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Created: 3}, rep.Counts)
	assert.Empty(t, rep.Failures)
	assert.Equal(t, 3, rep.Resolved, "one by the Client's lookup by email, two by the listing")
	assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches: the lost one is not sent again")
	assert.EqualValues(t, 2, inner.lists.Load(), "listings: the index, then one for the lost keyless contacts")
	got := inner.all()
	require.Len(t, got, 4)
	before := got[0].ID
	for _, id := range []string{"nameonly", "phoneonly"} {
		e, _, _ := st.Entry(id)
		assert.Equal(t, Created, e.Outcome, id)
		assert.True(t, e.Resolved, id)
		assert.NotEqual(t, before, e.TargetID, "%s is mapped to the contact that was there before", id)
	}
	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 3}, again.Counts, "re-run")
	assert.Zero(t, again.WriteCalls, "re-run")
	assert.Len(t, inner.all(), 4)
}

// interrupter cancels the run's context at the k-th target call (listing or
// write): before the call (nothing happens), or after the call took
// effect, returning the context's error as a cut-short call does.
type interrupter struct {
	contactDriver
	mu     sync.Mutex
	left   int
	after  bool
	cancel context.CancelFunc
}

func (p *interrupter) hit(ctx context.Context) (stop bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.left--
	if p.left != 0 {
		return false, nil
	}
	if !p.after {
		p.cancel()
		return true, &support.Error{Err: ctx.Err()}
	}
	return true, nil
}

func interrupt[T any](p *interrupter, ctx context.Context, call func() (T, error)) (T, error) {
	stop, err := p.hit(ctx)
	if stop && err != nil {
		var zero T
		return zero, err
	}
	v, err := call()
	if stop {
		p.cancel()
		var zero T
		return zero, &support.Error{Message: "response abandoned", Err: ctx.Err()}
	}
	return v, err
}

func (p *interrupter) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return interrupt(p, ctx, func() (support.Page[support.Contact], error) { return p.contactDriver.ListContacts(ctx, o) })
}
func (p *interrupter) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return interrupt(p, ctx, func() (*support.BatchResult, error) { return p.contactDriver.CreateContacts(ctx, in) })
}
func (p *interrupter) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return interrupt(p, ctx, func() (*support.ContactResult, error) { return p.contactDriver.CreateContact(ctx, in) })
}
func (p *interrupter) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	return interrupt(p, ctx, func() (*support.ContactResult, error) { return p.contactDriver.PatchContact(ctx, id, u) })
}
func (p *interrupter) PatchContacts(ctx context.Context, ps []support.ContactPatch) ([][]support.Warning, error) {
	return interrupt(p, ctx, func() ([][]support.Warning, error) { return patchContacts(ctx, p.contactDriver, ps) })
}

// R2: stopping the migrator at random points (a cancelled context, before or
// after a call took effect; or a "killed" process whose State stops taking
// commits, then closed and reopened from disk) and running it again until
// it finishes ends with nothing lost and nothing doubled; a finished
// migration run again sends no write. Calls also fail as in R1, at 10%
// (MaxAttempts as in R1). On a target with a batch update (Tidio's), the
// matched contacts' updates go in batches, and so do, in a second pass
// interrupted the same way, those of a third of the source contacts
// changed since: the target ends with every new value.
func TestR2CrashAndResume(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBatch int
		updates  int // the target's batch update size; 0: none
		n        int
		seed     uint64
	}{{"batch", 50, 0, 1500, 3}, {"upsert", 1, 0, 800, 4}, {"batch-update", 50, 50, 1500, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ps := people(tc.n)
				src, listed := memoryWith(t, 40, ps)
				// Some contacts are in the target already (the index
				// phase has several pages to be interrupted in).
				var existing []support.Contact
				for i := 0; i < tc.n; i += 7 {
					c := ps[i]
					c.LastName = "Before"
					existing = append(existing, c)
				}
				inner, _ := memoryWith(t, 40, existing)
				target := memoryTarget(inner, tc.maxBatch)
				if tc.updates > 0 {
					target = withBatchUpdate(target, tc.updates)
				}
				faults := newFaulty(target, tc.seed, 0.10, 0.5)
				source := client(memorySource(src))
				path := filepath.Join(t.TempDir(), "state.db")
				rng := rand.New(rand.NewPCG(tc.seed, 99))
				stops := 0
				finish := func() {
					for {
						st, err := OpenState(path)
						if err != nil {
							t.Fatal(err)
						}
						ctx, cancel := context.WithCancel(context.Background())
						dst := &interrupter{contactDriver: faults, left: 1 << 30, cancel: cancel}
						var state State = st
						switch rng.IntN(3) {
						case 0:
							dst.left = 1 + rng.IntN(40)
						case 1:
							dst.left, dst.after = 1+rng.IntN(40), true
						default:
							state = &killState{State: st, left: rng.IntN(8)}
						}
						rep, err := Run(ctx, source, client(dst), Options{State: state, Concurrency: 3, MaxAttempts: 20})
						cancel()
						if err := st.Close(); err != nil {
							t.Fatal(err)
						}
						if err == nil {
							if !rep.Complete {
								t.Fatalf("finished without completing: %+v", rep)
							}
							return
						}
						if !errors.Is(err, context.Canceled) && !errors.Is(err, errKilled) {
							t.Fatalf("run %d: unexpected error %v", stops, err)
						}
						stops++
						if stops > 2000 {
							t.Fatal("no progress")
						}
					}
				}
				finish()
				if tc.updates > 0 {
					for i, c := range listed {
						if i%3 == 0 {
							_, err := src.PatchContact(context.Background(), c.ID, support.ContactUpdate{LastName: support.Ptr(fmt.Sprintf("Changed%d", i))})
							require.NoError(t, err)
						}
					}
					finish()
					listed = listAll(t, src)
				}
				st, err := OpenState(path)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				all := listAll(t, inner)
				checkMigrated(t, listed, all, st)
				if tc.updates > 0 {
					last := map[string]string{}
					for _, c := range all {
						last[strings.ToLower(c.Email)] = c.LastName
					}
					for _, c := range listed {
						require.Equal(t, c.LastName, last[strings.ToLower(c.Email)], "the target's last name of %s", c.Email)
					}
					assert.Positive(t, target.(*batchPatcher).records.Load(), "updates went in batches")
				}
				again, err := Run(context.Background(), source, client(target), Options{State: st})
				require.NoError(t, err)
				assert.Zero(t, again.WriteCalls, "re-run of a finished migration")
				assert.Equal(t, Counts{Skipped: tc.n}, again.Counts, "re-run of a finished migration")
				t.Logf("%d contacts, finished after %d interruptions; lost writes %d", tc.n, stops, faults.lostWrites.Load())
			})
		})
	}
}

// loseFirst makes the first write of each kind (batch create, create,
// patch) fail with an unknown outcome: committed (stored, response lost) or
// not (lost before the vendor processed it); neither the Client nor the
// engine can tell which.
type loseFirst struct {
	contactDriver
	caps   support.Capabilities
	commit bool
	mu     sync.Mutex
	lost   map[string]bool
}

func newLoseFirst(d contactDriver, caps support.Capabilities, commit bool) *loseFirst {
	return &loseFirst{contactDriver: d, caps: caps, commit: commit, lost: map[string]bool{}}
}

func (l *loseFirst) Capabilities() support.Capabilities { return l.caps }

func (l *loseFirst) lose(method string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost[method] {
		return false
	}
	l.lost[method] = true
	return true
}

var errLost = &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset"}

func (l *loseFirst) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if l.lose(mBatch) {
		if l.commit {
			_, _ = l.contactDriver.CreateContacts(ctx, in)
		} else {
			countRequest(ctx, mBatch) // sent, lost before the vendor applied it
		}
		return nil, errLost
	}
	return l.contactDriver.CreateContacts(ctx, in)
}

func (l *loseFirst) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	if l.lose(mCreate) {
		if l.commit {
			_, _ = l.contactDriver.CreateContact(ctx, in)
		} else {
			countRequest(ctx, mCreate) // sent, lost before the vendor applied it
		}
		return nil, errLost
	}
	return l.contactDriver.CreateContact(ctx, in)
}

func (l *loseFirst) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	if l.lose(mPatch) {
		if l.commit {
			_, _ = l.contactDriver.PatchContact(ctx, id, u)
		} else {
			countRequest(ctx, mPatch) // sent, lost before the vendor applied it
		}
		return nil, errLost
	}
	return l.contactDriver.PatchContact(ctx, id, u)
}

// Contacts known only by an external ID cannot be looked up with a Ref: on
// a target that cannot look them up by external ID either (so that the
// Client cannot settle a lost create itself), a lost write of theirs is
// resolved by one listing of the target. Without a list, they are
// unresolved.
func TestLostWritesResolvedByExternalID(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		for _, commit := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/committed=%v", strategyName(maxBatch), commit), func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", maxBatch)
				src.seed(
					support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"},
					support.Contact{ID: "b", FirstName: "Bob", ExternalID: "crm-2"},
				)
				dst := newLoseFirst(inner, extBlind(inner.caps), commit)
				st := openState(t)
				rep := run(t, src, dst, Options{State: st, Concurrency: 1})
				got := inner.all()
				// A lost create found is Created; a lost upsert found is
				// Upserted, as it may have matched a contact already there.
				require.Len(t, got, 2)
				assert.Equal(t, 2, rep.Created+rep.Upserted, "created or upserted")
				assert.Zero(t, rep.Failed)
				if maxBatch == 1 {
					wantResolved := map[bool]int{true: 1, false: 0}[commit]
					assert.Equal(t, wantResolved, rep.Resolved, "resolved")
					assert.Equal(t, wantResolved, rep.Upserted, "upserted")
				} else {
					assert.Zero(t, rep.Upserted, "a lost batch is made of creates")
					assert.Equal(t, map[bool]int{true: 2, false: 0}[commit], rep.Resolved, "the lost batch resolved as created")
				}
				assert.NotZero(t, inner.lists.Load(), "the target was not listed to find the external IDs")
				checkByExternalID(t, src.all(), got, st)
			})
		}
	}
	t.Run("no list", func(t *testing.T) {
		src, inner := newStore("src", 1), newStore("dst", 1)
		src.seed(support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"})
		dst := newLoseFirst(inner, extBlind(without(inner.caps, 1, support.OpListContacts)), true)
		rep := run(t, src, dst, Options{})
		assert.Equal(t, Counts{Failed: 1}, rep.Counts)
		require.Len(t, rep.Failures, 1)
		assert.Equal(t, string(Unresolved), rep.Failures[0].Kind)
		assert.Len(t, inner.all(), 1)
	})
}

// checkByExternalID is checkMigrated for contacts known by external ID.
func checkByExternalID(t *testing.T, src, target []support.Contact, st State) {
	t.Helper()
	byExt := map[string][]string{}
	for _, c := range target {
		byExt[c.ExternalID] = append(byExt[c.ExternalID], c.ID)
	}
	for _, c := range src {
		ids := byExt[c.ExternalID]
		e, _, _ := st.Entry(c.ID)
		require.Len(t, ids, 1, "%s: target IDs", c.ID)
		assert.Equal(t, ids[0], e.TargetID, "%s: entry %+v", c.ID, e)
	}
}

// A crash between an intent and its result, for contacts with only an
// external ID or a name: the next run finds them by listing the target.
func TestPendingIntentsResolvedOnResume(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(
		support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"},
		support.Contact{ID: "b", FirstName: "Bob", Email: "bob@example.com"},
		support.Contact{ID: "c", FirstName: "Cy"},
	)
	st := openState(t)
	// Commit 1 starts the pass, 2 ends indexing the (empty) target, 3
	// records the intents; the batch is sent and the process dies before
	// recording its result.
	_, err := Run(context.Background(), client(src), client(inner), Options{State: &killState{State: st, left: 3}})
	require.ErrorIs(t, err, errKilled)
	require.Len(t, inner.all(), 3)
	p, _ := st.Pending()
	require.Len(t, p, 3)
	rep := run(t, src, inner, Options{State: st})
	assert.True(t, rep.Resumed)
	assert.Equal(t, 3, rep.Resolved)
	assert.Equal(t, Counts{Skipped: 3}, rep.Counts)
	assert.Empty(t, rep.Failures)
	assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches")
	assert.Len(t, inner.all(), 3)
	for _, id := range []string{"a", "b", "c"} {
		e, _, _ := st.Entry(id)
		assert.Equal(t, Created, e.Outcome, id)
		assert.True(t, e.Resolved, id)
	}
}

// limitFirstItem refuses the first record of its first batch for a rate
// limit, storing the others, as a vendor limiting per record might.
type limitFirstItem struct {
	*store
	done bool
}

func (l *limitFirstItem) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if l.done {
		return l.store.CreateContacts(ctx, in)
	}
	l.done = true
	res, err := l.store.CreateContacts(ctx, in[1:])
	if err != nil {
		return nil, err
	}
	items := []support.BatchItem{{Index: 0, Outcome: support.Failed,
		Err: &support.Error{Kind: support.ErrRateLimited, Status: 429, RetryAfter: 7 * time.Second}}}
	for _, it := range res.Items {
		it.Index++
		items = append(items, it)
	}
	return &support.BatchResult{Items: items}, nil // the refusal is the record's
}

// A record refused for a rate limit within a batch is sent again in a later
// batch, after the wait the vendor asked for, and stored once.
func TestRateLimitedBatchItemWaitsAndIsResent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, inner := newStore("src", 1), newStore("dst", 100)
		src.seed(people(5)...)
		dst := &limitFirstItem{store: inner}
		start := time.Now()
		rep := run(t, src, dst, Options{})
		assert.Equal(t, Counts{Created: 5}, rep.Counts)
		assert.Len(t, inner.all(), 5)
		// The record refused is sent again alone: the Client sends a batch
		// of one as a single create.
		assert.EqualValues(t, 1, inner.batchCalls.Load(), "batches")
		assert.EqualValues(t, 1, inner.creates.Load(), "single creates")
		assert.EqualValues(t, 5, inner.sent(), "records sent")
		assert.Equal(t, 7*time.Second, time.Since(start), "want Retry-After's wait, once")
		assert.Equal(t, 1, rep.RetriedCalls, "migrate's own retry")
		assert.Zero(t, rep.Retries, "no request was sent again by the adapter")
	})
}

// A lost upsert that the lookup finds cannot say whether it created the
// contact, updated it or found it up to date: it must not be reported as
// Created when the contact was there before. The target here holds the
// contact already; the upsert's write (the Client's patch of what differs)
// is stored (or not) and its response lost. With the same values the
// Client writes nothing, so nothing can be lost: the contact is Unchanged.
func TestLostUpsertOfExistingContactIsNotCreated(t *testing.T) {
	for _, tc := range []struct {
		name     string
		last     string // the source's last name; the target has none
		commit   bool
		want     Outcome
		resolved bool
		updates  int64
	}{
		{"same values", "", true, Unchanged, false, 0},
		{"changed, stored", "Lovelace", true, Upserted, true, 1},
		// Not stored: the contact found still differs, and the update sent
		// then is known to change it.
		{"changed, not stored", "Lovelace", false, Updated, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", 1)
			src.seed(support.Contact{ID: "a", FirstName: "Ada", LastName: tc.last, Email: "ada@example.com"})
			inner.seed(support.Contact{FirstName: "Ada", Email: "ada@example.com"})
			dst := newLoseFirst(inner, inner.caps, tc.commit)
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			require.Len(t, inner.all(), 1)
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tc.resolved], rep.Resolved, "resolved")
			assert.Equal(t, tc.updates, inner.updates.Load(), "patches stored")
			want := map[Outcome]Counts{Upserted: {Upserted: 1}, Updated: {Updated: 1}, Unchanged: {Unchanged: 1}}[tc.want]
			assert.Equal(t, want, rep.Counts)
			e, _, _ := st.Entry("a")
			assert.Equal(t, tc.want, e.Outcome)
			assert.Equal(t, tc.resolved, e.Resolved)
			assert.Equal(t, inner.all()[0].ID, e.TargetID)
			var csv strings.Builder
			require.NoError(t, st.ExportCSV(&csv))
			row := strings.Split(csv.String(), "\n")[1]
			assert.True(t, strings.HasPrefix(row, "a,"+e.TargetID+","+string(tc.want)+","+fmt.Sprint(tc.resolved)+","), "CSV row %q", row)
		})
	}
}

// The same after a crash: an upsert's intent (a contact known only by an
// external ID, which migrate cannot look up with a Ref) is found by the
// next run in a target that already held the contact. It is mapped as
// Upserted, not Created; a create's intent (TestPendingIntentsResolvedOnResume)
// stays Created.
func TestPendingUpsertIntentResolvedAsUpserted(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"})
	inner.seed(support.Contact{FirstName: "Ann", ExternalID: "crm-1"})
	st := openState(t)
	// Commit 1 starts the pass, 2 records the intent; the upsert is sent
	// (it finds the contact by external ID, up to date, and writes
	// nothing) and the process dies before recording its result.
	_, err := Run(context.Background(), client(src), client(inner), Options{State: &killState{State: st, left: 2}})
	require.ErrorIs(t, err, errKilled)
	assert.NotZero(t, inner.finds.Load(), "the upsert was not sent")
	assert.Zero(t, inner.writes())
	p, _ := st.Pending()
	require.Len(t, p, 1)
	assert.Equal(t, WriteUpsert, p[0].Write)
	rep := run(t, src, inner, Options{State: st})
	assert.Equal(t, 1, rep.Resolved)
	assert.Equal(t, Counts{Skipped: 1}, rep.Counts)
	assert.Zero(t, inner.writes())
	require.Len(t, inner.all(), 1)
	e, _, _ := st.Entry("a")
	assert.NotEmpty(t, e.Fingerprint)
	e.Fingerprint = ""
	assert.Equal(t, Entry{SourceID: "a", TargetID: inner.all()[0].ID, Outcome: Upserted, Keys: []string{"external_id:crm-1"}, Resolved: true}, e)
}

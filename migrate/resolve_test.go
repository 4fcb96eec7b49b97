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

	"github.com/deskbridge/deskbridge/support"
)

// A lost write that a lookup by email does not find did not take effect: it
// is sent again without listing the target to look for its external ID.
func TestLostWriteNotFoundByEmailIsNotScanned(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", maxBatch)
			for i := range 5 {
				c := person(i)
				c.ExternalID = fmt.Sprintf("crm-%d", i)
				src.seed(c)
			}
			dst := &loseFirst{store: inner, caps: inner.caps, commit: false, lost: map[support.Operation]bool{}}
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			// The batch strategy lists the target once, to index it.
			if want := map[int]int64{100: 1, 1: 0}[maxBatch]; inner.lists.Load() != want {
				t.Errorf("the target was listed %d times, want %d", inner.lists.Load(), want)
			}
			if rep.Created != 5 || rep.Failed != 0 || rep.Resolved != 0 || inner.gets.Load() == 0 {
				t.Fatalf("report %+v, lookups %d", rep, inner.gets.Load())
			}
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
// email), it cannot tell whether the write took effect. A contact with an
// external ID is then looked for in a listing of the target; one without is
// unresolved, never sent again (it may be in the target). Matching by phone
// only, two source contacts with one email are created in one batch; the
// target cannot look up phones.
func TestLostWriteShadowedByAnotherContact(t *testing.T) {
	for _, tc := range []struct {
		ext, commit bool
	}{{true, true}, {false, true}, {true, false}, {false, false}} {
		t.Run(fmt.Sprintf("ext=%v/committed=%v", tc.ext, tc.commit), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", 100)
			src.seed(twins(tc.ext)...)
			dst := &loseFirst{store: inner, caps: without(inner.caps, 100, support.OpGetByPhone), commit: tc.commit, lost: map[support.Operation]bool{}}
			st := openState(t)
			opts := Options{State: st, MatchKeys: []support.MatchKey{support.MatchPhone}}
			rep := run(t, src, dst, opts)
			got := inner.all()
			if len(got) != 2 {
				t.Fatalf("target %+v, want the two contacts once each", got)
			}
			byPhone := map[string]string{}
			for _, c := range got {
				byPhone[c.Phone] = c.ID
			}
			unresolved := tc.commit && !tc.ext // b's lookup returns a, and no listing can find b
			for _, c := range src.all() {
				e, _, _ := st.Entry(c.ID)
				if unresolved && c.ID == "b" {
					if e.Outcome != Unresolved {
						t.Errorf("b: entry %+v, want unresolved", e)
					}
					continue
				}
				if !e.Outcome.mapped() || e.TargetID != byPhone[c.Phone] || e.Resolved != tc.commit {
					t.Errorf("%s: entry %+v, target %v", c.ID, e, byPhone)
				}
			}
			if scanned := inner.lists.Load() > 1; scanned != (tc.commit && tc.ext) {
				t.Errorf("target listed %d times", inner.lists.Load())
			}
			if !unresolved {
				if rep.Created != 2 || rep.Failed != 0 {
					t.Fatalf("report %+v", rep)
				}
				return
			}
			if rep.Created != 1 || rep.Failed != 1 || rep.Failures[0].SourceID != "b" || rep.Failures[0].Kind != string(Unresolved) ||
				!strings.Contains(rep.Failures[0].Reason, "another contact") {
				t.Fatalf("report %+v", rep)
			}
			again := run(t, src, dst, opts)
			if again.WriteCalls != 0 || again.Failed != 1 || len(inner.all()) != 2 {
				t.Fatalf("re-run %+v, target %d", again, len(inner.all()))
			}
		})
	}
}

// loseSecondUpsert is a tidyLike target that cannot look up phones and
// loses the response of its second upsert, which took effect.
type loseSecondUpsert struct {
	tidyLike
	n int
}

func (l *loseSecondUpsert) Capabilities() support.Capabilities {
	return without(l.tidyLike.Capabilities(), 1, support.OpGetByPhone)
}

func (l *loseSecondUpsert) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	l.n++
	res, err := l.tidyLike.UpsertContact(ctx, in, o)
	if l.n == 2 {
		return nil, errLost
	}
	return res, err
}

// An upsert that matches by email is sent again when the lookup by that
// email returns another contact: sent again, it matches the same contact,
// whether or not the first one took effect. Here the target matches the
// second twin to the first by email, and cannot update it.
func TestLostUpsertShadowedIsSentAgain(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(twins(false)...)
	dst := &loseSecondUpsert{tidyLike: tidyLike{inner}}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st, Concurrency: 1})
	got := inner.all()
	if len(got) != 1 || rep.Created != 1 || rep.Matched != 1 || rep.Failed != 0 || dst.n != 3 {
		t.Fatalf("report %+v, target %+v, %d upserts", rep.Counts, got, dst.n)
	}
	for _, id := range []string{"a", "b"} {
		if e, _, _ := st.Entry(id); e.TargetID != got[0].ID {
			t.Errorf("%s: entry %+v", id, e)
		}
	}
}

// The listing that looks for external IDs stops once every contact it
// looks for is found, and reads to the end for one that is not there.
func TestScanStopsWhenAllAreFound(t *testing.T) {
	for _, tc := range []struct {
		ext       string
		wantLists int64
		want      taskState
	}{{"crm-2", 2, tMatched}, {"crm-9", 4, tTodo}} {
		dst := newStore("dst", 100)
		dst.pageSize = 1
		for i := range 4 {
			dst.seed(support.Contact{FirstName: "N", ExternalID: fmt.Sprintf("crm-%d", i+1)})
		}
		r, err := newRunner(newStore("src", 1), dst, Options{})
		if err != nil {
			t.Fatal(err)
		}
		lost := &task{st: tLookup, in: support.ContactInput{ExternalID: tc.ext}}
		if err := r.scan(context.Background(), []*task{lost}, nil); err != nil {
			t.Fatal(err)
		}
		if lost.st != tc.want || dst.lists.Load() != tc.wantLists {
			t.Errorf("%s: state %v after %d pages, want %v after %d", tc.ext, lost.st, dst.lists.Load(), tc.want, tc.wantLists)
		}
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
		return zero, &support.Error{Vendor: "dst", Message: "response abandoned", Err: ctx.Err()}
	}
	return v, err
}

func (c *cutEvery) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return cutCall(c, ctx, func() (support.Page[support.Contact], error) { return c.store.ListContacts(ctx, o) })
}
func (c *cutEvery) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	return cutCall(c, ctx, func() (*support.Contact, error) { return c.store.GetContact(ctx, ref) })
}
func (c *cutEvery) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return cutCall(c, ctx, func() (*support.BatchResult, error) { return c.store.CreateContacts(ctx, in) })
}
func (c *cutEvery) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	return cutCall(c, ctx, func() (*support.ContactResult, error) { return c.store.UpdateContact(ctx, ref, u) })
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
		_, err := Run(ctx, src, &cutEvery{store: inner, k: k, cancel: cancel}, Options{State: st, BatchSize: batch})
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	checkMigrated(t, src.all(), inner.all(), st)
	if inner.batchRecords.Load() != n {
		t.Fatalf("%d records sent for %d contacts", inner.batchRecords.Load(), n)
	}
	t.Logf("%d contacts, finished in %d runs (bound %d), %d lookups", n, runs, bound, inner.gets.Load())
}

// cancelInBatch is a target whose batch call stores the records and then
// finds its context ended (cancelled, or past its deadline), and reports,
// as the Tidio adapter does, every record failed with the vendor's error,
// which does not say why.
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
	err := &support.Error{Vendor: "dst", Op: support.OpCreateContacts, Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset"}
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	for i := range res.Items {
		res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: err}
	}
	return res, err
}

// A run whose context ends during a batch returns an error matching the
// context's, even when the target reports the records with errors of its
// own; the next run looks the batch up instead of sending it again.
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
				_, err := Run(ctx, src, dst, Options{State: st})
				if !errors.Is(err, want) || !errors.Is(err, support.ErrUnavailable) {
					t.Fatalf("err %v: want one matching %v and keeping the target's", err, want)
				}
				rep := run(t, src, inner, Options{State: st})
				if rep.Resolved != 10 || rep.Skipped != 10 || inner.batchCalls.Load() != 1 {
					t.Fatalf("resumed: %+v, %d batches", rep, inner.batchCalls.Load())
				}
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
		if _, err := Run(context.Background(), src, inner, Options{State: &killState{State: st, left: 3}}); !errors.Is(err, errKilled) {
			t.Fatalf("err %v", err)
		}
		open := make(chan struct{})
		gs := &gateState{killState: killState{State: st, left: 1}, open: open}
		gt := &gatedTarget{Platform: inner, open: open}
		if _, err := Run(context.Background(), src, gt, Options{State: gs, Concurrency: 1}); !errors.Is(err, errKilled) {
			t.Fatalf("err %v, want the run killed at its second commit", err)
		}
		p, _ := st.Pending()
		if kept := 100 - len(p); kept != 1 {
			t.Fatalf("%d resolutions kept by the first commit, want 1 (%d lookups)", kept, inner.gets.Load())
		}
		rep := run(t, src, inner, Options{State: st})
		if rep.Resolved != len(p) || rep.Skipped != 100 || inner.batchCalls.Load() != 1 {
			t.Fatalf("report %+v, %d batches", rep, inner.batchCalls.Load())
		}
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
	support.Platform
	open chan struct{}
	n    atomic.Int64
}

func (g *gatedTarget) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	if g.n.Add(1) > 1 {
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Platform.GetContact(ctx, ref)
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
	_, err := Run(ctx, src, &interrupter{Platform: inner, left: 2, cancel: cancel}, Options{State: st})
	if p, _ := st.Pending(); !errors.Is(err, context.Canceled) || len(p) != 1 || len(inner.all()) != 0 {
		t.Fatalf("err %v, pending %+v, target %d", err, p, len(inner.all()))
	}
	rep := run(t, src, inner, Options{State: st})
	if rep.Created != 1 || rep.Resolved != 0 || inner.lists.Load() != 2 || len(inner.all()) != 1 {
		t.Fatalf("report %+v, %d lists, target %d", rep, inner.lists.Load(), len(inner.all()))
	}
	checkByExternalID(t, src.all(), inner.all(), st)
}

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
				rep := run(t, newFaulty(src, tc.seed+100, 0.20, 0), dst, Options{State: st})

				if f := float64(dst.faults.Load()) / float64(dst.calls.Load()); f < 0.18 {
					t.Fatalf("only %.1f%% of target calls faulted", 100*f)
				}
				if l := float64(dst.lostWrites.Load()) / float64(dst.writeCalls.Load()); l < 0.05 {
					t.Fatalf("only %.1f%% of target writes committed then lost", 100*l)
				}
				target := listAll(t, inner)
				checkMigrated(t, listed, target, st)
				if len(target) != n {
					t.Fatalf("target has %d contacts, want %d", len(target), n)
				}
				if p, _ := st.Pending(); len(p) != 0 {
					t.Fatalf("%d intents left pending", len(p))
				}
				// Every contact created is counted Created or, when its
				// upsert's response was lost, Upserted; Created never counts
				// a contact that was there before.
				if rep.Processed != n+1 || rep.Failed != 0 || rep.Resolved == 0 || rep.Upserted > rep.Resolved ||
					rep.Created+rep.Updated+rep.Unchanged+rep.Upserted != n+1 ||
					rep.Created+rep.Upserted < n-len(existing) || rep.Created > n-len(existing) {
					t.Fatalf("report %+v, resolved %d", rep.Counts, rep.Resolved)
				}
				// The batch strategy knows what it creates, so its counts are
				// exact even when responses are lost. (A lost upsert found
				// with the values sent cannot tell created, updated and
				// unchanged apart: it is Upserted.)
				if want := (Counts{Created: n - len(existing), Updated: len(existing) / 2, Unchanged: len(existing)/2 + 1}); tc.maxBatch > 1 && rep.Counts != want {
					t.Fatalf("counts %+v, want %+v", rep.Counts, want)
				}
				again := run(t, src, memoryTarget(inner, tc.maxBatch), Options{State: st})
				if again.WriteCalls != 0 || again.Skipped != n+1 {
					t.Fatalf("re-run %+v", again)
				}
				t.Logf("target calls %d, faults %d, writes %d, lost writes %d; report: %+v, write calls %d, resolved %d, retries %d",
					dst.calls.Load(), dst.faults.Load(), dst.writeCalls.Load(), dst.lostWrites.Load(),
					rep.Counts, rep.WriteCalls, rep.Resolved, rep.Retries)
			})
		})
	}
}

// R3: a batch whose response is lost is looked up, not sent again; the
// records it did store are mapped as Created and counted as resolved.
func TestLostBatchIsLookedUpNotResent(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(100)...)
	dst := &loseOnce{store: inner}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	if inner.batchCalls.Load() != 1 || inner.batchRecords.Load() != 100 {
		t.Fatalf("%d batches, %d records sent; want the lost batch not resent", inner.batchCalls.Load(), inner.batchRecords.Load())
	}
	if rep.Created != 100 || rep.Resolved != 100 || inner.gets.Load() < 100 {
		t.Fatalf("report %+v, lookups %d", rep, inner.gets.Load())
	}
	checkMigrated(t, src.all(), inner.all(), st)
}

// loseOnce stores the first batch and loses its response.
type loseOnce struct {
	*store
	once sync.Once
}

func (l *loseOnce) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	res, err := l.store.CreateContacts(ctx, in)
	lost := false
	l.once.Do(func() { lost = true })
	if lost {
		return nil, &support.Error{Vendor: "dst", Op: support.OpCreateContacts, Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "EOF"}
	}
	return res, err
}

// A contact with nothing to look it up by, whose create is lost, is
// reported as unresolved and never sent again.
func TestLostKeylessCreateIsUnresolved(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(support.Contact{ID: "nameonly", FirstName: "Nobody", LastName: "Known"}, person(1))
	dst := &loseOnce{store: inner}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	if rep.Failed != 1 || rep.Failures[0].SourceID != "nameonly" || rep.Failures[0].Kind != string(Unresolved) || rep.Created != 1 {
		t.Fatalf("report %+v", rep)
	}
	again := run(t, src, dst, Options{State: st})
	if again.Failed != 1 || again.WriteCalls != 0 || len(inner.all()) != 2 {
		t.Fatalf("re-run %+v, target %d", again, len(inner.all()))
	}
}

// interrupter cancels the run's context at the k-th target call: before the
// call (nothing happens), or after the call took effect, returning the
// context's error as a cut-short call does.
type interrupter struct {
	support.Platform
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
		return true, &support.Error{Vendor: "dst", Err: ctx.Err()}
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
		return zero, &support.Error{Vendor: "dst", Message: "response abandoned", Err: ctx.Err()}
	}
	return v, err
}

func (p *interrupter) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return interrupt(p, ctx, func() (support.Page[support.Contact], error) { return p.Platform.ListContacts(ctx, o) })
}
func (p *interrupter) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return interrupt(p, ctx, func() (*support.BatchResult, error) { return p.Platform.CreateContacts(ctx, in) })
}
func (p *interrupter) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	return interrupt(p, ctx, func() (*support.ContactResult, error) { return p.Platform.UpsertContact(ctx, in, o) })
}
func (p *interrupter) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	return interrupt(p, ctx, func() (*support.ContactResult, error) { return p.Platform.UpdateContact(ctx, ref, u) })
}

// R2: stopping the migrator at random points (a cancelled context, before or
// after a call took effect; or a "killed" process whose State stops taking
// commits, then closed and reopened from disk) and running it again until
// it finishes ends with nothing lost and nothing doubled; a finished
// migration run again sends no write. Calls also fail as in R1, at 10%.
func TestR2CrashAndResume(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxBatch int
		n        int
		seed     uint64
	}{{"batch", 50, 1500, 3}, {"upsert", 1, 800, 4}} {
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
				faults := newFaulty(memoryTarget(inner, tc.maxBatch), tc.seed, 0.10, 0.5)
				path := filepath.Join(t.TempDir(), "state.db")
				rng := rand.New(rand.NewPCG(tc.seed, 99))
				stops := 0
				for {
					st, err := OpenState(path)
					if err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithCancel(context.Background())
					dst := &interrupter{Platform: faults, left: 1 << 30, cancel: cancel}
					var state State = st
					switch rng.IntN(3) {
					case 0:
						dst.left = 1 + rng.IntN(40)
					case 1:
						dst.left, dst.after = 1+rng.IntN(40), true
					default:
						state = &killState{State: st, left: rng.IntN(8)}
					}
					rep, err := Run(ctx, src, dst, Options{State: state, Concurrency: 3})
					cancel()
					if err := st.Close(); err != nil {
						t.Fatal(err)
					}
					if err == nil {
						if !rep.Complete {
							t.Fatalf("finished without completing: %+v", rep)
						}
						break
					}
					if !errors.Is(err, context.Canceled) && !errors.Is(err, errKilled) {
						t.Fatalf("run %d: unexpected error %v", stops, err)
					}
					stops++
					if stops > 2000 {
						t.Fatal("no progress")
					}
				}
				st, err := OpenState(path)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				checkMigrated(t, listed, listAll(t, inner), st)
				again, err := Run(context.Background(), src, memoryTarget(inner, tc.maxBatch), Options{State: st})
				if err != nil {
					t.Fatal(err)
				}
				if again.WriteCalls != 0 || again.Skipped != tc.n {
					t.Fatalf("re-run of a finished migration: %+v", again)
				}
				t.Logf("%d contacts, finished after %d interruptions; lost writes %d", tc.n, stops, faults.lostWrites.Load())
			})
		})
	}
}

// loseFirst makes the first write of each kind fail with an unknown
// outcome: committed (stored, response lost) or not (lost before the
// vendor processed it); the engine cannot tell which.
type loseFirst struct {
	*store
	caps   support.Capabilities
	commit bool
	mu     sync.Mutex
	lost   map[support.Operation]bool
}

func (l *loseFirst) Capabilities() support.Capabilities { return l.caps }

func (l *loseFirst) lose(op support.Operation) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost[op] {
		return false
	}
	l.lost[op] = true
	return true
}

var errLost = &support.Error{Vendor: "dst", Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset"}

func (l *loseFirst) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if l.lose(support.OpCreateContacts) {
		if l.commit {
			_, _ = l.store.CreateContacts(ctx, in)
		}
		return nil, errLost
	}
	return l.store.CreateContacts(ctx, in)
}

func (l *loseFirst) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	if l.lose(support.OpUpsertContact) {
		if l.commit {
			_, _ = l.store.UpsertContact(ctx, in, o)
		}
		return nil, errLost
	}
	return l.store.UpsertContact(ctx, in, o)
}

// Contacts known only by an external ID cannot be looked up with a Ref: a
// lost write of theirs is resolved by one listing of the target. Without a
// list, they are unresolved.
func TestLostWritesResolvedByExternalID(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		for _, commit := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/committed=%v", strategyName(maxBatch), commit), func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", maxBatch)
				src.seed(
					support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"},
					support.Contact{ID: "b", FirstName: "Bob", ExternalID: "crm-2"},
				)
				dst := &loseFirst{store: inner, caps: inner.caps, commit: commit, lost: map[support.Operation]bool{}}
				st := openState(t)
				rep := run(t, src, dst, Options{State: st, Concurrency: 1})
				got := inner.all()
				// A lost create found is Created; a lost upsert found is
				// Upserted, as it may have matched a contact already there.
				if len(got) != 2 || rep.Created+rep.Upserted != 2 || rep.Failed != 0 {
					t.Fatalf("target %+v, report %+v", got, rep.Counts)
				}
				if wantResolved := map[bool]int{true: 1, false: 0}[commit]; maxBatch == 1 && (rep.Resolved != wantResolved || rep.Upserted != wantResolved) {
					t.Fatalf("resolved %d, upserted %d, want %d", rep.Resolved, rep.Upserted, wantResolved)
				}
				if maxBatch > 1 && (rep.Upserted != 0 || commit && rep.Resolved != 2) {
					t.Fatalf("resolved %d, upserted %d, want the whole lost batch resolved as created", rep.Resolved, rep.Upserted)
				}
				if inner.lists.Load() == 0 {
					t.Fatal("the target was not listed to find the external IDs")
				}
				checkByExternalID(t, src.all(), got, st)
			})
		}
	}
	t.Run("no list", func(t *testing.T) {
		src, inner := newStore("src", 1), newStore("dst", 1)
		src.seed(support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"})
		dst := &loseFirst{store: inner, caps: without(inner.caps, 1, support.OpListContacts), commit: true, lost: map[support.Operation]bool{}}
		rep := run(t, src, dst, Options{})
		if rep.Failed != 1 || rep.Failures[0].Kind != string(Unresolved) || len(inner.all()) != 1 {
			t.Fatalf("report %+v, target %d", rep, len(inner.all()))
		}
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
		if len(ids) != 1 || e.TargetID != ids[0] {
			t.Fatalf("%s: target IDs %v, entry %+v", c.ID, ids, e)
		}
	}
}

// A crash between an intent and its result, for contacts with only an
// external ID: the next run finds them by listing the target.
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
	_, err := Run(context.Background(), src, inner, Options{State: &killState{State: st, left: 3}})
	if !errors.Is(err, errKilled) || len(inner.all()) != 3 {
		t.Fatalf("err %v, target %d", err, len(inner.all()))
	}
	if p, _ := st.Pending(); len(p) != 3 {
		t.Fatalf("pending %+v", p)
	}
	rep := run(t, src, inner, Options{State: st})
	if !rep.Resumed || rep.Resolved != 2 || rep.Skipped != 2 || rep.Failed != 1 || rep.Failures[0].SourceID != "c" ||
		inner.batchCalls.Load() != 1 || len(inner.all()) != 3 {
		t.Fatalf("report %+v, batches %d, target %d", rep, inner.batchCalls.Load(), len(inner.all()))
	}
	for id, want := range map[string]Outcome{"a": Created, "b": Created, "c": Unresolved} {
		if e, _, _ := st.Entry(id); e.Outcome != want || (want == Created && !e.Resolved) {
			t.Errorf("%s: entry %+v", id, e)
		}
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
	res, _ := l.store.CreateContacts(ctx, in[1:])
	items := []support.BatchItem{{Index: 0, Outcome: support.Failed,
		Err: &support.Error{Kind: support.ErrRateLimited, Status: 429, RetryAfter: 7 * time.Second}}}
	for _, it := range res.Items {
		it.Index++
		items = append(items, it)
	}
	out := &support.BatchResult{Items: items}
	return out, out.Err()
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
		if rep.Created != 5 || len(inner.all()) != 5 || inner.batchCalls.Load() != 2 || inner.batchRecords.Load() != 5 {
			t.Fatalf("report %+v, batches %d, records %d", rep.Counts, inner.batchCalls.Load(), inner.batchRecords.Load())
		}
		if waited := time.Since(start); waited != 7*time.Second || rep.Retries != 1 {
			t.Fatalf("waited %v, %d retries; want Retry-After's 7s once", waited, rep.Retries)
		}
	})
}

// A lost upsert that the lookup finds cannot say whether it created the
// contact, updated it or found it up to date: it must not be reported as
// Created when the contact was there before. The target here holds the
// contact already; the upsert is stored (or not) and its response lost.
func TestLostUpsertOfExistingContactIsNotCreated(t *testing.T) {
	for _, tc := range []struct {
		name    string
		last    string // the source's last name; the target has none
		commit  bool
		want    Outcome
		updates int64
	}{
		{"same values", "", true, Upserted, 0},
		{"changed, stored", "Lovelace", true, Upserted, 0},
		// Not stored: the contact found still differs, and the update sent
		// then is known to change it.
		{"changed, not stored", "Lovelace", false, Updated, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", 1)
			src.seed(support.Contact{ID: "a", FirstName: "Ada", LastName: tc.last, Email: "ada@example.com"})
			inner.seed(support.Contact{FirstName: "Ada", Email: "ada@example.com"})
			dst := &loseFirst{store: inner, caps: inner.caps, commit: tc.commit, lost: map[support.Operation]bool{}}
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			if rep.Created != 0 || rep.Resolved != 1 || len(inner.all()) != 1 || inner.updates.Load() != tc.updates {
				t.Fatalf("report %+v, resolved %d, target %d, updates %d", rep.Counts, rep.Resolved, len(inner.all()), inner.updates.Load())
			}
			want := Counts{Upserted: 1}
			if tc.want == Updated {
				want = Counts{Updated: 1}
			}
			if rep.Counts != want {
				t.Fatalf("counts %+v, want %+v", rep.Counts, want)
			}
			e, _, _ := st.Entry("a")
			if e.Outcome != tc.want || !e.Resolved || e.TargetID != inner.all()[0].ID {
				t.Fatalf("entry %+v", e)
			}
			var csv strings.Builder
			if err := st.ExportCSV(&csv); err != nil {
				t.Fatal(err)
			}
			if row := strings.Split(csv.String(), "\n")[1]; !strings.HasPrefix(row, "a,"+e.TargetID+","+string(tc.want)+",true,") {
				t.Fatalf("CSV row %q", row)
			}
		})
	}
}

// The same after a crash: an upsert's intent (a contact known only by an
// external ID, which the target cannot look up with a Ref) is found by the
// next run in a target that already held the contact. It is mapped as
// Upserted, not Created; a create's intent (TestPendingIntentsResolvedOnResume)
// stays Created.
func TestPendingUpsertIntentResolvedAsUpserted(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"})
	inner.seed(support.Contact{FirstName: "Ann", ExternalID: "crm-1"})
	st := openState(t)
	// Commit 1 starts the pass, 2 records the intent; the upsert is sent
	// and the process dies before recording its result.
	_, err := Run(context.Background(), src, inner, Options{State: &killState{State: st, left: 2}})
	if !errors.Is(err, errKilled) || inner.upserts.Load() != 1 {
		t.Fatalf("err %v, upserts %d", err, inner.upserts.Load())
	}
	if p, _ := st.Pending(); len(p) != 1 || p[0].Write != WriteUpsert {
		t.Fatalf("pending %+v", p)
	}
	rep := run(t, src, inner, Options{State: st})
	if rep.Resolved != 1 || rep.Skipped != 1 || rep.Created != 0 || inner.upserts.Load() != 1 || len(inner.all()) != 1 {
		t.Fatalf("report %+v, upserts %d, target %d", rep, inner.upserts.Load(), len(inner.all()))
	}
	if e, _, _ := st.Entry("a"); e.Outcome != Upserted || !e.Resolved || e.TargetID != inner.all()[0].ID || e.Write != "" {
		t.Fatalf("entry %+v", e)
	}
}

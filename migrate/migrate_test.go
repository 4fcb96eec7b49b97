package migrate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

func openState(t testing.TB) *FileState {
	t.Helper()
	st, err := OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if os.Getenv("NOSYNC") != "" {
		st.db.NoSync = true
	}
	return st
}

// run runs a migration between the Clients of two drivers, which must
// succeed.
func run(t testing.TB, src, dst support.Driver, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), client(src), client(dst), opts)
	require.NoError(t, err, "Run")
	return rep
}

// checkMigrated asserts R1's end state: every source contact is in the
// target exactly once, and the ID map sends each source ID to the target
// contact with its email.
func checkMigrated(t testing.TB, src []support.Contact, target []support.Contact, st State) {
	t.Helper()
	byEmail := map[string][]string{}
	for _, c := range target {
		k := strings.ToLower(c.Email)
		byEmail[k] = append(byEmail[k], c.ID)
	}
	lost, dup, wrong := 0, 0, 0
	for _, c := range src {
		ids := byEmail[strings.ToLower(c.Email)]
		switch {
		case len(ids) == 0:
			lost++
			continue
		case len(ids) > 1:
			dup++
		}
		e, ok, err := st.Entry(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || !e.Outcome.mapped() || e.TargetID != ids[0] {
			wrong++
			if wrong < 5 {
				t.Errorf("source %s: entry %+v, want target %s", c.ID, e, ids[0])
			}
		}
	}
	if lost+dup+wrong > 0 {
		t.Fatalf("%d lost, %d duplicated, %d wrongly mapped of %d (target has %d)", lost, dup, wrong, len(src), len(target))
	}
	if d := countDuplicates(target); d > 0 {
		t.Fatalf("target has %d duplicates", d)
	}
}

func TestRunBatchCreatesInFullBatches(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.pageSize = 30 // pages smaller than a batch: batches span pages
	src.seed(people(250)...)
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, StrategyBatch, rep.Strategy)
	assert.Equal(t, Counts{Created: 250}, rep.Counts)
	assert.Equal(t, 250, rep.Processed)
	assert.True(t, rep.Complete)
	assert.EqualValues(t, 3, dst.batchCalls.Load(), "batch calls")
	assert.Equal(t, 3, rep.WriteCalls)
	checkMigrated(t, src.all(), dst.all(), st)

	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 250}, again.Counts, "re-run")
	assert.Zero(t, again.WriteCalls, "re-run")
	assert.EqualValues(t, 3, dst.writes(), "target writes")
}

func TestRunUpsertStrategy(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1)
	src.seed(people(120)...)
	st := openState(t)
	rep := run(t, src, dst, Options{State: st, Concurrency: 8})
	assert.Equal(t, StrategyUpsert, rep.Strategy)
	assert.Equal(t, Counts{Created: 120}, rep.Counts)
	assert.Equal(t, 120, rep.WriteCalls)
	checkMigrated(t, src.all(), dst.all(), st)
	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 120}, again.Counts, "re-run")
	assert.Zero(t, again.WriteCalls, "re-run")
}

func TestRunMatchesExistingTargetContacts(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			ps := people(10)
			src.seed(ps...)
			same := ps[0]
			same.ID = ""
			same.Email = strings.ToUpper(same.Email) // matched ignoring case
			renamed := ps[1]
			renamed.ID, renamed.FirstName = "", "Old"
			byPhone := ps[3] // matched by phone alone
			byPhone.ID, byPhone.Email = "", ""
			dst.seed(same, renamed, byPhone)
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Created: 7, Updated: 2, Unchanged: 1}, rep.Counts)
			got := dst.all()
			require.Len(t, got, 10)
			assert.Equal(t, ps[1].FirstName, got[1].FirstName, "renamed contact updated")
			assert.Equal(t, ps[3].Email, got[2].Email, "contact matched by phone gets the email")
			checkMigrated(t, ps, got, st)
		})
	}
}

func strategyName(maxBatch int) string {
	if maxBatch > 1 {
		return "batch"
	}
	return "upsert"
}

func TestSourceDuplicatesMakeOneTargetContact(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			a := support.Contact{ID: "a", FirstName: "Ada", Email: "Ada@Example.com"}
			b := support.Contact{ID: "b", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.COM"}
			c := support.Contact{ID: "c", FirstName: "Ada", Email: "ADA@example.com"}
			src.seed(a, b, c)
			st := openState(t)
			rep := run(t, src, dst, Options{State: st})
			got := dst.all()
			require.Len(t, got, 1)
			assert.Equal(t, "Lovelace", got[0].LastName, "second source contact's last name merged")
			assert.Equal(t, Counts{Created: 1, Updated: 1, Unchanged: 1}, rep.Counts)
			for _, id := range []string{"a", "b", "c"} {
				e, _, _ := st.Entry(id)
				assert.Equal(t, got[0].ID, e.TargetID, id)
			}
		})
	}
}

func TestDryRunPlansWithoutWriting(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	ps := people(150)
	src.seed(ps...)
	src.seed(support.Contact{ID: "dup", FirstName: "Again", Email: strings.ToUpper(ps[7].Email)})
	existing := ps[0]
	existing.ID, existing.FirstName = "", "Old"
	dst.seed(existing)
	st := openState(t)
	plan := run(t, src, dst, Options{State: st, DryRun: true})
	assert.Zero(t, dst.writes(), "dry run wrote")
	assert.Zero(t, plan.WriteCalls, "dry run wrote")
	assert.True(t, plan.DryRun)
	assert.Equal(t, Counts{Created: 149, Updated: 2}, plan.Counts)
	assert.Equal(t, 4, plan.PlannedWriteCalls)
	_, ok, _ := st.Entry(ps[1].ID)
	assert.False(t, ok, "dry run changed the state")
	phase, _ := st.Checkpoint(cpPhase)
	assert.Empty(t, phase, "dry run saved a phase")
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, plan.Counts, rep.Counts, "run differs from plan")
	assert.Equal(t, plan.PlannedWriteCalls, rep.WriteCalls, "run differs from plan")
}

func TestDryRunUpsertPlansOneWritePerContact(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1)
	src.seed(people(20)...)
	plan := run(t, src, dst, Options{DryRun: true})
	assert.Equal(t, StrategyUpsert, plan.Strategy)
	assert.Equal(t, Counts{Created: 20}, plan.Counts)
	assert.Equal(t, 20, plan.PlannedWriteCalls)
	assert.Zero(t, dst.writes())
}

// refusing makes a target's batch create refuse some records with a vendor
// error, storing the others.
type refusing struct {
	*store
	refuse func(support.ContactInput) error
}

func (r refusing) CreateContacts(ctx context.Context, ins []support.ContactInput) (*support.BatchResult, error) {
	res := &support.BatchResult{Items: make([]support.BatchItem, len(ins))}
	var ok []support.ContactInput
	var at []int
	for i, in := range ins {
		res.Items[i].Index = i
		if err := r.refuse(in); err != nil {
			res.Items[i].Outcome, res.Items[i].Err = support.Failed, err
			continue
		}
		ok = append(ok, in)
		at = append(at, i)
	}
	inner, err := r.store.CreateContacts(ctx, ok)
	if err != nil {
		return nil, err
	}
	for j, it := range inner.Items {
		it.Index = at[j]
		res.Items[at[j]] = it
	}
	return res, nil // per-record failures are in the items
}

func TestVendorRefusalsAreReportedAndTheRunContinues(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(30)...)
	dst := refusing{inner, func(in support.ContactInput) error {
		if strings.HasPrefix(in.Email, "person1") {
			return &support.Error{Kind: support.ErrInvalid, Status: 422, Code: "E_NAME", Message: "name is reserved"}
		}
		return nil
	}}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	// person1, person10..person19
	assert.Equal(t, Counts{Created: 19, Failed: 11}, rep.Counts)
	require.Len(t, rep.Failures, 11)
	f := rep.Failures[0]
	assert.Equal(t, "src_000001", f.SourceID)
	assert.Equal(t, "name is reserved", f.Reason)
	assert.Equal(t, 422, f.Status)
	assert.Equal(t, "E_NAME", f.Code)
	assert.Equal(t, support.ErrInvalid.Error(), f.Kind)
	assert.Equal(t, "person1@example.com", f.Input.Email)
	assert.Equal(t, 1, f.Index)
	e, _, _ := st.Entry("src_000001")
	assert.Equal(t, Failed, e.Outcome)
	assert.Equal(t, "name is reserved", e.Reason)
	// Item 5: the refused ones are remembered with the fingerprint of their
	// input: the next run reports them again, with their reason, and sends
	// nothing; the rest is skipped.
	before := inner.writes()
	again := run(t, src, dst, Options{State: st})
	assert.True(t, again.Complete)
	assert.Equal(t, Counts{Failed: 11, Skipped: 19}, again.Counts, "re-run")
	assert.Equal(t, 11, again.NotMigrated())
	assert.Zero(t, again.WriteCalls, "re-run")
	assert.Equal(t, before, inner.writes(), "writes the target saw on the re-run")
	require.Len(t, again.Failures, 11)
	for _, f := range again.Failures {
		assert.True(t, f.Remembered, f.SourceID)
		assert.NotEmpty(t, f.Reason, f.SourceID)
	}
	// Asked to, it tries them again (one batch: the vendor refuses the
	// name again).
	retried := run(t, src, dst, Options{State: st, RetryFailed: true})
	assert.Equal(t, Counts{Failed: 11, Skipped: 19}, retried.Counts, "retry")
	assert.Equal(t, 1, retried.WriteCalls, "retry")
	assert.False(t, retried.Failures[0].Remembered)
	// A refused contact changed in the source is sent again by itself.
	src.edit("src_000001", support.ContactUpdate{Email: support.Ptr("fixed1@example.com")})
	fixed := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Created: 1, Failed: 10, Skipped: 19}, fixed.Counts, "fixed")
	assert.Equal(t, 1, fixed.WriteCalls, "fixed")
}

func TestInvalidInputFailsBeforeAnyWrite(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(support.Contact{ID: "bad", Email: "not an email"}, support.Contact{ID: "empty"}, person(1))
	rep := run(t, src, dst, Options{})
	assert.Equal(t, Counts{Created: 1, Failed: 2}, rep.Counts)
	assert.EqualValues(t, 1, dst.sent(), "records sent")
}

func TestUnnormalizablePhoneIsDroppedWhenRefused(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			dst.strictPhone = true
			src.seed(support.Contact{ID: "p", FirstName: "Pat", Email: "pat@example.com", Phone: "020 7946 0958"},
				support.Contact{ID: "q", Phone: "0800 FLOWERS"})
			rep := run(t, src, dst, Options{})
			got := dst.all()
			require.Len(t, got, 1)
			assert.Empty(t, got[0].Phone)
			assert.Equal(t, Counts{Created: 1, Failed: 1}, rep.Counts)
			require.Len(t, rep.Warnings, 1)
			assert.Equal(t, "phone", rep.Warnings[0].Field)
			assert.Contains(t, rep.Warnings[0].Message, "020 7946 0958")
			// Quinn has nothing left without the phone: a failure, with the
			// vendor's reason.
			require.Len(t, rep.Failures, 1)
			assert.Equal(t, "q", rep.Failures[0].SourceID)
			assert.Equal(t, "phone must be E.164", rep.Failures[0].Reason)
		})
	}
}

func TestTargetWithoutUpdateMatches(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	ps := people(3)
	src.seed(ps...)
	old := ps[0]
	old.ID, old.FirstName = "", "Old"
	inner.seed(old)
	dst := capsOverride{inner, without(inner.caps, 100, support.OpUpdateContact)}
	rep := run(t, src, dst, Options{})
	assert.Equal(t, Counts{Created: 2, Matched: 1}, rep.Counts)
	assert.Zero(t, inner.updates.Load())
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, "first_name", rep.Warnings[0].Field)
}

// failAfter refuses the credentials once n writes went through.
type failAfter struct {
	*store
	n atomic.Int64
}

func (f *failAfter) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if f.n.Add(-1) < 0 {
		return nil, &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "token expired"}
	}
	return f.store.CreateContacts(ctx, in)
}

func TestUnauthorizedStopsTheRunAndItResumes(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 50)
	src.seed(people(200)...)
	dst := &failAfter{store: inner}
	dst.n.Store(2)
	st := openState(t)
	rep, err := Run(context.Background(), client(src), client(dst), Options{State: st})
	require.ErrorIs(t, err, support.ErrUnauthorized)
	require.NotNil(t, rep)
	assert.Equal(t, 100, rep.Created, "partial report")
	assert.False(t, rep.Complete, "partial report")
	p, _ := st.Pending()
	assert.Empty(t, p, "intents of a refused batch left pending")
	dst.n.Store(1 << 30)
	rep = run(t, src, dst, Options{State: st})
	assert.True(t, rep.Resumed)
	assert.Equal(t, 100, rep.Created)
	assert.True(t, rep.Complete)
	checkMigrated(t, src.all(), inner.all(), st)
}

func TestProgressAndReportJSON(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(75)...)
	var last Progress
	calls := 0
	rep := run(t, src, dst, Options{Progress: func(p Progress) {
		if p.Processed < last.Processed || p.Total != -1 {
			t.Fatalf("progress went back or has a total: %+v after %+v", p, last)
		}
		last = p
		calls++
	}})
	assert.GreaterOrEqual(t, calls, 75)
	assert.Equal(t, Progress{Phase: PhaseDone, Processed: 75, Total: -1, Counts: Counts{Created: 75}, WriteCalls: 1}, last)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for k, want := range map[string]any{"created": 75.0, "processed": 75.0, "write_calls": 1.0, "strategy": "batch", "complete": true, "conflicts": 0.0} {
		assert.Equal(t, want, m[k], "JSON %s (%s)", k, b)
	}
}

func TestStateGuards(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(5)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	other := newStore("other", 100)
	ctx := context.Background()
	_, err := Run(ctx, client(src), client(other), Options{State: st})
	assert.ErrorIs(t, err, support.ErrInvalid, "another target with the same state")
	// An interrupted batch pass cannot be finished with the upsert strategy.
	require.NoError(t, st.Commit(&Commit{Checkpoints: map[string]string{cpPhase: phaseCopy}}))
	_, err = Run(ctx, client(src), client(dst), Options{State: st, Strategy: StrategyUpsert})
	assert.ErrorIs(t, err, support.ErrInvalid, "strategy change mid-pass")
	_, err = Run(ctx, client(src), client(dst), Options{MatchKeys: []support.MatchKey{"name"}})
	assert.ErrorIs(t, err, support.ErrInvalid, "unknown match key")
	noList := capsOverride{src, without(src.caps, 1, support.OpListContacts)}
	_, err = Run(ctx, client(noList), client(dst), Options{})
	assert.ErrorIs(t, err, support.ErrUnsupported, "source without list")
	_, err = Run(ctx, nil, client(dst), Options{})
	assert.ErrorIs(t, err, support.ErrInvalid, "no source")
}

func TestExportCSV(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(person(1), person(3), support.Contact{ID: "bad", Email: "nope"})
	st := openState(t)
	run(t, src, dst, Options{State: st})
	var buf bytes.Buffer
	require.NoError(t, st.ExportCSV(&buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	want := [][]string{
		{"source_id", "target_id", "outcome", "resolved", "keys", "warnings", "reason"},
		{"bad", "", "failed", "false", "email:nope", "", `email: "nope" is not a valid address`},
		{"src_000001", "dst_1", "created", "false", "email:person1@example.com", "", ""},
		{"src_000003", "dst_2", "created", "false", "email:person3@example.com phone:+442079400003", "", ""},
	}
	assert.Equal(t, want, rows)
}

// countingState counts commits.
type countingState struct {
	State
	commits int
}

func (c *countingState) Commit(x *Commit) error {
	c.commits++
	return c.State.Commit(x)
}

// A finished migration run again commits its cursor every few pages, so the
// window of skipped contacts (and memory) stays bounded, whatever the
// strategy.
func TestRerunKeepsTheWindowBounded(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			src.pageSize = 10
			src.seed(people(500)...)
			st := &countingState{State: newMemState()}
			run(t, src, dst, Options{State: st})
			st.commits = 0
			again := run(t, src, dst, Options{State: st})
			// 50 pages, committed at least every maxWindowPages.
			assert.Equal(t, Counts{Skipped: 500}, again.Counts)
			assert.Zero(t, again.WriteCalls)
			assert.GreaterOrEqual(t, st.commits, 50/maxWindowPages, "commits")
		})
	}
}

// lossy is a target that cannot hold a language: it drops it and says so,
// on every write, as a driver's PrepareContact and PatchContact do.
type lossy struct{ *store }

var noLanguage = support.Warning{Field: "language", Message: "not supported by this vendor"}

func (l lossy) PrepareContact(ctx context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	p, ws, err := l.store.PrepareContact(ctx, in)
	if err == nil && p.Language != "" {
		p.Language, ws = "", append(ws, noLanguage)
	}
	return p, ws, err
}

func (l lossy) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	warn := u.Language != nil
	u.Language = nil
	res, err := l.store.PatchContact(ctx, id, u)
	if err == nil && warn {
		res.Warnings = append(res.Warnings, noLanguage)
	}
	return res, err
}

// Warnings of the adapter are reported per contact and counted by field; a
// field the target said it cannot hold no longer makes a matched contact
// look changed.
func TestAdapterWarningsAreReportedAndLearned(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 2)
	src.pageSize = 2
	ps := people(3) // all with language "en"
	src.seed(ps...)
	known := ps[2]
	known.ID, known.Language = "", ""
	inner.seed(known)
	st := openState(t)
	rep := run(t, src, lossy{inner}, Options{State: st})
	assert.Equal(t, Counts{Created: 2, Unchanged: 1}, rep.Counts)
	assert.Zero(t, inner.updates.Load())
	// Every contact's language is dropped, the matched one's too: the
	// target's rules are applied before matching.
	assert.Equal(t, map[string]int{"language": 3}, rep.WarningCounts)
	require.Len(t, rep.Warnings, 3)
	assert.Equal(t, ps[0].ID, rep.Warnings[0].SourceID)
	var buf bytes.Buffer
	require.NoError(t, st.ExportCSV(&buf))
	assert.Contains(t, buf.String(), "language: not supported by this vendor", "CSV")
}

// tidyLike is a target like TidySupport: no batch and no update, so that
// the Client's upsert returns a known contact as it is (Matched), with
// warnings for what differs.
type tidyLike struct{ *store }

func (t tidyLike) Capabilities() support.Capabilities {
	return without(t.store.caps, 1, support.OpCreateContacts, support.OpUpdateContact)
}

func TestTargetThatMatchesOnCreate(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	ps := people(4)
	src.seed(ps...)
	old := ps[0]
	old.ID, old.FirstName = "", "Old"
	inner.seed(old)
	dst := tidyLike{inner}

	plan := run(t, src, dst, Options{DryRun: true})
	assert.Equal(t, StrategyUpsert, plan.Strategy)
	assert.Equal(t, Counts{Created: 3, Matched: 1}, plan.Counts)
	// The matched one costs its upsert's lookup and no write request.
	assert.Equal(t, 3, plan.PlannedWriteCalls)
	rep := run(t, src, dst, Options{})
	assert.Equal(t, plan.Counts, rep.Counts, "run differs from plan")
	assert.Equal(t, 3, rep.WriteCalls)
	assert.EqualValues(t, 3, inner.writes())
	assert.Zero(t, inner.updates.Load())
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, "first_name", rep.Warnings[0].Field)
	assert.Equal(t, ps[0].ID, rep.Warnings[0].SourceID)
}

// A window of leaders short of a batch, each with a follower waiting for
// it, is flushed as a partial batch instead of waiting forever.
func TestWindowOfLeadersAndFollowersIsFlushed(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.pageSize = 30
	ps := people(60)
	src.seed(ps...)
	for _, p := range ps {
		p.ID += "-again"
		p.Email = strings.ToUpper(p.Email)
		src.seed(p)
	}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Created: 60, Unchanged: 60}, rep.Counts)
	assert.EqualValues(t, 1, dst.batchCalls.Load(), "batches")
	assert.Len(t, dst.all(), 60)
	checkMigrated(t, src.all(), dst.all(), st)
}

func TestCustomMap(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(person(1), person(2))
	rep := run(t, src, dst, Options{Map: func(c support.Contact) (support.ContactInput, []support.Warning) {
		in := c.Input()
		in.Tags = append(in.Tags, "from-src")
		return in, []support.Warning{{Field: "tags", Message: "added from-src"}}
	}})
	got := dst.all()
	assert.Equal(t, Counts{Created: 2}, rep.Counts)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"migrated", "from-src"}, got[0].Tags)
	assert.Equal(t, 2, rep.WarningCounts["tags"])
}

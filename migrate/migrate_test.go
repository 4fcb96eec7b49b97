package migrate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

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

func run(t testing.TB, src, dst support.Platform, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), src, dst, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
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
	if rep.Strategy != StrategyBatch || rep.Created != 250 || rep.Processed != 250 || !rep.Complete {
		t.Fatalf("report %+v", rep)
	}
	if got := dst.batchCalls.Load(); got != 3 || rep.WriteCalls != 3 {
		t.Fatalf("batch calls %d, report %d, want 3", got, rep.WriteCalls)
	}
	checkMigrated(t, src.all(), dst.all(), st)

	again := run(t, src, dst, Options{State: st})
	if again.Skipped != 250 || again.WriteCalls != 0 || dst.writes() != 3 {
		t.Fatalf("re-run: %+v, target writes %d", again, dst.writes())
	}
}

func TestRunUpsertStrategy(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1)
	src.seed(people(120)...)
	st := openState(t)
	rep := run(t, src, dst, Options{State: st, Concurrency: 8})
	if rep.Strategy != StrategyUpsert || rep.Created != 120 || rep.WriteCalls != 120 {
		t.Fatalf("report %+v", rep)
	}
	checkMigrated(t, src.all(), dst.all(), st)
	again := run(t, src, dst, Options{State: st})
	if again.Skipped != 120 || again.WriteCalls != 0 {
		t.Fatalf("re-run: %+v", again)
	}
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
			if rep.Created != 7 || rep.Updated != 2 || rep.Unchanged != 1 {
				t.Fatalf("counts %+v", rep.Counts)
			}
			got := dst.all()
			if len(got) != 10 || got[1].FirstName != ps[1].FirstName || got[2].Email != ps[3].Email {
				t.Fatalf("target %+v", got[:3])
			}
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
			if len(got) != 1 {
				t.Fatalf("target has %d contacts, want 1: %+v", len(got), got)
			}
			if got[0].LastName != "Lovelace" {
				t.Fatalf("second source contact's last name not merged: %+v", got[0])
			}
			if rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 1 {
				t.Fatalf("counts %+v", rep.Counts)
			}
			for _, id := range []string{"a", "b", "c"} {
				if e, _, _ := st.Entry(id); e.TargetID != got[0].ID {
					t.Fatalf("%s maps to %q, want %q", id, e.TargetID, got[0].ID)
				}
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
	if dst.writes() != 0 || plan.WriteCalls != 0 {
		t.Fatalf("dry run wrote: %d", dst.writes())
	}
	if !plan.DryRun || plan.Created != 149 || plan.Updated != 2 || plan.PlannedWriteCalls != 4 {
		t.Fatalf("plan %+v", plan)
	}
	if _, ok, _ := st.Entry(ps[1].ID); ok {
		t.Fatal("dry run changed the state")
	}
	if phase, _ := st.Checkpoint(cpPhase); phase != "" {
		t.Fatalf("dry run saved phase %q", phase)
	}
	rep := run(t, src, dst, Options{State: st})
	if rep.Counts != plan.Counts || rep.WriteCalls != plan.PlannedWriteCalls {
		t.Fatalf("run %+v differs from plan %+v", rep, plan)
	}
}

func TestDryRunUpsertPlansOneWritePerContact(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 1)
	src.seed(people(20)...)
	plan := run(t, src, dst, Options{DryRun: true})
	if plan.Strategy != StrategyUpsert || plan.Created != 20 || plan.PlannedWriteCalls != 20 || dst.writes() != 0 {
		t.Fatalf("plan %+v, writes %d", plan, dst.writes())
	}
}

// refusing makes a target refuse some records with a vendor error.
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
	inner, _ := r.store.CreateContacts(ctx, ok)
	for j, it := range inner.Items {
		it.Index = at[j]
		res.Items[at[j]] = it
	}
	return res, res.Err()
}

func TestVendorRefusalsAreReportedAndTheRunContinues(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(people(30)...)
	dst := refusing{inner, func(in support.ContactInput) error {
		if strings.HasPrefix(in.Email, "person1") {
			return &support.Error{Vendor: "dst", Op: support.OpCreateContacts, Kind: support.ErrInvalid, Status: 422, Code: "E_NAME", Message: "name is reserved"}
		}
		return nil
	}}
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	// person1, person10..person19
	if rep.Failed != 11 || rep.Created != 19 || len(rep.Failures) != 11 {
		t.Fatalf("report %+v", rep)
	}
	f := rep.Failures[0]
	if f.SourceID != "src_000001" || f.Reason != "name is reserved" || f.Status != 422 || f.Code != "E_NAME" ||
		f.Kind != support.ErrInvalid.Error() || f.Input.Email != "person1@example.com" || f.Index != 1 {
		t.Fatalf("failure %+v", f)
	}
	if e, _, _ := st.Entry("src_000001"); e.Outcome != Failed || e.Reason != "name is reserved" {
		t.Fatalf("entry %+v", e)
	}
	// Failures are tried again on the next run; the rest is skipped.
	again := run(t, src, dst, Options{State: st})
	if again.Failed != 11 || again.Skipped != 19 || again.WriteCalls != 1 {
		t.Fatalf("re-run %+v", again)
	}
}

func TestInvalidInputFailsBeforeAnyWrite(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(support.Contact{ID: "bad", Email: "not an email"}, support.Contact{ID: "empty"}, person(1))
	rep := run(t, src, dst, Options{})
	if rep.Failed != 2 || rep.Created != 1 || dst.batchRecords.Load() != 1 {
		t.Fatalf("report %+v, records sent %d", rep, dst.batchRecords.Load())
	}
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
			if len(got) != 1 || got[0].Phone != "" || rep.Created != 1 || rep.Failed != 1 {
				t.Fatalf("target %+v, report %+v", got, rep)
			}
			if len(rep.Warnings) != 1 || rep.Warnings[0].Field != "phone" || !strings.Contains(rep.Warnings[0].Message, "020 7946 0958") {
				t.Fatalf("warnings %+v", rep.Warnings)
			}
			// Quinn has nothing left without the phone: a failure, with the
			// vendor's reason.
			if rep.Failures[0].SourceID != "q" || rep.Failures[0].Reason != "phone must be E.164" {
				t.Fatalf("failures %+v", rep.Failures)
			}
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
	if rep.Matched != 1 || rep.Created != 2 || inner.updates.Load() != 0 {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Field != "first_name" {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
}

// failAfter refuses the credentials once n writes went through.
type failAfter struct {
	*store
	n atomic.Int64
}

func (f *failAfter) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if f.n.Add(-1) < 0 {
		return nil, &support.Error{Vendor: "dst", Op: support.OpCreateContacts, Kind: support.ErrUnauthorized, Status: 401, Message: "token expired"}
	}
	return f.store.CreateContacts(ctx, in)
}

func TestUnauthorizedStopsTheRunAndItResumes(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 50)
	src.seed(people(200)...)
	dst := &failAfter{store: inner}
	dst.n.Store(2)
	st := openState(t)
	rep, err := Run(context.Background(), src, dst, Options{State: st})
	if !errors.Is(err, support.ErrUnauthorized) {
		t.Fatalf("err %v", err)
	}
	if rep == nil || rep.Created != 100 || rep.Complete {
		t.Fatalf("partial report %+v", rep)
	}
	if p, _ := st.Pending(); len(p) != 0 {
		t.Fatalf("intents of a refused batch left pending: %d", len(p))
	}
	dst.n.Store(1 << 30)
	rep = run(t, src, dst, Options{State: st})
	if !rep.Resumed || rep.Created != 100 || !rep.Complete {
		t.Fatalf("resumed report %+v", rep)
	}
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
	if calls < 75 || last.Processed != 75 || last.Created != 75 || last.Phase != PhaseDone || last.WriteCalls != 1 {
		t.Fatalf("%d calls, last %+v", calls, last)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"created": 75.0, "processed": 75.0, "write_calls": 1.0, "strategy": "batch", "complete": true} {
		if m[k] != want {
			t.Errorf("JSON %s = %v, want %v (%s)", k, m[k], want, b)
		}
	}
}

func TestStateGuards(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(5)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	other := newStore("other", 100)
	if _, err := Run(context.Background(), src, other, Options{State: st}); !errors.Is(err, support.ErrInvalid) {
		t.Fatalf("another target with the same state: %v", err)
	}
	// An interrupted batch pass cannot be finished with the upsert strategy.
	if err := st.Commit(&Commit{Checkpoints: map[string]string{cpPhase: phaseCopy}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), src, dst, Options{State: st, Strategy: StrategyUpsert}); !errors.Is(err, support.ErrInvalid) {
		t.Fatalf("strategy change mid-pass: %v", err)
	}
	if _, err := Run(context.Background(), src, dst, Options{MatchKeys: []support.MatchKey{"name"}}); !errors.Is(err, support.ErrInvalid) {
		t.Fatalf("unknown match key: %v", err)
	}
	noList := capsOverride{src, without(src.caps, 1, support.OpListContacts)}
	if _, err := Run(context.Background(), noList, dst, Options{}); !errors.Is(err, support.ErrUnsupported) {
		t.Fatalf("source without list: %v", err)
	}
}

func TestExportCSV(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(person(1), person(3), support.Contact{ID: "bad", Email: "nope"})
	st := openState(t)
	run(t, src, dst, Options{State: st})
	var buf bytes.Buffer
	if err := st.ExportCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"source_id", "target_id", "outcome", "resolved", "keys", "warnings", "reason"},
		{"bad", "", "failed", "false", "email:nope", "", `email: "nope" is not a valid address`},
		{"src_000001", "dst_1", "created", "false", "email:person1@example.com", "", ""},
		{"src_000003", "dst_2", "created", "false", "email:person3@example.com phone:+442079400003", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
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
			if again.Skipped != 500 || again.WriteCalls != 0 || st.commits < 50/maxWindowPages {
				t.Fatalf("re-run %+v with %d commits", again.Counts, st.commits)
			}
		})
	}
}

// lossy is a target that cannot hold a language: it drops it and says so,
// on every write.
type lossy struct{ *store }

var noLanguage = support.Warning{Field: "language", Message: "not supported by this vendor"}

func (l lossy) CreateContacts(ctx context.Context, ins []support.ContactInput) (*support.BatchResult, error) {
	stripped := make([]support.ContactInput, len(ins))
	for i, in := range ins {
		stripped[i], stripped[i].Language = in, ""
	}
	res, err := l.store.CreateContacts(ctx, stripped)
	for i := range res.Items {
		if ins[i].Language != "" {
			res.Items[i].Warnings = append(res.Items[i].Warnings, noLanguage)
		}
	}
	return res, err
}

func (l lossy) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	warn := u.Language != nil
	u.Language = nil
	res, err := l.store.UpdateContact(ctx, ref, u)
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
	if rep.Created != 2 || rep.Unchanged != 1 || inner.updates.Load() != 0 {
		t.Fatalf("report %+v, updates %d", rep.Counts, inner.updates.Load())
	}
	if rep.WarningCounts["language"] != 2 || len(rep.Warnings) != 2 || rep.Warnings[0].SourceID != ps[0].ID {
		t.Fatalf("warnings %+v %v", rep.Warnings, rep.WarningCounts)
	}
	var buf bytes.Buffer
	if err := st.ExportCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "language: not supported by this vendor") {
		t.Fatalf("CSV without the warning:\n%s", buf.String())
	}
}

// tidyLike is a target like TidySupport: no batch, no update, and an upsert
// that returns a known contact as it is (Matched), with warnings for what
// differs.
type tidyLike struct{ *store }

func (t tidyLike) Capabilities() support.Capabilities {
	return without(t.store.caps, 1, support.OpCreateContacts, support.OpUpdateContact)
}

func (t tidyLike) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	t.upserts.Add(1)
	if c, err := t.store.GetContact(ctx, support.Email(in.Email)); err == nil {
		_, fields := diff(in, c.Input(), func(string) bool { return false })
		res := &support.ContactResult{Contact: c, Outcome: support.Matched}
		for _, f := range fields {
			res.Warnings = append(res.Warnings, support.Warning{Field: f, Message: "not updated"})
		}
		return res, nil
	}
	return t.store.CreateContact(ctx, in)
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
	if plan.Strategy != StrategyUpsert || plan.Matched != 1 || plan.Created != 3 || plan.PlannedWriteCalls != 4 {
		t.Fatalf("plan %+v", plan)
	}
	rep := run(t, src, dst, Options{})
	if rep.Counts != plan.Counts || rep.WriteCalls != 4 {
		t.Fatalf("report %+v, plan %+v", rep, plan)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Field != "first_name" || rep.Warnings[0].SourceID != ps[0].ID {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
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
	if rep.Created != 60 || rep.Unchanged != 60 || dst.batchCalls.Load() != 1 || len(dst.all()) != 60 {
		t.Fatalf("report %+v, batches %d, target %d", rep.Counts, dst.batchCalls.Load(), len(dst.all()))
	}
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
	if rep.Created != 2 || len(got) != 2 || got[0].Tags[len(got[0].Tags)-1] != "from-src" || rep.WarningCounts["tags"] != 2 {
		t.Fatalf("report %+v, target %+v", rep, got)
	}
}

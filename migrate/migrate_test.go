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

package migrate

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// The same bars, against the in-process adapter rather than this package's
// fake. Sizes are smaller than R1's 10,000: the memory adapter looks
// contacts up by email and phone with a linear scan, so a run costs
// O(n²) lookups (the batch strategy keeps them to the resolution of lost
// writes; the upsert strategy makes one per contact).

// memoryWith returns a memory platform holding cs (created in order, so
// their IDs are ctc_1, ctc_2, ...).
func memoryWith(t testing.TB, pageSize int, cs []support.Contact) *memory.Platform {
	t.Helper()
	p := memory.New(memory.Config{PageSize: pageSize})
	ins := make([]support.ContactInput, len(cs))
	for i := range cs {
		ins[i] = cs[i].Input()
	}
	for chunk := range chunks(ins, memory.MaxPageSize) {
		if _, err := p.CreateContacts(context.Background(), chunk); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func chunks[T any](s []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// listAll lists every contact of p.
func listAll(t testing.TB, p support.Platform) []support.Contact {
	t.Helper()
	var out []support.Contact
	for c, err := range support.AllContacts(context.Background(), p, support.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// withSourceIDs returns cs with the IDs the memory source gave them.
func withSourceIDs(t testing.TB, src support.Platform, cs []support.Contact) []support.Contact {
	listed := listAll(t, src)
	if len(listed) != len(cs) {
		t.Fatalf("source lists %d contacts, want %d", len(listed), len(cs))
	}
	return listed
}

func TestMemoryToMemoryWithFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		upsert  bool
		seed    uint64
		batches int
	}{{"batch", 1500, false, 31, 100}, {"upsert", 400, true, 32, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ps := people(tc.n)
				// Two source contacts of one person, emails differing in case.
				twin := ps[1]
				twin.Email = strings.ToUpper(twin.Email)
				src := memoryWith(t, 100, append(ps, twin))
				var existing []support.Contact
				for i := 0; i < tc.n; i += 9 {
					c := ps[i]
					c.LastName = "Before"
					existing = append(existing, c)
				}
				inner := memoryWith(t, 0, existing)
				// The target's contacts are older than the run (in the
				// bubble's clock), as they would be.
				time.Sleep(time.Hour)
				var dst support.Platform = inner
				if tc.upsert {
					dst = capsOverride{inner, without(inner.Capabilities(), 1, support.OpCreateContacts)}
				}
				faults := newFaulty(dst, tc.seed, 0.20, 0.35)
				st := openState(t)
				rep := run(t, newFaulty(src, tc.seed, 0.20, 0), faults, Options{State: st, BatchSize: tc.batches})
				if faults.lostWrites.Load() == 0 || rep.Resolved == 0 {
					t.Fatalf("no write was lost: %d lost, %d resolved", faults.lostWrites.Load(), rep.Resolved)
				}
				checkMigrated(t, withSourceIDs(t, src, append(ps, twin)), listAll(t, inner), st)
				want := Counts{Created: tc.n - len(existing), Updated: len(existing), Unchanged: 1}
				if rep.Counts != want {
					t.Fatalf("counts %+v, want %+v", rep.Counts, want)
				}
				again := run(t, src, inner, Options{State: st, BatchSize: tc.batches})
				if again.WriteCalls != 0 || again.Skipped != tc.n+1 {
					t.Fatalf("re-run %+v", again)
				}
			})
		})
	}
}

// R2 against the memory adapter: interrupted at random calls and by
// "killed" States, resumed from the file until done.
func TestMemoryCrashAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1200
		ps := people(n)
		src := memoryWith(t, 50, ps)
		inner := memoryWith(t, 50, ps[:100:100])
		faults := newFaulty(inner, 41, 0.10, 0.5)
		path := filepath.Join(t.TempDir(), "state.db")
		rng := rand.New(rand.NewPCG(41, 1))
		for stops := 0; ; stops++ {
			if stops > 1000 {
				t.Fatal("no progress")
			}
			st, err := OpenState(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			dst := &interrupter{Platform: faults, left: 1 + rng.IntN(30), after: rng.IntN(2) == 0, cancel: cancel}
			var state State = st
			if rng.IntN(3) == 0 {
				dst.left = 1 << 30
				state = &killState{State: st, left: rng.IntN(6)}
			}
			_, err = Run(ctx, src, dst, Options{State: state, BatchSize: 40})
			cancel()
			if cerr := st.Close(); cerr != nil {
				t.Fatal(cerr)
			}
			if err == nil {
				break
			}
			if !errors.Is(err, context.Canceled) && !errors.Is(err, errKilled) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		st, err := OpenState(path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		checkMigrated(t, withSourceIDs(t, src, ps), listAll(t, inner), st)
		again := run(t, src, inner, Options{State: st})
		if again.WriteCalls != 0 {
			t.Fatalf("re-run sent %d writes", again.WriteCalls)
		}
	})
}

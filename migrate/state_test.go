package migrate

import (
	"path/filepath"
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/support"
)

// Both States behave the same.
func TestStates(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) State
	}{
		{"file", func(t *testing.T) State { return openState(t) }},
		{"memory", func(t *testing.T) State { return newMemState() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.open(t)
			ada := Target{ID: "t1", Keys: []string{"email:ada@x.io", "phone:+442079460958"},
				Fields: support.ContactInput{FirstName: "Ada", Email: "Ada@x.io", Tags: []string{"a"}, CustomFields: map[string]string{"k": "v"}}}
			other := Target{ID: "t2", Keys: []string{"email:ada@x.io", "external_id:9"}, Fields: support.ContactInput{Email: "ada@x.io"}}
			err := st.Commit(&Commit{
				Entries: []Entry{
					{SourceID: "s1", Outcome: Pending, Keys: []string{"email:ada@x.io"}},
					{SourceID: "s2", TargetID: "t2", Outcome: Created, Warnings: []support.Warning{{Field: "language", Message: "dropped"}}},
				},
				Targets:     []Target{ada, other},
				Checkpoints: map[string]string{cpSourceCursor: "c1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			// The first contact with a key keeps it.
			if got, ok, err := st.Lookup("email:ada@x.io"); err != nil || !ok || !reflect.DeepEqual(got, ada) {
				t.Fatalf("lookup %+v %v %v", got, ok, err)
			}
			if got, ok, _ := st.Lookup("external_id:9"); !ok || got.ID != "t2" {
				t.Fatalf("lookup t2 %+v", got)
			}
			if _, ok, _ := st.Lookup("email:nobody@x.io"); ok {
				t.Fatal("found a key never stored")
			}
			p, err := st.Pending()
			if err != nil || len(p) != 1 || p[0].SourceID != "s1" || p[0].Keys[0] != "email:ada@x.io" {
				t.Fatalf("pending %+v %v", p, err)
			}
			if e, ok, _ := st.Entry("s2"); !ok || e.TargetID != "t2" || e.Warnings[0].Field != "language" {
				t.Fatalf("entry %+v", e)
			}
			if v, _ := st.Checkpoint(cpSourceCursor); v != "c1" {
				t.Fatalf("checkpoint %q", v)
			}
			// Resolving the intent clears it; dropping an entry removes it;
			// resetting the index forgets every target.
			err = st.Commit(&Commit{
				ResetIndex: true,
				Entries:    []Entry{{SourceID: "s1", TargetID: "t1", Outcome: Created, Resolved: true}},
				Drop:       []string{"s2"},
				Targets:    []Target{other},
			})
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := st.Pending(); len(p) != 0 {
				t.Fatalf("pending after resolve %+v", p)
			}
			if _, ok, _ := st.Entry("s2"); ok {
				t.Fatal("dropped entry still there")
			}
			if got, ok, _ := st.Lookup("email:ada@x.io"); !ok || got.ID != "t2" {
				t.Fatalf("after reset, lookup %+v", got)
			}
			if _, ok, _ := st.Lookup("phone:+442079460958"); ok {
				t.Fatal("reset kept a key")
			}
		})
	}
}

func TestFileStateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(&Commit{Entries: []Entry{{SourceID: "a", Outcome: Pending, Keys: []string{"email:a@x.io"}}}}); err != nil {
		t.Fatal(err)
	}
	// A second process cannot open the same file while it is held: it
	// gives up after bbolt's lock timeout (instant in the bubble).
	synctest.Test(t, func(t *testing.T) {
		if _, err := OpenState(path); err == nil {
			t.Fatal("opened a state file twice")
		}
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, _ := st.Pending(); len(p) != 1 || p[0].SourceID != "a" {
		t.Fatalf("pending after reopen %+v", p)
	}
	if _, err := OpenState(filepath.Join(t.TempDir(), "missing", "dir", "s.db")); err == nil {
		t.Fatal("opened a state in a missing directory")
	}
}

func TestOverlayNeverWritesItsBase(t *testing.T) {
	base := newMemState()
	_ = base.Commit(&Commit{
		Entries:     []Entry{{SourceID: "s", TargetID: "t", Outcome: Created}},
		Targets:     []Target{{ID: "t", Keys: []string{"email:a@x.io"}}},
		Checkpoints: map[string]string{cpPhase: phaseCopy},
	})
	o := newOverlay(base)
	if e, ok, _ := o.Entry("s"); !ok || e.TargetID != "t" {
		t.Fatal("overlay does not read through")
	}
	if _, ok, _ := o.Lookup("email:a@x.io"); !ok {
		t.Fatal("overlay does not read the base index")
	}
	_ = o.Commit(&Commit{ResetIndex: true, Entries: []Entry{{SourceID: "n", Outcome: Created}},
		Checkpoints: map[string]string{cpPhase: phaseIndex}})
	if _, ok, _ := o.Lookup("email:a@x.io"); ok {
		t.Fatal("reset overlay still reads the base index")
	}
	if v, _ := o.Checkpoint(cpPhase); v != phaseIndex {
		t.Fatalf("overlay checkpoint %q", v)
	}
	if _, ok, _ := base.Entry("n"); ok {
		t.Fatal("overlay wrote its base")
	}
	if v, _ := base.Checkpoint(cpPhase); v != phaseCopy {
		t.Fatal("overlay wrote its base's checkpoint")
	}
	if _, ok, _ := base.Lookup("email:a@x.io"); !ok {
		t.Fatal("overlay reset its base's index")
	}
}

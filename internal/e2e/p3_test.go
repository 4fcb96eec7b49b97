package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// P3: 10,000 contacts into Tidio take at most 110 write requests, counted
// by the Tidio simulator: batches of 100, not 10,000 single creates. The
// source is a respond.io holding 10,000 contacts (the people of
// seedPopulation but the name-only ones, which it cannot hold); the target
// starts empty.
func TestP3FewestWriteRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, dst := newKit("respondio", kitOptions{Seed: 31}), newKit("tidio", kitOptions{Seed: 32})
		held := 0
		for i := 0; held < 10_000; i++ {
			if _, ok := src.seed(person(i)); ok {
				held++
			}
		}
		st := openState(t, filepath.Join(t.TempDir(), "state.db"))
		defer st.Close()
		rep := runToEnd(t, context.Background(), src.inProcess(t, nil, pacing{}), dst.inProcess(t, nil, pacing{}),
			migrate.Options{State: st, PageSize: 100})
		writes := dst.stats.Writes()
		if rep.Created != 10_000 || len(dst.store()) != 10_000 {
			t.Fatalf("created %d, Tidio holds %d; want 10,000", rep.Created, len(dst.store()))
		}
		if writes > 110 {
			t.Fatalf("%d write requests for 10,000 contacts; want at most 110", writes)
		}
		t.Logf("10,000 contacts into Tidio in %d write requests (%v)", writes, dst.stats.Counts())
	})
}

// P3, issue 11: the updates of a batch migration into Tidio go in Tidio's
// batch update (PATCH /contacts/batch, 1 to 100 contacts): after the
// 10,000 contacts of P3 are migrated and every one of them changes in the
// source, the next run brings the 10,000 up to date in at most 110 write
// requests, counted by the Tidio simulator (one PATCH each before), and
// Tidio holds the new values.
func TestP3BatchUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, dst := newKit("respondio", kitOptions{Seed: 33}), newKit("tidio", kitOptions{Seed: 34})
		var ids []string
		for i := 0; len(ids) < 10_000; i++ {
			if id, ok := src.seed(person(i)); ok {
				ids = append(ids, id)
			}
		}
		st := openState(t, filepath.Join(t.TempDir(), "state.db"))
		defer st.Close()
		source, target := src.inProcess(t, nil, pacing{}), dst.inProcess(t, nil, pacing{})
		opts := migrate.Options{State: st, PageSize: 100}
		first := runToEnd(t, context.Background(), source, target, opts)
		if first.Created != 10_000 {
			t.Fatalf("created %d; want 10,000", first.Created)
		}

		ctx := context.Background()
		for i, id := range ids {
			last := fmt.Sprintf("Changed%05d", i)
			if _, err := source.UpdateContact(ctx, support.ID(id), support.ContactUpdate{LastName: &last}); err != nil {
				t.Fatalf("change source contact %s: %v", id, err)
			}
		}
		writes := dst.stats.Writes()
		rep := runToEnd(t, ctx, source, target, opts)
		writes = dst.stats.Writes() - writes
		if rep.Changed != 10_000 || rep.Failed != 0 {
			t.Fatalf("changed %d, failed %d; want 10,000 changed (report %+v)", rep.Changed, rep.Failed, rep.Counts)
		}
		if int(writes) != rep.WriteCalls {
			t.Errorf("the report says %d write requests, the simulator saw %d", rep.WriteCalls, writes)
		}
		changed := 0
		for _, c := range dst.store() {
			if strings.Contains(c.Name, " Changed") {
				changed++
			}
		}
		if changed != 10_000 {
			t.Fatalf("Tidio holds %d contacts with their new last name; want 10,000", changed)
		}
		if writes > 110 {
			t.Fatalf("%d write requests for 10,000 changed contacts; want at most 110", writes)
		}
		t.Logf("10,000 changed contacts into Tidio in %d write requests (%v)", writes, dst.stats.Counts())
	})
}

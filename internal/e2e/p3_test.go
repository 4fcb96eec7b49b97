package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/migrate"
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

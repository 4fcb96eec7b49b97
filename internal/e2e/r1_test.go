package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/migrate"
)

// r1Size is the number of people R1 migrates in each direction.
const r1Size = 10_000

// r1Reduced is the size of the directions R1 runs smaller under the race
// detector (see TestR1NothingLostNothingDoubled).
const r1Reduced = 2_000

// r1Full are the directions R1 runs at full size even under the race
// detector: one into each target (Tidio's batches; respond.io's upserts
// that update; TidySupport's that cannot), and one from each source
// (Tidio's with source duplicates and name-only contacts).
var r1Full = map[[2]string]bool{
	{"tidysupport", "tidio"}:     true,
	{"tidio", "respondio"}:       true,
	{"respondio", "tidysupport"}: true,
}

// R1: 10,000 people in each of the six directions between the three
// vendors' simulators, with 20% of the requests to both sides faulted (429
// with and without Retry-After, 503, resets before processing, and 7%
// committed then lost), end with nothing lost and nothing doubled in the
// target simulator's store, and every source ID mapped to exactly one target
// ID (see verify). The traffic goes through the simulators' in-process
// transport in a synctest bubble, so waits cost no real time; the adapters
// keep their default pacing (the vendors' documented limits), in fake time.
//
// Under the race detector, which makes this HTTP traffic about seven times
// slower (some four minutes for the six directions on two cores), the three
// directions of r1Full run at 10,000 and the three others at 2,000; without
// it (go test ./internal/e2e, about 40 s), all six run at 10,000.
func TestR1NothingLostNothingDoubled(t *testing.T) {
	seed := uint64(0)
	for _, from := range vendorNames {
		for _, to := range vendorNames {
			if from == to {
				continue
			}
			seed += 10
			n := r1Size
			if raceEnabled && !r1Full[[2]string{from, to}] {
				n = r1Reduced
			}
			t.Run(from+"-to-"+to, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) { r1(t, from, to, n, seed) })
			})
		}
	}
}

func r1(t *testing.T, from, to string, n int, seed uint64) {
	src, dst := newKit(from, kitOptions{Seed: seed}), newKit(to, kitOptions{Seed: seed + 1})
	pop := seedPopulation(t, src, dst, n)
	injectR1(src.faults)
	injectR1(dst.faults)
	injectListFaults(src)
	injectListFaults(dst)
	st := openState(t, filepath.Join(t.TempDir(), "state.db"))
	defer st.Close()
	logs := newLogLines()
	sp, dp := src.inProcess(t, nil, pacing{Logger: slog.New(logs)}), dst.inProcess(t, nil, pacing{Logger: slog.New(logs)})
	// A call is tried up to 20 times (8 by default): at a 20% fault rate,
	// a call failing 8 times in a row among some 40,000 is not rare enough
	// for a test that must pass every time; the run would stop, to be
	// resumed, which R2 covers.
	rep := runToEnd(t, context.Background(), sp, dp, migrate.Options{State: st, PageSize: 100, MaxAttempts: 20})

	// The shares are measured on all the requests, to both sides; the
	// target's alone must have at least 5% of its requests committed then
	// lost too (a source of a few pages has few requests to draw from).
	total := float64(src.stats.Total() + dst.stats.Total())
	all := float64(src.faults.Injected()+dst.faults.Injected()) / total
	lost := float64(src.faults.Counts()[sim.KindCommittedThenLost]+dst.faults.Counts()[sim.KindCommittedThenLost]) / total
	_, dstLost := faultShare(dst)
	if all < 0.18 || lost < 0.05 || dstLost < 0.05 {
		t.Errorf("%.1f%% of %.0f requests faulted, %.1f%% committed then lost (%.1f%% of the target's); want 20%% and at least 5%%",
			100*all, total, 100*lost, 100*dstLost)
	}
	c := verify(t, dst, st, pop)

	// S6: the echoed credentials appear in no log line and nowhere in the
	// report (its failures carry the vendors' messages).
	for _, k := range []*kit{src, dst} {
		if k.faults.Counts()[sim.KindCredentialEcho] == 0 {
			t.Errorf("%s: no credential echo injected: %v", k.name, k.faults.Counts())
		}
	}
	if src.faults.Counts()[sim.KindMalformedPage] == 0 {
		t.Errorf("%s: no malformed page injected: %v", src.name, src.faults.Counts())
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(logs.all(), string(js))
	if bad := leaks(append(src.secrets, dst.secrets...), texts); len(bad) > 0 {
		t.Errorf("%d of %d log lines and reports show a credential, such as %.300q", len(bad), len(texts), bad[0])
	}
	t.Logf("%s → %s: %d source contacts (%d in the target before): %d mapped, %d reported; report %+v, resolved %d, retries %d, write calls %d; %d log lines checked for credentials",
		from, to, len(pop.source), len(pop.existing), c.mapped, c.reported, rep.Counts, rep.Resolved, rep.Retries, rep.WriteCalls, len(texts))
	for _, k := range []*kit{src, dst} {
		all, lost := faultShare(k)
		t.Logf("  %s: %d requests, %.1f%% faulted, %.1f%% committed then lost: %v", k.name, k.stats.Total(), 100*all, 100*lost, k.faults.Counts())
	}

	// A finished migration re-runs with 0 write requests (faults off).
	src.faults.Clear()
	dst.faults.Clear()
	before := dst.stats.Writes()
	again := runToEnd(t, context.Background(), sp, dp, migrate.Options{State: st, PageSize: 100})
	if w := dst.stats.Writes() - before; w != 0 || again.Created+again.Updated != 0 {
		t.Fatalf("re-run sent %d write requests: %+v", w, again.Counts)
	}
	if again.Skipped != c.mapped {
		t.Fatalf("re-run skipped %d, want %d", again.Skipped, c.mapped)
	}
}

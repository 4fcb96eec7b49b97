package events_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// Point 3, "Done when": the request budget holds, counted at the
// simulator, retries of 429s and 5xx included (a fifth of the requests
// fail, and are retried). Thirty open conversations need 32 requests a
// poll, and polls follow each other a second apart, more than the budget
// of 30 a minute allows: the feed waits, and over ten minutes sends at most
// the budget plus the burst Watch documents (30/6 requests, and the seven
// requests beyond the first that one call may send: the adapter's three
// retries, a re-read of an empty last page and its three retries).
func TestWatchKeepsToItsBudget(t *testing.T) {
	const budget, minutes = 30, 10
	const burst = budget/6 + 7
	synctest.Test(t, func(t *testing.T) {
		s, c := respondSim(t, func(cfg *respondio.Config) { cfg.RetryBudget = retries })
		for i := range 30 {
			ct := seedOpen(t, s, fmt.Sprintf("c%d@example.com", i))
			seedMessage(t, s, ct.ID, "before", time.Time{})
		}
		for _, m := range []sim.Match{{Method: "POST", Path: "/v2/contact/list"}, {Method: "GET", Path: "/v2/contact/"}} {
			s.Faults.Chance(0.1, m, sim.RateLimit(""))
			s.Faults.Chance(0.1, m, sim.Unavailable(503))
		}
		// Replies keep coming, so that polls have something to hand on.
		stop := make(chan struct{})
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(7 * time.Second):
					seedMessage(t, s, int64(i%30+1), "more", time.Time{})
				}
			}
		}()
		ctx, cancel := context.WithTimeout(t.Context(), minutes*time.Minute)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Budget: budget, Interval: time.Second, Logger: slog.New(slog.DiscardHandler)}, nil)
		close(stop)

		total := s.Stats.Total()
		assert.LessOrEqual(t, total, budget*minutes+burst, "requests at the simulator")
		assert.GreaterOrEqual(t, total, budget*minutes*3/4, "the feed uses its budget")
		require.Positive(t, s.Faults.Counts()[sim.KindRateLimit])
		require.Positive(t, s.Faults.Counts()[sim.KindUnavailable])
		require.NotEmpty(t, f.events)
		t.Logf("%d requests in %d minutes at %d a minute; faults %v; %d events, %d failed polls", total, minutes, budget, s.Faults.Counts(), len(f.events), len(f.errs))
	})
}

// The burst: a feed that has not spent its budget sends a sixth of it at
// once, then one request per 60/Budget seconds.
func TestWatchBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := respondSim(t)
		for i := range 12 {
			seedOpen(t, s, fmt.Sprintf("c%d@example.com", i))
		}
		// 14 requests: contacts, conversations, 12 message lists.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		var sent []time.Duration
		for range events.Watch(ctx, c, events.WatchOptions{Budget: 60, Checkpoint: &timingCheckpoint{saved: func() {
			sent = append(sent, time.Since(start))
		}}}) {
		}
		require.Len(t, sent, 1, "one poll, one save")
		assert.Equal(t, 14, s.Stats.Total())
		// 10 at once, then 4 more one second apart: the last begins at 4 s.
		assert.Equal(t, 4*time.Second, sent[0])
	})
}

// timingCheckpoint calls saved on each Save.
type timingCheckpoint struct {
	events.MemoryCheckpoint
	saved func()
}

func (c *timingCheckpoint) Save(ctx context.Context, data []byte) error {
	c.saved()
	return c.MemoryCheckpoint.Save(ctx, data)
}

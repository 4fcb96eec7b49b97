package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// feed is what a run of Watch handed on.
type feed struct {
	events []events.Event
	errs   []error
}

// ids returns the DeliveryIDs of f's events, in order.
func (f feed) ids() []string {
	out := make([]string, len(f.events))
	for i, ev := range f.events {
		out[i] = ev.DeliveryID
	}
	return out
}

// kinds returns the kinds of f's events, in order.
func (f feed) kinds() []events.Kind {
	out := make([]events.Kind, len(f.events))
	for i, ev := range f.events {
		out[i] = ev.Kind
	}
	return out
}

// watch runs Watch until ctx ends, or until stop returns true for an event
// handed on (the loop then breaks), and returns what it handed on.
func watch(ctx context.Context, c *support.Client, opts events.WatchOptions, stop func(n int, ev events.Event) bool) feed {
	var f feed
	for ev, err := range events.Watch(ctx, c, opts) {
		if err != nil {
			f.errs = append(f.errs, err)
			continue
		}
		f.events = append(f.events, ev)
		if stop != nil && stop(len(f.events), ev) {
			break
		}
	}
	return f
}

// at runs each step in its own goroutine of the bubble at its offset from
// now, in order, and returns a wait for them all.
func at(steps map[time.Duration]func()) (wait func()) {
	var wg sync.WaitGroup
	for d, step := range steps {
		wg.Go(func() {
			time.Sleep(d)
			step()
		})
	}
	return wg.Wait
}

// respondSim returns a respond.io simulator on the bubble's clock and a
// client on it without a client-side rate limit, changed by mod.
func respondSim(t *testing.T, mod ...func(*respondio.Config)) (*respondiotest.Simulator, *support.Client) {
	t.Helper()
	s := respondiotest.New(respondiotest.Options{RealTime: true, Seed: 7})
	cfg := respondio.Config{Token: respondiotest.Token, BaseURL: respondiotest.InProcessURL, HTTPClient: s.InProcess(), RateLimit: -1}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := respondio.New(cfg)
	require.NoError(t, err)
	return s, c
}

// flakyCheckpoint is a MemoryCheckpoint whose Saves fail when fail says so.
type flakyCheckpoint struct {
	events.MemoryCheckpoint
	saves int
	fail  func(n int) bool
}

func (f *flakyCheckpoint) Save(ctx context.Context, data []byte) error {
	f.saves++
	if f.fail != nil && f.fail(f.saves) {
		return errors.New("store down")
	}
	return f.MemoryCheckpoint.Save(ctx, data)
}

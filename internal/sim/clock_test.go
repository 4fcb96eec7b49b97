package sim_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestClockManual(t *testing.T) {
	var c sim.Clock
	if got := c.Now(); !got.Equal(sim.Epoch) {
		t.Fatalf("zero Clock reads %v, want Epoch %v", got, sim.Epoch)
	}
	if got := c.Advance(90 * time.Second); !got.Equal(sim.Epoch.Add(90 * time.Second)) {
		t.Fatalf("Advance returned %v", got)
	}
	if got := c.Now(); !got.Equal(sim.Epoch.Add(90 * time.Second)) {
		t.Fatalf("after Advance, Now = %v", got)
	}
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 3600))
	c.Set(at)
	got := c.Now()
	if !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("after Set, Now = %v (%v), want %v in UTC", got, got.Location(), at)
	}
	c.Advance(-time.Hour)
	if got := c.Now(); !got.Equal(at.Add(-time.Hour)) {
		t.Fatalf("Advance backwards: %v", got)
	}

	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := sim.NewClock(start).Now(); !got.Equal(start) {
		t.Fatalf("NewClock(start).Now() = %v", got)
	}
	if got := sim.NewClock(time.Time{}).Now(); !got.Equal(sim.Epoch) {
		t.Fatalf("NewClock(zero).Now() = %v", got)
	}
}

func TestClockManualSleepAdvancesWithoutWaiting(t *testing.T) {
	c := sim.NewClock(time.Time{})
	if err := c.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(sim.Epoch.Add(time.Hour)) {
		t.Fatalf("after Sleep(1h), Now = %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep with a cancelled context = %v", err)
	}
	if got := c.Now(); !got.Equal(sim.Epoch.Add(time.Hour)) {
		t.Fatalf("a cancelled Sleep moved the clock to %v", got)
	}
}

func TestRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := sim.RealClock()
		if d := time.Until(c.Now()); d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("RealClock is %v off the wall clock", d)
		}
		c.Advance(time.Hour)
		if d := time.Until(c.Now()); d != time.Hour {
			t.Fatalf("after Advance(1h), RealClock is %v ahead", d)
		}
		target := time.Now().Add(-time.Minute)
		c.Set(target)
		if got := c.Now(); !got.Equal(target) {
			t.Fatalf("after Set, Now = %v, want %v", got, target)
		}
		// Real time passes for a real clock (fake time, inside synctest).
		before := c.Now()
		if err := c.Sleep(t.Context(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if d := c.Now().Sub(before); d != 5*time.Second {
			t.Fatalf("Sleep(5s) let %v pass", d)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Sleep past the deadline = %v", err)
		}
	})
}

func TestNilClockReadsWallClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c *sim.Clock
		if got := c.Now(); !got.Equal(time.Now()) {
			t.Fatalf("nil Clock reads %v, want %v", got, time.Now())
		}
		start := time.Now()
		if err := c.Sleep(t.Context(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Fatalf("nil Clock Sleep(1m) took %v", d)
		}
	})
}

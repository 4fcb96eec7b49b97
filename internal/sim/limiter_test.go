package sim_test

import (
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestLimiterWindow(t *testing.T) {
	clock := sim.NewClock(time.Time{})
	l := &sim.Limiter{Limit: 3, Window: time.Minute, Clock: clock}
	start := clock.Now()

	for i, wantRemaining := range []int{2, 1, 0} {
		d := l.Allow("project")
		if !d.Allowed || d.Remaining != wantRemaining || d.Limit != 3 {
			t.Fatalf("request %d: %+v", i, d)
		}
		if !d.ResetAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("request %d: window ends %v, want a minute after its first request", i, d.ResetAt)
		}
		clock.Advance(10 * time.Second)
	}
	// 30 s into the window: denied, 30 s to go.
	d := l.Allow("project")
	if d.Allowed || d.Remaining != 0 || d.ResetIn != 30*time.Second || d.RetryAfterSeconds() != 30 {
		t.Fatalf("4th request: %+v (RetryAfterSeconds %d)", d, d.RetryAfterSeconds())
	}
	// Denied requests do not count: still denied just before the end...
	clock.Advance(30*time.Second - time.Millisecond)
	d = l.Allow("project")
	if d.Allowed || d.ResetIn != time.Millisecond || d.RetryAfterSeconds() != 1 {
		t.Fatalf("1 ms before the end: %+v (RetryAfterSeconds %d)", d, d.RetryAfterSeconds())
	}
	// ...and a fresh window opens exactly at the end.
	clock.Advance(time.Millisecond)
	d = l.Allow("project")
	if !d.Allowed || d.Remaining != 2 || d.ResetIn != time.Minute {
		t.Fatalf("at the window's end: %+v", d)
	}

	// Keys are independent.
	if d := l.Allow("other"); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("another key: %+v", d)
	}
}

func TestLimiterWindowOpensAtFirstRequestAfterIdle(t *testing.T) {
	clock := sim.NewClock(time.Time{})
	l := &sim.Limiter{Limit: 1, Window: time.Second, Clock: clock}
	l.Allow("k")
	clock.Advance(5500 * time.Millisecond) // long idle: several windows passed
	d := l.Allow("k")
	if !d.Allowed || d.ResetIn != time.Second {
		t.Fatalf("after idle: %+v, want a new full window", d)
	}
	if d := l.Allow("k"); d.Allowed || d.RetryAfterSeconds() != 1 {
		t.Fatalf("second in the window: %+v", d)
	}
}

func TestLimiterDefaults(t *testing.T) {
	var unlimited sim.Limiter
	for range 1000 {
		if d := unlimited.Allow("k"); !d.Allowed {
			t.Fatal("the zero Limiter denied a request")
		}
	}
	clock := sim.NewClock(time.Time{})
	l := &sim.Limiter{Limit: 1, Clock: clock} // Window zero: one minute
	l.Allow("k")
	if d := l.Allow("k"); d.Allowed || d.ResetIn != time.Minute {
		t.Fatalf("default window: %+v", d)
	}
	if got := (sim.Decision{Allowed: true, ResetIn: 1500 * time.Millisecond}).RetryAfterSeconds(); got != 2 {
		t.Fatalf("RetryAfterSeconds rounds 1.5 s to %d, want 2", got)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := &sim.Limiter{Limit: 100, Clock: sim.NewClock(time.Time{})}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if l.Allow("k").Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("%d of 400 concurrent requests allowed, limit 100", allowed)
	}
}

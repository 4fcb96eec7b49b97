package sim

import (
	"context"
	"sync"
	"time"
)

// Epoch is where a manual Clock starts: a fixed instant, so that timestamps
// in simulator responses are the same in every run.
var Epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Clock is a simulator's notion of now. It is manual by default: it reads
// Epoch until Set or Advance moves it, so responses carry deterministic
// timestamps. RealClock makes one that follows the wall clock instead, for
// benchmarks where a simulator enforces rate limits in real time.
//
// The zero Clock is a manual clock at Epoch. A nil *Clock reads the wall
// clock (Now and Sleep only). A Clock is safe for concurrent use. Every time
// it returns is in UTC.
type Clock struct {
	mu   sync.Mutex
	real bool
	// manual mode: the current instant; the zero value stands for Epoch.
	now time.Time
	// real mode: how far this clock runs ahead of the wall clock.
	offset time.Duration
}

// NewClock returns a manual clock reading start (Epoch if start is zero).
func NewClock(start time.Time) *Clock {
	c := &Clock{}
	if !start.IsZero() {
		c.now = start.UTC().Round(0)
	}
	return c
}

// RealClock returns a clock that follows the wall clock. Set and Advance
// shift it relative to the wall clock, which lets a test skip ahead to the
// end of a rate-limit window without waiting.
func RealClock() *Clock { return &Clock{real: true} }

// Now returns the current instant, in UTC.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now().UTC().Round(0)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.real {
		return time.Now().Add(c.offset).UTC().Round(0)
	}
	if c.now.IsZero() {
		return Epoch
	}
	return c.now
}

// Set moves the clock to t, forwards or backwards.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		c.offset = time.Until(t)
		return
	}
	c.now = t.UTC().Round(0)
}

// Advance moves the clock forward by d (backwards if d is negative) and
// returns the new instant.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		c.offset += d
	} else {
		c.now = c.nowLocked().Add(d)
	}
	return c.nowLocked()
}

// Sleep waits for d or until ctx is done, whichever comes first, and returns
// ctx.Err() in the latter case. A manual clock does not wait at all: it
// advances itself by d and returns at once, so a simulated delay costs no
// real time. A real (or nil) clock waits on a timer, which inside a
// testing/synctest bubble is fake time too.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c != nil && !c.isReal() {
		if d > 0 {
			c.Advance(d)
		}
		return nil
	}
	return sleepContext(ctx, d)
}

func (c *Clock) isReal() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real
}

// sleepContext waits for d on a real timer, giving up when ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

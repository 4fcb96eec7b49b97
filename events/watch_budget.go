package events

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// bucket is the token bucket of a feed's request budget: it fills at rate
// tokens a second up to size, and a call's requests are taken after the
// call, so that it may go below zero (see Watch, "Budget").
type bucket struct {
	rate   float64 // tokens a second
	size   float64
	tokens float64
	last   time.Time // when tokens was last brought up to date; zero: full
}

// newBucket returns a full bucket for perMinute requests a minute, holding
// ten seconds' worth, at least one request.
func newBucket(perMinute int) *bucket {
	size := max(1, float64(perMinute/6))
	return &bucket{rate: float64(perMinute) / 60, size: size, tokens: size}
}

// fill brings tokens up to now.
func (b *bucket) fill(now time.Time) {
	if !b.last.IsZero() {
		b.tokens = min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// wait returns once the bucket holds a request, or with ctx's error.
func (b *bucket) wait(ctx context.Context, log *slog.Logger) error {
	for {
		b.fill(time.Now())
		if b.tokens >= 1 {
			return nil
		}
		d := time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
		log.LogAttrs(ctx, slog.LevelDebug, "events: watch: waiting for the request budget", slog.Duration("wait", d))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take removes n requests from the bucket.
func (b *bucket) take(n int64) {
	b.fill(time.Now())
	b.tokens -= float64(n)
}

// call runs one Client call within the budget: it waits for the bucket,
// runs f with a context that counts its requests, and takes them from the
// bucket.
func call[T any](ctx context.Context, w *watcher, f func(ctx context.Context) (T, error)) (T, error) {
	if err := w.budget.wait(ctx, w.log); err != nil {
		var zero T
		return zero, err
	}
	v, err := f(support.WithRequestCounts(ctx, &w.counts))
	total := w.counts.Reads() + w.counts.Writes() + w.counts.Retries()
	w.budget.take(total - w.spent)
	w.spent = total
	return v, err
}

package rest

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// bucket is the send-side state of one rate-limit bucket: the proactive
// limiter and the pause the vendor asked for.
type bucket struct {
	limiter *rate.Limiter // nil when Config.RateLimit is 0

	mu         sync.Mutex
	pauseUntil time.Time
}

// buckets holds one bucket per name, created on first use.
type buckets struct {
	limit rate.Limit
	burst int

	mu sync.Mutex
	m  map[string]*bucket
}

func (bs *buckets) get(name string) *bucket {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.m[name]
	if b == nil {
		b = &bucket{}
		if bs.limit > 0 {
			b.limiter = rate.NewLimiter(bs.limit, bs.burst)
		}
		if bs.m == nil {
			bs.m = make(map[string]*bucket)
		}
		bs.m[name] = b
	}
	return b
}

// pause stops the bucket until now+d, unless it is already paused longer.
func (b *bucket) pause(now time.Time, d time.Duration) {
	until := now.Add(d)
	b.mu.Lock()
	if until.After(b.pauseUntil) {
		b.pauseUntil = until
	}
	b.mu.Unlock()
}

// pausedFor is how long the bucket stays paused after now.
func (b *bucket) pausedFor(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pauseUntil.Sub(now)
}

// Reasons of a wait before sending, in the "rest: waiting" record and in
// errLimiterWait.
const (
	// reasonVendorLimit: the bucket is paused after a 429, or after a
	// response whose RemainingHeader said 0.
	reasonVendorLimit = "vendor rate limit"
	// reasonClientLimit: the proactive limiter (Config.RateLimit) has no
	// slot yet.
	reasonClientLimit = "client rate limit"
)

// errLimiterWait is returned by bucket.wait for a wait it will not start:
// longer than MaxWait, or ending past the call's time limit. wait is that
// delay.
type errLimiterWait struct {
	reason string        // reasonVendorLimit or reasonClientLimit
	wait   time.Duration // how long the bucket would have waited
	limit  string        // what it exceeds
}

func (e *errLimiterWait) Error() string {
	return e.reason + ": the wait for a slot (" + e.wait.String() + ") exceeds " + e.limit
}

// wait blocks until the bucket may send: first out of a pause (at most
// maxWait), then for a limiter slot. A limiter slot further away than
// maxWait, or a wait that would end after deadline (when not zero), is not
// waited for at all (errLimiterWait), so that no single wait exceeds
// maxWait and no call its time limit. announce is told of each wait before
// it starts.
func (b *bucket) wait(ctx context.Context, maxWait time.Duration, deadline time.Time, announce func(time.Duration, string)) error {
	pastDeadline := func(d time.Duration, reason string) error {
		if deadline.IsZero() || !time.Now().Add(d).After(deadline) {
			return nil
		}
		return &errLimiterWait{reason: reason, wait: d, limit: "the call's time limit"}
	}
	if d := min(b.pausedFor(time.Now()), maxWait); d > 0 {
		if err := pastDeadline(d, reasonVendorLimit); err != nil {
			return err
		}
		announce(d, reasonVendorLimit)
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if b.limiter == nil {
		return nil
	}
	r := b.limiter.Reserve()
	if !r.OK() {
		return &errLimiterWait{reason: reasonClientLimit, wait: maxWait, limit: "the maximum wait"}
	}
	d := r.Delay()
	err := pastDeadline(d, reasonClientLimit)
	if d > maxWait {
		err = &errLimiterWait{reason: reasonClientLimit, wait: d, limit: "the maximum wait"}
	}
	if err != nil {
		r.Cancel()
		return err
	}
	if d > 0 {
		announce(d, reasonClientLimit)
	}
	if err := sleep(ctx, d); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

// sleep waits for d or until ctx is done, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
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

// budget is the client-wide retry budget: a token bucket that retries drain
// and successes refill, so that a vendor outage does not turn every call into
// MaxAttempts requests (a retry storm). Tokens are counted in tenths, the
// refund unit, so ten refunds make exactly one token (no float drift).
type budget struct {
	mu     sync.Mutex
	tenths int64
	max    int64
}

func newBudget(tokens float64) *budget {
	t := int64(tokens*10 + 0.5)
	if tokens < 0 {
		t = 0
	}
	return &budget{tenths: t, max: t}
}

// spend takes one token for a retry, reporting false when none is left.
func (b *budget) spend() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tenths < 10 {
		return false
	}
	b.tenths -= 10
	return true
}

// refund puts a tenth of a token back after a success.
func (b *budget) refund() {
	b.mu.Lock()
	b.tenths = min(b.max, b.tenths+1)
	b.mu.Unlock()
}

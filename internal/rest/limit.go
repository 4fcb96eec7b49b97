package rest

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/support"
)

// bucket is the state of one rate-limit bucket in the local limiter: the
// proactive limiter and the pause the vendor asked for.
type bucket struct {
	limiter *rate.Limiter // nil when the bucket's Limit is 0

	mu         sync.Mutex
	pauseUntil time.Time
}

// LocalLimiter is a support.RateLimiter (and support.RatePauses) whose
// buckets live in this process: one golang.org/x/time/rate limiter each,
// created on first use with the rate of the RateBucket that first names
// it, and the pauses observed. Its zero value is the adapters' default
// (Config.RateLimiter nil); ratelimit/redislimit paces with one, at a
// share of each limit, while its Redis is out of reach. It is safe for
// concurrent use.
type LocalLimiter struct {
	// Share scales each bucket's Limit and Burst (a burst of at least 1):
	// 0 < Share ≤ 1; 0 means 1.
	Share float64
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]*bucket
}

var (
	_ support.RateLimiter = (*LocalLimiter)(nil)
	_ support.RatePauses  = (*LocalLimiter)(nil)
)

func (l *LocalLimiter) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

func (l *LocalLimiter) get(rb support.RateBucket) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := rb.Key()
	b := l.m[k]
	if b == nil {
		b = &bucket{}
		if rb.Limit > 0 {
			share := l.Share
			if share == 0 {
				share = 1
			}
			b.limiter = rate.NewLimiter(rb.Limit*rate.Limit(share), max(int(float64(max(rb.Burst, 1))*share), 1))
		}
		if l.m == nil {
			l.m = make(map[string]*bucket)
		}
		l.m[k] = b
	}
	return b
}

// Reserve implements support.RateLimiter.
func (l *LocalLimiter) Reserve(_ context.Context, rb support.RateBucket, maxWait time.Duration) (support.RateReservation, error) {
	b := l.get(rb)
	now := l.now()
	if d := b.pausedFor(now); d > 0 {
		return support.RateReservation{Wait: d, Paused: true}, nil
	}
	if b.limiter == nil {
		return support.RateReservation{OK: true}, nil
	}
	r := b.limiter.ReserveN(now, 1)
	if !r.OK() {
		return support.RateReservation{Wait: maxWait}, nil
	}
	d := r.DelayFrom(now)
	if d > maxWait {
		r.CancelAt(now)
		return support.RateReservation{Wait: d}, nil
	}
	return support.RateReservation{Wait: d, OK: true, Cancel: func() { r.CancelAt(l.now()) }}, nil
}

// PausedFor implements support.RatePauses.
func (l *LocalLimiter) PausedFor(_ context.Context, rb support.RateBucket) (time.Duration, error) {
	return max(l.get(rb).pausedFor(l.now()), 0), nil
}

// Observe implements support.RateLimiter.
func (l *LocalLimiter) Observe(_ context.Context, rb support.RateBucket, o support.RateObservation) error {
	if o.Pause > 0 {
		l.get(rb).pause(l.now(), o.Pause)
	}
	return nil
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

// waitSlot blocks until a request of rb may be sent: out of a pause, then
// for a slot booked with the limiter. A slot further away than maxWait, or
// a wait that would end after deadline (when not zero), is not waited for
// at all (errLimiterWait), so that no single wait exceeds maxWait and no
// call its time limit. announce is told of each wait before it starts. A
// limiter that fails (a shared store out of reach) fails the request.
func (c *Client) waitSlot(ctx context.Context, rb support.RateBucket, deadline time.Time, announce func(time.Duration, string)) error {
	rechecks := 0
	for {
		room, limit := c.maxWait, "the maximum wait"
		if !deadline.IsZero() {
			if left := time.Until(deadline); left < room {
				room, limit = max(left, 0), "the call's time limit"
			}
		}
		res, err := c.limiter.Reserve(ctx, rb, room)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &errLimiter{err: err}
		}
		switch {
		case res.Paused:
			d := min(res.Wait, c.maxWait)
			if d > room {
				return &errLimiterWait{reason: reasonVendorLimit, wait: d, limit: limit}
			}
			announce(d, reasonVendorLimit)
			if err := sleep(ctx, d); err != nil {
				return err
			}
			continue // a slot is booked after the pause
		case !res.OK:
			return &errLimiterWait{reason: reasonClientLimit, wait: res.Wait, limit: limit}
		}
		if res.Wait > 0 {
			announce(res.Wait, reasonClientLimit)
		}
		if err := sleep(ctx, res.Wait); err != nil {
			if res.Cancel != nil {
				res.Cancel()
			}
			return err
		}
		if res.Wait > 0 && rechecks < maxPauseRechecks && c.pausedNow(ctx, rb) {
			// A pause began while this request waited for its slot: the
			// slot is spent; Reserve says how long the pause lasts, and
			// books again after it.
			rechecks++
			continue
		}
		return nil
	}
}

// maxPauseRechecks bounds how many times one request goes back to Reserve
// because a pause began while it waited for its slot.
const maxPauseRechecks = 8

// pausedNow tells whether bucket rb is paused, when the limiter can say
// (support.RatePauses). A limiter that cannot, or fails to, lets the
// request go at its slot.
func (c *Client) pausedNow(ctx context.Context, rb support.RateBucket) bool {
	p, ok := c.limiter.(support.RatePauses)
	if !ok {
		return false
	}
	d, err := p.PausedFor(ctx, rb)
	if err != nil {
		c.log.DebugContext(ctx, "rest: the rate limiter could not say whether the bucket is paused", "vendor", c.vendor, "error", err)
		return false
	}
	return d > 0
}

// errLimiter is a RateLimiter's own failure.
type errLimiter struct{ err error }

func (e *errLimiter) Error() string { return "rate limiter: " + e.err.Error() }
func (e *errLimiter) Unwrap() error { return e.err }

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
	var t int64
	switch {
	case !(tokens >= 0): // negative, or NaN: no retries
	case tokens >= maxBudget:
		// A budget this large is no limit; converting it would overflow.
		t = maxBudget * 10
	default:
		t = int64(tokens*10 + 0.5)
	}
	return &budget{tenths: t, max: t}
}

// maxBudget caps a retry budget, in tokens: far more retries than any
// client makes, and its tenths fit an int64.
const maxBudget = 1 << 50

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

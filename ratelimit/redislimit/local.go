package redislimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/support"
)

// localLimiter paces buckets in this process during a FallbackLocal outage,
// at share of each bucket's Limit and Burst (golang.org/x/time/rate, as the
// adapters' default limiter), with the pauses observed meanwhile. A bucket
// keeps the rate of the RateBucket that first named it.
type localLimiter struct {
	share float64
	now   func() time.Time

	mu sync.Mutex
	m  map[string]*localBucket
}

type localBucket struct {
	lim        *rate.Limiter // nil: no proactive limit
	pauseUntil time.Time
}

// get returns b's local bucket, created on first use; l.mu must be held.
func (l *localLimiter) get(b support.RateBucket) *localBucket {
	k := b.Key()
	lb := l.m[k]
	if lb == nil {
		lb = &localBucket{}
		if b.Limit > 0 && b.Limit != rate.Inf {
			lb.lim = rate.NewLimiter(b.Limit*rate.Limit(l.share), max(int(float64(max(b.Burst, 1))*l.share), 1))
		}
		if l.m == nil {
			l.m = make(map[string]*localBucket)
		}
		l.m[k] = lb
	}
	return lb
}

// reserve is Limiter.Reserve on the local bucket.
func (l *localLimiter) reserve(b support.RateBucket, maxWait time.Duration) support.RateReservation {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lb := l.get(b)
	if d := lb.pauseUntil.Sub(now); d > 0 {
		return support.RateReservation{Wait: d, Paused: true}
	}
	if lb.lim == nil {
		return support.RateReservation{OK: true}
	}
	r := lb.lim.ReserveN(now, 1)
	if !r.OK() {
		return support.RateReservation{Wait: maxWait}
	}
	d := r.DelayFrom(now)
	if d > maxWait {
		r.CancelAt(now)
		return support.RateReservation{Wait: d}
	}
	return support.RateReservation{Wait: d, OK: true, Cancel: func() { r.CancelAt(l.now()) }}
}

// pause stops b locally for d, unless it is paused longer already.
func (l *localLimiter) pause(b support.RateBucket, d time.Duration) {
	until := l.now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if lb := l.get(b); until.After(lb.pauseUntil) {
		lb.pauseUntil = until
	}
}

// pausedFor is how long b stays paused locally.
func (l *localLimiter) pausedFor(b support.RateBucket) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.get(b).pauseUntil.Sub(now), 0)
}

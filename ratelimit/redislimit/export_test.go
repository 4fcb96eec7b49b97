package redislimit

import (
	"context"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// NewLocal returns the fallback's local limiter at the full rate (share 1):
// the same golang.org/x/time/rate pacing as the adapters' default, for the
// benchmark's side-by-side.
func NewLocal() support.RateLimiter { return local{&localLimiter{share: 1, now: time.Now}} }

type local struct{ *localLimiter }

func (l local) Reserve(_ context.Context, b support.RateBucket, maxWait time.Duration) (support.RateReservation, error) {
	return l.reserve(b, maxWait), nil
}

func (l local) Observe(_ context.Context, b support.RateBucket, o support.RateObservation) error {
	if o.Pause > 0 {
		l.pause(b, o.Pause)
	}
	return nil
}

// SetProbeTimeout sets how long a try of Redis during an outage may take,
// until the test ends.
func SetProbeTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	was := probeTimeout
	probeTimeout = d
	t.Cleanup(func() { probeTimeout = was })
}

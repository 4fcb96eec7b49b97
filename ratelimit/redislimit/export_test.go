package redislimit

import (
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// NewLocal returns the in-process limiter the fallback paces with, at the
// full rate: the adapters' default (internal/rest's LocalLimiter), for the
// benchmark's side-by-side.
func NewLocal() support.RateLimiter { return &rest.LocalLimiter{} }

// SetProbeTimeout sets how long a try of Redis during an outage may take,
// until the test ends.
func SetProbeTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	was := probeTimeout
	probeTimeout = d
	t.Cleanup(func() { probeTimeout = was })
}

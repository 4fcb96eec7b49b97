package sim

import (
	"sync"
	"time"
)

// Limiter is a fixed-window rate limiter keyed by string: one key per
// project, per token or per method, as the vendor counts. A key's window
// opens with its first request and lasts Window; within it, Limit requests
// are allowed and the rest denied; the next request after it ends opens a
// new one. Denied requests do not count against the limit.
//
// Set the fields before the first call. The zero Limiter allows everything.
// A Limiter is safe for concurrent use.
type Limiter struct {
	// Limit is the number of requests allowed per key and window; zero or
	// less means no limit.
	Limit int
	// Window is the length of a window; zero means one minute.
	Window time.Duration
	// Clock drives the windows; nil means the wall clock.
	Clock *Clock

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	end  time.Time
	used int
}

// Decision is a Limiter's answer to one request, with what a simulator needs
// for its vendor's rate-limit headers and 429 body.
type Decision struct {
	// Allowed says whether the request may proceed.
	Allowed bool
	// Limit is the Limiter's Limit (0 when unlimited).
	Limit int
	// Remaining is how many more requests the current window allows.
	Remaining int
	// ResetAt is when the current window ends (zero when unlimited).
	ResetAt time.Time
	// ResetIn is the time from now until ResetAt.
	ResetIn time.Duration
}

// RetryAfterSeconds returns ResetIn in whole seconds, rounded up, for a
// Retry-After header; at least 1 for a denied request, so that a client
// never retries at once into the same window.
func (d Decision) RetryAfterSeconds() int {
	s := int((d.ResetIn + time.Second - 1) / time.Second)
	if !d.Allowed && s < 1 {
		s = 1
	}
	return max(s, 0)
}

// Allow counts one request under key and says whether it may proceed.
func (l *Limiter) Allow(key string) Decision {
	if l.Limit <= 0 {
		return Decision{Allowed: true}
	}
	win := l.Window
	if win <= 0 {
		win = time.Minute
	}
	now := l.Clock.Now()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*window{}
	}
	w := l.windows[key]
	if w == nil || !now.Before(w.end) {
		w = &window{end: now.Add(win)}
		l.windows[key] = w
	}
	d := Decision{Limit: l.Limit, ResetAt: w.end, ResetIn: w.end.Sub(now)}
	if w.used < l.Limit {
		w.used++
		d.Allowed = true
	}
	d.Remaining = l.Limit - w.used
	return d
}

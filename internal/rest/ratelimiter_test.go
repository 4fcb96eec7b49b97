package rest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// recordingLimiter is a support.RateLimiter that lets everything through
// (or fails, or pauses as told) and records what it was asked and told.
type recordingLimiter struct {
	mu       sync.Mutex
	reserved []support.RateBucket
	maxWaits []time.Duration
	observed []support.RateObservation
	fail     error
	pauses   []time.Duration // answers of the first Reserve calls, as pauses
}

func (l *recordingLimiter) Reserve(_ context.Context, b support.RateBucket, maxWait time.Duration) (support.RateReservation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserved = append(l.reserved, b)
	l.maxWaits = append(l.maxWaits, maxWait)
	if l.fail != nil {
		return support.RateReservation{}, l.fail
	}
	if len(l.pauses) > 0 {
		d := l.pauses[0]
		l.pauses = l.pauses[1:]
		return support.RateReservation{Wait: d, Paused: true}, nil
	}
	return support.RateReservation{OK: true}, nil
}

func (l *recordingLimiter) Observe(_ context.Context, _ support.RateBucket, o support.RateObservation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observed = append(l.observed, o)
	return nil
}

// A configured RateLimiter replaces the local buckets: it is asked before
// every attempt with the bucket's identity and rate, and told the vendor's
// headers and the pause a 429 calls for.
func TestConfiguredRateLimiterIsAskedAndTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := &recordingLimiter{}
		c, rt := newFake(t, Config{
			Vendor: "tidio", Account: "https://api.example key:0123", RateLimiter: lim,
			RateLimit: 2, Burst: 3, RemainingHeader: "X-Remaining", LimitHeader: "X-Limit",
			RateWindow: 30 * time.Second, MaxWait: time.Minute,
		}, seq(status(429, `{}`, "X-Remaining", "0", "X-Limit", "60"), status(200, `{}`, "X-Remaining", "58", "X-Limit", "60")))
		_, err := c.Do(t.Context(), Request{Path: Segments("contacts"), Bucket: "contacts"}, nil)
		require.NoError(t, err)
		assert.Equal(t, 2, rt.count())
		want := support.RateBucket{Vendor: "tidio", Account: "https://api.example key:0123", Name: "contacts", Limit: 2, Burst: 3}
		require.Len(t, lim.reserved, 2)
		assert.Equal(t, want, lim.reserved[0])
		assert.Equal(t, want, lim.reserved[1])
		require.Len(t, lim.observed, 2)
		assert.Equal(t, support.RateObservation{Status: 429, Remaining: 0, Limit: 60, Pause: 30 * time.Second}, lim.observed[0])
		assert.Equal(t, support.RateObservation{Status: 200, Remaining: 58, Limit: 60}, lim.observed[1])
	})
}

// A pause the limiter reports is waited out (announced as the vendor's
// limit) before the limiter is asked again; a pause past the call's time
// limit fails at once with ErrRateLimited and nothing is sent.
func TestConfiguredRateLimiterPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := &recordingLimiter{pauses: []time.Duration{5 * time.Second}}
		c, rt := newFake(t, Config{RateLimiter: lim}, seq(ok(`{}`)))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, time.Since(start))
		assert.Len(t, lim.reserved, 2)
		assert.Equal(t, 1, rt.count())

		long := &recordingLimiter{pauses: []time.Duration{time.Hour}}
		c2, rt2 := newFake(t, Config{RateLimiter: long, MaxWait: time.Minute, MaxCallTime: 10 * time.Second}, seq(ok(`{}`)))
		_, err = c2.Do(t.Context(), Request{Path: Segments("x")}, nil)
		require.ErrorIs(t, err, support.ErrRateLimited)
		assert.Equal(t, 0, rt2.count())
		assert.Equal(t, 10*time.Second, long.maxWaits[0], "the room is the call's time limit when shorter than MaxWait")
	})
}

// A limiter that fails (a shared store out of reach) fails the call as
// unavailable before anything is sent, naming the limiter.
func TestConfiguredRateLimiterFailure(t *testing.T) {
	lim := &recordingLimiter{fail: errors.New("dial tcp 127.0.0.1:6379: connection refused")}
	c, rt := newFake(t, Config{RateLimiter: lim}, seq(ok(`{}`)))
	_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
	require.ErrorIs(t, err, support.ErrUnavailable)
	assert.ErrorContains(t, err, "not sent: rate limiter: dial tcp 127.0.0.1:6379: connection refused")
	assert.Equal(t, 1, strings.Count(err.Error(), "connection refused"), "said once: %v", err)
	assert.Equal(t, 0, rt.count())
}

// The default limiter keys buckets by account too: two clients of one
// vendor that share nothing do not slow each other.
func TestLocalLimiterKeysByAccount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := &LocalLimiter{}
		mk := func(account string) *Client {
			c, _ := newFake(t, Config{RateLimiter: shared, Account: account, RateLimit: 1, Burst: 1}, seq(ok(`{}`)))
			return c
		}
		a1, a2, b := mk("a"), mk("a"), mk("b")
		get := func(c *Client) time.Duration {
			start := time.Now()
			_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
			require.NoError(t, err)
			return time.Since(start)
		}
		assert.Equal(t, time.Duration(0), get(a1))
		assert.Equal(t, time.Second, get(a2), "same account, same bucket")
		assert.Equal(t, time.Duration(0), get(b), "another account")
	})
}

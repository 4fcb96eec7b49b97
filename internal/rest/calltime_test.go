package rest

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// stall never answers: the attempt ends only when its context does (the
// per-attempt timeout, the call's limit, the caller).
func stall(req *http.Request) (*http.Response, error) {
	wrote(req)
	<-req.Context().Done()
	return nil, req.Context().Err()
}

// TestCallTimeBoundsAStalledRead is item 10: with the defaults, a vendor
// that never answers fails a read after DefaultMaxCallTime (not after
// DefaultMaxAttempts timeouts, 2 min 2 s here), with an ErrUnavailable
// that matches context.DeadlineExceeded and names the time and attempts.
func TestCallTimeBoundsAStalledRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{HTTPClient: &http.Client{Timeout: DefaultTimeout}}, seq(stall))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Op: support.OpGetContact, Path: Segments("contacts", "1")}, nil)
		assert.Equal(t, DefaultMaxCallTime, time.Since(start))
		// 30 s, 0.25 s, 30 s, 0.5 s, then the third is cut at 90 s.
		assert.Equal(t, 3, rt.count())
		require.ErrorIs(t, err, support.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "time limit of 1m30s (3 attempts in 1m30s)")
		assert.False(t, asError(t, err).OutcomeUnknown, "a read")
	})
}

// TestCallTimeCutsAWrite: a create cut by the limit after it was written
// may have taken effect.
func TestCallTimeCutsAWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{MaxCallTime: 10 * time.Second}, seq(stall))
		_, err := c.Do(t.Context(), Request{Op: support.OpCreateContact, Method: "POST", Path: Segments("contacts"), Body: map[string]string{}}, nil)
		require.ErrorIs(t, err, support.ErrUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, support.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "1 attempt in 10s")
		assert.Equal(t, 1, rt.count())
	})
}

// TestCallTimeSkipsAWaitPastTheLimit: a retry whose wait would end past the
// limit is not waited for; the call fails at once with the failure it would
// have retried, saying why.
func TestCallTimeSkipsAWaitPastTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{}, seq(status(503, "", "Retry-After", "60")))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Op: support.OpListContacts, Path: Segments("contacts")}, nil)
		assert.Equal(t, 60*time.Second, time.Since(start), "attempts at 0 s and 60 s; 120 s would pass 90 s")
		assert.Equal(t, 2, rt.count())
		e := asError(t, err)
		require.ErrorIs(t, err, support.ErrUnavailable)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the limit has not passed")
		assert.Equal(t, 503, e.Status)
		assert.Equal(t, 60*time.Second, e.RetryAfter)
		assert.Contains(t, e.Message, "not retried: waiting 1m0s more would pass the call's time limit of 1m30s (2 attempts in 1m0s)")
	})
}

// TestCallTimeRateLimitWaitPastTheLimit: a bucket pause longer than the
// time left fails at once with ErrRateLimited, sending nothing.
func TestCallTimeRateLimitWaitPastTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{MaxAttempts: 1, MaxCallTime: 10 * time.Second}, seq(status(429, "", "Retry-After", "30"), ok(`{}`)))
		_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		require.ErrorIs(t, err, support.ErrRateLimited)
		start := time.Now()
		_, err = c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		assert.Zero(t, time.Since(start))
		require.ErrorIs(t, err, support.ErrRateLimited)
		assert.Equal(t, 30*time.Second, asError(t, err).RetryAfter)
		assert.Contains(t, err.Error(), "vendor rate limit: the wait for a slot (30s) exceeds the call's time limit")
		assert.Equal(t, 1, rt.count(), "nothing sent during the pause")
	})
}

// TestCallTimeNegativeIsUnbounded: a negative MaxCallTime lets every
// attempt time out, as before the limit existed.
func TestCallTimeNegativeIsUnbounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{MaxCallTime: -1, HTTPClient: &http.Client{Timeout: DefaultTimeout}}, seq(stall))
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		assert.Equal(t, 4*DefaultTimeout+1750*time.Millisecond, time.Since(start))
		assert.Equal(t, DefaultMaxAttempts, rt.count())
		require.ErrorIs(t, err, support.ErrUnavailable)
	})
}

// TestCallerDeadlineStaysTheCallers: when the caller's own deadline ends
// the call first, the error is the caller's, of no kind, as before.
func TestCallerDeadlineStaysTheCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newFake(t, Config{}, seq(stall))
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		_, err := c.Do(ctx, Request{Path: Segments("x")}, nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, support.ErrUnavailable)
		assert.NotContains(t, err.Error(), "time limit")
	})
}

// TestWaitsAreLogged: a wait of more than a second before sending (a
// paused bucket, a limiter slot) is an Info record "rest: waiting" with
// vendor, op, bucket, wait and reason; a shorter one is not, and a retry's
// wait is in its Warn record only.
func TestWaitsAreLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &recordHandler{}
		c, _ := newFake(t, Config{Vendor: "acme", Logger: slog.New(h), MaxAttempts: 1, RateLimit: 0.5}, func(n int, req *http.Request) (*http.Response, error) {
			if req.URL.Path == "/limited" {
				return status(429, "", "Retry-After", "20")(req)
			}
			return ok(`{}`)(req)
		})
		do := func(path, bucket string) {
			_, _ = c.Do(t.Context(), Request{Op: support.OpListContacts, Path: Segments(path), Bucket: bucket}, nil)
		}
		do("x", "a")       // the first slot is free
		do("x", "a")       // the next is 2 s away
		do("limited", "b") // pauses bucket b for 20 s
		do("x", "b")       // waits the pause out (its slot is free by then)
		waits := infoRecords(h, "rest: waiting")
		require.Len(t, waits, 2)
		assert.Equal(t, map[string]any{"vendor": "acme", "op": string(support.OpListContacts), "bucket": "a",
			"wait": 2 * time.Second, "reason": "client rate limit"}, waits[0])
		assert.Equal(t, map[string]any{"vendor": "acme", "op": string(support.OpListContacts), "bucket": "b",
			"wait": 20 * time.Second, "reason": "vendor rate limit"}, waits[1])

		h2 := &recordHandler{}
		c2, _ := newFake(t, Config{Logger: slog.New(h2), RateLimit: 2}, seq(status(503, "", "Retry-After", "3"), ok(`{}`)))
		_, err := c2.Do(t.Context(), Request{Path: Segments("x")}, nil)
		require.NoError(t, err)
		_, err = c2.Do(t.Context(), Request{Path: Segments("x")}, nil) // a 0.5 s limiter wait
		require.NoError(t, err)
		assert.Empty(t, infoRecords(h2, "rest: waiting"), "no Info for waits of a second or less, nor for a retry's")
		assert.Len(t, infoRecords(h2, "rest: retrying"), 1)
	})
}

// infoRecords returns the attributes of h's records with message msg,
// with "level" added for a record not at Info.
func infoRecords(h *recordHandler, msg string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, r := range h.records {
		if r.Message != msg {
			continue
		}
		m := map[string]any{}
		r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.Any(); return true })
		if r.Level != slog.LevelInfo {
			m["level"] = r.Level
		}
		out = append(out, m)
	}
	return out
}

package rest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/support"
)

// TestBucketsAreIndependent: each bucket has its own limiter; a busy bucket
// does not slow another one.
func TestBucketsAreIndependent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newFake(t, Config{RateLimit: 1, Burst: 1}, seq(ok(`{}`)))
		get := func(bucket string) time.Duration {
			start := time.Now()
			if _, err := c.Do(t.Context(), Request{Path: Segments("x"), Bucket: bucket}, nil); err != nil {
				t.Error(err)
			}
			return time.Since(start)
		}
		if d := get("a"); d != 0 {
			t.Fatalf("first request of a waited %v", d)
		}
		if d := get("a"); d != time.Second {
			t.Fatalf("second request of a waited %v, want 1s at 1 req/s", d)
		}
		if d := get("b"); d != 0 {
			t.Fatalf("first request of b waited %v, want 0 (independent bucket)", d)
		}

		// Concurrently: 3 requests on a and 3 on b finish together after 3s
		// (a's token is spent until t+1s), not after 6s as one shared
		// limiter would make them.
		start := time.Now()
		var wg sync.WaitGroup
		for _, b := range []string{"a", "a", "a", "b", "b", "b"} {
			wg.Go(func() { get(b) })
		}
		wg.Wait()
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("6 requests over 2 buckets took %v, want 3s", d)
		}
	})
}

// TestRemainingZeroPausesOnlyItsBucket: the remaining header at 0 pauses its
// bucket for RateWindow (or Retry-After), and no other bucket.
func TestRemainingZeroPausesOnlyItsBucket(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want time.Duration
	}{
		{"RateWindow", []string{"X-RateLimit-Remaining", "0"}, 7 * time.Second},
		{"Retry-After", []string{"X-RateLimit-Remaining", "0", "Retry-After", "3"}, 3 * time.Second},
		{"capped at MaxWait", []string{"X-RateLimit-Remaining", "0", "Retry-After", "86400"}, 20 * time.Second},
		{"not zero", []string{"X-RateLimit-Remaining", "5"}, 0},
		{"garbage", []string{"X-RateLimit-Remaining", "none"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := Config{RemainingHeader: "X-RateLimit-Remaining", RateWindow: 7 * time.Second, MaxWait: 20 * time.Second}
				c, _ := newFake(t, cfg, func(_ int, req *http.Request) (*http.Response, error) {
					if req.URL.Path == "/exhaust" {
						return status(200, `{}`, tc.kv...)(req)
					}
					return ok(`{}`)(req)
				})
				do := func(path, bucket string) time.Duration {
					start := time.Now()
					if _, err := c.Do(t.Context(), Request{Path: Segments(path), Bucket: bucket}, nil); err != nil {
						t.Fatal(err)
					}
					return time.Since(start)
				}
				do("exhaust", "a")
				if d := do("x", "b"); d != 0 {
					t.Fatalf("bucket b waited %v, want 0", d)
				}
				if d := do("x", "a"); d != tc.want {
					t.Fatalf("bucket a waited %v, want %v", d, tc.want)
				}
				if d := do("x", "a"); d != 0 {
					t.Fatalf("bucket a still paused: %v", d)
				}
			})
		})
	}
}

// Test429PausesBucketForEveryone: after a 429, other calls in the same bucket
// wait out the pause too (they do not pile more requests onto the vendor).
func Test429PausesBucketForEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{MaxAttempts: 1}, func(_ int, req *http.Request) (*http.Response, error) {
			if req.URL.Path == "/limited" {
				return status(429, "", "Retry-After", "4")(req)
			}
			return ok(`{}`)(req)
		})
		_, err := c.Do(t.Context(), Request{Path: Segments("limited"), Bucket: "a"}, nil)
		if e := asError(t, err); !errors.Is(err, support.ErrRateLimited) || e.RetryAfter != 4*time.Second {
			t.Fatalf("err %v", err)
		}
		start := time.Now()
		if _, err := c.Do(t.Context(), Request{Path: Segments("x"), Bucket: "a"}, nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 4*time.Second {
			t.Fatalf("same bucket waited %v, want 4s", d)
		}
		if rt.count() != 2 {
			t.Fatalf("attempts %d", rt.count())
		}
	})
}

// TestPausedBucketRespectsContext: a request waiting out a pause returns as
// soon as its context is cancelled.
func TestPausedBucketRespectsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{RemainingHeader: "Remaining"}, seq(status(200, `{}`, "Remaining", "0"), ok(`{}`)))
		if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, Request{Path: Segments("x")}, nil)
		if d := time.Since(start); d != 2*time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("after %v: %v", d, err)
		}
		asError(t, err)
		if rt.count() != 1 {
			t.Fatalf("a request left while the bucket was paused")
		}
	})
}

// TestLimiterWaitOverMaxWait: a limiter slot further away than MaxWait fails
// at once with ErrRateLimited instead of waiting longer than MaxWait.
func TestLimiterWaitOverMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{RateLimit: 0.01, MaxWait: time.Minute}, seq(ok(`{}`)))
		if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		e := asError(t, err)
		if !errors.Is(err, support.ErrRateLimited) || e.RetryAfter != 100*time.Second || time.Since(start) != 0 ||
			!strings.Contains(err.Error(), "exceeds the maximum wait") {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		if rt.count() != 1 {
			t.Fatalf("attempts %d", rt.count())
		}
		// The cancelled reservation gave the slot back: after 100s it is free.
		time.Sleep(100 * time.Second)
		start = time.Now()
		if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err != nil || time.Since(start) != 0 {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
}

// A retry budget's tokens become tenths in an int64: a huge budget is
// capped instead of overflowing into no retries at all, and a negative or
// NaN one allows none.
func TestNewBudgetBounds(t *testing.T) {
	for _, c := range []struct {
		tokens float64
		spends bool
	}{
		{1e18, true}, {math.Inf(1), true}, {math.MaxFloat64, true}, {3, true},
		{0, false}, {-1, false}, {math.NaN(), false},
	} {
		if got := newBudget(c.tokens).spend(); got != c.spends {
			t.Errorf("a budget of %v tokens: spend = %v, want %v", c.tokens, got, c.spends)
		}
	}
}

// A pause that begins while requests wait for the slots they booked holds
// them too: they are not sent into the vendor's refusal at their slots,
// but after the pause.
func TestPauseHoldsRequestsThatBookedASlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		var at []time.Duration
		c, _ := newFake(t, Config{RateLimit: 1, Burst: 1, RateWindow: 5 * time.Second, MaxWait: 20 * time.Second,
			RemainingHeader: "X-RateLimit-Remaining"},
			func(n int, req *http.Request) (*http.Response, error) {
				mu.Lock()
				at = append(at, time.Since(start))
				mu.Unlock()
				if n == 0 {
					// The last of the window, answered after the others booked.
					time.Sleep(500 * time.Millisecond)
					return status(200, `{}`, "X-RateLimit-Remaining", "0")(req)
				}
				return ok(`{}`)(req)
			})
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * time.Millisecond) // book in this order: now, +1s, +2s
				if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(at) != 3 {
			t.Fatalf("%d requests sent, want 3", len(at))
		}
		if at[0] > 2*time.Millisecond {
			t.Errorf("the first request went at %v, want at once", at[0])
		}
		for _, d := range at[1:] {
			if d < 5500*time.Millisecond {
				t.Errorf("a request went at %v, during the pause the first answer asked for, from 0.5 s to 5.5 s (all: %v)", d, at)
			}
		}
	})
}

// New refuses the numbers it would otherwise replace by its defaults
// without a word, or could not use, naming the field; zero keeps meaning
// the default, and a negative RetryBudget or MaxCallTime keeps its meaning
// (no retries, no bound).
func TestNewRefusesBadNumbers(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{MaxBodyBytes: -1}, "Config.MaxBodyBytes is negative"},
		{Config{MaxAttempts: -1}, "Config.MaxAttempts is negative"},
		{Config{MaxWait: -time.Second}, "Config.MaxWait is negative"},
		{Config{BaseDelay: -time.Second}, "Config.BaseDelay is negative"},
		{Config{MaxDelay: -time.Second}, "Config.MaxDelay is negative"},
		{Config{Burst: -1}, "Config.Burst is negative"},
		{Config{RateWindow: -time.Second}, "Config.RateWindow is negative"},
		{Config{RateLimit: rate.Limit(math.NaN())}, "Config.RateLimit is not a number"},
		{Config{RetryBudget: math.NaN()}, "Config.RetryBudget is not a number"},
		{Config{RetryBudget: math.Inf(1)}, "Config.RetryBudget is infinite"},
		{Config{}, ""},
		{Config{RetryBudget: -1, MaxCallTime: -1, RateLimit: rate.Inf}, ""},
	} {
		tc.cfg.Vendor, tc.cfg.BaseURL = "fake", "http://127.0.0.1:9"
		_, err := New(tc.cfg)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.cfg, err)
			}
			continue
		}
		if !errors.Is(err, support.ErrInvalid) || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want ErrInvalid saying %q", tc.cfg, err, tc.want)
		}
	}
}

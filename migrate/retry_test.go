package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

func TestClassify(t *testing.T) {
	kind := func(k error) error { return &support.Error{Kind: k} }
	lost := &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true}
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	for _, tc := range []struct {
		err        error
		idempotent bool
		want       class
	}{
		{nil, false, cOK},
		{kind(support.ErrInvalid), false, cRecord},
		{kind(support.ErrConflict), false, cRecord},
		{kind(support.ErrNotFound), true, cRecord},
		{kind(support.ErrRateLimited), false, cTransient},
		{kind(support.ErrUnavailable), false, cTransient},
		{lost, false, cUnknown},
		{lost, true, cTransient},
		{fmt.Errorf("wrapped: %w", lost), false, cUnknown},
		{kind(support.ErrUnauthorized), false, cFatal},
		{kind(support.ErrForbidden), true, cFatal},
		{errors.New("malformed response"), false, cUnknown},
		{errors.New("malformed response"), true, cTransient},
		{&notSent{ctx: context.Canceled, last: lost}, false, cFatal},
	} {
		if got := classify(bg, tc.err, tc.idempotent); got != tc.want {
			t.Errorf("classify(%v, %v) = %v, want %v", tc.err, tc.idempotent, got, tc.want)
		}
	}
	if got := classify(cancelled, kind(support.ErrUnavailable), false); got != cStop {
		t.Errorf("a call cut short by its context: %v", got)
	}
}

func newTestRunner(attempts int, wait time.Duration) *runner {
	return &runner{o: Options{MaxAttempts: attempts, MaxWait: wait}, log: slog.New(slog.DiscardHandler)}
}

// R4: no wait exceeds MaxWait, whatever Retry-After says; retries stop at
// MaxAttempts; a create whose outcome is unknown is never retried blindly.
func TestRetryBoundsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRunner(5, 10*time.Second)
		calls := 0
		var gaps []time.Duration
		last := time.Now()
		err := r.retry(context.Background(), false, func() error {
			calls++
			gaps = append(gaps, time.Since(last))
			last = time.Now()
			return &support.Error{Kind: support.ErrRateLimited, RetryAfter: time.Hour}
		})
		if !errors.Is(err, support.ErrRateLimited) || calls != 5 || r.retries.Load() != 4 {
			t.Fatalf("err %v after %d calls", err, calls)
		}
		for _, g := range gaps[1:] {
			if g != 10*time.Second {
				t.Fatalf("waits %v, want Retry-After capped at 10s", gaps)
			}
		}

		calls = 0
		err = r.retry(context.Background(), false, func() error {
			calls++
			return &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true}
		})
		if calls != 1 || !errors.Is(err, support.ErrOutcomeUnknown) {
			t.Fatalf("a lost create was retried: %d calls", calls)
		}
		calls = 0
		_ = r.retry(context.Background(), true, func() error {
			calls++
			return &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true}
		})
		if calls != 5 {
			t.Fatalf("an idempotent call with a lost outcome was tried %d times", calls)
		}
	})
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	r := newTestRunner(8, 3*time.Second)
	for attempt := 1; attempt <= 40; attempt++ {
		for range 20 {
			d := r.backoff(attempt, errors.New("x"))
			ceiling := min(baseBackoff<<min(attempt-1, 20), 3*time.Second)
			if d <= 0 || d > ceiling {
				t.Fatalf("attempt %d: wait %v outside (0, %v]", attempt, d, ceiling)
			}
		}
	}
	if d := r.backoff(1, &support.Error{RetryAfter: -time.Second}); d <= 0 || d > baseBackoff {
		t.Fatalf("negative Retry-After: %v", d)
	}
}

// A call failing for its own reason while the run's context ends reports
// the context's error, so that callers can tell a stop from a failure.
func TestRetryReportsTheContextFirst(t *testing.T) {
	r := newTestRunner(5, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := r.retry(ctx, true, func() error {
		calls++
		cancel()
		return &support.Error{Kind: support.ErrRateLimited}
	})
	if calls != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, support.ErrRateLimited) {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	if classify(ctx, err, false) != cStop {
		t.Fatal("not classified as a stop")
	}
}

func TestRetryReturnsPromptlyWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRunner(5, time.Minute)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		start := time.Now()
		err := r.retry(ctx, false, func() error {
			return &support.Error{Kind: support.ErrRateLimited, RetryAfter: time.Minute}
		})
		var ns *notSent
		if !errors.As(err, &ns) || !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		if !errors.Is(ns.last, support.ErrRateLimited) {
			t.Fatalf("last error %v", ns.last)
		}
	})
}

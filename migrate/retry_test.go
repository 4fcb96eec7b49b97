package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		// A call cut by internal/rest's bound on its total time: an
		// outage like any other, not the run's end.
		{timedOut, false, cTransient},
		{timedOut, true, cTransient},
		{timedOutLost, false, cUnknown},
		{timedOutLost, true, cTransient},
		// A context error of no support kind stops the run.
		{context.DeadlineExceeded, true, cStop},
		{fmt.Errorf("cut: %w", context.Canceled), false, cStop},
	} {
		if got := classify(bg, tc.err, tc.idempotent); got != tc.want {
			t.Errorf("classify(%v, %v) = %v, want %v", tc.err, tc.idempotent, got, tc.want)
		}
	}
	if got := classify(cancelled, kind(support.ErrUnavailable), false); got != cStop {
		t.Errorf("a call cut short by its context: %v", got)
	}
	if got := classify(cancelled, timedOut, true); got != cStop {
		t.Errorf("a call cut by its time bound while the run's context ended: %v", got)
	}
}

// timedOut is the error of a call that internal/rest cut at its bound on a
// call's total time: ErrUnavailable, matching context.DeadlineExceeded;
// timedOutLost, of a write that may have taken effect.
var (
	timedOut     = &support.Error{Kind: support.ErrUnavailable, Err: context.DeadlineExceeded, Message: "no answer within the call's time limit"}
	timedOutLost = &support.Error{Kind: support.ErrUnavailable, Err: context.DeadlineExceeded, OutcomeUnknown: true, Message: "no answer within the call's time limit"}
)

// slowOnce cuts its first listing at the call's time bound, as
// internal/rest does when a vendor stalls.
type slowOnce struct {
	contactDriver
	once sync.Once
}

func (s *slowOnce) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	cut := false
	s.once.Do(func() { cut = true })
	if cut {
		return support.Page[support.Contact]{}, timedOut
	}
	return s.contactDriver.ListContacts(ctx, o)
}

// A read cut by internal/rest's bound on a call's total time is retried
// like any outage, and the run finishes: it is not taken for the run's own
// deadline.
func TestCallTimeBoundIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, dst := newStore("src", 1), newStore("dst", 1)
		src.seed(people(3)...)
		rep, err := Run(context.Background(), client(&slowOnce{contactDriver: src}), client(dst), Options{})
		require.NoError(t, err)
		assert.True(t, rep.Complete)
		assert.Equal(t, 1, rep.RetriedCalls)
		assert.Equal(t, Counts{Created: 3}, rep.Counts)
	})
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
		err := r.retry(context.Background(), false, nil, func() error {
			calls++
			gaps = append(gaps, time.Since(last))
			last = time.Now()
			return &support.Error{Kind: support.ErrRateLimited, RetryAfter: time.Hour}
		})
		require.ErrorIs(t, err, support.ErrRateLimited)
		assert.Equal(t, 5, calls)
		assert.EqualValues(t, 4, r.retries.Load())
		for _, g := range gaps[1:] {
			assert.Equal(t, 10*time.Second, g, "waits %v: want Retry-After capped at 10s", gaps)
		}

		calls = 0
		err = r.retry(context.Background(), false, nil, func() error {
			calls++
			return &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true}
		})
		assert.Equal(t, 1, calls, "a lost create was retried")
		assert.ErrorIs(t, err, support.ErrOutcomeUnknown)
		calls = 0
		_ = r.retry(context.Background(), true, nil, func() error {
			calls++
			return &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true}
		})
		assert.Equal(t, 5, calls, "an idempotent call with a lost outcome")
	})
}

// A record's write counts its tries against the record, across calls: one
// record costs at most MaxAttempts write calls in a run, however its
// failures are spread over rounds.
func TestRetryOfARecordCountsItsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRunner(3, time.Second)
		calls := 0
		limited := func() error {
			calls++
			return &support.Error{Kind: support.ErrRateLimited}
		}
		// As the callers do: the first try is counted by attempt.
		write := func(tk *task) error {
			if err := r.attempt(tk); err != nil {
				return err
			}
			return r.retry(context.Background(), false, tk, limited)
		}
		tk := &task{sourceID: "a"}
		err := write(tk)
		require.ErrorIs(t, err, support.ErrRateLimited)
		assert.Equal(t, 3, calls)
		assert.Equal(t, 3, tk.attempts)

		// A later round of the same record has no tries left.
		tk.err = err
		err = write(tk)
		assert.ErrorIs(t, err, support.ErrRateLimited, "the last failure is kept")
		assert.ErrorContains(t, err, "failed it 3 times")
		assert.Equal(t, 3, calls, "no call beyond MaxAttempts")

		// Tries left from an earlier round are all it gets.
		calls = 0
		_ = write(&task{sourceID: "b", attempts: 2})
		assert.Equal(t, 1, calls)
	})
}

func TestDefaultMaxAttempts(t *testing.T) {
	r, err := newRunner(client(newStore("src", 1)), client(newStore("dst", 1)), Options{})
	require.NoError(t, err)
	assert.Equal(t, 3, r.o.MaxAttempts)
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	r := newTestRunner(8, 3*time.Second)
	for attempt := 1; attempt <= 40; attempt++ {
		for range 20 {
			d := r.backoff(attempt, errors.New("x"))
			ceiling := min(baseBackoff<<min(attempt-1, 20), 3*time.Second)
			require.True(t, d > 0 && d <= ceiling, "attempt %d: wait %v outside (0, %v]", attempt, d, ceiling)
		}
	}
	d := r.backoff(1, &support.Error{RetryAfter: -time.Second})
	assert.True(t, d > 0 && d <= baseBackoff, "negative Retry-After: %v", d)
}

// A call failing for its own reason while the run's context ends reports
// the context's error, so that callers can tell a stop from a failure.
func TestRetryReportsTheContextFirst(t *testing.T) {
	r := newTestRunner(5, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := r.retry(ctx, true, nil, func() error {
		calls++
		cancel()
		return &support.Error{Kind: support.ErrRateLimited}
	})
	assert.Equal(t, 1, calls)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, support.ErrRateLimited)
	assert.Equal(t, cStop, classify(ctx, err, false), "not classified as a stop")
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
		err := r.retry(ctx, false, nil, func() error {
			return &support.Error{Kind: support.ErrRateLimited, RetryAfter: time.Minute}
		})
		var ns *notSent
		require.ErrorAs(t, err, &ns)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, time.Second, time.Since(start))
		assert.ErrorIs(t, ns.last, support.ErrRateLimited, "last error")
	})
}

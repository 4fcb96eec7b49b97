package migrate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// class is what a failed call means for the migration.
type class int

const (
	cOK class = iota
	// cRecord: the target refused this record (invalid, conflict, ...);
	// nothing was stored.
	cRecord
	// cTransient: the call was not processed (rate limited, unavailable);
	// sending it again is safe.
	cTransient
	// cUnknown: a non-idempotent call may have taken effect; look it up
	// before sending it again.
	cUnknown
	// cFatal: nothing was stored and no record can be: the credentials or
	// the plan were refused, or the context ended between attempts.
	cFatal
	// cStop: the context ended; the call may have taken effect.
	cStop
)

// classify says what err means for a call; idempotent calls (reads,
// updates) are safe to send again even when their outcome is unknown.
//
// An error of no known kind (a malformed response, say) is treated as an
// unknown outcome for a create: the vendor may well have stored it. Only
// the run's own context ending (ctx.Err()), or a context error of no
// support kind, stops the run: a call that internal/rest cut at its bound
// on a call's total time (Config.MaxCallTime) is support.ErrUnavailable,
// although it matches context.DeadlineExceeded, and is retried as one (or
// looked up, when it may have taken effect).
func classify(ctx context.Context, err error, idempotent bool) class {
	var ns *notSent
	switch {
	case err == nil:
		return cOK
	case errors.As(err, &ns):
		return cFatal
	case ctx.Err() != nil:
		return cStop // the run's own context ended
	case errors.Is(err, support.ErrUnauthorized), errors.Is(err, support.ErrForbidden):
		return cFatal
	case errors.Is(err, support.ErrOutcomeUnknown):
		if idempotent {
			return cTransient
		}
		return cUnknown
	case errors.Is(err, support.ErrRateLimited), errors.Is(err, support.ErrUnavailable):
		// Before the context errors: a call cut by internal/rest's own
		// bound on its total time is ErrUnavailable and also matches
		// context.DeadlineExceeded, but the run goes on.
		return cTransient
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return cStop
	case errors.Is(err, support.ErrInvalid), errors.Is(err, support.ErrConflict),
		errors.Is(err, support.ErrNotFound), errors.Is(err, support.ErrUnsupported):
		return cRecord
	case idempotent:
		return cTransient
	}
	return cUnknown
}

// defaultMaxAttempts is Options.MaxAttempts' default: a call is tried at
// most 3 times after internal/rest's own retries (see "Retries" in the
// package documentation).
const defaultMaxAttempts = 3

// baseBackoff is the first wait between attempts; it doubles after each.
const baseBackoff = 500 * time.Millisecond

// retry calls fn until it succeeds, fails with an error that is not
// transient (see classify), or has been tried MaxAttempts times. Waits
// between attempts are exponential with full jitter, or what the vendor's
// Retry-After asks, and never longer than MaxWait.
//
// When fn is a write of one record, t is that record's task, whose first
// try the caller has counted (attempt): then each try counts against the
// task's attempts, those of earlier rounds of the run included, so that
// whatever made its writes fail, one record costs at most MaxAttempts write
// calls per run. t is nil for reads and batch calls (whose records the
// caller counts).
func (r *runner) retry(ctx context.Context, idempotent bool, t *task, fn func() error) error {
	for try := 1; ; try++ {
		if t != nil {
			try = t.attempts
		}
		err := fn()
		if cerr := ctx.Err(); err != nil && cerr != nil && !errors.Is(err, cerr) {
			// The run is stopping: whatever the vendor said, the caller
			// must see the context's error (and may see the vendor's).
			return fmt.Errorf("%w: %w", cerr, err)
		}
		if err == nil || try >= r.o.MaxAttempts || classify(ctx, err, idempotent) != cTransient {
			return err
		}
		if err := r.pause(ctx, try, err); err != nil {
			return err
		}
		if t != nil {
			t.attempts++
		}
	}
}

// pause waits before attempt+1 of something that failed with err (see
// backoff). It fails with a *notSent when the context ends first.
func (r *runner) pause(ctx context.Context, attempt int, err error) error {
	r.retries.Add(1)
	d := r.backoff(attempt, err)
	r.log.Debug("migrate: retrying", "attempt", attempt, "wait", d, "err", err)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return &notSent{ctx: ctx.Err(), last: err}
	case <-t.C:
		return nil
	}
}

// notSent is the error of a call whose context ended while it waited to be
// tried again: unlike a call cut short, it certainly did not take effect.
type notSent struct{ ctx, last error }

func (e *notSent) Error() string {
	return e.ctx.Error() + " while waiting to retry after: " + e.last.Error()
}

// Unwrap returns the context's error, so that errors.Is(err,
// context.Canceled) holds.
func (e *notSent) Unwrap() error { return e.ctx }

func (r *runner) backoff(attempt int, err error) time.Duration {
	var se *support.Error
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return min(se.RetryAfter, r.o.MaxWait)
	}
	d := r.o.MaxWait
	if attempt < 30 {
		d = min(baseBackoff<<(attempt-1), r.o.MaxWait)
	}
	return rand.N(d) + 1
}

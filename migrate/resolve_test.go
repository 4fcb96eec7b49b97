package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// cancelInBatch is a target whose batch call stores the records and then
// finds its context ended (cancelled, or past its deadline), and reports,
// as the Tidio adapter does, every record failed with the vendor's error,
// which does not say why.
type cancelInBatch struct {
	*store
	cancel context.CancelFunc // nil: wait past the context's deadline
}

func (c *cancelInBatch) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	if _, err := c.store.CreateContacts(ctx, in); err != nil {
		return nil, err
	}
	if c.cancel != nil {
		c.cancel()
	} else {
		<-ctx.Done()
	}
	err := &support.Error{Vendor: "dst", Op: support.OpCreateContacts, Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset"}
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	for i := range res.Items {
		res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: err}
	}
	return res, err
}

// A run whose context ends during a batch returns an error matching the
// context's, even when the target reports the records with errors of its
// own; the next run looks the batch up instead of sending it again.
func TestBatchCutShortReportsTheContext(t *testing.T) {
	for _, want := range []error{context.Canceled, context.DeadlineExceeded} {
		t.Run(want.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", 100)
				src.seed(people(10)...)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				dst := &cancelInBatch{store: inner}
				if want == context.Canceled {
					dst.cancel = cancel
				}
				st := openState(t)
				_, err := Run(ctx, src, dst, Options{State: st})
				if !errors.Is(err, want) || !errors.Is(err, support.ErrUnavailable) {
					t.Fatalf("err %v: want one matching %v and keeping the target's", err, want)
				}
				rep := run(t, src, inner, Options{State: st})
				if rep.Resolved != 10 || rep.Skipped != 10 || inner.batchCalls.Load() != 1 {
					t.Fatalf("resumed: %+v, %d batches", rep, inner.batchCalls.Load())
				}
				checkMigrated(t, src.all(), inner.all(), st)
			})
		})
	}
}

func TestStoppedMatchesTheContext(t *testing.T) {
	vendor := &support.Error{Kind: support.ErrUnavailable, Message: "reset"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name          string
		ctx           context.Context
		err           error
		wantCancelled bool
	}{
		{"vendor error, context cancelled", cancelled, vendor, true},
		{"context error already", cancelled, fmt.Errorf("call: %w", context.Canceled), true},
		{"context still running", context.Background(), vendor, false},
	} {
		err := stopped(tc.ctx, tc.err)
		if errors.Is(err, context.Canceled) != tc.wantCancelled || !errors.Is(err, tc.err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if n := strings.Count(err.Error(), "context canceled"); n > 1 {
			t.Errorf("%s: the context's error is said %d times: %v", tc.name, n, err)
		}
	}
}

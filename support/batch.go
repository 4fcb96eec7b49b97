package support

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/go-multierror"
)

// BatchResult is the result of CreateContacts: one item per input record,
// in input order.
type BatchResult struct {
	Items []BatchItem
}

// BatchItem is the result for one record of a batch.
type BatchItem struct {
	// Index is the record's position in the input.
	Index int
	// Contact is the stored contact (nil when the record failed).
	Contact *Contact
	// Outcome is Created, Matched, or Failed.
	Outcome  Outcome
	Warnings []Warning
	// Err is why the record failed; nil otherwise.
	Err error
	// Resolved reports that the answer to the record's create was lost and
	// the Client found the contact by looking it up (see ContactResult).
	Resolved bool
}

// Count returns how many items have the outcome o.
func (r *BatchResult) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Err returns a *multierror.Error of a *BatchItemError per failed record, or
// nil when every record was stored.
func (r *BatchResult) Err() error {
	var all *multierror.Error
	for _, it := range r.Items {
		if it.Err != nil {
			all = multierror.Append(all, &BatchItemError{Index: it.Index, Err: it.Err})
		}
	}
	return all.ErrorOrNil()
}

// BatchItemError is the failure of one record of a batch.
type BatchItemError struct {
	// Index is the record's position in the input.
	Index int
	Err   error
}

// Error says which record failed and why.
func (e *BatchItemError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }

// Unwrap returns the record's error.
func (e *BatchItemError) Unwrap() error { return e.Err }

// resolvedWarning is added to a batch record found by a lookup after the
// batch's answer was lost: a batch does not read before it writes, so an
// identical contact that existed before cannot be told apart.
var resolvedWarning = Warning{Field: "id", Message: "resolved by lookup after the batch's response was lost; an identical contact that existed before cannot be told apart"}

// StopsBatch reports whether err, the failure of one record or request of
// a batch, stops the rest of it. That is the one rule for every vendor: a
// batch goes on past failures that concern one record (ErrInvalid,
// ErrConflict, ErrNotFound, a failure of no kind such as a malformed
// answer, and an unknown outcome that no lookup can settle), and stops on
// those that concern the account or the connection, which the next record
// would meet too: a context that ended, ErrUnauthorized, ErrForbidden,
// ErrUnsupported, and ErrRateLimited or ErrUnavailable after internal/rest
// retried them.
func StopsBatch(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.Is(err, errNoLookup):
		return false
	}
	for _, k := range []error{ErrUnauthorized, ErrForbidden, ErrUnsupported, ErrRateLimited, ErrUnavailable} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// CreateContacts creates many contacts. Each record is validated first
// (ContactInput.Validate, then the vendor's PrepareContact); a bad record
// is Failed and never sent. The others go in chunks of
// Capabilities.MaxBatch through the vendor's batch endpoint where it has
// one, and one by one (as CreateContact, with its read before) otherwise,
// or when the vendor answers that it has no batch endpoint after all.
//
// A chunk the vendor refuses as a whole (ErrInvalid, all-or-nothing
// vendors) is split in halves until each bad record is alone and reported
// with the vendor's message (docs/quality.md, R5). A chunk whose outcome is unknown
// is looked up record by record: a record found is Created (with a warning
// on "id", since nothing was read before), the others are sent again, at
// most MaxWriteRounds times in all. StopsBatch says which failures stop
// the batch; the records not sent then are Failed with that error.
//
// The result has one item per input, in order. The error is nil when
// every record was stored, the error that stopped the batch when one did,
// and otherwise the result's Err(): a *multierror.Error of a
// *BatchItemError per failed record.
func (c *Client) CreateContacts(ctx context.Context, in []ContactInput) (*BatchResult, error) {
	const op = OpCreateContacts
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	res := &BatchResult{Items: make([]BatchItem, len(in))}
	var todo []pending
	for i, ci := range in {
		p, ws, err := c.prepare(ctx, op, ci)
		if err == nil {
			err = c.checkCreate(op, p)
		}
		if err != nil {
			if StopsBatch(err) {
				return c.stopBatch(res, err)
			}
			res.Items[i] = BatchItem{Index: i, Outcome: Failed, Err: err}
			continue
		}
		todo = append(todo, pending{index: i, in: p, warnings: ws})
	}
	size := max(c.caps.MaxBatch, 1)
	if c.batcher() == nil {
		size = 1
	}
	for start := 0; start < len(todo); start += size {
		if err := ctx.Err(); err != nil {
			return c.stopBatch(res, err)
		}
		chunk := todo[start:min(start+size, len(todo))]
		if err := c.createChunk(ctx, op, chunk, res); err != nil {
			return c.stopBatch(res, err)
		}
	}
	return res, res.Err()
}

// pending is a prepared record of a batch.
type pending struct {
	index    int
	in       ContactInput
	warnings []Warning
}

// stopBatch marks every record without an outcome (not sent, or not yet
// prepared) Failed with err, and returns err.
func (c *Client) stopBatch(res *BatchResult, err error) (*BatchResult, error) {
	err = c.attr(OpCreateContacts, err)
	for i := range res.Items {
		if res.Items[i].Outcome == "" {
			res.Items[i] = BatchItem{Index: i, Outcome: Failed, Err: fmt.Errorf("not sent: the batch stopped: %w", err)}
		}
	}
	return res, err
}

// createChunk stores chunk, recording each record's outcome in res. It
// returns an error only when the batch must stop (StopsBatch).
func (c *Client) createChunk(ctx context.Context, op Operation, chunk []pending, res *BatchResult) error {
	batch := c.batcher()
	if batch == nil || len(chunk) == 1 {
		for _, p := range chunk {
			var r *ContactResult
			var err error
			if batch == nil {
				// One by one, as CreateContact.
				r, err = c.createSingle(ctx, op, p.in)
			} else {
				// A record split out of a batch: no read before, as the
				// batch it came from (a contact found after a lost answer
				// carries resolvedWarning).
				key, _ := c.lookupKey(p.in)
				r, err = c.createOne(ctx, op, p.in, key, nil, false)
			}
			if err != nil && StopsBatch(err) {
				return err
			}
			c.record(res, p, r, err)
		}
		return nil
	}
	for round := 0; round < MaxWriteRounds && len(chunk) > 0; round++ {
		ins := make([]ContactInput, len(chunk))
		for i, p := range chunk {
			ins[i] = p.in
		}
		br, err := batch.CreateContacts(ctx, ins)
		switch {
		case err == nil:
			for i, p := range chunk {
				if i < len(br.Items) {
					it := br.Items[i]
					it.Warnings = append(slices.Clone(p.warnings), it.Warnings...)
					it.Index = p.index
					if it.Err != nil {
						it.Outcome, it.Contact, it.Err = Failed, nil, c.attr(op, it.Err)
					}
					res.Items[p.index] = it
				} else {
					c.record(res, p, nil, c.fail(op, ErrUnavailable, "the batch answer has %d items for %d records", len(br.Items), len(chunk)))
				}
			}
			return nil
		case errors.Is(err, ErrUnsupported):
			// No batch endpoint after all (404/405): one by one from now on.
			c.noBatch.Store(true)
			return c.createChunk(ctx, op, chunk, res)
		case errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil:
			rest, lerr := c.settleLost(ctx, chunk, res)
			if lerr != nil {
				return lerr
			}
			chunk = rest
			if round == MaxWriteRounds-1 {
				for _, p := range chunk {
					c.record(res, p, nil, c.attr(op, err))
				}
			}
		case errors.Is(err, ErrInvalid) && !StopsBatch(err):
			mid := len(chunk) / 2
			if err := c.createChunk(ctx, op, chunk[:mid], res); err != nil {
				return err
			}
			return c.createChunk(ctx, op, chunk[mid:], res)
		default:
			if StopsBatch(err) || ctx.Err() != nil {
				return err
			}
			for _, p := range chunk {
				c.record(res, p, nil, err)
			}
			return nil
		}
	}
	return nil
}

// settleLost looks up each record of a chunk whose answer was lost,
// records those found as Created (with resolvedWarning) and returns the
// others, to be sent again. A record that cannot be looked up is Failed
// with the unknown outcome. A lookup that fails stops the batch.
func (c *Client) settleLost(ctx context.Context, chunk []pending, res *BatchResult) ([]pending, error) {
	var rest []pending
	taken := map[string]bool{}
	for _, p := range chunk {
		key, value := c.lookupKey(p.in)
		if key == "" {
			c.record(res, p, nil, unresolved(c.fail(OpCreateContacts, ErrUnavailable, "the batch's response was lost"), errNoLookup))
			continue
		}
		found, err := c.d.FindContacts(ctx, key, value)
		if err != nil {
			return nil, unresolved(c.fail(OpCreateContacts, ErrUnavailable, "the batch's response was lost"), fmt.Errorf("looking the contacts up failed: %w", err))
		}
		if ct := newest(found, taken, p.in); ct != nil {
			taken[ct.ID] = true
			p.warnings = append(p.warnings, resolvedWarning)
			c.record(res, p, &ContactResult{Contact: ct, Outcome: Created, Resolved: true}, nil)
			continue
		}
		rest = append(rest, p)
	}
	return rest, nil
}

// batcher returns the vendor's batch endpoint, or nil to create one by
// one.
func (c *Client) batcher() BatchCreator {
	if c.noBatch.Load() {
		return nil
	}
	return c.batch
}

// record sets the outcome of record p from a create's result or error.
func (c *Client) record(res *BatchResult, p pending, r *ContactResult, err error) {
	if err != nil {
		res.Items[p.index] = BatchItem{Index: p.index, Outcome: Failed, Err: c.attr(OpCreateContacts, err), Warnings: p.warnings}
		return
	}
	res.Items[p.index] = BatchItem{Index: p.index, Contact: r.Contact, Outcome: r.Outcome,
		Warnings: append(slices.Clone(p.warnings), r.Warnings...), Resolved: r.Resolved}
}

package support

import (
	"context"
	"errors"
	"fmt"
)

// ContactPatch is one contact's update in UpdateContacts: the contact's
// vendor ID and the update, with ContactUpdate's patch semantics.
type ContactPatch struct {
	ID     string
	Update ContactUpdate
}

// UpdateContacts changes many contacts, each as UpdateContact would by ID,
// in chunks of Capabilities.MaxBatchUpdate through the vendor's batch
// update where it has one (Tidio's PATCH /contacts/batch), and one by one
// otherwise. Each patch is checked first (ID and ContactUpdate.Validate;
// the fields the vendor cannot write are removed, with warnings); a bad
// one is Failed and never sent, an empty one is Unchanged. An update that
// would need a read to know whether the contact keeps a name (it clears
// email, phone or name and sets none) is sent alone, as UpdateContact
// sends it.
//
// A chunk the vendor refuses as a whole (ErrInvalid: batch updates are all
// or nothing) is split in halves until each bad patch is alone and reported
// with the vendor's message; any other failure that does not stop the
// batch fails each patch of its chunk. StopsBatch says which failures stop
// the batch; the patches not sent then are Failed with that error. A
// contact patched twice (with changes both times) is Failed the second
// time: the vendor would apply one of them.
//
// The result has one item per patch, in order: Updated (with the contact
// as the vendor answered, or, from a batch that answers nothing, its ID
// alone), Unchanged, or Failed. The error is as CreateContacts's.
func (c *Client) UpdateContacts(ctx context.Context, patches []ContactPatch) (*BatchResult, error) {
	const op = OpUpdateContacts
	res := &BatchResult{Items: make([]BatchItem, len(patches))}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	var batch, alone []int
	seen := make(map[string]int, len(patches))
	checked := make([]ContactPatch, len(patches))
	for i, p := range patches {
		res.Items[i].Index = i
		if err := c.checkID(op, "contact", p.ID); err != nil {
			res.Items[i] = BatchItem{Index: i, Outcome: Failed, Err: err}
			continue
		}
		if err := p.Update.Validate(); err != nil {
			res.Items[i] = BatchItem{Index: i, Outcome: Failed, Err: Attribute(err, c.vendor, op)}
			continue
		}
		u, ws := c.stripUpdate(p.Update)
		res.Items[i].Warnings = ws
		if u.IsEmpty() {
			res.Items[i].Outcome = Unchanged
			res.Items[i].Contact = &Contact{ID: p.ID}
			continue
		}
		// Only patches that are sent can be applied twice.
		if j, dup := seen[p.ID]; dup {
			res.Items[i].Outcome = Failed
			res.Items[i].Err = c.fail(op, ErrInvalid, "contact %s is patched twice in the batch (first as record %d)", clip(p.ID), j)
			continue
		}
		seen[p.ID] = i
		checked[i] = ContactPatch{ID: p.ID, Update: u}
		switch {
		case u.clearsIdentity() && !u.setsIdentity() && !c.caps.AnonymousContacts:
			alone = append(alone, i)
		default:
			batch = append(batch, i)
		}
	}
	bp, ok := c.d.(BatchPatcher)
	size := c.caps.MaxBatchUpdate
	if !ok || size <= 1 {
		alone, batch = append(alone, batch...), nil
	}
	for len(batch) > 0 {
		n := min(size, len(batch))
		if err := c.patchChunk(ctx, bp, checked, batch[:n], res); err != nil {
			return c.stopUpdates(res, err)
		}
		batch = batch[n:]
	}
	for _, i := range alone {
		r, err := c.UpdateContact(ctx, ID(checked[i].ID), checked[i].Update)
		if StopsBatch(err) {
			return c.stopUpdates(res, err)
		}
		c.recordUpdate(res, i, r, err)
	}
	if err := res.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// patchChunk sends the patches idx of checked in one batch request,
// splitting it in halves when the vendor refuses it (ErrInvalid) until the
// bad patch is alone; any other failure fails each patch of the chunk. It
// returns an error only when the batch must stop.
func (c *Client) patchChunk(ctx context.Context, bp BatchPatcher, checked []ContactPatch, idx []int, res *BatchResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ps := make([]ContactPatch, len(idx))
	for k, i := range idx {
		ps[k] = checked[i]
	}
	ws, err := bp.PatchContacts(ctx, ps)
	switch {
	case err == nil:
		for k, i := range idx {
			res.Items[i].Outcome = Updated
			res.Items[i].Contact = &Contact{ID: checked[i].ID}
			if k < len(ws) {
				res.Items[i].Warnings = append(res.Items[i].Warnings, ws[k]...)
			}
		}
		return nil
	case StopsBatch(err):
		return err
	case len(idx) == 1 || !errors.Is(err, ErrInvalid):
		// A refusal of one patch, or a failure that is no refusal (a
		// malformed answer, a conflict): splitting would not tell which.
		for _, i := range idx {
			c.recordUpdate(res, i, nil, err)
		}
		return nil
	}
	half := len(idx) / 2
	if err := c.patchChunk(ctx, bp, checked, idx[:half], res); err != nil {
		return err
	}
	return c.patchChunk(ctx, bp, checked, idx[half:], res)
}

// recordUpdate records the result r or failure err of patch i.
func (c *Client) recordUpdate(res *BatchResult, i int, r *ContactResult, err error) {
	it := &res.Items[i]
	if err != nil {
		it.Outcome, it.Err = Failed, c.attr(OpUpdateContacts, err)
		return
	}
	it.Outcome, it.Contact = r.Outcome, r.Contact
	it.Warnings = append(it.Warnings, r.Warnings...)
}

// stopUpdates marks every patch without an outcome Failed with err, and
// returns err.
func (c *Client) stopUpdates(res *BatchResult, err error) (*BatchResult, error) {
	err = c.attr(OpUpdateContacts, err)
	for i := range res.Items {
		if res.Items[i].Outcome == "" {
			res.Items[i] = BatchItem{Index: i, Outcome: Failed, Err: fmt.Errorf("not sent: the batch stopped: %w", err)}
		}
	}
	return res, err
}

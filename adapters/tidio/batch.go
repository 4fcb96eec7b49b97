package tidio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// batchPath is POST /contacts/batch [AE].
var batchPath = rest.Segments("contacts", "batch")

// wireBatchIn is the body of POST /contacts/batch.
type wireBatchIn struct {
	Contacts []wireContactIn `json:"contacts"`
}

// CreateContacts creates many contacts: POST /contacts/batch, 100 at a
// time [AE]. Every record is validated first; invalid ones fail with
// ErrInvalid and are never sent. Custom fields that are not properties
// defined in the project, or whose values cannot be of the property's
// type, are left out and reported as warnings on their record (see the
// package documentation), so that they do not make Tidio refuse a whole
// batch. Tidio's batch is all-or-nothing, so a batch
// it refuses (400/422) is split in halves, and halves again, until each bad
// record is alone: the good records are stored and each bad one is
// reported with Tidio's message (R5). When Tidio answers 404 or 405 (the
// endpoint is known only from a third-party profile), the records go one by
// one to POST /contacts instead, for this and every later call. A batch
// whose outcome is unknown is looked up record by record before anything is
// sent again (see the package documentation).
//
// Unlike CreateContact, a batch does not read the contacts that exist
// before it is sent (that would be up to 100 reads per batch). So when a
// batch's response is lost and its records are found by lookup, a contact
// identical to a record (same email, or same external ID without an email,
// and every field sent) that existed before cannot be told apart from the
// one the batch created: the record may be given the older contact's ID.
// Every record resolved this way carries a warning on "id" saying so.
//
// The result has one item per input, in order. The error is the result's
// Err() (a *multierror.Error of *support.BatchItemError), or, when a failure
// stopped the call (credentials, rate limit after retries, an outage, a
// cancelled context), that error, with the records not stored marked
// Failed with it.
func (c *Client) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	var todo []pending
	for i, ci := range in {
		res.Items[i].Index = i
		p, err := prepare(op, i, ci)
		if err != nil {
			res.Items[i].Outcome, res.Items[i].Err = support.Failed, err
			continue
		}
		todo = append(todo, p)
	}
	if err := c.filterPending(ctx, op, todo); err != nil {
		for _, p := range todo {
			res.Items[p.index].Outcome, res.Items[p.index].Err = support.Failed, err
		}
		return res, err
	}
	for start := 0; start < len(todo); start += MaxBatch {
		chunk := todo[start:min(start+MaxBatch, len(todo))]
		if err := c.createChunk(ctx, op, chunk, res); err != nil {
			for _, p := range todo[start:] {
				if it := &res.Items[p.index]; it.Outcome == "" {
					it.Outcome, it.Err = support.Failed, err
				}
			}
			return res, err
		}
	}
	return res, res.Err()
}

// created records p as stored.
func created(res *support.BatchResult, p pending, ct *support.Contact) {
	res.Items[p.index] = support.BatchItem{Index: p.index, Contact: ct, Outcome: support.Created, Warnings: p.warnings}
}

// failed records p as not stored.
func failed(res *support.BatchResult, p pending, err error) {
	res.Items[p.index] = support.BatchItem{Index: p.index, Outcome: support.Failed, Warnings: p.warnings, Err: err}
}

// createChunk creates up to MaxBatch records and records each one's
// outcome in res. It returns an error only when the call must stop.
func (c *Client) createChunk(ctx context.Context, op support.Operation, chunk []pending, res *support.BatchResult) error {
	c.refilter(pointers(chunk)...)
	if c.noBatch.Load() {
		return c.createEach(ctx, op, chunk, res)
	}
	body := wireBatchIn{Contacts: make([]wireContactIn, len(chunk))}
	for i, p := range chunk {
		body.Contacts[i] = p.body
	}
	var err error
	for round := 0; round < maxCreateRounds; round++ {
		var r *rest.Response
		r, err = c.send(ctx, op, http.MethodPost, batchPath, body)
		switch status := statusOf(err); {
		case err == nil:
			var out wireBatchCreated
			if json.Unmarshal(r.Body, &out) == nil {
				if ids := out.ids(); len(ids) == len(chunk) && !contains(ids, "") {
					for i, p := range chunk {
						created(res, p, p.sent(ids[i], nil))
					}
					return nil
				}
			}
			// Stored (201), but without IDs to tell: look them up.
			return c.createdWithoutIDs(ctx, op, chunk, res)
		case (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) && !errors.Is(err, support.ErrOutcomeUnknown):
			c.noBatch.Store(true)
			return c.createEach(ctx, op, chunk, res)
		case errors.Is(err, support.ErrInvalid) && !errors.Is(err, support.ErrOutcomeUnknown):
			// A property refused: the definitions changed since they were
			// read. Read again (once per Client), the batch may go whole.
			if c.retryWithFresh(ctx, op, err, pointers(chunk)...) {
				return c.createChunk(ctx, op, chunk, res)
			}
			if len(chunk) == 1 {
				failed(res, chunk[0], err)
				return nil
			}
			half := len(chunk) / 2
			if err := c.createChunk(ctx, op, chunk[:half], res); err != nil {
				return err
			}
			return c.createChunk(ctx, op, chunk[half:], res)
		case errors.Is(err, support.ErrOutcomeUnknown) && ctx.Err() == nil:
			took, lerr := c.batchTookEffect(ctx, op, chunk, res)
			switch {
			case errors.Is(lerr, errNoLookup):
				for _, p := range chunk {
					failed(res, p, unresolved(err, lerr))
				}
				return nil
			case lerr != nil:
				for _, p := range chunk {
					failed(res, p, unresolved(err, lerr))
				}
				return lerr
			case took:
				return nil
			}
			// Not stored: send it again.
		default:
			return err
		}
	}
	for _, p := range chunk {
		failed(res, p, err)
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// batchTookEffect finds out whether an ambiguous batch was stored. Tidio's
// batch is all-or-nothing, so one record is looked up first: absent, the
// batch was not stored. Present, every record is looked up, and the batch
// counts as stored when each one that can be looked up is found (an
// identical contact made earlier could match one record, hardly all); the
// items are then recorded in res.
func (c *Client) batchTookEffect(ctx context.Context, op support.Operation, chunk []pending, res *support.BatchResult) (bool, error) {
	probe := -1
	for i, p := range chunk {
		if email, ext := p.lookupKey(); email != "" || (ext != "" && probe < 0) {
			probe = i
			if email != "" {
				break
			}
		}
	}
	if probe < 0 {
		return false, errNoLookup
	}
	found, err := c.findCreated(ctx, op, chunk[probe:probe+1])
	if err != nil || found[chunk[probe].index] == nil {
		return false, err
	}
	if len(chunk) > 1 {
		if found, err = c.findCreated(ctx, op, chunk); err != nil {
			return false, err
		}
	}
	for _, p := range chunk {
		if email, ext := p.lookupKey(); (email != "" || ext != "") && found[p.index] == nil {
			return false, nil
		}
	}
	recordFound(res, chunk, found, resolvedWarning)
	return true, nil
}

// createdWithoutIDs records a stored chunk whose IDs Tidio did not send,
// looking each record up.
func (c *Client) createdWithoutIDs(ctx context.Context, op support.Operation, chunk []pending, res *support.BatchResult) error {
	found, err := c.findCreated(ctx, op, chunk)
	if errors.Is(err, errNoLookup) {
		err = nil
	}
	recordFound(res, chunk, found, support.Warning{Field: "id", Message: "resolved by lookup because Tidio's batch response carried no IDs; an identical contact that existed before cannot be told apart"})
	return err
}

// recordFound records a stored chunk: each record with the contact found
// and the warning resolved (a lookup cannot tell a new contact from an
// identical one made before), or, when it could not be found, without an
// ID and with a warning saying so.
func recordFound(res *support.BatchResult, chunk []pending, found map[int]*support.Contact, resolved support.Warning) {
	for _, p := range chunk {
		if ct := found[p.index]; ct != nil {
			created(res, p, ct)
			it := &res.Items[p.index]
			it.Warnings = append(slices.Clip(it.Warnings), resolved)
			continue
		}
		created(res, p, p.sent("", nil))
		it := &res.Items[p.index]
		it.Warnings = append(it.Warnings, support.Warning{Field: "id", Message: "stored, but Tidio did not return its ID and it could not be looked up (no email, or not found)"})
	}
}

// createEach creates the records one by one with POST /contacts.
func (c *Client) createEach(ctx context.Context, op support.Operation, chunk []pending, res *support.BatchResult) error {
	for i := range chunk {
		p := &chunk[i]
		ct, err := c.createOne(ctx, op, p)
		switch {
		case err == nil:
			created(res, *p, ct)
		case errors.Is(err, support.ErrInvalid), errors.Is(err, support.ErrOutcomeUnknown) && ctx.Err() == nil:
			failed(res, *p, err)
		default:
			return err
		}
	}
	return nil
}

package tidysupport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Why the unsupported contact operations are unsupported.
const (
	whyNoUpdate = "TidySupport documents no endpoint that updates a contact (Contacts API, VENDORS.md §3); UpsertContact matches without updating"
	whyNoDelete = "TidySupport documents no endpoint that deletes a contact (Contacts API, VENDORS.md §3)"
	whyNoPhone  = "TidySupport documents no lookup by phone: search is not documented to cover phones, and no contact list carries them (VENDORS.md §3)"
)

// ListContacts returns a page of contacts.
//
// It calls GET /v1/customers?limit=&cursor= (Config.ContactList
// ListCustomers, the default), or GET
// /v1/workspaces/{workspaceId}/support/inbox/customers?limit= (ListInbox).
// Items of /v1/customers have no phone; items of the inbox list have neither
// phone nor creation time (GetContact has both).
func (c *Client) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	const op = support.OpListContacts
	if err := checkLimit(op, opts.Limit); err != nil {
		return support.Page[support.Contact]{}, err
	}
	if err := checkCtx(ctx, op); err != nil {
		return support.Page[support.Contact]{}, err
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	path := rest.Segments("v1", "customers")
	if c.contactList == ListInbox {
		path = c.inbox("customers")
	}
	var p contactPage
	err := c.do(ctx, rest.Request{Op: op, Path: path, Query: q}, func(body []byte) (err error) {
		p, err = decodeContactPage(body)
		return err
	})
	if err != nil {
		return support.Page[support.Contact]{}, err
	}
	for _, ws := range p.Workspaces {
		if ws != c.workspace {
			// /v1/customers takes the workspace from the key: showing another
			// workspace's contacts as this one's would be worse than failing.
			return support.Page[support.Contact]{}, &support.Error{
				Vendor: Vendor, Op: op, Kind: support.ErrNotFound,
				Message: fmt.Sprintf("the API key lists contacts of workspace %q, not of Config.WorkspaceID %q", clip(ws), clip(c.workspace)),
			}
		}
	}
	next, err := nextCursor(op, "contacts", p.HasMore, p.Cursor)
	if err != nil {
		return support.Page[support.Contact]{}, err
	}
	return support.Page[support.Contact]{Items: p.Items, Next: next}, nil
}

// nextCursor is a page's Next: the vendor's cursor when it has more, ""
// when it has not, and ErrIncomplete when it has more but no cursor.
func nextCursor(op support.Operation, what string, hasMore bool, cursor string) (string, error) {
	switch {
	case !hasMore:
		return "", nil
	case cursor == "":
		return "", incomplete(op, fmt.Sprintf(
			"TidySupport has more %s (hasMore) but sent no cursor, and this list's next-page parameter is not publicly documented; ask for a larger Limit or a narrower filter", what))
	}
	return cursor, nil
}

// GetContact returns the contact ref addresses.
//
// By ID it calls GET /v1/workspaces/{workspaceId}/support/inbox/contacts/{contactId}.
// By email it calls GET …/inbox/search?q=<email>&limit=, keeps the results
// whose email is the same address (ignoring case), then reads the first with
// GET …/inbox/contacts/{contactId}. By phone it fails with ErrUnsupported.
func (c *Client) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	op := ref.Operation()
	if ref.Kind() == support.RefPhone {
		return nil, support.Unsupported(Vendor, op, whyNoPhone)
	}
	if err := ref.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	id := ref.Value()
	if ref.Kind() == support.RefEmail {
		found, ok, err := c.lookupEmail(ctx, op, ref.Value())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fail(op, support.ErrNotFound, "no contact with %s", clip(ref.String()))
		}
		id = found
	}
	return c.getByID(ctx, op, id)
}

// getByID reads a contact: GET …/inbox/contacts/{contactId}.
func (c *Client) getByID(ctx context.Context, op support.Operation, id string) (*support.Contact, error) {
	var ct support.Contact
	err := c.do(ctx, rest.Request{Op: op, Path: c.inbox("contacts", id)}, func(body []byte) (err error) {
		ct, err = decodeContact(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ct, nil
}

// lookupEmail finds the ID of the contact with email through search:
// GET …/inbox/search?q=<email>&limit=<SearchLimit>. Search may match more
// than the address (its rules are not public), so only exact matches count.
func (c *Client) lookupEmail(ctx context.Context, op support.Operation, email string) (string, bool, error) {
	q := url.Values{"q": {email}, "limit": {strconv.Itoa(c.searchLimit)}}
	var results []searchContact
	err := c.do(ctx, rest.Request{Op: op, Path: c.inbox("search"), Query: q}, func(body []byte) (err error) {
		results, err = decodeSearch(body)
		return err
	})
	if err != nil {
		return "", false, err
	}
	for _, r := range results {
		if support.EqualEmail(r.Email, email) {
			return r.ID, true, nil
		}
	}
	if len(results) >= c.searchLimit {
		return "", false, incomplete(op, fmt.Sprintf(
			"search returned %d results, its limit, without an exact match for the email; the contact may be among those it did not return (raise Config.SearchLimit)", len(results)))
	}
	return "", false, nil
}

// Why fields are warned about.
const (
	notStored = "not stored: TidySupport's contact create takes only email, name and phone"
	notUpdate = "differs from the existing contact, which is kept as it is: TidySupport documents no contact update"
)

// prepare validates in and builds the create body and the warnings for the
// fields TidySupport cannot store as given. It sends nothing.
func prepare(op support.Operation, in support.ContactInput) (contactBody, []support.Warning, error) {
	if err := in.Validate(); err != nil {
		return contactBody{}, nil, withOp(err, op)
	}
	if in.Email == "" {
		return contactBody{}, nil, fail(op, support.ErrInvalid,
			"TidySupport needs an email to create a contact (the Contact Object's email is not nullable)")
	}
	body := contactBody{Email: in.Email, Name: support.JoinName(in.FirstName, in.LastName), Phone: in.Phone}
	if e164, err := support.NormalizePhone(in.Phone); err == nil {
		body.Phone = e164
	}
	var ws []support.Warning
	if first, last := support.SplitName(body.Name); first != in.FirstName || last != in.LastName {
		msg := fmt.Sprintf("TidySupport stores one name, which reads back split at its last space: first %q, last %q", first, last)
		ws = append(ws, support.Warning{Field: "first_name", Message: msg}, support.Warning{Field: "last_name", Message: msg})
	}
	for _, f := range []struct{ field, v string }{
		{"language", in.Language}, {"country", in.Country}, {"external_id", in.ExternalID},
	} {
		if f.v != "" {
			ws = append(ws, support.Warning{Field: f.field, Message: notStored})
		}
	}
	if len(in.Tags) > 0 {
		ws = append(ws, support.Warning{Field: "tags", Message: notStored})
	}
	for _, k := range sortedKeys(in.CustomFields) {
		ws = append(ws, support.Warning{Field: "custom_fields." + k, Message: notStored})
	}
	return body, ws, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// differences lists the fields of in that the existing contact has
// otherwise, which TidySupport cannot update.
func differences(existing *support.Contact, in support.ContactInput) []support.Warning {
	var ws []support.Warning
	if in.FirstName != "" && in.FirstName != existing.FirstName {
		ws = append(ws, support.Warning{Field: "first_name", Message: notUpdate})
	}
	if in.LastName != "" && in.LastName != existing.LastName {
		ws = append(ws, support.Warning{Field: "last_name", Message: notUpdate})
	}
	if in.Phone != "" && !support.SamePhone(in.Phone, existing.Phone) {
		ws = append(ws, support.Warning{Field: "phone", Message: notUpdate})
	}
	return ws
}

// CreateContact stores a contact, or returns the existing one with the same
// email, as TidySupport does.
//
// It looks the email up (GET …/inbox/search?q=, see GetContact): a known
// email returns that contact (GET …/inbox/contacts/{contactId}) with the
// outcome Matched and a warning per field that differs; nothing is written.
// Otherwise it calls POST /v1/workspaces/{workspaceId}/support/inbox/contacts
// with {email, name, phone}, and the outcome is Created. The email is
// required. Language, country, external ID, tags and custom fields cannot be
// stored and are reported as warnings.
func (c *Client) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	const op = support.OpCreateContact
	body, ws, err := prepare(op, in)
	if err != nil {
		return nil, err
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	return c.createOrMatch(ctx, op, in, body, ws, false)
}

// createOrMatch returns the contact with in's email, or creates it. For an
// upsert, a match that differs in nothing is Unchanged rather than Matched.
func (c *Client) createOrMatch(ctx context.Context, op support.Operation, in support.ContactInput, body contactBody, ws []support.Warning, upsert bool) (*support.ContactResult, error) {
	id, found, err := c.lookupEmail(ctx, op, in.Email)
	if err != nil {
		return nil, err
	}
	if found {
		existing, err := c.getByID(ctx, op, id)
		if err != nil {
			return nil, err
		}
		// The name split warnings of prepare are about writing; a match
		// writes nothing, so only unstorable fields and differences count.
		var mws []support.Warning
		for _, w := range ws {
			if w.Message == notStored {
				mws = append(mws, w)
			}
		}
		mws = append(mws, differences(existing, in)...)
		outcome := support.Matched
		if upsert && len(mws) == 0 {
			outcome = support.Unchanged
		}
		return &support.ContactResult{Contact: existing, Outcome: outcome, Warnings: mws}, nil
	}
	ct, err := c.post(ctx, op, body)
	if errors.Is(err, support.ErrOutcomeUnknown) {
		ct, err = c.recover(ctx, op, body, err)
	}
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: ws}, nil
}

// post calls POST …/inbox/contacts.
func (c *Client) post(ctx context.Context, op support.Operation, body contactBody) (*support.Contact, error) {
	var ct support.Contact
	err := c.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: c.inbox("contacts"), Body: body},
		func(b []byte) (err error) {
			ct, err = decodeContact(b)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &ct, nil
}

// recover settles a create whose outcome is unknown (R3): it looks the
// email up, and sends the create once more only if the contact is not there.
// Resending is safe because TidySupport returns the existing contact for a
// known email. If the lookup itself fails, the original error stands.
func (c *Client) recover(ctx context.Context, op support.Operation, body contactBody, cause error) (*support.Contact, error) {
	id, found, err := c.lookupEmail(ctx, op, body.Email)
	switch {
	case err != nil:
		return nil, cause
	case found:
		return c.getByID(ctx, op, id)
	}
	return c.post(ctx, op, body)
}

// CreateContacts creates the contacts one by one, in order, as CreateContact
// does: GET …/inbox/search?q= for each email, then POST
// /v1/workspaces/{workspaceId}/support/inbox/contacts for the new ones (or
// GET …/inbox/contacts/{contactId} for the known ones). TidySupport has no
// batch endpoint, so Capabilities().MaxBatch is 1. Known emails are Matched,
// new ones Created, invalid records Failed without a request. A failure that
// concerns the whole account (credentials, workspace, rate limit, outage,
// cancelled context) stops the call: the records not attempted fail with it.
func (c *Client) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	var stop error
	for i, ci := range in {
		item := support.BatchItem{Index: i, Outcome: support.Failed}
		body, ws, err := prepare(op, ci)
		switch {
		case err != nil:
			item.Err = err
		case stop != nil:
			item.Err = stop
		default:
			if err := checkCtx(ctx, op); err != nil {
				stop, item.Err = err, err
				break
			}
			r, err := c.createOrMatch(ctx, op, ci, body, ws, false)
			if err != nil {
				item.Err = err
				if stopsBatch(err) {
					stop = err
				}
				break
			}
			item.Contact, item.Outcome, item.Warnings = r.Contact, r.Outcome, r.Warnings
		}
		res.Items[i] = item
	}
	return res, res.Err()
}

// stopsBatch reports whether err would fail every other record too.
func stopsBatch(err error) bool {
	for _, kind := range []error{
		support.ErrUnauthorized, support.ErrForbidden, support.ErrNotFound, support.ErrRateLimited,
		support.ErrUnavailable, context.Canceled, context.DeadlineExceeded,
	} {
		if errors.Is(err, kind) && !errors.Is(err, support.ErrOutcomeUnknown) {
			return true
		}
	}
	return false
}

// UpsertContact returns the contact with in's email, or creates it.
//
// It calls GET /v1/workspaces/{workspaceId}/support/inbox/search?q=<email>,
// then GET …/inbox/contacts/{contactId} for a match or POST …/inbox/contacts
// for a new contact. TidySupport's create matches by email whatever
// opts.MatchKeys says, and neither external IDs nor phones can be looked
// up, so the email decides: it is required. A match is Unchanged when in
// holds nothing the contact lacks, otherwise Matched with a warning per field
// that differs or cannot be stored: there is no documented contact update.
func (c *Client) UpsertContact(ctx context.Context, in support.ContactInput, opts support.UpsertOptions) (*support.ContactResult, error) {
	const op = support.OpUpsertContact
	body, ws, err := prepare(op, in)
	if err != nil {
		return nil, err
	}
	for _, k := range opts.Keys() {
		if k != support.MatchExternalID && k != support.MatchEmail && k != support.MatchPhone {
			return nil, fail(op, support.ErrInvalid, "unknown match key %q", clip(string(k)))
		}
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	return c.createOrMatch(ctx, op, in, body, ws, true)
}

// UpdateContact fails with ErrUnsupported: TidySupport documents no contact
// update endpoint.
func (c *Client) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	return nil, support.Unsupported(Vendor, support.OpUpdateContact, whyNoUpdate)
}

// DeleteContact fails with ErrUnsupported: TidySupport documents no contact
// delete endpoint.
func (c *Client) DeleteContact(ctx context.Context, ref support.Ref) error {
	return support.Unsupported(Vendor, support.OpDeleteContact, whyNoDelete)
}

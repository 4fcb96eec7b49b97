package tidysupport

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// PrepareContact returns in as TidySupport stores it: email, the name
// joined and read back split (fullName, support.SplitName: a warning on
// both name fields when that moves a word), and the phone in E.164 when it
// normalizes (otherwise as typed: TidySupport's phone is free text). A
// contact with an external ID is created with the Customers API, which
// takes no phone, and custom fields are stored only there, as its metadata
// [D TS-cust]: a phone beside an external ID, or custom fields without
// one, are removed with a warning each. The Client has removed what
// TidySupport cannot write at all (Capabilities.ContactFields). An input
// without an email fails with ErrInvalid: the Contact Object's email is
// not nullable [seed].
func (d *Driver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	if in.Email == "" {
		return support.ContactInput{}, nil, fail(support.ErrInvalid,
			"TidySupport needs an email to create a contact (the Contact Object's email is not nullable)")
	}
	out := support.ContactInput{Email: in.Email, Phone: in.Phone, ExternalID: in.ExternalID, CustomFields: in.CustomFields}
	if e164, err := support.NormalizePhone(in.Phone); err == nil {
		out.Phone = e164
	}
	out.FirstName, out.LastName = support.SplitName(fullName(in.FirstName, in.LastName))
	var ws []support.Warning
	if out.FirstName != in.FirstName || out.LastName != in.LastName {
		msg := fmt.Sprintf("TidySupport stores one name, which reads back split before its last word: first %q, last %q", out.FirstName, out.LastName)
		ws = append(ws, support.Warning{Field: "first_name", Message: msg}, support.Warning{Field: "last_name", Message: msg})
	}
	switch {
	case out.ExternalID != "" && out.Phone != "":
		out.Phone = ""
		ws = append(ws, support.Warning{Field: "phone", Message: "not stored: a contact with an external ID is created with TidySupport's Customers API, which takes no phone"})
	case out.ExternalID == "":
		for _, k := range slices.Sorted(maps.Keys(out.CustomFields)) {
			ws = append(ws, support.Warning{Field: "custom_fields." + k, Message: "not stored: TidySupport keeps custom fields as a customer's metadata, written only with an external ID"})
		}
		out.CustomFields = nil
	}
	return out, ws, nil
}

// ListContacts returns a page of contacts.
//
// It calls GET /v1/customers?limit=&cursor= (Config.ContactList
// ListCustomers, the default), or GET
// /v1/workspaces/{workspaceId}/support/inbox/customers?limit= (ListInbox).
// Items of /v1/customers have no phone; items of the inbox list have neither
// phone nor creation time (GetContact has both: Capabilities.ListOmits, and
// ContactListOptions.Complete reads them).
func (d *Driver) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	path := rest.Segments("v1", "customers")
	if d.contactList == ListInbox {
		path = d.inbox("customers")
	}
	req := rest.Request{Op: support.OpListContacts, Path: path, Query: pageQuery(opts.ListOptions)}
	p, err := listCall(ctx, d, req, func(b []byte) (contactPage, error) { return decodeContactPage(b, d.contactList == ListInbox) })
	if err != nil {
		return support.Page[support.Contact]{}, err
	}
	for _, ws := range p.Workspaces {
		if ws != d.workspace {
			// /v1/customers takes the workspace from the key: showing another
			// workspace's contacts as this one's would be worse than failing.
			return support.Page[support.Contact]{}, fail(support.ErrNotFound,
				"the API key lists contacts of workspace %.60q, not of Config.WorkspaceID %.60q", ws, d.workspace)
		}
	}
	return page("contacts", p.Items, p.HasMore, p.Cursor)
}

// listCall is call for a page of a list: an answer that is not the list
// (decode cannot read it, or it is not JSON) is ErrUnavailable, so that a
// listing stops, to be tried again, rather than end early.
func listCall[T any](ctx context.Context, d *Driver, req rest.Request, decode func(body []byte) (T, error)) (T, error) {
	v, err := call(ctx, d, req, decode)
	var se *support.Error
	if errors.As(err, &se) && se.Kind == nil && se.Status/100 == 2 && !errors.Is(err, rest.ErrBodyTooLarge) {
		cp := *se
		cp.Kind = support.ErrUnavailable
		return v, &cp
	}
	return v, err
}

// pageQuery is the query of a list: limit and, when the vendor sent one, its
// cursor.
func pageQuery(opts support.ListOptions) url.Values {
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	return q
}

// page is a page of items whose Next is the vendor's cursor when it has
// more, "" when it has not. A page that has more but no cursor (the inbox
// lists document none) is returned with its items and an ErrIncomplete
// error: what was read is kept, and the listing stops there.
func page[T any](what string, items []T, hasMore bool, cursor string) (support.Page[T], error) {
	if hasMore && cursor == "" {
		return support.Page[T]{Items: items}, incomplete(fmt.Sprintf(
			"TidySupport has more %s (hasMore) but sent no cursor: the %d on this page are returned, and the next page cannot be requested, since this list's next-page parameter is not publicly documented; ask for a larger Limit or a narrower filter", what, len(items)))
	}
	if !hasMore {
		cursor = ""
	}
	return support.Page[T]{Items: items, Next: cursor}, nil
}

// GetContact returns the contact id: GET
// /v1/workspaces/{workspaceId}/support/inbox/contacts/{contactId}.
func (d *Driver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	ct, err := call(ctx, d, rest.Request{Op: support.OpGetContact, Path: d.inbox("contacts", id)}, decodeContact)
	if err != nil {
		return nil, err
	}
	return &ct, nil
}

// FindContacts returns the contacts whose email or external ID is value.
//
// By email it calls GET …/inbox/search?q=<email>&limit=<SearchLimit>, keeps
// the results whose email is the same address (ignoring case: search may
// match more, its rules are not public), and reads each with GET
// …/inbox/contacts/{contactId}, earliest created first. A search that fills
// its limit without an exact match fails with ErrIncomplete: the contact
// may be beyond it.
//
// By external ID it calls GET /v1/customers/lookup?externalId= [D
// TS-cust]: a 404, or an answer without a customer, is no match. The
// customer has no phone (the Customers API has none).
func (d *Driver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	switch key {
	case support.MatchExternalID:
		return d.findExternalID(ctx, value)
	case support.MatchEmail:
	default:
		return nil, fail(support.ErrUnsupported, "TidySupport looks contacts up by email and external ID only, not by %s", key)
	}
	q := url.Values{"q": {value}, "limit": {strconv.Itoa(d.searchLimit)}}
	results, err := call(ctx, d, rest.Request{Op: support.OpGetByEmail, Path: d.inbox("search"), Query: q}, decodeSearch)
	if err != nil {
		return nil, err
	}
	found := []support.Contact{}
	for _, r := range results {
		if !support.EqualEmail(r.Email, value) {
			continue
		}
		ct, err := d.GetContact(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		found = append(found, *ct)
	}
	if len(found) == 0 && len(results) >= d.searchLimit {
		return nil, incomplete(fmt.Sprintf(
			"search returned %d results, its limit, without an exact match for the email; the contact may be among those it did not return (raise Config.SearchLimit)", len(results)))
	}
	slices.SortStableFunc(found, func(a, b support.Contact) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return found, nil
}

// findExternalID looks the customer with external ID id up: GET
// /v1/customers/lookup?externalId=. A customer whose externalId is another
// is no match; one without is taken to be id's (the lookup's answer is
// beyond the docs' stored copy).
func (d *Driver) findExternalID(ctx context.Context, id string) ([]support.Contact, error) {
	req := rest.Request{Op: support.OpGetContact, Path: rest.Segments("v1", "customers", "lookup"), Query: url.Values{"externalId": {id}}}
	ct, err := call(ctx, d, req, decodeLookup)
	switch {
	case errors.Is(err, support.ErrNotFound):
		return []support.Contact{}, nil
	case err != nil:
		return nil, err
	case ct == nil || ct.ExternalID != "" && ct.ExternalID != id:
		return []support.Contact{}, nil
	}
	ct.ExternalID = id
	return []support.Contact{*ct}, nil
}

// CreateContact sends one create, once: POST
// /v1/workspaces/{workspaceId}/support/inbox/contacts with {email, name,
// phone}, or, for an input with an external ID, POST /v1/customers with
// {externalId, email, name, metadata} [D TS-cust], so that the external ID
// and the custom fields are stored. The inbox create returns the existing
// contact for a known email, without saying so: the outcome is Created
// (the Client has read the email just before). A lost or garbled answer is
// ErrOutcomeUnknown.
//
// The Customers API's externalId is unique in the workspace; what it does
// with one already taken is not public. A 409 is looked up by the external
// ID: the customer with the same email is returned, Matched, as the inbox
// create returns a known email (a create sent again after a lost answer
// meets the first one so: the Client's email lookup cannot see external
// IDs); with another email, or none found, it is ErrConflict; a lookup
// that fails leaves the outcome unknown (ErrOutcomeUnknown).
func (d *Driver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	name := fullName(in.FirstName, in.LastName)
	req := rest.Request{Op: support.OpCreateContact, Method: http.MethodPost, Path: d.inbox("contacts"),
		Body: contactBody{Email: in.Email, Name: name, Phone: in.Phone}}
	decode := decodeContact
	if in.ExternalID != "" {
		req.Path, decode = rest.Segments("v1", "customers"), decodeCustomer
		req.Body = customerBody{ExternalID: in.ExternalID, Email: in.Email, Name: name, Metadata: in.CustomFields}
	}
	ct, err := call(ctx, d, req, decode)
	if in.ExternalID != "" && errors.Is(err, support.ErrConflict) {
		found, lerr := d.findExternalID(ctx, in.ExternalID)
		switch {
		case lerr != nil:
			return nil, &support.Error{Vendor: Vendor, Kind: support.ErrUnavailable, OutcomeUnknown: true, Err: lerr,
				Message: "the externalId is taken (409) and looking it up failed: whether an earlier send stored this contact is unknown"}
		case len(found) == 1 && support.EqualEmail(found[0].Email, in.Email):
			return &support.ContactResult{Contact: &found[0], Outcome: support.Matched}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: &ct, Outcome: support.Created}, nil
}

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

// notStored is the warning about a field TidySupport cannot store.
const notStored = "not stored: TidySupport's contact create takes only email, name and phone"

// PrepareContact returns in as TidySupport stores it: email, the name
// joined and read back split at its last space (a warning on both name
// fields when that moves a word), and the phone in E.164 when it normalizes
// (otherwise as typed: TidySupport's phone is free text). Language,
// country, external ID, tags and custom fields cannot be stored: they are
// removed, with a warning each. An input without an email fails with
// ErrInvalid: the Contact Object's email is not nullable [seed].
func (d *Driver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	if in.Email == "" {
		return support.ContactInput{}, nil, fail(support.ErrInvalid,
			"TidySupport needs an email to create a contact (the Contact Object's email is not nullable)")
	}
	out := support.ContactInput{Email: in.Email, Phone: in.Phone}
	if e164, err := support.NormalizePhone(in.Phone); err == nil {
		out.Phone = e164
	}
	out.FirstName, out.LastName = support.SplitName(support.JoinName(in.FirstName, in.LastName))
	var ws []support.Warning
	if out.FirstName != in.FirstName || out.LastName != in.LastName {
		msg := fmt.Sprintf("TidySupport stores one name, which reads back split at its last space: first %q, last %q", out.FirstName, out.LastName)
		ws = append(ws, support.Warning{Field: "first_name", Message: msg}, support.Warning{Field: "last_name", Message: msg})
	}
	for _, f := range []struct {
		field string
		set   bool
	}{{"language", in.Language != ""}, {"country", in.Country != ""}, {"external_id", in.ExternalID != ""}, {"tags", len(in.Tags) > 0}} {
		if f.set {
			ws = append(ws, support.Warning{Field: f.field, Message: notStored})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
		ws = append(ws, support.Warning{Field: "custom_fields." + k, Message: notStored})
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
// more, "" when it has not, and ErrIncomplete when it has more but no
// cursor.
func page[T any](what string, items []T, hasMore bool, cursor string) (support.Page[T], error) {
	if hasMore && cursor == "" {
		return support.Page[T]{}, incomplete(fmt.Sprintf(
			"TidySupport has more %s (hasMore) but sent no cursor, and this list's next-page parameter is not publicly documented; ask for a larger Limit or a narrower filter", what))
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

// FindContacts returns the contacts with the email value, earliest created
// first; email is the only key TidySupport can look up.
//
// It calls GET …/inbox/search?q=<email>&limit=<SearchLimit>, keeps the
// results whose email is the same address (ignoring case: search may match
// more, its rules are not public), and reads each with GET
// …/inbox/contacts/{contactId}. A search that fills its limit without an
// exact match fails with ErrIncomplete: the contact may be beyond it.
func (d *Driver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	if key != support.MatchEmail {
		return nil, fail(support.ErrUnsupported, "TidySupport looks contacts up by email only, not by %s", key)
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

// CreateContact sends POST
// /v1/workspaces/{workspaceId}/support/inbox/contacts with {email, name,
// phone}, once. TidySupport returns the existing contact for a known email,
// without saying so: the outcome is Created (the Client has read the email
// just before). A lost or garbled answer is ErrOutcomeUnknown.
func (d *Driver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	body := contactBody{Email: in.Email, Name: support.JoinName(in.FirstName, in.LastName), Phone: in.Phone}
	req := rest.Request{Op: support.OpCreateContact, Method: http.MethodPost, Path: d.inbox("contacts"), Body: body}
	ct, err := call(ctx, d, req, decodeContact)
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: &ct, Outcome: support.Created}, nil
}

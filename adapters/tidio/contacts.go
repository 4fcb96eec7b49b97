package tidio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/fielddefs"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// contactsPath is /contacts; contactPath is /contacts/{id}.
var contactsPath = rest.Segments("contacts")

func contactPath(id string) rest.Path { return rest.Segments("contacts", id) }

// PrepareContact returns in as Tidio will store it: Tidio's field lengths
// checked (ErrInvalid), and the custom fields that are not properties
// defined in the project, or whose values cannot be of their property's
// type, removed with a warning each. The definitions are read (GET
// /contact-properties, every page) on the first input with custom fields;
// see the package documentation. The Client has removed the fields Tidio
// cannot write (Capabilities.ContactFields).
func (d *Driver) PrepareContact(ctx context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	if err := checkLimits(in.FirstName, in.LastName, in.Phone, in.ExternalID); err != nil {
		return support.ContactInput{}, nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(in.CustomFields)) {
		if err := checkProperty(name, in.CustomFields[name]); err != nil {
			return support.ContactInput{}, nil, err
		}
	}
	if len(in.CustomFields) == 0 {
		return in, nil, nil
	}
	keep, ws, err := fielddefs.Split(ctx, d.props, support.OpCreateContact, in.CustomFields)
	if err != nil {
		return support.ContactInput{}, nil, err
	}
	in.CustomFields = nilIfEmpty(keep)
	return in, ws, nil
}

// checkLimits enforces Tidio's field lengths, in characters.
func checkLimits(first, last, phone, externalID string) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"first_name", first, MaxNameLength}, {"last_name", last, MaxNameLength},
		{"phone", phone, MaxPhoneLength}, {"external_id (distinct_id)", externalID, MaxExternalIDLength},
	} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return fail(support.ErrInvalid, "%s is %d characters; Tidio takes at most %d", f.name, n, f.max)
		}
	}
	return nil
}

// checkProperty enforces Tidio's custom property limits [D T-post].
func checkProperty(name, value string) error {
	switch {
	case utf8.RuneCountInString(name) > MaxPropertyNameLength:
		return fail(support.ErrInvalid, "custom field name %q is longer than Tidio's %d characters", clipText(name, 40), MaxPropertyNameLength)
	case utf8.RuneCountInString(value) > MaxPropertyValueLength:
		return fail(support.ErrInvalid, "custom field %q is longer than Tidio's %d characters", clipText(name, 40), MaxPropertyValueLength)
	}
	return nil
}

// ListContacts returns a page of contacts in Tidio's order, with Tidio's
// opaque cursor: GET /contacts?cursor= [D T-ref]. Tidio has no page size
// parameter, so opts.Limit is ignored.
func (d *Driver) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	return d.listContacts(ctx, support.OpListContacts, opts.Cursor, nil)
}

// listContacts fetches one page of GET /contacts, filtered by email when
// query has one.
func (d *Driver) listContacts(ctx context.Context, op support.Operation, cursor string, query url.Values) (support.Page[support.Contact], error) {
	return listPage(ctx, d, op, contactsPath, query, cursor, "contacts", decodeContact)
}

// listPage fetches one page of the Tidio list at path, GET path?cursor=
// with query, whose items are under key, each decoded with item. An answer
// that is not such a page (no list, not JSON, 204) is ErrUnavailable: the
// listing stops, to be tried again, rather than end early (a cursor that
// does not advance, support.Pages stops on).
func listPage[T any](ctx context.Context, d *Driver, op support.Operation, path rest.Path, query url.Values, cursor, key string,
	item func([]byte) (T, error)) (support.Page[T], error) {
	q := url.Values{}
	maps.Copy(q, query)
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	res, err := d.get(ctx, op, path, q)
	if err != nil {
		return support.Page[T]{}, err
	}
	page, err := decodePage(res.Body, key, item)
	if err != nil {
		return support.Page[T]{}, badPage(res.Status, key, err)
	}
	return page, nil
}

// badPage is the ErrUnavailable error of a list answer with status whose
// key list decodePage could not read, saying what was wrong.
func badPage(status int, key string, err error) error {
	e := &support.Error{Vendor: Vendor, Status: status, Kind: support.ErrUnavailable, Message: fmt.Sprintf("malformed %q page in Tidio's response", key), Err: err}
	var nl noListError
	if errors.As(err, &nl) {
		e.Message, e.Err = nl.Error()+" in Tidio's response", nil
	}
	return e
}

// GetContact returns the contact id: GET /contacts/{id}.
func (d *Driver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	res, err := d.get(ctx, support.OpGetContact, contactPath(id), nil)
	if err != nil {
		return nil, err
	}
	ct, err := decodeContact(res.Body)
	if err != nil {
		return nil, malformed(res.Status, "contact", err, false)
	}
	return &ct, nil
}

// FindContacts returns every contact with the email value, earliest
// created first (Tidio's order among equal times, those without a time
// last): GET /contacts?email=, every page, keeping the contacts whose
// address is value without regard to case. Email is the only key Tidio can
// look up [D T-ref].
func (d *Driver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	const op = support.OpGetByEmail
	if key != support.MatchEmail {
		return nil, fail(support.ErrUnsupported, "Tidio looks contacts up by email only, not by %s", key)
	}
	out := []support.Contact{}
	q := url.Values{"email": {value}}
	for page, err := range support.Pages(ctx, "", func(ctx context.Context, cursor string) (support.Page[support.Contact], error) {
		return d.listContacts(ctx, op, cursor, q)
	}) {
		if err != nil {
			return nil, err
		}
		for _, ct := range page.Items {
			if support.EqualEmail(ct.Email, value) {
				out = append(out, ct)
			}
		}
	}
	sortEarliest(out)
	return out, nil
}

// sortEarliest sorts contacts earliest created first, keeping the order of
// equal times and putting those without a time last.
func sortEarliest(cts []support.Contact) {
	slices.SortStableFunc(cts, func(a, b support.Contact) int { return earliestFirst(a.CreatedAt, b.CreatedAt) })
}

// earliestFirst orders times earliest first with unknown (zero) times last,
// as a compare function for slices.SortStableFunc. Zero times must sort as
// a value of their own: "unordered with everything" is not a strict weak
// ordering, and the sort then misplaces the known times around them.
func earliestFirst(a, b time.Time) int {
	switch az, bz := a.IsZero(), b.IsZero(); {
	case az && bz:
		return 0
	case az:
		return 1
	case bz:
		return -1
	}
	return a.Compare(b)
}

// contactBody is the POST body of a prepared input with the custom fields
// fields (sorted by name, so that a body is the same bytes every time).
func contactBody(in support.ContactInput, fields map[string]string) wireContactIn {
	b := wireContactIn{DistinctID: in.ExternalID, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		EmailConsent: string(in.EmailConsent)}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		v := fields[name]
		b.Properties = append(b.Properties, wirePropertyOut{Name: name, Value: &v})
	}
	return b
}

// sent returns the contact created from in with the custom fields fields:
// its new ID and the fields sent, as Tidio stores them.
func sent(in support.ContactInput, fields map[string]string, id string, raw json.RawMessage) *support.Contact {
	return &support.Contact{
		ID: id, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		EmailConsent: in.EmailConsent, ExternalID: in.ExternalID, CustomFields: nilIfEmpty(maps.Clone(fields)), Raw: raw,
	}
}

// CreateContact sends POST /contacts [D T-post] for a prepared input, once:
// Tidio never deduplicates, so the outcome is always Created, a new
// contact. A failure that may have stored it (or a 201 without an id) is
// ErrOutcomeUnknown. When Tidio refuses a property the definitions allowed,
// they are read again and the create, which did not take effect, is sent
// once more without the fields they no longer allow (see the package
// documentation).
func (d *Driver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	const op = support.OpCreateContact
	var ct *support.Contact
	ws, err := fielddefs.Write(ctx, d.props, op, []map[string]string{in.CustomFields}, func(keep []map[string]string) error {
		res, err := d.send(ctx, op, http.MethodPost, contactsPath, contactBody(in, keep[0]))
		if err != nil {
			return err
		}
		var out wireCreated
		if err := json.Unmarshal(res.Body, &out); err != nil || out.ID == "" {
			return malformed(res.Status, "contact creation (no contact id)", err, true)
		}
		ct = sent(in, keep[0], string(out.ID), slices.Clone(res.Body))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: ws[0]}, nil
}

// PatchContact changes the contact id: PATCH /contacts/{id} with only the
// fields u sets, "" sent as null (which clears the field), and a nil custom
// field value as a null property value [D T-patch]. Tidio's rules are
// checked first (checkUpdate), and custom fields that are not properties
// defined in the project (or whose values cannot be of the property's
// type) are left out, each with a warning. An update with nothing left to
// send reads the contact (GET /contacts/{id}, so that a missing one is
// ErrNotFound) and is Unchanged. Tidio answers 204: the contact returned is
// the ID and the fields sent, without Raw.
func (d *Driver) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	if err := checkUpdate(u); err != nil {
		return nil, err
	}
	var res *support.ContactResult
	dropped, err := fielddefs.Write(ctx, d.props, op, []map[string]*string{u.CustomFields}, func(keep []map[string]*string) error {
		s := u
		s.CustomFields = keep[0]
		if body := patchBody(s); len(body) > 0 {
			if _, err := d.send(ctx, op, http.MethodPatch, contactPath(id), body); err != nil {
				return err
			}
			res = &support.ContactResult{Contact: support.Ptr(s.Apply(support.Contact{ID: id})), Outcome: support.Updated}
			return nil
		}
		ct, err := d.GetContact(ctx, id)
		if err != nil {
			return err
		}
		res = &support.ContactResult{Contact: ct, Outcome: support.Unchanged}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Warnings = dropped[0]
	return res, nil
}

// checkUpdate enforces Tidio's rules on an update before any request: its
// field lengths, and that distinct_id cannot be cleared [S MCP-T]
// (ErrInvalid).
func checkUpdate(u support.ContactUpdate) error {
	val := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	if err := checkLimits(val(u.FirstName), val(u.LastName), val(u.Phone), val(u.ExternalID)); err != nil {
		return err
	}
	if u.ExternalID != nil && *u.ExternalID == "" {
		return fail(support.ErrInvalid, "Tidio's distinct_id (ExternalID) cannot be cleared, only changed")
	}
	for _, name := range slices.Sorted(maps.Keys(u.CustomFields)) {
		if err := checkProperty(name, val(u.CustomFields[name])); err != nil {
			return err
		}
	}
	return nil
}

// patchBody is the PATCH body of u, for PATCH /contacts/{id} and a record
// of PATCH /contacts/batch: the fields Tidio can write that u sets, "" as
// null [D T-patch].
func patchBody(u support.ContactUpdate) map[string]any {
	body := map[string]any{}
	var consent *string
	if u.EmailConsent != nil {
		consent = support.Ptr(string(*u.EmailConsent))
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", u.FirstName}, {"last_name", u.LastName}, {"email", u.Email}, {"phone", u.Phone},
		{"email_consent", consent}, {"distinct_id", u.ExternalID}} {
		switch {
		case f.v == nil:
		case *f.v == "":
			body[f.name] = nil
		default:
			body[f.name] = *f.v
		}
	}
	var props []wirePropertyOut
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		props = append(props, wirePropertyOut{Name: k, Value: u.CustomFields[k]})
	}
	if len(props) > 0 {
		body["properties"] = props
	}
	return body
}

// DeleteContact deletes the contact id: DELETE /contacts/{id} [AE, 3P
// T-py], once (a second DELETE answers 404). A failure that may have
// deleted it is ErrOutcomeUnknown.
func (d *Driver) DeleteContact(ctx context.Context, id string) error {
	_, err := d.send(ctx, support.OpDeleteContact, http.MethodDelete, contactPath(id), nil)
	return err
}

// nilIfEmpty returns m, or nil when it is empty.
func nilIfEmpty[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

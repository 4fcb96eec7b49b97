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

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// maxListPages bounds how many pages one lookup reads, so that a vendor
// returning cursors forever cannot keep a call going.
const maxListPages = 100_000

// maxCreateRounds is how many times one create is sent, each one only after
// a lookup found the previous attempt had not taken effect.
const maxCreateRounds = 3

// contactsPath is /contacts; contactPath is /contacts/{id}.
var contactsPath = rest.Segments("contacts")

func contactPath(id string) rest.Path { return rest.Segments("contacts", id) }

// ListContacts returns a page of contacts in Tidio's order, with Tidio's
// opaque cursor: GET /contacts?cursor= [D T-ref]. Tidio has no page size
// parameter, so opts.Limit is ignored.
func (c *Client) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	return c.listContacts(ctx, support.OpListContacts, opts.Cursor, nil)
}

// listContacts fetches one page of GET /contacts, filtered by email when
// query has one.
func (c *Client) listContacts(ctx context.Context, op support.Operation, cursor string, query url.Values) (support.Page[support.Contact], error) {
	q := url.Values{}
	maps.Copy(q, query)
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	res, err := c.get(ctx, op, contactsPath, q)
	if err != nil {
		return support.Page[support.Contact]{}, err
	}
	page, err := decodeContactPage(res.Body)
	if err != nil {
		return support.Page[support.Contact]{}, malformed(op, res.Status, "contact list", err)
	}
	if page.Next != "" && page.Next == cursor {
		return support.Page[support.Contact]{}, malformed(op, res.Status, "contact list", errors.New("meta.cursor did not advance"))
	}
	return page, nil
}

// errNoPhoneLookup explains why phone refs fail.
const errNoPhoneLookup = "Tidio cannot look contacts up by phone (GET /contacts filters by email only [D T-ref]), and scanning every contact is not done"

// GetContact returns the contact ref addresses: GET /contacts/{id} for an
// id: Ref, GET /contacts?email= for an email: Ref (the earliest created when
// several match, a contact without a creation time only when none has one). A phone: Ref fails with ErrUnsupported.
func (c *Client) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	op := ref.Operation()
	if err := ref.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	switch ref.Kind() {
	case support.RefPhone:
		return nil, support.Unsupported(Vendor, op, errNoPhoneLookup)
	case support.RefEmail:
		return c.getByEmail(ctx, op, ref.Value())
	}
	return c.getByID(ctx, op, ref.Value())
}

// getByID reads GET /contacts/{id}.
func (c *Client) getByID(ctx context.Context, op support.Operation, id string) (*support.Contact, error) {
	res, err := c.get(ctx, op, contactPath(id), nil)
	if err != nil {
		return nil, err
	}
	ct, err := decodeContact(res.Body)
	if err != nil {
		return nil, malformed(op, res.Status, "contact", err)
	}
	return &ct, nil
}

// getByEmail returns the earliest created contact with the email.
func (c *Client) getByEmail(ctx context.Context, op support.Operation, email string) (*support.Contact, error) {
	all, err := c.lookupEmail(ctx, op, email)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fail(op, support.ErrNotFound, "no contact with email %s", clipText(email, 100))
	}
	return &all[0], nil
}

// lookupEmail returns every contact with the email, earliest created first
// (Tidio's order among equal times, those without a time last): GET
// /contacts?email=, every page.
// Addresses are compared without regard to case.
func (c *Client) lookupEmail(ctx context.Context, op support.Operation, email string) ([]support.Contact, error) {
	var out []support.Contact
	err := c.eachContact(ctx, op, url.Values{"email": {email}}, func(ct support.Contact) {
		if support.EqualEmail(ct.Email, email) {
			out = append(out, ct)
		}
	})
	sortEarliest(out)
	return out, err
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

// eachContact calls fn for every contact of GET /contacts with query.
func (c *Client) eachContact(ctx context.Context, op support.Operation, query url.Values, fn func(support.Contact)) error {
	cursor := ""
	for range maxListPages {
		page, err := c.listContacts(ctx, op, cursor, query)
		if err != nil {
			return err
		}
		for _, ct := range page.Items {
			fn(ct)
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
	return fail(op, nil, "gave up after %d pages of contacts", maxListPages)
}

// resolve returns the ID of the contact ref addresses, and the contact when
// it had to be read to find it.
func (c *Client) resolve(ctx context.Context, op support.Operation, ref support.Ref) (string, *support.Contact, error) {
	switch ref.Kind() {
	case support.RefPhone:
		return "", nil, support.Unsupported(Vendor, op, errNoPhoneLookup)
	case support.RefEmail:
		ct, err := c.getByEmail(ctx, op, ref.Value())
		if err != nil {
			return "", nil, err
		}
		return ct.ID, ct, nil
	}
	return ref.Value(), nil, nil
}

// pending is one contact to create: its place in the caller's input, the
// input as sent (CustomFields only those sent), the caller's custom fields,
// the body sent for it, and the warnings about fields not sent.
type pending struct {
	index int
	in    support.ContactInput
	given map[string]string
	body  wireContactIn
	// fixed are the warnings on fields Tidio cannot write; warnings adds
	// those on custom fields not sent.
	fixed, warnings []support.Warning
	// defs are the property definitions the custom fields were filtered
	// by; nil before any were read.
	defs *propertyDefs
	// single is set for a create that must prove a contact found after an
	// ambiguous failure is new (CreateContact, UpsertContact); batches
	// accept the lookup and warn instead.
	single bool
	// existed holds the IDs of the contacts with p's email read before the
	// first POST, which a lookup must not take for the one created; nil
	// when none were read.
	existed map[string]bool
}

// prepare validates in against support's rules and Tidio's limits, and
// returns the record to send: with every custom field until filtered by
// the property definitions. Custom fields are validated whether or not
// they turn out to be defined.
func prepare(op support.Operation, index int, in support.ContactInput) (pending, error) {
	if err := in.Validate(); err != nil {
		return pending{}, withOp(err, op)
	}
	if err := checkLimits(op, in.FirstName, in.LastName, in.Phone, in.ExternalID); err != nil {
		return pending{}, err
	}
	for _, name := range slices.Sorted(maps.Keys(in.CustomFields)) {
		if err := checkProperty(op, name, in.CustomFields[name]); err != nil {
			return pending{}, err
		}
	}
	p := pending{index: index, in: in, given: in.CustomFields, body: wireContactIn{
		DistinctID: in.ExternalID, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
	}}
	p.fixed = readOnlyWarnings(in.Language != "", in.Country != "", len(in.Tags) > 0)
	p.filter(nil)
	return p, nil
}

// filter sets the custom fields p sends to those defs allow (all of them
// when defs cannot tell), with a warning on each of the others, and
// reports whether that changed the properties sent.
func (p *pending) filter(defs *propertyDefs) bool {
	keep, dropped := splitFields(defs, p.given, func(v string) *string { return &v })
	var props []wirePropertyOut
	for _, name := range slices.Sorted(maps.Keys(keep)) {
		v := keep[name]
		props = append(props, wirePropertyOut{Name: name, Value: &v})
	}
	changed := !slices.EqualFunc(p.body.Properties, props, func(a, b wirePropertyOut) bool {
		return a.Name == b.Name && *a.Value == *b.Value
	})
	if len(keep) == 0 {
		keep = nil
	}
	p.in.CustomFields, p.body.Properties, p.defs = keep, props, defs
	p.warnings = append(slices.Clip(p.fixed), dropped...)
	return changed
}

// checkLimits enforces Tidio's field lengths, in characters.
func checkLimits(op support.Operation, first, last, phone, externalID string) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"first_name", first, MaxNameLength}, {"last_name", last, MaxNameLength},
		{"phone", phone, MaxPhoneLength}, {"external_id (distinct_id)", externalID, MaxExternalIDLength},
	} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return fail(op, support.ErrInvalid, "%s is %d characters; Tidio takes at most %d", f.name, n, f.max)
		}
	}
	return nil
}

// checkProperty enforces Tidio's custom property limits [D T-post].
func checkProperty(op support.Operation, name, value string) error {
	switch {
	case name == "":
		return fail(op, support.ErrInvalid, "a custom field has an empty name")
	case utf8.RuneCountInString(name) > MaxPropertyNameLength:
		return fail(op, support.ErrInvalid, "custom field name %q is longer than Tidio's %d characters", clipText(name, 40), MaxPropertyNameLength)
	case utf8.RuneCountInString(value) > MaxPropertyValueLength:
		return fail(op, support.ErrInvalid, "custom field %q is longer than Tidio's %d characters", clipText(name, 40), MaxPropertyValueLength)
	}
	return nil
}

// readOnlyWarnings reports the fields Tidio's API cannot write.
func readOnlyWarnings(language, country, tags bool) []support.Warning {
	var ws []support.Warning
	if language {
		ws = append(ws, support.Warning{Field: "language", Message: "not stored: Tidio's API can read a contact's language but has no field to write it"})
	}
	if country {
		ws = append(ws, support.Warning{Field: "country", Message: "not stored: Tidio's API can read a contact's country but has no field to write it"})
	}
	if tags {
		ws = append(ws, support.Warning{Field: "tags", Message: "not stored: Tidio's contacts have no tags in the API"})
	}
	return ws
}

// sent returns the contact as created from p, with its new ID: the fields
// that were sent, as Tidio stores them.
func (p pending) sent(id string, raw json.RawMessage) *support.Contact {
	ct := &support.Contact{
		ID: id, FirstName: p.in.FirstName, LastName: p.in.LastName, Email: p.in.Email, Phone: p.in.Phone,
		ExternalID: p.in.ExternalID, CustomFields: maps.Clone(p.in.CustomFields), Raw: raw,
	}
	if len(ct.CustomFields) == 0 {
		ct.CustomFields = nil
	}
	return ct
}

// CreateContact stores a new contact: POST /contacts [D T-post]. Tidio never
// deduplicates, so this is always a new contact (outcome Created), even when
// one with the same email or external ID exists. Fields Tidio cannot write
// (language, country, tags) and custom fields that are not properties
// defined in the project (or whose values cannot be of the property's
// type) are not sent and are reported as warnings. After an ambiguous
// failure the contact is looked up before it is sent again (see the package
// documentation). With an email, the contacts having it are read first (GET
// /contacts?email=, one extra request), so that the lookup cannot take one
// of them for the contact created. Without an email they cannot be read, so
// a contact the lookup finds by external ID is not claimed: the error is
// support.ErrOutcomeUnknown.
func (c *Client) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	const op = support.OpCreateContact
	p, err := prepare(op, 0, in)
	if err != nil {
		return nil, err
	}
	ps := []pending{p}
	if err := c.filterPending(ctx, op, ps); err != nil {
		return nil, err
	}
	if in.Email != "" {
		// One read before the POST, so that after an ambiguous failure an
		// identical contact that existed already is not taken for the one
		// created (Tidio never deduplicates, so one may well exist).
		before, err := c.lookupEmail(ctx, op, in.Email)
		if err != nil {
			return nil, err
		}
		ps[0].noteExisting(before)
	}
	ps[0].single = true
	ct, err := c.createOne(ctx, op, &ps[0])
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: ps[0].warnings}, nil
}

// noteExisting records the contacts with p's email read before it is sent.
func (p *pending) noteExisting(before []support.Contact) {
	p.existed = make(map[string]bool, len(before))
	for _, ct := range before {
		p.existed[ct.ID] = true
	}
}

// resolvedWarning is added to a batch record found by a lookup after an
// ambiguous failure, since nothing was read before to tell it apart.
var resolvedWarning = support.Warning{Field: "id", Message: "resolved by lookup after the batch's response was lost; an identical contact that existed before cannot be told apart"}

// createOne creates p, and when Tidio refuses one of its properties, creates
// it once more with the definitions read again (see retryWithFresh). A
// record of a batch found by lookup gets resolvedWarning.
func (c *Client) createOne(ctx context.Context, op support.Operation, p *pending) (*support.Contact, error) {
	c.refilter(p)
	ct, looked, err := c.create(ctx, op, *p)
	if err != nil && c.retryWithFresh(ctx, op, err, p) {
		ct, looked, err = c.create(ctx, op, *p)
	}
	if err == nil && looked && !p.single {
		p.warnings = append(p.warnings, resolvedWarning)
	}
	return ct, err
}

// create sends POST /contacts for p, never twice without a lookup in
// between finding that the earlier attempt did not take effect. It reports
// whether the contact returned was found by a lookup. A single create
// without the contacts read before (no email) does not claim a contact
// found as its own: it may have existed before, so the outcome is unknown.
func (c *Client) create(ctx context.Context, op support.Operation, p pending) (*support.Contact, bool, error) {
	var err error
	for range maxCreateRounds {
		var res *rest.Response
		res, err = c.send(ctx, op, http.MethodPost, contactsPath, p.body)
		if err == nil {
			var out wireCreated
			if json.Unmarshal(res.Body, &out) == nil && out.ID != "" {
				return p.sent(string(out.ID), slices.Clone(res.Body)), false, nil
			}
			// Created, but the ID is lost with the body: as ambiguous as a
			// broken connection.
			err = &support.Error{Vendor: Vendor, Op: op, Status: res.Status, OutcomeUnknown: true,
				Message: "Tidio's 201 carried no contact id"}
		}
		if !errors.Is(err, support.ErrOutcomeUnknown) || ctx.Err() != nil {
			return nil, false, err
		}
		found, lerr := c.findCreated(ctx, op, []pending{p})
		if lerr != nil {
			return nil, false, unresolved(err, lerr)
		}
		if ct := found[p.index]; ct != nil {
			if p.single && p.existed == nil {
				return nil, false, unresolved(err, fmt.Errorf("%w (contact %s)", errNotProvablyNew, ct.ID))
			}
			return ct, true, nil
		}
	}
	return nil, false, err
}

// errNoLookup is the cause of an ambiguous create that cannot be looked up.
var errNoLookup = errors.New("a contact with neither email nor external ID cannot be looked up in Tidio, so it was not sent again")

// errNotProvablyNew is the cause of an ambiguous single create without an
// email whose lookup found a matching contact: Tidio cannot list contacts
// by external ID, so they were not read before the create (that would be a
// listing of every contact), and the one found may have existed already.
var errNotProvablyNew = errors.New("a contact with every field sent was found by its external ID, but it may have existed before the create (without an email Tidio cannot list the contacts that did), so it was not sent again")

// unresolved is the error for an ambiguous create whose lookup failed:
// still ambiguous, with why the lookup failed. When the context stopped the
// lookup, the error matches its error (context.Canceled or
// context.DeadlineExceeded) too.
func unresolved(orig, lookup error) error {
	var se *support.Error
	if !errors.As(orig, &se) {
		return orig
	}
	e := *se
	e.OutcomeUnknown = true
	if e.Kind == nil {
		e.Kind = support.ErrUnavailable
	}
	msg := lookup.Error()
	if !errors.Is(lookup, errNoLookup) && !errors.Is(lookup, errNotProvablyNew) {
		msg = "looking the contact up failed: " + msg
	}
	if e.Message != "" {
		msg = e.Message + "; " + msg
	}
	e.Message = msg
	for _, cerr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(lookup, cerr) {
			e.Err = &stoppedLookup{cause: e.Err, ctxErr: cerr}
			break
		}
	}
	return &e
}

// stoppedLookup is the cause of an ambiguous create whose lookup the
// context stopped: the create's own cause (nil when there was none) and the
// context's error, both reachable with errors.Is and errors.As. It reads as
// the create's cause only, since the error's message already quotes the
// lookup's failure.
type stoppedLookup struct{ cause, ctxErr error }

func (s *stoppedLookup) Error() string {
	if s.cause == nil {
		return ""
	}
	return s.cause.Error()
}

func (s *stoppedLookup) Unwrap() []error {
	if s.cause == nil {
		return []error{s.ctxErr}
	}
	return []error{s.cause, s.ctxErr}
}

// lookupKey is how a pending contact is found again: by email, else by
// external ID, else not at all.
func (p pending) lookupKey() (email, externalID string) {
	if p.in.Email != "" {
		return p.in.Email, ""
	}
	return "", p.in.ExternalID
}

// findCreated looks up the contacts ps describe, after a create whose
// outcome is unknown: by email (GET /contacts?email=), and those without an
// email by distinct_id in one listing of every contact. A contact counts as
// one of ps if it has every field that was sent and is not one the record
// saw before it was sent (pending.existed); when several do (a batch with
// the same person twice, or an identical contact made before and not
// read), each record takes the newest one left. The result maps p.index to the contact
// found; records not found are absent. It fails with errNoLookup when no
// record of ps can be looked up.
func (c *Client) findCreated(ctx context.Context, op support.Operation, ps []pending) (map[int]*support.Contact, error) {
	byEmail := map[string][]pending{}
	var emails []string
	byExternal := map[string][]pending{}
	for _, p := range ps {
		email, ext := p.lookupKey()
		switch {
		case email != "":
			k := support.EmailKey(email)
			if _, ok := byEmail[k]; !ok {
				emails = append(emails, k)
			}
			byEmail[k] = append(byEmail[k], p)
		case ext != "":
			byExternal[ext] = append(byExternal[ext], p)
		}
	}
	if len(byEmail) == 0 && len(byExternal) == 0 {
		return nil, errNoLookup
	}
	found := map[int]*support.Contact{}
	for _, k := range emails {
		group := byEmail[k]
		cands, err := c.lookupEmail(ctx, op, group[0].in.Email)
		if err != nil {
			return nil, err
		}
		allocate(group, cands, found)
	}
	if len(byExternal) > 0 {
		var cands []support.Contact
		err := c.eachContact(ctx, op, nil, func(ct support.Contact) {
			if _, ok := byExternal[ct.ExternalID]; ok {
				cands = append(cands, ct)
			}
		})
		if err != nil {
			return nil, err
		}
		for _, ext := range slices.Sorted(maps.Keys(byExternal)) {
			allocate(byExternal[ext], cands, found)
		}
	}
	return found, nil
}

// allocate gives each record of group (in input order) a distinct
// candidate that has every field it sent, taking the newest ones: the
// records were created last, in input order.
func allocate(group []pending, cands []support.Contact, found map[int]*support.Contact) {
	taken := make([]bool, len(cands))
	for i := len(group) - 1; i >= 0; i-- {
		p := group[i]
		for j := len(cands) - 1; j >= 0; j-- {
			if !taken[j] && !p.existed[cands[j].ID] && hasFields(cands[j], p.in) {
				taken[j] = true
				ct := cands[j]
				found[p.index] = &ct
				break
			}
		}
	}
}

// hasFields reports whether ct holds every field in sets that Tidio stores.
func hasFields(ct support.Contact, in support.ContactInput) bool {
	same := func(got, want string) bool { return want == "" || got == want }
	if !same(ct.FirstName, in.FirstName) || !same(ct.LastName, in.LastName) || !same(ct.Phone, in.Phone) ||
		!same(ct.ExternalID, in.ExternalID) || (in.Email != "" && !support.EqualEmail(ct.Email, in.Email)) {
		return false
	}
	for k, v := range in.CustomFields {
		if ct.CustomFields[k] != v {
			return false
		}
	}
	return true
}

// UpsertContact finds a contact by the match keys and updates it, or
// creates one. Tidio can look contacts up by email only (GET
// /contacts?email=): MatchExternalID picks, among the contacts with the
// input's email, the one whose distinct_id is the input's ExternalID;
// MatchEmail the earliest created; MatchPhone is skipped. An input without
// an email therefore never matches, not even by its ExternalID, and is
// created, as a new contact beside any that has the same distinct_id. On a
// match, only the fields that differ are sent (PATCH /contacts/{id}): the
// outcome is Updated, or Unchanged with no request when nothing differs.
// A contact matched by email whose distinct_id is a different non-empty
// one keeps it (the other fields are updated) and the result has a warning
// on "external_id" naming both IDs: replacing it would merge two
// identities. Custom fields are sent as CreateContact sends them.
func (c *Client) UpsertContact(ctx context.Context, in support.ContactInput, opts support.UpsertOptions) (*support.ContactResult, error) {
	const op = support.OpUpsertContact
	p, err := prepare(op, 0, in)
	if err != nil {
		return nil, err
	}
	keys := opts.Keys()
	for _, k := range keys {
		if k != support.MatchExternalID && k != support.MatchEmail && k != support.MatchPhone {
			return nil, fail(op, support.ErrInvalid, "unknown match key %q", clipText(string(k), 40))
		}
	}
	ps := []pending{p}
	if err := c.filterPending(ctx, op, ps); err != nil {
		return nil, err
	}
	pp := &ps[0]
	pp.single = true
	var match *support.Contact
	if in.Email != "" {
		// Read even when no key matches by email: a create needs the
		// contacts that existed before (see CreateContact).
		cands, err := c.lookupEmail(ctx, op, in.Email)
		if err != nil {
			return nil, err
		}
		pp.noteExisting(cands)
		for _, k := range keys {
			switch {
			case k == support.MatchExternalID && in.ExternalID != "":
				if i := slices.IndexFunc(cands, func(ct support.Contact) bool { return ct.ExternalID == in.ExternalID }); i >= 0 {
					match = &cands[i]
				}
			case k == support.MatchEmail && len(cands) > 0:
				match = &cands[0]
			}
			if match != nil {
				break
			}
		}
	}
	if match == nil {
		ct, err := c.createOne(ctx, op, pp)
		if err != nil {
			return nil, err
		}
		return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: pp.warnings}, nil
	}
	for again := false; ; again = true {
		body, merged, kept := diff(*match, pp.in)
		ws := pp.warnings
		if kept != nil {
			ws = append(slices.Clip(ws), *kept)
		}
		if len(body) == 0 {
			return &support.ContactResult{Contact: match, Outcome: support.Unchanged, Warnings: ws}, nil
		}
		_, err := c.send(ctx, op, http.MethodPatch, contactPath(match.ID), body)
		if err == nil {
			return &support.ContactResult{Contact: merged, Outcome: support.Updated, Warnings: ws}, nil
		}
		// Only a PATCH that sent properties can have one refused.
		if _, sent := body["properties"]; again || !sent || !c.retryWithFresh(ctx, op, err, pp) {
			return nil, err
		}
	}
}

// diff returns the PATCH body that brings stored up to in (the non-empty
// fields of in that differ; emails compared without case, phones in E.164
// when both normalize) and the contact as it will then be. A different
// non-empty distinct_id is kept, not replaced: the contact was matched by
// email and belongs to another identity, and replacing its external ID
// would merge the two silently. The warning kept says so; nil when there
// was nothing to keep.
func diff(stored support.Contact, in support.ContactInput) (map[string]any, *support.Contact, *support.Warning) {
	body := map[string]any{}
	merged := stored
	merged.Raw = nil
	merged.CustomFields = maps.Clone(stored.CustomFields)
	set := func(field string, dst *string, v string, same func(a, b string) bool) {
		if v != "" && !same(*dst, v) {
			body[field], *dst = v, v
		}
	}
	equal := func(a, b string) bool { return a == b }
	set("first_name", &merged.FirstName, in.FirstName, equal)
	set("last_name", &merged.LastName, in.LastName, equal)
	set("email", &merged.Email, in.Email, support.EqualEmail)
	set("phone", &merged.Phone, in.Phone, support.SamePhone)
	var kept *support.Warning
	if stored.ExternalID != "" && in.ExternalID != "" && stored.ExternalID != in.ExternalID {
		kept = &support.Warning{Field: "external_id", Message: fmt.Sprintf(
			"not changed: contact %s, matched by email, has external ID (distinct_id) %q, not %q; replacing it would merge two identities",
			stored.ID, clipText(stored.ExternalID, 60), clipText(in.ExternalID, 60))}
	} else {
		set("distinct_id", &merged.ExternalID, in.ExternalID, equal)
	}
	var props []wirePropertyOut
	for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
		v := in.CustomFields[k]
		if old, ok := stored.CustomFields[k]; !ok || old != v {
			props = append(props, wirePropertyOut{Name: k, Value: &v})
			if merged.CustomFields == nil {
				merged.CustomFields = map[string]string{}
			}
			merged.CustomFields[k] = v
		}
	}
	if len(props) > 0 {
		body["properties"] = props
	}
	return body, &merged, kept
}

// UpdateContact changes the contact ref addresses with patch semantics:
// PATCH /contacts/{id} with only the fields set, "" sent as null (which
// clears the field), and a nil custom field value as a null property value
// [D T-patch]. The ExternalID cannot be cleared [S MCP-T]; language,
// country and tags cannot be written, nor custom fields that are not
// properties defined in the project (or whose values cannot be of the
// property's type): they are reported as warnings. An update with nothing
// Tidio can write reads the contact (GET /contacts/{id}) and is Unchanged.
// An email: Ref is resolved first; a phone: Ref fails with ErrUnsupported.
func (c *Client) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	if err := ref.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if _, _, err := updateBody(op, u); err != nil {
		return nil, err
	}
	id, found, err := c.resolve(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	var defs *propertyDefs
	if len(u.CustomFields) > 0 {
		if defs, err = c.propertyDefinitions(ctx, op, nil); err != nil {
			return nil, err
		}
	}
	for again := false; ; again = true {
		keep, dropped := splitFields(defs, u.CustomFields, func(v *string) *string { return v })
		sent := u
		sent.CustomFields = keep
		body, ws, _ := updateBody(op, sent) // u passed it, and sent is u with fewer fields
		ws = append(ws, dropped...)
		if len(body) == 0 {
			// Nothing Tidio can write: read the contact, so that a missing
			// one is ErrNotFound as for any other update.
			if found == nil {
				if found, err = c.getByID(ctx, op, id); err != nil {
					return nil, err
				}
			}
			return &support.ContactResult{Contact: found, Outcome: support.Unchanged, Warnings: ws}, nil
		}
		_, err := c.send(ctx, op, http.MethodPatch, contactPath(id), body)
		if err == nil {
			return &support.ContactResult{Contact: applyUpdate(id, found, sent), Outcome: support.Updated, Warnings: ws}, nil
		}
		// Tidio refused a property the definitions allowed: read them again
		// (once per Client) and send again if that changes what is sent.
		_, hasProps := body["properties"]
		if again || !hasProps || !propertyRefused(err) {
			return nil, err
		}
		fresh := c.rereadProperties(ctx, op, defs)
		if fresh == nil {
			return nil, err
		}
		if kept, _ := splitFields(fresh, u.CustomFields, func(v *string) *string { return v }); sameKeys(kept, keep) {
			return nil, err
		}
		defs = fresh
	}
}

// sameKeys reports whether a and b have the same keys.
func sameKeys[V any](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// updateBody validates u and returns the PATCH body and the warnings.
func updateBody(op support.Operation, u support.ContactUpdate) (map[string]any, []support.Warning, error) {
	// support's input rules, on every value u sets; a placeholder name keeps
	// the "names no one" rule out of it (Tidio decides that).
	probe := support.ContactInput{FirstName: "placeholder"}
	val := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	if v := val(u.FirstName); v != "" {
		probe.FirstName = v
	}
	probe.LastName, probe.Email, probe.Phone, probe.ExternalID = val(u.LastName), val(u.Email), val(u.Phone), val(u.ExternalID)
	probe.CustomFields = map[string]string{}
	for k, v := range u.CustomFields {
		probe.CustomFields[k] = val(v)
	}
	if err := probe.Validate(); err != nil {
		return nil, nil, withOp(err, op)
	}
	if err := checkLimits(op, val(u.FirstName), val(u.LastName), val(u.Phone), val(u.ExternalID)); err != nil {
		return nil, nil, err
	}
	if u.ExternalID != nil && *u.ExternalID == "" {
		return nil, nil, fail(op, support.ErrInvalid, "Tidio's distinct_id (ExternalID) cannot be cleared, only changed")
	}
	body := map[string]any{}
	put := func(field string, v *string) {
		switch {
		case v == nil:
		case *v == "":
			body[field] = nil
		default:
			body[field] = *v
		}
	}
	put("first_name", u.FirstName)
	put("last_name", u.LastName)
	put("email", u.Email)
	put("phone", u.Phone)
	put("distinct_id", u.ExternalID)
	var props []wirePropertyOut
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		v := u.CustomFields[k]
		if err := checkProperty(op, k, val(v)); err != nil {
			return nil, nil, err
		}
		props = append(props, wirePropertyOut{Name: k, Value: v})
	}
	if len(props) > 0 {
		body["properties"] = props
	}
	ws := readOnlyWarnings(u.Language != nil, u.Country != nil, u.Tags != nil)
	return body, ws, nil
}

// applyUpdate returns the contact after u: found with u applied when it was
// read, else the ID and the fields u set.
func applyUpdate(id string, found *support.Contact, u support.ContactUpdate) *support.Contact {
	ct := &support.Contact{ID: id}
	if found != nil {
		cp := *found
		cp.Raw = nil
		cp.CustomFields = maps.Clone(found.CustomFields)
		ct = &cp
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&ct.FirstName, u.FirstName)
	set(&ct.LastName, u.LastName)
	set(&ct.Email, u.Email)
	set(&ct.Phone, u.Phone)
	set(&ct.ExternalID, u.ExternalID)
	for k, v := range u.CustomFields {
		if v == nil {
			delete(ct.CustomFields, k)
			continue
		}
		if ct.CustomFields == nil {
			ct.CustomFields = map[string]string{}
		}
		ct.CustomFields[k] = *v
	}
	return ct
}

// DeleteContact deletes the contact ref addresses: DELETE /contacts/{id}
// [AE, 3P T-py]. An email: Ref is resolved first. After an ambiguous
// failure the contact is read: gone means deleted, present means the
// DELETE is sent again.
func (c *Client) DeleteContact(ctx context.Context, ref support.Ref) error {
	const op = support.OpDeleteContact
	if err := ref.Validate(); err != nil {
		return withOp(err, op)
	}
	id, _, err := c.resolve(ctx, op, ref)
	if err != nil {
		return err
	}
	for range maxCreateRounds {
		_, err = c.send(ctx, op, http.MethodDelete, contactPath(id), nil)
		if !errors.Is(err, support.ErrOutcomeUnknown) || ctx.Err() != nil {
			return err
		}
		if _, gerr := c.getByID(ctx, op, id); errors.Is(gerr, support.ErrNotFound) {
			return nil
		} else if gerr != nil {
			return unresolved(err, gerr)
		}
	}
	return err
}

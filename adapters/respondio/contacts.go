package respondio

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// warnExternalID is the warning for an input with an external ID.
var warnExternalID = support.Warning{Field: "external_id", Message: "respond.io contacts have no external ID field; not stored"}

// input is a ContactInput checked and normalized for respond.io.
type input struct {
	firstName, lastName, email, phone, language, country string
	tags                                                 []string
	custom                                               map[string]string
}

// checkInput applies support's rules and respond.io's to in, before any
// request. The external ID, which respond.io cannot store, is a warning.
func checkInput(op support.Operation, in support.ContactInput) (input, []support.Warning, error) {
	if err := in.Validate(); err != nil {
		return input{}, nil, withOp(err, op)
	}
	n := input{firstName: in.FirstName, lastName: in.LastName, email: in.Email, custom: in.CustomFields}
	var err error
	if n.phone, err = checkPhone(op, in.Phone); err != nil {
		return input{}, nil, err
	}
	if n.language, err = checkLanguage(op, in.Language); err != nil {
		return input{}, nil, err
	}
	if n.country, err = checkCountry(op, in.Country); err != nil {
		return input{}, nil, err
	}
	if n.tags, err = checkTags(op, in.Tags); err != nil {
		return input{}, nil, err
	}
	for name := range in.CustomFields {
		if err := checkFieldName(op, name); err != nil {
			return input{}, nil, err
		}
	}
	var warns []support.Warning
	if in.ExternalID != "" {
		warns = append(warns, warnExternalID)
	}
	return n, warns, nil
}

// checkPhone normalizes a phone to E.164; one without its country code is
// refused, as respond.io does not store it [D R-chg].
func checkPhone(op support.Operation, phone string) (string, error) {
	if phone == "" {
		return "", nil
	}
	e164, err := support.NormalizePhone(phone)
	if err != nil {
		return "", withOp(err, op)
	}
	return e164, nil
}

func checkLanguage(op support.Operation, lang string) (string, error) {
	if lang == "" {
		return "", nil
	}
	l := strings.ToLower(lang)
	if !isAlpha2(l) {
		return "", invalid(op, "language %q is not an ISO 639-1 code (two letters)", clip(lang))
	}
	return l, nil
}

func checkCountry(op support.Operation, country string) (string, error) {
	if country == "" {
		return "", nil
	}
	c := strings.ToLower(country)
	if !isAlpha2(c) {
		return "", invalid(op, "country %q is not an ISO 3166-1 alpha-2 code (two letters)", clip(country))
	}
	return strings.ToUpper(c), nil
}

func isAlpha2(s string) bool {
	return len(s) == 2 && 'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z'
}

// checkTags refuses empty and over-long tag names and drops repeats.
func checkTags(op support.Operation, tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return nil, invalid(op, "empty tag name")
		}
		if n := utf8.RuneCountInString(t); n > MaxTagLength {
			return nil, invalid(op, "tag %q is %d characters, more than respond.io's %d", clip(t), n, MaxTagLength)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func checkFieldName(op support.Operation, name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxCustomFieldName {
		return invalid(op, "custom field name %q must be 1 to %d characters", clip(name), MaxCustomFieldName)
	}
	return nil
}

// body returns the ContactFields of n: every field it has.
func (n input) body() contactBody {
	var b contactBody
	opt := func(s string) *nullable {
		if s == "" {
			return nil
		}
		return set(s)
	}
	b.FirstName, b.LastName, b.Email, b.Phone = opt(n.firstName), opt(n.lastName), opt(n.email), opt(n.phone)
	b.Language, b.CountryCode = opt(n.language), opt(n.country)
	b.CustomFields = fieldBodies(n.custom)
	return b
}

// fieldBodies renders custom fields sorted by name, so that a body is the
// same bytes every time (retries, recordings).
func fieldBodies(fields map[string]string) []fieldBody {
	var out []fieldBody
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		v := fields[name]
		out = append(out, fieldBody{Name: name, Value: &v})
	}
	return out
}

// changes returns the ContactFields of n that differ from the stored
// contact c (emails compared without case, phones in E.164), and whether
// the tags differ. An empty body and false mean nothing to write.
func (n input) changes(c *support.Contact) (contactBody, bool) {
	var b contactBody
	diff := func(want, have string, same func(a, b string) bool) *nullable {
		if want == "" || same(want, have) {
			return nil
		}
		return set(want)
	}
	exact := func(a, b string) bool { return a == b }
	b.FirstName = diff(n.firstName, c.FirstName, exact)
	b.LastName = diff(n.lastName, c.LastName, exact)
	b.Email = diff(n.email, c.Email, support.EqualEmail)
	b.Phone = diff(n.phone, c.Phone, support.SamePhone)
	b.Language = diff(n.language, c.Language, strings.EqualFold)
	b.CountryCode = diff(n.country, c.Country, strings.EqualFold)
	changed := map[string]string{}
	for k, v := range n.custom {
		if have, ok := c.CustomFields[k]; !ok || have != v {
			changed[k] = v
		}
	}
	b.CustomFields = fieldBodies(changed)
	tags := len(n.tags) > 0 && !sameSet(n.tags, c.Tags)
	return b, tags
}

// applyTo writes the fields b sets onto c.
func (b *contactBody) applyTo(c *support.Contact) {
	for _, f := range []struct {
		v   *nullable
		dst *string
	}{
		{b.FirstName, &c.FirstName}, {b.LastName, &c.LastName}, {b.Email, &c.Email}, {b.Phone, &c.Phone},
		{b.Language, &c.Language}, {b.CountryCode, &c.Country},
	} {
		if f.v != nil {
			*f.dst = string(*f.v)
		}
	}
	if len(b.CustomFields) > 0 {
		c.CustomFields = maps.Clone(c.CustomFields)
		if c.CustomFields == nil {
			c.CustomFields = map[string]string{}
		}
		for _, f := range b.CustomFields {
			if f.Value == nil {
				delete(c.CustomFields, f.Name)
			} else {
				c.CustomFields[f.Name] = *f.Value
			}
		}
	}
}

func sameSet(a, b []string) bool {
	return !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) }) &&
		!slices.ContainsFunc(b, func(s string) bool { return !slices.Contains(a, s) })
}

// getWire reads the contact ident addresses.
func (c *Client) getWire(ctx context.Context, op support.Operation, ident string) (*wireContact, error) {
	var w wireContact
	if err := c.call(ctx, op, epGetContact, contactPath(ident), rest.Request{}, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// read reads the contact ident addresses, as the neutral model.
func (c *Client) read(ctx context.Context, op support.Operation, ident string) (*support.Contact, error) {
	w, err := c.getWire(ctx, op, ident)
	if err != nil {
		return nil, err
	}
	ct, err := w.contact(op)
	if err != nil {
		return nil, err
	}
	return &ct, nil
}

// ListContacts returns a page of contacts, in respond.io's order.
//
// It calls POST /contact/list?limit=&cursorId= with {search: "", timezone:
// "UTC", filter: {$and: []}} [S R-SDK contact.ts].
func (c *Client) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	const op = support.OpListContacts
	var page support.Page[support.Contact]
	wp, err := c.listContacts(ctx, op, opts.ListOptions)
	if err != nil {
		return page, err
	}
	if page.Next, err = wp.Pagination.nextCursor(op); err != nil {
		return page, err
	}
	page.Items = make([]support.Contact, 0, len(wp.Items))
	for i := range wp.Items {
		ct, err := wp.Items[i].contact(op)
		if err != nil {
			return support.Page[support.Contact]{}, err
		}
		page.Items = append(page.Items, ct)
	}
	return page, nil
}

// listContacts fetches one page of POST /contact/list.
func (c *Client) listContacts(ctx context.Context, op support.Operation, opts support.ListOptions) (*wirePage[wireContact], error) {
	q, err := pageQuery(op, opts)
	if err != nil {
		return nil, err
	}
	var wp wirePage[wireContact]
	if err := c.call(ctx, op, epListContacts, rest.Segments("contact", "list"), rest.Request{Query: q, Body: allContacts}, &wp); err != nil {
		return nil, err
	}
	return &wp, nil
}

// pageQuery renders limit (capped at 100; 0 leaves respond.io's default of
// 10) and cursorId (a cursor this adapter returned: a number).
func pageQuery(op support.Operation, opts support.ListOptions) (url.Values, error) {
	if opts.Limit < 0 {
		return nil, invalid(op, "negative page limit %d", opts.Limit)
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(min(opts.Limit, MaxPageSize)))
	}
	if opts.Cursor != "" {
		if _, err := strconv.ParseUint(opts.Cursor, 10, 63); err != nil {
			return nil, invalid(op, "cursor %q is not a respond.io cursor", clip(opts.Cursor))
		}
		q.Set("cursorId", opts.Cursor)
	}
	return q, nil
}

// GetContact returns the contact ref addresses.
//
// It calls GET /contact/{identifier} with id:{id}, email:{email} (matched
// case-insensitively by respond.io [D R-chg]) or phone:{+E164}.
func (c *Client) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	op := ref.Operation()
	ident, err := identifier(op, ref)
	if err != nil {
		return nil, err
	}
	return c.read(ctx, op, ident)
}

// createIdentifier is the identifier a new contact is created by: its
// email, or else its phone (respond.io cannot create by id: [S R-SDK]).
func (n input) createIdentifier(op support.Operation) (string, error) {
	switch {
	case n.email != "":
		return "email:" + n.email, nil
	case n.phone != "":
		return "phone:" + n.phone, nil
	}
	return "", invalid(op, "respond.io creates a contact by email or phone, and the input has neither")
}

// identKind names what an identifier of createIdentifier addresses by.
func identKind(ident string) string {
	if strings.HasPrefix(ident, "phone:") {
		return "phone"
	}
	return "email"
}

func (n input) checkCreate(op support.Operation) error {
	if strings.TrimSpace(n.firstName) == "" {
		return invalid(op, "respond.io requires a first name to create a contact")
	}
	return nil
}

// CreateContact creates a contact, addressed by its email (or else its
// phone). A contact that already has the identifier is refused before
// anything is written: the error matches ErrConflict
// (Capabilities.CreateDedup is DedupIdentifier); UpsertContact updates one.
// Tags are added by a second request. The outcome is Created.
//
// It calls GET /contact/{identifier} first, so that a create whose answer
// is lost can be told apart from a contact that was already there: found
// after a lost answer, the contact is the one this call created, since it
// did not exist a moment before. A contact created under the same
// identifier by another client between the lookup and the create is
// reported as this call's (respond.io has no conditional create).
//
// It calls GET /contact/{identifier}, POST /contact/{email:|phone:}
// [S R-SDK contact.ts], POST /contact/{identifier}/tag for tags and
// GET /contact/{identifier}: 3 requests without tags.
func (c *Client) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return c.createContact(ctx, support.OpCreateContact, in)
}

func (c *Client) createContact(ctx context.Context, op support.Operation, in support.ContactInput) (*support.ContactResult, error) {
	n, warns, err := checkInput(op, in)
	if err != nil {
		return nil, err
	}
	ident, err := n.createIdentifier(op)
	if err != nil {
		return nil, err
	}
	if err := n.checkCreate(op); err != nil {
		return nil, err
	}
	switch _, err := c.getWire(ctx, op, ident); {
	case err == nil:
		return nil, support.Errorf(Vendor, op, support.ErrConflict,
			"a contact with this %s already exists; use UpsertContact to update it", identKind(ident))
	case !errors.Is(err, support.ErrNotFound):
		return nil, err
	}
	if err := c.create(ctx, op, ident, n.body()); err != nil {
		return nil, err
	}
	if err := c.addTags(ctx, op, ident, n.tags); err != nil {
		return nil, err
	}
	ct, err := c.read(ctx, op, ident)
	if err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: warns}, nil
}

// create sends POST /contact/{identifier}. The caller has just found no
// contact under ident. A create is not idempotent: when its outcome is
// unknown (a lost response, a gateway error), the contact is looked up by
// its identifier before the create is sent again (R3), once; found, it is
// the one this create stored.
func (c *Client) create(ctx context.Context, op support.Operation, ident string, body contactBody) error {
	for attempt := 0; ; attempt++ {
		err := c.call(ctx, op, epCreateContact, contactPath(ident), rest.Request{Body: body}, nil)
		if err == nil || !errors.Is(err, support.ErrOutcomeUnknown) {
			return err
		}
		_, lerr := c.getWire(ctx, op, ident)
		switch {
		case lerr == nil:
			return nil // stored by this create: it was absent before
		case !errors.Is(lerr, support.ErrNotFound) || attempt > 0:
			return err
		}
	}
}

// CreateContacts creates each record with CreateContact, in order:
// respond.io has no batch endpoint (Capabilities.MaxBatch is 1). Every
// record is checked before any request; a record that fails does not stop
// the others, but a cancelled context does, failing the rest with its error.
func (c *Client) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	valid := make([]bool, len(in))
	for i, ci := range in {
		res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed}
		n, _, err := checkInput(op, ci)
		if err == nil {
			if _, err = n.createIdentifier(op); err == nil {
				err = n.checkCreate(op)
			}
		}
		res.Items[i].Err, valid[i] = err, err == nil
	}
	for i, ci := range in {
		if !valid[i] {
			continue
		}
		r, err := c.createContact(ctx, op, ci)
		if err != nil {
			res.Items[i].Err = err
			if ctx.Err() != nil {
				for j := i + 1; j < len(in); j++ {
					if valid[j] {
						res.Items[j].Err = err
					}
				}
				return res, err
			}
			continue
		}
		res.Items[i] = support.BatchItem{Index: i, Contact: r.Contact, Outcome: support.Created, Warnings: r.Warnings}
	}
	return res, res.Err()
}

// UpsertContact finds the contact by the match keys, in order (email, then
// phone; respond.io cannot look up external IDs), and updates it with the
// fields that differ, or creates it. When the stored contact already holds
// the input, nothing is written and the outcome is Unchanged. A non-empty
// Tags replaces the contact's tags.
//
// When it writes, the result holds the contact as written, not read back
// (Raw is nil); GetContact reads the stored contact.
//
// It calls GET /contact/{identifier} per key, then
// POST /contact/create_or_update/{identifier} [S R-SDK, R-n8n], which is
// idempotent and so safely retried, and tag requests.
func (c *Client) UpsertContact(ctx context.Context, in support.ContactInput, opts support.UpsertOptions) (*support.ContactResult, error) {
	const op = support.OpUpsertContact
	n, warns, err := checkInput(op, in)
	if err != nil {
		return nil, err
	}
	keys := opts.Keys()
	var idents []string // the input's identifiers, in match key order
	for _, k := range keys {
		switch k {
		case support.MatchExternalID:
		case support.MatchEmail:
			if n.email != "" {
				idents = append(idents, "email:"+n.email)
			}
		case support.MatchPhone:
			if n.phone != "" {
				idents = append(idents, "phone:"+n.phone)
			}
		default:
			return nil, invalid(op, "unknown match key %q", clip(string(k)))
		}
	}
	if _, err := n.createIdentifier(op); err != nil {
		return nil, err
	}
	for _, ident := range idents {
		w, err := c.getWire(ctx, op, ident)
		if errors.Is(err, support.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return c.updateMatched(ctx, op, n, w, ident, warns)
	}
	if err := n.checkCreate(op); err != nil {
		return nil, err
	}
	if len(idents) == 0 {
		// No match key applies (say, MatchKeys names the phone only and the
		// input has an email only): a plain create, which cannot match.
		return c.createContact(ctx, op, in)
	}
	var reply contactIDReply
	if err := c.call(ctx, op, epCreateOrUpdate, rest.Segments("contact", "create_or_update", idents[0]),
		rest.Request{Body: n.body()}, &reply); err != nil {
		return nil, err
	}
	if reply.ContactID == "" {
		return nil, malformed(op, "create_or_update answered without contactId")
	}
	id := string(reply.ContactID)
	if err := c.addTags(ctx, op, byID(id), n.tags); err != nil {
		return nil, err
	}
	// create_or_update answers the ID only: the result is what was written
	// (ContactResult allows it), which saves a read per contact on the GET
	// endpoint, the busiest of a migration.
	ct := &support.Contact{
		ID: id, FirstName: n.firstName, LastName: n.lastName, Email: n.email, Phone: n.phone,
		Language: n.language, Country: n.country, Tags: slices.Clone(n.tags), CustomFields: maps.Clone(n.custom),
	}
	return &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: warns}, nil
}

// updateMatched writes the fields of n that w lacks, through
// create_or_update on the identifier that matched.
func (c *Client) updateMatched(ctx context.Context, op support.Operation, n input, w *wireContact, ident string, warns []support.Warning) (*support.ContactResult, error) {
	have, err := w.contact(op)
	if err != nil {
		return nil, err
	}
	body, tags := n.changes(&have)
	if body.empty() && !tags {
		return &support.ContactResult{Contact: &have, Outcome: support.Unchanged, Warnings: warns}, nil
	}
	if !body.empty() {
		var reply contactIDReply
		if err := c.call(ctx, op, epCreateOrUpdate, rest.Segments("contact", "create_or_update", ident),
			rest.Request{Body: body}, &reply); err != nil {
			return nil, err
		}
	}
	if tags {
		if _, err := c.replaceTags(ctx, op, byID(have.ID), have.Tags, n.tags); err != nil {
			return nil, err
		}
	}
	// The result is the stored contact with what was written, without a read
	// (see UpsertContact); Raw, from before the write, is dropped.
	ct := have
	ct.Raw = nil
	body.applyTo(&ct)
	if tags {
		ct.Tags = slices.Clone(n.tags)
	}
	return &support.ContactResult{Contact: &ct, Outcome: support.Updated, Warnings: warns}, nil
}

// addTags adds tags to a contact, at most ten per request.
//
// It calls POST /contact/{identifier}/tag [S R-SDK contact.ts].
func (c *Client) addTags(ctx context.Context, op support.Operation, ident string, tags []string) error {
	for chunk := range slices.Chunk(tags, maxTagsPerRequest) {
		if err := c.call(ctx, op, epAddTags, contactPath(ident, "tag"), rest.Request{Body: chunk}, nil); err != nil {
			return err
		}
	}
	return nil
}

// replaceTags makes a contact's tags want, from have, and reports whether
// it sent anything.
//
// It calls POST and DELETE /contact/{identifier}/tag [S R-SDK contact.ts].
func (c *Client) replaceTags(ctx context.Context, op support.Operation, ident string, have, want []string) (bool, error) {
	var add, remove []string
	for _, t := range want {
		if !slices.Contains(have, t) {
			add = append(add, t)
		}
	}
	for _, t := range have {
		if !slices.Contains(want, t) {
			remove = append(remove, t)
		}
	}
	if err := c.addTags(ctx, op, ident, add); err != nil {
		return false, err
	}
	for chunk := range slices.Chunk(remove, maxTagsPerRequest) {
		if err := c.call(ctx, op, epRemoveTags, contactPath(ident, "tag"), rest.Request{Body: chunk}, nil); err != nil {
			return false, err
		}
	}
	return len(add)+len(remove) > 0, nil
}

// UpdateContact changes the contact ref addresses with patch semantics:
// nil fields are left alone, "" (or a nil custom field value) clears. The
// first name cannot be cleared (respond.io requires one); ExternalID
// cannot be stored (a warning). Tags, when not nil, replace the contact's
// tags. The outcome is Updated, or Unchanged when nothing was to be written.
//
// It calls PUT /contact/{identifier} [S R-SDK contact.ts], tag requests when
// Tags is set, and GET /contact/id:{id}.
func (c *Client) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	ident, err := identifier(op, ref)
	if err != nil {
		return nil, err
	}
	body, tags, warns, err := checkUpdate(op, u)
	if err != nil {
		return nil, err
	}
	// After a write, the contact is addressed by its ID, not by ident: the
	// update may have changed the email or phone ident names.
	target, wrote := ident, false
	if !body.empty() {
		var reply contactIDReply
		if err := c.call(ctx, op, epUpdateContact, contactPath(ident), rest.Request{Body: body}, &reply); err != nil {
			return nil, err
		}
		if reply.ContactID == "" {
			return nil, malformed(op, "update answered without contactId")
		}
		target, wrote = byID(string(reply.ContactID)), true
	}
	if tags != nil {
		have, err := c.read(ctx, op, target)
		if err != nil {
			return nil, err
		}
		target = byID(have.ID)
		changed, err := c.replaceTags(ctx, op, target, have.Tags, tags)
		if err != nil {
			return nil, err
		}
		wrote = wrote || changed
	}
	ct, err := c.read(ctx, op, target)
	if err != nil {
		return nil, err
	}
	outcome := support.Unchanged
	if wrote {
		outcome = support.Updated
	}
	return &support.ContactResult{Contact: ct, Outcome: outcome, Warnings: warns}, nil
}

// checkUpdate validates u and renders its body, the tags it sets (nil: no
// change) and its warnings.
func checkUpdate(op support.Operation, u support.ContactUpdate) (contactBody, []string, []support.Warning, error) {
	var b contactBody
	var warns []support.Warning
	field := func(p *string) *nullable {
		if p == nil {
			return nil
		}
		return set(*p)
	}
	if u.FirstName != nil && strings.TrimSpace(*u.FirstName) == "" {
		return b, nil, nil, invalid(op, "respond.io requires a first name; it cannot be cleared")
	}
	b.FirstName, b.LastName = field(u.FirstName), field(u.LastName)
	// Text rules of support: checked through an input holding the new values.
	probe := support.ContactInput{FirstName: "probe"}
	if u.FirstName != nil {
		probe.FirstName = *u.FirstName
	}
	if u.LastName != nil {
		probe.LastName = *u.LastName
	}
	if u.Email != nil && *u.Email != "" {
		probe.Email = *u.Email
	}
	if err := probe.Validate(); err != nil {
		return b, nil, nil, withOp(err, op)
	}
	b.Email = field(u.Email)
	if u.Phone != nil {
		p, err := checkPhone(op, *u.Phone)
		if err != nil {
			return b, nil, nil, err
		}
		b.Phone = set(p)
	}
	if u.Language != nil {
		l, err := checkLanguage(op, *u.Language)
		if err != nil {
			return b, nil, nil, err
		}
		b.Language = set(l)
	}
	if u.Country != nil {
		cc, err := checkCountry(op, *u.Country)
		if err != nil {
			return b, nil, nil, err
		}
		b.CountryCode = set(cc)
	}
	for _, name := range slices.Sorted(maps.Keys(u.CustomFields)) {
		if err := checkFieldName(op, name); err != nil {
			return b, nil, nil, err
		}
		b.CustomFields = append(b.CustomFields, fieldBody{Name: name, Value: u.CustomFields[name]})
	}
	var tags []string
	if u.Tags != nil {
		t, err := checkTags(op, *u.Tags)
		if err != nil {
			return b, nil, nil, err
		}
		tags = append([]string{}, t...) // not nil: an empty list clears
	}
	if u.ExternalID != nil {
		warns = append(warns, warnExternalID)
	}
	return b, tags, warns, nil
}

// DeleteContact deletes the contact ref addresses, with its conversation and
// messages. A delete whose outcome is unknown is checked with a lookup
// before it is sent again, so that a delete that took effect is not
// reported as ErrNotFound.
//
// It calls DELETE /contact/{identifier} [S R-SDK contact.ts].
func (c *Client) DeleteContact(ctx context.Context, ref support.Ref) error {
	const op = support.OpDeleteContact
	ident, err := identifier(op, ref)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := c.call(ctx, op, epDeleteContact, contactPath(ident), rest.Request{}, nil)
		if err == nil || !errors.Is(err, support.ErrOutcomeUnknown) {
			return err
		}
		_, lerr := c.getWire(ctx, op, ident)
		switch {
		case errors.Is(lerr, support.ErrNotFound):
			return nil // it was deleted
		case lerr != nil || attempt > 0:
			return err
		}
	}
}

// OpMerge names Merge in its errors; it is not a support.Operation of every
// platform, only of respond.io.
const OpMerge support.Operation = "contacts.merge"

// Merge merges the contact secondaryID into primaryID, which respond.io
// keeps; fields gives values the merged contact takes (its empty fields are
// not sent). It returns the merged contact. This is respond.io-only: no
// other platform merges contacts. A merge whose outcome is unknown is not
// resent: it is confirmed by the secondary contact being gone.
//
// It calls POST /contact/merge {contactIds: [primary, secondary], …}
// [S R-SDK contact.ts, R-MCP], then GET /contact/id:{primary}.
func (c *Client) Merge(ctx context.Context, primaryID, secondaryID string, fields support.ContactInput) (*support.Contact, error) {
	const op = OpMerge
	p, err := contactID(op, primaryID)
	if err != nil {
		return nil, err
	}
	s, err := contactID(op, secondaryID)
	if err != nil {
		return nil, err
	}
	if p == s {
		return nil, invalid(op, "cannot merge contact %s into itself", p)
	}
	n := input{}
	if !fields.IsEmpty() || len(fields.CustomFields) > 0 || fields.Language != "" || fields.Country != "" {
		var warns []support.Warning
		if n, warns, err = checkInput(op, fields); err != nil {
			return nil, err
		}
		if len(warns) > 0 || len(n.tags) > 0 {
			return nil, invalid(op, "a merge cannot set the external ID or tags")
		}
	}
	pid, _ := strconv.ParseInt(p, 10, 64)
	sid, _ := strconv.ParseInt(s, 10, 64)
	body := struct {
		ContactIDs []int64 `json:"contactIds"`
		contactBody
	}{[]int64{pid, sid}, n.body()}
	err = c.call(ctx, op, epMerge, rest.Segments("contact", "merge"), rest.Request{Body: body}, nil)
	if errors.Is(err, support.ErrOutcomeUnknown) {
		if _, lerr := c.getWire(ctx, op, byID(s)); errors.Is(lerr, support.ErrNotFound) {
			err = nil // the secondary is gone: the merge took effect
		}
	}
	if err != nil {
		return nil, err
	}
	return c.read(ctx, op, byID(p))
}

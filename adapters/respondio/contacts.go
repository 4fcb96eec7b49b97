package respondio

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/fielddefs"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// PrepareContact applies respond.io's field rules (see the package doc): an
// email or a phone, the phone in E.164, two-letter language and country
// codes, an http(s) avatar URL, tags of at most MaxTagLength characters
// (repeats dropped), custom field names of at most MaxCustomFieldName. Custom
// fields the workspace does not define are removed with a warning each (it
// reads the definitions: see fielddefs). The first name is CreateContact's
// check: an upsert that matches needs none.
func (d *Driver) PrepareContact(ctx context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	const op = support.OpCreateContact
	if in.Email == "" && in.Phone == "" {
		return in, nil, invalid(op, "respond.io addresses a contact by email or phone, and the input has neither")
	}
	p, err := normalize(op, in)
	if err != nil {
		return in, nil, err
	}
	keep, warns, err := fielddefs.Split(ctx, d.fields, op, p.CustomFields)
	if err != nil {
		return in, nil, err
	}
	p.CustomFields = keep
	return p, warns, nil
}

// normalize applies respond.io's field rules to in and returns it as stored.
func normalize(op support.Operation, in support.ContactInput) (support.ContactInput, error) {
	var err error
	if in.Phone != "" {
		// One without its country code is refused: respond.io does not
		// store it [D R-chg].
		if in.Phone, err = support.NormalizePhone(in.Phone); err != nil {
			return in, support.Attribute(err, Vendor, op)
		}
	}
	if in.Language, err = checkCode(op, "language", "an ISO 639-1 code", in.Language, strings.ToLower); err != nil {
		return in, err
	}
	if in.Country, err = checkCode(op, "country", "an ISO 3166-1 alpha-2 code", in.Country, strings.ToUpper); err != nil {
		return in, err
	}
	if in.AvatarURL != "" {
		if u, err := url.Parse(in.AvatarURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return in, invalid(op, "avatar URL %q is not an http(s) URL", clip(in.AvatarURL))
		}
	}
	if in.Tags, err = checkTags(op, in.Tags); err != nil {
		return in, err
	}
	for name := range in.CustomFields {
		if n := utf8.RuneCountInString(name); n == 0 || n > MaxCustomFieldName {
			return in, invalid(op, "custom field name %q must be 1 to %d characters", clip(name), MaxCustomFieldName)
		}
	}
	return in, nil
}

// checkCode checks a two-letter code and returns it in the case respond.io
// stores it in.
func checkCode(op support.Operation, field, what, code string, stored func(string) string) (string, error) {
	if code == "" {
		return "", nil
	}
	l := strings.ToLower(code)
	if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
		return "", invalid(op, "%s %q is not %s (two letters)", field, clip(code), what)
	}
	return stored(l), nil
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

// body returns the ContactFields of a prepared input: every field it has.
func body(in support.ContactInput) contactBody {
	opt := func(s string) *nullable {
		if s == "" {
			return nil
		}
		return set(s)
	}
	b := contactBody{
		FirstName: opt(in.FirstName), LastName: opt(in.LastName), Email: opt(in.Email), Phone: opt(in.Phone),
		Language: opt(in.Language), CountryCode: opt(in.Country), ProfilePic: opt(in.AvatarURL),
	}
	for _, name := range slices.Sorted(maps.Keys(in.CustomFields)) {
		v := in.CustomFields[name]
		b.CustomFields = append(b.CustomFields, fieldBody{Name: name, Value: &v})
	}
	return b
}

// fieldBodies renders custom fields to write (nil clears), sorted by name
// so that a body is the same bytes every time (retries, recordings).
func fieldBodies(fields map[string]*string) []fieldBody {
	var out []fieldBody
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		out = append(out, fieldBody{Name: name, Value: fields[name]})
	}
	return out
}

// read reads the contact ident addresses.
func (d *Driver) read(ctx context.Context, op support.Operation, ident string) (*support.Contact, error) {
	var w wireContact
	if err := d.call(ctx, op, epGetContact, contactPath(ident), rest.Request{}, &w); err != nil {
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
func (d *Driver) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	const op = support.OpListContacts
	return listPage(ctx, d, op, epListContacts, rest.Segments("contact", "list"), opts.ListOptions, allContacts,
		func(w *wireContact) (support.Contact, bool, error) {
			c, err := w.contact(op)
			return c, true, err
		})
}

// listPage fetches one page of a respond.io list and maps its items with
// conv, which may leave an item out (keep false: the page is Filtered). An
// answer without its items array, or unreadable, is ErrUnavailable.
func listPage[W, T any](ctx context.Context, d *Driver, op support.Operation, ep endpoint, path rest.Path, opts support.ListOptions,
	body any, conv func(*W) (item T, keep bool, err error)) (support.Page[T], error) {
	q, err := pageQuery(op, opts)
	if err != nil {
		return support.Page[T]{}, err
	}
	var wp wirePage[W]
	err = d.call(ctx, op, ep, path, rest.Request{Query: q, Body: body}, &wp)
	switch {
	case err != nil:
		return support.Page[T]{}, err
	case wp.Items == nil:
		return support.Page[T]{}, badPage(op, 0, `page without its "items" list`, nil)
	}
	page := support.Page[T]{Items: make([]T, 0, len(*wp.Items))}
	if page.Next, err = wp.Pagination.nextCursor(op); err != nil {
		return support.Page[T]{}, badPage(op, 0, "malformed page", err)
	}
	for i := range *wp.Items {
		item, keep, err := conv(&(*wp.Items)[i])
		if err != nil {
			return support.Page[T]{}, badPage(op, 0, "malformed page", err)
		}
		if keep {
			page.Items = append(page.Items, item)
		} else {
			page.Filtered = true
		}
	}
	return page, nil
}

// listAll reads every page of a respond.io list (see listPage).
func listAll[W, T any](ctx context.Context, d *Driver, op support.Operation, ep endpoint, path rest.Path,
	conv func(*W) (T, bool, error)) ([]T, error) {
	out := []T{}
	for page, err := range support.Pages(ctx, "", func(ctx context.Context, cursor string) (support.Page[T], error) {
		return listPage(ctx, d, op, ep, path, support.ListOptions{Cursor: cursor}, nil, conv)
	}) {
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// badPage is the ErrUnavailable error of a list answer (of status, when
// known) that cannot be read: what is wrong, and its cause.
func badPage(op support.Operation, status int, what string, cause error) error {
	return &support.Error{Vendor: Vendor, Op: op, Status: status, Kind: support.ErrUnavailable, Message: what + " in respond.io's response", Err: cause}
}

// pageQuery renders limit (1–100: 0, and more than 100, is MaxPageSize,
// so that a listing takes as few requests as it can; respond.io's own
// default is 10) and cursorId (a cursor this adapter returned: a number).
func pageQuery(op support.Operation, opts support.ListOptions) (url.Values, error) {
	q := url.Values{"limit": {strconv.Itoa(MaxPageSize)}}
	if opts.Limit > 0 && opts.Limit < MaxPageSize {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		if _, err := strconv.ParseUint(opts.Cursor, 10, 63); err != nil {
			return nil, invalid(op, "cursor %q is not a respond.io cursor", clip(opts.Cursor))
		}
		q.Set("cursorId", opts.Cursor)
	}
	return q, nil
}

// GetContact returns the contact id. It calls GET /contact/id:{id}.
func (d *Driver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	const op = support.OpGetContact
	cid, err := contactID(op, id)
	if err != nil {
		return nil, err
	}
	return d.read(ctx, op, byID(cid))
}

// FindContacts returns the contact with the email (matched
// case-insensitively by respond.io [D R-chg]) or the phone, or none:
// respond.io keeps both unique, so there is at most one. It calls
// GET /contact/email:{email} or GET /contact/phone:{+E164}.
func (d *Driver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	op, ident := support.OpGetByEmail, "email:"+value
	if key == support.MatchPhone {
		op, ident = support.OpGetByPhone, "phone:"+value
	}
	ct, err := d.read(ctx, op, ident)
	if errors.Is(err, support.ErrNotFound) {
		return []support.Contact{}, nil
	}
	if err != nil {
		return nil, err
	}
	return []support.Contact{*ct}, nil
}

// CheckCreate refuses a contact without a first name, which respond.io
// requires to create one (support.CreateChecker).
func (d *Driver) CheckCreate(in support.ContactInput) error {
	if strings.TrimSpace(in.FirstName) == "" {
		return invalid(support.OpCreateContact, "respond.io requires a first name to create a contact")
	}
	return nil
}

// CreateContact stores a prepared input, addressed by its email (or else its
// phone), with one POST /contact/create_or_update/{identifier} [S R-SDK,
// R-n8n], which answers the new contact's ID (see the package doc). Tags
// follow with POST /contact/id:{id}/tag, the lifecycle with POST
// /contact/id:{id}/lifecycle/update; a contact whose tags or lifecycle
// failed is still Created, with a warning on "tags" or "lifecycle".
func (d *Driver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	const op = support.OpCreateContact
	ident := "email:" + in.Email
	if in.Email == "" {
		ident = "phone:" + in.Phone
	}
	var reply contactIDReply
	ws, err := fielddefs.Write(ctx, d.fields, op, []map[string]string{in.CustomFields}, func(keep []map[string]string) error {
		in.CustomFields = keep[0]
		return d.call(ctx, op, epCreateContact, rest.Segments("contact", "create_or_update", ident), rest.Request{Body: body(in)}, &reply)
	})
	if err != nil {
		return nil, err
	}
	if reply.ContactID == "" {
		return nil, unknownOutcome("create_or_update answered without contactId")
	}
	ct := &support.Contact{
		ID: string(reply.ContactID), FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, AvatarURL: in.AvatarURL, Lifecycle: in.Lifecycle,
		Tags: slices.Clone(in.Tags), CustomFields: maps.Clone(in.CustomFields),
	}
	res := &support.ContactResult{Contact: ct, Outcome: support.Created, Warnings: ws[0]}
	if err := d.tag(ctx, op, epAddTags, byID(ct.ID), in.Tags); err != nil {
		ct.Tags = nil
		res.Warnings = append(res.Warnings, support.Warning{Field: "tags", Message: fmt.Sprintf("the contact was created, but its tags were not added: %v", err)})
	}
	if in.Lifecycle != "" {
		if err := d.setLifecycle(ctx, op, byID(ct.ID), in.Lifecycle); err != nil {
			ct.Lifecycle = ""
			res.Warnings = append(res.Warnings, support.Warning{Field: "lifecycle", Message: fmt.Sprintf("the contact was created, but its lifecycle was not set: %v", err)})
		}
	}
	return res, nil
}

// setLifecycle sets the lifecycle stage of the contact ident addresses; ""
// clears it. It calls POST /contact/{identifier}/lifecycle/update {name}
// [S R-SDK contact.ts].
func (d *Driver) setLifecycle(ctx context.Context, op support.Operation, ident, name string) error {
	return d.call(ctx, op, epLifecycle, contactPath(ident, "lifecycle", "update"), rest.Request{Body: lifecycleBody{Name: nullable(name)}}, nil)
}

// tag adds (epAddTags) or removes (epRemoveTags) tags, at most ten per
// request.
//
// It calls POST or DELETE /contact/{identifier}/tag [S R-SDK contact.ts].
func (d *Driver) tag(ctx context.Context, op support.Operation, ep endpoint, ident string, tags []string) error {
	for chunk := range slices.Chunk(tags, maxTagsPerRequest) {
		if err := d.call(ctx, op, ep, contactPath(ident, "tag"), rest.Request{Body: chunk}, nil); err != nil {
			return err
		}
	}
	return nil
}

// PatchContact changes the contact id: "" (or a nil custom field value)
// clears. The first name cannot be cleared (respond.io requires one).
// Custom fields the workspace does not define are left out with a warning
// (see fielddefs.Write). Tags replace the contact's tags: the stored ones are
// read and the difference added and removed. The result holds the ID and
// the fields written, as stored, with a nil Raw (respond.io answers
// {contactId}); Unchanged when nothing was written.
//
// It calls PUT /contact/id:{id} [S R-SDK contact.ts], with Tags
// GET /contact/id:{id} and the tag requests, and with Lifecycle
// POST /contact/id:{id}/lifecycle/update.
func (d *Driver) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	cid, err := contactID(op, id)
	if err != nil {
		return nil, err
	}
	b, tags, err := updateBody(op, u)
	if err != nil {
		return nil, err
	}
	ct, wrote := &support.Contact{ID: cid}, false
	ws, err := fielddefs.Write(ctx, d.fields, op, []map[string]*string{u.CustomFields}, func(keep []map[string]*string) error {
		if b.CustomFields = fieldBodies(keep[0]); b.empty() {
			return nil
		}
		wrote = true
		return d.call(ctx, op, epUpdateContact, contactPath(byID(cid)), rest.Request{Body: b}, nil)
	})
	if err != nil {
		return nil, err
	}
	if tags != nil {
		if ct, err = d.read(ctx, op, byID(cid)); err != nil {
			return nil, err
		}
		add := slices.DeleteFunc(slices.Clone(tags), func(t string) bool { return slices.Contains(ct.Tags, t) })
		remove := slices.DeleteFunc(slices.Clone(ct.Tags), func(t string) bool { return slices.Contains(tags, t) })
		if err := d.tag(ctx, op, epAddTags, byID(cid), add); err != nil {
			return nil, err
		}
		if err := d.tag(ctx, op, epRemoveTags, byID(cid), remove); err != nil {
			return nil, err
		}
		wrote, ct.Tags, ct.Raw = wrote || len(add)+len(remove) > 0, tags, nil
	}
	if u.Lifecycle != nil {
		if err := d.setLifecycle(ctx, op, byID(cid), *u.Lifecycle); err != nil {
			return nil, err
		}
		wrote, ct.Lifecycle = true, *u.Lifecycle
	}
	b.applyTo(ct)
	res := &support.ContactResult{Contact: ct, Outcome: support.Unchanged, Warnings: ws[0]}
	if wrote {
		res.Outcome = support.Updated
	}
	return res, nil
}

// updateBody applies respond.io's rules to u and renders its body, but for
// the custom fields, and the tags it sets (nil: no change).
func updateBody(op support.Operation, u support.ContactUpdate) (contactBody, []string, error) {
	if u.FirstName != nil && strings.TrimSpace(*u.FirstName) == "" {
		return contactBody{}, nil, invalid(op, "respond.io requires a first name; it cannot be cleared")
	}
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	// The rules of PrepareContact, on the values u sets.
	in := support.ContactInput{Phone: val(u.Phone), Language: val(u.Language), Country: val(u.Country), AvatarURL: val(u.AvatarURL), CustomFields: map[string]string{}}
	for name := range u.CustomFields {
		in.CustomFields[name] = ""
	}
	if u.Tags != nil {
		in.Tags = *u.Tags
	}
	in, err := normalize(op, in)
	if err != nil {
		return contactBody{}, nil, err
	}
	field := func(p *string, v string) *nullable {
		if p == nil {
			return nil
		}
		return set(v)
	}
	b := contactBody{
		FirstName: field(u.FirstName, val(u.FirstName)), LastName: field(u.LastName, val(u.LastName)),
		Email: field(u.Email, val(u.Email)), Phone: field(u.Phone, in.Phone),
		Language: field(u.Language, in.Language), CountryCode: field(u.Country, in.Country),
		ProfilePic: field(u.AvatarURL, in.AvatarURL),
	}
	var tags []string
	if u.Tags != nil {
		tags = append([]string{}, in.Tags...) // not nil: an empty list clears
	}
	return b, tags, nil
}

// applyTo writes the fields b sets onto c, a contact of the caller's own.
func (b *contactBody) applyTo(c *support.Contact) {
	for _, f := range []struct {
		v   *nullable
		dst *string
	}{
		{b.FirstName, &c.FirstName}, {b.LastName, &c.LastName}, {b.Email, &c.Email}, {b.Phone, &c.Phone},
		{b.Language, &c.Language}, {b.CountryCode, &c.Country}, {b.ProfilePic, &c.AvatarURL},
	} {
		if f.v != nil {
			*f.dst = string(*f.v)
		}
	}
	for _, f := range b.CustomFields {
		switch {
		case f.Value == nil:
			delete(c.CustomFields, f.Name)
		case c.CustomFields == nil:
			c.CustomFields = map[string]string{f.Name: *f.Value}
		default:
			c.CustomFields[f.Name] = *f.Value
		}
	}
}

// DeleteContact deletes the contact id, with its conversation and
// messages. A delete whose answer was lost is ErrOutcomeUnknown, not sent
// again (a second DELETE would answer 404 for a contact it deleted).
//
// It calls DELETE /contact/id:{id} [S R-SDK contact.ts].
func (d *Driver) DeleteContact(ctx context.Context, id string) error {
	const op = support.OpDeleteContact
	cid, err := contactID(op, id)
	if err != nil {
		return err
	}
	return d.call(ctx, op, epDeleteContact, contactPath(byID(cid)), rest.Request{}, nil)
}

// OpMerge names Merge in its errors; it is not a support.Operation of every
// platform, only of respond.io.
const OpMerge support.Operation = "contacts.merge"

// Merge merges the contact secondaryID into primaryID, which respond.io
// keeps; fields gives values the merged contact takes (its empty fields are
// not sent; respond.io's field rules apply, and it cannot set the external
// ID, city, email consent, lifecycle or tags). It returns the merged contact. This is respond.io-only: no
// other platform merges contacts, and apps reach it with Client.As. A merge
// is not resent: one whose answer was lost is ErrOutcomeUnknown (the
// secondary contact being gone, ErrNotFound from GetContact, shows it took
// effect).
//
// It calls POST /contact/merge {contactIds: [primary, secondary], …}
// [S R-SDK contact.ts, R-MCP], then GET /contact/id:{primary}.
func (d *Driver) Merge(ctx context.Context, primaryID, secondaryID string, fields support.ContactInput) (*support.Contact, error) {
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
	if fields.ExternalID != "" || fields.City != "" || fields.EmailConsent != "" || fields.Lifecycle != "" || len(fields.Tags) > 0 {
		return nil, invalid(op, "a merge cannot set the external ID, city, email consent, lifecycle or tags")
	}
	if fields.Email != "" {
		if err := support.ValidateEmail(fields.Email); err != nil {
			return nil, support.Attribute(err, Vendor, op)
		}
	}
	if fields, err = normalize(op, fields); err != nil {
		return nil, err
	}
	pid, _ := strconv.ParseInt(p, 10, 64)
	sid, _ := strconv.ParseInt(s, 10, 64)
	req := struct {
		ContactIDs []int64 `json:"contactIds"`
		contactBody
	}{[]int64{pid, sid}, body(fields)}
	if err := d.call(ctx, op, epMerge, rest.Segments("contact", "merge"), rest.Request{Body: req}, nil); err != nil {
		return nil, err
	}
	return d.read(ctx, op, byID(p))
}

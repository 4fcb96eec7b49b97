package memory

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"

	"github.com/deskbridge/deskbridge/support"
)

const contactList = "contacts"

type contactRecord struct {
	seq int
	c   support.Contact // Raw is nil: it is rendered on the way out
	// The keys the record is indexed under ("" for none).
	emailKey, phoneKey string
}

// phoneKey returns the E.164 form of a stored phone, or "" when it does not
// normalize (such a phone is kept but never matched).
func phoneKey(phone string) string {
	if phone == "" {
		return ""
	}
	e164, err := support.NormalizePhone(phone)
	if err != nil {
		return ""
	}
	return e164
}

// index adds r to the lookup indexes, under its current fields. The caller
// holds p.mu.
func (p *Platform) index(r *contactRecord) {
	r.emailKey, r.phoneKey = "", ""
	if r.c.Email != "" {
		r.emailKey = support.EmailKey(r.c.Email)
	}
	r.phoneKey = phoneKey(r.c.Phone)
	add := func(m map[string][]*contactRecord, key string) {
		if key == "" {
			return
		}
		list := m[key]
		i := sort.Search(len(list), func(i int) bool { return list[i].seq >= r.seq })
		m[key] = slices.Insert(list, i, r)
	}
	add(p.byEmail, r.emailKey)
	add(p.byPhone, r.phoneKey)
	add(p.byExternal, r.c.ExternalID)
}

// unindex removes r from the lookup indexes. The caller holds p.mu.
func (p *Platform) unindex(r *contactRecord) {
	remove := func(m map[string][]*contactRecord, key string) {
		if key == "" {
			return
		}
		list := slices.DeleteFunc(m[key], func(o *contactRecord) bool { return o == r })
		if len(list) == 0 {
			delete(m, key)
			return
		}
		m[key] = list
	}
	remove(p.byEmail, r.emailKey)
	remove(p.byPhone, r.phoneKey)
	remove(p.byExternal, r.c.ExternalID)
}

// first returns the oldest record of a lookup index list, or nil.
func first(list []*contactRecord) *contactRecord {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// out returns a copy of the stored contact that shares nothing with the store.
func (r *contactRecord) out() *support.Contact {
	c := r.c
	c.Tags = slices.Clone(r.c.Tags)
	c.CustomFields = maps.Clone(r.c.CustomFields)
	c.Raw = render(contactJSON{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
		Language: c.Language, Country: c.Country, ExternalID: c.ExternalID,
		Tags: c.Tags, CustomFields: c.CustomFields, CreatedAt: stamp(c.CreatedAt),
	})
	return &c
}

// ListContacts returns a page of contacts, oldest first.
func (p *Platform) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	const op = support.OpListContacts
	limit, after, err := p.listStart(ctx, op, contactList, opts.ListOptions)
	if err != nil {
		return support.Page[support.Contact]{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	recs, next := pageOf(contactList, p.contacts, func(r *contactRecord) int { return r.seq }, after, limit)
	page := support.Page[support.Contact]{Items: make([]support.Contact, 0, len(recs)), Next: next}
	for _, r := range recs {
		page.Items = append(page.Items, *r.out())
	}
	return page, nil
}

// GetContact returns the contact ref addresses; by email or phone, the
// earliest created of those that match.
func (p *Platform) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	op := ref.Operation()
	if err := ref.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.resolve(op, ref)
	if err != nil {
		return nil, err
	}
	return r.out(), nil
}

// resolve finds the contact ref addresses. The caller holds p.mu.
func (p *Platform) resolve(op support.Operation, ref support.Ref) (*contactRecord, error) {
	if r := p.find(ref); r != nil {
		return r, nil
	}
	return nil, fail(op, support.ErrNotFound, "no contact with %s", clip(ref.String()))
}

// find returns the contact ref addresses, or nil. The caller holds p.mu.
func (p *Platform) find(ref support.Ref) *contactRecord {
	switch ref.Kind() {
	case support.RefID:
		return p.contactByID[ref.Value()]
	case support.RefEmail:
		return first(p.byEmail[support.EmailKey(ref.Value())])
	case support.RefPhone:
		return first(p.byPhone[phoneKey(ref.Value())])
	}
	return nil
}

// insert stores a new contact made from in. The caller holds p.mu and has
// validated in.
func (p *Platform) insert(in support.ContactInput) *contactRecord {
	p.nextCtc++
	r := &contactRecord{seq: p.nextCtc, c: support.Contact{
		ID:        "ctc_" + strconv.Itoa(p.nextCtc),
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, ExternalID: in.ExternalID,
		CreatedAt: p.clock(),
	}}
	if len(in.Tags) > 0 {
		r.c.Tags = slices.Clone(in.Tags)
	}
	if len(in.CustomFields) > 0 {
		r.c.CustomFields = maps.Clone(in.CustomFields)
	}
	p.contacts = append(p.contacts, r)
	p.contactByID[r.c.ID] = r
	p.index(r)
	return r
}

// CreateContact stores a new contact, even when one with the same email
// exists (DedupNone). The outcome is always Created.
func (p *Platform) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	const op = support.OpCreateContact
	if err := in.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return &support.ContactResult{Contact: p.insert(in).out(), Outcome: support.Created}, nil
}

// CreateContacts creates each valid record and reports each invalid one,
// with one result item per input, in order. The error is the result's Err().
func (p *Platform) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, ci := range in {
		if err := ci.Validate(); err != nil {
			res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: withOp(err, op)}
			continue
		}
		res.Items[i] = support.BatchItem{Index: i, Contact: p.insert(ci).out(), Outcome: support.Created}
	}
	return res, res.Err()
}

// UpsertContact finds a contact by the match keys, in order, and updates it,
// or creates one. See the package documentation for what an update changes.
func (p *Platform) UpsertContact(ctx context.Context, in support.ContactInput, opts support.UpsertOptions) (*support.ContactResult, error) {
	const op = support.OpUpsertContact
	if err := in.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	keys := opts.Keys()
	for _, k := range keys {
		if k != support.MatchExternalID && k != support.MatchEmail && k != support.MatchPhone {
			return nil, fail(op, support.ErrInvalid, "unknown match key %q", clip(string(k)))
		}
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range keys {
		r := p.match(k, in)
		if r == nil {
			continue
		}
		outcome := support.Unchanged
		p.unindex(r)
		if merge(&r.c, in) {
			outcome = support.Updated
		}
		p.index(r)
		return &support.ContactResult{Contact: r.out(), Outcome: outcome}, nil
	}
	return &support.ContactResult{Contact: p.insert(in).out(), Outcome: support.Created}, nil
}

// match returns the earliest created contact whose field k equals in's, or
// nil; an empty field in the input matches nothing. The caller holds p.mu.
func (p *Platform) match(k support.MatchKey, in support.ContactInput) *contactRecord {
	switch {
	case k == support.MatchExternalID && in.ExternalID != "":
		return first(p.byExternal[in.ExternalID])
	case k == support.MatchEmail && in.Email != "":
		return first(p.byEmail[support.EmailKey(in.Email)])
	case k == support.MatchPhone:
		if key := phoneKey(in.Phone); key != "" {
			return first(p.byPhone[key])
		}
	}
	return nil
}

// merge writes the non-empty fields of in over c and reports whether c
// changed. Emails that differ only in case, and phones with the same E.164
// form, are the same value and are left as stored.
func merge(c *support.Contact, in support.ContactInput) bool {
	changed := false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	if !support.EqualEmail(c.Email, in.Email) {
		set(&c.Email, in.Email)
	}
	if !support.SamePhone(c.Phone, in.Phone) {
		set(&c.Phone, in.Phone)
	}
	set(&c.Language, in.Language)
	set(&c.Country, in.Country)
	set(&c.ExternalID, in.ExternalID)
	if len(in.Tags) > 0 && !slices.Equal(c.Tags, in.Tags) {
		c.Tags, changed = slices.Clone(in.Tags), true
	}
	for k, v := range in.CustomFields {
		if old, ok := c.CustomFields[k]; !ok || old != v {
			if c.CustomFields == nil {
				c.CustomFields = map[string]string{}
			}
			c.CustomFields[k], changed = v, true
		}
	}
	return changed
}

// UpdateContact changes the contact ref addresses with patch semantics. The
// outcome is Updated, or Unchanged when the update changed nothing.
func (p *Platform) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	if err := ref.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if err := validateUpdate(u); err != nil {
		return nil, withOp(err, op)
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.resolve(op, ref)
	if err != nil {
		return nil, err
	}
	c := *r.out()
	c.Raw = nil
	patch(&c, u)
	if in := c.Input(); in.IsEmpty() {
		return nil, fail(op, support.ErrInvalid, "the update would leave contact %s with no email, phone or name", c.ID)
	}
	outcome := support.Unchanged
	if !reflect.DeepEqual(c, r.c) {
		p.unindex(r)
		r.c, outcome = c, support.Updated
		p.index(r)
	}
	return &support.ContactResult{Contact: r.out(), Outcome: outcome}, nil
}

// validateUpdate applies support's input rules to every value u sets.
func validateUpdate(u support.ContactUpdate) error {
	// A placeholder name keeps the "names no one" rule out of this check; it
	// is applied to the updated contact instead.
	probe := support.ContactInput{FirstName: "placeholder"}
	set := func(dst *string, v *string) {
		if v != nil && *v != "" {
			*dst = *v
		}
	}
	set(&probe.FirstName, u.FirstName)
	set(&probe.LastName, u.LastName)
	set(&probe.Email, u.Email)
	set(&probe.Phone, u.Phone)
	set(&probe.Language, u.Language)
	set(&probe.Country, u.Country)
	set(&probe.ExternalID, u.ExternalID)
	if u.Tags != nil {
		probe.Tags = *u.Tags
	}
	if len(u.CustomFields) > 0 {
		probe.CustomFields = make(map[string]string, len(u.CustomFields))
		for k, v := range u.CustomFields {
			probe.CustomFields[k] = ""
			if v != nil {
				probe.CustomFields[k] = *v
			}
		}
	}
	return probe.Validate()
}

// patch applies u to c: nil fields are left alone, "" clears.
func patch(c *support.Contact, u support.ContactUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.FirstName, u.FirstName)
	set(&c.LastName, u.LastName)
	set(&c.Email, u.Email)
	set(&c.Phone, u.Phone)
	set(&c.Language, u.Language)
	set(&c.Country, u.Country)
	set(&c.ExternalID, u.ExternalID)
	if u.Tags != nil {
		c.Tags = nil
		if len(*u.Tags) > 0 {
			c.Tags = slices.Clone(*u.Tags)
		}
	}
	for k, v := range u.CustomFields {
		if v == nil {
			delete(c.CustomFields, k)
			continue
		}
		if c.CustomFields == nil {
			c.CustomFields = map[string]string{}
		}
		c.CustomFields[k] = *v
	}
	if len(c.CustomFields) == 0 {
		c.CustomFields = nil
	}
}

// DeleteContact deletes the contact ref addresses. Its conversations stay.
func (p *Platform) DeleteContact(ctx context.Context, ref support.Ref) error {
	const op = support.OpDeleteContact
	if err := ref.Validate(); err != nil {
		return withOp(err, op)
	}
	if err := checkCtx(ctx, op); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.resolve(op, ref)
	if err != nil {
		return err
	}
	i := sort.Search(len(p.contacts), func(i int) bool { return p.contacts[i].seq >= r.seq })
	p.contacts = slices.Delete(p.contacts, i, i+1)
	delete(p.contactByID, r.c.ID)
	p.unindex(r)
	return nil
}

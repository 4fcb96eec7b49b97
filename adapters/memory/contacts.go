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

type contactRecord struct {
	seq
	c support.Contact // Raw is nil: it is rendered on the way out
}

// indexKey returns the key of the lookup indexes under which a value of
// match key k is filed: the key's name and an email's support.EmailKey, a
// phone's E.164 form or an external ID as it is; "" for an empty value and
// for a phone that does not normalize (kept, but never found).
func indexKey(k support.MatchKey, value string) string {
	switch k {
	case support.MatchEmail:
		value = support.EmailKey(value)
	case support.MatchPhone:
		value, _ = support.NormalizePhone(value)
	}
	if value == "" {
		return ""
	}
	return string(k) + ":" + value
}

// reindex removes r from the lookup indexes under its current fields and,
// when add is set, files it there again, keeping each list oldest first.
// The caller holds d.mu and calls it before and after changing r.c.
func (d *Driver) reindex(r *contactRecord, add bool) {
	for _, k := range [...]string{indexKey(support.MatchEmail, r.c.Email),
		indexKey(support.MatchPhone, r.c.Phone), indexKey(support.MatchExternalID, r.c.ExternalID)} {
		if k == "" {
			continue
		}
		list := slices.DeleteFunc(d.byKey[k], func(o *contactRecord) bool { return o == r })
		if add {
			list = slices.Insert(list, sort.Search(len(list), func(j int) bool { return list[j].seq > r.seq }), r)
		}
		if d.byKey[k] = list; len(list) == 0 {
			delete(d.byKey, k)
		}
	}
}

// out returns a copy of the stored contact that shares nothing with the store.
func (r *contactRecord) out() support.Contact {
	c := r.c
	c.Tags = slices.Clone(r.c.Tags)
	c.CustomFields = maps.Clone(r.c.CustomFields)
	c.Raw = render(contactJSON{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
		Language: c.Language, Country: c.Country, City: c.City, EmailConsent: string(c.EmailConsent),
		Lifecycle: c.Lifecycle, AvatarURL: c.AvatarURL, ExternalID: c.ExternalID,
		Tags: c.Tags, CustomFields: c.CustomFields, CreatedAt: stamp(c.CreatedAt),
	})
	return c
}

// PrepareContact returns in as it is: memory stores every field.
func (d *Driver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	return in, nil, nil
}

// ListContacts returns a page of contacts, oldest first.
func (d *Driver) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	defer d.lock(ctx, "GET")()
	return list(d, "contacts", opts.ListOptions, d.contacts, (*contactRecord).out)
}

// GetContact returns the contact id.
func (d *Driver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	defer d.lock(ctx, "GET")()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return nil, err
	}
	return support.Ptr(r.out()), nil
}

// FindContacts returns the contacts whose field key equals value, earliest
// created first, from the lookup indexes.
func (d *Driver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	defer d.lock(ctx, "GET")()
	found := []support.Contact{}
	for _, r := range d.byKey[indexKey(key, value)] {
		found = append(found, r.out())
	}
	return found, nil
}

// insert stores a new contact made from in. The caller holds d.mu.
func (d *Driver) insert(in support.ContactInput) *contactRecord {
	d.nextCtc++
	r := &contactRecord{seq: seq(d.nextCtc), c: support.Contact{
		ID:        "ctc_" + strconv.Itoa(d.nextCtc),
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, City: in.City, EmailConsent: in.EmailConsent,
		Lifecycle: in.Lifecycle, AvatarURL: in.AvatarURL, ExternalID: in.ExternalID,
		Tags: append([]string(nil), in.Tags...), CreatedAt: d.now(),
	}}
	if len(in.CustomFields) > 0 {
		r.c.CustomFields = maps.Clone(in.CustomFields)
	}
	d.contacts = append(d.contacts, r)
	d.contactByID[r.c.ID] = r
	d.reindex(r, true)
	return r
}

// CreateContact stores a new contact, even when one with the same email
// exists (DedupNone). The outcome is always Created.
func (d *Driver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	defer d.lock(ctx, "POST")()
	return &support.ContactResult{Contact: support.Ptr(d.insert(in).out()), Outcome: support.Created}, nil
}

// CreateContacts stores each record, with one Created item per input, in
// order.
func (d *Driver) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	defer d.lock(ctx, "POST")()
	for i, ci := range in {
		res.Items[i] = support.BatchItem{Index: i, Contact: support.Ptr(d.insert(ci).out()), Outcome: support.Created}
	}
	return res, nil
}

// PatchContact changes the contact id with patch semantics
// (support.ContactUpdate.Apply). The outcome is Updated, or Unchanged when
// the stored contact is the same afterwards (an email in another case is a
// change).
func (d *Driver) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	defer d.lock(ctx, "PATCH")()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return nil, err
	}
	outcome := d.patch(r, u)
	return &support.ContactResult{Contact: support.Ptr(r.out()), Outcome: outcome}, nil
}

// patch applies u to r and says whether it changed. The caller holds d.mu.
func (d *Driver) patch(r *contactRecord, u support.ContactUpdate) support.Outcome {
	c := u.Apply(r.c)
	if reflect.DeepEqual(c, r.c) {
		return support.Unchanged
	}
	d.reindex(r, false)
	r.c = c
	d.reindex(r, true)
	return support.Updated
}

// PatchContacts applies each patch as PatchContact does, all or nothing:
// a patch naming no contact refuses the batch (ErrInvalid, naming the
// record, so that the Client splits it; ErrNotFound for a batch of one),
// and nothing is applied. It counts as one PATCH.
func (d *Driver) PatchContacts(ctx context.Context, patches []support.ContactPatch) ([][]support.Warning, error) {
	defer d.lock(ctx, "PATCH")()
	for i, p := range patches {
		switch {
		case d.contactByID[p.ID] != nil:
		case len(patches) == 1:
			return nil, fail(support.ErrNotFound, "no contact %.40q", p.ID)
		default:
			return nil, fail(support.ErrInvalid, "record %d: no contact %.40q", i, p.ID)
		}
	}
	for _, p := range patches {
		d.patch(d.contactByID[p.ID], p.Update)
	}
	return nil, nil
}

// ListContactFields returns a text field for each custom field name the
// stored contacts have, by name.
func (d *Driver) ListContactFields(ctx context.Context) ([]support.FieldDefinition, error) {
	defer d.lock(ctx, "GET")()
	names := map[string]bool{}
	for _, r := range d.contacts {
		for k := range r.c.CustomFields {
			names[k] = true
		}
	}
	defs := []support.FieldDefinition{}
	for _, k := range slices.Sorted(maps.Keys(names)) {
		defs = append(defs, support.FieldDefinition{Name: k, Type: "text", Raw: render(map[string]string{"name": k, "type": "text"})})
	}
	return defs, nil
}

// DeleteContact deletes the contact id. Its conversations stay.
func (d *Driver) DeleteContact(ctx context.Context, id string) error {
	defer d.lock(ctx, "DELETE")()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return err
	}
	d.contacts = slices.DeleteFunc(d.contacts, func(o *contactRecord) bool { return o == r })
	delete(d.contactByID, r.c.ID)
	d.reindex(r, false)
	return nil
}

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

// matchKeys are the keys FindContacts serves.
var matchKeys = [...]support.MatchKey{support.MatchEmail, support.MatchPhone, support.MatchExternalID}

// indexEntry is a key of the lookup indexes: a match key and a value's
// indexKey.
type indexEntry struct {
	key   support.MatchKey
	value string
}

type contactRecord struct {
	seq
	c support.Contact // Raw is nil: it is rendered on the way out
}

// indexKey returns the index key of a value of match key k: an email's
// support.EmailKey, a phone's E.164 form ("" when it does not normalize:
// such a phone is kept but never found), an external ID as it is.
func indexKey(k support.MatchKey, value string) string {
	switch {
	case value == "" || k == support.MatchExternalID:
		return value
	case k == support.MatchEmail:
		return support.EmailKey(value)
	}
	e164, _ := support.NormalizePhone(value)
	return e164
}

// reindex removes r from the lookup indexes under its current fields and,
// when add is set, files it there again, keeping each list oldest first.
// The caller holds d.mu and calls it before and after changing r.c.
func (d *Driver) reindex(r *contactRecord, add bool) {
	for i, v := range [...]string{r.c.Email, r.c.Phone, r.c.ExternalID} {
		k := indexEntry{matchKeys[i], indexKey(matchKeys[i], v)}
		if k.value == "" {
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

// lookup returns the records whose field key equals value, oldest first.
// The caller holds d.mu.
func (d *Driver) lookup(key support.MatchKey, value string) []*contactRecord {
	return d.byKey[indexEntry{key, indexKey(key, value)}]
}

// out returns a copy of the stored contact that shares nothing with the store.
func (r *contactRecord) out() support.Contact {
	c := r.c
	c.Tags = slices.Clone(r.c.Tags)
	c.CustomFields = maps.Clone(r.c.CustomFields)
	c.Raw = render(contactJSON{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
		Language: c.Language, Country: c.Country, ExternalID: c.ExternalID,
		Tags: c.Tags, CustomFields: c.CustomFields, CreatedAt: stamp(c.CreatedAt),
	})
	return c
}

// PrepareContact returns in as it is: memory stores every field.
func (d *Driver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	return in, nil, nil
}

// ListContacts returns a page of contacts, oldest first.
func (d *Driver) ListContacts(_ context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return list(d, contactList, opts.ListOptions, d.contacts, (*contactRecord).out)
}

// GetContact returns the contact id.
func (d *Driver) GetContact(_ context.Context, id string) (*support.Contact, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return nil, err
	}
	return support.Ptr(r.out()), nil
}

// FindContacts returns the contacts whose field key equals value, earliest
// created first, from the lookup indexes.
func (d *Driver) FindContacts(_ context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	found := []support.Contact{}
	for _, r := range d.lookup(key, value) {
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
		Language: in.Language, Country: in.Country, ExternalID: in.ExternalID,
		Tags: append([]string(nil), in.Tags...), CreatedAt: d.clock(),
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
func (d *Driver) CreateContact(_ context.Context, in support.ContactInput) (*support.ContactResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &support.ContactResult{Contact: support.Ptr(d.insert(in).out()), Outcome: support.Created}, nil
}

// CreateContacts stores each record, with one Created item per input, in
// order.
func (d *Driver) CreateContacts(_ context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, ci := range in {
		res.Items[i] = support.BatchItem{Index: i, Contact: support.Ptr(d.insert(ci).out()), Outcome: support.Created}
	}
	return res, nil
}

// PatchContact changes the contact id with patch semantics: nil fields are
// left alone, "" clears, Tags replace, a nil custom field value deletes the
// field. The outcome is Updated, or Unchanged when nothing changed.
func (d *Driver) PatchContact(_ context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return nil, err
	}
	c := r.out()
	c.Raw = nil
	for _, f := range []struct{ dst, v *string }{
		{&c.FirstName, u.FirstName}, {&c.LastName, u.LastName}, {&c.Email, u.Email}, {&c.Phone, u.Phone},
		{&c.Language, u.Language}, {&c.Country, u.Country}, {&c.ExternalID, u.ExternalID},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if u.Tags != nil {
		c.Tags = append([]string(nil), *u.Tags...) // nil for no tags, as stored
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
	outcome := support.Unchanged
	if !reflect.DeepEqual(c, r.c) {
		d.reindex(r, false)
		r.c, outcome = c, support.Updated
		d.reindex(r, true)
	}
	return &support.ContactResult{Contact: support.Ptr(r.out()), Outcome: outcome}, nil
}

// DeleteContact deletes the contact id. Its conversations stay.
func (d *Driver) DeleteContact(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := get(d.contactByID, "contact", id)
	if err != nil {
		return err
	}
	i := sort.Search(len(d.contacts), func(i int) bool { return d.contacts[i].seq >= r.seq })
	d.contacts = slices.Delete(d.contacts, i, i+1)
	delete(d.contactByID, r.c.ID)
	d.reindex(r, false)
	return nil
}

package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/support"
	"github.com/hashicorp/go-multierror"
)

// contactsCreate: a created contact keeps what was sent, and reads back.
func contactsCreate(e *env) {
	if e.undeclared(support.OpCreateContact) {
		return
	}
	r, err := e.p.CreateContact(e.ctx, ada)
	e.must(err, "CreateContact")
	if r == nil || r.Contact == nil || r.Contact.ID == "" {
		e.t.Fatalf("CreateContact returned %+v, want a result with a contact ID", r)
	}
	if r.Outcome != support.Created {
		e.t.Errorf("CreateContact into an empty platform: outcome %q, want %q", r.Outcome, support.Created)
	}
	e.checkFields("CreateContact result", r.Contact, ada, r.Warnings)
	e.checkUTC("CreateContact result", r.Contact.CreatedAt)
	if e.supports(support.OpGetContact) {
		got := e.getContact(support.ID(r.Contact.ID))
		if got.ID != r.Contact.ID {
			e.t.Errorf("GetContact(id:%s) returned contact %q", r.Contact.ID, got.ID)
		}
		e.checkFields("GetContact after CreateContact", got, ada, r.Warnings)
	}
	e.checkCount("after one CreateContact", r.Contact.ID)
}

// contactsCreateDuplicate: creating a contact twice does what
// Capabilities().CreateDedup says:
//   - none: a second contact (outcome Created, another ID); a lookup by email
//     returns the earliest created;
//   - email: the first contact back (outcome Matched, same ID);
//   - identifier: ErrConflict, or the first contact back (same ID, outcome
//     Matched, Updated or Unchanged).
func contactsCreateDuplicate(e *env) {
	if e.undeclared(support.OpCreateContact) {
		return
	}
	first, err := e.p.CreateContact(e.ctx, grace)
	e.must(err, "CreateContact")
	if first == nil || first.Contact == nil || first.Contact.ID == "" {
		e.t.Fatalf("CreateContact returned %+v, want a contact ID", first)
	}
	id := first.Contact.ID
	second, err := e.p.CreateContact(e.ctx, grace)
	what := fmt.Sprintf("second CreateContact of the same contact (CreateDedup %q)", e.caps.CreateDedup)
	switch e.caps.CreateDedup {
	case support.DedupNone:
		e.must(err, "%s", what)
		if second == nil || second.Contact == nil || second.Contact.ID == "" || second.Contact.ID == id {
			e.t.Fatalf("%s: got %+v, want a new contact with another ID", what, second)
		}
		if second.Outcome != support.Created {
			e.t.Errorf("%s: outcome %q, want %q", what, second.Outcome, support.Created)
		}
		if e.supports(support.OpGetByEmail) {
			if got := e.getContact(support.Email(grace.Email)); got.ID != id {
				e.t.Errorf("GetContact(email) with two matches returned %q, want the earliest created, %q", got.ID, id)
			}
		}
		e.checkCount(what, id, second.Contact.ID)
	case support.DedupEmail:
		e.must(err, "%s", what)
		if second == nil || second.Contact == nil || second.Contact.ID != id || second.Outcome != support.Matched {
			e.t.Fatalf("%s: got %+v, want the first contact (%s) with outcome %q", what, second, id, support.Matched)
		}
		e.checkCount(what, id)
	case support.DedupIdentifier:
		if err != nil {
			e.wantKind(err, what, support.ErrConflict)
		} else if second == nil || second.Contact == nil || second.Contact.ID != id ||
			!slices.Contains([]support.Outcome{support.Matched, support.Updated, support.Unchanged}, second.Outcome) {
			e.t.Errorf("%s: got %+v, want ErrConflict or the first contact (%s) matched", what, second, id)
		}
		e.checkCount(what, id)
	default:
		e.t.Errorf("Capabilities().CreateDedup is %q, want none, email or identifier", e.caps.CreateDedup)
	}
}

// contactsGetByEmail: an email Ref finds its contact whatever the case; a
// miss is ErrNotFound.
func contactsGetByEmail(e *env) {
	if e.undeclared(support.OpGetByEmail) {
		return
	}
	a := e.createContact(ada)
	g := e.createContact(grace)
	for _, tc := range []struct {
		email string
		id    string
	}{
		{strings.ToUpper(ada.Email), a.ID},
		{grace.Email, g.ID},
	} {
		if got := e.getContact(support.Email(tc.email)); got.ID != tc.id {
			e.t.Errorf("GetContact(email:%s) returned contact %q, want %q", tc.email, got.ID, tc.id)
		}
	}
	_, err := e.p.GetContact(e.ctx, support.Email(absentEmail))
	e.wantKind(err, "GetContact of an unknown email", support.ErrNotFound)
}

// contactsGetByPhone: a phone Ref finds its contact however the number is
// written; a miss is ErrNotFound.
func contactsGetByPhone(e *env) {
	if e.undeclared(support.OpGetByPhone) {
		return
	}
	a := e.createContact(ada)
	g := e.createContact(grace)
	for _, tc := range []struct {
		phone string
		id    string
	}{
		{"+442079460958", a.ID},
		{ada.Phone, a.ID},
		{grace.Phone, g.ID},
	} {
		if got := e.getContact(support.Phone(tc.phone)); got.ID != tc.id {
			e.t.Errorf("GetContact(phone:%s) returned contact %q, want %q", tc.phone, got.ID, tc.id)
		}
	}
	_, err := e.p.GetContact(e.ctx, support.Phone(absentPhone))
	e.wantKind(err, "GetContact of an unknown phone", support.ErrNotFound)
}

// contactsNotFound: well-formed IDs that name no contact are ErrNotFound for
// every operation that takes one.
func contactsNotFound(e *env) {
	if e.undeclared(support.OpGetContact) {
		return
	}
	c := e.createContact(ada)
	missing := support.ID(unknownID(c.ID))
	_, err := e.p.GetContact(e.ctx, missing)
	e.wantKind(err, fmt.Sprintf("GetContact(%s)", missing), support.ErrNotFound)
	if e.supports(support.OpUpdateContact) {
		_, err := e.p.UpdateContact(e.ctx, missing, support.ContactUpdate{FirstName: support.Ptr("Augusta")})
		e.wantKind(err, fmt.Sprintf("UpdateContact(%s)", missing), support.ErrNotFound)
	}
	if e.supports(support.OpDeleteContact) {
		err := e.p.DeleteContact(e.ctx, missing)
		e.wantKind(err, fmt.Sprintf("DeleteContact(%s)", missing), support.ErrNotFound)
	}
	e.checkCount("after calls on a missing contact", c.ID)
}

// contactsInvalid: invalid input fails with ErrInvalid before any request.
func contactsInvalid(e *env) {
	type check struct {
		op   support.Operation
		what string
		call func() error
	}
	checks := []check{
		{support.OpCreateContact, "CreateContact with a bad email", func() error {
			_, err := e.p.CreateContact(e.ctx, support.ContactInput{FirstName: "Ada", Email: badEmail})
			return err
		}},
		{support.OpCreateContact, "CreateContact of an empty contact", func() error {
			_, err := e.p.CreateContact(e.ctx, support.ContactInput{})
			return err
		}},
		{support.OpUpsertContact, "UpsertContact of an empty contact", func() error {
			_, err := e.p.UpsertContact(e.ctx, support.ContactInput{}, support.UpsertOptions{})
			return err
		}},
		{support.OpUpsertContact, "UpsertContact with a bad email", func() error {
			_, err := e.p.UpsertContact(e.ctx, support.ContactInput{Email: badEmail}, support.UpsertOptions{})
			return err
		}},
		{support.OpGetContact, "GetContact of the zero Ref", func() error {
			_, err := e.p.GetContact(e.ctx, support.Ref{})
			return err
		}},
		{support.OpGetContact, "GetContact of an empty ID", func() error {
			_, err := e.p.GetContact(e.ctx, support.ID(""))
			return err
		}},
		{support.OpGetByEmail, "GetContact of a bad email", func() error {
			_, err := e.p.GetContact(e.ctx, support.Email(badEmail))
			return err
		}},
		{support.OpGetByPhone, "GetContact of a phone without country code", func() error {
			_, err := e.p.GetContact(e.ctx, support.Phone("020 7946 0958"))
			return err
		}},
		{support.OpUpdateContact, "UpdateContact of the zero Ref", func() error {
			_, err := e.p.UpdateContact(e.ctx, support.Ref{}, support.ContactUpdate{FirstName: support.Ptr("Ada")})
			return err
		}},
		{support.OpUpdateContact, "UpdateContact to a bad email", func() error {
			_, err := e.p.UpdateContact(e.ctx, support.ID(probeID), support.ContactUpdate{Email: support.Ptr(badEmail)})
			return err
		}},
		{support.OpDeleteContact, "DeleteContact of the zero Ref", func() error {
			return e.p.DeleteContact(e.ctx, support.Ref{})
		}},
	}
	e.noRequests("invalid contact input", func() {
		for _, c := range checks {
			if e.supports(c.op) {
				e.wantKind(c.call(), c.what, support.ErrInvalid)
			}
		}
		if e.supports(support.OpCreateContacts) {
			r, err := e.p.CreateContacts(e.ctx, []support.ContactInput{{}, {Email: badEmail}})
			e.wantKind(err, "CreateContacts of invalid records", support.ErrInvalid)
			if r != nil {
				for _, it := range r.Items {
					if it.Outcome != support.Failed || !errors.Is(it.Err, support.ErrInvalid) {
						e.t.Errorf("CreateContacts of invalid records: item %d is %q (%v), want failed with ErrInvalid", it.Index, it.Outcome, it.Err)
					}
				}
			}
		}
	})
	e.checkCount("after invalid input")
}

// contactsPaging: listing 2*PageSize+1 contacts PageSize at a time takes at
// least three pages, shows every contact exactly once, ends with Next "", and
// resuming from a saved cursor gives the same remainder.
func contactsPaging(e *env) {
	if e.undeclared(support.OpListContacts) {
		return
	}
	n := 2*e.pageSize + 1
	created := map[string]bool{}
	for i := 1; i <= n; i++ {
		created[e.createContact(pagingContact(i)).ID] = true
	}

	var pages [][]string
	seen := map[string]int{}
	cursor, saved := "", ""
	for {
		if len(pages) > n+1 {
			e.t.Fatalf("listing %d contacts took more than %d pages: Next never became \"\"", n, n+1)
		}
		page, err := e.p.ListContacts(e.ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: cursor, Limit: e.pageSize}})
		e.must(err, "ListContacts page %d", len(pages)+1)
		if len(page.Items) > e.pageSize {
			e.t.Errorf("ListContacts page %d has %d contacts, more than the page size %d", len(pages)+1, len(page.Items), e.pageSize)
		}
		var ids []string
		for _, c := range page.Items {
			e.checkRead("ListContacts item "+c.ID, c.Raw, c.CreatedAt)
			ids = append(ids, c.ID)
			seen[c.ID]++
		}
		pages = append(pages, ids)
		if page.Next == "" {
			break
		}
		if page.Next == cursor {
			e.t.Fatalf("ListContacts page %d returned the cursor it was given", len(pages))
		}
		if len(pages) == 1 {
			saved = page.Next
		}
		cursor = page.Next
	}
	if len(pages) < 3 {
		e.t.Errorf("listing %d contacts with page size %d took %d page(s), want at least 3", n, e.pageSize, len(pages))
	}
	for _, id := range slices.Sorted(maps.Keys(seen)) {
		if k := seen[id]; k != 1 {
			e.t.Errorf("contact %s was listed %d times, want once", id, k)
		}
		if !created[id] {
			e.t.Errorf("contact %s was listed but never created", id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(created)) {
		if seen[id] == 0 {
			e.t.Errorf("contact %s was created but never listed", id)
		}
	}
	if saved == "" {
		return
	}
	var rest []string
	for c, err := range support.AllContacts(e.ctx, e.p, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: saved, Limit: e.pageSize}}) {
		e.must(err, "resuming ListContacts from the saved cursor")
		rest = append(rest, c.ID)
	}
	if want := slices.Concat(pages[1:]...); !slices.Equal(rest, want) {
		e.t.Errorf("resuming from the cursor after page 1 listed %q, want %q", rest, want)
	}
}

// contactsUpsert: upsert creates, then updates the contact it matches (by
// email, whatever the case; by phone, in E.164), then reports that nothing
// changed, without ever making a second contact. Outcomes allowed:
//   - first upsert: Created;
//   - changed input: Updated; Matched only when the platform cannot update
//     contacts (contacts.update undeclared), with a warning on last_name;
//   - the same input again, or a match by phone: Unchanged, or Matched (the
//     contact returned as it is).
func contactsUpsert(e *env) {
	if e.undeclared(support.OpUpsertContact) {
		return
	}
	upsert := func(what string, in support.ContactInput) *support.ContactResult {
		e.t.Helper()
		r, err := e.p.UpsertContact(e.ctx, in, support.UpsertOptions{})
		e.must(err, "%s", what)
		if r == nil || r.Contact == nil || r.Contact.ID == "" {
			e.t.Fatalf("%s returned %+v, want a contact ID", what, r)
		}
		return r
	}
	r1 := upsert("first UpsertContact", ada)
	id := r1.Contact.ID
	if r1.Outcome != support.Created {
		e.t.Errorf("first UpsertContact: outcome %q, want %q", r1.Outcome, support.Created)
	}
	e.checkFields("first UpsertContact result", r1.Contact, ada, r1.Warnings)
	if !e.supports(support.OpGetByEmail) {
		e.t.Logf("matching not checked: %s cannot look contacts up by email", e.caps.Vendor)
		return
	}

	changed := support.ContactInput{FirstName: "Ada", LastName: "King", Email: "Ada.Lovelace@Example.com"}
	r2 := upsert("UpsertContact with a new last name", changed)
	if r2.Contact.ID != id {
		e.t.Errorf("UpsertContact by email (other case) returned contact %q, want %q", r2.Contact.ID, id)
	}
	switch {
	case r2.Outcome == support.Updated:
		e.checkFields("UpsertContact update result", r2.Contact, changed, r2.Warnings)
		if e.supports(support.OpGetContact) {
			got := e.getContact(support.ID(id))
			e.checkFields("GetContact after the upsert update", got, changed, r2.Warnings)
			e.checkFields("GetContact after the upsert update (fields not sent)", got, support.ContactInput{Phone: ada.Phone}, r1.Warnings)
		}
	case r2.Outcome == support.Matched && !e.supports(support.OpUpdateContact):
		if !warned(r2.Warnings, "last_name") {
			e.t.Errorf("UpsertContact matched without updating, but no warning names last_name: %v", r2.Warnings)
		}
	default:
		e.t.Errorf("UpsertContact with a new last name: outcome %q, want %q", r2.Outcome, support.Updated)
	}

	same := []support.Outcome{support.Unchanged, support.Matched}
	r3 := upsert("UpsertContact with the same input again", changed)
	if r3.Contact.ID != id || !slices.Contains(same, r3.Outcome) {
		e.t.Errorf("UpsertContact with the same input again: contact %q, outcome %q; want %q, unchanged or matched", r3.Contact.ID, r3.Outcome, id)
	}
	if e.supports(support.OpGetByPhone) {
		byPhone := support.ContactInput{FirstName: changed.FirstName, LastName: changed.LastName, Phone: "+442079460958"}
		r4 := upsert("UpsertContact by phone", byPhone)
		if r4.Contact.ID != id || !slices.Contains(same, r4.Outcome) {
			e.t.Errorf("UpsertContact by phone: contact %q, outcome %q; want %q, unchanged or matched", r4.Contact.ID, r4.Outcome, id)
		}
	}
	e.checkCount("after upserting one person again and again", id)
}

// contactsIdentity: the identity rule. A contact found by phone whose
// email differs from the input's is another person: the upsert is a
// conflict, reported with both records, and nothing is written.
func contactsIdentity(e *env) {
	if e.undeclared(support.OpUpsertContact) {
		return
	}
	if !e.supports(support.OpGetByPhone) || !e.supports(support.OpGetByEmail) || !e.canCreateContact() {
		e.t.Logf("identity rule not checked: %s cannot look contacts up by both email and phone", e.caps.Vendor)
		return
	}
	first := e.createContact(ada)
	other := support.ContactInput{FirstName: "Grace", LastName: "Hopper", Email: "grace.hopper@example.com", Phone: ada.Phone}
	r, err := e.p.UpsertContact(e.ctx, other, support.UpsertOptions{})
	if !errors.Is(err, support.ErrConflict) {
		e.t.Fatalf("UpsertContact of another person with the same phone: error %v, want one matching ErrConflict", err)
	}
	var ic *support.IdentityConflict
	if !errors.As(err, &ic) {
		e.t.Fatalf("UpsertContact conflict: error %v does not hold a *support.IdentityConflict", err)
	}
	if ic.Key != support.MatchPhone || ic.Contradicted != support.MatchEmail {
		e.t.Errorf("IdentityConflict found by %q, contradicted by %q; want %q and %q", ic.Key, ic.Contradicted, support.MatchPhone, support.MatchEmail)
	}
	if ic.Existing.ID != first.ID || !support.EqualEmail(ic.Input.Email, other.Email) {
		e.t.Errorf("IdentityConflict names existing %q and input email %q; want %q and %q", ic.Existing.ID, ic.Input.Email, first.ID, other.Email)
	}
	if r == nil || r.Outcome != support.Conflict {
		e.t.Errorf("UpsertContact conflict: result %+v, want outcome %q", r, support.Conflict)
	}
	if e.supports(support.OpGetContact) {
		got := e.getContact(support.ID(first.ID))
		e.checkFields("GetContact after the conflict", got, support.ContactInput{FirstName: ada.FirstName, LastName: ada.LastName, Email: ada.Email}, nil)
	}
	e.checkCount("after an upsert that conflicted", first.ID)
}

// contactsUpdate: patch semantics; nil fields stay as they are, "" clears.
func contactsUpdate(e *env) {
	if e.undeclared(support.OpUpdateContact) {
		return
	}
	e.need(support.OpGetContact)
	c := e.createContact(ada)
	ref := support.ID(c.ID)
	update := func(what string, ref support.Ref, u support.ContactUpdate) *support.ContactResult {
		e.t.Helper()
		r, err := e.p.UpdateContact(e.ctx, ref, u)
		e.must(err, "%s", what)
		if r == nil || r.Contact == nil || r.Contact.ID != c.ID {
			e.t.Fatalf("%s returned %+v, want contact %s", what, r, c.ID)
		}
		if r.Outcome != support.Updated {
			e.t.Errorf("%s: outcome %q, want %q", what, r.Outcome, support.Updated)
		}
		return r
	}

	r := update("UpdateContact of the first name", ref, support.ContactUpdate{FirstName: support.Ptr("Augusta")})
	want := ada
	want.FirstName = "Augusta"
	e.checkFields("GetContact after updating the first name", e.getContact(ref), want, r.Warnings)

	r = update("UpdateContact clearing the last name", ref, support.ContactUpdate{LastName: support.Ptr("")})
	got := e.getContact(ref)
	want.LastName = ""
	e.checkFields("GetContact after clearing the last name", got, want, r.Warnings)
	if got.LastName != "" && !warned(r.Warnings, "last_name") {
		e.t.Errorf("after clearing the last name it is %q, want \"\" (or a warning on last_name)", got.LastName)
	}

	if e.supports(support.OpGetByEmail) {
		r = update("UpdateContact by email", support.Email(strings.ToUpper(ada.Email)), support.ContactUpdate{LastName: support.Ptr("King")})
		want.LastName = "King"
		e.checkFields("GetContact after updating by email", e.getContact(ref), want, r.Warnings)
	}
	e.checkCount("after updates", c.ID)
}

// contactsDelete: a deleted contact is gone (ErrNotFound), and only it.
func contactsDelete(e *env) {
	if e.undeclared(support.OpDeleteContact) {
		return
	}
	c := e.createContact(ada)
	other := e.createContact(grace)
	e.must(e.p.DeleteContact(e.ctx, support.ID(c.ID)), "DeleteContact(id:%s)", c.ID)
	if e.supports(support.OpGetContact) {
		_, err := e.p.GetContact(e.ctx, support.ID(c.ID))
		e.wantKind(err, "GetContact of a deleted contact", support.ErrNotFound)
		e.getContact(support.ID(other.ID))
	}
	if e.supports(support.OpGetByEmail) {
		_, err := e.p.GetContact(e.ctx, support.Email(ada.Email))
		e.wantKind(err, "GetContact by email of a deleted contact", support.ErrNotFound)
	}
	err := e.p.DeleteContact(e.ctx, support.ID(c.ID))
	e.wantKind(err, "DeleteContact of a deleted contact", support.ErrNotFound)
	e.checkCount("after deleting one of two contacts", other.ID)
}

// contactsBatch: a batch with one bad record stores the others and reports
// exactly the bad one, with its index.
func contactsBatch(e *env) {
	if e.undeclared(support.OpCreateContacts) {
		return
	}
	in := []support.ContactInput{alan, {FirstName: "Broken", Email: badEmail}, katherine}
	r, err := e.p.CreateContacts(e.ctx, in)
	if r == nil || len(r.Items) != len(in) {
		e.t.Fatalf("CreateContacts of %d records returned %+v (error %v), want %d items", len(in), r, err, len(in))
	}
	var ids []string
	for i, it := range r.Items {
		if it.Index != i {
			e.t.Errorf("CreateContacts item %d has Index %d", i, it.Index)
		}
		if i == 1 {
			if it.Outcome != support.Failed || it.Contact != nil || !errors.Is(it.Err, support.ErrInvalid) {
				e.t.Errorf("CreateContacts bad record: outcome %q, contact %v, error %v; want failed with ErrInvalid and no contact", it.Outcome, it.Contact, it.Err)
			}
			continue
		}
		if it.Err != nil || it.Outcome != support.Created || it.Contact == nil || it.Contact.ID == "" {
			e.t.Errorf("CreateContacts record %d: outcome %q, contact %v, error %v; want created", i, it.Outcome, it.Contact, it.Err)
			continue
		}
		e.checkFields(fmt.Sprintf("CreateContacts record %d", i), it.Contact, in[i], it.Warnings)
		ids = append(ids, it.Contact.ID)
	}
	e.wantOneBad("CreateContacts", err, 1)
	if len(ids) == 2 {
		if e.supports(support.OpGetContact) {
			for i, id := range ids {
				e.checkFields("GetContact after CreateContacts", e.getContact(support.ID(id)), in[2*i], nil)
			}
		}
		e.checkCount("after a batch of 2 good records and 1 bad", ids...)
	}
}

// wantOneBad checks the error of a batch whose record bad alone was
// invalid: a *multierror.Error with exactly one *support.BatchItemError,
// for that record, matching ErrInvalid.
func (e *env) wantOneBad(what string, err error, bad int) {
	e.t.Helper()
	var merr *multierror.Error
	if !errors.As(err, &merr) || len(merr.Errors) != 1 {
		e.t.Errorf("%s error is %v, want a *multierror.Error with exactly one *support.BatchItemError", what, err)
		return
	}
	var item *support.BatchItemError
	if !errors.As(merr.Errors[0], &item) || item.Index != bad || !errors.Is(item, support.ErrInvalid) {
		e.t.Errorf("%s error is %v, want record %d failing with ErrInvalid", what, err, bad)
	}
}

// contactsUpdateBatch: a batch update changes each contact as its patch
// says and reports each outcome in order: the patch with an invalid email
// is Failed with ErrInvalid and its contact stays as it was, the others
// are Updated.
func contactsUpdateBatch(e *env) {
	if e.undeclared(support.OpUpdateContacts) {
		return
	}
	people := []support.ContactInput{alan, grace, katherine}
	var ids []string
	for _, in := range people {
		ids = append(ids, e.createContact(in).ID)
	}
	r, err := e.p.UpdateContacts(e.ctx, []support.ContactPatch{
		{ID: ids[0], Update: support.ContactUpdate{LastName: support.Ptr("Hodges")}},
		{ID: ids[1], Update: support.ContactUpdate{Email: support.Ptr(badEmail)}},
		{ID: ids[2], Update: support.ContactUpdate{FirstName: support.Ptr("Kathy")}},
	})
	if r == nil || len(r.Items) != len(people) {
		e.t.Fatalf("UpdateContacts of %d patches returned %+v (error %v), want %d items", len(people), r, err, len(people))
	}
	want := slices.Clone(people)
	want[0].LastName, want[2].FirstName = "Hodges", "Kathy"
	for i, it := range r.Items {
		switch {
		case it.Index != i:
			e.t.Errorf("UpdateContacts item %d has Index %d", i, it.Index)
		case i == 1 && (it.Outcome != support.Failed || !errors.Is(it.Err, support.ErrInvalid)):
			e.t.Errorf("UpdateContacts patch to a bad email: outcome %q, error %v; want failed with ErrInvalid", it.Outcome, it.Err)
		case i != 1 && (it.Err != nil || it.Outcome != support.Updated || it.Contact == nil || it.Contact.ID != ids[i]):
			e.t.Errorf("UpdateContacts patch %d: outcome %q, contact %v, error %v; want contact %s updated", i, it.Outcome, it.Contact, it.Err, ids[i])
		}
	}
	e.wantOneBad("UpdateContacts", err, 1)
	if e.supports(support.OpGetContact) {
		for i, id := range ids {
			e.checkFields(fmt.Sprintf("GetContact of patch %d's contact after UpdateContacts", i), e.getContact(support.ID(id)), want[i], r.Items[i].Warnings)
		}
	}
}

// contactsFields: each custom field definition has a name, once; a custom
// field a contact was created with, without a warning, is among them.
func contactsFields(e *env) {
	if e.undeclared(support.OpListContactFields) {
		return
	}
	field := "custom_fields." + fieldName
	stored := false
	if e.canCreateContact() {
		in := ada
		in.CustomFields = map[string]string{fieldName: fieldValue}
		_, ws := e.createContactWarned(in)
		stored = !warned(ws, field)
	}
	defs, err := e.p.ListContactFields(e.ctx)
	e.must(err, "ListContactFields")
	names := make([]string, len(defs))
	raws := make([]json.RawMessage, len(defs))
	for i, d := range defs {
		names[i], raws[i] = d.Name, d.Raw
	}
	e.checkNamed("ListContactFields", names, raws)
	if stored && !slices.Contains(names, fieldName) {
		e.t.Errorf("a contact was created with custom field %q and no warning on %s, but ListContactFields lists %q", fieldName, field, names)
	}
}

// contactsNewFields: a contact created with a city, an email consent, a
// lifecycle stage and an avatar reads back with those the platform stores
// (Capabilities().ContactFields); each of the others is reported in a
// warning on its field, and the platform warns about no field it stores.
func contactsNewFields(e *env) {
	e.need(support.OpGetContact)
	in := ada
	in.City, in.EmailConsent, in.Lifecycle, in.AvatarURL = "London", support.ConsentSubscribed, lifecycleStage, avatarURL
	c, ws := e.createContactWarned(in)
	got := e.getContact(support.ID(c.ID))
	for _, f := range []struct{ name, sent, read string }{
		{"city", in.City, got.City},
		{"email_consent", string(in.EmailConsent), string(got.EmailConsent)},
		{"lifecycle", in.Lifecycle, got.Lifecycle},
		{"avatar_url", in.AvatarURL, got.AvatarURL},
	} {
		switch stored := e.caps.StoresField(f.name); {
		case !stored && !warned(ws, f.name):
			e.t.Errorf("%s is not in Capabilities().ContactFields, but creating a contact with it warned only %v", f.name, ws)
		case stored && warned(ws, f.name):
			e.t.Errorf("%s is in Capabilities().ContactFields, but creating a contact with it warned %v", f.name, ws)
		case stored && f.read != f.sent:
			e.t.Errorf("GetContact after creating a contact with %s %q: it is %q", f.name, f.sent, f.read)
		}
	}
	e.checkFields("GetContact of a contact created with the new fields", got, in, ws)
}

// checkNamed checks the items of a list of named definitions that call
// returned: each has a Name, none twice, and each a vendor payload in Raw.
func (e *env) checkNamed(call string, names []string, raws []json.RawMessage) {
	for i, name := range names {
		what := fmt.Sprintf("%s item %d (%q)", call, i, name)
		switch {
		case name == "":
			e.t.Errorf("%s has no Name", what)
		case slices.Contains(names[:i], name):
			e.t.Errorf("%s is listed twice", what)
		}
		e.checkRead(what, raws[i])
	}
}

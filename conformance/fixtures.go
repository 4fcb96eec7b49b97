package conformance

import (
	"fmt"
	"slices"

	"github.com/deskbridge/deskbridge/support"
)

// The data the scenarios send. It is fixed (no clock, no randomness) because
// HTTP adapters replay recordings of what the scenarios send.
var (
	ada = support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada.lovelace@example.com", Phone: "+44 20 7946 0958",
	}
	grace = support.ContactInput{
		FirstName: "Grace", LastName: "Hopper", Email: "grace.hopper@example.com", Phone: "+1 415 555 0100",
	}
	alan      = support.ContactInput{FirstName: "Alan", LastName: "Turing", Email: "alan.turing@example.com"}
	katherine = support.ContactInput{FirstName: "Katherine", LastName: "Johnson", Email: "katherine.johnson@example.com"}
)

const (
	orderSubject = "Order #1001 has not arrived"
	orderText    = "Hello, my order #1001 has not arrived yet."
	replyText    = "Thanks for reaching out, we are checking your order."
	noteText     = "Carrier confirms the parcel is delayed by one day."
	reply2Text   = "Your order #1001 ships tomorrow."
	absentEmail  = "nobody.here@example.com"
	absentPhone  = "+1 202 555 0199"
	badEmail     = "not-an-email"
	// closingSummary is the summary of a closing note.
	closingSummary = "Closed by the conformance suite."
	// fieldName and fieldValue are the custom field a contact is created
	// with.
	fieldName, fieldValue = "plan", "gold"
	// lifecycleStage is one of the stages respond.io workspaces start
	// with (help.respond.io/workspace-settings/workspace-settings-lifecycle).
	lifecycleStage = "Customer"
	avatarURL      = "https://example.com/avatars/ada.png"
)

// pagingContact is the i-th contact of the paging scenario.
func pagingContact(i int) support.ContactInput {
	return support.ContactInput{
		FirstName: fmt.Sprintf("Reader%02d", i), LastName: "Paging",
		Email: fmt.Sprintf("reader.%02d@example.com", i),
	}
}

func fullName(in support.ContactInput) string { return support.JoinName(in.FirstName, in.LastName) }

// canCreateContact reports whether the platform has a way to create a contact.
func (e *env) canCreateContact() bool {
	return e.supports(support.OpCreateContact) || e.supports(support.OpUpsertContact) ||
		e.supports(support.OpCreateContacts)
}

// createContact stores in with whichever create operation is declared, for
// scenarios that need contacts to exist.
func (e *env) createContact(in support.ContactInput) *support.Contact {
	e.t.Helper()
	c, _ := e.createContactWarned(in)
	return c
}

// createContactWarned is createContact, returning the platform's warnings
// too.
func (e *env) createContactWarned(in support.ContactInput) (*support.Contact, []support.Warning) {
	e.t.Helper()
	var c *support.Contact
	var ws []support.Warning
	switch {
	case e.supports(support.OpCreateContact):
		r, err := e.p.CreateContact(e.ctx, in)
		e.must(err, "CreateContact(%s)", in.Email)
		if r != nil {
			c, ws = r.Contact, r.Warnings
		}
	case e.supports(support.OpUpsertContact):
		r, err := e.p.UpsertContact(e.ctx, in, support.UpsertOptions{})
		e.must(err, "UpsertContact(%s)", in.Email)
		if r != nil {
			c, ws = r.Contact, r.Warnings
		}
	case e.supports(support.OpCreateContacts):
		r, err := e.p.CreateContacts(e.ctx, []support.ContactInput{in})
		e.must(err, "CreateContacts(%s)", in.Email)
		if r != nil && len(r.Items) == 1 {
			c, ws = r.Items[0].Contact, r.Items[0].Warnings
		}
	default:
		e.t.Skipf("skipped by capability: this scenario needs contacts, and %s declares no way to create one", e.caps.Vendor)
	}
	if c == nil || c.ID == "" {
		e.t.Fatalf("creating contact %s returned no contact ID", in.Email)
	}
	return c, ws
}

// getContact reads a contact that must exist.
func (e *env) getContact(ref support.Ref) *support.Contact {
	e.t.Helper()
	c, err := e.p.GetContact(e.ctx, ref)
	e.must(err, "GetContact(%s)", ref)
	if c == nil {
		e.t.Fatalf("GetContact(%s) returned nil and no error", ref)
	}
	e.checkRead(fmt.Sprintf("GetContact(%s)", ref), c.Raw, c.CreatedAt)
	return c
}

// allContacts lists every contact.
func (e *env) allContacts() []support.Contact {
	e.t.Helper()
	var all []support.Contact
	for c, err := range support.AllContacts(e.ctx, e.p, support.ContactListOptions{ListOptions: support.ListOptions{Limit: e.pageSize}}) {
		e.must(err, "listing contacts")
		all = append(all, c)
	}
	return all
}

// checkCount checks, when the platform can list contacts, that it holds
// exactly the contacts with ids: nothing lost, nothing doubled.
func (e *env) checkCount(what string, ids ...string) {
	e.t.Helper()
	if !e.supports(support.OpListContacts) {
		return
	}
	var got []string
	for _, c := range e.allContacts() {
		got = append(got, c.ID)
	}
	want := slices.Clone(ids)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		e.t.Errorf("%s: the platform holds contacts %q, want exactly %q", what, got, want)
	}
}

// warned reports whether the platform warned about field.
func warned(ws []support.Warning, field string) bool {
	return slices.ContainsFunc(ws, func(w support.Warning) bool { return w.Field == field })
}

// checkFields compares the fields want sets with got's, skipping those the
// platform warned it could not store. Emails compare without case, phones in
// E.164.
func (e *env) checkFields(what string, got *support.Contact, want support.ContactInput, ws []support.Warning) {
	e.t.Helper()
	if got == nil {
		e.t.Errorf("%s: no contact", what)
		return
	}
	check := func(field, g, w string, same func(a, b string) bool) {
		if w != "" && !warned(ws, field) && !same(g, w) {
			e.t.Errorf("%s: %s is %q, want %q", what, field, g, w)
		}
	}
	equal := func(a, b string) bool { return a == b }
	check("first_name", got.FirstName, want.FirstName, equal)
	check("last_name", got.LastName, want.LastName, equal)
	check("email", got.Email, want.Email, support.EqualEmail)
	check("phone", got.Phone, want.Phone, support.SamePhone)
}

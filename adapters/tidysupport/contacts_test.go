package tidysupport_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// Done when: creating a known email twice yields one contact and the
// outcome "matched".
func TestCreateKnownEmailTwiceMatches(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{Seed: 7})
	ctx := t.Context()
	in := support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}
	first, err := c.CreateContact(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, support.Created, first.Outcome)
	writes := srv.Stats.Writes()

	// The same person again, the email in another case, with a new phone.
	again := in
	again.Email, again.Phone = "ADA@Example.COM", "+1 415 555 0100"
	second, err := c.CreateContact(ctx, again)
	require.NoError(t, err)
	assert.Equal(t, support.Matched, second.Outcome)
	assert.Equal(t, first.Contact.ID, second.Contact.ID)
	assert.Equal(t, []string{"phone"}, fields(second.Warnings), "the stored phone differs and cannot be updated")
	assert.Equal(t, "+442079460958", second.Contact.Phone, "the matched contact keeps its stored phone")
	assert.Len(t, srv.Contacts(), 1)
	assert.Equal(t, writes, srv.Stats.Writes(), "matching sends no write")
}

// fields lists the fields warned about.
func fields(ws []support.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

// Done when: listing every contact across many pages loses none and repeats
// none, also when contacts are added while the listing runs.
func TestListContactsAcrossManyPages(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{Seed: 3, MaxPageSize: 50})
	const n = 1000
	want := map[string]bool{}
	for i := range n {
		want[srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("p%04d@example.com", i), Name: "Person Paged"}).ID] = true
	}
	seen := map[string]int{}
	pages := 0
	// Limit 70 is above the simulator's largest page (50): pages come back
	// shorter than asked, and the listing must still go on.
	for page, err := range support.Pages(t.Context(), "", func(ctx context.Context, cursor string) (support.Page[support.Contact], error) {
		return c.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: cursor, Limit: 70}})
	}) {
		require.NoError(t, err)
		pages++
		for _, ct := range page.Items {
			seen[ct.ID]++
		}
		// Newcomers go to the end of the list: they are listed too, once.
		if pages%5 == 0 {
			want[srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("late%d@example.com", pages)}).ID] = true
		}
	}
	assert.GreaterOrEqual(t, pages, n/50)
	for id := range want {
		assert.Equal(t, 1, seen[id], "contact %s listed %d times", id, seen[id])
	}
	for id := range seen {
		assert.True(t, want[id], "contact %s listed but never stored", id)
	}
}

// Done when: a wrong workspace ID is a clear not-found error.
func TestWrongWorkspaceIsNotFound(t *testing.T) {
	srv, good := newSim(t, tidysupporttest.Options{})
	ada, err := good.CreateContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	cfg := simulatorConfig(srv)
	cfg.WorkspaceID = "wrk_someone_else"
	c := mustNew(t, cfg)
	ctx := t.Context()

	calls := map[string]func() error{
		"GetContact": func() error { _, err := c.GetContact(ctx, support.ID(ada.Contact.ID)); return err },
		"GetContact by email": func() error {
			_, err := c.GetContact(ctx, support.Email("ada@example.com"))
			return err
		},
		"CreateContact": func() error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "grace@example.com"})
			return err
		},
		"ListContacts": func() error { _, err := c.ListContacts(ctx, support.ContactListOptions{}); return err },
		"ListConversations": func() error {
			_, err := c.ListConversations(ctx, support.ConversationListOptions{})
			return err
		},
		"CreateConversation": func() error {
			_, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Text: "Hello"})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		assert.ErrorIs(t, err, support.ErrNotFound, name)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), "wrk_someone_else", name)
			assert.Contains(t, strings.ToLower(err.Error()), "workspace", name)
		}
	}
	assert.Len(t, srv.Contacts(), 1)
	assert.Zero(t, srv.EmailsSent())
}

// Upsert matches by email, the one key TidySupport can look up, and never
// updates: a difference is Matched with a warning, unstorable fields are
// warned about and change nothing.
func TestUpsertOutcomes(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	in := support.ContactInput{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", Phone: "+1 415 555 0100"}
	r, err := c.UpsertContact(ctx, in, support.UpsertOptions{})
	require.NoError(t, err)
	require.Equal(t, support.Created, r.Outcome)
	id := r.Contact.ID
	for _, tc := range []struct {
		name     string
		in       support.ContactInput
		outcome  support.Outcome
		warnings []string
	}{
		{"same input", in, support.Unchanged, nil},
		{"email in another case", support.ContactInput{Email: "GRACE@example.com"}, support.Unchanged, nil},
		{"new last name", support.ContactInput{FirstName: "Grace", LastName: "Murray", Email: "grace@example.com"},
			support.Matched, []string{"last_name"}},
		// The Client removes what TidySupport cannot store
		// (Capabilities.ContactFields): nothing is left that differs.
		{"fields TidySupport cannot store", support.ContactInput{Email: "grace@example.com", Language: "en", Tags: []string{"vip"}},
			support.Unchanged, []string{"language", "tags"}},
		// Custom fields are stored only with an external ID: PrepareContact
		// removes them.
		{"custom fields without an external ID", support.ContactInput{
			Email: "grace@example.com", CustomFields: map[string]string{"plan": "pro", "seats": "3"},
		}, support.Unchanged, []string{"custom_fields.plan", "custom_fields.seats"}},
		// With one, they are stored on a create; the contact found by email
		// has neither, and TidySupport cannot add them to it.
		{"external ID and custom fields for a contact made without", support.ContactInput{
			Email: "grace@example.com", ExternalID: "crm-1", CustomFields: map[string]string{"plan": "pro", "seats": "3"},
		}, support.Matched, []string{"external_id", "custom_fields.plan", "custom_fields.seats"}},
	} {
		r, err := c.UpsertContact(ctx, tc.in, support.UpsertOptions{})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.outcome, r.Outcome, tc.name)
		assert.Equal(t, id, r.Contact.ID, tc.name)
		assert.Equal(t, tc.warnings, fields(r.Warnings), tc.name)
	}
	assert.Len(t, srv.Contacts(), 1)
	assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteCreateContact))
}

// TidySupport's create matches by email whatever the match keys say: an
// upsert whose keys leave the email out still finds the contact by it, and
// sends no create.
func TestUpsertKeysWithoutEmailMatchByEmail(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	in := support.ContactInput{FirstName: "Grace", Email: "grace@example.com"}
	first, err := c.CreateContact(ctx, in)
	require.NoError(t, err)
	r, err := c.UpsertContact(ctx, in, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}})
	require.NoError(t, err)
	assert.Equal(t, first.Contact.ID, r.Contact.ID)
	assert.Equal(t, support.Matched, r.Outcome, "the existing contact, not a new one")
	assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteCreateContact), "no create for a known email")
	assert.Len(t, srv.Contacts(), 1)
}

// The identity rule on TidySupport, which looks contacts up by email only.
// The case, a phone shared by two emails, cannot be a match here:
// the phone is never looked up, so the second person is created apart
// (never merged). The rule itself is tested with the key TidySupport can
// look up: with the phone first in MatchKeys, the contact the email finds
// has a different phone, so it is another person.
func TestIdentityRule(t *testing.T) {
	const phone = "+442079460958"
	t.Run("shared phone, different emails: another person", func(t *testing.T) {
		srv, c := newSim(t, tidysupporttest.Options{})
		ada := srv.SeedContact(tidysupporttest.Contact{Email: "a@example.com", Name: "Ada Lovelace", Phone: phone})
		r, err := c.UpsertContact(t.Context(), support.ContactInput{Email: "b@example.com", Phone: phone}, support.UpsertOptions{})
		require.NoError(t, err)
		assert.Equal(t, support.Created, r.Outcome)
		assert.NotEqual(t, ada.ID, r.Contact.ID)
		stored, ok := srv.Contact(ada.ID)
		require.True(t, ok)
		assert.Equal(t, ada, stored, "the first person is unchanged")
		assert.Len(t, srv.Contacts(), 2)
	})
	t.Run("found by email, contradicted by phone: conflict", func(t *testing.T) {
		srv, c := newSim(t, tidysupporttest.Options{})
		ada := srv.SeedContact(tidysupporttest.Contact{Email: "a@example.com", Name: "Ada Lovelace", Phone: phone})
		in := support.ContactInput{FirstName: "Grace", Email: "A@example.com", Phone: "+1 415 555 0100"}
		keys := []support.MatchKey{support.MatchPhone, support.MatchEmail}
		r, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{MatchKeys: keys})
		require.ErrorIs(t, err, support.ErrConflict)
		var ic *support.IdentityConflict
		require.ErrorAs(t, err, &ic)
		assert.Equal(t, support.MatchEmail, ic.Key)
		assert.Equal(t, support.MatchPhone, ic.Contradicted)
		assert.Equal(t, ada.ID, ic.Existing.ID)
		assert.Equal(t, "+14155550100", ic.Input.Phone, "the input as prepared for TidySupport")
		require.NotNil(t, r)
		assert.Equal(t, support.Conflict, r.Outcome)
		stored, ok := srv.Contact(ada.ID)
		require.True(t, ok)
		assert.Equal(t, ada, stored, "the stored contact is unchanged")
		assert.Len(t, srv.Contacts(), 1, "no second contact")
		assert.Zero(t, srv.Stats.Writes(), "a conflict writes nothing")
	})
}

func TestCreateWarnsAboutWhatIsNotStored(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	r, err := c.CreateContact(t.Context(), support.ContactInput{
		FirstName: "Ada", LastName: "King Lovelace", Email: "ada@example.com", Country: "GB",
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"country", "first_name", "last_name"}, fields(r.Warnings))
	assert.Contains(t, r.Warnings[0].Message, "not stored", "the Client's warning for a field TidySupport has not")
	// What was stored: one name, split at the last space on the way back.
	assert.Equal(t, "Ada King", r.Contact.FirstName)
	assert.Equal(t, "Lovelace", r.Contact.LastName)
	assert.Equal(t, "Ada King Lovelace", srv.Contacts()[0].Name)
}

func TestCreatePhoneIsSentInE164(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	for _, tc := range []struct{ email, in, stored string }{
		{"a@example.com", "+44 20 7946 0958", "+442079460958"},
		{"b@example.com", "0044 20 7946 0958", "+442079460958"},
		// Not a possible number: kept as typed (TidySupport's phone is free text).
		{"c@example.com", "+1-555-0123", "+1-555-0123"},
	} {
		_, err := c.CreateContact(t.Context(), support.ContactInput{Email: tc.email, Phone: tc.in})
		require.NoError(t, err)
		assert.Equal(t, tc.stored, srv.ContactsByEmail(tc.email)[0].Phone, "phone %q", tc.in)
	}
}

// TidySupport needs an email to store a contact: without one, nothing is
// sent.
func TestContactWithoutEmailSendsNothing(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	_, errC := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Phone: "+442079460958"})
	_, errU := c.UpsertContact(ctx, support.ContactInput{Phone: "+442079460958"}, support.UpsertOptions{})
	for op, err := range map[support.Operation]error{support.OpCreateContact: errC, support.OpUpsertContact: errU} {
		require.ErrorIs(t, err, support.ErrInvalid, op)
		var se *support.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, tidysupport.Vendor, se.Vendor)
		assert.Equal(t, op, se.Op)
		assert.Contains(t, se.Message, "email")
	}
	assert.Zero(t, srv.Stats.Total())
}

// No batch endpoint: records go one by one, each read first, so known
// emails are Matched without a write.
func TestCreateContactsOneByOne(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	_, err := c.CreateContact(ctx, support.ContactInput{Email: "known@example.com"})
	require.NoError(t, err)
	in := []support.ContactInput{
		{FirstName: "New", Email: "new@example.com"},
		{FirstName: "Broken", Email: "not-an-email"},
		{FirstName: "Known", Email: "KNOWN@example.com"},
		{FirstName: "Phone only", Phone: "+442079460958"},
		{FirstName: "New again", Email: "new@example.com"},
	}
	r, err := c.CreateContacts(ctx, in)
	require.NotNil(t, r)
	require.Len(t, r.Items, len(in))
	want := []support.Outcome{support.Created, support.Failed, support.Matched, support.Failed, support.Matched}
	for i, it := range r.Items {
		assert.Equal(t, i, it.Index)
		assert.Equal(t, want[i], it.Outcome, "item %d", i)
		assert.Equal(t, it.Outcome == support.Failed, it.Err != nil, "item %d: error %v", i, it.Err)
		assert.Equal(t, it.Outcome == support.Failed, it.Contact == nil, "item %d: contact %v", i, it.Contact)
	}
	var items []int
	for _, e := range unwrapAll(err) {
		var be *support.BatchItemError
		if errors.As(e, &be) && errors.Is(be, support.ErrInvalid) {
			items = append(items, be.Index)
		}
	}
	assert.Equal(t, []int{1, 3}, items, "records 1 and 3 are invalid")
	assert.Len(t, srv.Contacts(), 2)
	assert.Equal(t, 2, srv.Stats.Count(tidysupporttest.RouteCreateContact), "invalid and known records send no create")
}

// unwrapAll returns the errors a multierror joins.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ WrappedErrors() []error }); ok {
		return j.WrappedErrors()
	}
	return nil
}

func TestCreateContactsStopsOnAccountFailure(t *testing.T) {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	t.Cleanup(srv.Close)
	cfg := simulatorConfig(srv)
	cfg.APIKey = "ts_sk_test_revoked"
	c := mustNew(t, cfg)
	r, err := c.CreateContacts(t.Context(), []support.ContactInput{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com"}})
	require.ErrorIs(t, err, support.ErrUnauthorized)
	for _, it := range r.Items {
		assert.Equal(t, support.Failed, it.Outcome)
		assert.ErrorIs(t, it.Err, support.ErrUnauthorized)
	}
	assert.Equal(t, 1, srv.Stats.Total(), "after a 401 the others are not tried")
}

func TestEmailLookupKeepsExactMatchesOnly(t *testing.T) {
	search := `{"results":{"contacts":[
		{"id":"ctc_1","email":"jane@example.com.au","name":"Jane Au"},
		{"id":"ctc_2","email":"Jane@Example.com","name":"Jane Doe"}],"conversations":[],"messages":[]}}`
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":         {status: 200, body: search},
		"GET " + seedPath + "/contacts/ctc_2": {status: 200, body: `{"contact":{"id":"ctc_2","email":"Jane@Example.com","name":"Jane Doe","createdAt":"2025-01-15T10:00:00+02:00"}}`},
	})
	got, err := v.client().GetContact(t.Context(), support.Email("jane@example.com"))
	require.NoError(t, err)
	assert.Equal(t, "ctc_2", got.ID)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.Equal(t, 8, got.CreatedAt.Hour())
}

// FindContacts returns every exact match, earliest created first, and an
// empty list (not ErrNotFound) for none.
func TestFindContactsEarliestFirst(t *testing.T) {
	search := `{"results":{"contacts":[{"id":"ctc_new","email":"jane@example.com"},{"id":"ctc_old","email":"JANE@example.com"}]}}`
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":           {status: 200, body: search},
		"GET " + seedPath + "/contacts/ctc_new": {status: 200, body: `{"contact":{"id":"ctc_new","email":"jane@example.com","createdAt":"2025-02-01T00:00:00Z"}}`},
		"GET " + seedPath + "/contacts/ctc_old": {status: 200, body: `{"contact":{"id":"ctc_old","email":"JANE@example.com","createdAt":"2025-01-01T00:00:00Z"}}`},
	})
	d := driverOf(t, v.client())
	found, err := d.FindContacts(t.Context(), support.MatchEmail, "jane@example.com")
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, "ctc_old", found[0].ID)
	assert.Equal(t, "ctc_new", found[1].ID)

	v.routes["GET "+seedPath+"/search"] = stubReply{status: 200, body: `{"results":{"contacts":[]}}`}
	found, err = d.FindContacts(t.Context(), support.MatchEmail, "jane@example.com")
	require.NoError(t, err)
	assert.NotNil(t, found)
	assert.Empty(t, found)
}

// A failed lookup is an error, never taken for "no such contact": a create
// is not sent after it.
func TestFindContactsReturnsLookupErrors(t *testing.T) {
	srv, _ := newSim(t, tidysupporttest.Options{})
	cfg := simulatorConfig(srv)
	cfg.MaxAttempts = 1
	c := mustNew(t, cfg)
	srv.Faults.Next(1, sim.Match{Method: "GET"}, sim.Unavailable(503))
	_, err := driverOf(t, c).FindContacts(t.Context(), support.MatchEmail, "ada@example.com")
	require.ErrorIs(t, err, support.ErrUnavailable)

	srv.Faults.Next(1, sim.Match{Method: "GET"}, sim.Unavailable(503))
	_, err = c.CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"})
	require.ErrorIs(t, err, support.ErrUnavailable)
	assert.Zero(t, srv.Stats.Count(tidysupporttest.RouteCreateContact), "no create after a failed lookup")
}

func TestEmailLookupRefusesATruncatedSearch(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"results":{"contacts":[`)
	for i := range 3 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"ctc_%d","email":"jane%d@example.com"}`, i, i)
	}
	b.WriteString(`]}}`)
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/search": {status: 200, body: b.String()}})
	c := v.client(func(cfg *tidysupport.Config) { cfg.SearchLimit = 3 })
	_, err := c.GetContact(t.Context(), support.Email("jane@example.com"))
	require.ErrorIs(t, err, tidysupport.ErrIncomplete, "a full search page without the email")
	assert.NotErrorIs(t, err, support.ErrNotFound)
	// Fewer results than the limit, none exact: a clean miss.
	_, err = v.client().GetContact(t.Context(), support.Email("jane@example.com"))
	assert.ErrorIs(t, err, support.ErrNotFound, "a short search without the email")
}

func TestListContactsRefusesAnotherWorkspace(t *testing.T) {
	body := `{"items":[{"id":"ctc_1","workspaceId":"wrk_other","email":"a@example.com","name":"A","status":"ACTIVE",
		"externalId":"crm-1","metadata":{},"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}],"cursor":null,"hasMore":false}`
	v := newStub(t, map[string]stubReply{"GET /v1/customers": {status: 200, body: body}})
	_, err := v.client().ListContacts(t.Context(), support.ContactListOptions{})
	require.ErrorIs(t, err, support.ErrNotFound)
	assert.Contains(t, err.Error(), "wrk_other")
	// The right workspace: externalId and createdAt are mapped.
	v = newStub(t, map[string]stubReply{"GET /v1/customers": {status: 200, body: strings.ReplaceAll(body, "wrk_other", "wrk_abc123")}})
	page, err := v.client().ListContacts(t.Context(), support.ContactListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "crm-1", page.Items[0].ExternalID)
	assert.Equal(t, 2025, page.Items[0].CreatedAt.Year())
}

func TestListWithHasMoreButNoCursorKeepsTheItems(t *testing.T) {
	srv, _ := newSim(t, tidysupporttest.Options{})
	cfg := simulatorConfig(srv)
	cfg.ContactList = tidysupport.ListInbox
	c := mustNew(t, cfg)
	for i := range 4 {
		srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i)})
	}
	page, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 3}})
	assert.ErrorIs(t, err, tidysupport.ErrIncomplete, "inbox list with more than a page")
	assert.Len(t, page.Items, 3, "the page's items come with the error")
	assert.Empty(t, page.Next)
	// With Complete too: the items read are completed, then the error.
	page, err = c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 3}, Complete: true})
	assert.ErrorIs(t, err, tidysupport.ErrIncomplete)
	assert.Len(t, page.Items, 3)
	page, err = c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 4}})
	require.NoError(t, err)
	assert.Len(t, page.Items, 4)
	assert.Empty(t, page.Next)
}

// Vendor JSON of the wrong shape is a clear *support.Error, never a panic
// nor a silent zero value; after a create it also means the outcome is
// unknown, which the Client's lookup settles.
func TestUnexpectedResponsesAreClearErrors(t *testing.T) {
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/contacts/ctc_1": {status: 200, body: `{"contact":{"id":1,"email":"a@example.com"}}`},
		"GET " + seedPath + "/conversations":  {status: 200, body: `{"items":[]}`},
	})
	c := v.client()
	_, err := c.GetContact(t.Context(), support.ID("ctc_1"))
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Nil(t, se.Kind)
	assert.False(t, se.OutcomeUnknown)
	assert.Contains(t, se.Message, "unexpected response")
	assert.Equal(t, 200, se.Status)
	_, err = c.ListConversations(t.Context(), support.ConversationListOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "conversations", "a conversation list without \"conversations\"")

	// A create answered 201 with a body of the wrong shape took effect: it
	// is looked up by email instead of failing or being sent again.
	found := `{"results":{"contacts":[{"id":"ctc_9","email":"ada@example.com"}]}}`
	searches := 0
	v = newStub(t, map[string]stubReply{
		"POST " + seedPath + "/contacts":      {status: 201, body: `{"contact":"ctc_9"}`},
		"GET " + seedPath + "/contacts/ctc_9": {status: 200, body: `{"contact":{"id":"ctc_9","email":"ada@example.com","createdAt":"2025-01-01T00:00:00Z"}}`},
	})
	v.routes["GET "+seedPath+"/search"] = stubReply{status: 200, body: `{"results":{"contacts":[]}}`}
	v.before = func(key string) {
		if key == "GET "+seedPath+"/search" {
			if searches++; searches == 2 {
				v.routes[key] = stubReply{status: 200, body: found}
			}
		}
	}
	r, err := v.client().CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"})
	require.NoError(t, err, "create with a garbled answer")
	assert.Equal(t, support.Created, r.Outcome)
	assert.Equal(t, "ctc_9", r.Contact.ID)
	var posts int
	for _, q := range v.requests() {
		if q.Method == "POST" {
			posts++
		}
	}
	assert.Equal(t, 1, posts, "creates")
	assert.Equal(t, 2, searches, "searches: before the create and after its garbled answer")
}

package tidysupport_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// The files under testdata/docs are examples of TidySupport's own docs
// pages, verbatim; these tests serve them at their documented paths.

// docsCustomer is the customer of the Customers page's examples.
var docsCustomer = support.Contact{
	ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", ExternalID: "usr_01J8X3Y",
	CustomFields: map[string]string{"plan": "pro"}, CreatedAt: time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC),
}

// Issue 11 point 2: a contact with an external ID is created with POST
// /v1/customers {externalId, email, name, metadata}: the docs' own request,
// and the docs' answer read back.
func TestDocsCreateCustomer(t *testing.T) {
	body := fixture(t, "docs/customers_create_response.json")
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search": {status: 200, body: `{"results":{"contacts":[],"conversations":[],"messages":[]}}`},
		"POST /v1/customers":          {status: 201, body: body},
	})
	r, err := v.client().CreateContact(t.Context(), support.ContactInput{
		FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", ExternalID: "usr_01J8X3Y",
		CustomFields: map[string]string{"plan": "pro"},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	assert.Empty(t, r.Warnings)
	checkContact(t, r.Contact, docsCustomer)
	assert.True(t, sameJSON(t, r.Contact.Raw, []byte(body)), "Raw is %s, want the docs' customer", r.Contact.Raw)
	reqs := v.requests()
	require.Len(t, reqs, 2, "the search for the email, then the create")
	assert.Equal(t, "/v1/customers", reqs[1].Path)
	assert.True(t, sameJSON(t, reqs[1].Body, []byte(fixture(t, "docs/customers_create_request.json"))),
		"create request body %s, want the docs' example", reqs[1].Body)
}

// The docs' customers list: externalId and metadata read as ExternalID and
// custom fields, the last page without a cursor.
func TestDocsCustomersList(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET /v1/customers": {status: 200, body: fixture(t, "docs/customers_list_last_page.json")}})
	page, err := v.client().ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 20}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Empty(t, page.Next)
	checkContact(t, &page.Items[0], docsCustomer)
}

// FindContacts by external ID asks GET /v1/customers/lookup?externalId=;
// a 404 or an answer without a customer is no match, a failure is no miss.
func TestFindByExternalID(t *testing.T) {
	const path = "GET /v1/customers/lookup"
	for _, tc := range []struct {
		name  string
		reply stubReply
		found bool
	}{
		{"the customer", stubReply{status: 200, body: fixture(t, "docs/customers_create_response.json")}, true},
		{"the customer, wrapped", stubReply{status: 200, body: `{"customer":` + fixture(t, "docs/customers_create_response.json") + `}`}, true},
		{"404", stubReply{status: 404, body: `{"statusCode":404,"error":"Not Found","message":"Customer not found."}`}, false},
		{"null", stubReply{status: 200, body: `null`}, false},
		{"empty object", stubReply{status: 200, body: `{}`}, false},
		{"customer null", stubReply{status: 200, body: `{"customer":null}`}, false},
		{"another external ID", stubReply{status: 200, body: `{"id":"ctc_2","email":"b@example.com","externalId":"usr_other"}`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newStub(t, map[string]stubReply{path: tc.reply})
			found, err := driverOf(t, v.client()).FindContacts(t.Context(), support.MatchExternalID, "usr_01J8X3Y")
			require.NoError(t, err)
			require.NotNil(t, found)
			if !tc.found {
				assert.Empty(t, found)
				return
			}
			require.Len(t, found, 1)
			checkContact(t, &found[0], docsCustomer)
			assert.Equal(t, []string{"usr_01J8X3Y"}, v.requests()[0].Query["externalId"])
		})
	}
	for _, status := range []int{500, 403} {
		v := newStub(t, map[string]stubReply{path: {status: status, body: `{}`}})
		_, err := driverOf(t, v.client()).FindContacts(t.Context(), support.MatchExternalID, "usr_01J8X3Y")
		assert.Error(t, err, "status %d is not a miss", status)
	}
	v := newStub(t, map[string]stubReply{path: {status: 200, body: `{"id":7}`}})
	_, err := driverOf(t, v.client()).FindContacts(t.Context(), support.MatchExternalID, "usr_01J8X3Y")
	assert.ErrorContains(t, err, "unexpected response", "a customer of the wrong shape")
}

// Upsert matches the external ID first (LooksUpExternalID), without a
// search, whatever the email.
func TestUpsertMatchesExternalIDFirst(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ada := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", Name: "Ada Lovelace", ExternalID: "crm-1",
		Metadata: map[string]any{"plan": "pro"}})
	r, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
		ExternalID: "crm-1", CustomFields: map[string]string{"plan": "pro"}}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome, "warnings %v", r.Warnings)
	assert.Equal(t, ada.ID, r.Contact.ID)
	assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteLookupCustomer))
	assert.Zero(t, srv.Stats.Count(tidysupporttest.RouteSearch), "the external ID matched: no email search")
	assert.Zero(t, srv.Stats.Writes())
}

// The Customers API's externalId is unique: one already taken by another
// contact is a 409, ErrConflict, and nothing is stored.
func TestTakenExternalIDIsConflict(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", ExternalID: "crm-1"})
	_, err := c.CreateContact(t.Context(), support.ContactInput{Email: "grace@example.com", ExternalID: "crm-1"})
	require.ErrorIs(t, err, support.ErrConflict)
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 409, se.Status)
	assert.NotErrorIs(t, err, support.ErrOutcomeUnknown)
	assert.Len(t, srv.Contacts(), 1)
	assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteLookupCustomer), "the 409 was looked up: another email")
}

// R3 with external IDs: a create through /v1/customers whose answer is
// lost is stored once. The Client's email lookup cannot see the external
// ID, so it sends the create again; TidySupport answers 409, and the
// customer with that external ID and email is the one the first send made.
func TestLostCustomerCreateIsStoredOnce(t *testing.T) {
	for _, fault := range []sim.Fault{sim.CommittedThenLost(), sim.CommittedThen5xx(502), sim.Malformed()} {
		t.Run(string(fault.Kind), func(t *testing.T) {
			srv, c := newSim(t, tidysupporttest.Options{})
			srv.Faults.Next(1, sim.Match{Method: "POST", Path: "/v1/customers"}, fault)
			r, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ada@example.com", ExternalID: "crm-1",
				CustomFields: map[string]string{"plan": "pro"}})
			require.NoError(t, err)
			assert.Equal(t, support.Created, r.Outcome)
			stored, ok := srv.ContactByExternalID("crm-1")
			require.True(t, ok)
			assert.Equal(t, stored.ID, r.Contact.ID)
			assert.Equal(t, "crm-1", r.Contact.ExternalID)
			assert.Len(t, srv.Contacts(), 1, "stored once")
		})
	}
}

// What a contact with an external ID keeps: the Customers API stores the
// external ID and custom fields but takes no phone; without an external
// ID, custom fields cannot be stored. Each loss is a warning.
func TestExternalIDAndCustomFieldsStorage(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	r, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com", Phone: "+44 20 7946 0958",
		ExternalID: "crm-1", CustomFields: map[string]string{"plan": "pro", "seats": "3"}, AvatarURL: "https://example.com/ada.png"})
	require.NoError(t, err)
	assert.Equal(t, []string{"avatar_url", "phone"}, fields(r.Warnings))
	stored, ok := srv.ContactByExternalID("crm-1")
	require.True(t, ok, "the external ID is stored")
	assert.Equal(t, map[string]any{"plan": "pro", "seats": "3"}, stored.Metadata)
	assert.Empty(t, stored.Phone)
	assert.Equal(t, "crm-1", r.Contact.ExternalID)
	assert.Equal(t, map[string]string{"plan": "pro", "seats": "3"}, r.Contact.CustomFields)

	r, err = c.CreateContact(ctx, support.ContactInput{Email: "grace@example.com", Phone: "+1 415 555 0100",
		CustomFields: map[string]string{"plan": "pro"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"custom_fields.plan"}, fields(r.Warnings))
	g := srv.ContactsByEmail("grace@example.com")
	require.Len(t, g, 1)
	assert.Equal(t, "+14155550100", g[0].Phone, "without an external ID the phone is stored")
	assert.Empty(t, g[0].Metadata)
}

// AvatarURL is read from avatarUrl.
func TestAvatarURLIsRead(t *testing.T) {
	body := `{"contact":{"id":"ctc_1","email":"a@example.com","name":"A","avatarUrl":"https://example.com/a.png"}}`
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/contacts/ctc_1": {status: 200, body: body}})
	got, err := v.client().GetContact(t.Context(), support.ID("ctc_1"))
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/a.png", got.AvatarURL)
}

// Issue 11 point 2: an independent server saw externalId missing on 262
// of 300 contacts migrated into TidySupport. Migrated here, every one is
// stored with its external ID and custom fields, and found by the lookup;
// a second run writes nothing.
func TestMigratedExternalIDsAreStoredAndFound(t *testing.T) {
	const n = 300
	srv, dst := newSim(t, tidysupporttest.Options{Seed: 5})
	src := memory.New(memory.Config{})
	ctx := t.Context()
	for i := range n {
		_, err := src.CreateContact(ctx, support.ContactInput{FirstName: "Person", LastName: fmt.Sprint("Number", i),
			Email: fmt.Sprintf("p%03d@example.com", i), ExternalID: fmt.Sprintf("crm-%03d", i),
			CustomFields: map[string]string{"plan": []string{"free", "pro"}[i%2]}})
		require.NoError(t, err)
	}
	rep, err := migrate.Run(ctx, src, dst, migrate.Options{})
	require.NoError(t, err)
	assert.Equal(t, n, rep.Created, "report %+v", rep.Counts)
	d := driverOf(t, dst)
	missing := 0
	for i := range n {
		ext := fmt.Sprintf("crm-%03d", i)
		stored, ok := srv.ContactByExternalID(ext)
		found, err := d.FindContacts(ctx, support.MatchExternalID, ext)
		require.NoError(t, err)
		if !ok || len(found) != 1 || found[0].ID != stored.ID || stored.Email != fmt.Sprintf("p%03d@example.com", i) ||
			found[0].CustomFields["plan"] != []string{"free", "pro"}[i%2] {
			missing++
		}
	}
	assert.Zero(t, missing, "contacts without their external ID or custom fields")
	assert.Len(t, srv.Contacts(), n)

	writes := srv.Stats.Writes()
	again, err := migrate.Run(ctx, src, dst, migrate.Options{})
	require.NoError(t, err)
	assert.Equal(t, n, again.Unchanged+again.Skipped, "report %+v", again.Counts)
	assert.Equal(t, writes, srv.Stats.Writes(), "a second run writes nothing")
}

// The driver's answer to a 409 of POST /v1/customers: the customer the
// lookup finds with the same email is Matched; with another email it is
// ErrConflict; a lookup that fails leaves the outcome unknown.
func TestCustomerCreateConflictIsLookedUp(t *testing.T) {
	conflict := stubReply{status: 409, body: `{"statusCode":409,"error":"Conflict","message":"externalId taken"}`}
	in := support.ContactInput{FirstName: "Jane", LastName: "Doe", Email: "JANE@example.com", ExternalID: "usr_01J8X3Y"}
	for _, tc := range []struct {
		name   string
		lookup stubReply
		check  func(t *testing.T, r *support.ContactResult, err error)
	}{
		{"same email", stubReply{status: 200, body: fixture(t, "docs/customers_create_response.json")}, func(t *testing.T, r *support.ContactResult, err error) {
			require.NoError(t, err)
			assert.Equal(t, support.Matched, r.Outcome)
			checkContact(t, r.Contact, docsCustomer)
		}},
		{"another email", stubReply{status: 200, body: `{"id":"ctc_2","email":"other@example.com","externalId":"usr_01J8X3Y"}`}, func(t *testing.T, _ *support.ContactResult, err error) {
			require.ErrorIs(t, err, support.ErrConflict)
			assert.NotErrorIs(t, err, support.ErrOutcomeUnknown)
		}},
		{"lookup fails", stubReply{status: 503, body: `{}`}, func(t *testing.T, _ *support.ContactResult, err error) {
			require.ErrorIs(t, err, support.ErrOutcomeUnknown)
			assert.ErrorIs(t, err, support.ErrUnavailable)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newStub(t, map[string]stubReply{"POST /v1/customers": conflict, "GET /v1/customers/lookup": tc.lookup})
			r, err := driverOf(t, v.client()).CreateContact(t.Context(), in)
			tc.check(t, r, err)
			assert.Len(t, v.requests(), 2, "the create, then one lookup")
		})
	}
}

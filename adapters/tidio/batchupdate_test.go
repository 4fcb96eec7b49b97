package tidio_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// seedPeople stores n test contacts and returns their IDs.
func seedPeople(srv *tidiotest.Server, n int) []string {
	ids := make([]string, n)
	for i, in := range people(n) {
		ids[i] = srv.SeedContact(tidiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, DistinctID: in.ExternalID}).ID
	}
	return ids
}

// TestUpdateContactsFewestRequests: 10,000 changed contacts take 100
// PATCH /contacts/batch, at most 110 write requests (P3 for updates), and
// every change is stored.
func TestUpdateContactsFewestRequests(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	c := newClient(t, srv, tidio.Config{})
	ids := seedPeople(srv, 10_000)
	patches := make([]support.ContactPatch, len(ids))
	for i, id := range ids {
		patches[i] = support.ContactPatch{ID: id, Update: support.ContactUpdate{
			LastName: support.Ptr(fmt.Sprintf("Changed%05d", i)), EmailConsent: support.Ptr(support.ConsentSubscribed),
		}}
	}
	res, err := c.UpdateContacts(t.Context(), patches)
	require.NoError(t, err)
	assert.Equal(t, len(ids), res.Count(support.Updated))
	assert.LessOrEqual(t, srv.Writes(), 110)
	assert.Equal(t, 100, srv.Requests("PATCH /contacts/batch"))
	assert.Zero(t, srv.Requests("PATCH /contacts/{id}"))
	for i, id := range ids {
		ct, _ := srv.Contact(id)
		if ct.LastName != fmt.Sprintf("Changed%05d", i) || ct.EmailConsent != "subscribed" {
			t.Fatalf("contact %d stored as %+v", i, ct)
		}
	}
}

// TestUpdateContactsBadRecords: in a batch refused because of one record
// (a contact that does not exist, which Tidio's batch refuses as a whole),
// the others are stored and only that record is reported, with Tidio's
// message; a record with a custom field the project does not define is
// reported before any request of its own, never stored without it
// silently; a field Tidio cannot write is left out with the Client's
// warning.
func TestUpdateContactsBadRecords(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	ids := seedPeople(srv, 10)
	const missing = "0f0f0f0f-0000-4000-8000-000000000000"
	patches := make([]support.ContactPatch, len(ids))
	for i, id := range ids {
		patches[i] = support.ContactPatch{ID: id, Update: support.ContactUpdate{
			FirstName: support.Ptr(fmt.Sprintf("New%d", i)), CustomFields: map[string]*string{"plan": support.Ptr("pro")},
		}}
	}
	patches[3].ID = missing
	patches[7].Update.CustomFields["undefined"] = support.Ptr("x")
	patches[8].Update.City = support.Ptr("Paris")

	res, err := c.UpdateContacts(t.Context(), patches)
	require.Error(t, err)
	require.NotNil(t, res)
	require.Len(t, res.Items, len(patches))
	for i, it := range res.Items {
		switch i {
		case 3:
			assert.Equal(t, support.Failed, it.Outcome)
			wantKind(t, it.Err, support.ErrInvalid)
			assert.Contains(t, it.Err.Error(), "contacts.0.id: Contact not found")
		case 7:
			assert.Equal(t, support.Updated, it.Outcome, "the record is written without the field it cannot hold")
			require.Len(t, it.Warnings, 1)
			assert.Equal(t, "custom_fields.undefined", it.Warnings[0].Field)
			assert.Contains(t, it.Warnings[0].Message, "not a property defined in this Tidio project")
			ct, _ := srv.Contact(ids[i])
			assert.Equal(t, "New7", ct.FirstName, "its other fields are written")
		default:
			assert.Equal(t, support.Updated, it.Outcome, "item %d: %v", i, it.Err)
			ct, _ := srv.Contact(ids[i])
			assert.Equal(t, fmt.Sprintf("New%d", i), ct.FirstName, "item %d", i)
			assert.Equal(t, []tidiotest.Property{{Name: "plan", Value: "pro"}}, ct.Properties, "item %d", i)
		}
	}
	assert.Equal(t, []support.Warning{{Field: "city", Message: "not stored: tidio has no field to write it"}}, res.Items[8].Warnings)
	assert.Zero(t, srv.Requests("PATCH /contacts/{id}"))
	// Halves holding record 7 are refused before sending; those holding
	// record 3 are split down to it: 9 requests, where one per record
	// would be 10.
	assert.Equal(t, 9, srv.Requests("PATCH /contacts/batch"))
	assert.Equal(t, 1, srv.Requests("GET /contact-properties"))
}

// TestPatchContactsStatuses: any 2xx is a batch applied (Tidio documents
// 204, the seed profile 200); a 404 for a batch of several is ErrInvalid,
// so that the Client splits it, and stays ErrNotFound for one contact.
func TestPatchContactsStatuses(t *testing.T) {
	patch := func(id string) support.ContactPatch {
		return support.ContactPatch{ID: id, Update: support.ContactUpdate{FirstName: support.Ptr("X")}}
	}
	for _, a := range []answer{{http.StatusOK, `{}`}, {http.StatusNoContent, ""}} {
		f := newFakeTidio(t, map[string]answer{"PATCH /contacts/batch": a})
		d, err := tidio.NewDriver(tidio.Config{ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret,
			BaseURL: f.URL, HTTPClient: f.Client(), RequestsPerMinute: -1})
		require.NoError(t, err)
		_, err = d.PatchContacts(t.Context(), []support.ContactPatch{patch("a"), patch("b")})
		assert.NoError(t, err, "status %d", a.status)
	}
	f := newFakeTidio(t, map[string]answer{"PATCH /contacts/batch": {http.StatusNotFound, `{"errors":[{"code":"not_found","message":"Contact not found"}]}`}})
	d, err := tidio.NewDriver(tidio.Config{ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret,
		BaseURL: f.URL, HTTPClient: f.Client(), RequestsPerMinute: -1, MaxAttempts: 1})
	require.NoError(t, err)
	_, err = d.PatchContacts(t.Context(), []support.ContactPatch{patch("a"), patch("b")})
	assert.ErrorIs(t, err, support.ErrInvalid)
	assert.NotErrorIs(t, err, support.ErrNotFound)
	assert.Contains(t, err.Error(), "Contact not found")
	_, err = d.PatchContacts(t.Context(), []support.ContactPatch{patch("a")})
	assert.ErrorIs(t, err, support.ErrNotFound)
}

package tidio_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// TestCreateContactNoDedup: Tidio stores a new contact every time, and the
// fields it cannot write come back as warnings.
func TestCreateContactNoDedup(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	in := support.ContactInput{
		FirstName: "Ada", Email: "ada@example.com", ExternalID: "crm-1", Language: "en", Country: "GB",
		Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "pro"},
	}
	var ids []string
	for range 2 {
		r, err := c.CreateContact(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, support.Created, r.Outcome)
		assert.Equal(t, []string{"language", "country", "tags"}, fields(r.Warnings))
		assert.Equal(t, map[string]string{"plan": "pro"}, r.Contact.CustomFields)
		ids = append(ids, r.Contact.ID)
	}
	assert.NotEqual(t, ids[0], ids[1], "the second create returned the first contact")
	got := srv.ContactsByEmail("ada@example.com")
	require.Len(t, got, 2)
	for _, ct := range got {
		assert.Equal(t, "crm-1", ct.DistinctID)
		assert.Empty(t, ct.Language)
		assert.Empty(t, ct.Country)
		assert.Equal(t, []tidiotest.Property{{Name: "plan", Value: "pro"}}, ct.Properties)
	}
}

// TestCreateContactLimits: Tidio's field lengths are refused before any
// request.
func TestCreateContactLimits(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	for name, in := range map[string]support.ContactInput{
		"first name":     {FirstName: strings.Repeat("é", tidio.MaxNameLength+1)},
		"phone":          {Phone: strings.Repeat("1", tidio.MaxPhoneLength+1)},
		"external ID":    {FirstName: "x", ExternalID: strings.Repeat("e", tidio.MaxExternalIDLength+1)},
		"property name":  {FirstName: "x", CustomFields: map[string]string{strings.Repeat("n", tidio.MaxPropertyNameLength+1): "v"}},
		"property value": {FirstName: "x", CustomFields: map[string]string{"plan": strings.Repeat("v", tidio.MaxPropertyValueLength+1)}},
	} {
		_, err := c.CreateContact(t.Context(), in)
		wantKind(t, err, support.ErrInvalid)
		assert.Contains(t, err.Error(), "Tidio", name)
	}
	assert.Zero(t, srv.Stats.Total(), "requests for inputs Tidio would refuse")
}

// TestGetContact: by ID with every field mapped, by email (any case, the
// earliest created of several, across pages), not by phone.
func TestGetContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "score", Type: "number"})
	c := newClient(t, srv, tidio.Config{})
	t0 := time.Date(2025, 9, 6, 10, 30, 0, 0, time.UTC)
	// Listed in this order; the second was created first.
	srv.SeedContact(tidiotest.Contact{FirstName: "Later", Email: "dup@example.com", CreatedAt: t0.Add(time.Hour)})
	first := srv.SeedContact(tidiotest.Contact{
		FirstName: "Earlier", LastName: "Dup", Email: "Dup@Example.com", Phone: "123 456 789", Language: "en",
		Country: "PL", City: "Kraków", EmailConsent: "subscribed", DistinctID: "ext-9", CreatedAt: t0,
		Properties: []tidiotest.Property{{Name: "score", Value: "42"}},
	})
	srv.SeedContact(tidiotest.Contact{FirstName: "Third", Email: "dup@example.com", CreatedAt: t0.Add(2 * time.Hour)})

	got, err := c.GetContact(t.Context(), support.Email("DUP@example.COM"))
	require.NoError(t, err)
	got.Raw = nil
	assert.Equal(t, support.Contact{
		ID: first.ID, FirstName: "Earlier", LastName: "Dup", Email: "Dup@Example.com", Phone: "123 456 789",
		Language: "en", Country: "PL", City: "Kraków", EmailConsent: support.ConsentSubscribed, ExternalID: "ext-9",
		CustomFields: map[string]string{"score": "42"}, CreatedAt: t0,
	}, *got, "the earliest created of the three")

	byID, err := c.GetContact(t.Context(), support.ID(first.ID))
	require.NoError(t, err)
	assert.Equal(t, first.ID, byID.ID)
	assert.Equal(t, time.UTC, byID.CreatedAt.Location())
	assert.Contains(t, string(byID.Raw), `"messenger_id":null`)

	srv.Stats.Reset()
	_, err = c.GetContact(t.Context(), support.Phone("+1 415 555 0100"))
	wantKind(t, err, support.ErrUnsupported)
	_, err = c.GetContact(t.Context(), support.Email("nobody@example.com"))
	wantKind(t, err, support.ErrNotFound)
	assert.Equal(t, 1, srv.Stats.Total(), "the email lookup; none for the phone")
}

// TestListContactsWithoutList: a page whose contacts list is missing is an
// error, never the last page.
func TestListContactsWithoutList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[],"meta":{"cursor":null}}`)
	}))
	defer srv.Close()
	c := mustNew(t, tidio.Config{BaseURL: srv.URL, HTTPClient: srv.Client()})
	_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
	wantKind(t, err, support.ErrUnavailable)
	assert.Contains(t, err.Error(), `page without its "contacts" list`)
}

// TestUpdateContact: PATCH semantics (absent untouched, "" clears, nil
// custom field clears), by ID and by email, and what Tidio cannot do fails
// before any request.
func TestUpdateContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "seats", Type: "number"})
	c := newClient(t, srv, tidio.Config{})
	ct := srv.SeedContact(tidiotest.Contact{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958", DistinctID: "ext-1",
		Properties: []tidiotest.Property{{Name: "plan", Value: "pro"}, {Name: "seats", Value: "3"}},
	})

	r, err := c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{
		LastName: support.Ptr(""), FirstName: support.Ptr("Augusta"), Language: support.Ptr("fr"),
		CustomFields: map[string]*string{"plan": nil, "seats": support.Ptr("5")},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, ct.ID, r.Contact.ID)
	assert.Equal(t, "Augusta", r.Contact.FirstName)
	assert.Equal(t, map[string]string{"seats": "5"}, r.Contact.CustomFields)
	assert.Equal(t, []string{"language"}, fields(r.Warnings))
	stored, _ := srv.Contact(ct.ID)
	want := ct
	want.FirstName, want.LastName = "Augusta", ""
	want.Properties = []tidiotest.Property{{Name: "seats", Value: "5"}}
	assert.Equal(t, want, stored)

	r, err = c.UpdateContact(t.Context(), support.Email("ADA@example.com"), support.ContactUpdate{Phone: support.Ptr("")})
	require.NoError(t, err)
	assert.Equal(t, ct.ID, r.Contact.ID)
	assert.Empty(t, r.Contact.Phone)
	stored, _ = srv.Contact(ct.ID)
	assert.Empty(t, stored.Phone, "after clearing it")

	srv.Stats.Reset()
	for name, u := range map[string]support.ContactUpdate{
		"clear external ID": {ExternalID: support.Ptr("")},
		"bad email":         {Email: support.Ptr("nope")},
		"long last name":    {LastName: support.Ptr(strings.Repeat("l", tidio.MaxNameLength+1))},
		"long property":     {CustomFields: map[string]*string{"plan": support.Ptr(strings.Repeat("v", tidio.MaxPropertyValueLength+1))}},
	} {
		_, err := c.UpdateContact(t.Context(), support.ID(ct.ID), u)
		assert.ErrorIs(t, err, support.ErrInvalid, name)
	}
	_, err = c.UpdateContact(t.Context(), support.Phone("+44 20 7946 0958"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, err, support.ErrUnsupported)
	assert.Zero(t, srv.Stats.Total(), "requests sent for invalid updates")

	// A property the project does not define is not sent, but warned
	// about; with nothing else to write, the contact is read, not patched.
	srv.Stats.Reset()
	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{CustomFields: map[string]*string{"undefined": support.Ptr("x")}})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Equal(t, []support.Warning{undefinedWarning("undefined")}, r.Warnings)
	assert.Zero(t, srv.Writes())

	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{
		FirstName: support.Ptr("Ada"), CustomFields: map[string]*string{"undefined": nil, "seats": support.Ptr("six")},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, "Ada", r.Contact.FirstName)
	assert.Nil(t, r.Contact.CustomFields)
	assert.Equal(t, []string{"custom_fields.seats", "custom_fields.undefined"}, fields(r.Warnings))
	stored, _ = srv.Contact(ct.ID)
	assert.Equal(t, "Ada", stored.FirstName)
	assert.Equal(t, []tidiotest.Property{{Name: "seats", Value: "5"}}, stored.Properties)

	_, err = c.UpdateContact(t.Context(), support.ID("0f0f0f0f-0000-4000-8000-000000000000"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, err, support.ErrNotFound)

	// Nothing Tidio can write: the contact is read, not patched.
	srv.Stats.Reset()
	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{Country: support.Ptr("FR")})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Equal(t, "Ada", r.Contact.FirstName)
	assert.Equal(t, []string{"country"}, fields(r.Warnings))
	assert.Zero(t, srv.Writes())
	_, err = c.UpdateContact(t.Context(), support.ID("0f0f0f0f-0000-4000-8000-000000000000"), support.ContactUpdate{Tags: &[]string{"x"}})
	wantKind(t, err, support.ErrNotFound)
}

// TestUpsertContact: matching by email, where the external ID tells two
// contacts with the email apart; only what differs is sent; no request
// when nothing does.
func TestUpsertContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	older := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-1"})
	newer := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-2", Phone: "+44 20 7946 0958"})

	// The external ID rules out the first of two contacts with the email.
	in := support.ContactInput{FirstName: "Ada", LastName: "King", Email: "ADA@example.com", ExternalID: "crm-2", Phone: "+442079460958"}
	r, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, newer.ID, r.Contact.ID)
	stored, _ := srv.Contact(newer.ID)
	assert.Equal(t, "King", stored.LastName)
	assert.Equal(t, "ada@example.com", stored.Email, "only the last name differed")
	assert.Equal(t, "+44 20 7946 0958", stored.Phone, "only the last name differed")

	srv.Stats.Reset()
	r, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Equal(t, newer.ID, r.Contact.ID)
	assert.Zero(t, srv.Writes(), "writes for an unchanged upsert")

	// Email only: the earliest created.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "ada@example.com", LastName: "Byron"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchEmail}})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, older.ID, r.Contact.ID)
	// MatchExternalID alone: Tidio cannot look it up, so a new contact.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "ada@example.com", ExternalID: "crm-3"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	// No email: nothing Tidio can look up, so a new contact each time.
	for range 2 {
		r, err := c.UpsertContact(t.Context(), support.ContactInput{Phone: "+1 415 555 0100"}, support.UpsertOptions{})
		require.NoError(t, err)
		assert.Equal(t, support.Created, r.Outcome)
	}
	assert.Len(t, srv.Contacts(), 5)
	_, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{MatchKeys: []support.MatchKey{"name"}})
	assert.ErrorIs(t, err, support.ErrInvalid, "unknown match key")
}

// TestUpsertExternalID: a contact found by email whose distinct_id is
// another keeps it (the keys tried do not include the external ID before
// the email, so it does not tell them apart), with a warning naming both;
// an empty distinct_id is filled in.
func TestUpsertExternalID(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	other := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-other"})
	byEmail := support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchEmail}}

	in := support.ContactInput{FirstName: "Ada", LastName: "King", Email: "ada@example.com", ExternalID: "crm-mine"}
	r, err := c.UpsertContact(t.Context(), in, byEmail)
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, other.ID, r.Contact.ID)
	assert.Equal(t, "crm-other", r.Contact.ExternalID, "the kept one")
	stored, _ := srv.Contact(other.ID)
	assert.Equal(t, "crm-other", stored.DistinctID)
	assert.Equal(t, "King", stored.LastName)
	require.Equal(t, []string{"external_id"}, fields(r.Warnings))
	assert.Contains(t, r.Warnings[0].Message, "crm-other")
	assert.Contains(t, r.Warnings[0].Message, "crm-mine")

	// Nothing else differs: Unchanged, no write, and the warning again.
	srv.Stats.Reset()
	r, err = c.UpsertContact(t.Context(), in, byEmail)
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Equal(t, []string{"external_id"}, fields(r.Warnings))
	assert.Zero(t, srv.Writes())

	// A contact without a distinct_id gets the input's, whatever the keys.
	bare := srv.SeedContact(tidiotest.Contact{FirstName: "Bob", Email: "bob@example.com"})
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "bob@example.com", ExternalID: "crm-bob"}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Empty(t, r.Warnings)
	stored, _ = srv.Contact(bare.ID)
	assert.Equal(t, "crm-bob", stored.DistinctID)
}

// TestIdentityRule: two people are never merged on Tidio.
//
// The case, Grace upserted with Ada's phone, cannot match here:
// Tidio looks contacts up by email only (the driver does not scan every
// contact by phone), so Grace is created apart and Ada is left as she is.
// The rule itself is tested with the key Tidio can look up: a contact found
// by email that an earlier key contradicts (its phone, or its distinct_id,
// differs) is a conflict, and nothing is written.
func TestIdentityRule(t *testing.T) {
	const phone = "+44 20 7946 0958"
	seed := func(t *testing.T) (*tidiotest.Server, *support.Client, tidiotest.Contact) {
		srv := tidiotest.NewServer(tidiotest.Options{})
		t.Cleanup(srv.Close)
		ada := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: phone, DistinctID: "crm-ada"})
		return srv, newClient(t, srv, tidio.Config{}), ada
	}
	t.Run("shared phone, different emails: another person", func(t *testing.T) {
		srv, c, ada := seed(t)
		r, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Grace", Email: "grace@example.com", Phone: phone}, support.UpsertOptions{})
		require.NoError(t, err)
		assert.Equal(t, support.Created, r.Outcome)
		assert.NotEqual(t, ada.ID, r.Contact.ID)
		stored, _ := srv.Contact(ada.ID)
		assert.Equal(t, ada, stored, "Ada is unchanged")
		assert.Len(t, srv.Contacts(), 2)
	})
	for _, tc := range []struct {
		name         string
		in           support.ContactInput
		keys         []support.MatchKey
		contradicted support.MatchKey
	}{
		{"found by email, contradicted by phone",
			support.ContactInput{FirstName: "Grace", Email: "ADA@example.com", Phone: "+1 415 555 0100"},
			[]support.MatchKey{support.MatchPhone, support.MatchEmail}, support.MatchPhone},
		{"found by email, contradicted by distinct_id (default keys)",
			support.ContactInput{FirstName: "Grace", Email: "ada@example.com", ExternalID: "crm-grace"},
			nil, support.MatchExternalID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, ada := seed(t)
			r, err := c.UpsertContact(t.Context(), tc.in, support.UpsertOptions{MatchKeys: tc.keys})
			require.ErrorIs(t, err, support.ErrConflict)
			var ic *support.IdentityConflict
			require.ErrorAs(t, err, &ic)
			assert.Equal(t, support.MatchEmail, ic.Key)
			assert.Equal(t, tc.contradicted, ic.Contradicted)
			assert.Equal(t, ada.ID, ic.Existing.ID)
			assert.Equal(t, tc.in.Email, ic.Input.Email)
			require.NotNil(t, r)
			assert.Equal(t, support.Conflict, r.Outcome)
			stored, _ := srv.Contact(ada.ID)
			assert.Equal(t, ada, stored, "Ada is unchanged")
			assert.Len(t, srv.Contacts(), 1, "no second contact")
			assert.Zero(t, srv.Writes(), "a conflict writes nothing")
		})
	}
}

// TestUpsertExternalIDWithoutEmail: Tidio cannot filter by distinct_id, so
// an input with an external ID and no email never matches, even when a
// contact has that distinct_id: a new contact is created, with no lookup.
func TestUpsertExternalIDWithoutEmail(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	srv.SeedContact(tidiotest.Contact{FirstName: "Ext", DistinctID: "crm-1"})
	r, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Ext", ExternalID: "crm-1"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	assert.Len(t, srv.Contacts(), 2)
	assert.Zero(t, srv.Requests("GET /contacts"), "lookups for an input Tidio cannot look up")
}

// TestDeleteContact: deleted once, then ErrNotFound; by email too.
func TestDeleteContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	a := srv.SeedContact(tidiotest.Contact{Email: "a@example.com"})
	srv.SeedContact(tidiotest.Contact{Email: "b@example.com"})
	require.NoError(t, c.DeleteContact(t.Context(), support.ID(a.ID)))
	wantKind(t, c.DeleteContact(t.Context(), support.ID(a.ID)), support.ErrNotFound)
	require.NoError(t, c.DeleteContact(t.Context(), support.Email("B@example.com")))
	assert.Empty(t, srv.Contacts())
}

// TestPathSegments proves S3: whatever an ID holds, Tidio receives it as
// exactly one path segment.
func TestPathSegments(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"code":"not_found","message":"Contact not found"}]}`)
	}))
	defer srv.Close()
	c := mustNew(t, tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client()})
	for _, id := range []string{"a/b", "..", ".", "x?y=1", "x#y", "100%", "with space", "ünï/cødé", "../../tickets"} {
		paths = nil
		_, err := c.GetContact(t.Context(), support.ID(id))
		wantKind(t, err, support.ErrNotFound)
		require.Len(t, paths, 1, "%q", id)
		segs := strings.Split(strings.TrimPrefix(paths[0], "/"), "/")
		if !assert.Len(t, segs, 2, "%q went to %s", id, paths[0]) || !assert.Equal(t, "contacts", segs[0]) {
			continue
		}
		got, err := url.PathUnescape(segs[1])
		require.NoError(t, err)
		assert.Equal(t, id, got)
	}
}

package tidysupport_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/support"
)

// The files under testdata/seed are the example requests and responses of the
// seed document (TidySupport's Contacts API page, 002_0168389bc6ba4e91),
// verbatim. These tests serve them as the vendor would and check the neutral
// values the adapter makes of them.

const (
	seedPath    = "/v1/workspaces/wrk_abc123/support/inbox"
	seedContact = "ctc_B7OSYsnTUVwBPOGrgYTjvSGS"
)

// contactObject returns the "contact" member of a seed response.
func contactObject(t *testing.T, body string) json.RawMessage {
	t.Helper()
	var env struct{ Contact json.RawMessage }
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	return env.Contact
}

func TestSeedGetContact(t *testing.T) {
	body := fixture(t, "seed/contact_get.json")
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/contacts/" + seedContact: {status: 200, body: body}})
	got, err := v.client().GetContact(t.Context(), support.ID(seedContact))
	require.NoError(t, err)
	want := support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC),
	}
	checkContact(t, got, want)
	assert.True(t, sameJSON(t, got.Raw, contactObject(t, body)), "Raw is %s, want the seed's contact object", got.Raw)
}

// checkContact compares the mapped fields of got with want (Raw aside).
func checkContact(t *testing.T, got *support.Contact, want support.Contact) {
	t.Helper()
	require.NotNil(t, got)
	g := *got
	g.Raw = nil
	if !g.CreatedAt.IsZero() {
		assert.Equal(t, time.UTC, g.CreatedAt.Location(), "CreatedAt in UTC")
	}
	assert.Equal(t, want, g)
}

func TestSeedSearchByEmail(t *testing.T) {
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":                  {status: 200, body: fixture(t, "seed/search.json")},
		"GET " + seedPath + "/contacts/" + seedContact: {status: 200, body: fixture(t, "seed/contact_get.json")},
	})
	got, err := v.client().GetContact(t.Context(), support.Email("JANE@Example.com"))
	require.NoError(t, err)
	checkContact(t, got, support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC),
	})
	reqs := v.requests()
	require.Len(t, reqs, 2, "a search for the email, then a get")
	assert.Equal(t, []string{"JANE@Example.com"}, reqs[0].Query["q"])
	assert.Equal(t, []string{"25"}, reqs[0].Query["limit"])
}

func TestSeedCreateContact(t *testing.T) {
	body := fixture(t, "seed/contact_create_response.json")
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":    {status: 200, body: `{"results":{"contacts":[],"conversations":[],"messages":[]}}`},
		"POST " + seedPath + "/contacts": {status: 201, body: body},
	})
	r, err := v.client().CreateContact(t.Context(), support.ContactInput{
		FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
	})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	assert.Empty(t, r.Warnings)
	checkContact(t, r.Contact, support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 3, 13, 10, 0, 0, 0, time.UTC),
	})
	assert.True(t, sameJSON(t, r.Contact.Raw, contactObject(t, body)), "Raw is %s, want the seed's contact object", r.Contact.Raw)
	// The request body is the seed's own example: "+1-555-0123" is no
	// possible number, so it is sent as it was typed.
	reqs := v.requests()
	require.Len(t, reqs, 2, "the search, then the create")
	assert.True(t, sameJSON(t, reqs[1].Body, []byte(fixture(t, "seed/contact_create_request.json"))), "create request body %s, want the seed's", reqs[1].Body)
}

func TestSeedInboxCustomers(t *testing.T) {
	body := fixture(t, "seed/inbox_customers.json")
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/customers": {status: 200, body: body}})
	c := v.client(func(cfg *tidysupport.Config) { cfg.ContactList = tidysupport.ListInbox })
	page, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Empty(t, page.Next, "hasMore false")
	checkContact(t, &page.Items[0], support.Contact{ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"})
	var item struct {
		LatestThread struct{ ID, Status string }
		ThreadCount  int
	}
	require.NoError(t, json.Unmarshal(page.Items[0].Raw, &item))
	assert.Equal(t, "thd_xyz789", item.LatestThread.ID, "Raw keeps the latest thread")
	assert.Equal(t, 3, item.ThreadCount, "Raw keeps the thread count")
	assert.Equal(t, "limit=10", v.requests()[0].RawQuery, "as in the seed")
}

func TestSeedErrors(t *testing.T) {
	for _, tc := range []struct {
		file    string
		status  int
		kind    error
		code    string
		message string
	}{
		{"seed/error_400.json", 400, support.ErrInvalid, "Bad Request", "Invalid email address format."},
		{"seed/error_404.json", 404, support.ErrNotFound, "Not Found", "Contact not found."},
		{"seed/error_401.json", 401, support.ErrUnauthorized, "Unauthorized", "Invalid API key. Please double-check and try again."},
	} {
		t.Run(tc.file, func(t *testing.T) {
			v := newStub(t, map[string]stubReply{"GET " + seedPath + "/contacts/" + seedContact: {status: tc.status, body: fixture(t, tc.file)}})
			_, err := v.client().GetContact(t.Context(), support.ID(seedContact))
			var se *support.Error
			require.ErrorAs(t, err, &se)
			assert.ErrorIs(t, err, tc.kind)
			assert.Equal(t, tc.status, se.Status)
			assert.Equal(t, tc.code, se.Code)
			assert.Equal(t, tc.message, se.Message)
			assert.Equal(t, tidysupport.Vendor, se.Vendor)
			assert.Equal(t, support.OpGetContact, se.Op)
		})
	}
}

// The seed's error shape also arrives for a create the vendor refuses.
func TestSeedCreateRefused(t *testing.T) {
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":    {status: 200, body: `{"results":{"contacts":[]}}`},
		"POST " + seedPath + "/contacts": {status: 400, body: fixture(t, "seed/error_400.json")},
	})
	_, err := v.client().CreateContact(t.Context(), support.ContactInput{Email: "jane@example.com"})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.NotErrorIs(t, err, support.ErrOutcomeUnknown, "a refused create has a known outcome")
	assert.Len(t, v.requests(), 2, "the search and one create: a 400 is not retried")
}

package tidysupport_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
	want := support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC),
	}
	checkContact(t, got, want)
	if !sameJSON(t, got.Raw, contactObject(t, body)) {
		t.Errorf("Raw is %s, want the seed's contact object", got.Raw)
	}
}

// checkContact compares the mapped fields of got with want (Raw aside).
func checkContact(t *testing.T, got *support.Contact, want support.Contact) {
	t.Helper()
	if got == nil {
		t.Fatal("no contact")
	}
	g := *got
	g.Raw = nil
	if g.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v is not in UTC", g.CreatedAt)
	}
	if !g.CreatedAt.Equal(want.CreatedAt) || g.ID != want.ID || g.FirstName != want.FirstName ||
		g.LastName != want.LastName || g.Email != want.Email || g.Phone != want.Phone || g.ExternalID != want.ExternalID {
		t.Errorf("contact is\n %+v\nwant\n %+v", g, want)
	}
}

func TestSeedSearchByEmail(t *testing.T) {
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":                  {status: 200, body: fixture(t, "seed/search.json")},
		"GET " + seedPath + "/contacts/" + seedContact: {status: 200, body: fixture(t, "seed/contact_get.json")},
	})
	got, err := v.client().GetContact(t.Context(), support.Email("JANE@Example.com"))
	if err != nil {
		t.Fatal(err)
	}
	checkContact(t, got, support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC),
	})
	reqs := v.requests()
	if len(reqs) != 2 || reqs[0].Query["q"][0] != "JANE@Example.com" || reqs[0].Query["limit"][0] != "25" {
		t.Errorf("requests %+v; want a search for the email with limit 25, then a get", reqs)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != support.Created || len(r.Warnings) != 0 {
		t.Errorf("outcome %q, warnings %v; want created without warnings", r.Outcome, r.Warnings)
	}
	checkContact(t, r.Contact, support.Contact{
		ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", Phone: "+1-555-0123",
		CreatedAt: time.Date(2025, 3, 13, 10, 0, 0, 0, time.UTC),
	})
	if !sameJSON(t, r.Contact.Raw, contactObject(t, body)) {
		t.Errorf("Raw is %s, want the seed's contact object", r.Contact.Raw)
	}
	// The request body is the seed's own example: "+1-555-0123" is no
	// possible number, so it is sent as it was typed.
	reqs := v.requests()
	if len(reqs) != 2 || !sameJSON(t, reqs[1].Body, []byte(fixture(t, "seed/contact_create_request.json"))) {
		t.Errorf("create request body %s, want the seed's", reqs[len(reqs)-1].Body)
	}
}

func TestSeedInboxCustomers(t *testing.T) {
	body := fixture(t, "seed/inbox_customers.json")
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/customers": {status: 200, body: body}})
	c := v.client(func(cfg *tidysupport.Config) { cfg.ContactList = tidysupport.ListInbox })
	page, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Next != "" {
		t.Fatalf("page %+v; want one contact and no next page (hasMore false)", page)
	}
	checkContact(t, &page.Items[0], support.Contact{ID: seedContact, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"})
	var item struct {
		LatestThread struct{ ID, Status string }
		ThreadCount  int
	}
	if err := json.Unmarshal(page.Items[0].Raw, &item); err != nil || item.LatestThread.ID != "thd_xyz789" || item.ThreadCount != 3 {
		t.Errorf("Raw %s does not keep the latest thread and thread count", page.Items[0].Raw)
	}
	if q := v.requests()[0].RawQuery; q != "limit=10" {
		t.Errorf("query %q, want limit=10 as in the seed", q)
	}
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
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *support.Error", err)
			}
			if !errors.Is(err, tc.kind) || se.Status != tc.status || se.Code != tc.code || se.Message != tc.message ||
				se.Vendor != tidysupport.Vendor || se.Op != support.OpGetContact {
				t.Errorf("error %+v; want kind %v, status %d, code %q, message %q", se, tc.kind, tc.status, tc.code, tc.message)
			}
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
	if !errors.Is(err, support.ErrInvalid) || errors.Is(err, support.ErrOutcomeUnknown) {
		t.Fatalf("error %v; want ErrInvalid with a known outcome", err)
	}
	if n := len(v.requests()); n != 2 {
		t.Errorf("%d requests; a 400 must not be retried", n)
	}
}

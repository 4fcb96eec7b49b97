package respondio_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

var ada = support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}

const upsertRoute = "POST /v2/contact/create_or_update/{identifier}"

// Upsert is safe to retry: create_or_update is idempotent, so a lost
// response is retried without a second contact, and an upsert repeated by
// the caller writes nothing.
func TestUpsertIsSafeToRetry(t *testing.T) {
	for _, fault := range []sim.Fault{sim.CommittedThenLost(), sim.CommittedThen5xx(0), sim.ResetBeforeProcessing()} {
		t.Run(string(fault.Kind), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				s.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/create_or_update/"}, fault)
				r, err := c.UpsertContact(t.Context(), ada, support.UpsertOptions{})
				if err != nil {
					t.Fatalf("UpsertContact after %s: %v", fault, err)
				}
				if r.Outcome != support.Created || s.ContactCount() != 1 || s.Requests(upsertRoute) != 2 {
					t.Errorf("outcome %s, %d contact(s), %d create_or_update request(s); want created, 1, 2",
						r.Outcome, s.ContactCount(), s.Requests(upsertRoute))
				}

				// A changed input: the update is retried the same way.
				s.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/create_or_update/"}, fault)
				changed := ada
				changed.LastName = "King"
				r, err = c.UpsertContact(t.Context(), changed, support.UpsertOptions{})
				if err != nil || r.Outcome != support.Updated || r.Contact.LastName != "King" || s.ContactCount() != 1 {
					t.Fatalf("second UpsertContact: %+v, %v; %d contacts", r, err, s.ContactCount())
				}

				// The caller repeating the upsert: nothing to write.
				writes := s.Writes()
				r, err = c.UpsertContact(t.Context(), changed, support.UpsertOptions{})
				if err != nil || r.Outcome != support.Unchanged || r.Contact.ID != "1" {
					t.Errorf("repeated UpsertContact: %+v, %v; want unchanged", r, err)
				}
				if s.Writes() != writes || s.ContactCount() != 1 {
					t.Errorf("repeated UpsertContact wrote %d time(s), %d contacts", s.Writes()-writes, s.ContactCount())
				}
			})
		})
	}
}

// R3: a create is never sent again after an ambiguous failure without a
// lookup first.
func TestCreateLooksUpBeforeResending(t *testing.T) {
	const createRoute = "POST /v2/contact/{identifier}"
	createMatch := sim.Match{Method: "POST", Path: "/v2/contact/email:"}
	cases := []struct {
		name    string
		faults  []sim.Fault
		creates int   // create requests sent
		stored  int   // contacts stored
		gets    int   // GET /contact/{identifier} requests
		err     error // nil: created
	}{
		{"committed then lost", []sim.Fault{sim.CommittedThenLost()}, 1, 1, 3, nil},
		{"committed then 502", []sim.Fault{sim.CommittedThen5xx(502)}, 1, 1, 3, nil},
		{"malformed answer", []sim.Fault{sim.Malformed()}, 1, 1, 2, nil},
		{"reset before processing", []sim.Fault{sim.ResetBeforeProcessing()}, 2, 1, 3, nil},
		{"reset twice", []sim.Fault{sim.ResetBeforeProcessing(), sim.ResetBeforeProcessing()}, 2, 0, 3, support.ErrOutcomeUnknown},
		{"429 is retried by rest", []sim.Fault{sim.RateLimit("1")}, 2, 1, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				for _, f := range tc.faults {
					s.Faults.Next(1, createMatch, f)
				}
				r, err := c.CreateContact(t.Context(), ada)
				switch {
				case tc.err == nil && (err != nil || r.Outcome != support.Created || r.Contact.Email != ada.Email):
					t.Errorf("CreateContact: %+v, %v; want created", r, err)
				case tc.err != nil:
					wantKind(t, "CreateContact", err, tc.err)
				}
				if got := s.Requests(createRoute); got != tc.creates {
					t.Errorf("%d create request(s), want %d", got, tc.creates)
				}
				// One lookup before the first create, one after each
				// unknown outcome, one read back after a success.
				if got := s.Requests("GET /v2/contact/{identifier}"); got != tc.gets {
					t.Errorf("%d GET request(s), want %d", got, tc.gets)
				}
				if got := s.ContactCount(); got != tc.stored {
					t.Errorf("%d contact(s) stored, want %d", got, tc.stored)
				}
			})
		})
	}
}

// The review case: a create of an identifier that already exists is
// refused before anything is written, even when the create would have
// failed ambiguously, so the existing contact never gets the new input's
// tags and is never reported Created.
func TestCreateOfAnExistingContactIsAConflict(t *testing.T) {
	for _, phoneOnly := range []bool{false, true} {
		name := map[bool]string{false: "email", true: "phone"}[phoneOnly]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				old := seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Phone: "+442079460958", Tags: []string{"old"}})
				s.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/"}, sim.CommittedThenLost())
				in := support.ContactInput{FirstName: "Augusta", Email: "ADA@example.com", Tags: []string{"new"}}
				if phoneOnly {
					in = support.ContactInput{FirstName: "Augusta", Phone: "+44 20 7946 0958", Tags: []string{"new"}}
				}
				r, err := c.CreateContact(t.Context(), in)
				wantKind(t, "CreateContact of an existing "+name, err, support.ErrConflict)
				if r != nil {
					t.Errorf("result %+v, want nil", r)
				}
				if err != nil && !strings.Contains(err.Error(), "UpsertContact") {
					t.Errorf("error %q does not point to UpsertContact", err)
				}
				if n := s.Requests("POST /v2/contact/{identifier}") + s.Requests("POST /v2/contact/{identifier}/tag"); n != 0 {
					t.Errorf("%d POST(s) sent, want 0", n)
				}
				if s.Writes() != 0 {
					t.Errorf("%d write(s), want 0", s.Writes())
				}
				got, _ := s.Contact(old.ID)
				if !slices.Equal(got.Tags, []string{"old"}) || got.FirstName != "Ada" || s.ContactCount() != 1 {
					t.Errorf("existing contact now %+v (%d stored), want it untouched", got, s.ContactCount())
				}
			})
		})
	}
}

// A plain create costs one lookup, the create and the read back; tags add
// their own request.
func TestCreateContactRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		if _, err := c.CreateContact(t.Context(), ada); err != nil {
			t.Fatalf("CreateContact: %v", err)
		}
		gets, posts := s.Requests("GET /v2/contact/{identifier}"), s.Requests("POST /v2/contact/{identifier}")
		if gets != 2 || posts != 1 || s.Stats.Total() != 3 {
			t.Errorf("%d GET(s), %d create(s), %d request(s) in all; want 2 (lookup, read back), 1, 3", gets, posts, s.Stats.Total())
		}
	})
}

// A delete whose answer was lost is confirmed by a lookup, not reported as
// the 404 a resend would get.
func TestDeleteAfterALostAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		s.Faults.Next(1, sim.Match{Method: "DELETE"}, sim.CommittedThenLost())
		if err := c.DeleteContact(t.Context(), support.Email("ADA@example.com")); err != nil {
			t.Errorf("DeleteContact: %v", err)
		}
		if s.ContactCount() != 0 || s.Requests("DELETE /v2/contact/{identifier}") != 1 {
			t.Errorf("%d contacts, %d deletes; want 0, 1", s.ContactCount(), s.Requests("DELETE /v2/contact/{identifier}"))
		}
		err := c.DeleteContact(t.Context(), support.ID("1"))
		wantKind(t, "deleting again", err, support.ErrNotFound)
	})
}

func TestCreateContactChecksInputFirst(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	for what, in := range map[string]support.ContactInput{
		"no first name":             {LastName: "Lovelace", Email: "ada@example.com"},
		"no email and no phone":     {FirstName: "Ada"},
		"a bad email":               {FirstName: "Ada", Email: "ada(at)example.com"},
		"a three-letter language":   {FirstName: "Ada", Email: "ada@example.com", Language: "eng"},
		"a three-letter country":    {FirstName: "Ada", Email: "ada@example.com", Country: "GBR"},
		"an empty tag":              {FirstName: "Ada", Email: "ada@example.com", Tags: []string{" "}},
		"a 256-character tag":       {FirstName: "Ada", Email: "ada@example.com", Tags: []string{strings.Repeat("t", 256)}},
		"a 51-character field name": {FirstName: "Ada", Email: "ada@example.com", CustomFields: map[string]string{strings.Repeat("f", 51): "x"}},
		"a control character":       {FirstName: "Ada\x00", Email: "ada@example.com"},
	} {
		noRequest(t, srv, "CreateContact with "+what, func() error {
			_, err := c.CreateContact(t.Context(), in)
			return err
		})
		noRequest(t, srv, "CreateContacts with "+what, func() error {
			r, err := c.CreateContacts(t.Context(), []support.ContactInput{in})
			if r == nil || len(r.Items) != 1 || r.Items[0].Outcome != support.Failed {
				t.Errorf("CreateContacts with %s: %+v", what, r)
			}
			return err
		})
	}
	noRequest(t, srv, "UpsertContact with only a name", func() error {
		_, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Ada"}, support.UpsertOptions{})
		return err
	})
	noRequest(t, srv, "UpsertContact with an unknown match key", func() error {
		_, err := c.UpsertContact(t.Context(), ada, support.UpsertOptions{MatchKeys: []support.MatchKey{"name"}})
		return err
	})
	noRequest(t, srv, "UpdateContact clearing the first name", func() error {
		_, err := c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{FirstName: support.Ptr("")})
		return err
	})
	noRequest(t, srv, "ListContacts with a foreign cursor", func() error {
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Cursor: "id__abc"}})
		return err
	})
	noRequest(t, srv, "ListContacts with a negative limit", func() error {
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: -1}})
		return err
	})
}

func TestCreateWritesTagsAndCustomFields(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	var tags []string
	for i := range 12 {
		tags = append(tags, "tag"+itoa(int64(i)))
	}
	in := support.ContactInput{
		FirstName: "Ada", Email: "ada@example.com", Language: "EN", Country: "gb", ExternalID: "crm-1",
		Tags: tags, CustomFields: map[string]string{"plan": "gold", "seats": "3"},
	}
	r, err := c.CreateContact(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Contact
	if got.Language != "en" || got.Country != "GB" || !slices.Equal(got.Tags, tags) ||
		got.CustomFields["plan"] != "gold" || got.CustomFields["seats"] != "3" || got.ExternalID != "" {
		t.Errorf("created contact: %+v", got)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Field != "external_id" {
		t.Errorf("warnings %v, want one on external_id", r.Warnings)
	}
	if n := srv.Requests("POST /v2/contact/{identifier}/tag"); n != 2 {
		t.Errorf("%d tag requests for 12 tags, want 2 (at most 10 each)", n)
	}
	if len(got.Raw) == 0 || got.CreatedAt.IsZero() || got.CreatedAt.Location().String() != "UTC" {
		t.Errorf("Raw %s, CreatedAt %v", got.Raw, got.CreatedAt)
	}
	// respond.io answers a duplicate with a conflict (CreateDedup identifier).
	_, err = c.CreateContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ADA@example.com"})
	wantKind(t, "creating the same email again", err, support.ErrConflict)
}

func TestUpsertMatchingAndTags(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"old", "keep"}})
	seed(t, s, respondiotest.Contact{FirstName: "Grace", Phone: "+14155550100"})

	// By phone: email is tried first and misses, then the phone matches.
	r, err := c.UpsertContact(t.Context(), support.ContactInput{
		FirstName: "Grace", Email: "grace@example.com", Phone: "+1 415 555 0100",
	}, support.UpsertOptions{})
	if err != nil || r.Outcome != support.Updated || r.Contact.ID != "2" || r.Contact.Email != "grace@example.com" {
		t.Errorf("upsert matching by phone: %+v, %v", r, err)
	}
	// Tags replace: "old" goes, "new" comes, "keep" stays.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{
		FirstName: "Ada", Email: "Ada@Example.com", Tags: []string{"keep", "new"},
	}, support.UpsertOptions{})
	if err != nil || r.Outcome != support.Updated || !sameSet(r.Contact.Tags, []string{"keep", "new"}) {
		t.Errorf("upsert with tags: %+v, %v", r, err)
	}
	if c, _ := s.Contact(1); c.Email != "ada@example.com" {
		t.Errorf("an email that differs only in case was rewritten: %q", c.Email)
	}
	// Match keys that exclude email: the email is not used to match, so the
	// existing contact with it is a conflict, not an update.
	_, err = c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ada@example.com"},
		support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchPhone}})
	wantKind(t, "upsert by phone only, of a known email", err, support.ErrConflict)
	if s.ContactCount() != 2 {
		t.Errorf("%d contacts, want 2", s.ContactCount())
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

func TestUpdateContact(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	seed(t, s, respondiotest.Contact{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Tags: []string{"a", "b"},
		CustomFields: []respondiotest.CustomField{{Name: "plan", Value: []byte(`"gold"`)}},
	})
	r, err := c.UpdateContact(t.Context(), support.Email("ada@example.com"), support.ContactUpdate{
		LastName: support.Ptr(""), Email: support.Ptr("augusta@example.com"), Tags: &[]string{"b", "c"},
		CustomFields: map[string]*string{"plan": nil, "seats": support.Ptr("2")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Contact
	if r.Outcome != support.Updated || got.LastName != "" || got.Email != "augusta@example.com" ||
		!sameSet(got.Tags, []string{"b", "c"}) || len(got.CustomFields) != 1 || got.CustomFields["seats"] != "2" {
		t.Errorf("after update: %s %+v", r.Outcome, got)
	}
	// Only an external ID: nothing to write, a warning.
	writes := s.Writes()
	r, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{ExternalID: support.Ptr("crm-1")})
	if err != nil || r.Outcome != support.Unchanged || len(r.Warnings) != 1 || s.Writes() != writes {
		t.Errorf("update of the external ID only: %+v, %v, %d write(s)", r, err, s.Writes()-writes)
	}
	_, err = c.UpdateContact(t.Context(), support.ID("7"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, "updating a missing contact", err, support.ErrNotFound)
	_, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{Phone: support.Ptr("+1 415 555 0100")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Contact(1); got.Phone != "+14155550100" {
		t.Errorf("phone stored as %q, want E.164", got.Phone)
	}
}

func TestCreateContactsContinuesAfterAFailure(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Grace", Email: "grace@example.com"})
	in := []support.ContactInput{
		{FirstName: "Alan", Email: "alan@example.com"},
		{FirstName: "Grace", Email: "grace@example.com"}, // the vendor refuses: it exists
		{FirstName: "", Email: "nameless@example.com"},   // refused before any request
		{FirstName: "Katherine", Email: "katherine@example.com"},
	}
	r, err := c.CreateContacts(t.Context(), in)
	if r == nil || len(r.Items) != 4 {
		t.Fatalf("CreateContacts: %+v, %v", r, err)
	}
	outcomes := []support.Outcome{support.Created, support.Failed, support.Failed, support.Created}
	for i, it := range r.Items {
		if it.Index != i || it.Outcome != outcomes[i] {
			t.Errorf("item %d: %+v, want %s", i, it, outcomes[i])
		}
	}
	wantKind(t, "item 1", r.Items[1].Err, support.ErrConflict)
	wantKind(t, "item 2", r.Items[2].Err, support.ErrInvalid)
	var be *support.BatchItemError
	if !errors.As(err, &be) || r.Count(support.Failed) != 2 {
		t.Errorf("error %v, want the two failed records", err)
	}
	if srv.ContactCount() != 3 {
		t.Errorf("%d contacts, want 3", srv.ContactCount())
	}
}

func TestMerge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		seed(t, s, respondiotest.Contact{FirstName: "Augusta", LastName: "King", Phone: "+442079460958"})
		if _, err := s.SeedMessage(respondiotest.Message{ContactID: 2, Text: "Hello"}); err != nil {
			t.Fatal(err)
		}
		// The answer is lost, but the merge happened: the secondary is gone.
		s.Faults.Next(1, sim.Match{Path: "/v2/contact/merge"}, sim.CommittedThenLost())
		got, err := c.Merge(t.Context(), "1", "2", support.ContactInput{LastName: "Lovelace"})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "1" || got.LastName != "Lovelace" || got.Phone != "+442079460958" || s.ContactCount() != 1 {
			t.Errorf("merged: %+v; %d contacts", got, s.ContactCount())
		}
		if m := s.Messages(1); len(m) != 1 || s.Requests("POST /v2/contact/merge") != 1 {
			t.Errorf("messages %+v, %d merge requests", m, s.Requests("POST /v2/contact/merge"))
		}
		_, err = c.Merge(t.Context(), "1", "1", support.ContactInput{})
		wantKind(t, "merging a contact into itself", err, support.ErrInvalid)
		_, err = c.Merge(t.Context(), "1", "2", support.ContactInput{})
		wantKind(t, "merging a deleted contact", err, support.ErrNotFound)
	})
}

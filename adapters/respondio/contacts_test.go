package respondio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ada = support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}

const (
	createRoute = "POST /v2/contact/create_or_update/{identifier}"
	getRoute    = "GET /v2/contact/{identifier}"
)

var createMatch = sim.Match{Method: "POST", Path: "/v2/contact/create_or_update/"}

// A create is sent once per round: after an ambiguous failure the driver
// reports ErrOutcomeUnknown, and the Client looks the contact up before it
// sends anything again.
func TestCreateAfterAnAmbiguousFailure(t *testing.T) {
	cases := []struct {
		name    string
		faults  []sim.Fault
		creates int   // create requests sent
		stored  int   // contacts stored
		gets    int   // GET /contact/{identifier} requests
		err     error // nil: created
	}{
		{"committed then lost", []sim.Fault{sim.CommittedThenLost()}, 1, 1, 2, nil},
		{"committed then 502", []sim.Fault{sim.CommittedThen5xx(502)}, 1, 1, 2, nil},
		{"malformed answer", []sim.Fault{sim.Malformed()}, 1, 1, 2, nil},
		{"reset before processing", []sim.Fault{sim.ResetBeforeProcessing()}, 2, 1, 2, nil},
		{"reset every time", []sim.Fault{sim.ResetBeforeProcessing(), sim.ResetBeforeProcessing(), sim.ResetBeforeProcessing()},
			support.MaxWriteRounds, 0, 1 + support.MaxWriteRounds, support.ErrOutcomeUnknown},
		{"429 is retried by rest", []sim.Fault{sim.RateLimit("1")}, 2, 1, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				for _, f := range tc.faults {
					s.Faults.Next(1, createMatch, f)
				}
				r, err := c.CreateContact(t.Context(), ada)
				if tc.err == nil {
					require.NoError(t, err)
					assert.Equal(t, support.Created, r.Outcome)
					assert.Equal(t, ada.Email, r.Contact.Email)
				} else {
					wantKind(t, "CreateContact", err, tc.err)
				}
				assert.Equal(t, tc.creates, s.Requests(createRoute), "create requests")
				// One read before the first create, one lookup after each
				// unknown outcome.
				assert.Equal(t, tc.gets, s.Requests(getRoute), "GET requests")
				assert.Equal(t, tc.stored, s.ContactCount(), "contacts stored")
			})
		})
	}
}

// cancelOnLookup is a transport that lets the first n requests to
// GET /contact/email:… through and cancels the context at the next one, as
// if the caller gave up while the Client looked the contact up.
type cancelOnLookup struct {
	next   http.RoundTripper
	n      int32
	seen   atomic.Int32
	cancel context.CancelFunc
}

func (c *cancelOnLookup) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/contact/email:") && c.seen.Add(1) > c.n {
		c.cancel()
		return nil, r.Context().Err()
	}
	return c.next.RoundTrip(r)
}

// A create whose answer is lost, with the context cancelled while the
// Client looks the contact up: the error matches both context.Canceled and
// ErrOutcomeUnknown, and nothing was sent twice.
func TestCancelDuringTheLookupAfterALostCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := respondiotest.New(respondiotest.Options{})
		s.Faults.Next(1, createMatch, sim.CommittedThenLost())
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		hc := s.InProcess()
		hc.Transport = &cancelOnLookup{next: hc.Transport, n: 1, cancel: cancel}
		c := newClient(t, respondio.Config{Token: respondiotest.Token, BaseURL: respondiotest.InProcessURL, HTTPClient: hc, RateLimit: -1})

		_, err := c.CreateContact(ctx, ada)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, support.ErrOutcomeUnknown)
		assert.Equal(t, 1, s.Requests(createRoute), "create requests")
		assert.Equal(t, 1, s.ContactCount(), "contacts stored")
	})
}

// The identity rule on respond.io: a contact found by phone whose email
// differs is another person. The upsert is a conflict naming both, and
// nothing is written.
func TestUpsertNeverMergesTwoPeople(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	old := seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "a@example.com", Phone: "+442079460958"})
	in := support.ContactInput{FirstName: "Grace", Email: "b@example.com", Phone: "+44 20 7946 0958"}

	r, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.ErrorIs(t, err, support.ErrConflict)
	var ic *support.IdentityConflict
	require.ErrorAs(t, err, &ic)
	assert.Equal(t, support.MatchPhone, ic.Key)
	assert.Equal(t, support.MatchEmail, ic.Contradicted)
	assert.Equal(t, itoa(old.ID), ic.Existing.ID)
	assert.Equal(t, "b@example.com", ic.Input.Email)
	require.NotNil(t, r)
	assert.Equal(t, support.Conflict, r.Outcome)

	assert.Equal(t, 0, srv.Writes(), "writes")
	assert.Equal(t, 1, srv.ContactCount(), "contacts")
	got, _ := srv.Contact(old.ID)
	assert.Equal(t, old, got, "the stored contact is unchanged")
}

// Upsert after ambiguous writes: the create is settled by a lookup, the
// update (PUT, idempotent) is retried by rest, and an upsert repeated by
// the caller writes nothing.
func TestUpsertAfterAnAmbiguousWrite(t *testing.T) {
	const putRoute = "PUT /v2/contact/{identifier}"
	for _, tc := range []struct {
		fault   sim.Fault
		creates int
	}{
		{sim.CommittedThenLost(), 1}, {sim.CommittedThen5xx(0), 1}, {sim.ResetBeforeProcessing(), 2},
	} {
		t.Run(string(tc.fault.Kind), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				s.Faults.Next(1, createMatch, tc.fault)
				r, err := c.UpsertContact(t.Context(), ada, support.UpsertOptions{})
				require.NoError(t, err)
				assert.Equal(t, support.Created, r.Outcome)
				assert.Equal(t, tc.creates, s.Requests(createRoute), "create requests")

				s.Faults.Next(1, sim.Match{Method: "PUT"}, tc.fault)
				changed := ada
				changed.LastName = "King"
				r, err = c.UpsertContact(t.Context(), changed, support.UpsertOptions{})
				require.NoError(t, err)
				assert.Equal(t, support.Updated, r.Outcome)
				assert.Equal(t, "King", r.Contact.LastName)
				assert.Equal(t, 2, s.Requests(putRoute), "PUT requests: the first failed, rest retried it")

				writes := s.Writes()
				r, err = c.UpsertContact(t.Context(), changed, support.UpsertOptions{})
				require.NoError(t, err)
				assert.Equal(t, support.Unchanged, r.Outcome)
				assert.Equal(t, "1", r.Contact.ID)
				assert.Equal(t, writes, s.Writes(), "a repeated upsert writes nothing")
				assert.Equal(t, 1, s.ContactCount(), "contacts")
			})
		})
	}
}

// CreateDedup is identifier: a create of an email or phone respond.io has
// is refused after the Client's read, before anything is written, so the
// existing contact never gets the new input's tags.
func TestCreateOfAnExistingContactIsAConflict(t *testing.T) {
	for name, in := range map[string]support.ContactInput{
		"email": {FirstName: "Augusta", Email: "ADA@example.com", Tags: []string{"new"}},
		"phone": {FirstName: "Augusta", Phone: "+44 20 7946 0958", Tags: []string{"new"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := setup(t, respondiotest.Options{})
			old := seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Phone: "+442079460958", Tags: []string{"old"}})
			r, err := c.CreateContact(t.Context(), in)
			wantKind(t, "CreateContact of an existing "+name, err, support.ErrConflict)
			assert.Nil(t, r)
			assert.ErrorContains(t, err, "UpsertContact")
			assert.Equal(t, 0, srv.Writes(), "writes")
			got, _ := srv.Contact(old.ID)
			assert.Equal(t, old, got, "the existing contact is untouched")
		})
	}
}

// A plain create costs the Client's read and the create; tags add their
// own requests, at most ten tags each.
func TestCreateContactRequests(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	_, err := c.CreateContact(t.Context(), ada)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Requests(getRoute), "GET requests")
	assert.Equal(t, 1, srv.Requests(createRoute), "create requests")
	assert.Equal(t, 2, srv.Stats.Total(), "requests in all")
}

// A delete whose answer was lost is not sent again (the second DELETE would
// answer 404 for a contact it deleted): the outcome is unknown.
func TestDeleteAfterALostAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		s.Faults.Next(1, sim.Match{Method: "DELETE"}, sim.CommittedThenLost())
		err := c.DeleteContact(t.Context(), support.ID("1"))
		wantKind(t, "DeleteContact after a lost answer", err, support.ErrOutcomeUnknown)
		assert.Equal(t, 0, s.ContactCount(), "contacts")
		assert.Equal(t, 1, s.Requests("DELETE /v2/contact/{identifier}"), "DELETE requests")
		wantKind(t, "deleting again", c.DeleteContact(t.Context(), support.ID("1")), support.ErrNotFound)
	})
}

// respond.io's field rules refuse an input before any request.
func TestPrepareContactRefusesFirst(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	for what, in := range map[string]support.ContactInput{
		"no email and no phone":     {FirstName: "Ada"},
		"a three-letter language":   {FirstName: "Ada", Email: "ada@example.com", Language: "eng"},
		"a three-letter country":    {FirstName: "Ada", Email: "ada@example.com", Country: "GBR"},
		"a blank tag":               {FirstName: "Ada", Email: "ada@example.com", Tags: []string{" "}},
		"a 256-character tag":       {FirstName: "Ada", Email: "ada@example.com", Tags: []string{strings.Repeat("t", 256)}},
		"a 51-character field name": {FirstName: "Ada", Email: "ada@example.com", CustomFields: map[string]string{strings.Repeat("f", 51): "x"}},
		"a phone without country":   {FirstName: "Ada", Phone: "020 7946 0958"},
	} {
		noRequest(t, srv, "CreateContact with "+what, func() error {
			_, err := c.CreateContact(t.Context(), in)
			return err
		})
		noRequest(t, srv, "UpsertContact with "+what, func() error {
			_, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{})
			return err
		})
		noRequest(t, srv, "CreateContacts with "+what, func() error {
			r, err := c.CreateContacts(t.Context(), []support.ContactInput{in})
			if assert.NotNil(t, r, what) && assert.Len(t, r.Items, 1, what) {
				assert.Equal(t, support.Failed, r.Items[0].Outcome, what)
			}
			return err
		})
	}
	noRequest(t, srv, "ListContacts with a foreign cursor", func() error {
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Cursor: "id__abc"}})
		return err
	})
}

// A create needs a first name, an update cannot clear it: refused with
// nothing written (after the Client's read), as respond.io requires one.
func TestFirstNameIsRequired(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	_, err := c.CreateContact(t.Context(), support.ContactInput{LastName: "Lovelace", Email: "ada@example.com"})
	wantKind(t, "CreateContact without a first name", err, support.ErrInvalid)
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	_, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{FirstName: support.Ptr("")})
	wantKind(t, "UpdateContact clearing the first name", err, support.ErrInvalid)
	assert.Equal(t, 0, srv.Writes(), "writes")
}

func TestCreateWritesTagsAndCustomFields(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	define(t, srv.Simulator, "plan", "seats")
	var tags []string
	for i := range 12 {
		tags = append(tags, "tag"+itoa(int64(i)))
	}
	in := support.ContactInput{
		FirstName: "Ada", Email: "ada@example.com", Language: "EN", Country: "gb", ExternalID: "crm-1",
		Tags: tags, CustomFields: map[string]string{"plan": "gold", "seats": "3"},
	}
	r, err := c.CreateContact(t.Context(), in)
	require.NoError(t, err)
	assert.Equal(t, []support.Warning{{Field: "external_id", Message: "not stored: respondio has no field to write it"}}, r.Warnings)
	assert.Equal(t, 2, srv.Requests("POST /v2/contact/{identifier}/tag"), "tag requests for 12 tags (at most 10 each)")
	// The result is the contact as written; a read gives the stored one.
	got, err := c.GetContact(t.Context(), support.ID(r.Contact.ID))
	require.NoError(t, err)
	for _, ct := range []*support.Contact{r.Contact, got} {
		assert.Equal(t, "en", ct.Language)
		assert.Equal(t, "GB", ct.Country)
		assert.Equal(t, tags, ct.Tags)
		assert.Equal(t, map[string]string{"plan": "gold", "seats": "3"}, ct.CustomFields)
		assert.Empty(t, ct.ExternalID)
	}
	assert.NotEmpty(t, got.Raw)
	assert.Equal(t, "UTC", got.CreatedAt.Location().String())
	assert.False(t, got.CreatedAt.IsZero())
}

// Tags that fail after the contact was created: Created, with a warning.
func TestCreateWhoseTagsFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1, MaxAttempts: 1})
		s.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/id:1/tag"}, sim.Unavailable(503))
		in := ada
		in.Tags = []string{"vip"}
		r, err := c.CreateContact(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, support.Created, r.Outcome)
		assert.Empty(t, r.Contact.Tags)
		require.Len(t, r.Warnings, 1)
		assert.Equal(t, "tags", r.Warnings[0].Field)
		assert.Equal(t, 1, s.ContactCount())
	})
}

func TestUpsertMatchingAndTags(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"old", "keep"}})
	seed(t, s, respondiotest.Contact{FirstName: "Grace", Phone: "+14155550100"})

	// By phone: the email misses, the phone matches a contact without one.
	r, err := c.UpsertContact(t.Context(), support.ContactInput{
		FirstName: "Grace", Email: "grace@example.com", Phone: "+1 415 555 0100",
	}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, "2", r.Contact.ID)
	assert.Equal(t, "grace@example.com", r.Contact.Email)
	// Tags replace: "old" goes, "new" comes, "keep" stays.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{
		FirstName: "Ada", Email: "Ada@Example.com", Tags: []string{"keep", "new"},
	}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.ElementsMatch(t, []string{"keep", "new"}, r.Contact.Tags)
	stored, _ := s.Contact(1)
	assert.ElementsMatch(t, []string{"keep", "new"}, stored.Tags)
	assert.Equal(t, "ada@example.com", stored.Email, "an email that differs only in case is not rewritten")
	assert.Equal(t, 2, s.ContactCount())
}

// Match keys that leave the email out do not match by it, but the create
// that follows must not take over the contact that has it: respond.io
// refuses a duplicate, and create_or_update would update it.
func TestUpsertMatchKeysSkippingTheEmail(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	old := seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	_, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Augusta", Email: "ada@example.com"},
		support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchPhone}})
	wantKind(t, "upsert by phone only, of a known email", err, support.ErrConflict)
	got, _ := srv.Contact(old.ID)
	assert.Equal(t, old, got, "the contact with the email is untouched")
	assert.Equal(t, 1, srv.ContactCount())
}

func TestUpdateContact(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	define(t, s, "plan", "seats")
	seed(t, s, respondiotest.Contact{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Tags: []string{"a", "b"},
		CustomFields: []respondiotest.CustomField{{Name: "plan", Value: []byte(`"gold"`)}},
	})
	r, err := c.UpdateContact(t.Context(), support.Email("ada@example.com"), support.ContactUpdate{
		LastName: support.Ptr(""), Email: support.Ptr("augusta@example.com"), Tags: &[]string{"b", "c"},
		CustomFields: map[string]*string{"plan": nil, "seats": support.Ptr("2")},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	got, err := c.GetContact(t.Context(), support.ID("1"))
	require.NoError(t, err)
	for _, ct := range []*support.Contact{r.Contact, got} {
		assert.Empty(t, ct.LastName)
		assert.Equal(t, "augusta@example.com", ct.Email)
		assert.ElementsMatch(t, []string{"b", "c"}, ct.Tags)
		assert.Equal(t, map[string]string{"seats": "2"}, ct.CustomFields)
	}

	// Only an external ID: nothing to write, a warning.
	writes := s.Writes()
	r, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{ExternalID: support.Ptr("crm-1")})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Len(t, r.Warnings, 1)
	assert.Equal(t, writes, s.Writes(), "writes")

	_, err = c.UpdateContact(t.Context(), support.ID("7"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, "updating a missing contact", err, support.ErrNotFound)

	// The phone and codes are stored as respond.io keeps them, and the
	// result says so without a read.
	r, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{
		Phone: support.Ptr("+1 415 555 0100"), Language: support.Ptr("EN"), Country: support.Ptr("gb"),
	})
	require.NoError(t, err)
	assert.Equal(t, "+14155550100", r.Contact.Phone)
	assert.Equal(t, "en", r.Contact.Language)
	assert.Equal(t, "GB", r.Contact.Country)
	stored, _ := s.Contact(1)
	assert.Equal(t, "+14155550100", stored.Phone, "phone stored in E.164")
}

// Records the vendor refuses do not stop the batch.
func TestCreateContactsContinuesAfterAFailure(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Grace", Email: "grace@example.com"})
	in := []support.ContactInput{
		{FirstName: "Alan", Email: "alan@example.com"},
		{FirstName: "Grace", Email: "grace@example.com"}, // exists: a conflict
		{FirstName: "", Email: "nameless@example.com"},   // no first name
		{FirstName: "Katherine", Email: "katherine@example.com"},
	}
	r, err := c.CreateContacts(t.Context(), in)
	require.NotNil(t, r)
	require.Len(t, r.Items, 4)
	for i, want := range []support.Outcome{support.Created, support.Failed, support.Failed, support.Created} {
		assert.Equal(t, i, r.Items[i].Index)
		assert.Equal(t, want, r.Items[i].Outcome, "item %d", i)
	}
	wantKind(t, "item 1", r.Items[1].Err, support.ErrConflict)
	wantKind(t, "item 2", r.Items[2].Err, support.ErrInvalid)
	var be *support.BatchItemError
	assert.ErrorAs(t, err, &be)
	assert.Equal(t, 2, r.Count(support.Failed))
	assert.Equal(t, 3, srv.ContactCount())
}

// Merge is respond.io's own, reached with Client.As. A merge whose answer
// is lost is not resent.
func TestMerge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		d := driver(t, c)
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		seed(t, s, respondiotest.Contact{FirstName: "Augusta", LastName: "King", Phone: "+442079460958"})
		_, err := s.SeedMessage(respondiotest.Message{ContactID: 2, Text: "Hello"})
		require.NoError(t, err)

		got, err := d.Merge(t.Context(), "1", "2", support.ContactInput{LastName: "Lovelace", Language: "EN"})
		require.NoError(t, err)
		assert.Equal(t, "1", got.ID)
		assert.Equal(t, "Lovelace", got.LastName)
		assert.Equal(t, "en", got.Language)
		assert.Equal(t, "+442079460958", got.Phone)
		assert.Equal(t, 1, s.ContactCount())
		assert.Len(t, s.Messages(1), 1, "the secondary's messages move to the primary")

		for what, fields := range map[string]support.ContactInput{
			"a merge setting tags":       {Tags: []string{"vip"}},
			"a merge setting a bad code": {Country: "GBR"},
			"a merge with a bad email":   {Email: "ada(at)example.com"},
		} {
			_, err := d.Merge(t.Context(), "1", "3", fields)
			wantKind(t, what, err, support.ErrInvalid)
		}
		_, err = d.Merge(t.Context(), "1", "1", support.ContactInput{})
		wantKind(t, "merging a contact into itself", err, support.ErrInvalid)
		_, err = d.Merge(t.Context(), "1", "2", support.ContactInput{})
		wantKind(t, "merging a deleted contact", err, support.ErrNotFound)

		seed(t, s, respondiotest.Contact{FirstName: "Grace", Email: "grace@example.com"})
		s.Faults.Next(1, sim.Match{Path: "/v2/contact/merge"}, sim.CommittedThenLost())
		merges := s.Requests("POST /v2/contact/merge")
		_, err = d.Merge(t.Context(), "1", "3", support.ContactInput{})
		wantKind(t, "a merge whose answer was lost", err, support.ErrOutcomeUnknown)
		assert.Equal(t, merges+1, s.Requests("POST /v2/contact/merge"), "merge requests")
		_, err = c.GetContact(t.Context(), support.ID("3"))
		assert.True(t, errors.Is(err, support.ErrNotFound), "the secondary is gone: the merge took effect")
	})
}

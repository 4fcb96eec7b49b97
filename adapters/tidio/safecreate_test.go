package tidio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

var (
	postContact = sim.Match{Method: http.MethodPost, Path: "/contacts"}
	postBatch   = sim.Match{Method: http.MethodPost, Path: "/contacts/batch"}
)

// TestCreateContactAmbiguous proves R3 for CreateContact: whatever the
// ambiguous failure, the contact ends up stored exactly once, and it is sent
// again only when the lookup says the first attempt did not take effect.
func TestCreateContactAmbiguous(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     sim.Fault
		in        support.ContactInput
		wantPosts int // POST /contacts sent
	}{
		{"committed, response lost", sim.CommittedThenLost(), person(1), 1},
		{"committed, then 502", sim.CommittedThen5xx(http.StatusBadGateway), person(1), 1},
		{"committed, then 504", sim.CommittedThen5xx(http.StatusGatewayTimeout), person(1), 1},
		{"reset before processing", sim.ResetBeforeProcessing(), person(1), 2},
		{"503 before processing", sim.Unavailable(http.StatusServiceUnavailable), person(1), 2},
		{"committed, body cut short", sim.Malformed(), person(1), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
			defer srv.Close()
			// Other contacts, so that lookups have something to skip.
			srv.SeedContact(tidiotest.Contact{FirstName: "Other", Email: "other@example.com", DistinctID: "ext-0"})
			srv.SeedContact(tidiotest.Contact{FirstName: "Other", Email: "other2@example.com"})
			srv.SeedContact(tidiotest.Contact{FirstName: "Other", Email: "other3@example.com"})
			c := newClient(t, srv, tidio.Config{})
			srv.Faults.Next(1, postContact, tc.fault)

			r, err := c.CreateContact(t.Context(), tc.in)
			if err != nil {
				t.Fatalf("CreateContact: %v", err)
			}
			if r.Outcome != support.Created {
				t.Errorf("outcome %q, want created", r.Outcome)
			}
			if got := srv.Requests("POST /contacts"); got != tc.wantPosts {
				t.Errorf("POST /contacts sent %d times, want %d", got, tc.wantPosts)
			}
			var mine []tidiotest.Contact
			for _, ct := range srv.Contacts() {
				if ct.FirstName == tc.in.FirstName {
					mine = append(mine, ct)
				}
			}
			if len(mine) != 1 {
				t.Fatalf("the contact is stored %d times, want once", len(mine))
			}
			if r.Contact.ID != mine[0].ID {
				t.Errorf("CreateContact returned ID %q, the stored contact is %q", r.Contact.ID, mine[0].ID)
			}
		})
	}
}

// TestCreateContactAmbiguousExisting is the reviewer's case: an identical
// contact exists, and the next create's POST fails with a 502 before Tidio
// processes it. The lookup must not take the existing contact for the new
// one: the create is sent again and a second contact is stored.
func TestCreateContactAmbiguousExisting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     sim.Fault
		wantPosts int // POST /contacts for the second create
	}{
		{"502 before processing", sim.Unavailable(http.StatusBadGateway), 2},
		{"committed, response lost", sim.CommittedThenLost(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
			defer srv.Close()
			c := newClient(t, srv, tidio.Config{})
			ada := support.ContactInput{FirstName: "Ada", Email: "ada@example.com"}
			first, err := c.CreateContact(t.Context(), ada)
			if err != nil {
				t.Fatal(err)
			}
			srv.Stats.Reset()
			srv.Faults.Next(1, postContact, tc.fault)

			r, err := c.CreateContact(t.Context(), ada)
			if err != nil {
				t.Fatalf("CreateContact: %v", err)
			}
			stored := srv.Contacts()
			if len(stored) != 2 {
				t.Fatalf("the simulator holds %d contacts, want 2", len(stored))
			}
			if r.Outcome != support.Created || r.Contact.ID == first.Contact.ID || r.Contact.ID != stored[1].ID {
				t.Errorf("second create: outcome %q, ID %q; want created with the new contact %q (the first is %q)",
					r.Outcome, r.Contact.ID, stored[1].ID, first.Contact.ID)
			}
			if got := srv.Requests("POST /contacts"); got != tc.wantPosts {
				t.Errorf("POST /contacts sent %d times, want %d", got, tc.wantPosts)
			}
		})
	}
}

// TestCreateContactAmbiguousExternalIDOnly: Tidio cannot look contacts
// up by distinct_id (or phone), so a create without an email whose outcome
// is unknown is neither looked up nor sent again, whether it was stored or
// not: the error says the outcome is unknown and why.
func TestCreateContactAmbiguousExternalIDOnly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  sim.Fault
		stored int
	}{
		{"committed, response lost", sim.CommittedThenLost(), 2},
		{"502 before processing", sim.Unavailable(http.StatusBadGateway), 1},
		{"reset before processing", sim.ResetBeforeProcessing(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
			defer srv.Close()
			srv.SeedContact(tidiotest.Contact{FirstName: "Other", Email: "other@example.com", DistinctID: "ext-0"})
			c := newClient(t, srv, tidio.Config{})
			srv.Faults.Next(1, postContact, tc.fault)

			_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "Ext", ExternalID: "ext-1"})
			require.ErrorIs(t, err, support.ErrOutcomeUnknown)
			assert.Contains(t, err.Error(), "look it up")
			assert.Equal(t, 1, srv.Requests("POST /contacts"), "sent once")
			assert.Zero(t, srv.Requests("GET /contacts"), "no listing of every contact")
			assert.Len(t, srv.Contacts(), tc.stored)
		})
	}
}

// TestCreateContactsResolvedWarning: records of a batch whose response was
// lost are found by lookup, and each says that an identical older contact
// could not be told apart; a batch answered normally has no such warning
// (a batch of one goes to POST /contacts).
func TestCreateContactsResolvedWarning(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 100})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	in := people(3)
	r, err := c.CreateContacts(t.Context(), in[:1])
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items[0].Warnings) != 0 {
		t.Errorf("a batch answered normally warns: %+v", r.Items[0].Warnings)
	}
	srv.Faults.Next(1, postBatch, sim.CommittedThenLost())

	r, err = c.CreateContacts(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range r.Items {
		if it.Outcome != support.Created || len(it.Warnings) != 1 || it.Warnings[0].Field != "id" ||
			!strings.Contains(it.Warnings[0].Message, "cannot be told apart") {
			t.Errorf("item %d: outcome %q, warnings %+v; want created with the lookup warning", it.Index, it.Outcome, it.Warnings)
		}
	}
	if got := srv.Requests("POST /contacts/batch"); got != 1 {
		t.Errorf("POST /contacts/batch sent %d times, want 1", got)
	}
}

// TestCreateContactAmbiguousNoKey: a contact with neither email nor
// external ID cannot be looked up, so it is not sent again and the error
// says the outcome is unknown.
func TestCreateContactAmbiguousNoKey(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	srv.Faults.Next(1, postContact, sim.CommittedThenLost())

	_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "Nameless", Phone: "+1 415 555 0100"})
	wantKind(t, err, support.ErrUnavailable)
	if !errors.Is(err, support.ErrOutcomeUnknown) {
		t.Errorf("error %v does not match ErrOutcomeUnknown", err)
	}
	if got := srv.Requests("POST /contacts"); got != 1 {
		t.Errorf("POST /contacts sent %d times, want 1", got)
	}
	if got := len(srv.Contacts()); got != 1 {
		t.Errorf("the simulator holds %d contacts, want the 1 committed", got)
	}
	if got := srv.Requests("GET /contacts"); got != 0 {
		t.Errorf("%d listings were made for a contact that cannot be looked up", got)
	}
}

// TestCreateContactsAmbiguous proves R3 for batches: a batch whose response
// is lost is looked up, not resent; one that was not processed is resent
// after the lookup finds nothing.
func TestCreateContactsAmbiguous(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       sim.Fault
		skip        int // batches answered normally before the fault
		wantBatches int
	}{
		{"first batch committed, response lost", sim.CommittedThenLost(), 0, 3},
		{"second batch committed, then 502", sim.CommittedThen5xx(0), 1, 3},
		{"second batch reset before processing", sim.ResetBeforeProcessing(), 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tidiotest.NewServer(tidiotest.Options{PageSize: 100})
			defer srv.Close()
			c := newClient(t, srv, tidio.Config{})
			in := people(250)
			// Scripted faults hit the next matching request: the batches
			// before the faulty one go out in a call of their own.
			if tc.skip > 0 {
				if _, err := c.CreateContacts(t.Context(), in[:100]); err != nil {
					t.Fatal(err)
				}
				in = in[100:]
				srv.Stats.Reset()
			}
			srv.Faults.Next(1, postBatch, tc.fault)
			r, err := c.CreateContacts(t.Context(), in)
			if err != nil {
				t.Fatalf("CreateContacts: %v", err)
			}
			if got := srv.Requests("POST /contacts/batch"); got != tc.wantBatches-tc.skip {
				t.Errorf("POST /contacts/batch sent %d times, want %d", got, tc.wantBatches-tc.skip)
			}
			stored := map[string]string{}
			for _, ct := range srv.Contacts() {
				stored[ct.DistinctID] = ct.ID
			}
			for i, it := range r.Items {
				if it.Outcome != support.Created || it.Contact == nil {
					t.Fatalf("item %d: %q, %v", i, it.Outcome, it.Err)
				}
				if want := stored[in[i].ExternalID]; it.Contact.ID != want {
					t.Errorf("item %d has ID %q, the stored contact is %q", i, it.Contact.ID, want)
				}
			}
			checkStoredOnce(t, srv, people(250)[:tc.skip*100+len(in)])
		})
	}
}

// TestUpsertContactAmbiguous: the create of an upsert is as safe as
// CreateContact's.
func TestUpsertContactAmbiguous(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	srv.Faults.Next(1, postContact, sim.CommittedThenLost())
	r, err := c.UpsertContact(t.Context(), person(7), support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	checkStoredOnce(t, srv, []support.ContactInput{person(7)})
}

// TestDeleteContactAmbiguous: a DELETE whose outcome is unknown (its
// response lost, or the connection reset, which may have been before or
// after Tidio processed it) is not sent again: it would answer 404.
func TestDeleteContactAmbiguous(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	ct := srv.SeedContact(tidiotest.Contact{FirstName: "Gone", Email: "gone@example.com"})
	srv.Faults.Next(1, sim.Match{Method: http.MethodDelete}, sim.CommittedThenLost())
	err := c.DeleteContact(t.Context(), support.ID(ct.ID))
	require.ErrorIs(t, err, support.ErrOutcomeUnknown)
	assert.Equal(t, 1, srv.Requests("DELETE /contacts/{id}"), "sent once")
	_, ok := srv.Contact(ct.ID)
	assert.False(t, ok, "the contact is still stored")

	srv.Stats.Reset()
	ct = srv.SeedContact(tidiotest.Contact{FirstName: "Kept", Email: "kept@example.com"})
	srv.Faults.Next(1, sim.Match{Method: http.MethodDelete}, sim.ResetBeforeProcessing())
	err = c.DeleteContact(t.Context(), support.ID(ct.ID))
	require.ErrorIs(t, err, support.ErrOutcomeUnknown)
	assert.Equal(t, 1, srv.Requests("DELETE /contacts/{id}"), "sent once")
	_, ok = srv.Contact(ct.ID)
	assert.True(t, ok, "not processed, so still stored")
}

// TestSendMessageAmbiguous: a reply whose outcome is unknown is looked for
// on the ticket, and never sent twice: found, it is returned; not found,
// the outcome stays unknown.
func TestSendMessageAmbiguous(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault sim.Fault
		found bool
	}{
		{"committed, response lost", sim.CommittedThenLost(), true},
		{"reset before processing", sim.ResetBeforeProcessing(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tidiotest.NewServer(tidiotest.Options{})
			defer srv.Close()
			seedDirectory(srv)
			c := newClient(t, srv, tidio.Config{DefaultOperatorID: srv.Operators()[0].ID})
			conv, err := c.CreateConversation(t.Context(), support.NewConversation{
				Contact: support.Email("ada@example.com"), Subject: "Order", Text: "Where is it?",
			})
			require.NoError(t, err)
			srv.Faults.Next(1, sim.Match{Method: http.MethodPost, Path: "/tickets/" + conv.ID + "/reply"}, tc.fault)
			m, err := c.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "On its way."})
			assert.Equal(t, 1, srv.Requests("POST /tickets/{id}/reply"), "sent once")
			tk, _ := srv.Ticket(mustInt(t, conv.ID))
			if !tc.found {
				require.ErrorIs(t, err, support.ErrOutcomeUnknown)
				assert.Len(t, tk.Messages, 1, "no reply stored")
				return
			}
			require.NoError(t, err)
			require.Len(t, tk.Messages, 2, "the first message and one reply")
			assert.Equal(t, tk.Messages[1].ID, m.ID)
			assert.Equal(t, "On its way.", m.Text)
		})
	}
}

// stopLookup is an http.RoundTripper that lets writes through and stops
// the first lookup after a write (a GET) by its context: cancelling it, or waiting for
// its deadline.
type stopLookup struct {
	next     http.RoundTripper
	deadline bool
	cancel   context.CancelFunc
	wrote    atomic.Bool // reads before the first write pass
}

func (s *stopLookup) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		s.wrote.Store(true)
		return s.next.RoundTrip(r)
	}
	if !s.wrote.Load() {
		return s.next.RoundTrip(r)
	}
	if !s.deadline {
		s.cancel()
	}
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestLookupStoppedByContext: when the context stops the lookup that
// follows an ambiguous write (a contact create, a batch, a reply), the
// error still says the outcome is unknown and matches the context's error,
// for errors.Is, and the write is not sent again.
func TestLookupStoppedByContext(t *testing.T) {
	for _, stop := range []struct {
		name     string
		deadline bool
		want     error
	}{{"canceled", false, context.Canceled}, {"deadline", true, context.DeadlineExceeded}} {
		for _, op := range []struct {
			name  string
			match sim.Match
			call  func(t *testing.T, ctx context.Context, c *support.Client, srv *tidiotest.Server) error
		}{
			{"create", postContact, func(t *testing.T, ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
				_, err := c.CreateContact(ctx, person(1))
				return err
			}},
			{"batch", postBatch, func(t *testing.T, ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
				r, err := c.CreateContacts(ctx, people(3))
				for _, it := range r.Items {
					assert.ErrorIs(t, it.Err, stop.want, "item %d", it.Index)
					assert.ErrorIs(t, it.Err, support.ErrOutcomeUnknown, "item %d", it.Index)
				}
				return err
			}},
			{"reply", sim.Match{}, func(t *testing.T, ctx context.Context, c *support.Client, srv *tidiotest.Server) error {
				// The ticket is opened by another client, before the write
				// whose lookup is stopped.
				setup := newClient(t, srv, tidio.Config{})
				conv, err := setup.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email("ada@example.com"), Subject: "s", Text: "t"})
				require.NoError(t, err)
				srv.Faults.Next(1, sim.Match{Method: http.MethodPost, Path: "/tickets/" + conv.ID + "/reply"}, sim.CommittedThenLost())
				_, err = c.SendMessage(ctx, conv.ID, support.NewMessage{Text: "On its way.", AuthorID: srv.Operators()[0].ID})
				return err
			}},
		} {
			t.Run(stop.name+"/"+op.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv := newInProcess(tidiotest.Options{})
					ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
					defer cancel()
					c := newClient(t, srv, tidio.Config{HTTPClient: &http.Client{Transport: &stopLookup{next: srv.Client().Transport, deadline: stop.deadline, cancel: cancel}}})
					if op.match != (sim.Match{}) {
						srv.Faults.Next(1, op.match, sim.CommittedThenLost())
					}
					before := srv.Writes()

					err := op.call(t, ctx, c, srv)
					require.ErrorIs(t, err, stop.want)
					require.ErrorIs(t, err, support.ErrOutcomeUnknown)
					if op.name == "reply" {
						before++ // the conversation opened first
					}
					assert.Equal(t, before+1, srv.Writes(), "nothing sent again")
					if op.name == "batch" {
						return // the call's error is the lookup's; the items carry the write's
					}
					wantKind(t, err, support.ErrUnavailable)
					assert.Contains(t, err.Error(), "looking the ", "the lookup, not the write, was stopped")
				})
			})
		}
	}
}

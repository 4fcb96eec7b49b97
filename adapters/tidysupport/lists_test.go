package tidysupport_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// inboxPath is the simulator workspace's inbox.
const inboxPath = "/v1/workspaces/" + tidysupporttest.WorkspaceID + "/support/inbox"

// listing is one list of the adapter, read whole through the Client.
type listing struct {
	name  string
	path  string // the route of the list's requests, for the faults' Match
	key   string // the list the error names
	inbox bool   // Config.ContactList "inbox"
	// paged is true for the lists that page with a cursor (/v1/customers
	// only: the inbox lists document none).
	paged bool
	read  func(ctx context.Context, c *support.Client, srv *tidysupporttest.Server) error
}

// drain reads a whole iteration and returns its first error.
func drain[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func allContacts(ctx context.Context, c *support.Client, _ *tidysupporttest.Server) error {
	return drain(support.AllContacts(ctx, c, support.ContactListOptions{}))
}

var listings = []listing{
	{name: "customers", path: "/v1/customers", key: "items", paged: true, read: allContacts},
	{name: "inbox customers", path: inboxPath + "/customers", key: "customers", inbox: true, read: allContacts},
	{name: "conversations", path: inboxPath + "/conversations", key: "conversations",
		read: func(ctx context.Context, c *support.Client, _ *tidysupporttest.Server) error {
			return drain(support.AllConversations(ctx, c, support.ConversationListOptions{}))
		}},
	{name: "messages", path: inboxPath + "/conversations/", key: "thread",
		read: func(ctx context.Context, c *support.Client, srv *tidysupporttest.Server) error {
			return drain(support.AllMessages(ctx, c, srv.Conversations()[0].ID, support.ListOptions{}))
		}},
}

// newListed returns a simulator with pages of pageSize and 5 contacts,
// each with a conversation of one message, and a Client on it reading
// contacts from the inbox list or /v1/customers.
func newListed(t *testing.T, inbox bool, pageSize int) (*tidysupporttest.Server, *support.Client) {
	t.Helper()
	srv := tidysupporttest.NewServer(tidysupporttest.Options{PageSize: pageSize})
	t.Cleanup(srv.Close)
	for i := range 5 {
		ct := srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("p%d@example.com", i), Name: fmt.Sprintf("P %d", i), Phone: fmt.Sprintf("+1555010%d", i),
			AvatarURL: fmt.Sprintf("https://example.com/p%d.png", i)})
		srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID, Subject: "s"}, tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "hi"})
	}
	cfg := simulatorConfig(srv)
	if inbox {
		cfg.ContactList = tidysupport.ListInbox
	}
	return srv, mustNew(t, cfg)
}

// pageSize is 2 for the lists with a cursor, and holds the other lists
// whole (they have no documented cursor).
func (l listing) pageSize() int {
	if l.paged {
		return 2
	}
	return 10
}

// R7: a page without its item list is ErrUnavailable (retried, then the
// run stops to be resumed), never the end of the list; so is an empty
// later page that says there is more.
func TestListingsEndOnlyAtTheEnd(t *testing.T) {
	for _, l := range listings {
		for _, later := range []bool{false, true} {
			if later && !l.paged {
				continue
			}
			for _, v := range sim.PageVariants() {
				if v == sim.PageEmptyList && !later {
					continue // an empty first page is an empty list
				}
				where := "first"
				if later {
					where = "later"
				}
				t.Run(l.name+"/"+where+"/"+string(v), func(t *testing.T) {
					srv, c := newListed(t, l.inbox, l.pageSize())
					require.NoError(t, l.read(t.Context(), c, srv), "the list fails without a fault")
					m := sim.Match{Method: "GET", Path: l.path}
					if later {
						m.Query = "cursor"
					}
					srv.Faults.Next(1, m, sim.MalformedPage(v))
					err := l.read(t.Context(), c, srv)
					require.Equal(t, 1, srv.Faults.Counts()[sim.KindMalformedPage], "the fault was not injected")
					require.Error(t, err, "the broken page ended the list")
					wantKind(t, err, support.ErrUnavailable)
					switch v {
					case sim.PageEmptyObject, sim.PageNull, sim.PageMissingList, sim.PageEmptyBody, sim.PageNoContent:
						assert.Contains(t, err.Error(), `without its "`+l.key)
					}
				})
			}
		}
	}
}

// R7: a cursor seen before in the same listing (7 → 8 → 7) stops it with
// ErrUnavailable; the listing neither runs forever nor ends as complete.
func TestListingsStopOnCursorLoop(t *testing.T) {
	srv, c := newListed(t, false, 2)
	srv.Faults.Next(1, sim.Match{Method: "GET", Path: "/v1/customers"}, sim.CursorLoop("cursor"))
	err := drain(support.AllContacts(t.Context(), c, support.ContactListOptions{}))
	require.Equal(t, 1, srv.Faults.Counts()[sim.KindCursorLoop], "the fault was not injected")
	require.Error(t, err, "the looping list ended as complete")
	wantKind(t, err, support.ErrUnavailable)
	assert.Contains(t, err.Error(), "cursor loop")
}

// R8: the contact lists leave fields out that GetContact has; Capabilities
// says which, and ContactListOptions.Complete reads each contact for them.
func TestListOmitsAndComplete(t *testing.T) {
	for _, tc := range []struct {
		list  string
		omits []string
		route string
	}{
		{tidysupport.ListCustomers, []string{"phone", "avatar_url"}, tidysupporttest.RouteListCustomers},
		{tidysupport.ListInbox, []string{"phone", "created_at"}, tidysupporttest.RouteInboxCustomers},
	} {
		t.Run(tc.list, func(t *testing.T) {
			srv, c := newListed(t, tc.list == tidysupport.ListInbox, 10)
			assert.Equal(t, tc.omits, c.Capabilities().ListOmits)
			created := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
			for _, ct := range srv.Contacts() {
				ct.CreatedAt = created
				srv.SeedContact(ct)
			}

			read := func(complete bool) []support.Contact {
				t.Helper()
				srv.Stats.Reset()
				var out []support.Contact
				for ct, err := range support.AllContacts(t.Context(), c, support.ContactListOptions{Complete: complete}) {
					require.NoError(t, err)
					out = append(out, ct)
				}
				require.Len(t, out, 5)
				return out
			}
			for _, ct := range read(false) {
				assert.Empty(t, ct.Phone, "the list carries a phone: ListOmits is wrong")
				if slices.Contains(tc.omits, "avatar_url") {
					assert.Empty(t, ct.AvatarURL, "the list carries an avatar: ListOmits is wrong")
				}
			}
			assert.Zero(t, srv.Stats.Count(tidysupporttest.RouteGetContact))
			lists := srv.Stats.Count(tc.route)

			for i, ct := range read(true) {
				assert.Equal(t, fmt.Sprintf("+1555010%d", i), ct.Phone, "contact %d: no phone with Complete", i)
				assert.Equal(t, created, ct.CreatedAt, "contact %d", i)
				assert.Equal(t, fmt.Sprintf("https://example.com/p%d.png", i), ct.AvatarURL, "contact %d: no avatar with Complete", i)
				assert.Equal(t, fmt.Sprintf("p%d@example.com", i), ct.Email)
			}
			assert.Equal(t, 5, srv.Stats.Count(tidysupporttest.RouteGetContact), "one read per contact")
			assert.Equal(t, lists, srv.Stats.Count(tc.route), "Complete changed the list requests")
			assert.Equal(t, lists+5, srv.Stats.Total())
		})
	}
}

// Customers' metadata is read as custom fields: strings as they are, other
// values as JSON [D TS-cust].
func TestCustomerMetadataAsCustomFields(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	srv.SeedContact(tidysupporttest.Contact{Email: "jane@example.com", Name: "Jane Doe", ExternalID: "usr_01J8X3Y",
		Metadata: map[string]any{"plan": "pro", "seats": 12, "beta": true, "tags": []string{"a"}, "gone": nil}})
	p, err := c.ListContacts(t.Context(), support.ContactListOptions{})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, map[string]string{"plan": "pro", "seats": "12", "beta": "true", "tags": `["a"]`}, p.Items[0].CustomFields)
	// Complete keeps them: GetContact has no metadata, and the list's
	// fields stay as listed.
	p, err = c.ListContacts(t.Context(), support.ContactListOptions{Complete: true})
	require.NoError(t, err)
	assert.Equal(t, "pro", p.Items[0].CustomFields["plan"])
	assert.Equal(t, "usr_01J8X3Y", p.Items[0].ExternalID)
}

// wantKind checks that err is a *support.Error of this vendor, naming its
// operation, matching kind.
func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	var se *support.Error
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, kind)
	assert.Equal(t, tidysupport.Vendor, se.Vendor, "error %v", err)
	assert.NotEmpty(t, se.Op, "error %v", err)
}

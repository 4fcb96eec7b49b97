package tidio_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// dupEmail is the email of every seeded contact, so that a lookup by email
// reads as many pages as the list.
const dupEmail = "dup@example.com"

// listing is one paged list of the adapter, read whole through the Client.
type listing struct {
	name string
	// path is the route of the list's requests, for the faults' Match.
	path string
	// key is the list's item key in Tidio's answer, which the error names.
	key string
	// paged is false for lists that are one page (no cursor).
	paged bool
	read  func(ctx context.Context, c *support.Client, srv *tidiotest.Server) error
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

var listings = []listing{
	{name: "contacts", path: "/contacts", key: "contacts", paged: true,
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			return drain(support.AllContacts(ctx, c, support.ContactListOptions{}))
		}},
	{name: "contacts by email", path: "/contacts", key: "contacts", paged: true,
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			_, err := c.GetContact(ctx, support.Email(dupEmail))
			return err
		}},
	{name: "tickets", path: "/tickets", key: "tickets", paged: true,
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			return drain(support.AllConversations(ctx, c, support.ConversationListOptions{}))
		}},
	{name: "operators", path: "/operators", key: "operators", paged: true,
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			return drain(support.AllAgents(ctx, c, support.ListOptions{}))
		}},
	{name: "departments", path: "/departments", key: "departments",
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			return drain(support.AllAgents(ctx, c, support.ListOptions{}))
		}},
	{name: "contact properties", path: "/contact-properties", key: "properties", paged: true,
		read: func(ctx context.Context, c *support.Client, _ *tidiotest.Server) error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "new@example.com", CustomFields: map[string]string{"prop0": "x"}})
			return err
		}},
	{name: "ticket messages", path: "/tickets/", key: "messages",
		read: func(ctx context.Context, c *support.Client, srv *tidiotest.Server) error {
			return drain(support.AllMessages(ctx, c, strconv.FormatInt(srv.Tickets()[0].ID, 10), support.ListOptions{}))
		}},
}

// newListed returns a simulator with pages of 2 and 5 items in every list
// (contacts, tickets, operators, departments, properties), and a Client on it.
func newListed(t *testing.T) (*tidiotest.Server, *support.Client) {
	t.Helper()
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
	t.Cleanup(srv.Close)
	c := newClient(t, srv, tidio.Config{DefaultOperatorID: "op"})
	for i := range 5 {
		srv.SeedContact(tidiotest.Contact{FirstName: fmt.Sprintf("P%d", i), Email: dupEmail})
		srv.SeedOperator(tidiotest.Operator{Name: fmt.Sprintf("Op %d", i), Email: fmt.Sprintf("op%d@example.com", i), Active: true})
		srv.SeedDepartment(tidiotest.Department{Name: fmt.Sprintf("Dept %d", i)})
		srv.SeedProperty(tidiotest.PropertyDef{Name: fmt.Sprintf("prop%d", i), Type: "text"})
		_, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email(dupEmail), Subject: "s", Text: "t"})
		require.NoError(t, err)
	}
	return srv, c
}

// R7: a page without its item list, on the first page or a later one, is
// ErrUnavailable (retried, then the run stops to be resumed), never the end
// of the list; so is an empty later page that says there is more.
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
				name := fmt.Sprintf("%s/first/%s", l.name, v)
				if later {
					name = fmt.Sprintf("%s/later/%s", l.name, v)
				}
				t.Run(name, func(t *testing.T) {
					srv, c := newListed(t)
					require.NoError(t, l.read(t.Context(), c, srv), "the list fails without a fault")
					c = newClient(t, srv, tidio.Config{DefaultOperatorID: "op"}) // nothing cached
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
					case sim.PageEmptyObject, sim.PageNull, sim.PageNullList, sim.PageMissingList, sim.PageEmptyBody, sim.PageNoContent:
						assert.Contains(t, err.Error(), `without its "`+l.key+`" list`)
					}
				})
			}
		}
	}
}

// R7: a cursor seen before in the same listing (7 → 8 → 7) stops it with
// ErrUnavailable; the listing neither runs forever nor ends as complete.
func TestListingsStopOnCursorLoop(t *testing.T) {
	for _, l := range listings {
		if !l.paged {
			continue
		}
		t.Run(l.name, func(t *testing.T) {
			srv, c := newListed(t)
			srv.Faults.Next(1, sim.Match{Method: "GET", Path: l.path}, sim.CursorLoop("cursor"))
			err := l.read(t.Context(), c, srv)
			require.Equal(t, 1, srv.Faults.Counts()[sim.KindCursorLoop], "the fault was not injected")
			require.Error(t, err, "the looping list ended as complete")
			wantKind(t, err, support.ErrUnavailable)
			assert.Contains(t, err.Error(), "cursor loop")
		})
	}
}

package respondio_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// listing is one paged list of the adapter, read whole through the Client.
type listing struct {
	name   string
	method string
	path   string // the route of the list's requests, for the faults' Match
	read   func(ctx context.Context, c *support.Client) error
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
	{"contacts", "POST", "/v2/contact/list", func(ctx context.Context, c *support.Client) error {
		return drain(support.AllContacts(ctx, c, support.ContactListOptions{ListOptions: support.ListOptions{Limit: 2}}))
	}},
	{"conversations", "POST", "/v2/contact/list", func(ctx context.Context, c *support.Client) error {
		return drain(support.AllConversations(ctx, c, support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 2}}))
	}},
	{"messages", "GET", "/v2/contact/id:1/message/list", func(ctx context.Context, c *support.Client) error {
		return drain(support.AllMessages(ctx, c, "1", support.ListOptions{Limit: 2}))
	}},
	{"agents", "GET", "/v2/space/user", func(ctx context.Context, c *support.Client) error {
		return drain(support.AllAgents(ctx, c, support.ListOptions{Limit: 2}))
	}},
}

// newListed returns a simulator with 5 items in every list (contacts with
// conversations, messages of contact 1, users), listed in pages of 2, and
// a Client on it.
func newListed(t *testing.T) (*respondiotest.Server, *support.Client) {
	t.Helper()
	srv, c := setup(t, respondiotest.Options{PageSize: 2, NoDefaultUsers: true})
	for i := range 5 {
		ct := seed(t, srv.Simulator, respondiotest.Contact{FirstName: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@example.com", i), Status: "open"})
		require.Equal(t, int64(i+1), ct.ID)
		_, err := srv.SeedMessage(respondiotest.Message{ContactID: 1, Text: fmt.Sprintf("m%d", i)})
		require.NoError(t, err)
		srv.SeedUser(respondiotest.User{FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@example.com", i), Role: "agent"})
	}
	return srv, c
}

// R7: a page without its item list, on the first page or a later one, is
// ErrUnavailable (retried, then the run stops to be resumed), never the end
// of the list; so is an empty later page that says there is more.
func TestListingsEndOnlyAtTheEnd(t *testing.T) {
	for _, l := range listings {
		for _, later := range []bool{false, true} {
			for _, v := range sim.PageVariants() {
				if v == sim.PageEmptyList && !later {
					continue // an empty first page is an empty list
				}
				where := "first"
				if later {
					where = "later"
				}
				t.Run(l.name+"/"+where+"/"+string(v), func(t *testing.T) {
					srv, c := newListed(t)
					require.NoError(t, l.read(t.Context(), c), "the list fails without a fault")
					m := sim.Match{Method: l.method, Path: l.path}
					if later {
						m.Query = "cursorId"
					}
					srv.Faults.Next(1, m, sim.MalformedPage(v))
					err := l.read(t.Context(), c)
					require.Equal(t, 1, srv.Faults.Counts()[sim.KindMalformedPage], "the fault was not injected")
					require.Error(t, err, "the broken page ended the list")
					wantKind(t, l.name, err, support.ErrUnavailable)
					switch v {
					case sim.PageEmptyObject, sim.PageNull, sim.PageNullList, sim.PageMissingList, sim.PageEmptyBody, sim.PageNoContent:
						assert.Contains(t, err.Error(), `without its "items" list`)
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
		t.Run(l.name, func(t *testing.T) {
			srv, c := newListed(t)
			srv.Faults.Next(1, sim.Match{Method: l.method, Path: l.path}, sim.CursorLoop("cursorId"))
			err := l.read(t.Context(), c)
			require.Equal(t, 1, srv.Faults.Counts()[sim.KindCursorLoop], "the fault was not injected")
			require.Error(t, err, "the looping list ended as complete")
			wantKind(t, l.name, err, support.ErrUnavailable)
			assert.Contains(t, err.Error(), "cursor loop")
		})
	}
}

// A conversation list filtered on the client may hold a page with no
// conversations and a Next: that is no lost page.
func TestConversationFilterEmptyPageIsNoLoss(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{PageSize: 2})
	for i := range 5 {
		status := "open"
		if i < 2 {
			status = "close"
		}
		seed(t, srv.Simulator, respondiotest.Contact{FirstName: fmt.Sprintf("P%d", i), Email: fmt.Sprintf("p%d@example.com", i), Status: status})
	}
	n := 0
	for _, err := range support.AllConversations(t.Context(), c, support.ConversationListOptions{Status: support.StatusOpen}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 3, n)
}

package tidysupport_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

func TestListConversationsMapping(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations": {status: 200, body: fixture(t, "vendor/conversations.json")}})
	page, err := v.client().ListConversations(t.Context(), support.ConversationListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	assert.Empty(t, page.Next)
	open, archived := page.Items[0], page.Items[1]
	assert.Equal(t, "thd_xyz789", open.ID)
	assert.Equal(t, seedContact, open.ContactID)
	assert.Equal(t, support.StatusOpen, open.Status)
	assert.Equal(t, "Billing question", open.Subject)
	assert.Equal(t, "email", open.Channel)
	assert.True(t, open.CreatedAt.IsZero(), "the list does not document createdAt")
	assert.Equal(t, time.Date(2025, 3, 12, 14, 30, 0, 0, time.UTC), open.UpdatedAt)
	assert.Equal(t, &support.Assignee{Kind: support.KindAgent, ID: "agt_abc123"}, open.Assignee)
	assert.Equal(t, support.StatusClosed, archived.Status)
	assert.Nil(t, archived.Assignee)
	assert.Equal(t, "chat", archived.Channel)
	assert.Equal(t, time.UTC, archived.UpdatedAt.Location())
	assert.Equal(t, 7, archived.UpdatedAt.Hour())
	assert.Contains(t, string(archived.Raw), `"ARCHIVED"`, "Raw keeps the vendor status")
}

func TestListConversationsFilters(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	ada := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", Name: "Ada"})
	grace := srv.SeedContact(tidysupporttest.Contact{Email: "grace@example.com", Name: "Grace"})
	open := srv.SeedConversation(tidysupporttest.Conversation{ContactID: ada.ID, Subject: "open"})
	closed := srv.SeedConversation(tidysupporttest.Conversation{ContactID: ada.ID, Subject: "closed", Status: "CLOSED"})
	archived := srv.SeedConversation(tidysupporttest.Conversation{ContactID: grace.ID, Subject: "archived", Status: "ARCHIVED"})
	graceOpen := srv.SeedConversation(tidysupporttest.Conversation{ContactID: grace.ID, Subject: "grace", AssignedToID: "agt_1"})
	// Archived conversations are listed by the driver's own method
	// (Client.As): the Client takes only the neutral statuses.
	d := driverOf(t, c)
	for _, tc := range []struct {
		name string
		list func(context.Context, support.ConversationListOptions) (support.Page[support.Conversation], error)
		opts support.ConversationListOptions
		want []string
	}{
		{"default inbox hides archived", c.ListConversations, support.ConversationListOptions{}, []string{open.ID, closed.ID, graceOpen.ID}},
		{"open", c.ListConversations, support.ConversationListOptions{Status: support.StatusOpen}, []string{open.ID, graceOpen.ID}},
		{"closed", c.ListConversations, support.ConversationListOptions{Status: support.StatusClosed}, []string{closed.ID}},
		{"archived", d.ListConversations, support.ConversationListOptions{Status: tidysupport.StatusArchived}, []string{archived.ID}},
		{"contact", c.ListConversations, support.ConversationListOptions{ContactID: grace.ID}, []string{graceOpen.ID}},
		{"contact and archived", d.ListConversations, support.ConversationListOptions{ContactID: grace.ID, Status: tidysupport.StatusArchived}, []string{archived.ID}},
	} {
		var got []string
		for cv, err := range support.Items(ctx, "", func(ctx context.Context, cursor string) (support.Page[support.Conversation], error) {
			opts := tc.opts
			opts.Cursor = cursor
			return tc.list(ctx, opts)
		}) {
			require.NoError(t, err, tc.name)
			got = append(got, cv.ID)
			if cv.ID == archived.ID {
				assert.Equal(t, support.StatusClosed, cv.Status, "an archived conversation reads as closed")
			}
		}
		assert.Equal(t, tc.want, got, tc.name)
	}
	for _, s := range []support.ConversationStatus{support.StatusPending, "bogus", tidysupport.StatusArchived} {
		_, err := c.ListConversations(ctx, support.ConversationListOptions{Status: s})
		assert.ErrorIs(t, err, support.ErrInvalid, "status %q through the Client", s)
	}
	_, err := d.ListConversations(ctx, support.ConversationListOptions{Status: support.StatusPending})
	assert.ErrorIs(t, err, support.ErrInvalid, "status pending through the driver")
}

func TestListConversationsFollowsAVendorCursor(t *testing.T) {
	first := `{"conversations":{"items":[{"id":"thd_1","status":"OPEN","contact":{"id":"ctc_1"}}],"hasMore":true,"cursor":"c2"}}`
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations": {status: 200, body: first}})
	c := v.client()
	page, err := c.ListConversations(t.Context(), support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 1}})
	require.NoError(t, err)
	assert.Equal(t, "c2", page.Next)
	v.routes["GET "+seedPath+"/conversations"] = stubReply{status: 200, body: `{"conversations":{"items":[],"hasMore":false}}`}
	_, err = c.ListConversations(t.Context(), support.ConversationListOptions{ListOptions: support.ListOptions{Cursor: page.Next, Limit: 1}})
	require.NoError(t, err)
	assert.Equal(t, "cursor=c2&limit=1", v.requests()[1].RawQuery)
}

// Issue 11 point 6: a page with hasMore and no cursor keeps its items:
// they are yielded, then the error that the next page cannot be requested.
func TestListConversationsWithHasMoreButNoCursorKeepsTheItems(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ct := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com"})
	var want []string
	for range 3 {
		want = append(want, srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID}).ID)
	}
	var got []string
	var last error
	for cv, err := range support.AllConversations(t.Context(), c, support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 2}}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, cv.ID)
	}
	assert.ErrorIs(t, last, tidysupport.ErrIncomplete, "rather than a silently short list")
	assert.Equal(t, want[:2], got, "the page's items, then the error")
}

// Issue 11 point 6: the docs' own conversations example has hasMore true
// and no cursor. Its items are returned, with an ErrIncomplete error saying
// that the next page cannot be requested; AllConversations yields the
// items, then the error.
func TestDocsConversationsHasMoreWithoutCursor(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations": {status: 200, body: fixture(t, "docs/conversations_list_has_more.json")}})
	c := v.client()
	opts := support.ConversationListOptions{Status: support.StatusOpen, ListOptions: support.ListOptions{Limit: 20}}
	page, err := c.ListConversations(t.Context(), opts)
	require.ErrorIs(t, err, tidysupport.ErrIncomplete)
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, support.OpListConversations, se.Op)
	assert.Contains(t, err.Error(), "the 1 on this page are returned")
	assert.Contains(t, err.Error(), "the next page cannot be requested")
	require.Len(t, page.Items, 1, "the page's items are kept")
	assert.Empty(t, page.Next)
	cv := page.Items[0]
	assert.Equal(t, "thd_xyz789", cv.ID)
	assert.Equal(t, seedContact, cv.ContactID)
	assert.Equal(t, support.StatusOpen, cv.Status)
	assert.Equal(t, "Billing question", cv.Subject)
	assert.Equal(t, &support.Assignee{Kind: support.KindAgent, ID: "agt_abc123"}, cv.Assignee)
	assert.Equal(t, "limit=20&status=OPEN", v.requests()[0].RawQuery)

	var got []string
	var errs []error
	for cv, err := range support.AllConversations(t.Context(), c, opts) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, cv.ID)
	}
	assert.Equal(t, []string{"thd_xyz789"}, got, "the items first")
	require.Len(t, errs, 1, "then the error, once")
	assert.ErrorIs(t, errs[0], tidysupport.ErrIncomplete)
	assert.Len(t, v.requests(), 2, "one request per listing: the next page is never asked for")
}

func TestCreateConversation(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	ada, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"})
	require.NoError(t, err)
	// By email, in another case: the existing contact.
	cv, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("ADA@example.com"), Subject: "Order", Text: "Hello Ada"})
	require.NoError(t, err)
	assert.Equal(t, ada.Contact.ID, cv.ContactID)
	assert.Equal(t, support.StatusOpen, cv.Status)
	assert.Equal(t, "Order", cv.Subject)
	assert.Equal(t, "email", cv.Channel)
	assert.NotEmpty(t, cv.Raw)
	// By ID: resolved to the email first.
	byID, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.ID(ada.Contact.ID), Text: "Hello again"})
	require.NoError(t, err)
	assert.Equal(t, ada.Contact.ID, byID.ContactID)
	// A new email: TidySupport creates the contact.
	grace, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Name: "Grace Hopper", Text: "Hi"})
	require.NoError(t, err)
	stored, ok := srv.Contact(grace.ContactID)
	require.True(t, ok)
	assert.Equal(t, "Grace Hopper", stored.Name)
	assert.Equal(t, 3, srv.EmailsSent())
	assert.Len(t, srv.Conversations(), 3)
	msgs := srv.Messages(cv.ID)
	require.Len(t, msgs, 1)
	assert.Equal(t, "Hello Ada", msgs[0].ContentText)
	assert.Equal(t, "OUTBOUND", msgs[0].Direction)
}

func TestCreateConversationMapping(t *testing.T) {
	v := newStub(t, map[string]stubReply{"POST " + seedPath + "/conversations": {status: 201, body: fixture(t, "vendor/conversation_create.json")}})
	cv, err := v.client().CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("jane@example.com"), Name: "Jane Doe", Subject: "Invoice", Text: "Hello Jane",
	})
	require.NoError(t, err)
	assert.Equal(t, "thd_new001", cv.ID)
	assert.Equal(t, seedContact, cv.ContactID)
	assert.Equal(t, support.StatusOpen, cv.Status)
	assert.Equal(t, "Invoice", cv.Subject)
	want := `{"email":"jane@example.com","name":"Jane Doe","subject":"Invoice","contentText":"Hello Jane"}`
	assert.True(t, sameJSON(t, v.requests()[0].Body, []byte(want)), "request body %s, want %s", v.requests()[0].Body, want)
}

func TestCreateConversationIsNeverResent(t *testing.T) {
	for _, fault := range []sim.Fault{sim.CommittedThenLost(), sim.CommittedThen5xx(502), sim.Malformed()} {
		t.Run(string(fault.Kind), func(t *testing.T) {
			srv, c := newSim(t, tidysupporttest.Options{})
			srv.Faults.Next(1, sim.Match{Method: "POST"}, fault)
			_, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email("ada@example.com"), Text: "Hello"})
			assert.ErrorIs(t, err, support.ErrOutcomeUnknown)
			assert.Equal(t, 1, srv.EmailsSent(), "a lost create must not email twice")
			assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteCreateConversation))
		})
	}
}

func TestCreateConversationInvalid(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	for name, nc := range map[string]support.NewConversation{
		"zero ref":       {Text: "Hi"},
		"phone ref":      {Contact: support.Phone("+442079460958"), Text: "Hi"},
		"bad email":      {Contact: support.Email("ada@"), Text: "Hi"},
		"no text":        {Contact: support.Email("ada@example.com")},
		"control in sub": {Contact: support.Email("ada@example.com"), Subject: "a\x1bb", Text: "Hi"},
	} {
		_, err := c.CreateConversation(t.Context(), nc)
		assert.ErrorIs(t, err, support.ErrInvalid, name)
	}
	assert.Zero(t, srv.Stats.Total(), "requests for invalid input")
}

func TestListMessages(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations/thd_xyz789/messages": {status: 200, body: fixture(t, "vendor/messages.json")}})
	page, err := v.client().ListMessages(t.Context(), "thd_xyz789", support.ListOptions{Limit: 50})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	assert.Empty(t, page.Next)
	want := []support.Message{
		{ID: "msg_001", ConversationID: "thd_xyz789", Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: seedContact,
			Text: "Hi, I need help with my invoice.", HTML: "<p>Hi, I need help with my invoice.</p>", CreatedAt: time.Date(2025, 3, 12, 14, 30, 0, 0, time.UTC)},
		{ID: "msg_002", ConversationID: "thd_xyz789", Direction: support.Outbound, AuthorKind: support.AuthorAgent, AuthorID: "agt_abc123",
			Text: "Hi Jane, regarding your invoice...", CreatedAt: time.Date(2025, 3, 12, 19, 0, 0, 0, time.UTC)},
		{ID: "msg_003", ConversationID: "thd_xyz789", AuthorKind: support.AuthorSystem,
			Text: "Conversation assigned.", CreatedAt: time.Date(2025, 3, 12, 19, 1, 0, 0, time.UTC)},
	}
	for i, m := range page.Items {
		assert.True(t, json.Valid(m.Raw), "message %s Raw %s", m.ID, m.Raw)
		assert.Contains(t, string(m.Raw), m.ID)
		m.Raw = nil
		assert.Equal(t, want[i], m, "message %d", i)
	}
	assert.Equal(t, "limit=50", v.requests()[0].RawQuery)
}

func TestListMessagesAgainstTheSimulator(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	ct := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com"})
	base := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	cv := srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID},
		tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "one", CreatedAt: base},
		tidysupporttest.Message{Direction: "OUTBOUND", SenderType: "AGENT", AgentID: "agt_7", ContentText: "two", ContentHTML: "<b>two</b>", CreatedAt: base.Add(time.Minute)},
		tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "three", CreatedAt: base.Add(2 * time.Minute)},
	)
	page, err := c.ListMessages(ctx, cv.ID, support.ListOptions{})
	require.NoError(t, err)
	var texts []string
	for _, m := range page.Items {
		texts = append(texts, m.Text)
	}
	assert.Equal(t, []string{"one", "two", "three"}, texts)
	require.Len(t, page.Items, 3)
	assert.Equal(t, ct.ID, page.Items[0].AuthorID)
	assert.Equal(t, "agt_7", page.Items[1].AuthorID)
	assert.Equal(t, "<b>two</b>", page.Items[1].HTML)
	page, err = c.ListMessages(ctx, cv.ID, support.ListOptions{Limit: 2})
	assert.ErrorIs(t, err, tidysupport.ErrIncomplete, "two of three messages")
	assert.Len(t, page.Items, 2, "the two read come with the error")
	_, err = c.ListMessages(ctx, cv.ID+"x", support.ListOptions{})
	assert.ErrorIs(t, err, support.ErrNotFound, "unknown conversation")
}

// Done when: undeclared operations return ErrUnsupported and send nothing.
func TestUndeclaredOperationsAreUnsupported(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	caps := c.Capabilities()
	checks := map[support.Operation]error{}
	_, checks[support.OpGetConversation] = c.GetConversation(ctx, "thd_1")
	checks[support.OpSetStatus] = c.SetStatus(ctx, "thd_1", support.StatusChange{Status: support.StatusClosed})
	checks[support.OpAssignConversation] = c.Assign(ctx, "thd_1", support.Assignee{Kind: support.KindAgent, ID: "agt_1"})
	checks[support.OpUnassignConversation] = c.Unassign(ctx, "thd_1")
	_, checks[support.OpSendMessage] = c.SendMessage(ctx, "thd_1", support.NewMessage{Text: "hi"})
	_, checks[support.OpSendNote] = c.SendMessage(ctx, "thd_1", support.NewMessage{Text: "hi", Internal: true})
	_, checks[support.OpListAgents] = c.ListAgents(ctx, support.ListOptions{})
	_, checks[support.OpUpdateContact] = c.UpdateContact(ctx, support.ID("ctc_1"), support.ContactUpdate{LastName: support.Ptr("")})
	checks[support.OpDeleteContact] = c.DeleteContact(ctx, support.ID("ctc_1"))
	_, checks[support.OpGetByPhone] = c.GetContact(ctx, support.Phone("+442079460958"))
	_, checks[support.OpUpdateContacts] = c.UpdateContacts(ctx, []support.ContactPatch{{ID: "ctc_1", Update: support.ContactUpdate{LastName: support.Ptr("King")}}})
	_, checks[support.OpListContactFields] = c.ListContactFields(ctx)
	checks[support.OpSetPriority] = c.SetPriority(ctx, "thd_1", support.PriorityLow)
	_, checks[support.OpListClosingCategories] = c.ListClosingCategories(ctx)
	_, checks[support.OpGetMessage] = c.GetMessage(ctx, "thd_1", "msg_1")
	for _, op := range support.Operations() {
		err, checked := checks[op]
		assert.NotEqual(t, caps.Supports(op), checked, "%s: declared %v", op, caps.Supports(op))
		if !checked {
			continue
		}
		require.ErrorIs(t, err, support.ErrUnsupported, op)
		var se *support.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, op, se.Op)
		assert.Equal(t, tidysupport.Vendor, se.Vendor)
	}
	assert.Zero(t, srv.Stats.Total(), "requests for unsupported operations")
	// The driver's GetConversation, there for support.ConversationReader,
	// sends nothing either.
	_, err := driverOf(t, c).GetConversation(ctx, "thd_1")
	assert.ErrorIs(t, err, support.ErrUnsupported)
	assert.Zero(t, srv.Stats.Total())
}

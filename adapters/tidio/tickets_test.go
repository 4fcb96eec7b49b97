package tidio_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

func openTicket(t *testing.T, c *support.Client, ref support.Ref) *support.Conversation {
	t.Helper()
	conv, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: ref, Subject: "Order #1", Text: "Where is my order?"})
	if err != nil {
		t.Fatalf("CreateConversation(%s): %v", ref, err)
	}
	return conv
}

// TestCreateConversation: a ticket opened for a contact email, or for a
// contact ID (read for its email), belongs to that contact.
func TestCreateConversation(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	ada := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	noEmail := srv.SeedContact(tidiotest.Contact{FirstName: "Phone", Phone: "+1 415 555 0100"})

	for _, ref := range []support.Ref{support.Email("ADA@example.com"), support.ID(ada.ID)} {
		conv := openTicket(t, c, ref)
		assert.Equal(t, ada.ID, conv.ContactID, "%s", ref)
		assert.Equal(t, support.StatusOpen, conv.Status, "%s", ref)
		assert.Nil(t, conv.Assignee, "%s", ref)
		assert.Equal(t, "Order #1", conv.Subject, "%s", ref)
		assert.Equal(t, "email", conv.Channel, "%s", ref)
	}
	conv := openTicket(t, c, support.Email("new@example.com"))
	if created := srv.ContactsByEmail("new@example.com"); len(created) != 1 || conv.ContactID != created[0].ID {
		t.Errorf("a ticket for a new email: contact %q, contacts %+v", conv.ContactID, created)
	}

	srv.Stats.Reset()
	for name, nc := range map[string]support.NewConversation{
		"phone ref":  {Contact: support.Phone("+1 415 555 0100"), Subject: "s", Text: "t"},
		"no subject": {Contact: support.Email("ada@example.com"), Text: "t"},
		"no text":    {Contact: support.Email("ada@example.com"), Subject: "s"},
	} {
		if _, err := c.CreateConversation(t.Context(), nc); !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests for invalid conversations", n)
	}
	_, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: support.ID(noEmail.ID), Subject: "s", Text: "t"})
	wantKind(t, err, support.ErrInvalid)
}

// TestTicketStatusAndAssignment: statuses map both ways; operators read as
// agents and departments as teams, but the default one, which reads as
// unassigned; unassigning works twice.
func TestTicketStatusAndAssignment(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	seedDirectory(srv)
	c := newClient(t, srv, tidio.Config{})
	conv := openTicket(t, c, support.Email("ada@example.com"))
	id := mustInt(t, conv.ID)
	get := func() *support.Conversation {
		t.Helper()
		got, err := c.GetConversation(t.Context(), conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	for s, wire := range map[support.ConversationStatus]string{support.StatusClosed: "solved", support.StatusPending: "pending", support.StatusOpen: "open"} {
		if err := c.SetStatus(t.Context(), conv.ID, support.StatusChange{Status: s}); err != nil {
			t.Fatal(err)
		}
		if tk, _ := srv.Ticket(id); tk.Status != wire {
			t.Errorf("SetStatus(%s) stored %q, want %q", s, tk.Status, wire)
		}
		if got := get().Status; got != s {
			t.Errorf("after SetStatus(%s), status %q", s, got)
		}
	}

	ops, depts := srv.Operators(), srv.Departments()
	billing := depts[1]
	steps := []struct {
		name string
		do   func() error
		want *support.Assignee
	}{
		{"agent", func() error {
			return c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindAgent, ID: ops[0].ID})
		}, &support.Assignee{Kind: support.KindAgent, ID: ops[0].ID}},
		{"team", func() error {
			return c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindTeam, ID: billing.ID})
		}, &support.Assignee{Kind: support.KindTeam, ID: billing.ID}},
		{"agent in the team", func() error {
			return c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindAgent, ID: ops[1].ID})
		}, &support.Assignee{Kind: support.KindAgent, ID: ops[1].ID}},
		{"unassign", func() error { return c.Unassign(t.Context(), conv.ID) }, nil},
		{"unassign again", func() error { return c.Unassign(t.Context(), conv.ID) }, nil},
		{"default department", func() error {
			return c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindTeam, ID: srv.DefaultDepartment().ID})
		}, nil},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := get().Assignee; !equalAssignee(got, s.want) {
			t.Errorf("after %s: assignee %+v, want %+v", s.name, got, s.want)
		}
	}
	if tk, _ := srv.Ticket(id); tk.AssignedDepartmentID != srv.DefaultDepartment().ID || tk.AssignedOperatorID != "" {
		t.Errorf("ticket after unassigning: %+v", tk)
	}
	err := c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindAgent, ID: "0f0f0f0f-0000-4000-8000-000000000000"})
	wantKind(t, err, support.ErrInvalid)

	srv.Stats.Reset()
	for name, err := range map[string]error{
		"status bogus":   c.SetStatus(t.Context(), conv.ID, support.StatusChange{Status: "bogus"}),
		"id not numeric": c.SetStatus(t.Context(), "abc", support.StatusChange{Status: support.StatusOpen}),
		"id with slash":  c.Unassign(t.Context(), "1/2"),
		"no assignee":    c.Assign(t.Context(), conv.ID, support.Assignee{}),
		"email only":     c.Assign(t.Context(), conv.ID, support.Assignee{Kind: support.KindAgent, Email: "alex@example.com"}),
	} {
		if !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}
}

// TestTicketPriorityAndDepartment: a ticket reads with its priority, which
// SetPriority changes (to low, normal or urgent, the others refused before
// any request), and with its department, the one it was created in; the
// default department reads as none, as it does for the assignee.
func TestTicketPriorityAndDepartment(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	seedDirectory(srv)
	billing := srv.Departments()[1]
	c := newClient(t, srv, tidio.Config{})
	conv := openTicket(t, c, support.Email("ada@example.com"))
	assert.Equal(t, support.PriorityNormal, conv.Priority)
	assert.Empty(t, conv.Department, "in the default department")
	if tk, _ := srv.Ticket(mustInt(t, conv.ID)); tk.AssignedDepartmentID != srv.DefaultDepartment().ID {
		t.Errorf("stored in department %q", tk.AssignedDepartmentID)
	}
	for _, p := range []support.Priority{support.PriorityUrgent, support.PriorityLow, support.PriorityNormal} {
		require.NoError(t, c.SetPriority(t.Context(), conv.ID, p))
		tk, _ := srv.Ticket(mustInt(t, conv.ID))
		assert.Equal(t, string(p), tk.Priority)
		got, err := c.GetConversation(t.Context(), conv.ID)
		require.NoError(t, err)
		assert.Equal(t, p, got.Priority)
	}
	srv.Stats.Reset()
	wantKind(t, c.SetPriority(t.Context(), conv.ID, support.PriorityHigh), support.ErrInvalid)
	wantKind(t, c.SetPriority(t.Context(), "abc", support.PriorityLow), support.ErrInvalid)
	assert.Zero(t, srv.Stats.Total(), "requests for priorities Tidio does not have")
	wantKind(t, c.SetPriority(t.Context(), "99999", support.PriorityLow), support.ErrNotFound)

	in, err := c.CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("ada@example.com"), Subject: "Invoice", Text: "Wrong amount", Department: billing.ID,
	})
	require.NoError(t, err)
	assert.Equal(t, billing.ID, in.Department)
	assert.Equal(t, &support.Assignee{Kind: support.KindTeam, ID: billing.ID}, in.Assignee)
	if tk, _ := srv.Ticket(mustInt(t, in.ID)); tk.AssignedDepartmentID != billing.ID {
		t.Errorf("created in department %q, want %q", tk.AssignedDepartmentID, billing.ID)
	}
	require.NoError(t, c.Assign(t.Context(), in.ID, support.Assignee{Kind: support.KindAgent, ID: srv.Operators()[0].ID}))
	got, err := c.GetConversation(t.Context(), in.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.ID, got.Department, "an operator's ticket keeps its department")

	tickets := len(srv.Tickets())
	_, err = c.CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("ada@example.com"), Subject: "s", Text: "t", Department: "0f0f0f0f-0000-4000-8000-000000000000",
	})
	wantKind(t, err, support.ErrInvalid)
	assert.Len(t, srv.Tickets(), tickets, "a ticket created in a department that does not exist")
}

func equalAssignee(a, b *support.Assignee) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// TestDefaultDepartment: which department is the default is read once per
// client, or never when configured.
func TestDefaultDepartment(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	conv := openTicket(t, c, support.Email("ada@example.com"))
	for range 3 {
		if _, err := c.GetConversation(t.Context(), conv.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Requests("GET /departments"); n != 1 {
		t.Errorf("GET /departments sent %d times, want once", n)
	}
	srv.Stats.Reset()
	c = newClient(t, srv, tidio.Config{DefaultDepartmentID: srv.DefaultDepartment().ID})
	got, err := c.GetConversation(t.Context(), conv.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Assignee)
	if n := srv.Requests("GET /departments"); n != 0 {
		t.Errorf("GET /departments sent %d times with DefaultDepartmentID set", n)
	}
}

// TestListConversationsFilters: filters apply to every page; pages may come
// back empty with more to follow.
func TestListConversationsFilters(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	var adas, closed []string
	for i := range 7 {
		email := "grace@example.com"
		if i%3 == 0 {
			email = "ada@example.com"
		}
		conv := openTicket(t, c, support.Email(email))
		if email == "ada@example.com" {
			adas = append(adas, conv.ID)
		}
		if i%2 == 1 {
			if err := c.SetStatus(t.Context(), conv.ID, support.StatusChange{Status: support.StatusClosed}); err != nil {
				t.Fatal(err)
			}
			closed = append(closed, conv.ID)
		}
	}
	adaID := srv.ContactsByEmail("ada@example.com")[0].ID
	list := func(opts support.ConversationListOptions) []string {
		var ids []string
		for conv, err := range support.AllConversations(t.Context(), c, opts) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, conv.ID)
		}
		return ids
	}
	if got := list(support.ConversationListOptions{ContactID: adaID}); !slices.Equal(got, adas) {
		t.Errorf("by contact: %v, want %v", got, adas)
	}
	if got := list(support.ConversationListOptions{Status: support.StatusClosed}); !slices.Equal(got, closed) {
		t.Errorf("closed: %v, want %v", got, closed)
	}
	if got := list(support.ConversationListOptions{}); len(got) != 7 {
		t.Errorf("all: %v", got)
	}
	if _, err := c.ListConversations(t.Context(), support.ConversationListOptions{ListOptions: support.ListOptions{Cursor: "garbage"}}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("a bad cursor: %v, want Tidio's 400 as ErrInvalid", err)
	}
}

// TestMessages: replies and notes, as an operator, listed oldest first.
func TestMessages(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	inactive := srv.SeedOperator(tidiotest.Operator{Name: "Gone", Email: "gone@example.com", Active: false})
	seedDirectory(srv)
	first := srv.Operators()[1]
	unsigned := newClient(t, srv, tidio.Config{})
	conv := openTicket(t, unsigned, support.Email("ada@example.com"))
	// No AuthorID and no DefaultOperatorID: refused before any request,
	// rather than signed by whichever operator Tidio lists first.
	before := srv.Writes()
	if _, err := unsigned.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "plain"}); !errors.Is(err, support.ErrInvalid) {
		t.Fatalf("reply without an operator: %v, want ErrInvalid", err)
	}
	if srv.Writes() != before {
		t.Fatal("a reply without an operator reached Tidio")
	}
	c := newClient(t, srv, tidio.Config{DefaultOperatorID: first.ID})

	srv.Clock.Advance(time.Minute)
	m1, err := c.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "plain", HTML: "<p>rich</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if m1.AuthorID != first.ID || m1.Direction != support.Outbound || m1.AuthorKind != support.AuthorAgent || m1.HTML != "<p>rich</p>" {
		t.Errorf("reply %+v: want sent as the default operator %s", m1, first.ID)
	}
	if !m1.CreatedAt.Equal(sim.Epoch.Add(time.Minute)) {
		t.Errorf("reply CreatedAt %v, want the time in its ULID, %v", m1.CreatedAt, sim.Epoch.Add(time.Minute))
	}
	srv.Clock.Advance(time.Minute)
	note, err := c.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "internal", Internal: true, AuthorID: inactive.ID})
	require.NoError(t, err)
	assert.True(t, note.Internal)
	assert.Equal(t, inactive.ID, note.AuthorID)
	if n := srv.Requests("GET /operators"); n != 0 {
		t.Errorf("GET /operators sent %d times: a reply must never list operators to pick its signer", n)
	}

	page, err := c.ListMessages(t.Context(), conv.ID, support.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" || len(page.Items) != 3 {
		t.Fatalf("ListMessages: %d messages, next %q; want all 3 in one page", len(page.Items), page.Next)
	}
	want := []struct {
		text     string
		author   support.AuthorKind
		dir      support.Direction
		internal bool
	}{
		{"Where is my order?", support.AuthorContact, support.Inbound, false},
		{"<p>rich</p>", support.AuthorAgent, support.Outbound, false},
		{"internal", support.AuthorAgent, support.Outbound, true},
	}
	for i, w := range want {
		m := page.Items[i]
		if m.Text != w.text || m.AuthorKind != w.author || m.Direction != w.dir || m.Internal != w.internal || m.ConversationID != conv.ID || len(m.Raw) == 0 {
			t.Errorf("message %d: %+v, want %+v", i, m, w)
		}
		if i > 0 && m.CreatedAt.Before(page.Items[i-1].CreatedAt) {
			t.Errorf("message %d is older than the one before", i)
		}
	}

	srv.Stats.Reset()
	for name, nm := range map[string]support.NewMessage{
		"empty":           {},
		"attachment":      {Text: "see file", Attachments: []support.Attachment{{URL: "https://example.com/a.pdf"}}},
		"note in HTML":    {HTML: "<b>x</b>", Internal: true},
		"author with \\n": {Text: "x", AuthorID: "a\nb"},
	} {
		if _, err := c.SendMessage(t.Context(), conv.ID, nm); !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := c.ListMessages(t.Context(), conv.ID, support.ListOptions{Cursor: "x"}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("ListMessages with a cursor: %v, want ErrInvalid", err)
	}
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests for invalid input", n)
	}

	c = newClient(t, srv, tidio.Config{DefaultOperatorID: inactive.ID})
	m, err := c.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, inactive.ID, m.AuthorID, "with DefaultOperatorID")
	if n := srv.Requests("GET /operators"); n != 0 {
		t.Errorf("GET /operators sent %d times with DefaultOperatorID set", n)
	}
}

// TestListAgents: operators page by page, then the departments but the
// default one; a foreign cursor is ErrInvalid.
func TestListAgents(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 1})
	defer srv.Close()
	seedDirectory(srv)
	srv.SeedOperator(tidiotest.Operator{Name: "Third", Email: "third@example.com", Active: true})
	c := newClient(t, srv, tidio.Config{})
	var got []string
	for a, err := range support.AllAgents(t.Context(), c, support.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(a.Kind)+":"+a.Name)
	}
	want := []string{"agent:Alex Morgan", "agent:Sam Rivera", "agent:Third", "team:Billing"}
	if !slices.Equal(got, want) {
		t.Errorf("agents %v, want %v", got, want)
	}
	if n := srv.Requests("GET /operators"); n != 3 {
		t.Errorf("GET /operators sent %d times, want 3 pages", n)
	}
	if _, err := c.ListAgents(t.Context(), support.ListOptions{Cursor: "teams"}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("foreign cursor: %v", err)
	}
	// The ticket not found on every conversation operation.
	for name, err := range map[string]error{
		"get":    func() error { _, err := c.GetConversation(t.Context(), "99999"); return err }(),
		"status": c.SetStatus(t.Context(), "99999", support.StatusChange{Status: support.StatusOpen}),
		"reply": func() error {
			_, err := c.SendMessage(t.Context(), "99999", support.NewMessage{Text: "x", AuthorID: srv.Operators()[0].ID})
			return err
		}(),
	} {
		if se := wantKind(t, err, support.ErrNotFound); se.Status != http.StatusNotFound || se.Code != "not_found" {
			t.Errorf("%s: %+v", name, se)
		}
	}
}

package tidysupport_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

func TestListConversationsMapping(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations": {status: 200, body: fixture(t, "vendor/conversations.json")}})
	page, err := v.client().ListConversations(t.Context(), support.ConversationListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Next != "" {
		t.Fatalf("page %+v", page)
	}
	open, archived := page.Items[0], page.Items[1]
	if open.ID != "thd_xyz789" || open.ContactID != seedContact || open.Status != support.StatusOpen ||
		open.Subject != "Billing question" || open.Channel != "email" || !open.CreatedAt.IsZero() ||
		!open.UpdatedAt.Equal(time.Date(2025, 3, 12, 14, 30, 0, 0, time.UTC)) {
		t.Errorf("open conversation mapped to %+v", open)
	}
	if open.Assignee == nil || *open.Assignee != (support.Assignee{Kind: support.KindAgent, ID: "agt_abc123"}) {
		t.Errorf("assignee %+v, want agent agt_abc123", open.Assignee)
	}
	if archived.Status != support.StatusClosed || archived.Assignee != nil || archived.Channel != "chat" ||
		archived.UpdatedAt.Location() != time.UTC || archived.UpdatedAt.Hour() != 7 {
		t.Errorf("archived conversation mapped to %+v", archived)
	}
	if !strings.Contains(string(archived.Raw), `"ARCHIVED"`) {
		t.Errorf("Raw %s does not keep the vendor status", archived.Raw)
	}
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

	for _, tc := range []struct {
		name string
		opts support.ConversationListOptions
		want []string
	}{
		{"default inbox hides archived", support.ConversationListOptions{}, []string{open.ID, closed.ID, graceOpen.ID}},
		{"open", support.ConversationListOptions{Status: support.StatusOpen}, []string{open.ID, graceOpen.ID}},
		{"closed", support.ConversationListOptions{Status: support.StatusClosed}, []string{closed.ID}},
		{"archived", support.ConversationListOptions{Status: tidysupport.StatusArchived}, []string{archived.ID}},
		{"contact", support.ConversationListOptions{ContactID: grace.ID}, []string{graceOpen.ID}},
		{"contact and archived", support.ConversationListOptions{ContactID: grace.ID, Status: tidysupport.StatusArchived}, []string{archived.ID}},
	} {
		var got []string
		for cv, err := range support.AllConversations(ctx, c, tc.opts) {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got = append(got, cv.ID)
			if cv.ID == archived.ID && cv.Status != support.StatusClosed {
				t.Errorf("archived conversation reads as %q, want closed", cv.Status)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, s := range []support.ConversationStatus{support.StatusPending, "bogus"} {
		_, err := c.ListConversations(ctx, support.ConversationListOptions{Status: s})
		if !errors.Is(err, support.ErrInvalid) {
			t.Errorf("status %q: %v, want ErrInvalid", s, err)
		}
	}
}

func TestListConversationsFollowsAVendorCursor(t *testing.T) {
	first := `{"conversations":{"items":[{"id":"thd_1","status":"OPEN","contact":{"id":"ctc_1"}}],"hasMore":true,"cursor":"c2"}}`
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations": {status: 200, body: first}})
	page, err := v.client().ListConversations(t.Context(), support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 1}})
	if err != nil || page.Next != "c2" {
		t.Fatalf("page %+v, %v; want Next c2", page, err)
	}
	v.routes["GET "+seedPath+"/conversations"] = stubReply{status: 200, body: `{"conversations":{"items":[],"hasMore":false}}`}
	if _, err := v.client().ListConversations(t.Context(), support.ConversationListOptions{ListOptions: support.ListOptions{Cursor: page.Next, Limit: 1}}); err != nil {
		t.Fatal(err)
	}
	if q := v.requests()[1].RawQuery; q != "cursor=c2&limit=1" {
		t.Errorf("second page query %q, want cursor=c2&limit=1", q)
	}
}

func TestListConversationsWithHasMoreButNoCursorFails(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ct := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com"})
	for range 3 {
		srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID})
	}
	var got int
	var last error
	for _, err := range support.AllConversations(t.Context(), c, support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 2}}) {
		if err != nil {
			last = err
			break
		}
		got++
	}
	if !errors.Is(last, tidysupport.ErrIncomplete) || got != 0 {
		t.Errorf("listed %d then %v; want ErrIncomplete rather than a silently short list", got, last)
	}
}

func TestCreateConversation(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	ada, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// By email, in another case: the existing contact.
	cv, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("ADA@example.com"), Subject: "Order", Text: "Hello Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if cv.ContactID != ada.Contact.ID || cv.Status != support.StatusOpen || cv.Subject != "Order" || cv.Channel != "email" || len(cv.Raw) == 0 {
		t.Errorf("conversation %+v", cv)
	}
	// By ID: resolved to the email first.
	byID, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.ID(ada.Contact.ID), Text: "Hello again"})
	if err != nil || byID.ContactID != ada.Contact.ID {
		t.Fatalf("by ID: %+v, %v", byID, err)
	}
	// A new email: TidySupport creates the contact.
	grace, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Name: "Grace Hopper", Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	stored, ok := srv.Contact(grace.ContactID)
	if !ok || stored.Name != "Grace Hopper" {
		t.Errorf("new contact %+v, %v", stored, ok)
	}
	if srv.EmailsSent() != 3 || len(srv.Conversations()) != 3 {
		t.Errorf("%d emails, %d conversations; want 3 each", srv.EmailsSent(), len(srv.Conversations()))
	}
	msgs := srv.Messages(cv.ID)
	if len(msgs) != 1 || msgs[0].ContentText != "Hello Ada" || msgs[0].Direction != "OUTBOUND" {
		t.Errorf("first message %+v", msgs)
	}
}

func TestCreateConversationMapping(t *testing.T) {
	v := newStub(t, map[string]stubReply{"POST " + seedPath + "/conversations": {status: 201, body: fixture(t, "vendor/conversation_create.json")}})
	cv, err := v.client().CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("jane@example.com"), Name: "Jane Doe", Subject: "Invoice", Text: "Hello Jane",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cv.ID != "thd_new001" || cv.ContactID != seedContact || cv.Status != support.StatusOpen || cv.Subject != "Invoice" {
		t.Errorf("conversation %+v", cv)
	}
	want := `{"email":"jane@example.com","name":"Jane Doe","subject":"Invoice","contentText":"Hello Jane"}`
	if body := v.requests()[0].Body; !sameJSON(t, body, []byte(want)) {
		t.Errorf("request body %s, want %s", body, want)
	}
}

func TestCreateConversationIsNeverResent(t *testing.T) {
	for _, fault := range []sim.Fault{sim.CommittedThenLost(), sim.CommittedThen5xx(502), sim.Malformed()} {
		t.Run(string(fault.Kind), func(t *testing.T) {
			srv, c := newSim(t, tidysupporttest.Options{})
			srv.Faults.Next(1, sim.Match{Method: "POST"}, fault)
			_, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email("ada@example.com"), Text: "Hello"})
			if !errors.Is(err, support.ErrOutcomeUnknown) {
				t.Errorf("error %v, want ErrOutcomeUnknown", err)
			}
			if srv.EmailsSent() != 1 || srv.Stats.Count(tidysupporttest.RouteCreateConversation) != 1 {
				t.Errorf("%d emails, %d creates; want 1 of each: a lost create must not email twice",
					srv.EmailsSent(), srv.Stats.Count(tidysupporttest.RouteCreateConversation))
			}
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
		if _, err := c.CreateConversation(t.Context(), nc); !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if srv.Stats.Total() != 0 {
		t.Errorf("%d requests for invalid input", srv.Stats.Total())
	}
}

func TestListMessages(t *testing.T) {
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/conversations/thd_xyz789/messages": {status: 200, body: fixture(t, "vendor/messages.json")}})
	page, err := v.client().ListMessages(t.Context(), "thd_xyz789", support.ListOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || page.Next != "" {
		t.Fatalf("page %+v", page)
	}
	want := []support.Message{
		{ID: "msg_001", ConversationID: "thd_xyz789", Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: seedContact,
			Text: "Hi, I need help with my invoice.", HTML: "<p>Hi, I need help with my invoice.</p>", CreatedAt: time.Date(2025, 3, 12, 14, 30, 0, 0, time.UTC)},
		{ID: "msg_002", ConversationID: "thd_xyz789", Direction: support.Outbound, AuthorKind: support.AuthorAgent, AuthorID: "agt_abc123",
			Text: "Hi Jane, regarding your invoice...", CreatedAt: time.Date(2025, 3, 12, 19, 0, 0, 0, time.UTC)},
		{ID: "msg_003", ConversationID: "thd_xyz789", AuthorKind: support.AuthorSystem,
			Text: "Conversation assigned.", CreatedAt: time.Date(2025, 3, 12, 19, 1, 0, 0, time.UTC)},
	}
	for i, m := range page.Items {
		if m.CreatedAt.Location() != time.UTC {
			t.Errorf("message %s time %v not in UTC", m.ID, m.CreatedAt)
		}
		if !json.Valid(m.Raw) || !strings.Contains(string(m.Raw), m.ID) {
			t.Errorf("message %s Raw %s", m.ID, m.Raw)
		}
		m.Raw = nil
		w := want[i]
		if m.ID != w.ID || m.ConversationID != w.ConversationID || m.Direction != w.Direction || m.AuthorKind != w.AuthorKind ||
			m.AuthorID != w.AuthorID || m.Text != w.Text || m.HTML != w.HTML || !m.CreatedAt.Equal(w.CreatedAt) || m.Internal {
			t.Errorf("message %d is\n %+v\nwant\n %+v", i, m, w)
		}
	}
	if q := v.requests()[0].RawQuery; q != "limit=50" {
		t.Errorf("query %q", q)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range page.Items {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "one,two,three" || page.Items[0].AuthorID != ct.ID || page.Items[1].AuthorID != "agt_7" || page.Items[1].HTML != "<b>two</b>" {
		t.Errorf("messages %+v", page.Items)
	}
	if _, err := c.ListMessages(ctx, cv.ID, support.ListOptions{Limit: 2}); !errors.Is(err, tidysupport.ErrIncomplete) {
		t.Errorf("two of three messages: %v, want ErrIncomplete", err)
	}
	if _, err := c.ListMessages(ctx, cv.ID+"x", support.ListOptions{}); !errors.Is(err, support.ErrNotFound) {
		t.Errorf("unknown conversation: %v, want ErrNotFound", err)
	}
	if _, err := c.ListMessages(ctx, "", support.ListOptions{}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("empty ID: %v, want ErrInvalid", err)
	}
}

// Done when: undeclared operations return ErrUnsupported, saying why, and
// send nothing.
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
	for _, op := range support.Operations() {
		err, checked := checks[op]
		if caps.Supports(op) == checked {
			t.Errorf("%s: declared %v, but this test expects it to be %v", op, caps.Supports(op), !checked)
			continue
		}
		if !checked {
			continue
		}
		var se *support.Error
		if !errors.Is(err, support.ErrUnsupported) || !errors.As(err, &se) || se.Op != op || se.Vendor != tidysupport.Vendor ||
			!strings.Contains(se.Message, "VENDORS.md") {
			t.Errorf("%s: %v; want ErrUnsupported citing its source", op, err)
		}
	}
	if srv.Stats.Total() != 0 {
		t.Errorf("%d requests for unsupported operations", srv.Stats.Total())
	}
}

package respondio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListConversations(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	for i, st := range []string{"", "open", "close", "", "open", "close", "open"} {
		seed(t, s, respondiotest.Contact{FirstName: "C", Email: "c" + itoa(int64(i)) + "@example.com", Status: st})
	}
	list := func(opts support.ConversationListOptions) []string {
		t.Helper()
		var ids []string
		pages := 0
		for p, err := range support.Pages(t.Context(), "", func(ctx context.Context, cursor string) (support.Page[support.Conversation], error) {
			o := opts
			o.Cursor = cursor
			return c.ListConversations(ctx, o)
		}) {
			if err != nil {
				t.Fatalf("ListConversations(%+v): %v", opts, err)
			}
			pages++
			for _, conv := range p.Items {
				if conv.ID != conv.ContactID || len(conv.Raw) == 0 {
					t.Errorf("conversation %+v", conv)
				}
				ids = append(ids, conv.ID)
			}
		}
		return ids
	}
	if got := strings.Join(list(support.ConversationListOptions{ListOptions: support.ListOptions{Limit: 2}}), ","); got != "2,3,5,6,7" {
		t.Errorf("all conversations: %s, want 2,3,5,6,7 (contacts 1 and 4 have none)", got)
	}
	if got := strings.Join(list(support.ConversationListOptions{Status: support.StatusClosed, ListOptions: support.ListOptions{Limit: 2}}), ","); got != "3,6" {
		t.Errorf("closed conversations: %s", got)
	}
	if got := list(support.ConversationListOptions{ContactID: "4"}); len(got) != 0 {
		t.Errorf("the conversations of a contact without one: %v", got)
	}
	if got := list(support.ConversationListOptions{ContactID: "99"}); len(got) != 0 {
		t.Errorf("the conversations of an unknown contact: %v", got)
	}
	noRequest(t, srv, "listing pending conversations", func() error {
		_, err := c.ListConversations(t.Context(), support.ConversationListOptions{Status: support.StatusPending})
		return err
	})
	_, err := c.GetConversation(t.Context(), "1")
	wantKind(t, "the conversation of a contact without one", err, support.ErrNotFound)
}

func TestCreateConversation(t *testing.T) {
	var logs bytes.Buffer
	srv := newServer(t, respondiotest.Options{})
	c := newClient(t, respondio.Config{
		Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	// An unknown email with a name: the contact is created.
	conv, err := c.CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("grace@example.com"), Name: "Grace Brewster Hopper", Subject: "Order", Text: "Hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Contact(1)
	if conv.ID != "1" || conv.Status != support.StatusOpen || got.FirstName != "Grace Brewster" || got.LastName != "Hopper" {
		t.Errorf("conversation %+v, contact %+v", conv, got)
	}
	if m := srv.Messages(1); len(m) != 1 || m[0].Text != "Hello" || m[0].Traffic != "outgoing" {
		t.Errorf("messages: %+v", m)
	}
	if !strings.Contains(logs.String(), "no subject") {
		t.Errorf("the dropped subject was not logged: %q", logs.String())
	}
	// An unknown email without a name cannot be created.
	_, err = c.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email("nobody@example.com"), Text: "Hi"})
	wantKind(t, "a conversation with an unknown contact and no name", err, support.ErrNotFound)
	noRequest(t, srv, "a conversation with the zero Ref", func() error {
		_, err := c.CreateConversation(t.Context(), support.NewConversation{Text: "Hi"})
		return err
	})
}

func TestStatusAndAssignment(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{RequireClosingNote: true})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	ctx := t.Context()
	if err := c.SetStatus(ctx, "1", support.StatusChange{Status: support.StatusClosed, Category: "Resolved", Summary: "Shipped."}); err != nil {
		t.Fatal(err)
	}
	if cv := srv.Conversations(); cv[0].Status != "close" || cv[0].ClosingCategory != "Resolved" || cv[0].ClosingSummary != "Shipped." {
		t.Errorf("after closing: %+v", cv)
	}
	// The simulator requires the closing note, as respond.io's MCP says.
	err := c.SetStatus(ctx, "1", support.StatusChange{Status: support.StatusClosed})
	wantKind(t, "closing without a note", err, support.ErrInvalid)
	// Pending is not a respond.io status, and teams cannot be assigned.
	noRequest(t, srv, "SetStatus(pending)", func() error {
		return c.SetStatus(ctx, "1", support.StatusChange{Status: support.StatusPending})
	})
	before := srv.Stats.Total()
	wantKind(t, "Assign(team)", c.Assign(ctx, "1", support.Assignee{Kind: support.KindTeam, ID: "1"}), support.ErrUnsupported)
	assert.Equal(t, before, srv.Stats.Total(), "Assign(team) sent requests")
	noRequest(t, srv, "Assign to a user ID that is not a number", func() error {
		return c.Assign(ctx, "1", support.Assignee{ID: "agt_1"})
	})
	noRequest(t, srv, "Assign to a bad email", func() error {
		return c.Assign(ctx, "1", support.Assignee{Email: "sam"})
	})
	if err := c.Assign(ctx, "1", support.Assignee{Email: "Sam.Rivera@example.com"}); err != nil {
		t.Fatal(err)
	}
	conv, err := c.GetConversation(ctx, "1")
	if err != nil || conv.Assignee == nil || conv.Assignee.ID != "2" || conv.Assignee.Email != "sam.rivera@example.com" {
		t.Errorf("assigned by email: %+v, %v", conv, err)
	}
	wantKind(t, "Assign to an unknown user", c.Assign(ctx, "1", support.Assignee{ID: "99"}), support.ErrInvalid)
}

func TestSendMessage(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	m, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Here are the files.", Attachments: []support.Attachment{
		{URL: "https://example.com/label.png", ContentType: "image/png"},
		{URL: "https://example.com/invoice.pdf", Name: "invoice.pdf", ContentType: "application/pdf"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sent := s.Messages(1)
	if len(sent) != 3 || sent[0].Type != "text" || sent[1].Type != "attachment" || !strings.Contains(string(sent[1].Body), `"image"`) ||
		!strings.Contains(string(sent[2].Body), `"file"`) {
		t.Errorf("stored messages: %+v", sent)
	}
	if m.ID != "1" || m.ConversationID != "1" || m.Direction != support.Outbound || len(m.Attachments) != 2 {
		t.Errorf("returned message: %+v", m)
	}
	noRequest(t, srv, "HTML alone", func() error {
		_, err := c.SendMessage(t.Context(), "1", support.NewMessage{HTML: "<p>Hi</p>"})
		return err
	})
	noRequest(t, srv, "an attachment that is not a URL", func() error {
		_, err := c.SendMessage(t.Context(), "1", support.NewMessage{Attachments: []support.Attachment{{URL: "file.pdf"}}})
		return err
	})
}

// A send is not idempotent: after a lost answer it is not resent; the
// Client finds it in the history instead.
func TestSendMessageIsNotResent(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	srv.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/id:1/message"}, sim.CommittedThenLost())
	m, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Once only"})
	require.NoError(t, err)
	assert.Equal(t, "Once only", m.Text)
	assert.Len(t, srv.Messages(1), 1, "messages stored")
	assert.Equal(t, 1, srv.Requests("POST /v2/contact/{identifier}/message"), "send requests")
}

// respond.io sends text and each attachment as messages of their own: when
// the vendor refuses an attachment after the text went out, the error is a
// *support.PartialSendError saying what was sent, and nothing is sent twice.
func TestSendMessagePartlySent(t *testing.T) {
	s := respondiotest.New(respondiotest.Options{})
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/message") && strings.Contains(string(body), `"attachment"`) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":400,"message":"attachment could not be fetched"}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.ServeHTTP(w, r)
	})
	hs := httptest.NewServer(refuse)
	t.Cleanup(hs.Close)
	c := newClient(t, respondio.Config{Token: respondiotest.Token, BaseURL: hs.URL + "/v2", RateLimit: -1})

	label := support.Attachment{URL: "https://example.com/label.png", ContentType: "image/png"}
	_, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Your label:", Attachments: []support.Attachment{label}})
	var pe *support.PartialSendError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Sent, 1)
	assert.Equal(t, "Your label:", pe.Sent[0].Text)
	assert.Empty(t, pe.Sent[0].Attachments)
	assert.Equal(t, 1, pe.Unsent, "the attachment")
	assert.ErrorIs(t, err, support.ErrInvalid)
	sent := s.Messages(1)
	require.Len(t, sent, 1, "the text is stored once")
	assert.Equal(t, "Your label:", sent[0].Text)
	assert.Equal(t, 1, s.Requests("POST /v2/contact/{identifier}/message"), "the text was sent once")
}

// An internal note is a respond.io comment: stored on the contact's
// conversation, returned as sent, and not in the message history.
func TestSendNote(t *testing.T) {
	var logs bytes.Buffer
	srv := newServer(t, respondiotest.Options{})
	s := srv.Simulator
	c := newClient(t, respondio.Config{
		Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	if _, err := s.SeedMessage(respondiotest.Message{ContactID: 1, Text: "My order?"}); err != nil {
		t.Fatal(err)
	}
	n, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Carrier called.", Internal: true, AuthorID: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if !n.Internal || n.Text != "Carrier called." || n.ConversationID != "1" || n.AuthorKind != support.AuthorAgent ||
		n.ID != "" || !n.CreatedAt.Equal(sim.Epoch) || n.CreatedAt.Location() != time.UTC ||
		!strings.Contains(string(n.Raw), `"created_at"`) {
		t.Errorf("SendMessage(internal) returned %+v", n)
	}
	if got := s.Comments(1); len(got) != 1 || got[0].Text != "Carrier called." {
		t.Errorf("comments stored: %+v", got)
	}
	if got := s.Messages(1); len(got) != 1 {
		t.Errorf("a note added to the messages: %+v", got)
	}
	if got := srv.Requests("POST /v2/contact/{identifier}/comment"); got != 1 {
		t.Errorf("%d comment request(s), want 1", got)
	}
	page, err := c.ListMessages(t.Context(), "1", support.ListOptions{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Text != "My order?" {
		t.Errorf("ListMessages after a note: %+v, %v; want the one message", page.Items, err)
	}

	// HTML beside Text: the text is the comment, and the dropped HTML is logged.
	if _, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Plain", HTML: "<b>Plain</b>", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if got := s.Comments(1); len(got) != 2 || got[1].Text != "Plain" {
		t.Errorf("comments stored: %+v", got)
	}
	if !strings.Contains(logs.String(), "HTML is not sent") {
		t.Errorf("the dropped HTML was not logged: %q", logs.String())
	}

	// Exactly MaxCommentLength characters (not bytes) is accepted.
	if _, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: strings.Repeat("ü", respondio.MaxCommentLength), Internal: true}); err != nil {
		t.Errorf("a note of %d characters: %v", respondio.MaxCommentLength, err)
	}
	for what, m := range map[string]support.NewMessage{
		"a note of 1001 characters": {Text: strings.Repeat("ü", respondio.MaxCommentLength+1)},
		"an empty note":             {Text: " \n"},
		"a note in HTML only":       {HTML: "<p>Called</p>"},
		"a note with an attachment": {Text: "See label", Attachments: []support.Attachment{{URL: "https://example.com/label.png"}}},
		"a note with a control":     {Text: "bell\a"},
	} {
		m.Internal = true
		noRequest(t, srv, what, func() error {
			_, err := c.SendMessage(t.Context(), "1", m)
			return err
		})
	}
	noRequest(t, srv, "a note to a conversation ID that is not a number", func() error {
		_, err := c.SendMessage(t.Context(), "ada", support.NewMessage{Text: "Called", Internal: true})
		return err
	})
	_, err = c.SendMessage(t.Context(), "9", support.NewMessage{Text: "Called", Internal: true})
	wantKind(t, "a note to an unknown contact", err, support.ErrNotFound)
	var se *support.Error
	if errors.As(err, &se) && se.Op != support.OpSendNote {
		t.Errorf("a failed note names operation %q, want %q", se.Op, support.OpSendNote)
	}
}

// R3: a comment is not idempotent and respond.io cannot list comments, so
// one whose answer was lost is never resent: the caller gets
// ErrOutcomeUnknown. Failures that show nothing was done are retried.
func TestNoteIsNotResent(t *testing.T) {
	const route = "POST /v2/contact/{identifier}/comment"
	for _, tc := range []struct {
		name     string
		fault    sim.Fault
		requests int   // comment requests sent
		stored   int   // comments stored
		err      error // nil: sent
	}{
		{"committed then lost", sim.CommittedThenLost(), 1, 1, support.ErrOutcomeUnknown},
		{"committed then 502", sim.CommittedThen5xx(502), 1, 1, support.ErrOutcomeUnknown},
		// Nothing was stored, but the client cannot know that.
		{"reset before processing", sim.ResetBeforeProcessing(), 1, 0, support.ErrOutcomeUnknown},
		{"429 is retried", sim.RateLimit("1"), 2, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
				seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
				s.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/id:1/comment"}, tc.fault)
				n, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Once only", Internal: true})
				if tc.err == nil {
					if err != nil || n.Text != "Once only" || !n.Internal {
						t.Errorf("SendMessage(internal): %+v, %v", n, err)
					}
				} else {
					wantKind(t, "a note whose answer was lost", err, tc.err)
				}
				if got := s.Requests(route); got != tc.requests {
					t.Errorf("%d comment request(s), want %d", got, tc.requests)
				}
				if got := len(s.Comments(1)); got != tc.stored {
					t.Errorf("%d comment(s) stored, want %d", got, tc.stored)
				}
			})
		})
	}
}

func TestListMessagesAndComments(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	at := sim.Epoch.Add(-time.Hour)
	if _, err := s.SeedMessage(respondiotest.Message{ContactID: 1, Text: "My order?", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedMessage(respondiotest.Message{ContactID: 1, Traffic: "outgoing", Text: "On its way.", SenderUserID: 2}); err != nil {
		t.Fatal(err)
	}
	cm, err := driver(t, c).Comment(t.Context(), support.Email("ada@example.com"), "Carrier called.")
	if err != nil || !cm.Internal || cm.ConversationID != "1" || cm.Text != "Carrier called." || !cm.CreatedAt.Equal(sim.Epoch) {
		t.Errorf("Comment: %+v, %v", cm, err)
	}
	if got := s.Comments(1); len(got) != 1 {
		t.Errorf("comments stored: %+v", got)
	}
	noRequest(t, srv, "a comment of 1001 characters", func() error {
		_, err := driver(t, c).Comment(t.Context(), support.ID("1"), strings.Repeat("ü", 1001))
		return err
	})
	var msgs []support.Message
	for m, err := range support.AllMessages(t.Context(), c, "1", support.ListOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 2 {
		t.Fatalf("listed %d messages, want the 2 messages and not the comment", len(msgs))
	}
	in, out := msgs[0], msgs[1]
	if in.Direction != support.Inbound || in.AuthorKind != support.AuthorContact || in.AuthorID != "1" || !in.CreatedAt.Equal(at) ||
		in.Text != "My order?" || len(in.Raw) == 0 {
		t.Errorf("incoming message: %+v", in)
	}
	if out.Direction != support.Outbound || out.AuthorKind != support.AuthorAgent || out.AuthorID != "2" || out.ConversationID != "1" {
		t.Errorf("outgoing message: %+v", out)
	}
	_, err = c.ListMessages(t.Context(), "9", support.ListOptions{})
	wantKind(t, "the messages of an unknown contact", err, support.ErrNotFound)
}

func TestListAgents(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	srv.SeedUser(respondiotest.User{FirstName: "Robin", Email: "robin@example.com", Role: "agent"})
	var agents []support.Agent
	for a, err := range support.AllAgents(t.Context(), c, support.ListOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	if len(agents) != 4 || agents[3].ID != "4" || agents[3].Name != "Robin" || agents[0].Name != "Alex Morgan" ||
		agents[0].Role != "owner" || agents[1].Kind != support.KindAgent || srv.Requests("GET /v2/space/user") != 2 {
		t.Errorf("agents: %+v", agents)
	}
}

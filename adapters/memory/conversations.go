package memory

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/support"
)

type convRecord struct {
	seq
	c       support.Conversation // Raw is nil: it is rendered on the way out
	closing *closingNoteJSON
	msgs    []*msgRecord // oldest first
}

func (r *convRecord) out() support.Conversation {
	c := r.c
	j := conversationJSON{
		ID: c.ID, ContactID: c.ContactID, Status: string(c.Status), Subject: c.Subject, Channel: c.Channel,
		Priority: string(c.Priority), Department: c.Department, ClosingNote: r.closing,
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
	}
	if a := r.c.Assignee; a != nil {
		c.Assignee = support.Ptr(*a)
		j.Assignee = &assigneeJSON{Kind: string(a.Kind), ID: a.ID, Email: a.Email}
	}
	c.Raw = render(j)
	return c
}

// message returns the message id of r, or nil.
func (r *convRecord) message(id string) *msgRecord {
	if i := slices.IndexFunc(r.msgs, func(m *msgRecord) bool { return m.m.ID == id }); i >= 0 {
		return r.msgs[i]
	}
	return nil
}

type msgRecord struct {
	seq
	m support.Message // Raw is nil: it is rendered on the way out
}

func (r *msgRecord) out() support.Message {
	m := r.m
	m.Attachments = slices.Clone(r.m.Attachments)
	j := messageJSON{
		ID: m.ID, ConversationID: m.ConversationID, Direction: string(m.Direction),
		AuthorKind: string(m.AuthorKind), AuthorID: m.AuthorID, Internal: m.Internal,
		Text: m.Text, HTML: m.HTML, CreatedAt: stamp(m.CreatedAt),
	}
	for _, a := range m.Attachments {
		j.Attachments = append(j.Attachments, attachmentJSON{URL: a.URL, Name: a.Name, ContentType: a.ContentType})
	}
	m.Raw = render(j)
	return m
}

type agentRecord struct {
	seq
	a support.Agent // Raw is ignored: it is rendered on the way out
}

func (r *agentRecord) out() support.Agent {
	a := r.a
	a.Raw = render(agentJSON{ID: a.ID, Kind: string(a.Kind), Name: a.Name, Email: a.Email, Role: a.Role, Active: a.Active})
	return a
}

// ListConversations returns a page of conversations, oldest first, keeping
// those with opts.Status and opts.ContactID when set.
func (d *Driver) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	defer d.lock(ctx, "GET")()
	kept := slices.DeleteFunc(slices.Clone(d.convs), func(r *convRecord) bool {
		return (opts.Status != "" && r.c.Status != opts.Status) || (opts.ContactID != "" && r.c.ContactID != opts.ContactID)
	})
	return list(d, "conversations", opts.ListOptions, kept, (*convRecord).out)
}

// GetConversation returns the conversation id.
func (d *Driver) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	defer d.lock(ctx, "GET")()
	r, err := get(d.convByID, "conversation", id)
	if err != nil {
		return nil, err
	}
	return support.Ptr(r.out()), nil
}

// CreateConversation starts an open conversation of normal priority, in the
// team nc.Department when set (an unknown team is ErrNotFound), with the
// contact nc.Contact addresses (the earliest created, by email or phone),
// its first message being nc.Text from the contact. An email or phone Ref
// that matches no one creates the contact, named nc.Name.
func (d *Driver) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	if strings.TrimSpace(nc.Text) == "" {
		return nil, fail(support.ErrInvalid, "a conversation starts with a message, and Text is empty")
	}
	defer d.lock(ctx, "POST")()
	if nc.Department != "" && !d.hasAgent(support.KindTeam, nc.Department) {
		return nil, fail(support.ErrNotFound, "no team %.40q", nc.Department)
	}
	contact, err := d.contactFor(nc)
	if err != nil {
		return nil, err
	}
	d.nextConv++
	r := &convRecord{seq: seq(d.nextConv), c: support.Conversation{
		ID: "conv_" + strconv.Itoa(d.nextConv), ContactID: contact.c.ID, Status: support.StatusOpen,
		Subject: nc.Subject, Channel: "chat", Priority: support.PriorityNormal, Department: nc.Department,
		CreatedAt: d.now(), // UpdatedAt: the first message's
	}}
	d.appendMessage(r, support.Message{
		Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: contact.c.ID, Text: nc.Text,
	})
	d.convs = append(d.convs, r)
	d.convByID[r.c.ID] = r
	return support.Ptr(r.out()), nil
}

// contactFor returns the contact nc.Contact addresses: by email or phone,
// the earliest created, or a new one named nc.Name when none matches. The
// caller holds d.mu.
func (d *Driver) contactFor(nc support.NewConversation) (*contactRecord, error) {
	ref := nc.Contact
	if ref.Kind() == support.RefID {
		return get(d.contactByID, "contact", ref.Value())
	}
	key, in := support.MatchEmail, support.ContactInput{Email: ref.Value()}
	if ref.Kind() == support.RefPhone {
		key, in = support.MatchPhone, support.ContactInput{Phone: ref.Value()}
	}
	if found := d.byKey[indexKey(key, ref.Value())]; len(found) > 0 {
		return found[0], nil
	}
	in.FirstName, in.LastName = support.SplitName(nc.Name)
	return d.insert(in), nil
}

// appendMessage stores m as the newest message of r. The caller holds d.mu.
func (d *Driver) appendMessage(r *convRecord, m support.Message) *msgRecord {
	d.nextMsg++
	m.ID, m.ConversationID, m.CreatedAt = "msg_"+strconv.Itoa(d.nextMsg), r.c.ID, d.now()
	m.Attachments = slices.Clone(m.Attachments)
	mr := &msgRecord{seq: seq(d.nextMsg), m: m}
	r.msgs = append(r.msgs, mr)
	r.c.UpdatedAt = m.CreatedAt
	return mr
}

// SetStatus changes a conversation's status. Closing keeps the closing note
// (Category and Summary) in the conversation's Raw. Setting the status it
// has already changes nothing.
func (d *Driver) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	defer d.lock(ctx, "PATCH")()
	r, err := get(d.convByID, "conversation", id)
	if err != nil || r.c.Status == change.Status {
		return err
	}
	r.c.Status, r.closing = change.Status, nil
	if change.Status == support.StatusClosed && (change.Category != "" || change.Summary != "") {
		r.closing = &closingNoteJSON{Category: change.Category, Summary: change.Summary}
	}
	r.c.UpdatedAt = d.now()
	return nil
}

// Assign assigns a conversation to a seeded agent or team of kind to.Kind,
// found by ID, or by email for agents. An unknown agent or team is
// ErrNotFound.
func (d *Driver) Assign(ctx context.Context, id string, to support.Assignee) error {
	defer d.lock(ctx, "PATCH")()
	r, err := get(d.convByID, "conversation", id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.agents, func(ar *agentRecord) bool {
		a := ar.a
		return a.Kind == to.Kind && ((to.ID != "" && a.ID == to.ID) || (to.ID == "" && support.EqualEmail(a.Email, to.Email)))
	})
	if i < 0 {
		return fail(support.ErrNotFound, "no %s %.40q", to.Kind, cmp.Or(to.ID, to.Email))
	}
	who := d.agents[i].a
	r.c.Assignee, r.c.UpdatedAt = &support.Assignee{Kind: who.Kind, ID: who.ID, Email: who.Email}, d.now()
	return nil
}

// Unassign removes a conversation's assignee. Unassigning an unassigned
// conversation succeeds.
func (d *Driver) Unassign(ctx context.Context, id string) error {
	defer d.lock(ctx, "PATCH")()
	r, err := get(d.convByID, "conversation", id)
	if err != nil {
		return err
	}
	if r.c.Assignee != nil {
		r.c.Assignee, r.c.UpdatedAt = nil, d.now()
	}
	return nil
}

// ListMessages returns a page of a conversation's messages, oldest first.
// Its cursors belong to that conversation.
func (d *Driver) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	defer d.lock(ctx, "GET")()
	r, err := get(d.convByID, "conversation", conversationID)
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	return list(d, "messages/"+conversationID, opts, r.msgs, (*msgRecord).out)
}

// SendMessage adds an outbound reply, or an internal note when m.Internal is
// set, written by the agent m.AuthorID (optional; an unknown agent is
// ErrNotFound).
func (d *Driver) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	defer d.lock(ctx, "POST")()
	r, err := get(d.convByID, "conversation", conversationID)
	if err != nil {
		return nil, err
	}
	if m.AuthorID != "" && !d.hasAgent(support.KindAgent, m.AuthorID) {
		return nil, fail(support.ErrNotFound, "no agent %.40q", m.AuthorID)
	}
	mr := d.appendMessage(r, support.Message{
		Direction: support.Outbound, AuthorKind: support.AuthorAgent, AuthorID: m.AuthorID,
		Internal: m.Internal, Text: m.Text, HTML: m.HTML, Attachments: m.Attachments,
	})
	return support.Ptr(mr.out()), nil
}

// hasAgent reports whether id is a seeded agent or team of kind.
func (d *Driver) hasAgent(kind support.AgentKind, id string) bool {
	return slices.ContainsFunc(d.agents, func(a *agentRecord) bool { return a.a.Kind == kind && a.a.ID == id })
}

// GetMessage returns the message messageID of the conversation.
func (d *Driver) GetMessage(ctx context.Context, conversationID, messageID string) (*support.Message, error) {
	defer d.lock(ctx, "GET")()
	r, err := get(d.convByID, "conversation", conversationID)
	if err != nil {
		return nil, err
	}
	if m := r.message(messageID); m != nil {
		return support.Ptr(m.out()), nil
	}
	return nil, fail(support.ErrNotFound, "no message %.40q in conversation %.40q", messageID, conversationID)
}

// SetPriority changes a conversation's priority. Setting the priority it
// has already changes nothing.
func (d *Driver) SetPriority(ctx context.Context, id string, p support.Priority) error {
	defer d.lock(ctx, "PATCH")()
	r, err := get(d.convByID, "conversation", id)
	if err != nil || r.c.Priority == p {
		return err
	}
	r.c.Priority, r.c.UpdatedAt = p, d.now()
	return nil
}

// ListClosingCategories returns three fixed categories. A closing note
// may name any category: these are suggestions.
func (d *Driver) ListClosingCategories(ctx context.Context) ([]support.ClosingCategory, error) {
	defer d.lock(ctx, "GET")()
	var cats []support.ClosingCategory
	for _, c := range [][2]string{
		{"Resolved", "The customer's request was dealt with."},
		{"No reply", "The customer stopped answering."},
		{"Spam", "The conversation was not a real request."},
	} {
		raw := render(map[string]string{"category": c[0], "description": c[1]})
		cats = append(cats, support.ClosingCategory{Name: c[0], Description: c[1], Raw: raw})
	}
	return cats, nil
}

// ListAgents returns a page of the configured agents and teams, in
// configuration order.
func (d *Driver) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	defer d.lock(ctx, "GET")()
	return list(d, "agents", opts, d.agents, (*agentRecord).out)
}

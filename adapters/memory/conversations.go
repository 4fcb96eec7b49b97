package memory

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/support"
)

const (
	conversationList = "conversations"
	agentList        = "agents"
)

type convRecord struct {
	seq     int
	c       support.Conversation // Raw is nil: it is rendered on the way out
	closing *closingNoteJSON
	msgs    []*msgRecord // oldest first
}

func (r *convRecord) out() *support.Conversation {
	c := r.c
	j := conversationJSON{
		ID: c.ID, ContactID: c.ContactID, Status: string(c.Status), Subject: c.Subject, Channel: c.Channel,
		ClosingNote: r.closing, CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
	}
	if r.c.Assignee != nil {
		a := *r.c.Assignee
		c.Assignee = &a
		j.Assignee = &assigneeJSON{Kind: string(a.Kind), ID: a.ID, Email: a.Email}
	}
	c.Raw = render(j)
	return &c
}

type msgRecord struct {
	seq int
	m   support.Message // Raw is nil: it is rendered on the way out
}

func (r *msgRecord) out() *support.Message {
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
	return &m
}

type agentRecord struct {
	seq int
	a   support.Agent // Raw is nil: it is rendered on the way out
}

func (r *agentRecord) out() support.Agent {
	a := r.a
	a.Raw = render(agentJSON{ID: a.ID, Kind: string(a.Kind), Name: a.Name, Email: a.Email, Role: a.Role, Active: a.Active})
	return a
}

// validText reports whether s is text a platform would store: valid UTF-8
// without control characters other than tab and line breaks.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
	})
}

func checkText(op support.Operation, field, v string) error {
	if !validText(v) {
		return fail(op, support.ErrInvalid, "%s is not valid text", field)
	}
	return nil
}

func knownStatus(s support.ConversationStatus) bool {
	return s == support.StatusOpen || s == support.StatusPending || s == support.StatusClosed
}

// findConv returns the conversation with id. The caller holds p.mu.
func (p *Platform) findConv(op support.Operation, id string) (*convRecord, error) {
	if r := p.convByID[id]; r != nil {
		return r, nil
	}
	return nil, fail(op, support.ErrNotFound, "no conversation %q", clip(id))
}

// ListConversations returns a page of conversations, oldest first, keeping
// those with opts.Status and opts.ContactID when set.
func (p *Platform) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	var none support.Page[support.Conversation]
	if opts.Status != "" && !knownStatus(opts.Status) {
		return none, fail(op, support.ErrInvalid, "unknown status %q", clip(string(opts.Status)))
	}
	limit, after, err := p.listStart(ctx, op, conversationList, opts.ListOptions)
	if err != nil {
		return none, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := make([]*convRecord, 0, len(p.convs))
	for _, r := range p.convs {
		if (opts.Status == "" || r.c.Status == opts.Status) && (opts.ContactID == "" || r.c.ContactID == opts.ContactID) {
			kept = append(kept, r)
		}
	}
	recs, next := pageOf(conversationList, kept, func(r *convRecord) int { return r.seq }, after, limit)
	page := support.Page[support.Conversation]{Items: make([]support.Conversation, 0, len(recs)), Next: next}
	for _, r := range recs {
		page.Items = append(page.Items, *r.out())
	}
	return page, nil
}

// GetConversation returns the conversation with id.
func (p *Platform) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	const op = support.OpGetConversation
	if err := checkID(op, "conversation", id); err != nil {
		return nil, err
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, id)
	if err != nil {
		return nil, err
	}
	return r.out(), nil
}

// CreateConversation starts an open conversation with the contact nc.Contact
// addresses, its first message being nc.Text from the contact. An email or
// phone Ref that matches no one creates the contact, named nc.Name.
func (p *Platform) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	if err := nc.Contact.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if strings.TrimSpace(nc.Text) == "" {
		return nil, fail(op, support.ErrInvalid, "a conversation starts with a message, and Text is empty")
	}
	for field, v := range map[string]string{"text": nc.Text, "subject": nc.Subject, "name": nc.Name} {
		if err := checkText(op, field, v); err != nil {
			return nil, err
		}
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	contact := p.find(nc.Contact)
	if contact == nil {
		if nc.Contact.Kind() == support.RefID {
			return nil, fail(op, support.ErrNotFound, "no contact with %s", clip(nc.Contact.String()))
		}
		in := support.ContactInput{}
		in.FirstName, in.LastName = support.SplitName(nc.Name)
		if nc.Contact.Kind() == support.RefEmail {
			in.Email = nc.Contact.Value()
		} else {
			in.Phone = nc.Contact.Value()
		}
		contact = p.insert(in)
	}
	now := p.clock()
	p.nextConv++
	r := &convRecord{seq: p.nextConv, c: support.Conversation{
		ID: "conv_" + strconv.Itoa(p.nextConv), ContactID: contact.c.ID, Status: support.StatusOpen,
		Subject: nc.Subject, Channel: "chat", CreatedAt: now, UpdatedAt: now,
	}}
	p.appendMessage(r, support.Message{
		Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: contact.c.ID, Text: nc.Text,
	})
	p.convs = append(p.convs, r)
	p.convByID[r.c.ID] = r
	return r.out(), nil
}

// appendMessage stores m as the newest message of r. The caller holds p.mu.
func (p *Platform) appendMessage(r *convRecord, m support.Message) *msgRecord {
	p.nextMsg++
	m.ID = "msg_" + strconv.Itoa(p.nextMsg)
	m.ConversationID = r.c.ID
	m.CreatedAt = p.clock()
	m.Attachments = slices.Clone(m.Attachments)
	mr := &msgRecord{seq: p.nextMsg, m: m}
	r.msgs = append(r.msgs, mr)
	r.c.UpdatedAt = m.CreatedAt
	return mr
}

// SetStatus changes a conversation's status. Closing keeps the closing note
// (Category and Summary) in the conversation's Raw.
func (p *Platform) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	const op = support.OpSetStatus
	if err := checkID(op, "conversation", id); err != nil {
		return err
	}
	if !knownStatus(change.Status) {
		return fail(op, support.ErrInvalid, "unknown status %q", clip(string(change.Status)))
	}
	for field, v := range map[string]string{"category": change.Category, "summary": change.Summary} {
		if err := checkText(op, field, v); err != nil {
			return err
		}
	}
	if err := checkCtx(ctx, op); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, id)
	if err != nil {
		return err
	}
	if r.c.Status == change.Status {
		return nil
	}
	r.c.Status = change.Status
	r.closing = nil
	if change.Status == support.StatusClosed && (change.Category != "" || change.Summary != "") {
		r.closing = &closingNoteJSON{Category: change.Category, Summary: change.Summary}
	}
	r.c.UpdatedAt = p.clock()
	return nil
}

// Assign assigns a conversation to a seeded agent or team, found by ID, or by
// email for agents. An empty Kind means KindAgent. An unknown agent or team
// is ErrNotFound.
func (p *Platform) Assign(ctx context.Context, id string, to support.Assignee) error {
	const op = support.OpAssignConversation
	if err := checkID(op, "conversation", id); err != nil {
		return err
	}
	kind := to.Kind
	if kind == "" {
		kind = support.KindAgent
	}
	if kind != support.KindAgent && kind != support.KindTeam {
		return fail(op, support.ErrInvalid, "unknown assignee kind %q", clip(string(to.Kind)))
	}
	if to.ID == "" && to.Email == "" {
		return fail(op, support.ErrInvalid, "the assignee has neither an ID nor an email")
	}
	if err := checkCtx(ctx, op); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, id)
	if err != nil {
		return err
	}
	var who *support.Agent
	for _, ar := range p.agents {
		a := &ar.a
		if a.Kind == kind && ((to.ID != "" && a.ID == to.ID) || (to.ID == "" && support.EqualEmail(a.Email, to.Email))) {
			who = a
			break
		}
	}
	if who == nil {
		key := to.ID
		if key == "" {
			key = to.Email
		}
		return fail(op, support.ErrNotFound, "no %s %q", kind, clip(key))
	}
	r.c.Assignee = &support.Assignee{Kind: who.Kind, ID: who.ID, Email: who.Email}
	r.c.UpdatedAt = p.clock()
	return nil
}

// Unassign removes a conversation's assignee. Unassigning an unassigned
// conversation succeeds.
func (p *Platform) Unassign(ctx context.Context, id string) error {
	const op = support.OpUnassignConversation
	if err := checkID(op, "conversation", id); err != nil {
		return err
	}
	if err := checkCtx(ctx, op); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, id)
	if err != nil {
		return err
	}
	if r.c.Assignee != nil {
		r.c.Assignee = nil
		r.c.UpdatedAt = p.clock()
	}
	return nil
}

// ListMessages returns a page of a conversation's messages, oldest first.
// Its cursors belong to that conversation.
func (p *Platform) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	const op = support.OpListMessages
	var none support.Page[support.Message]
	if err := checkID(op, "conversation", conversationID); err != nil {
		return none, err
	}
	list := "messages/" + conversationID
	limit, after, err := p.listStart(ctx, op, list, opts)
	if err != nil {
		return none, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, conversationID)
	if err != nil {
		return none, err
	}
	recs, next := pageOf(list, r.msgs, func(m *msgRecord) int { return m.seq }, after, limit)
	page := support.Page[support.Message]{Items: make([]support.Message, 0, len(recs)), Next: next}
	for _, m := range recs {
		page.Items = append(page.Items, *m.out())
	}
	return page, nil
}

// SendMessage adds an outbound reply, or an internal note when m.Internal is
// set, written by the agent m.AuthorID (optional; an unknown agent is
// ErrNotFound).
func (p *Platform) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	if err := checkID(op, "conversation", conversationID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.HTML) == "" && len(m.Attachments) == 0 {
		return nil, fail(op, support.ErrInvalid, "the message is empty: no text, HTML or attachment")
	}
	for field, v := range map[string]string{"text": m.Text, "HTML": m.HTML, "author ID": m.AuthorID} {
		if err := checkText(op, field, v); err != nil {
			return nil, err
		}
	}
	for i, a := range m.Attachments {
		if a.URL == "" {
			return nil, fail(op, support.ErrInvalid, "attachment %d has no URL", i)
		}
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, err := p.findConv(op, conversationID)
	if err != nil {
		return nil, err
	}
	if m.AuthorID != "" && !slices.ContainsFunc(p.agents, func(a *agentRecord) bool {
		return a.a.Kind == support.KindAgent && a.a.ID == m.AuthorID
	}) {
		return nil, fail(op, support.ErrNotFound, "no agent %q", clip(m.AuthorID))
	}
	mr := p.appendMessage(r, support.Message{
		Direction: support.Outbound, AuthorKind: support.AuthorAgent, AuthorID: m.AuthorID,
		Internal: m.Internal, Text: m.Text, HTML: m.HTML, Attachments: m.Attachments,
	})
	return mr.out(), nil
}

// ListAgents returns a page of the configured agents and teams, in
// configuration order.
func (p *Platform) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	const op = support.OpListAgents
	var none support.Page[support.Agent]
	limit, after, err := p.listStart(ctx, op, agentList, opts)
	if err != nil {
		return none, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	recs, next := pageOf(agentList, p.agents, func(a *agentRecord) int { return a.seq }, after, limit)
	page := support.Page[support.Agent]{Items: make([]support.Agent, 0, len(recs)), Next: next}
	for _, a := range recs {
		page.Items = append(page.Items, a.out())
	}
	return page, nil
}

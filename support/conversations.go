package support

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// PartialSendError is the error of a send that took several requests and
// failed after some were sent: the text went out, an attachment did not
// (respond.io carries one attachment per message). Sent lists what the
// contact received, in order; sending the whole message again would send
// those twice. Err is why the next part failed; errors.Is and errors.As
// reach it.
type PartialSendError struct {
	// Sent are the messages sent before the failure.
	Sent []Message
	// Unsent is how many parts were not sent: the one that failed and
	// those after it.
	Unsent int
	// Err is the failure of the first part not sent.
	Err error
}

// Error says how many parts were sent and why the next one failed.
func (e *PartialSendError) Error() string {
	return fmt.Sprintf("partly sent: %d part(s) sent, %d not: %v", len(e.Sent), e.Unsent, e.Err)
}

// Unwrap returns the failure of the first part not sent.
func (e *PartialSendError) Unwrap() error { return e.Err }

// maxMessageLookupPages bounds the pages read to find a message whose send
// outcome is unknown.
const maxMessageLookupPages = 20

// ListConversations returns one page of conversations. Use
// AllConversations to iterate.
func (c *Client) ListConversations(ctx context.Context, opts ConversationListOptions) (Page[Conversation], error) {
	const op = OpListConversations
	if err := c.checkList(op, opts.ListOptions); err != nil {
		return Page[Conversation]{}, err
	}
	if opts.Status != "" && !c.caps.HasStatus(opts.Status) {
		return Page[Conversation]{}, c.fail(op, ErrInvalid, "%s has no conversation status %q", c.vendor, clip(string(opts.Status)))
	}
	if opts.ContactID != "" {
		if err := c.checkID(op, "contact", opts.ContactID); err != nil {
			return Page[Conversation]{}, err
		}
	}
	if err := c.begin(ctx, op); err != nil {
		return Page[Conversation]{}, err
	}
	p, err := checkedPage(opts.Cursor, func() (Page[Conversation], error) {
		return c.d.(ConversationReader).ListConversations(ctx, opts)
	})
	if err != nil {
		return Page[Conversation]{Items: p.Items, Filtered: p.Filtered}, c.attr(op, err)
	}
	return p, nil
}

// GetConversation returns the conversation id.
func (c *Client) GetConversation(ctx context.Context, id string) (*Conversation, error) {
	const op = OpGetConversation
	if err := c.checkID(op, "conversation", id); err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	conv, err := c.d.(ConversationReader).GetConversation(ctx, id)
	return conv, c.attr(op, err)
}

// CreateConversation starts a conversation with a contact. Its outcome
// cannot be looked up after an ambiguous failure on any vendor, so it is
// never sent twice: that error matches ErrOutcomeUnknown.
func (c *Client) CreateConversation(ctx context.Context, nc NewConversation) (*Conversation, error) {
	const op = OpCreateConversation
	if err := nc.Contact.Validate(); err != nil {
		return nil, Attribute(err, c.vendor, op)
	}
	for _, f := range []struct{ name, v string }{{"subject", nc.Subject}, {"text", nc.Text}, {"name", nc.Name}} {
		if !utf8ValidNoControl(f.v) {
			return nil, c.fail(op, ErrInvalid, "conversation %s is not valid text", f.name)
		}
	}
	if nc.Department != "" {
		if !c.caps.Departments {
			return nil, Unsupported(c.vendor, op, c.vendor+" cannot start a conversation in a chosen department (Capabilities.Departments)")
		}
		if err := c.checkID(op, "department", nc.Department); err != nil {
			return nil, err
		}
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	conv, err := c.d.(ConversationCreator).CreateConversation(ctx, nc)
	return conv, c.attr(op, err)
}

// SetStatus changes a conversation's status, to one of
// Capabilities.Statuses.
func (c *Client) SetStatus(ctx context.Context, id string, change StatusChange) error {
	const op = OpSetStatus
	if err := c.checkID(op, "conversation", id); err != nil {
		return err
	}
	if !c.caps.HasStatus(change.Status) {
		return c.fail(op, ErrInvalid, "%s has no conversation status %q", c.vendor, clip(string(change.Status)))
	}
	if !utf8ValidNoControl(change.Category) || !utf8ValidNoControl(change.Summary) {
		return c.fail(op, ErrInvalid, "the closing note is not valid text")
	}
	if err := c.begin(ctx, op); err != nil {
		return err
	}
	return c.attr(op, c.d.(StatusSetter).SetStatus(ctx, id, change))
}

// Assign assigns a conversation to an agent or a team.
func (c *Client) Assign(ctx context.Context, id string, to Assignee) error {
	const op = OpAssignConversation
	if err := c.checkID(op, "conversation", id); err != nil {
		return err
	}
	switch to.Kind {
	case KindAgent, "":
		to.Kind = KindAgent
	case KindTeam:
		if !c.caps.AssignTeams {
			return Unsupported(c.vendor, op, c.vendor+" cannot assign conversations to teams (Capabilities.AssignTeams)")
		}
	default:
		return c.fail(op, ErrInvalid, "unknown assignee kind %q", clip(string(to.Kind)))
	}
	switch {
	case to.ID != "":
		if err := c.checkID(op, "assignee", to.ID); err != nil {
			return err
		}
	case to.Email != "":
		if err := ValidateEmail(to.Email); err != nil {
			return Attribute(err, c.vendor, op)
		}
	default:
		return c.fail(op, ErrInvalid, "the assignee needs an ID or an email")
	}
	if err := c.begin(ctx, op); err != nil {
		return err
	}
	return c.attr(op, c.d.(Assigner).Assign(ctx, id, to))
}

// Unassign removes a conversation's assignee.
func (c *Client) Unassign(ctx context.Context, id string) error {
	const op = OpUnassignConversation
	if err := c.checkID(op, "conversation", id); err != nil {
		return err
	}
	if err := c.begin(ctx, op); err != nil {
		return err
	}
	return c.attr(op, c.d.(Assigner).Unassign(ctx, id))
}

// ListMessages returns a page of a conversation's messages, oldest first.
// Use AllMessages to iterate.
func (c *Client) ListMessages(ctx context.Context, conversationID string, opts ListOptions) (Page[Message], error) {
	const op = OpListMessages
	if err := c.checkID(op, "conversation", conversationID); err != nil {
		return Page[Message]{}, err
	}
	if err := c.checkList(op, opts); err != nil {
		return Page[Message]{}, err
	}
	if err := c.begin(ctx, op); err != nil {
		return Page[Message]{}, err
	}
	p, err := checkedPage(opts.Cursor, func() (Page[Message], error) {
		return c.d.(MessageReader).ListMessages(ctx, conversationID, opts)
	})
	if err != nil {
		return Page[Message]{Items: p.Items, Filtered: p.Filtered}, c.attr(op, err)
	}
	return p, nil
}

// SendMessage sends a reply, or an internal note when m.Internal is set.
//
// A message is never sent twice: when a send's outcome is unknown, the
// conversation's messages are read (where ListMessages returns such
// messages) and the newest one with the same direction, kind and text is
// returned as the one sent; when there is none the error matches
// ErrOutcomeUnknown and nothing is sent again, since a customer messaged
// twice cannot be unmessaged. On vendors that carry one attachment per
// message (Capabilities.SplitsAttachments) the text and each attachment
// are sent as messages of their own, in order, on the same channel (an
// email, a message with a Subject, carries its attachments and is not
// split); the first one is returned,
// with every attachment, and a failure after the first is a
// *PartialSendError listing what was sent.
func (c *Client) SendMessage(ctx context.Context, conversationID string, m NewMessage) (*Message, error) {
	op := OpSendMessage
	if m.Internal {
		op = OpSendNote
	}
	if err := c.checkMessage(op, conversationID, m); err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	parts := []NewMessage{m}
	if c.caps.SplitsAttachments && !m.Internal && m.Subject == "" && len(m.Attachments) > 0 {
		parts = parts[:0]
		if strings.TrimSpace(m.Text) != "" || m.HTML != "" {
			t := m
			t.Attachments = nil
			parts = append(parts, t)
		}
		for _, a := range m.Attachments {
			parts = append(parts, NewMessage{AuthorID: m.AuthorID, ChannelID: m.ChannelID, Attachments: []Attachment{a}})
		}
	}
	var sent []Message
	for i, part := range parts {
		msg, err := c.sendOne(ctx, op, conversationID, part)
		if err != nil {
			err = c.attr(op, err)
			if len(sent) == 0 {
				return nil, err
			}
			return nil, &PartialSendError{Sent: sent, Unsent: len(parts) - i, Err: err}
		}
		sent = append(sent, *msg)
	}
	first := sent[0]
	if len(parts) > 1 {
		first.Attachments = append([]Attachment(nil), m.Attachments...)
	}
	return &first, nil
}

// checkMessage applies the rules every vendor shares to a message.
func (c *Client) checkMessage(op Operation, conversationID string, m NewMessage) error {
	if err := c.checkID(op, "conversation", conversationID); err != nil {
		return err
	}
	if strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.HTML) == "" && len(m.Attachments) == 0 {
		return c.fail(op, ErrInvalid, "the message is empty: no text, HTML or attachment")
	}
	if !utf8ValidNoControl(m.Text) || !utf8ValidNoControl(m.HTML) {
		return c.fail(op, ErrInvalid, "the message text is not valid text")
	}
	if m.AuthorID != "" {
		if err := c.checkID(op, "author", m.AuthorID); err != nil {
			return err
		}
	}
	if m.ChannelID != "" {
		if !c.caps.ChoosesChannel {
			return Unsupported(c.vendor, op, c.vendor+" cannot send on a chosen channel (Capabilities.ChoosesChannel)")
		}
		if err := c.checkID(op, "channel", m.ChannelID); err != nil {
			return err
		}
	}
	if m.Subject != "" {
		switch {
		case !c.caps.MessageSubjects:
			return Unsupported(c.vendor, op, c.vendor+" cannot send a message with a subject (Capabilities.MessageSubjects)")
		case m.Internal:
			return c.fail(op, ErrInvalid, "an internal note has no subject")
		case !utf8ValidNoControl(m.Subject):
			return c.fail(op, ErrInvalid, "the message subject is not valid text")
		}
	}
	for _, a := range m.Attachments {
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c.fail(op, ErrInvalid, "attachment URL %q is not an http(s) URL", clip(a.URL))
		}
	}
	return nil
}

// sendOne sends one message and, when its outcome is unknown, looks for it.
func (c *Client) sendOne(ctx context.Context, op Operation, conversationID string, m NewMessage) (*Message, error) {
	msg, err := c.d.(MessageSender).SendMessage(ctx, conversationID, m)
	if err == nil || !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
		return msg, err
	}
	listed := c.caps.Supports(OpListMessages) && (!m.Internal || !c.caps.NotesOutsideHistory)
	if !listed {
		return nil, unresolved(err, errors.New("this vendor does not list such messages, so it was not sent again"))
	}
	var found *Message
	pages := 0
	for p, lerr := range Pages(ctx, "", func(ctx context.Context, cursor string) (Page[Message], error) {
		return c.d.(MessageReader).ListMessages(ctx, conversationID, ListOptions{Cursor: cursor})
	}) {
		if lerr != nil {
			return nil, unresolved(err, fmt.Errorf("looking the message up failed: %w", lerr))
		}
		for i := range p.Items {
			if g := p.Items[i]; sameMessage(g, m) {
				found = &g
			}
		}
		if pages++; pages >= maxMessageLookupPages {
			break
		}
	}
	if found == nil {
		return nil, unresolved(err, errors.New("no such message was found, and a message is never sent twice"))
	}
	return found, nil
}

// sameMessage reports whether listed message g is what m sent.
func sameMessage(g Message, m NewMessage) bool {
	if g.Direction == Inbound || g.Internal != m.Internal || (m.AuthorID != "" && g.AuthorID != "" && g.AuthorID != m.AuthorID) {
		return false
	}
	text := m.Text
	if !m.Internal && strings.TrimSpace(m.HTML) != "" {
		text = m.HTML
	}
	if text != "" {
		return g.Text == text || g.HTML == text
	}
	return len(m.Attachments) > 0 && len(g.Attachments) > 0 && g.Attachments[0].URL == m.Attachments[0].URL
}

// ListAgents returns a page of the agents and teams conversations can be
// assigned to. Use AllAgents to iterate.
func (c *Client) ListAgents(ctx context.Context, opts ListOptions) (Page[Agent], error) {
	const op = OpListAgents
	if err := c.checkList(op, opts); err != nil {
		return Page[Agent]{}, err
	}
	if err := c.begin(ctx, op); err != nil {
		return Page[Agent]{}, err
	}
	p, err := checkedPage(opts.Cursor, func() (Page[Agent], error) { return c.d.(AgentLister).ListAgents(ctx, opts) })
	if err != nil {
		return Page[Agent]{Items: p.Items, Filtered: p.Filtered}, c.attr(op, err)
	}
	return p, nil
}

// SetPriority changes a conversation's priority, to one of
// Capabilities.Priorities.
func (c *Client) SetPriority(ctx context.Context, id string, p Priority) error {
	const op = OpSetPriority
	if err := c.checkID(op, "conversation", id); err != nil {
		return err
	}
	if err := c.begin(ctx, op); err != nil {
		return err
	}
	if !c.caps.HasPriority(p) {
		return c.fail(op, ErrInvalid, "%s has no conversation priority %q", c.vendor, clip(string(p)))
	}
	return c.attr(op, c.d.(PrioritySetter).SetPriority(ctx, id, p))
}

// ListClosingCategories returns the categories a closing note may name
// (StatusChange.Category), on vendors that ask for one when a conversation
// is closed.
func (c *Client) ListClosingCategories(ctx context.Context) ([]ClosingCategory, error) {
	const op = OpListClosingCategories
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	cats, err := c.d.(ClosingCategoryLister).ListClosingCategories(ctx)
	if err != nil {
		return nil, c.attr(op, err)
	}
	return cats, nil
}

// GetMessage returns the message messageID of a conversation; ErrNotFound
// when there is none.
func (c *Client) GetMessage(ctx context.Context, conversationID, messageID string) (*Message, error) {
	const op = OpGetMessage
	if err := c.checkID(op, "conversation", conversationID); err != nil {
		return nil, err
	}
	if err := c.checkID(op, "message", messageID); err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	m, err := c.d.(MessageGetter).GetMessage(ctx, conversationID, messageID)
	if err != nil {
		return nil, c.attr(op, err)
	}
	return m, nil
}

// ListContactFields returns the custom contact fields the workspace
// defines: the names ContactInput.CustomFields may use. Adapters that
// read them check writes against them: a field the workspace does not
// define is left out with a warning before anything is sent.
func (c *Client) ListContactFields(ctx context.Context) ([]FieldDefinition, error) {
	const op = OpListContactFields
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	fs, err := c.d.(ContactFieldLister).ListContactFields(ctx)
	if err != nil {
		return nil, c.attr(op, err)
	}
	return fs, nil
}

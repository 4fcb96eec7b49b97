package respondio

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// checkText refuses text that is not valid UTF-8 or holds control
// characters other than tabs and line breaks; "" passes.
func checkText(op support.Operation, field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(op, "%s is not valid UTF-8", field)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }) {
		return invalid(op, "%s contains control characters", field)
	}
	return nil
}

// ListMessages returns a page of the message history of contact
// conversationID, in respond.io's order (UNKNOWN in its documentation;
// the simulator lists oldest first). Comments are not messages and are not
// listed.
//
// It calls GET /contact/id:{id}/message/list?limit=&cursorId= [S R-SDK
// messaging.ts, since SDK 1.1.0].
func (c *Client) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	const op = support.OpListMessages
	var page support.Page[support.Message]
	cid, err := contactID(op, conversationID)
	if err != nil {
		return page, err
	}
	q, err := pageQuery(op, opts)
	if err != nil {
		return page, err
	}
	var wp wirePage[wireMessage]
	if err := c.call(ctx, op, epListMessages, contactPath(byID(cid), "message", "list"), rest.Request{Query: q}, &wp); err != nil {
		return page, err
	}
	if page.Next, err = wp.Pagination.nextCursor(op); err != nil {
		return page, err
	}
	page.Items = make([]support.Message, 0, len(wp.Items))
	for i := range wp.Items {
		m, err := wp.Items[i].message(op)
		if err != nil {
			return support.Page[support.Message]{}, err
		}
		if m.ConversationID == "" {
			m.ConversationID = cid
		}
		page.Items = append(page.Items, m)
	}
	return page, nil
}

// SendMessage sends a text message to the contact conversationID, on the
// contact's last-interacted channel, and each attachment as a message of its
// own (respond.io carries one attachment per message), in order. It returns
// the first message sent. respond.io sends plain text: HTML alone is
// refused. m.AuthorID is not sent: messages sent through the API have
// sender.source "api". A send whose outcome is unknown is not resent (it
// would reach the contact twice): the error matches
// support.ErrOutcomeUnknown.
//
// With m.Internal set, it adds a respond.io comment instead: plain text of
// at most MaxCommentLength characters and no attachments (HTML alone is
// refused; HTML beside Text is not sent, logged at Warn; m.AuthorID is not
// sent). The comment is stored, but ListMessages does not return it
// (Capabilities().NotesOutsideHistory). The message returned has Internal
// set and no ID. A comment whose outcome is unknown is not resent either.
//
// It calls POST /contact/id:{id}/message {message: {type: "text", text}}
// or {message: {type: "attachment", attachment: {type, url}}} [S R-SDK
// messaging.ts, types/message.ts], or for a note POST
// /contact/id:{id}/comment {text} [S R-MCP, R-n8n].
func (c *Client) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	if m.Internal {
		return c.note(ctx, conversationID, m)
	}
	const op = support.OpSendMessage
	if strings.TrimSpace(m.Text) == "" && len(m.Attachments) == 0 {
		if m.HTML != "" {
			return nil, invalid(op, "respond.io sends plain text: set NewMessage.Text")
		}
		return nil, invalid(op, "empty message: no text and no attachment")
	}
	if err := checkText(op, "text", m.Text); err != nil {
		return nil, err
	}
	var bodies []messageBody
	if strings.TrimSpace(m.Text) != "" {
		bodies = append(bodies, messageBody{Type: "text", Text: m.Text})
	}
	for _, a := range m.Attachments {
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, invalid(op, "attachment URL %q is not an http(s) URL", clip(a.URL))
		}
		bodies = append(bodies, messageBody{Type: "attachment", Attachment: &attachmentBody{Type: attachmentType(a.ContentType), URL: a.URL}})
	}
	cid, err := contactID(op, conversationID)
	if err != nil {
		return nil, err
	}
	var first *support.Message
	for _, b := range bodies {
		sent, err := c.send(ctx, op, byID(cid), b)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = sent
		}
	}
	first.ConversationID = cid
	first.Text = m.Text
	first.Attachments = append([]support.Attachment(nil), m.Attachments...)
	return first, nil
}

// note is SendMessage of an internal note: a comment on the conversation of
// contact conversationID. m.AuthorID is not sent because a comment's body is
// its text only [S R-MCP, R-n8n].
func (c *Client) note(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	const op = support.OpSendNote
	switch {
	case len(m.Attachments) > 0:
		return nil, invalid(op, "respond.io comments are text only: a note cannot carry attachments")
	case strings.TrimSpace(m.Text) == "" && m.HTML != "":
		return nil, invalid(op, "respond.io comments are plain text: set NewMessage.Text")
	}
	if err := checkComment(op, m.Text); err != nil {
		return nil, err
	}
	cid, err := contactID(op, conversationID)
	if err != nil {
		return nil, err
	}
	if m.HTML != "" {
		c.log.LogAttrs(ctx, slog.LevelWarn, "respondio: comments are plain text; NewMessage.HTML is not sent, Text is",
			slog.String("op", string(op)))
	}
	n, err := c.comment(ctx, op, byID(cid), m.Text)
	if err != nil {
		return nil, err
	}
	if n.ConversationID == "" {
		n.ConversationID = cid
	}
	return n, nil
}

// attachmentType maps a content type to respond.io's attachment types.
func attachmentType(contentType string) string {
	major, _, _ := strings.Cut(strings.ToLower(contentType), "/")
	switch major {
	case "image", "video", "audio":
		return major
	}
	return "file"
}

// send posts one message and returns it as sent.
func (c *Client) send(ctx context.Context, op support.Operation, ident string, b messageBody) (*support.Message, error) {
	var reply messageIDReply
	var raw json.RawMessage
	if err := c.call(ctx, op, epSendMessage, contactPath(ident, "message"), rest.Request{Body: sendBody{Message: b}}, &raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &reply); err != nil || reply.MessageID == "" {
		return nil, malformed(op, "a send answered without messageId")
	}
	m := &support.Message{
		ID: string(reply.MessageID), Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		Text: b.Text, Raw: raw,
	}
	if b.Attachment != nil {
		m.Attachments = []support.Attachment{{URL: b.Attachment.URL, ContentType: b.Attachment.Type}}
	}
	return m, nil
}

// Comment adds an internal comment, visible to the team only, to the
// conversation of the contact ref addresses (by ID, email or phone), and
// returns it as a message with Internal set. The text is at most
// MaxCommentLength characters; it may mention users as {{@user.ID}} [S
// R-SDK README, R-MCP]. SendMessage with NewMessage.Internal does the same
// for a conversation ID; Comment also takes an email or phone Ref.
// Comments do not appear in ListMessages. A comment whose outcome is
// unknown is not resent: see the package documentation.
//
// It calls POST /contact/{identifier}/comment {text} [S R-MCP, R-n8n].
func (c *Client) Comment(ctx context.Context, ref support.Ref, text string) (*support.Message, error) {
	const op = support.OpSendNote
	if err := checkComment(op, text); err != nil {
		return nil, err
	}
	ident, err := identifier(op, ref)
	if err != nil {
		return nil, err
	}
	return c.comment(ctx, op, ident, text)
}

// checkComment refuses a comment respond.io would refuse: empty, longer
// than MaxCommentLength characters, or not text.
func checkComment(op support.Operation, text string) error {
	if strings.TrimSpace(text) == "" {
		return invalid(op, "empty comment")
	}
	if n := utf8.RuneCountInString(text); n > MaxCommentLength {
		return invalid(op, "comment is %d characters, more than respond.io's %d", n, MaxCommentLength)
	}
	return checkText(op, "text", text)
}

// comment posts a checked comment to the contact ident and returns it. The
// POST is not idempotent and respond.io has no endpoint that lists
// comments, so a comment whose answer was lost cannot be looked up: the
// error, matching support.ErrOutcomeUnknown, is returned as is rather than
// risking a second comment.
func (c *Client) comment(ctx context.Context, op support.Operation, ident, text string) (*support.Message, error) {
	var raw json.RawMessage
	if err := c.call(ctx, op, epComment, contactPath(ident, "comment"), rest.Request{Body: commentBody{Text: text}}, &raw); err != nil {
		return nil, err
	}
	var reply commentReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, malformed(op, "a comment answer is not {contactId, text, created_at}")
	}
	m := &support.Message{
		ConversationID: string(reply.ContactID), Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		Internal: true, Text: text, Raw: raw,
	}
	if reply.CreatedAt != nil {
		m.CreatedAt = reply.CreatedAt.Time
	}
	return m, nil
}

package respondio

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// ListMessages returns a page of the message history of contact
// conversationID, in respond.io's order (UNKNOWN in its documentation;
// the simulator lists oldest first). Comments are not messages and are not
// listed.
//
// It calls GET /contact/id:{id}/message/list?limit=&cursorId= [S R-SDK
// messaging.ts, since SDK 1.1.0].
func (d *Driver) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	const op = support.OpListMessages
	cid, err := contactID(op, conversationID)
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	return listPage(ctx, d, op, epListMessages, contactPath(byID(cid), "message", "list"), opts, nil,
		func(w *wireMessage) (support.Message, bool, error) {
			m, err := w.message(op)
			if m.ConversationID == "" {
				m.ConversationID = cid
			}
			return m, true, err
		})
}

// SendMessage sends one message to the contact conversationID, on the
// channel m.ChannelID (a number) or else the contact's last-interacted one:
// with a Subject an email of its text and attachments, else its text or its
// one attachment (the Client splits a message,
// Capabilities.SplitsAttachments), or with m.Internal a comment (see the
// package doc). HTML alone is refused.
//
// It calls POST /contact/id:{id}/message {channelId?, message: {type:
// "text", text}}, {message: {type: "attachment", attachment: {type, url}}}
// or {message: {type: "email", text, subject, attachments: [{type, url,
// fileName}]}} [S R-SDK messaging.ts, types/message.ts], or for a note POST
// /contact/id:{id}/comment {text} [S R-MCP, R-n8n].
func (d *Driver) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	cid, err := contactID(op, conversationID)
	if err != nil {
		return nil, err
	}
	if m.Internal {
		return d.note(ctx, byID(cid), m)
	}
	if m.ChannelID != "" {
		ch, err := contactID(op, m.ChannelID) // channel IDs are positive numbers too
		if err != nil {
			return nil, invalid(op, "channel ID %q is not a respond.io ID (a positive number)", clip(m.ChannelID))
		}
		m.ChannelID = ch
	}
	b := messageBody{Type: "text", Text: m.Text}
	switch {
	case strings.TrimSpace(m.Text) == "" && (m.Subject != "" || len(m.Attachments) == 0):
		return nil, invalid(op, "respond.io sends plain text: set NewMessage.Text")
	case m.Subject != "":
		b = messageBody{Type: "email", Text: m.Text, Subject: m.Subject}
		for _, a := range m.Attachments {
			b.Attachments = append(b.Attachments, attachmentBody{Type: attachmentType(a.ContentType), URL: a.URL, FileName: fileName(a)})
		}
	case len(m.Attachments) > 0:
		a := m.Attachments[0]
		b = messageBody{Type: "attachment", Attachment: &attachmentBody{Type: attachmentType(a.ContentType), URL: a.URL}}
		m.Attachments = m.Attachments[:1:1]
	}
	sent, err := d.send(ctx, op, byID(cid), m.ChannelID, b)
	if err != nil {
		return nil, err
	}
	sent.ConversationID, sent.ChannelID, sent.Subject, sent.Attachments = cid, m.ChannelID, m.Subject, slices.Clone(m.Attachments)
	return sent, nil
}

// GetMessage returns the message messageID of contact conversationID.
//
// It calls GET /contact/id:{id}/message/{messageId} [S R-SDK messaging.ts].
func (d *Driver) GetMessage(ctx context.Context, conversationID, messageID string) (*support.Message, error) {
	const op = support.OpGetMessage
	cid, err := contactID(op, conversationID)
	if err != nil {
		return nil, err
	}
	mid, err := contactID(op, messageID)
	if err != nil {
		return nil, invalid(op, "message ID %q is not a respond.io ID (a positive number)", clip(messageID))
	}
	var w wireMessage
	if err := d.call(ctx, op, epGetMessage, contactPath(byID(cid), "message", mid), rest.Request{}, &w); err != nil {
		return nil, err
	}
	m, err := w.message(op)
	if err != nil {
		return nil, err
	}
	if m.ConversationID == "" {
		m.ConversationID = cid
	}
	return &m, nil
}

// note adds the note m as a comment on the conversation of the contact
// ident addresses, once: respond.io cannot list comments, so one whose
// answer was lost cannot be looked up (ErrOutcomeUnknown). m.AuthorID is not
// sent: a comment's body is its text only [S R-MCP, R-n8n].
func (d *Driver) note(ctx context.Context, ident string, m support.NewMessage) (*support.Message, error) {
	const op = support.OpSendNote
	switch n := utf8.RuneCountInString(m.Text); {
	case m.ChannelID != "":
		return nil, invalid(op, "respond.io comments go on the conversation, not on a channel: a note cannot have a ChannelID")
	case len(m.Attachments) > 0:
		return nil, invalid(op, "respond.io comments are text only: a note cannot carry attachments")
	case strings.TrimSpace(m.Text) == "" && m.HTML != "":
		return nil, invalid(op, "respond.io comments are plain text: set NewMessage.Text")
	case strings.TrimSpace(m.Text) == "":
		return nil, invalid(op, "empty comment")
	case n > MaxCommentLength:
		return nil, invalid(op, "comment is %d characters, more than respond.io's %d", n, MaxCommentLength)
	case !utf8.ValidString(m.Text) || strings.ContainsFunc(m.Text, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f }):
		return nil, invalid(op, "the comment is not valid text (UTF-8 without control characters)")
	}
	if m.HTML != "" {
		d.log.LogAttrs(ctx, slog.LevelWarn, "respondio: comments are plain text; NewMessage.HTML is not sent, Text is",
			slog.String("op", string(op)))
	}
	var raw json.RawMessage
	if err := d.call(ctx, op, epComment, contactPath(ident, "comment"), rest.Request{Body: commentBody{Text: m.Text}}, &raw); err != nil {
		return nil, err
	}
	var reply commentReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, malformed(op, "a comment answer is not {contactId, text, created_at}")
	}
	n := &support.Message{
		ConversationID: string(reply.ContactID), Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		Internal: true, Text: m.Text, Raw: raw,
	}
	if id, ok := strings.CutPrefix(ident, "id:"); ok && n.ConversationID == "" {
		n.ConversationID = id
	}
	if reply.CreatedAt != nil {
		n.CreatedAt = reply.CreatedAt.Time
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

// fileName is an email attachment's file name: its Name, or else the last
// segment of its URL's path.
func fileName(a support.Attachment) string {
	if a.Name != "" {
		return a.Name
	}
	if u, err := url.Parse(a.URL); err == nil && path.Base(u.Path) != "/" && path.Base(u.Path) != "." {
		return path.Base(u.Path)
	}
	return "attachment"
}

// send posts one message, once, on channel (a number; "" for the contact's
// last-interacted channel), and returns it as sent.
func (d *Driver) send(ctx context.Context, op support.Operation, ident, channel string, b messageBody) (*support.Message, error) {
	var reply messageIDReply
	var raw json.RawMessage
	if err := d.call(ctx, op, epSendMessage, contactPath(ident, "message"), rest.Request{Body: sendBody{ChannelID: json.Number(channel), Message: b}}, &raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &reply); err != nil || reply.MessageID == "" {
		return nil, unknownOutcome("a send answered without messageId")
	}
	return &support.Message{
		ID: string(reply.MessageID), Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		Text: b.Text, Raw: raw,
	}, nil
}

// Comment adds an internal comment, visible to the team only, to the
// conversation of the contact ref addresses (by ID, email or phone), and
// returns it as a message with Internal set. The text is at most
// MaxCommentLength characters; it may mention users as {{@user.ID}} [S
// R-SDK README, R-MCP]. It is respond.io's own (reach it with Client.As);
// SendMessage with NewMessage.Internal does the same for a conversation ID.
//
// It calls POST /contact/{identifier}/comment {text} [S R-MCP, R-n8n].
func (d *Driver) Comment(ctx context.Context, ref support.Ref, text string) (*support.Message, error) {
	if err := ref.Validate(); err != nil {
		return nil, support.Attribute(err, Vendor, support.OpSendNote)
	}
	ident, err := identifier(support.OpSendNote, ref)
	if err != nil {
		return nil, err
	}
	return d.note(ctx, ident, support.NewMessage{Text: text, Internal: true})
}

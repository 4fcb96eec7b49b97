package tidio

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

func replyPath(id string) rest.Path { return rest.Segments("tickets", id, "reply") }

// ListMessages returns a ticket's messages, oldest first: GET /tickets/{id}
// [S MCP-T, AE], which returns them all, so there is one page (Next "") and
// opts.Limit is ignored. A cursor, which this method never returns, is
// ErrInvalid.
func (d *Driver) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	if opts.Cursor != "" {
		return support.Page[support.Message]{}, fail(support.ErrInvalid, "Tidio returns a ticket's messages in one page; there is no cursor to resume from")
	}
	if err := checkTicketID(conversationID); err != nil {
		return support.Page[support.Message]{}, err
	}
	_, msgs, err := d.ticket(ctx, support.OpListMessages, conversationID)
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	// Oldest first; messages with equal times keep Tidio's order, those
	// without a time go last.
	slices.SortStableFunc(msgs, func(a, b support.Message) int { return earliestFirst(a.CreatedAt, b.CreatedAt) })
	return support.Page[support.Message]{Items: msgs}, nil
}

// wireReply is the body of POST /tickets/{id}/reply [S MCP-T, AE].
type wireReply struct {
	AuthorType  string `json:"author_type"`
	Content     string `json:"content"`
	OperatorID  string `json:"operator_id"`
	MessageType string `json:"message_type"`
}

// SendMessage replies to a ticket as an operator, publicly or as an
// internal note: POST /tickets/{id}/reply [S MCP-T, AE], once. The operator
// is m.AuthorID, else Config.DefaultOperatorID; with neither, SendMessage
// fails with ErrInvalid before any request, rather than signing a
// customer-visible reply with whichever operator Tidio happens to list
// first. A public reply sends m.HTML when set, else m.Text; an internal
// note must be plain text (m.Text) [S MCP-T]. Tidio's reply has no
// attachments field: attachments are ErrInvalid. A failure that may have
// sent the reply (or a 201 without an id) is ErrOutcomeUnknown.
func (d *Driver) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	if err := checkTicketID(conversationID); err != nil {
		return nil, err
	}
	body := wireReply{AuthorType: "operator", Content: m.Text, MessageType: "public", OperatorID: m.AuthorID}
	switch {
	case len(m.Attachments) > 0:
		return nil, fail(support.ErrInvalid, "Tidio's ticket reply takes no attachments")
	case m.Internal && strings.TrimSpace(m.Text) == "":
		return nil, fail(support.ErrInvalid, "an internal note needs Text: Tidio's notes are plain text")
	case m.Internal:
		body.MessageType = "internal"
	case strings.TrimSpace(m.HTML) != "":
		body.Content = m.HTML
	}
	if body.OperatorID == "" {
		body.OperatorID = d.cfg.DefaultOperatorID
	}
	if body.OperatorID == "" {
		return nil, fail(support.ErrInvalid, "Tidio replies are sent as an operator: set NewMessage.AuthorID or Config.DefaultOperatorID")
	}
	res, err := d.send(ctx, op, http.MethodPost, replyPath(conversationID), body)
	if err != nil {
		return nil, err
	}
	var out wireCreated
	if err := json.Unmarshal(res.Body, &out); err != nil || out.ID == "" {
		return nil, malformed(res.Status, "reply (no message id)", err, true)
	}
	id := string(out.ID)
	msg := &support.Message{
		ID: id, ConversationID: conversationID, Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		AuthorID: body.OperatorID, Internal: m.Internal, Text: m.Text, CreatedAt: ulidTime(id), Raw: slices.Clone(res.Body),
	}
	if !m.Internal {
		msg.HTML = m.HTML
	}
	return msg, nil
}

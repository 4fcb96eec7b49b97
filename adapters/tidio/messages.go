package tidio

import (
	"context"
	"encoding/json"
	"errors"
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
func (c *Client) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	const op = support.OpListMessages
	if err := checkTicketID(op, conversationID); err != nil {
		return support.Page[support.Message]{}, err
	}
	if opts.Cursor != "" {
		return support.Page[support.Message]{}, fail(op, support.ErrInvalid, "Tidio returns a ticket's messages in one page; there is no cursor to resume from")
	}
	_, msgs, err := c.ticket(ctx, op, conversationID)
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
// internal note: POST /tickets/{id}/reply [S MCP-T, AE]. The operator is
// m.AuthorID, else Config.DefaultOperatorID; with neither, SendMessage fails
// with ErrInvalid before any request, rather than signing a customer-visible
// reply with whichever operator Tidio happens to list first. A public reply sends m.HTML when set, else
// m.Text; an internal note must be plain text (m.Text) [S MCP-T]. Tidio's
// reply has no attachments field: attachments are ErrInvalid. After an
// ambiguous failure the ticket is read, and the reply is sent again only if
// it is not there.
func (c *Client) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	if err := checkTicketID(op, conversationID); err != nil {
		return nil, err
	}
	body := wireReply{AuthorType: "operator", Content: m.Text, MessageType: "public"}
	switch {
	case len(m.Attachments) > 0:
		return nil, fail(op, support.ErrInvalid, "Tidio's ticket reply takes no attachments")
	case m.Internal && strings.TrimSpace(m.Text) == "":
		return nil, fail(op, support.ErrInvalid, "an internal note needs Text: Tidio's notes are plain text")
	case m.Internal:
		body.MessageType = "internal"
	case strings.TrimSpace(m.HTML) != "":
		body.Content = m.HTML
	case strings.TrimSpace(m.Text) == "":
		return nil, fail(op, support.ErrInvalid, "the message is empty")
	}
	author, err := c.replyAuthor(ctx, op, m.AuthorID)
	if err != nil {
		return nil, err
	}
	body.OperatorID = author
	for range maxCreateRounds {
		var res *rest.Response
		res, err = c.send(ctx, op, http.MethodPost, replyPath(conversationID), body)
		if err == nil {
			var out wireCreated
			if json.Unmarshal(res.Body, &out) == nil && out.ID != "" {
				return sentMessage(conversationID, string(out.ID), author, m, slices.Clone(res.Body)), nil
			}
			err = &support.Error{Vendor: Vendor, Op: op, Status: res.Status, OutcomeUnknown: true, Message: "Tidio's 201 carried no message id"}
		}
		if !errors.Is(err, support.ErrOutcomeUnknown) || ctx.Err() != nil {
			return nil, err
		}
		_, msgs, lerr := c.ticket(ctx, op, conversationID)
		if lerr != nil {
			return nil, unresolved(err, lerr)
		}
		// The newest message with this author, type and content is the one
		// sent (an identical earlier reply would be taken for it).
		for i := len(msgs) - 1; i >= 0; i-- {
			if g := msgs[i]; g.AuthorKind == support.AuthorAgent && g.AuthorID == author && g.Internal == m.Internal && g.Text == body.Content {
				return &g, nil
			}
		}
	}
	return nil, err
}

// sentMessage is the message a reply created.
func sentMessage(conversationID, id, author string, m support.NewMessage, raw json.RawMessage) *support.Message {
	out := &support.Message{
		ID: id, ConversationID: conversationID, Direction: support.Outbound, AuthorKind: support.AuthorAgent,
		AuthorID: author, Internal: m.Internal, Text: m.Text, CreatedAt: ulidTime(id), Raw: raw,
	}
	if !m.Internal {
		out.HTML = m.HTML
	}
	return out
}

// replyAuthor returns the operator a reply is sent as.
func (c *Client) replyAuthor(ctx context.Context, op support.Operation, id string) (string, error) {
	if id != "" {
		if err := support.ID(id).Validate(); err != nil {
			return "", withOp(err, op)
		}
		return id, nil
	}
	if c.cfg.DefaultOperatorID != "" {
		return c.cfg.DefaultOperatorID, nil
	}
	return "", fail(op, support.ErrInvalid, "Tidio replies are sent as an operator: set NewMessage.AuthorID or Config.DefaultOperatorID")
}

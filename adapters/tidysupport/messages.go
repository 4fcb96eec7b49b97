package tidysupport

import (
	"context"
	"net/url"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// whyNoSend is why replies and notes are unsupported.
const whyNoSend = "TidySupport's Messages page mentions replies and internal notes, but their endpoint, body and note flag are not public (VENDORS.md §3)"

// ListMessages returns a page of a conversation's messages, oldest first
// (TidySupport lists them chronologically): GET
// /v1/workspaces/{workspaceId}/support/inbox/conversations/{conversationId}/messages?limit=.
// A page with hasMore but no cursor fails with ErrIncomplete (see the
// package documentation). Internal notes cannot be told apart: Internal is
// always false.
func (c *Client) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	const op = support.OpListMessages
	if conversationID == "" {
		return support.Page[support.Message]{}, fail(op, support.ErrInvalid, "empty conversation ID")
	}
	if err := support.ID(conversationID).Validate(); err != nil {
		return support.Page[support.Message]{}, withOp(err, op)
	}
	if err := checkLimit(op, opts.Limit); err != nil {
		return support.Page[support.Message]{}, err
	}
	if err := checkCtx(ctx, op); err != nil {
		return support.Page[support.Message]{}, err
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var p messagePage
	req := rest.Request{Op: op, Path: c.inbox("conversations", conversationID, "messages"), Query: q}
	err := c.do(ctx, req, func(body []byte) (err error) {
		p, err = decodeMessagePage(body, conversationID)
		return err
	})
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	next, err := nextCursor(op, "messages", p.HasMore, p.Cursor)
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	return support.Page[support.Message]{Items: p.Items, Next: next}, nil
}

// SendMessage fails with ErrUnsupported (as messages.send, or
// messages.send_note for an internal note): TidySupport's reply endpoint is
// not public.
func (c *Client) SendMessage(ctx context.Context, conversationID string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	return nil, support.Unsupported(Vendor, op, whyNoSend)
}

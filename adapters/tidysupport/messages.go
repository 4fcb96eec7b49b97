package tidysupport

import (
	"context"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// ListMessages returns a page of a conversation's messages, oldest first
// (TidySupport lists them chronologically): GET
// /v1/workspaces/{workspaceId}/support/inbox/conversations/{conversationId}/messages?limit=.
// A page with hasMore but no cursor is returned with an ErrIncomplete error
// (see the package documentation). Internal notes cannot be told apart: Internal is
// always false.
func (d *Driver) ListMessages(ctx context.Context, conversationID string, opts support.ListOptions) (support.Page[support.Message], error) {
	req := rest.Request{Op: support.OpListMessages, Path: d.inbox("conversations", conversationID, "messages"), Query: pageQuery(opts)}
	p, err := listCall(ctx, d, req, func(b []byte) (vendorPage[support.Message], error) { return decodeMessagePage(b, conversationID) })
	if err != nil {
		return support.Page[support.Message]{}, err
	}
	return page("messages", p.Items, p.HasMore, p.Cursor)
}

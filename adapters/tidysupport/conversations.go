package tidysupport

import (
	"context"
	"net/http"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// ListConversations returns a page of conversations.
//
// It calls GET /v1/workspaces/{workspaceId}/support/inbox/conversations
// with status (OPEN, CLOSED, or ARCHIVED for StatusArchived) and limit. ""
// lists the vendor's default inbox, which hides archived conversations.
// opts.ContactID is applied on the client, so a page may hold fewer than
// opts.Limit conversations (it is then Filtered). A page with hasMore but
// no cursor is returned with an ErrIncomplete error (see the package
// documentation).
//
// The Client passes only open and closed; apps list archived conversations
// by calling this method on the Driver (Client.As) with StatusArchived.
func (d *Driver) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	q := pageQuery(opts.ListOptions)
	if opts.Status != "" {
		s, ok := vendorStatus[opts.Status]
		if !ok {
			return support.Page[support.Conversation]{}, fail(support.ErrInvalid,
				"status %.60q: TidySupport has open, closed and %s", opts.Status, StatusArchived)
		}
		q.Set("status", s)
	}
	req := rest.Request{Op: support.OpListConversations, Path: d.inbox("conversations"), Query: q}
	p, err := listCall(ctx, d, req, decodeConversationPage)
	if err != nil {
		return support.Page[support.Conversation]{}, err
	}
	items := p.Items
	if opts.ContactID != "" {
		items = items[:0:0]
		for _, cv := range p.Items {
			if cv.ContactID == opts.ContactID {
				items = append(items, cv)
			}
		}
	}
	out, err := page("conversations", items, p.HasMore, p.Cursor)
	out.Filtered = len(items) < len(p.Items)
	return out, err
}

// GetConversation sends nothing and fails with ErrUnsupported: TidySupport
// documents no endpoint that reads one conversation with its assignee
// (docs/vendors.md). It exists because support.ConversationReader pairs it
// with ListConversations; Capabilities does not declare it, so the Client
// never calls it.
func (d *Driver) GetConversation(context.Context, string) (*support.Conversation, error) {
	return nil, fail(support.ErrUnsupported, "TidySupport documents no endpoint that reads one conversation (docs/vendors.md)")
}

// CreateConversation starts a conversation with a contact by email: POST
// /v1/workspaces/{workspaceId}/support/inbox/conversations with {email,
// name, subject, contentText}. TidySupport sends nc.Text to the contact as an
// email, and creates the contact if the email is new.
//
// nc.Contact is an email Ref, or an ID Ref, which is first resolved to the
// contact's email (GET …/inbox/contacts/{contactId}); a phone Ref and an
// empty Text are ErrInvalid. The conversation returned is open, with no
// creation time: the response carries only IDs. A create whose outcome is
// unknown (support.ErrOutcomeUnknown) is not sent again, since a second one
// would email the contact twice.
func (d *Driver) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	switch {
	case nc.Contact.Kind() == support.RefPhone:
		return nil, fail(support.ErrInvalid, "TidySupport starts conversations by email: use an email or ID Ref")
	case nc.Text == "":
		return nil, fail(support.ErrInvalid, "NewConversation.Text is required: TidySupport sends it as the first email")
	}
	body := conversationBody{Email: nc.Contact.Value(), Name: nc.Name, Subject: nc.Subject, ContentText: nc.Text}
	if nc.Contact.Kind() == support.RefID {
		ct, err := d.GetContact(ctx, nc.Contact.Value())
		if err != nil {
			return nil, err
		}
		if ct.Email == "" {
			return nil, fail(support.ErrInvalid, "contact %.60q has no email, and TidySupport starts conversations by email", ct.ID)
		}
		body.Email = ct.Email
		if body.Name == "" {
			body.Name = ct.Name()
		}
	}
	req := rest.Request{Op: support.OpCreateConversation, Method: http.MethodPost, Path: d.inbox("conversations"), Body: body}
	conv, err := call(ctx, d, req, func(b []byte) (support.Conversation, error) { return decodeCreatedConversation(b, nc.Subject) })
	if err != nil {
		return nil, err
	}
	return &conv, nil
}

package tidysupport

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Why the unsupported conversation operations are unsupported.
const (
	whyNoGet    = "TidySupport documents no endpoint that reads one conversation with its assignee (VENDORS.md §3); ListConversations and ListMessages carry what is known"
	whyNoStatus = "TidySupport's status update (PUT …/inbox/conversations/…) has no public path suffix or body (VENDORS.md §3)"
	whyNoAssign = "TidySupport documents no assignment endpoint: assignedToId is readable, nothing writes it (VENDORS.md §3)"
)

// ListConversations returns a page of conversations.
//
// It calls GET /v1/workspaces/{workspaceId}/support/inbox/conversations
// with status (OPEN, CLOSED, or ARCHIVED for StatusArchived) and limit. ""
// lists the vendor's default inbox, which hides archived conversations.
// opts.ContactID is applied on the client, so a page may hold fewer than
// opts.Limit conversations. A page with hasMore but no cursor fails with
// ErrIncomplete (see the package documentation).
func (c *Client) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	q := url.Values{}
	if opts.Status != "" {
		s, ok := vendorStatus(opts.Status)
		if !ok {
			return support.Page[support.Conversation]{}, fail(op, support.ErrInvalid,
				"status %q: TidySupport has open, closed and %s", clip(string(opts.Status)), StatusArchived)
		}
		q.Set("status", s)
	}
	if opts.ContactID != "" {
		if err := support.ID(opts.ContactID).Validate(); err != nil {
			return support.Page[support.Conversation]{}, withOp(err, op)
		}
	}
	if err := checkLimit(op, opts.Limit); err != nil {
		return support.Page[support.Conversation]{}, err
	}
	if err := checkCtx(ctx, op); err != nil {
		return support.Page[support.Conversation]{}, err
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var p conversationPage
	err := c.do(ctx, rest.Request{Op: op, Path: c.inbox("conversations"), Query: q}, func(body []byte) (err error) {
		p, err = decodeConversationPage(body)
		return err
	})
	if err != nil {
		return support.Page[support.Conversation]{}, err
	}
	next, err := nextCursor(op, "conversations", p.HasMore, p.Cursor)
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
	return support.Page[support.Conversation]{Items: items, Next: next}, nil
}

// GetConversation fails with ErrUnsupported: TidySupport documents no
// endpoint that reads one conversation.
func (c *Client) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	return nil, support.Unsupported(Vendor, support.OpGetConversation, whyNoGet)
}

// CreateConversation starts a conversation with a contact by email: POST
// /v1/workspaces/{workspaceId}/support/inbox/conversations with {email,
// name, subject, contentText}. TidySupport sends nc.Text to the contact as an
// email, and creates the contact if the email is new.
//
// nc.Contact is an email Ref, or an ID Ref, which is first resolved to the
// contact's email (GET …/inbox/contacts/{contactId}). The conversation
// returned is open, with no creation time: the response carries only IDs.
// A create whose outcome is unknown (support.ErrOutcomeUnknown) is not sent
// again, since a second one would email the contact twice.
func (c *Client) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	if nc.Contact.IsZero() {
		return nil, fail(op, support.ErrInvalid, "NewConversation.Contact is required")
	}
	if nc.Contact.Kind() == support.RefPhone {
		return nil, fail(op, support.ErrInvalid, "TidySupport starts conversations by email: use an email or ID Ref")
	}
	if err := nc.Contact.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	switch {
	case nc.Text == "" || !validText(nc.Text):
		return nil, fail(op, support.ErrInvalid, "NewConversation.Text is required, as valid UTF-8 text")
	case !validText(nc.Subject), !validText(nc.Name):
		return nil, fail(op, support.ErrInvalid, "NewConversation.Subject and Name must be valid UTF-8 text without control characters")
	}
	if err := checkCtx(ctx, op); err != nil {
		return nil, err
	}
	body := conversationBody{Email: nc.Contact.Value(), Name: nc.Name, Subject: nc.Subject, ContentText: nc.Text}
	if nc.Contact.Kind() == support.RefID {
		ct, err := c.getByID(ctx, op, nc.Contact.Value())
		if err != nil {
			return nil, err
		}
		if ct.Email == "" {
			return nil, fail(op, support.ErrInvalid, "contact %s has no email, and TidySupport starts conversations by email", clip(ct.ID))
		}
		body.Email = ct.Email
		if body.Name == "" {
			body.Name = ct.Name()
		}
	}
	var conv support.Conversation
	err := c.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: c.inbox("conversations"), Body: body},
		func(b []byte) (err error) {
			conv, err = decodeCreatedConversation(b, nc.Subject)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &conv, nil
}

// validText reports whether s is valid UTF-8 without control characters
// other than tab and line breaks.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return false
		}
	}
	return true
}

// SetStatus fails with ErrUnsupported: TidySupport's status update is not
// publicly specified.
func (c *Client) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	return support.Unsupported(Vendor, support.OpSetStatus, whyNoStatus)
}

// Assign fails with ErrUnsupported: TidySupport documents no assignment
// endpoint.
func (c *Client) Assign(ctx context.Context, id string, to support.Assignee) error {
	return support.Unsupported(Vendor, support.OpAssignConversation, whyNoAssign)
}

// Unassign fails with ErrUnsupported: TidySupport documents no assignment
// endpoint.
func (c *Client) Unassign(ctx context.Context, id string) error {
	return support.Unsupported(Vendor, support.OpUnassignConversation, whyNoAssign)
}

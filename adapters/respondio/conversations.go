package respondio

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// respond.io has one conversation per contact, addressed by the contact
// [S R-SDK conversation.ts]: a conversation's ID is its contact's ID.

// listStatus checks a status filter: respond.io has open and closed only.
func listStatus(op support.Operation, s support.ConversationStatus) error {
	switch s {
	case "", support.StatusOpen, support.StatusClosed:
		return nil
	case support.StatusPending:
		return invalid(op, "respond.io conversations are never pending (only open or closed)")
	}
	return invalid(op, "unknown conversation status %q", clip(string(s)))
}

// ListConversations returns a page of conversations: the contacts that have
// one, with their status and assignee. The status filter is applied on the
// client, so a page can hold fewer conversations than the limit, even none,
// and still have a Next. With ContactID, the page is that contact's
// conversation (or empty).
//
// It calls POST /contact/list?limit=&cursorId= [S R-SDK contact.ts], or
// GET /contact/id:{ContactID}.
func (c *Client) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	var page support.Page[support.Conversation]
	if err := listStatus(op, opts.Status); err != nil {
		return page, err
	}
	keep := func(conv support.Conversation) bool { return opts.Status == "" || conv.Status == opts.Status }
	if opts.ContactID != "" {
		id, err := contactID(op, opts.ContactID)
		if err != nil {
			return page, err
		}
		if opts.Cursor != "" {
			return page, invalid(op, "a conversation list by contact has one page; cursor %q is not of it", clip(opts.Cursor))
		}
		if _, err := pageQuery(op, opts.ListOptions); err != nil {
			return page, err
		}
		w, err := c.getWire(ctx, op, byID(id))
		if errors.Is(err, support.ErrNotFound) {
			return page, nil // a filter matching nothing
		}
		if err != nil {
			return page, err
		}
		conv, ok, err := w.conversation(op)
		if err != nil {
			return page, err
		}
		if ok && keep(conv) {
			page.Items = []support.Conversation{conv}
		}
		return page, nil
	}
	wp, err := c.listContacts(ctx, op, opts.ListOptions)
	if err != nil {
		return page, err
	}
	if page.Next, err = wp.Pagination.nextCursor(op); err != nil {
		return page, err
	}
	page.Items = []support.Conversation{}
	for i := range wp.Items {
		conv, ok, err := wp.Items[i].conversation(op)
		if err != nil {
			return support.Page[support.Conversation]{}, err
		}
		if ok && keep(conv) {
			page.Items = append(page.Items, conv)
		}
	}
	return page, nil
}

// GetConversation returns the conversation of contact id. A contact that
// has no conversation yet (no status) is ErrNotFound.
//
// It calls GET /contact/id:{id}.
func (c *Client) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	const op = support.OpGetConversation
	cid, err := contactID(op, id)
	if err != nil {
		return nil, err
	}
	return c.conversation(ctx, op, byID(cid))
}

func (c *Client) conversation(ctx context.Context, op support.Operation, ident string) (*support.Conversation, error) {
	w, err := c.getWire(ctx, op, ident)
	if err != nil {
		return nil, err
	}
	conv, ok, err := w.conversation(op)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, support.Errorf(Vendor, op, support.ErrNotFound, "contact %s has no conversation yet", w.ID)
	}
	return &conv, nil
}

// CreateConversation opens the conversation of the contact nc.Contact
// addresses (a no-op when it is open already) and sends nc.Text to the
// contact as its first message, on the contact's last-interacted channel.
// A contact that does not exist is created from an email or phone Ref, with
// nc.Name as its name; otherwise it is ErrNotFound. respond.io
// conversations have no subject: nc.Subject is not stored, and a Warn record
// says so.
//
// It calls POST /contact/{identifier}/conversation/status {status: "open"},
// POST /contact/{identifier}/message, and GET /contact/{identifier}
// (creating the contact first with POST /contact/{identifier} when needed).
func (c *Client) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	if nc.Contact.IsZero() {
		return nil, invalid(op, "no contact: NewConversation.Contact is the zero Ref")
	}
	ident, err := identifier(op, nc.Contact)
	if err != nil {
		return nil, err
	}
	for field, v := range map[string]string{"name": nc.Name, "subject": nc.Subject, "text": nc.Text} {
		if err := checkText(op, field, v); err != nil {
			return nil, err
		}
	}
	open := func() error {
		return c.call(ctx, op, epStatus, contactPath(ident, "conversation", "status"),
			rest.Request{Body: statusBody{Status: "open"}}, nil)
	}
	err = open()
	if errors.Is(err, support.ErrNotFound) && nc.Contact.Kind() != support.RefID && strings.TrimSpace(nc.Name) != "" {
		first, last := support.SplitName(nc.Name)
		in := input{firstName: first, lastName: last}
		if nc.Contact.Kind() == support.RefEmail {
			in.email = nc.Contact.Value()
		} else {
			in.phone = nc.Contact.Value()
		}
		if err = c.create(ctx, op, ident, in.body()); err == nil {
			err = open()
		}
	}
	if err != nil {
		return nil, err
	}
	if nc.Subject != "" {
		c.log.LogAttrs(ctx, slog.LevelWarn, "respondio: conversations have no subject; NewConversation.Subject is not stored",
			slog.String("op", string(op)))
	}
	if strings.TrimSpace(nc.Text) != "" {
		if _, err := c.send(ctx, op, ident, messageBody{Type: "text", Text: nc.Text}); err != nil {
			return nil, err
		}
	}
	return c.conversation(ctx, op, ident)
}

// statusBody is the body of …/conversation/status [S R-SDK conversation.ts].
type statusBody struct {
	Status   string `json:"status"`
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary,omitempty"`
}

// SetStatus opens or closes the conversation of contact id. Closing sends
// change.Category and change.Summary as the closing note, which respond.io
// may require (its official MCP server says so). Pending is not a
// respond.io status: ErrUnsupported.
//
// It calls POST /contact/id:{id}/conversation/status {status: "open" |
// "close", category?, summary?} [S R-SDK, R-n8n, R-MCP].
func (c *Client) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	const op = support.OpSetStatus
	body := statusBody{}
	switch change.Status {
	case support.StatusOpen:
		body.Status = "open"
	case support.StatusClosed:
		body = statusBody{Status: "close", Category: change.Category, Summary: change.Summary}
	case support.StatusPending:
		return support.Unsupported(Vendor, op, "respond.io conversations are open or closed, never pending [VENDORS.md R-SDK]")
	default:
		return invalid(op, "unknown conversation status %q", clip(string(change.Status)))
	}
	if err := checkText(op, "category", change.Category); err != nil {
		return err
	}
	if err := checkText(op, "summary", change.Summary); err != nil {
		return err
	}
	cid, err := contactID(op, id)
	if err != nil {
		return err
	}
	return c.call(ctx, op, epStatus, contactPath(byID(cid), "conversation", "status"), rest.Request{Body: body}, nil)
}

// Assign assigns the conversation of contact id to a user, by ID or by
// email (Assignee.Email, which respond.io accepts too). Teams cannot be
// assigned through respond.io's API: ErrUnsupported.
//
// It calls POST /contact/id:{id}/conversation/assignee {assignee: userId |
// email} [S R-SDK, R-n8n, R-MCP].
func (c *Client) Assign(ctx context.Context, id string, to support.Assignee) error {
	const op = support.OpAssignConversation
	if to.Kind == support.KindTeam {
		return support.Unsupported(Vendor, op, "respond.io assigns conversations to users only, by ID or email [VENDORS.md R-SDK]")
	}
	if to.Kind != "" && to.Kind != support.KindAgent {
		return invalid(op, "unknown assignee kind %q", clip(string(to.Kind)))
	}
	var assignee any
	switch {
	case to.ID != "":
		uid, err := contactID(op, to.ID) // user IDs are positive numbers too
		if err != nil {
			return invalid(op, "user ID %q is not a respond.io ID (a positive number)", clip(to.ID))
		}
		assignee = json.Number(uid)
	case to.Email != "":
		if err := support.ValidateEmail(to.Email); err != nil {
			return withOp(err, op)
		}
		assignee = to.Email
	default:
		return invalid(op, "no assignee: set Assignee.ID or Assignee.Email")
	}
	return c.assign(ctx, op, id, assignee)
}

// Unassign removes the conversation's assignee; unassigning an unassigned
// conversation succeeds.
//
// It calls POST /contact/id:{id}/conversation/assignee {assignee: null}.
func (c *Client) Unassign(ctx context.Context, id string) error {
	return c.assign(ctx, support.OpUnassignConversation, id, nil)
}

func (c *Client) assign(ctx context.Context, op support.Operation, id string, assignee any) error {
	cid, err := contactID(op, id)
	if err != nil {
		return err
	}
	body := struct {
		Assignee any `json:"assignee"`
	}{assignee}
	return c.call(ctx, op, epAssignee, contactPath(byID(cid), "conversation", "assignee"), rest.Request{Body: body}, nil)
}

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

// ListConversations returns a page of conversations: the contacts that have
// one, with their status and assignee. The status filter is applied on the
// client, so a page can hold fewer conversations than the limit, even none,
// and still have a Next (it is then Filtered). With ContactID, the page is that contact's
// conversation (or empty).
//
// It calls POST /contact/list?limit=&cursorId= [S R-SDK contact.ts], or
// GET /contact/id:{ContactID}.
func (d *Driver) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	if opts.ContactID == "" {
		return listPage(ctx, d, op, epListContacts, rest.Segments("contact", "list"), opts.ListOptions, allContacts,
			func(w *wireContact) (support.Conversation, bool, error) {
				conv, ok, err := w.conversation(op)
				return conv, ok && (opts.Status == "" || conv.Status == opts.Status), err
			})
	}
	if opts.Cursor != "" {
		return support.Page[support.Conversation]{}, invalid(op, "a conversation list by contact has one page; cursor %q is not of it", clip(opts.Cursor))
	}
	page := support.Page[support.Conversation]{Items: []support.Conversation{}}
	conv, err := d.GetConversation(ctx, opts.ContactID)
	switch {
	case errors.Is(err, support.ErrNotFound):
		return page, nil // no such contact, or no conversation: a filter matching nothing
	case err != nil:
		return support.Page[support.Conversation]{}, err
	}
	if opts.Status == "" || conv.Status == opts.Status {
		page.Items = append(page.Items, *conv)
	}
	return page, nil
}

// GetConversation returns the conversation of contact id. A contact that
// has no conversation yet (no status) is ErrNotFound.
//
// It calls GET /contact/id:{id}.
func (d *Driver) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	const op = support.OpGetConversation
	cid, err := contactID(op, id)
	if err != nil {
		return nil, err
	}
	return d.conversation(ctx, op, byID(cid))
}

func (d *Driver) conversation(ctx context.Context, op support.Operation, ident string) (*support.Conversation, error) {
	var w wireContact
	if err := d.call(ctx, op, epGetContact, contactPath(ident), rest.Request{}, &w); err != nil {
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
// contact as its first message, not resent after an ambiguous failure. A
// missing contact is created from an email or phone Ref and nc.Name, else
// ErrNotFound. nc.Subject is not stored (respond.io conversations have none;
// logged at Warn).
//
// It calls POST /contact/{identifier}/conversation/status {status: "open"},
// POST /contact/{identifier}/message, and GET /contact/{identifier}; a
// missing contact first POST /contact/create_or_update/{identifier}, retried
// as idempotent (the contact did not exist a moment before).
func (d *Driver) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	ident, err := identifier(op, nc.Contact)
	if err != nil {
		return nil, err
	}
	open := func() error {
		return d.call(ctx, op, epStatus, contactPath(ident, "conversation", "status"),
			rest.Request{Body: statusBody{Status: "open"}}, nil)
	}
	err = open()
	if errors.Is(err, support.ErrNotFound) && nc.Contact.Kind() != support.RefID && strings.TrimSpace(nc.Name) != "" {
		in := support.ContactInput{Email: nc.Contact.Value()}
		if nc.Contact.Kind() == support.RefPhone {
			in = support.ContactInput{Phone: nc.Contact.Value()}
		}
		in.FirstName, in.LastName = support.SplitName(nc.Name)
		if err = d.call(ctx, op, epCreateOrUpdate, rest.Segments("contact", "create_or_update", ident), rest.Request{Body: body(in)}, nil); err == nil {
			err = open()
		}
	}
	if err != nil {
		return nil, err
	}
	if nc.Subject != "" {
		d.log.LogAttrs(ctx, slog.LevelWarn, "respondio: conversations have no subject; NewConversation.Subject is not stored",
			slog.String("op", string(op)))
	}
	if strings.TrimSpace(nc.Text) != "" {
		if _, err := d.send(ctx, op, ident, "", messageBody{Type: "text", Text: nc.Text}); err != nil {
			return nil, err
		}
	}
	return d.conversation(ctx, op, ident)
}

// statusBody is the body of …/conversation/status [S R-SDK conversation.ts].
type statusBody struct {
	Status   string `json:"status"`
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary,omitempty"`
}

// SetStatus opens or closes the conversation of contact id (the Client
// passes only open or closed, respond.io's statuses). Closing sends
// change.Category and change.Summary as the closing note, which respond.io
// may require (its official MCP server says so).
//
// It calls POST /contact/id:{id}/conversation/status {status: "open" |
// "close", category?, summary?} [S R-SDK, R-n8n, R-MCP].
func (d *Driver) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	const op = support.OpSetStatus
	cid, err := contactID(op, id)
	if err != nil {
		return err
	}
	body := statusBody{Status: "open"}
	if change.Status == support.StatusClosed {
		body = statusBody{Status: "close", Category: change.Category, Summary: change.Summary}
	}
	return d.call(ctx, op, epStatus, contactPath(byID(cid), "conversation", "status"), rest.Request{Body: body}, nil)
}

// ListClosingCategories returns the workspace's closing-note categories,
// which SetStatus sends as StatusChange.Category when closing.
//
// It calls GET /space/closing_notes?limit=&cursorId=, every page [S R-SDK
// space.ts].
func (d *Driver) ListClosingCategories(ctx context.Context) ([]support.ClosingCategory, error) {
	const op = support.OpListClosingCategories
	return listAll(ctx, d, op, epClosingNotes, rest.Segments("space", "closing_notes"),
		func(w *wireClosingNote) (support.ClosingCategory, bool, error) {
			if w.Category == "" {
				return support.ClosingCategory{}, false, malformed(op, "a closing note without category")
			}
			return support.ClosingCategory{Name: w.Category, Description: w.Description, Raw: w.raw}, true, nil
		})
}

// Assign assigns the conversation of contact id to a user, by ID or by
// email (Assignee.Email, which respond.io accepts too). Teams cannot be
// assigned through respond.io's API (AssignTeams is false, so the Client
// refuses them).
//
// It calls POST /contact/id:{id}/conversation/assignee {assignee: userId |
// email} [S R-SDK, R-n8n, R-MCP].
func (d *Driver) Assign(ctx context.Context, id string, to support.Assignee) error {
	const op = support.OpAssignConversation
	var assignee any = to.Email
	if to.ID != "" {
		uid, err := contactID(op, to.ID) // user IDs are positive numbers too
		if err != nil {
			return invalid(op, "user ID %q is not a respond.io ID (a positive number)", clip(to.ID))
		}
		assignee = json.Number(uid)
	}
	return d.assign(ctx, op, id, assignee)
}

// Unassign removes the conversation's assignee; unassigning an unassigned
// conversation succeeds.
//
// It calls POST /contact/id:{id}/conversation/assignee {assignee: null}.
func (d *Driver) Unassign(ctx context.Context, id string) error {
	return d.assign(ctx, support.OpUnassignConversation, id, nil)
}

func (d *Driver) assign(ctx context.Context, op support.Operation, id string, assignee any) error {
	cid, err := contactID(op, id)
	if err != nil {
		return err
	}
	body := struct {
		Assignee any `json:"assignee"`
	}{assignee}
	return d.call(ctx, op, epAssignee, contactPath(byID(cid), "conversation", "assignee"), rest.Request{Body: body}, nil)
}

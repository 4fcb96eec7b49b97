package tidio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Ticket and department paths [S MCP-T, AE].
var (
	ticketsPath     = rest.Segments("tickets")
	ticketAsContact = rest.Segments("tickets", "as-contact")
	departmentsPath = rest.Segments("departments")
)

// defaultDepartment is the name of the department Tidio puts new tickets in
// [S MCP-T].
const defaultDepartment = "General"

func ticketPath(id string) rest.Path { return rest.Segments("tickets", id) }

// checkTicketID validates a conversation ID before any request: Tidio's
// ticket IDs are positive integers [S MCP-T, AE].
func checkTicketID(op support.Operation, id string) error {
	if id == "" {
		return fail(op, support.ErrInvalid, "empty conversation ID")
	}
	if n, err := strconv.ParseUint(id, 10, 63); err != nil || n == 0 || strconv.FormatUint(n, 10) != id {
		return fail(op, support.ErrInvalid, "conversation ID %q is not a Tidio ticket ID (a positive integer)", clipText(id, 40))
	}
	return nil
}

// ListConversations returns a page of tickets: GET /tickets?cursor= [S MCP-T,
// AE]. Tidio documents no filter, so opts.Status and opts.ContactID are
// applied to each page here: a page may hold fewer tickets than Tidio's
// page size, even none, with Next still set. opts.Limit is ignored.
func (c *Client) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	if opts.Status != "" {
		if _, ok := vendorStatus(opts.Status); !ok {
			return support.Page[support.Conversation]{}, fail(op, support.ErrInvalid, "unknown conversation status %q", clipText(string(opts.Status), 40))
		}
	}
	q := url.Values{}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	res, err := c.get(ctx, op, ticketsPath, q)
	if err != nil {
		return support.Page[support.Conversation]{}, err
	}
	var w wireTicketPage
	if err := json.Unmarshal(res.Body, &w); err != nil {
		return support.Page[support.Conversation]{}, malformed(op, res.Status, "ticket list", err)
	}
	page := support.Page[support.Conversation]{Items: []support.Conversation{}, Next: nextCursor(w.Meta.Cursor)}
	if page.Next != "" && page.Next == opts.Cursor {
		return support.Page[support.Conversation]{}, malformed(op, res.Status, "ticket list", errors.New("meta.cursor did not advance"))
	}
	for i, raw := range w.Tickets {
		conv, err := c.decodeTicket(ctx, op, raw)
		if err != nil {
			if errors.As(err, new(*support.Error)) {
				return support.Page[support.Conversation]{}, err
			}
			return support.Page[support.Conversation]{}, malformed(op, res.Status, "ticket list", errors.New("tickets["+strconv.Itoa(i)+"]: "+err.Error()))
		}
		if (opts.Status == "" || conv.Status == opts.Status) && (opts.ContactID == "" || conv.ContactID == opts.ContactID) {
			page.Items = append(page.Items, conv)
		}
	}
	return page, nil
}

// decodeTicket maps a ticket payload, reading which department is the
// default one when the assignee depends on it. Its errors are either a
// *support.Error (the departments could not be read) or a decoding error.
func (c *Client) decodeTicket(ctx context.Context, op support.Operation, raw []byte) (support.Conversation, error) {
	dept := ""
	if needsDefaultDept(raw) {
		var err error
		if dept, err = c.defaultDepartment(ctx, op); err != nil {
			return support.Conversation{}, err
		}
	}
	conv, _, err := decodeTicket(raw, dept)
	return conv, err
}

// defaultDepartment returns the ID of the department whose tickets count as
// unassigned: Config.DefaultDepartmentID, else the department named
// "General" (Tidio's default [S MCP-T, AE]), read once from GET /departments;
// "" when there is none.
func (c *Client) defaultDepartment(ctx context.Context, op support.Operation) (string, error) {
	if c.cfg.DefaultDepartmentID != "" {
		return c.cfg.DefaultDepartmentID, nil
	}
	c.mu.Lock()
	known, id := c.deptKnown, c.defaultDept
	c.mu.Unlock()
	if known {
		return id, nil
	}
	teams, err := c.departments(ctx, op)
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		if strings.EqualFold(t.Name, defaultDepartment) {
			id = t.ID
			break
		}
	}
	c.mu.Lock()
	c.deptKnown, c.defaultDept = true, id
	c.mu.Unlock()
	return id, nil
}

// departments reads GET /departments [S MCP-T, AE], every department.
func (c *Client) departments(ctx context.Context, op support.Operation) ([]support.Agent, error) {
	res, err := c.get(ctx, op, departmentsPath, nil)
	if err != nil {
		return nil, err
	}
	teams, err := decodeDepartments(res.Body)
	if err != nil {
		return nil, malformed(op, res.Status, "department list", err)
	}
	return teams, nil
}

// decodeDepartments decodes GET /departments.
func decodeDepartments(body []byte) ([]support.Agent, error) {
	var w wireDepartments
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	teams := make([]support.Agent, 0, len(w.Departments))
	for i, raw := range w.Departments {
		t, err := decodeDepartment(raw)
		if err != nil {
			return nil, errors.New("departments[" + strconv.Itoa(i) + "]: " + err.Error())
		}
		teams = append(teams, t)
	}
	return teams, nil
}

// ticket reads GET /tickets/{id}, with the messages.
func (c *Client) ticket(ctx context.Context, op support.Operation, id string) (*support.Conversation, []support.Message, error) {
	res, err := c.get(ctx, op, ticketPath(id), nil)
	if err != nil {
		return nil, nil, err
	}
	dept := ""
	if needsDefaultDept(res.Body) {
		if dept, err = c.defaultDepartment(ctx, op); err != nil {
			return nil, nil, err
		}
	}
	conv, msgs, err := decodeTicket(res.Body, dept)
	if err != nil {
		return nil, nil, malformed(op, res.Status, "ticket", err)
	}
	return &conv, msgs, nil
}

// GetConversation returns a ticket: GET /tickets/{id} [S MCP-T, AE]. Raw
// holds the whole ticket, messages included.
func (c *Client) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	const op = support.OpGetConversation
	if err := checkTicketID(op, id); err != nil {
		return nil, err
	}
	conv, _, err := c.ticket(ctx, op, id)
	return conv, err
}

// CreateConversation opens a ticket on behalf of a contact: POST
// /tickets/as-contact {contact_email, subject, message_content} [S MCP-T],
// then GET /tickets/{id} to return it. The contact is addressed by email
// (an id: Ref is read first for its email; a phone: Ref is ErrInvalid);
// Tidio finds the contact by that email or creates it. Name is not sent:
// the body has no name field. Subject and Text are required. A create
// whose outcome is unknown is returned as such (Tidio has no ticket search
// to look it up).
func (c *Client) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	if nc.Contact.IsZero() {
		return nil, fail(op, support.ErrInvalid, "NewConversation.Contact is required (an email: or id: Ref)")
	}
	if err := nc.Contact.Validate(); err != nil {
		return nil, withOp(err, op)
	}
	if nc.Contact.Kind() == support.RefPhone {
		return nil, fail(op, support.ErrInvalid, "Tidio opens tickets for a contact email: use an email: or id: Ref")
	}
	if strings.TrimSpace(nc.Subject) == "" || strings.TrimSpace(nc.Text) == "" {
		return nil, fail(op, support.ErrInvalid, "Tidio needs a subject and a first message to open a ticket")
	}
	email := nc.Contact.Value()
	if nc.Contact.Kind() == support.RefID {
		ct, err := c.getByID(ctx, op, email)
		if err != nil {
			return nil, err
		}
		if ct.Email == "" {
			return nil, fail(op, support.ErrInvalid, "contact %s has no email, and Tidio opens tickets for a contact email", clipText(ct.ID, 40))
		}
		email = ct.Email
	}
	body := map[string]string{"contact_email": email, "subject": nc.Subject, "message_content": nc.Text}
	res, err := c.send(ctx, op, http.MethodPost, ticketAsContact, body)
	if err != nil {
		return nil, err
	}
	var out wireCreated
	if err := json.Unmarshal(res.Body, &out); err != nil || out.ID == "" {
		if err == nil {
			err = errors.New("no id")
		}
		e := malformed(op, res.Status, "ticket creation", err).(*support.Error)
		e.OutcomeUnknown = true // the ticket exists, its ID is lost
		return nil, e
	}
	conv, _, err := c.ticket(ctx, op, string(out.ID))
	return conv, err
}

// SetStatus changes a ticket's status: PATCH /tickets/{id} {status}, with
// closed sent as solved [S MCP-T, AE]. The closing note fields are not
// used: Tidio has none.
func (c *Client) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	const op = support.OpSetStatus
	if err := checkTicketID(op, id); err != nil {
		return err
	}
	s, ok := vendorStatus(change.Status)
	if !ok {
		return fail(op, support.ErrInvalid, "unknown conversation status %q; Tidio has open, pending and closed (solved)", clipText(string(change.Status), 40))
	}
	_, err := c.send(ctx, op, http.MethodPatch, ticketPath(id), map[string]string{"status": s})
	return err
}

// Assign assigns a ticket to an operator (KindAgent) or a department
// (KindTeam): PATCH /tickets/{id} {"assigned": {"type", "id"}} [S MCP-T].
// Tidio assigns by ID only. Assigning to the default department puts the
// ticket back where unassigned tickets sit, so it reads as unassigned.
func (c *Client) Assign(ctx context.Context, id string, to support.Assignee) error {
	const op = support.OpAssignConversation
	if err := checkTicketID(op, id); err != nil {
		return err
	}
	var typ string
	switch to.Kind {
	case support.KindAgent:
		typ = "operator"
	case support.KindTeam:
		typ = "department"
	default:
		return fail(op, support.ErrInvalid, "assignee kind %q is neither agent nor team", clipText(string(to.Kind), 40))
	}
	if to.ID == "" {
		return fail(op, support.ErrInvalid, "Tidio assigns by operator or department ID; Assignee.ID is empty")
	}
	if err := support.ID(to.ID).Validate(); err != nil {
		return withOp(err, op)
	}
	body := map[string]any{"assigned": map[string]string{"type": typ, "id": to.ID}}
	_, err := c.send(ctx, op, http.MethodPatch, ticketPath(id), body)
	return err
}

// Unassign removes a ticket's assignee: PATCH /tickets/{id}
// {"assigned": null} [S MCP-T].
func (c *Client) Unassign(ctx context.Context, id string) error {
	const op = support.OpUnassignConversation
	if err := checkTicketID(op, id); err != nil {
		return err
	}
	_, err := c.send(ctx, op, http.MethodPatch, ticketPath(id), map[string]any{"assigned": nil})
	return err
}

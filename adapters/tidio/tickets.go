package tidio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

// checkTicketID checks a conversation ID before any request: Tidio's
// ticket IDs are positive integers [S MCP-T, AE].
func checkTicketID(id string) error {
	if n, err := strconv.ParseUint(id, 10, 63); err != nil || n == 0 || strconv.FormatUint(n, 10) != id {
		return fail(support.ErrInvalid, "conversation ID %q is not a Tidio ticket ID (a positive integer)", clipText(id, 40))
	}
	return nil
}

// ListConversations returns a page of tickets: GET /tickets?cursor= [S MCP-T,
// AE]. Tidio documents no filter, so opts.Status and opts.ContactID are
// applied to each page here: a page may hold fewer tickets than Tidio's
// page size, even none, with Next still set (it is then Filtered). A page
// without its "tickets" list is ErrUnavailable. opts.Limit is ignored.
func (d *Driver) ListConversations(ctx context.Context, opts support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	raws, err := listPage(ctx, d, op, ticketsPath, nil, opts.Cursor, "tickets", rawItem)
	if err != nil {
		return support.Page[support.Conversation]{}, err
	}
	page := support.Page[support.Conversation]{Items: []support.Conversation{}, Next: raws.Next}
	for i, raw := range raws.Items {
		conv, _, err := d.decodeTicket(ctx, op, http.StatusOK, raw)
		if err != nil {
			return support.Page[support.Conversation]{}, fmt.Errorf("tickets[%d]: %w", i, err)
		}
		if (opts.Status == "" || conv.Status == opts.Status) && (opts.ContactID == "" || conv.ContactID == opts.ContactID) {
			page.Items = append(page.Items, conv)
		} else {
			page.Filtered = true
		}
	}
	return page, nil
}

// decodeTicket maps a ticket payload of a response with status, reading
// which department is the default one when the assignee depends on it.
func (d *Driver) decodeTicket(ctx context.Context, op support.Operation, status int, raw []byte) (support.Conversation, []support.Message, error) {
	dept := ""
	if needsDefaultDept(raw) {
		var err error
		if dept, err = d.defaultDepartment(ctx, op); err != nil {
			return support.Conversation{}, nil, err
		}
	}
	conv, msgs, err := decodeTicket(raw, dept)
	if err != nil {
		return support.Conversation{}, nil, malformed(status, "ticket", err, false)
	}
	return conv, msgs, nil
}

// defaultDepartment returns the ID of the department whose tickets count as
// unassigned: Config.DefaultDepartmentID, else the department named
// "General" (Tidio's default [S MCP-T, AE]), read once from GET /departments;
// "" when there is none.
func (d *Driver) defaultDepartment(ctx context.Context, op support.Operation) (string, error) {
	if d.cfg.DefaultDepartmentID != "" {
		return d.cfg.DefaultDepartmentID, nil
	}
	d.mu.Lock()
	known, id := d.deptKnown, d.defaultDept
	d.mu.Unlock()
	if known {
		return id, nil
	}
	_, id, err := d.departments(ctx, op)
	return id, err
}

// departments reads GET /departments [S MCP-T, AE], every department, and
// returns them with the ID of the default one, which it remembers.
func (d *Driver) departments(ctx context.Context, op support.Operation) ([]support.Agent, string, error) {
	res, err := d.get(ctx, op, departmentsPath, nil)
	if err != nil {
		return nil, "", err
	}
	page, err := decodePage(res.Body, "departments", decodeDepartment)
	if err != nil {
		return nil, "", badPage(res.Status, "departments", err)
	}
	teams := page.Items
	def := d.cfg.DefaultDepartmentID
	if def == "" {
		for _, t := range teams {
			if strings.EqualFold(t.Name, defaultDepartment) {
				def = t.ID
				break
			}
		}
		d.mu.Lock()
		d.deptKnown, d.defaultDept = true, def
		d.mu.Unlock()
	}
	return teams, def, nil
}

// ticket reads GET /tickets/{id}, with the messages: for ListMessages, a
// ticket without its messages list is ErrUnavailable. The callers check id
// but CreateConversation, which reads whatever id Tidio returned.
func (d *Driver) ticket(ctx context.Context, op support.Operation, id string) (*support.Conversation, []support.Message, error) {
	res, err := d.get(ctx, op, ticketPath(id), nil)
	if err != nil {
		return nil, nil, err
	}
	if op == support.OpListMessages {
		if _, err := decodePage(res.Body, "messages", rawItem); err != nil {
			return nil, nil, badPage(res.Status, "messages", err)
		}
	}
	conv, msgs, err := d.decodeTicket(ctx, op, res.Status, res.Body)
	if err != nil {
		return nil, nil, err
	}
	return &conv, msgs, nil
}

// GetConversation returns a ticket: GET /tickets/{id} [S MCP-T, AE]. Raw
// holds the whole ticket, messages included.
func (d *Driver) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	if err := checkTicketID(id); err != nil {
		return nil, err
	}
	conv, _, err := d.ticket(ctx, support.OpGetConversation, id)
	return conv, err
}

// CreateConversation opens a ticket on behalf of a contact: POST
// /tickets/as-contact {contact_email, subject, message_content,
// assigned_department_id (nc.Department, when set)} [S MCP-T], then GET
// /tickets/{id} to return it. The contact is addressed by email
// (an id: Ref is read first for its email; a phone: Ref is ErrInvalid);
// Tidio finds the contact by that email or creates it. Name is not sent:
// the body has no name field. Subject and Text are required. A create
// whose outcome is unknown is ErrOutcomeUnknown (Tidio has no ticket
// search to look it up).
func (d *Driver) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	const op = support.OpCreateConversation
	if nc.Contact.Kind() == support.RefPhone {
		return nil, fail(support.ErrInvalid, "Tidio opens tickets for a contact email: use an email: or id: Ref")
	}
	if strings.TrimSpace(nc.Subject) == "" || strings.TrimSpace(nc.Text) == "" {
		return nil, fail(support.ErrInvalid, "Tidio needs a subject and a first message to open a ticket")
	}
	email := nc.Contact.Value()
	if nc.Contact.Kind() == support.RefID {
		ct, err := d.GetContact(ctx, email)
		if err != nil {
			return nil, err
		}
		if ct.Email == "" {
			return nil, fail(support.ErrInvalid, "contact %s has no email, and Tidio opens tickets for a contact email", clipText(ct.ID, 40))
		}
		email = ct.Email
	}
	body := map[string]string{"contact_email": email, "subject": nc.Subject, "message_content": nc.Text}
	if nc.Department != "" {
		body["assigned_department_id"] = nc.Department
	}
	res, err := d.send(ctx, op, http.MethodPost, ticketAsContact, body)
	if err != nil {
		return nil, err
	}
	var out wireCreated
	if err := json.Unmarshal(res.Body, &out); err != nil || out.ID == "" {
		// The ticket exists, its ID is lost.
		return nil, malformed(res.Status, "ticket creation (no id)", err, true)
	}
	conv, _, err := d.ticket(ctx, op, string(out.ID))
	return conv, err
}

// SetStatus changes a ticket's status: PATCH /tickets/{id} {status}, with
// closed sent as solved [S MCP-T, AE]. The closing note fields are not
// used: Tidio has none.
func (d *Driver) SetStatus(ctx context.Context, id string, change support.StatusChange) error {
	if err := checkTicketID(id); err != nil {
		return err
	}
	s, ok := vendorStatus(change.Status)
	if !ok {
		return fail(support.ErrInvalid, "unknown conversation status %q; Tidio has open, pending and closed (solved)", clipText(string(change.Status), 40))
	}
	_, err := d.send(ctx, support.OpSetStatus, http.MethodPatch, ticketPath(id), map[string]string{"status": s})
	return err
}

// SetPriority changes a ticket's priority: PATCH /tickets/{id} {priority},
// low, normal or urgent [S MCP-T, AE].
func (d *Driver) SetPriority(ctx context.Context, id string, p support.Priority) error {
	if err := checkTicketID(id); err != nil {
		return err
	}
	_, err := d.send(ctx, support.OpSetPriority, http.MethodPatch, ticketPath(id), map[string]string{"priority": string(p)})
	return err
}

// Assign assigns a ticket to an operator (KindAgent) or a department
// (KindTeam): PATCH /tickets/{id} {"assigned": {"type", "id"}} [S MCP-T].
// Tidio assigns by ID only: an assignee given by email is ErrInvalid.
// Assigning to the default department puts the ticket back where
// unassigned tickets sit, so it reads as unassigned.
func (d *Driver) Assign(ctx context.Context, id string, to support.Assignee) error {
	if err := checkTicketID(id); err != nil {
		return err
	}
	if to.ID == "" {
		return fail(support.ErrInvalid, "Tidio assigns by operator or department ID; Assignee.ID is empty")
	}
	typ := "operator"
	if to.Kind == support.KindTeam {
		typ = "department"
	}
	body := map[string]any{"assigned": map[string]string{"type": typ, "id": to.ID}}
	_, err := d.send(ctx, support.OpAssignConversation, http.MethodPatch, ticketPath(id), body)
	return err
}

// Unassign removes a ticket's assignee: PATCH /tickets/{id}
// {"assigned": null} [S MCP-T].
func (d *Driver) Unassign(ctx context.Context, id string) error {
	if err := checkTicketID(id); err != nil {
		return err
	}
	_, err := d.send(ctx, support.OpUnassignConversation, http.MethodPatch, ticketPath(id), map[string]any{"assigned": nil})
	return err
}

package tidiotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// firstTicketID is where ticket IDs start; Tidio's examples are 10000 and
// up [AE, S MCP-T].
const firstTicketID = 10000

// ticketID parses the {id} of a ticket path; a non-integer is a 404, as the
// route does not exist for it.
func (v *vendor) ticketID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
		return "", false
	}
	return ticketKey(id), true
}

// listTickets serves GET /tickets?cursor=, without messages [S MCP-T, AE].
func (v *vendor) listTickets(w http.ResponseWriter, r *http.Request) {
	after, ok := decodeCursor(w, r.URL.Query().Get("cursor"))
	if !ok {
		return
	}
	page, err := v.tickets.Page(after, v.pageSize, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
		return
	}
	out := struct {
		Tickets []ticketJSON `json:"tickets"`
		Meta    metaJSON     `json:"meta"`
	}{Tickets: make([]ticketJSON, 0, len(page.Items)), Meta: v.meta(page.Next)}
	for _, e := range page.Items {
		out.Tickets = append(out.Tickets, v.ticketJSON(e.Value))
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

// getTicket serves GET /tickets/{id}, with the messages [S MCP-T, AE].
func (v *vendor) getTicket(w http.ResponseWriter, r *http.Request) {
	key, ok := v.ticketID(w, r)
	if !ok {
		return
	}
	t, ok := v.tickets.Get(key)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
		return
	}
	out := ticketWithMessagesJSON{ticketJSON: v.ticketJSON(t), Messages: make([]messageJSON, 0, len(t.Messages))}
	for _, m := range t.Messages {
		out.Messages = append(out.Messages, messageOut(m))
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

// createTicket serves POST /tickets/as-contact with the body the Tidio-side
// MCP sends {contact_email, subject, message_content,
// assigned_department_id?} [S MCP-T]; 201 {id}.
func (v *vendor) createTicket(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ContactEmail         string `json:"contact_email"`
		Subject              string `json:"subject"`
		MessageContent       string `json:"message_content"`
		AssignedDepartmentID string `json:"assigned_department_id"`
	}
	if err := sim.ReadJSON(r, &in, sim.ReadOptions{}); err != nil {
		writeBodyError(w, err)
		return
	}
	var ps []problem
	email := strings.TrimSpace(in.ContactEmail)
	switch {
	case email == "":
		ps = append(ps, problem{"contact_email", "This value should not be blank."})
	case !validEmail(email):
		ps = append(ps, problem{"contact_email", "This value is not a valid email address."})
	}
	if strings.TrimSpace(in.Subject) == "" {
		ps = append(ps, problem{"subject", "This value should not be blank."})
	}
	if strings.TrimSpace(in.MessageContent) == "" {
		ps = append(ps, problem{"message_content", "This value should not be blank."})
	}
	dept := v.generalID
	if in.AssignedDepartmentID != "" {
		if _, ok := v.departments.Get(in.AssignedDepartmentID); !ok {
			ps = append(ps, problem{"assigned_department_id", "Department does not exist."})
		}
		dept = in.AssignedDepartmentID
	}
	if len(ps) > 0 {
		writeValidation(w, ps)
		return
	}
	var contact Contact
	v.contacts.Atomically(func(tx *sim.Tx[Contact]) {
		if e, ok := tx.Lookup(emailIndex, emailKey(email)); ok {
			contact = e.Value
			return
		}
		contact = v.newContact(Contact{Email: email})
		tx.Put(contact.ID, contact)
	})
	now := v.clock.Now()
	t := Ticket{
		ID: firstTicketID + v.ids.Seq("ticket"), Subject: in.Subject, ContactID: contact.ID, ContactEmail: contact.Email,
		Priority: "normal", Status: "open", AssignedDepartmentID: dept,
		Messages: []Message{{
			ID: v.ids.ULID("message", now), CreatedAt: now, AuthorType: "contact", AuthorID: contact.ID,
			MessageType: "public", Content: in.MessageContent,
		}},
	}
	v.tickets.Put(ticketKey(t.ID), t)
	_ = sim.WriteJSON(w, http.StatusCreated, map[string]int64{"id": t.ID})
}

// patchTicket serves PATCH /tickets/{id} {status?, priority?, assigned?}:
// 204 [S MCP-T, AE].
func (v *vendor) patchTicket(w http.ResponseWriter, r *http.Request) {
	key, ok := v.ticketID(w, r)
	if !ok {
		return
	}
	var fields map[string]json.RawMessage
	if err := sim.ReadJSON(r, &fields, sim.ReadOptions{}); err != nil {
		writeBodyError(w, err)
		return
	}
	found := false
	var ps []problem
	v.tickets.Atomically(func(tx *sim.Tx[Ticket]) {
		t, ok := tx.Get(key)
		if !ok {
			return
		}
		found = true
		if t, ps = v.patchTicketFields(t, fields); len(ps) == 0 {
			tx.Put(key, t)
		}
	})
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
	case len(ps) > 0:
		writeValidation(w, ps)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (v *vendor) patchTicketFields(t Ticket, fields map[string]json.RawMessage) (Ticket, []problem) {
	var ps []problem
	enum := func(name string, dst *string, allowed ...string) {
		raw, ok := fields[name]
		if !ok {
			return
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || !slices.Contains(allowed, s) {
			ps = append(ps, problem{name, "The value you selected is not a valid choice. Allowed: " + strings.Join(allowed, ", ") + "."})
			return
		}
		*dst = s
	}
	known := 0
	for _, k := range []string{"status", "priority", "assigned"} {
		if _, ok := fields[k]; ok {
			known++
		}
	}
	if known == 0 {
		return t, []problem{{"", "At least one of status, priority or assigned is required."}}
	}
	enum("status", &t.Status, "open", "pending", "solved")
	enum("priority", &t.Priority, "low", "normal", "urgent")
	raw, ok := fields["assigned"]
	if !ok {
		return t, ps
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		t.AssignedOperatorID, t.AssignedDepartmentID = "", v.generalID
		return t, ps
	}
	var to struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(raw, &to); err != nil {
		return t, append(ps, problem{"assigned", "This value should be {type, id} or null."})
	}
	switch to.Type {
	case "operator":
		if _, ok := v.operators.Get(to.ID); !ok {
			return t, append(ps, problem{"assigned.id", "Operator does not exist."})
		}
		t.AssignedOperatorID = to.ID
	case "department":
		if _, ok := v.departments.Get(to.ID); !ok {
			return t, append(ps, problem{"assigned.id", "Department does not exist."})
		}
		t.AssignedOperatorID, t.AssignedDepartmentID = "", to.ID
	default:
		ps = append(ps, problem{"assigned.type", "The value you selected is not a valid choice. Allowed: operator, department."})
	}
	return t, ps
}

// deleteTicket serves DELETE /tickets/{id}: 204 [S MCP-T, AE].
func (v *vendor) deleteTicket(w http.ResponseWriter, r *http.Request) {
	key, ok := v.ticketID(w, r)
	if !ok {
		return
	}
	if !v.tickets.Delete(key) {
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// replyTicket serves POST /tickets/{id}/reply {author_type, content,
// operator_id, message_type}: 201 {id: ULID} [S MCP-T, AE].
func (v *vendor) replyTicket(w http.ResponseWriter, r *http.Request) {
	key, ok := v.ticketID(w, r)
	if !ok {
		return
	}
	var in struct {
		AuthorType  string `json:"author_type"`
		Content     string `json:"content"`
		OperatorID  string `json:"operator_id"`
		MessageType string `json:"message_type"`
	}
	if err := sim.ReadJSON(r, &in, sim.ReadOptions{}); err != nil {
		writeBodyError(w, err)
		return
	}
	if _, ok := v.tickets.Get(key); !ok {
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
		return
	}
	if in.MessageType == "" {
		in.MessageType = "public"
	}
	var ps []problem
	if in.AuthorType != "operator" && in.AuthorType != "contact" {
		ps = append(ps, problem{"author_type", "The value you selected is not a valid choice. Allowed: operator, contact."})
	}
	if in.MessageType != "public" && in.MessageType != "internal" {
		ps = append(ps, problem{"message_type", "The value you selected is not a valid choice. Allowed: public, internal."})
	}
	if strings.TrimSpace(in.Content) == "" {
		ps = append(ps, problem{"content", "This value should not be blank."})
	}
	if in.AuthorType == "operator" {
		if _, ok := v.operators.Get(in.OperatorID); !ok {
			ps = append(ps, problem{"operator_id", "Operator does not exist."})
		}
	}
	if in.AuthorType == "contact" && in.MessageType == "internal" {
		ps = append(ps, problem{"message_type", "A contact cannot add an internal note."})
	}
	if len(ps) > 0 {
		writeValidation(w, ps)
		return
	}
	var msg Message
	found := false
	v.tickets.Atomically(func(tx *sim.Tx[Ticket]) {
		t, ok := tx.Get(key)
		if !ok {
			return
		}
		found = true
		now := v.clock.Now()
		msg = Message{
			ID: v.ids.ULID("message", now), CreatedAt: now, AuthorType: in.AuthorType,
			MessageType: in.MessageType, Content: in.Content, AuthorID: in.OperatorID,
		}
		if in.AuthorType == "contact" {
			msg.AuthorID = t.ContactID
		}
		t.Messages = append(slices.Clip(t.Messages), msg)
		tx.Put(key, t)
	})
	if !found {
		writeError(w, http.StatusNotFound, "not_found", "Ticket not found")
		return
	}
	_ = sim.WriteJSON(w, http.StatusCreated, map[string]string{"id": msg.ID})
}

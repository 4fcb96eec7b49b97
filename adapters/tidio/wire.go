package tidio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/support"
)

// text is a JSON value read as text: a string as is, a number as written,
// true/false, and null as "". Tidio's property values are strings or
// numbers [S MCP-T], and ticket IDs are integers where contact IDs are
// UUID strings, so IDs and values are read with it.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	// encoding/json hands over one syntactically valid value.
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case b[0] == '"':
		// Fast path: most strings have no escapes; the decoder's own path
		// is several times slower and shows on million-contact listings.
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*t = text(inner)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case string(b) == "null":
		*t = ""
	case string(b) == "true" || string(b) == "false" || b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*t = text(b)
	default:
		return errors.New("not a string, number, boolean or null")
	}
	return nil
}

// wireContact is a contact as Tidio sends it [D T-ref, S MCP-T tests].
// messenger_id and instagram_id are deprecated and always null; they stay
// in Raw.
type wireContact struct {
	ID           text           `json:"id"`
	DistinctID   text           `json:"distinct_id"`
	FirstName    text           `json:"first_name"`
	LastName     text           `json:"last_name"`
	Email        text           `json:"email"`
	Phone        text           `json:"phone"`
	Language     text           `json:"language"`
	Country      text           `json:"country"`
	City         text           `json:"city"`
	CreatedAt    text           `json:"created_at"`
	EmailConsent text           `json:"email_consent"`
	Properties   []wireProperty `json:"properties"`
}

type wireProperty struct {
	Name  text `json:"name"`
	Value text `json:"value"`
}

// wireMeta is a page's meta; cursor null on the last page [D T-ref].
type wireMeta struct {
	Cursor text `json:"cursor"`
	Limit  int  `json:"limit"`
}

// wireCreated is the body of a 201 from POST /contacts, POST
// /tickets/as-contact and POST /tickets/{id}/reply: {"id": …}, a UUID, an
// integer or a ULID [D T-post, S MCP-T].
type wireCreated struct {
	ID text `json:"id"`
}

// wireBatchCreated is what the driver reads from a 201 of POST
// /contacts/batch, whose body no source documents [AE]: IDs in request
// order as {"contacts":[{"id"}]}, {"data":[{"id"}]} or {"ids":[…]},
// whichever is there.
type wireBatchCreated struct {
	Contacts []wireCreated `json:"contacts"`
	Data     []wireCreated `json:"data"`
	IDs      []text        `json:"ids"`
}

// ids returns the IDs the body lists, in order.
func (b wireBatchCreated) ids() []string {
	var out []string
	switch {
	case len(b.Contacts) > 0:
		for _, c := range b.Contacts {
			out = append(out, string(c.ID))
		}
	case len(b.Data) > 0:
		for _, c := range b.Data {
			out = append(out, string(c.ID))
		}
	default:
		for _, id := range b.IDs {
			out = append(out, string(id))
		}
	}
	return out
}

// wireContactIn is the body of POST /contacts and of a batch item. Empty
// fields are left out [D T-post].
type wireContactIn struct {
	DistinctID   string            `json:"distinct_id,omitempty"`
	FirstName    string            `json:"first_name,omitempty"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	EmailConsent string            `json:"email_consent,omitempty"`
	Properties   []wirePropertyOut `json:"properties,omitempty"`
}

// wirePropertyOut is a property sent; a nil Value clears it in a PATCH.
type wirePropertyOut struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// decodePropertyDef decodes a property definition of GET
// /contact-properties {name, label, type}, its type (text, email, number,
// phone, url [S MCP-T, AE]) in lower case.
func decodePropertyDef(raw []byte) (support.FieldDefinition, error) {
	var p struct{ Name, Label, Type text }
	err := json.Unmarshal(raw, &p)
	return support.FieldDefinition{Name: string(p.Name), Label: string(p.Label), Type: strings.ToLower(string(p.Type)),
		Raw: slices.Clone(json.RawMessage(raw))}, err
}

// wireTicket is a ticket as Tidio sends it; GET /tickets/{id} adds the
// messages [S MCP-T, AE]. created_at and updated_at are read when present;
// no source shows them.
type wireTicket struct {
	ID                   text              `json:"id"`
	Subject              text              `json:"subject"`
	ContactID            text              `json:"contact_id"`
	ContactEmail         text              `json:"contact_email"`
	Priority             text              `json:"priority"`
	Status               text              `json:"status"`
	AssignedOperatorID   text              `json:"assigned_operator_id"`
	AssignedDepartmentID text              `json:"assigned_department_id"`
	CustomChannelID      text              `json:"custom_channel_id"`
	CreatedAt            text              `json:"created_at"`
	UpdatedAt            text              `json:"updated_at"`
	Messages             []json.RawMessage `json:"messages"`
}

// wireMessage is a ticket message. Its body is "message_content" in the
// Tidio-side MCP's fixtures [S MCP-T tests]; "content" (AE's contact message
// and the reply body) is read too.
type wireMessage struct {
	MessageID      text   `json:"message_id"`
	CreatedAt      text   `json:"created_at"`
	AuthorType     text   `json:"author_type"`
	AuthorID       text   `json:"author_id"`
	MessageType    text   `json:"message_type"`
	MessageContent text   `json:"message_content"`
	Content        text   `json:"content"`
	Attachments    []text `json:"attachments"`
}

type wireOperator struct {
	ID     text `json:"id"`
	Active bool `json:"active"`
	Email  text `json:"email"`
	Name   text `json:"name"`
	Role   text `json:"role"`
}

type wireDepartment struct {
	ID   text `json:"id"`
	Name text `json:"name"`
}

// parseTime reads Tidio's date-times ("2025-09-06T10:30:00+00:00") into
// UTC; anything unreadable is the zero time, the payload staying in Raw.
func parseTime(s text) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, string(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// decodeContact decodes one contact payload.
func decodeContact(raw []byte) (support.Contact, error) {
	var w wireContact
	if err := json.Unmarshal(raw, &w); err != nil {
		return support.Contact{}, err
	}
	if w.ID == "" {
		return support.Contact{}, errors.New("contact without id")
	}
	c := support.Contact{
		ID: string(w.ID), FirstName: string(w.FirstName), LastName: string(w.LastName), Email: string(w.Email),
		Phone: string(w.Phone), Language: string(w.Language), Country: string(w.Country), City: string(w.City),
		EmailConsent: consent(w.EmailConsent), ExternalID: string(w.DistinctID),
		CreatedAt: parseTime(w.CreatedAt), Raw: slices.Clone(json.RawMessage(raw)),
	}
	for _, p := range w.Properties {
		if p.Name == "" || p.Value == "" {
			continue
		}
		if c.CustomFields == nil {
			c.CustomFields = map[string]string{}
		}
		c.CustomFields[string(p.Name)] = string(p.Value)
	}
	return c, nil
}

// consent maps email_consent (subscribed or unsubscribed [D T-ref]); any
// other value is unknown, "", and stays in Raw.
func consent(t text) support.Consent {
	if c := support.Consent(t); c == support.ConsentSubscribed || c == support.ConsentUnsubscribed {
		return c
	}
	return ""
}

// noListError is the decoding error of a list answer without its list.
type noListError struct{ key string }

func (e noListError) Error() string { return fmt.Sprintf("page without its %q list", e.key) }

// decodePage decodes a list answer, {<key>: [items], "meta": {"cursor"}}
// [D T-ref] (GET /contacts, /tickets, /operators, /contact-properties;
// /departments and a ticket's messages have no meta): its items, each
// decoded with item, and the next cursor ("" on the last page). The list
// must be there and be an array: an answer without it ({}, null, an empty
// body, a null list) is an error, never an empty last page.
func decodePage[T any](body []byte, key string, item func([]byte) (T, error)) (support.Page[T], error) {
	var w map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 {
		return support.Page[T]{}, noListError{key}
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return support.Page[T]{}, err
	}
	var raws []json.RawMessage
	var meta wireMeta
	if list := bytes.TrimSpace(w[key]); len(list) == 0 || list[0] != '[' {
		return support.Page[T]{}, noListError{key}
	} else if err := json.Unmarshal(list, &raws); err != nil {
		return support.Page[T]{}, err
	}
	if m, ok := w["meta"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return support.Page[T]{}, fmt.Errorf("meta: %w", err)
		}
	}
	page := support.Page[T]{Items: make([]T, 0, len(raws)), Next: nextCursor(meta.Cursor)}
	for i, raw := range raws {
		v, err := item(raw)
		if err != nil {
			return support.Page[T]{}, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

// rawItem keeps a list item as it is, for decodePage.
func rawItem(raw []byte) (json.RawMessage, error) { return raw, nil }

// nextCursor turns meta.cursor into a Page.Next: null (and the string
// "null", which Tidio reads as the first page) end the list [D T-ref].
func nextCursor(c text) string {
	if c == "null" {
		return ""
	}
	return string(c)
}

// priorities are Tidio's ticket priorities, lowest first, named as the
// neutral ones [AE, S MCP-T].
var priorities = []support.Priority{support.PriorityLow, support.PriorityNormal, support.PriorityUrgent}

// ticketStatus maps Tidio's ticket statuses onto the neutral ones.
var ticketStatus = map[string]support.ConversationStatus{
	"open":    support.StatusOpen,
	"pending": support.StatusPending,
	"solved":  support.StatusClosed,
}

// vendorStatus is the reverse of ticketStatus.
func vendorStatus(s support.ConversationStatus) (string, bool) {
	for k, v := range ticketStatus {
		if v == s {
			return k, true
		}
	}
	return "", false
}

// decodeTicket decodes one ticket payload, with its messages when it has
// them. defaultDept is the department whose tickets count as unassigned
// ("" for none).
func decodeTicket(raw []byte, defaultDept string) (support.Conversation, []support.Message, error) {
	var w wireTicket
	if err := json.Unmarshal(raw, &w); err != nil {
		return support.Conversation{}, nil, err
	}
	if w.ID == "" {
		return support.Conversation{}, nil, errors.New("ticket without id")
	}
	c := support.Conversation{
		ID: string(w.ID), ContactID: string(w.ContactID), Status: ticketStatus[string(w.Status)],
		Subject: string(w.Subject), Channel: "email", CreatedAt: parseTime(w.CreatedAt), UpdatedAt: parseTime(w.UpdatedAt),
		Raw: slices.Clone(json.RawMessage(raw)),
	}
	if w.CustomChannelID != "" {
		c.Channel = string(w.CustomChannelID)
	}
	if p := support.Priority(w.Priority); slices.Contains(priorities, p) {
		c.Priority = p
	}
	if string(w.AssignedDepartmentID) != defaultDept {
		c.Department = string(w.AssignedDepartmentID)
	}
	switch {
	case w.AssignedOperatorID != "":
		c.Assignee = &support.Assignee{Kind: support.KindAgent, ID: string(w.AssignedOperatorID)}
	case c.Department != "":
		c.Assignee = &support.Assignee{Kind: support.KindTeam, ID: c.Department}
	}
	msgs := make([]support.Message, 0, len(w.Messages))
	for i, mraw := range w.Messages {
		m, err := decodeMessage(c.ID, mraw)
		if err != nil {
			return support.Conversation{}, nil, errors.New("messages[" + strconv.Itoa(i) + "]: " + err.Error())
		}
		msgs = append(msgs, m)
	}
	return c, msgs, nil
}

// needsDefaultDept reports whether mapping the ticket's department and
// assignee depends on which department is the default one: it has one.
func needsDefaultDept(raw []byte) bool {
	var w struct {
		Dept text `json:"assigned_department_id"`
	}
	return json.Unmarshal(raw, &w) == nil && w.Dept != ""
}

// decodeMessage decodes a ticket message.
func decodeMessage(ticketID string, raw []byte) (support.Message, error) {
	var m wireMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return support.Message{}, err
	}
	out := support.Message{
		ID: string(m.MessageID), ConversationID: ticketID, AuthorID: string(m.AuthorID),
		Internal: m.MessageType == "internal", Text: string(m.MessageContent), CreatedAt: parseTime(m.CreatedAt),
		Raw: slices.Clone(json.RawMessage(raw)),
	}
	if out.Text == "" {
		out.Text = string(m.Content)
	}
	switch m.AuthorType {
	case "contact":
		out.AuthorKind, out.Direction = support.AuthorContact, support.Inbound
	case "bot":
		out.AuthorKind, out.Direction = support.AuthorBot, support.Outbound
	default:
		out.AuthorKind, out.Direction = support.AuthorAgent, support.Outbound
	}
	for _, a := range m.Attachments {
		if a != "" {
			out.Attachments = append(out.Attachments, support.Attachment{URL: string(a), Name: attachmentName(string(a))})
		}
	}
	return out, nil
}

// attachmentName is the last path segment of an attachment URL.
func attachmentName(u string) string {
	u, _, _ = strings.Cut(u, "?")
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		return u[i+1:]
	}
	return u
}

// decodeOperator maps an operator to an agent.
func decodeOperator(raw []byte) (support.Agent, error) {
	var w wireOperator
	if err := json.Unmarshal(raw, &w); err != nil {
		return support.Agent{}, err
	}
	if w.ID == "" {
		return support.Agent{}, errors.New("operator without id")
	}
	return support.Agent{
		ID: string(w.ID), Kind: support.KindAgent, Name: string(w.Name), Email: string(w.Email),
		Role: string(w.Role), Active: w.Active, Raw: slices.Clone(json.RawMessage(raw)),
	}, nil
}

// decodeDepartment maps a department to a team.
func decodeDepartment(raw []byte) (support.Agent, error) {
	var w wireDepartment
	if err := json.Unmarshal(raw, &w); err != nil {
		return support.Agent{}, err
	}
	if w.ID == "" {
		return support.Agent{}, errors.New("department without id")
	}
	return support.Agent{
		ID: string(w.ID), Kind: support.KindTeam, Name: string(w.Name), Active: true,
		Raw: slices.Clone(json.RawMessage(raw)),
	}, nil
}

// ulidTime returns the time a ULID encodes (its first 48 bits, Unix
// milliseconds), in UTC, or the zero time if s is not a ULID. Tidio's
// message IDs are ULIDs [S MCP-T, AE], so a reply's creation time is known
// from the ID its 201 returns.
func ulidTime(s string) time.Time {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	if len(s) != 26 || s[0] > '7' {
		return time.Time{}
	}
	var ms int64
	for i := 0; i < 10; i++ {
		d := strings.IndexByte(alphabet, upper(s[i]))
		if d < 0 {
			return time.Time{}
		}
		ms = ms<<5 | int64(d)
	}
	for i := 10; i < 26; i++ {
		if strings.IndexByte(alphabet, upper(s[i])) < 0 {
			return time.Time{}
		}
	}
	return time.UnixMilli(ms).UTC()
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

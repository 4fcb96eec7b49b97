package tidiotest

import (
	"encoding/json"
	"strconv"
	"time"
)

// Contact is a contact as the simulator stores it. Empty strings are sent
// as null.
type Contact struct {
	ID           string
	DistinctID   string
	FirstName    string
	LastName     string
	Email        string
	Phone        string
	Language     string
	Country      string
	City         string
	EmailConsent string
	Properties   []Property
	CreatedAt    time.Time
}

// Property is one custom property value of a contact.
type Property struct {
	Name  string
	Value string
}

// PropertyDef defines a contact property: its name, label and type (text,
// email, number, phone or url).
type PropertyDef struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

// Ticket is a ticket as the simulator stores it, with its messages oldest
// first.
type Ticket struct {
	ID                   int64
	Subject              string
	ContactID            string
	ContactEmail         string
	Priority             string
	Status               string
	AssignedOperatorID   string
	AssignedDepartmentID string
	Messages             []Message
}

// Message is one message of a ticket.
type Message struct {
	ID          string
	CreatedAt   time.Time
	AuthorType  string // operator or contact
	AuthorID    string
	MessageType string // public or internal
	Content     string
	Attachments []string
}

// Operator is a Tidio operator (an agent).
type Operator struct {
	ID      string
	Name    string
	Email   string
	Role    string // owner, admin, chat_agent, moderator or custom
	Active  bool
	Picture string
}

// Department is a Tidio department (a team).
type Department struct {
	ID   string
	Name string
}

// Wire shapes, as Tidio sends them.

type contactJSON struct {
	ID           string         `json:"id"`
	DistinctID   *string        `json:"distinct_id"`
	FirstName    *string        `json:"first_name"`
	LastName     *string        `json:"last_name"`
	Email        *string        `json:"email"`
	Phone        *string        `json:"phone"`
	Language     *string        `json:"language"`
	Country      *string        `json:"country"`
	City         *string        `json:"city"`
	MessengerID  *string        `json:"messenger_id"`
	InstagramID  *string        `json:"instagram_id"`
	CreatedAt    string         `json:"created_at"`
	EmailConsent *string        `json:"email_consent"`
	Properties   []propertyJSON `json:"properties"`
}

type propertyJSON struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

type metaJSON struct {
	Cursor *string `json:"cursor"`
	Limit  int     `json:"limit"`
}

type ticketJSON struct {
	ID                   int64   `json:"id"`
	Link                 string  `json:"link"`
	Subject              string  `json:"subject"`
	ContactID            string  `json:"contact_id"`
	ContactEmail         *string `json:"contact_email"`
	Priority             string  `json:"priority"`
	Status               string  `json:"status"`
	AssignedOperatorID   *string `json:"assigned_operator_id"`
	AssignedDepartmentID *string `json:"assigned_department_id"`
	CustomChannelID      *string `json:"custom_channel_id"`
}

type ticketWithMessagesJSON struct {
	ticketJSON
	Messages []messageJSON `json:"messages"`
}

type messageJSON struct {
	MessageID      string   `json:"message_id"`
	CreatedAt      string   `json:"created_at"`
	AuthorType     string   `json:"author_type"`
	AuthorID       *string  `json:"author_id"`
	MessageType    string   `json:"message_type"`
	MessageContent string   `json:"message_content"`
	Attachments    []string `json:"attachments"`
}

type operatorJSON struct {
	ID       string  `json:"id"`
	Active   bool    `json:"active"`
	Email    string  `json:"email"`
	Name     *string `json:"name"`
	Role     string  `json:"role"`
	Picture  *string `json:"picture"`
	LastSeen *string `json:"last_seen"`
}

type departmentJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// null returns nil for "", so that empty fields are sent as null.
func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// stamp formats t as Tidio does ("2025-09-06T10:30:00+00:00").
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

func (v *vendor) contactJSON(c Contact) contactJSON {
	out := contactJSON{
		ID: c.ID, DistinctID: null(c.DistinctID), FirstName: null(c.FirstName), LastName: null(c.LastName),
		Email: null(c.Email), Phone: null(c.Phone), Language: null(c.Language), Country: null(c.Country),
		City: null(c.City), CreatedAt: stamp(c.CreatedAt), EmailConsent: null(c.EmailConsent),
		Properties: make([]propertyJSON, 0, len(c.Properties)),
	}
	for _, p := range c.Properties {
		out.Properties = append(out.Properties, propertyJSON{Name: p.Name, Value: v.propertyValue(p)})
	}
	return out
}

// propertyValue renders a number property as a JSON number, as Tidio's
// examples show [S MCP-T], and anything else as a string.
func (v *vendor) propertyValue(p Property) json.RawMessage {
	if def, ok := v.properties.Get(p.Name); ok && def.Type == "number" {
		if _, err := strconv.ParseFloat(p.Value, 64); err == nil && json.Valid([]byte(p.Value)) {
			return json.RawMessage(p.Value)
		}
	}
	b, _ := json.Marshal(p.Value)
	return b
}

func (v *vendor) ticketJSON(t Ticket) ticketJSON {
	return ticketJSON{
		ID: t.ID, Link: "https://www.tidio.com/panel/inbox/tickets/" + strconv.FormatInt(t.ID, 10),
		Subject: t.Subject, ContactID: t.ContactID, ContactEmail: null(t.ContactEmail),
		Priority: t.Priority, Status: t.Status,
		AssignedOperatorID: null(t.AssignedOperatorID), AssignedDepartmentID: null(t.AssignedDepartmentID),
	}
}

func messageOut(m Message) messageJSON {
	atts := m.Attachments
	if atts == nil {
		atts = []string{}
	}
	return messageJSON{
		MessageID: m.ID, CreatedAt: stamp(m.CreatedAt), AuthorType: m.AuthorType, AuthorID: null(m.AuthorID),
		MessageType: m.MessageType, MessageContent: m.Content, Attachments: atts,
	}
}

func operatorOut(o Operator) operatorJSON {
	return operatorJSON{ID: o.ID, Active: o.Active, Email: o.Email, Name: null(o.Name), Role: o.Role, Picture: null(o.Picture)}
}

package memory

import (
	"encoding/json"
	"time"
)

// The JSON renderings of stored records, returned in Raw. They are what a
// vendor payload would be for this platform.

type contactJSON struct {
	ID           string            `json:"id"`
	FirstName    string            `json:"first_name,omitempty"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Language     string            `json:"language,omitempty"`
	Country      string            `json:"country,omitempty"`
	ExternalID   string            `json:"external_id,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
	CreatedAt    string            `json:"created_at"`
}

type conversationJSON struct {
	ID          string           `json:"id"`
	ContactID   string           `json:"contact_id"`
	Status      string           `json:"status"`
	Subject     string           `json:"subject,omitempty"`
	Channel     string           `json:"channel"`
	Assignee    *assigneeJSON    `json:"assignee"`
	ClosingNote *closingNoteJSON `json:"closing_note,omitempty"`
	CreatedAt   string           `json:"created_at"`
	UpdatedAt   string           `json:"updated_at"`
}

type assigneeJSON struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
}

type closingNoteJSON struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary,omitempty"`
}

type messageJSON struct {
	ID             string           `json:"id"`
	ConversationID string           `json:"conversation_id"`
	Direction      string           `json:"direction"`
	AuthorKind     string           `json:"author_kind"`
	AuthorID       string           `json:"author_id,omitempty"`
	Internal       bool             `json:"internal"`
	Text           string           `json:"text,omitempty"`
	HTML           string           `json:"html,omitempty"`
	Attachments    []attachmentJSON `json:"attachments,omitempty"`
	CreatedAt      string           `json:"created_at"`
}

type attachmentJSON struct {
	URL         string `json:"url"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

type agentJSON struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Role   string `json:"role,omitempty"`
	Active bool   `json:"active"`
}

// stamp renders a time for Raw. Times are strings rather than time.Time so
// that rendering cannot fail, whatever Config.Now returns.
func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

// render marshals a record for Raw. It cannot fail: the records hold only
// strings, bools, string slices and string maps.
func render(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("memory: rendering a record: " + err.Error())
	}
	return b
}

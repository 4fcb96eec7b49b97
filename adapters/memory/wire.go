package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/support"
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
	City         string            `json:"city,omitempty"`
	EmailConsent string            `json:"email_consent,omitempty"`
	Lifecycle    string            `json:"lifecycle,omitempty"`
	AvatarURL    string            `json:"avatar_url,omitempty"`
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
	Priority    string           `json:"priority"`
	Department  string           `json:"department,omitempty"`
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

// Send is the passthrough: a GET of contacts/<id>, conversations/<id> or
// conversations/<id>/messages/<id> answers 200 with the record's JSON
// rendering (what Raw holds); a path that names no record answers 404
// (ErrNotFound), another method 405 (an error of no kind). The query,
// headers and body are not read.
func (d *Driver) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	defer d.lock(ctx, r.Method)()
	body, err := d.serve(r)
	resp := &support.RawResponse{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	if err != nil {
		resp.Status, resp.Body = err.Status, render(map[string]string{"error": err.Message})
		return resp, err
	}
	return resp, nil
}

// serve returns the rendering of the record r names. The caller holds d.mu.
func (d *Driver) serve(r support.RawRequest) (json.RawMessage, *support.Error) {
	if r.Method != http.MethodGet {
		return nil, &support.Error{Vendor: Vendor, Status: http.StatusMethodNotAllowed, Message: "method " + r.Method + " is not served: memory serves GET only"}
	}
	p, conv := r.Path, (*convRecord)(nil)
	if len(p) >= 2 && p[0] == "conversations" {
		conv = d.convByID[p[1]]
	}
	switch {
	case len(p) == 2 && p[0] == "contacts" && d.contactByID[p[1]] != nil:
		return d.contactByID[p[1]].out().Raw, nil
	case len(p) == 2 && conv != nil:
		return conv.out().Raw, nil
	case len(p) == 4 && conv != nil && p[2] == "messages" && conv.message(p[3]) != nil:
		return conv.message(p[3]).out().Raw, nil
	}
	return nil, &support.Error{Vendor: Vendor, Kind: support.ErrNotFound, Status: http.StatusNotFound,
		Message: fmt.Sprintf("no record at %.80q", strings.Join(p, "/"))}
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

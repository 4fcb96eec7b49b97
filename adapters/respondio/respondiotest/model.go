package respondiotest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Contact is a stored contact, with its one conversation.
type Contact struct {
	ID          int64
	FirstName   string
	LastName    string
	Email       string
	Phone       string // E.164
	Language    string // ISO 639-1, lower case
	ProfilePic  string
	CountryCode string // ISO 3166-1 alpha-2, upper case
	// Status is the conversation's status: "open", "close", or "" while the
	// contact has no conversation yet.
	Status string
	// AssigneeID is the assigned user; 0 when unassigned.
	AssigneeID int64
	// ClosingCategory and ClosingSummary are the note of the last close.
	ClosingCategory string
	ClosingSummary  string
	Lifecycle       string
	Tags            []string
	CustomFields    []CustomField
	// Channels are the IDs of the workspace channels (SeedChannel) the
	// contact is reachable on; a message sent with a channelId must use one.
	Channels  []int64
	CreatedAt time.Time
}

// CustomField is one custom field value of a contact.
type CustomField struct {
	Name string
	// Value is the JSON value as sent: a string, number, boolean or null.
	Value json.RawMessage
}

// clone returns c sharing no slices with the store.
func (c Contact) clone() Contact {
	c.Tags = slices.Clone(c.Tags)
	c.CustomFields = slices.Clone(c.CustomFields)
	c.Channels = slices.Clone(c.Channels)
	return c
}

// FieldDef is a custom field the workspace defines [S R-SDK types/space.ts].
// Contacts may hold only defined custom fields (a write of another is a
// 400).
type FieldDef struct {
	ID          int64
	Name        string // what a contact's custom_fields name
	Description string
	// DataType is text, list, checkbox, email, number, url, date or time.
	DataType      string
	AllowedValues []string
}

// ClosingNote is a closing-note category [S R-SDK types/space.ts]:
// closing a conversation with a category needs one of them.
type ClosingNote struct {
	Category    string
	Description string
}

// DefaultClosingNotes returns the closing notes a workspace starts with:
// the official SDK's example.
func DefaultClosingNotes() []ClosingNote {
	return []ClosingNote{{Category: "Resolved", Description: "Issue resolved"}}
}

// Channel is a workspace channel [S R-SDK types/contact.ts, space.ts].
type Channel struct {
	ID     int64
	Name   string
	Source string // whatsapp, gmail, other_email, telegram, ...
}

// email reports whether the channel carries email messages.
func (c Channel) email() bool { return c.Source == "gmail" || c.Source == "other_email" }

// Tag is a workspace tag, made with POST /space/tag [S R-SDK space.ts].
type Tag struct {
	ID          int64
	Name        string
	Description string
	ColorCode   string
	Emoji       string
}

// Conversation is a contact's conversation, as the simulator holds it.
type Conversation struct {
	ContactID       int64
	Status          string // "open" or "close"
	AssigneeID      int64  // 0: unassigned
	ClosingCategory string
	ClosingSummary  string
}

// Message is one message of a contact's history.
type Message struct {
	ID        int64
	ContactID int64
	// ChannelID is the channel the message went through; 0 for none (sent
	// without channelId: respond.io picks the last-interacted channel, which
	// the simulator does not model).
	ChannelID int64
	// Traffic is "incoming" or "outgoing".
	Traffic string
	// Body is the message object as sent, such as
	// {"type":"text","text":"Hello"}.
	Body json.RawMessage
	// Type, Text and Subject (of an email) are read from Body, for tests.
	Type    string
	Text    string
	Subject string
	// SenderSource is who sent an outgoing message ("api" for messages
	// sent through the API); "" for incoming ones.
	SenderSource string
	SenderUserID int64
	CreatedAt    time.Time
}

// Comment is an internal comment on a contact's conversation.
type Comment struct {
	ContactID int64
	Text      string
	CreatedAt time.Time
}

// User is a workspace user, whom conversations can be assigned to.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Email        string
	Role         string // agent, manager or owner
	Team         *Team
	Restrictions []string
}

// Team is a user's team.
type Team struct {
	ID   int64
	Name string
}

// DefaultUsers returns the users a workspace starts with (unless
// Options.NoDefaultUsers).
func DefaultUsers() []User {
	support := &Team{ID: 1, Name: "Support"}
	return []User{
		{ID: 1, FirstName: "Alex", LastName: "Morgan", Email: "alex.morgan@example.com", Role: "owner"},
		{ID: 2, FirstName: "Sam", LastName: "Rivera", Email: "sam.rivera@example.com", Role: "agent", Team: support},
		{ID: 3, FirstName: "Jordan", LastName: "Lee", Email: "jordan.lee@example.com", Role: "manager", Team: support},
	}
}

// foldEmail returns a key equal for two addresses exactly when they differ
// only in case (strings.EqualFold's relation): each rune becomes the
// smallest rune it folds to.
func foldEmail(s string) string {
	if s == "" {
		return ""
	}
	return strings.Map(func(r rune) rune {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		return low
	}, s)
}

// Wire shapes, as respond.io sends them [S R-SDK types, R-n8n types].

type wireContact struct {
	ID           int64       `json:"id"`
	FirstName    string      `json:"firstName"`
	LastName     *string     `json:"lastName"`
	Phone        *string     `json:"phone"`
	Email        *string     `json:"email"`
	Language     *string     `json:"language"`
	ProfilePic   *string     `json:"profilePic"`
	CountryCode  *string     `json:"countryCode"`
	Status       string      `json:"status,omitempty"`
	IsBlocked    bool        `json:"isBlocked"`
	CustomFields []wireField `json:"custom_fields"`
	Tags         []string    `json:"tags"`
	Assignee     *wireUser   `json:"assignee"`
	Lifecycle    *string     `json:"lifecycle"`
	CreatedAt    int64       `json:"created_at"`
}

type wireField struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

type wireUser struct {
	ID           int64     `json:"id"`
	FirstName    string    `json:"firstName"`
	LastName     string    `json:"lastName"`
	Email        string    `json:"email"`
	Role         string    `json:"role,omitempty"`
	Team         *wireTeam `json:"team,omitempty"`
	Restrictions []string  `json:"restrictions,omitempty"`
}

type wireTeam struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type wireMessage struct {
	MessageID        int64             `json:"messageId"`
	ChannelMessageID string            `json:"channelMessageId"`
	ContactID        int64             `json:"contactId"`
	ChannelID        *int64            `json:"channelId"`
	Traffic          string            `json:"traffic"`
	Message          json.RawMessage   `json:"message"`
	Status           []wireStatusEntry `json:"status"`
	Sender           *wireSender       `json:"sender,omitempty"`
}

type wireStatusEntry struct {
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

type wireSender struct {
	Source string `json:"source"`
	UserID int64  `json:"userId,omitempty"`
}

type wirePagination struct {
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

type wirePage[T any] struct {
	Items      []T            `json:"items"`
	Pagination wirePagination `json:"pagination"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// wire renders c; the caller holds s.mu (for the assignee).
func (s *Simulator) wire(c Contact) wireContact {
	w := wireContact{
		ID: c.ID, FirstName: c.FirstName, LastName: nullable(c.LastName), Phone: nullable(c.Phone),
		Email: nullable(c.Email), Language: nullable(c.Language), ProfilePic: nullable(c.ProfilePic),
		CountryCode: nullable(c.CountryCode), Status: c.Status, Lifecycle: nullable(c.Lifecycle),
		Tags: slices.Clone(c.Tags), CustomFields: []wireField{}, CreatedAt: c.CreatedAt.Unix(),
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	for _, f := range c.CustomFields {
		w.CustomFields = append(w.CustomFields, wireField(f))
	}
	if c.AssigneeID != 0 {
		if u, ok := s.userLocked(c.AssigneeID); ok {
			w.Assignee = &wireUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
		}
	}
	return w
}

func wireOfUser(u User) wireUser {
	w := wireUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Role: u.Role,
		Restrictions: slices.Clone(u.Restrictions)}
	if u.Team != nil {
		w.Team = &wireTeam{ID: u.Team.ID, Name: u.Team.Name}
	}
	if w.Restrictions == nil {
		w.Restrictions = []string{}
	}
	return w
}

func wireOfMessage(m Message) wireMessage {
	w := wireMessage{
		MessageID: m.ID, ChannelMessageID: "sim-" + itoa(m.ID), ContactID: m.ContactID, Traffic: m.Traffic,
		Message: m.Body,
	}
	if m.ChannelID != 0 {
		id := m.ChannelID
		w.ChannelID = &id
	}
	status := "delivered"
	if m.Traffic == "outgoing" {
		status = "sent"
		w.Sender = &wireSender{Source: m.SenderSource, UserID: m.SenderUserID}
	}
	w.Status = []wireStatusEntry{{Value: status, Timestamp: m.CreatedAt.Unix()}}
	return w
}

package respondio

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// flexID is an identifier sent as a JSON number (respond.io) or a string
// of digits; null or absent is "".
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(bytes.Trim(b, `"`), &n); err != nil {
		return err
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || i < 0 {
		return errors.New("respondio: an ID is not a non-negative integer")
	}
	*f = flexID(strconv.FormatInt(i, 10))
	return nil
}

// flexTime is a time sent as Unix seconds (respond.io's created_at and
// status timestamps), Unix milliseconds (a value too large for seconds), or
// an RFC 3339 string; null or absent is the zero time. It is in UTC.
type flexTime struct{ time.Time }

// msThreshold separates seconds from milliseconds: 1e11 seconds is the
// year 5138, 1e11 milliseconds is March 1973.
const msThreshold = 1e11

func (t *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		t.Time = time.Time{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			t.Time = time.Time{}
			return nil
		}
		p, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return errors.New("respondio: a time is neither Unix seconds nor RFC 3339")
		}
		t.Time = p.UTC()
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e15 {
		return errors.New("respondio: a time is out of range")
	}
	if f >= msThreshold {
		t.Time = time.UnixMilli(int64(f)).UTC()
	} else {
		t.Time = time.Unix(int64(f), 0).UTC()
	}
	return nil
}

// decodeRaw decodes b into v, a wire type's plain twin (without the
// UnmarshalJSON that calls it), and keeps b as the record's Raw.
func decodeRaw[T any](b []byte, v *T, raw *json.RawMessage) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	*raw = slices.Clone(b)
	return nil
}

// wireField is one custom field: {name, value}, the value a string, number,
// boolean or null [S R-SDK types/contact.ts].
type wireField struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// text returns the value as text, and false for null.
func (f wireField) text() (string, bool) {
	v := bytes.TrimSpace(f.Value)
	switch {
	case len(v) == 0, bytes.Equal(v, []byte("null")):
		return "", false
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s, true
		}
	}
	return string(v), true // a number or boolean, as written
}

// wireAssignee is a conversation's assignee: a user object [S R-SDK], or
// the seed's email string [AE].
type wireAssignee struct {
	ID    flexID
	Email string
}

func (a *wireAssignee) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.Email)
	}
	var u struct {
		ID    flexID `json:"id"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return err
	}
	a.ID, a.Email = u.ID, u.Email
	return nil
}

// wireContact is a contact as respond.io sends it [S R-SDK types/contact.ts,
// R-n8n types], with the seed's names read too [AE].
type wireContact struct {
	ID             flexID        `json:"id"`
	FirstName      *string       `json:"firstName"`
	LastName       *string       `json:"lastName"`
	Phone          *string       `json:"phone"`
	Email          *string       `json:"email"`
	Language       *string       `json:"language"`
	CountryCode    *string       `json:"countryCode"`
	ProfilePic     *string       `json:"profilePic"`
	Lifecycle      *string       `json:"lifecycle"`
	Status         *string       `json:"status"`
	Tags           []string      `json:"tags"`
	CustomFields   []wireField   `json:"custom_fields"`
	CustomFieldsAE []wireField   `json:"customFields"`
	Assignee       *wireAssignee `json:"assignee"`
	CreatedAt      *flexTime     `json:"created_at"`
	CreatedAE      *flexTime     `json:"created"`

	raw json.RawMessage
}

func (w *wireContact) UnmarshalJSON(b []byte) error {
	type plain wireContact
	return decodeRaw(b, (*plain)(w), &w.raw)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// contact maps w to the neutral model.
func (w *wireContact) contact(op support.Operation) (support.Contact, error) {
	if w.ID == "" || w.ID == "0" {
		return support.Contact{}, malformed(op, "a contact without id")
	}
	c := support.Contact{
		ID: string(w.ID), FirstName: str(w.FirstName), LastName: str(w.LastName),
		Email: str(w.Email), Phone: str(w.Phone),
		Language: strings.ToLower(str(w.Language)), Country: strings.ToUpper(str(w.CountryCode)),
		AvatarURL: str(w.ProfilePic), Lifecycle: str(w.Lifecycle), Tags: slices.Clone(w.Tags), Raw: w.raw,
	}
	fields := w.CustomFields
	if fields == nil {
		fields = w.CustomFieldsAE
	}
	for _, f := range fields {
		if v, ok := f.text(); ok && f.Name != "" {
			if c.CustomFields == nil {
				c.CustomFields = map[string]string{}
			}
			c.CustomFields[f.Name] = v
		}
	}
	switch {
	case w.CreatedAt != nil:
		c.CreatedAt = w.CreatedAt.Time
	case w.CreatedAE != nil:
		c.CreatedAt = w.CreatedAE.Time
	}
	return c, nil
}

// status maps respond.io's conversation status: open|close in the SDK,
// open|closed|done|snoozed|unsnoozed in the n8n node [S R-SDK, R-n8n]. A
// snoozed conversation is still open, only hidden for a while. ok is false
// for a contact without a conversation (no status).
func conversationStatus(s string) (support.ConversationStatus, bool) {
	switch strings.ToLower(s) {
	case "":
		return "", false
	case "close", "closed", "done":
		return support.StatusClosed, true
	}
	return support.StatusOpen, true
}

// conversation maps the contact w to its conversation; ok is false when the
// contact has none.
func (w *wireContact) conversation(op support.Operation) (support.Conversation, bool, error) {
	if w.ID == "" || w.ID == "0" {
		return support.Conversation{}, false, malformed(op, "a contact without id")
	}
	st, ok := conversationStatus(str(w.Status))
	if !ok {
		return support.Conversation{}, false, nil
	}
	conv := support.Conversation{ID: string(w.ID), ContactID: string(w.ID), Status: st, Raw: w.raw}
	if a := w.Assignee; a != nil && (a.ID != "" || a.Email != "") {
		conv.Assignee = &support.Assignee{Kind: support.KindAgent, ID: string(a.ID), Email: a.Email}
	}
	return conv, true, nil
}

// wirePagination is respond.io's {next, previous} (full URLs) [S R-SDK], or
// the seed's {cursorId, hasMore} [AE].
type wirePagination struct {
	Next     string `json:"next"`
	CursorID flexID `json:"cursorId"`
	HasMore  bool   `json:"hasMore"`
}

// nextCursor returns the cursorId of the next page, "" on the last page.
// It only reads the next URL, never follows it.
func (p wirePagination) nextCursor(op support.Operation) (string, error) {
	if p.Next != "" {
		u, err := url.Parse(p.Next)
		if err != nil {
			return "", malformed(op, "pagination.next is not a URL")
		}
		c := u.Query().Get("cursorId")
		if _, err := strconv.ParseUint(c, 10, 63); err != nil {
			return "", malformed(op, "pagination.next has no numeric cursorId")
		}
		return c, nil
	}
	if p.HasMore {
		if p.CursorID == "" {
			return "", malformed(op, "pagination.hasMore without a cursorId")
		}
		return string(p.CursorID), nil
	}
	return "", nil
}

// wirePage is one page of a list; Items is nil without a list.
type wirePage[T any] struct {
	Items      *[]T           `json:"items"`
	Pagination wirePagination `json:"pagination"`
}

// wireMessage is a message as respond.io sends it [S R-SDK types/message.ts].
type wireMessage struct {
	MessageID flexID          `json:"messageId"`
	ContactID flexID          `json:"contactId"`
	ChannelID flexID          `json:"channelId"`
	Traffic   string          `json:"traffic"`
	Message   wireMessageBody `json:"message"`
	Status    wireStatuses    `json:"status"`
	Timestamp *flexTime       `json:"timestamp"` // the seed's [AE]
	Sender    *struct {
		Source string `json:"source"`
		UserID flexID `json:"userId"`
	} `json:"sender"`

	raw json.RawMessage
}

func (w *wireMessage) UnmarshalJSON(b []byte) error {
	type plain wireMessage
	return decodeRaw(b, (*plain)(w), &w.raw)
}

type wireMessageBody struct {
	Type       string `json:"type"`
	Text       string `json:"text"`
	Title      string `json:"title"`
	Subject    string `json:"subject"` // of an email
	Attachment *struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"attachment"`
	Attachments []struct {
		Type     string `json:"type"`
		URL      string `json:"url"`
		FileName string `json:"fileName"`
	} `json:"attachments"`
}

// wireStatuses is a message's status list [{value, timestamp}] [S R-SDK],
// or the seed's status string [AE], which carries no time.
type wireStatuses []struct {
	Value     string   `json:"value"`
	Timestamp flexTime `json:"timestamp"`
}

func (s *wireStatuses) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		*s = nil
		return nil
	}
	type plain wireStatuses
	return json.Unmarshal(b, (*plain)(s))
}

// message maps w to the neutral model.
func (w *wireMessage) message(op support.Operation) (support.Message, error) {
	if w.MessageID == "" {
		return support.Message{}, malformed(op, "a message without messageId")
	}
	m := support.Message{ID: string(w.MessageID), ConversationID: string(w.ContactID), ChannelID: string(w.ChannelID), Raw: w.raw}
	if strings.EqualFold(w.Traffic, "incoming") {
		m.Direction, m.AuthorKind, m.AuthorID = support.Inbound, support.AuthorContact, string(w.ContactID)
	} else {
		m.Direction, m.AuthorKind = support.Outbound, support.AuthorAgent
		if w.Sender != nil {
			switch w.Sender.Source {
			case "ai_agent", "workflow":
				m.AuthorKind = support.AuthorBot
			case "broadcast":
				m.AuthorKind = support.AuthorSystem
			}
			m.AuthorID = string(w.Sender.UserID)
		}
	}
	b := w.Message
	m.Text, m.Subject = b.Text, b.Subject
	if m.Text == "" {
		m.Text = b.Title // quick replies
	}
	if a := b.Attachment; a != nil && a.URL != "" {
		m.Attachments = append(m.Attachments, support.Attachment{URL: a.URL, ContentType: a.Type})
	}
	for _, a := range b.Attachments {
		m.Attachments = append(m.Attachments, support.Attachment{URL: a.URL, Name: a.FileName, ContentType: a.Type})
	}
	for _, s := range w.Status {
		if t := s.Timestamp.Time; !t.IsZero() && (m.CreatedAt.IsZero() || t.Before(m.CreatedAt)) {
			m.CreatedAt = t
		}
	}
	if m.CreatedAt.IsZero() && w.Timestamp != nil {
		m.CreatedAt = w.Timestamp.Time
	}
	return m, nil
}

// wireUser is a workspace user [S R-SDK types/space.ts].
type wireUser struct {
	ID        flexID `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Role      string `json:"role"`

	raw json.RawMessage
}

func (w *wireUser) UnmarshalJSON(b []byte) error {
	type plain wireUser
	return decodeRaw(b, (*plain)(w), &w.raw)
}

// contactIDReply is the {contactId} answer of update, upsert, delete, tags,
// merge, status and assignee [S R-SDK].
type contactIDReply struct {
	ContactID flexID `json:"contactId"`
}

// messageIDReply is the {messageId} answer of a send [S R-SDK].
type messageIDReply struct {
	MessageID flexID `json:"messageId"`
}

// commentReply is the answer of a comment: {contactId, text, created_at}
// [S R-MCP, R-n8n types].
type commentReply struct {
	ContactID flexID    `json:"contactId"`
	Text      string    `json:"text"`
	CreatedAt *flexTime `json:"created_at"`
}

// contactBody is ContactFields [S R-SDK types/contact.ts]: a field left nil
// is not sent; in an update, null clears it.
type contactBody struct {
	FirstName    *nullable   `json:"firstName,omitempty"`
	LastName     *nullable   `json:"lastName,omitempty"`
	Phone        *nullable   `json:"phone,omitempty"`
	Email        *nullable   `json:"email,omitempty"`
	Language     *nullable   `json:"language,omitempty"`
	CountryCode  *nullable   `json:"countryCode,omitempty"`
	ProfilePic   *nullable   `json:"profilePic,omitempty"`
	CustomFields []fieldBody `json:"custom_fields,omitempty"`
}

// nullable is a string that encodes "" as null (a cleared field).
type nullable string

func (n nullable) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(n))
}

func set(s string) *nullable { v := nullable(s); return &v }

// fieldBody is a custom field to write; a nil Value clears it.
type fieldBody struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

func (b *contactBody) empty() bool {
	return b.FirstName == nil && b.LastName == nil && b.Phone == nil && b.Email == nil &&
		b.Language == nil && b.CountryCode == nil && b.ProfilePic == nil && len(b.CustomFields) == 0
}

// allContacts is the body of POST /contact/list [S R-SDK types/contact.ts]:
// no search, every contact.
var allContacts = json.RawMessage(`{"search":"","timezone":"UTC","filter":{"$and":[]}}`)

// messageBody is a text, attachment or email message [S R-SDK
// types/message.ts].
type messageBody struct {
	Type        string           `json:"type"`
	Text        string           `json:"text,omitempty"`
	Subject     string           `json:"subject,omitempty"`
	Attachment  *attachmentBody  `json:"attachment,omitempty"`
	Attachments []attachmentBody `json:"attachments,omitempty"` // an email's
}

// attachmentBody is an attachment; an email's has a fileName.
type attachmentBody struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	FileName string `json:"fileName,omitempty"`
}

// sendBody is the body of a send: channelId a number, or absent for the
// contact's last-interacted channel.
type sendBody struct {
	ChannelID json.Number `json:"channelId,omitempty"`
	Message   messageBody `json:"message"`
}

// lifecycleBody is the body of …/lifecycle/update: a stage's name, or null
// to clear it [S R-SDK contact.ts].
type lifecycleBody struct {
	Name nullable `json:"name"`
}

// wireClosingNote is a closing-note category [S R-SDK types/space.ts].
type wireClosingNote struct {
	Category    string `json:"category"`
	Description string `json:"description"`

	raw json.RawMessage
}

func (w *wireClosingNote) UnmarshalJSON(b []byte) error {
	type plain wireClosingNote
	return decodeRaw(b, (*plain)(w), &w.raw)
}

// wireFieldDef is a custom field definition {id, name, description,
// dataType, allowedValues?} [S R-SDK types/space.ts].
type wireFieldDef struct {
	Name     string `json:"name"`
	DataType string `json:"dataType"`

	raw json.RawMessage
}

func (w *wireFieldDef) UnmarshalJSON(b []byte) error {
	type plain wireFieldDef
	return decodeRaw(b, (*plain)(w), &w.raw)
}

// commentBody is the body of POST /contact/{identifier}/comment [S R-MCP,
// R-n8n].
type commentBody struct {
	Text string `json:"text"`
}

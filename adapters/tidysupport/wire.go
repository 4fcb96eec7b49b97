package tidysupport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// This file holds TidySupport's JSON shapes and their mapping to the neutral
// model. Every decoder takes a whole response body and fails, never panics,
// on anything it cannot read (S5: see fuzz_test.go). Decoding errors never
// quote vendor values.

// wireTime is a timestamp: an RFC 3339 string, or null / "" for none.
type wireTime struct{ time.Time }

func (t *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("a timestamp is not a string")
	}
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return errors.New("a timestamp is not RFC 3339")
	}
	t.Time = v.UTC()
	return nil
}

// fullName is the one name TidySupport stores for a first and last name:
// both joined with one space, or the one that is set, white space trimmed
// and collapsed. support.SplitName reads it back: the last word is the last
// name, the words before it the first name, and a single word a first
// name alone. These two are the adapter's only name rule, one way each.
func fullName(first, last string) string { return strings.Join(strings.Fields(first+" "+last), " ") }

// contactWire is the Contact Object (seed 002_0168389bc6ba4e91) and the
// Customers API's customer [D TS-cust], which share their "ctc_" IDs.
type contactWire struct {
	ID          string                     `json:"id"`
	Email       string                     `json:"email"`
	Name        string                     `json:"name"`
	Phone       string                     `json:"phone"`
	AvatarURL   string                     `json:"avatarUrl"`
	Status      string                     `json:"status"`
	ExternalID  string                     `json:"externalId"`
	WorkspaceID string                     `json:"workspaceId"`
	Metadata    map[string]json.RawMessage `json:"metadata"`
	CreatedAt   wireTime                   `json:"createdAt"`
}

// contact maps w: a customer's metadata ({"plan": "pro"} [D TS-cust]) is
// its custom fields, string values as they are, other values as JSON, null
// ones left out.
func (w *contactWire) contact(raw json.RawMessage) (support.Contact, error) {
	if w.ID == "" {
		return support.Contact{}, errors.New("a contact has no id")
	}
	first, last := support.SplitName(w.Name)
	c := support.Contact{
		ID: w.ID, FirstName: first, LastName: last, Email: w.Email, Phone: w.Phone, AvatarURL: w.AvatarURL,
		ExternalID: w.ExternalID, CreatedAt: w.CreatedAt.Time, Raw: raw,
	}
	for k, v := range w.Metadata {
		var s string
		if string(v) == "null" {
			continue
		} else if json.Unmarshal(v, &s) != nil {
			var b bytes.Buffer
			_ = json.Compact(&b, v) // valid: the decoder checked it
			s = b.String()
		}
		if c.CustomFields == nil {
			c.CustomFields = map[string]string{}
		}
		c.CustomFields[k] = s
	}
	return c, nil
}

// decodeObject decodes body into v, which must be a JSON object.
func decodeObject(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("the response is not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q has the wrong type", te.Field)
		}
		return err
	}
	return nil
}

// decodeContact reads {"contact": {…}}, the answer of GET and POST
// …/inbox/contacts. Raw is the contact object.
func decodeContact(body []byte) (support.Contact, error) {
	var env struct {
		Contact json.RawMessage `json:"contact"`
	}
	if err := decodeObject(body, &env); err != nil {
		return support.Contact{}, err
	}
	if len(env.Contact) == 0 || string(env.Contact) == "null" {
		return support.Contact{}, errors.New(`the response has no "contact"`)
	}
	var w contactWire
	if err := decodeObject(env.Contact, &w); err != nil {
		return support.Contact{}, fmt.Errorf("contact: %w", err)
	}
	return w.contact(env.Contact)
}

// decodeLookup reads the answer of GET /v1/customers/lookup: a customer as
// POST /v1/customers answers it [D TS-cust] (the docs' copy ends before the
// lookup's example), or the same under "customer". null, {} or an empty
// body is no customer (nil). Raw is the customer object.
func decodeLookup(body []byte) (*support.Contact, error) {
	raw := json.RawMessage(bytes.TrimSpace(body))
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var env struct {
		Customer json.RawMessage `json:"customer"`
	}
	if err := decodeObject(raw, &env); err != nil {
		return nil, err
	}
	if len(env.Customer) > 0 {
		raw = env.Customer
	}
	if string(raw) == "null" {
		return nil, nil
	}
	var w contactWire
	if err := decodeObject(raw, &w); err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	if w.ID == "" && w.Email == "" && w.ExternalID == "" {
		return nil, nil
	}
	c, err := w.contact(bytes.Clone(raw))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// decodeCustomer reads the answer of POST /v1/customers, the customer
// created [D TS-cust].
func decodeCustomer(body []byte) (support.Contact, error) {
	c, err := decodeLookup(body)
	if err == nil && c == nil {
		err = errors.New("the response has no customer")
	}
	if err != nil {
		return support.Contact{}, err
	}
	return *c, nil
}

// wireList is a list as TidySupport wraps it: {items, hasMore}, and a
// cursor on /v1/customers [D TS-cust]. Items is nil without a list.
type wireList struct {
	Items   *[]json.RawMessage `json:"items"`
	HasMore bool               `json:"hasMore"`
	Cursor  string             `json:"cursor"`
}

// noList is the decoding error of a list answer without its list.
func noList(key string) error { return fmt.Errorf("page without its %q list", key) }

// decodeList decodes body, the answer of a list whose items are under key,
// into v: a body that is empty or null has no list.
func decodeList(body []byte, key string, v any) error {
	if b := bytes.TrimSpace(body); len(b) == 0 || string(b) == "null" {
		return noList(key)
	}
	return decodeObject(body, v)
}

// vendorPage is one page of a list as the vendor sent it.
type vendorPage[T any] struct {
	Items   []T
	Cursor  string
	HasMore bool
}

// decodeItems decodes each item of l, the list under key, into a wire
// struct W and maps it with conv; a missing list is an error.
func decodeItems[W, T any](l *wireList, key string, conv func(*W, json.RawMessage) (T, error)) (vendorPage[T], error) {
	if l == nil || l.Items == nil {
		return vendorPage[T]{}, noList(key)
	}
	p := vendorPage[T]{Items: make([]T, 0, len(*l.Items)), Cursor: l.Cursor, HasMore: l.HasMore}
	for i, raw := range *l.Items {
		var w W
		if err := decodeObject(raw, &w); err != nil {
			return vendorPage[T]{}, fmt.Errorf("item %d: %w", i, err)
		}
		v, err := conv(&w, raw)
		if err != nil {
			return vendorPage[T]{}, fmt.Errorf("item %d: %w", i, err)
		}
		p.Items = append(p.Items, v)
	}
	return p, nil
}

// contactPage is one page of contacts as the vendor sent it.
type contactPage struct {
	vendorPage[support.Contact]
	// Workspaces are the distinct workspaceId values of the items
	// (/v1/customers sends them; the inbox list does not).
	Workspaces []string
}

// decodeContactPage reads a contact list: /v1/customers'
// {items, cursor, hasMore} [D TS-cust], or with inbox the inbox's
// {customers: {items: [{contact, latestThread, threadCount}], hasMore}}
// [seed, D TS-contacts], whose items keep their thread summary in Raw.
func decodeContactPage(body []byte, inbox bool) (contactPage, error) {
	var env struct {
		wireList
		Customers *wireList `json:"customers"`
	}
	key, l := "items", &env.wireList
	if inbox {
		key = "customers"
	}
	if err := decodeList(body, key, &env); err != nil {
		return contactPage{}, err
	}
	if inbox {
		if l, key = env.Customers, "customers.items"; l == nil {
			return contactPage{}, noList("customers")
		}
	}
	var p contactPage
	var err error
	p.vendorPage, err = decodeItems(l, key, func(w *struct {
		contactWire
		Contact *contactWire `json:"contact"`
	}, raw json.RawMessage) (support.Contact, error) {
		cw := &w.contactWire
		if inbox {
			if w.Contact == nil {
				return support.Contact{}, errors.New(`an item has no "contact"`)
			}
			cw = w.Contact
		}
		if cw.WorkspaceID != "" && !slices.Contains(p.Workspaces, cw.WorkspaceID) {
			p.Workspaces = append(p.Workspaces, cw.WorkspaceID)
		}
		return cw.contact(raw)
	})
	if err != nil {
		return contactPage{}, err
	}
	return p, nil
}

// searchContact is a contact as search returns it: {id, email, name}
// (the name is not needed).
type searchContact struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// decodeSearch reads the contacts of {"results": {"contacts": […], …}},
// the answer of GET …/inbox/search.
func decodeSearch(body []byte) ([]searchContact, error) {
	var env struct {
		Results *struct {
			Contacts []searchContact `json:"contacts"`
		} `json:"results"`
	}
	if err := decodeObject(body, &env); err != nil {
		return nil, err
	}
	if env.Results == nil {
		return nil, errors.New(`the response has no "results"`)
	}
	for i, c := range env.Results.Contacts {
		if c.ID == "" {
			return nil, fmt.Errorf("result %d has no id", i)
		}
	}
	return env.Results.Contacts, nil
}

// StatusArchived is TidySupport's ARCHIVED status as a list filter:
// ListConversations with it lists the archived conversations, which the
// vendor hides from its default inbox. Archived conversations read back as
// support.StatusClosed, with "ARCHIVED" in Raw.
const StatusArchived support.ConversationStatus = "archived"

// vendorStatus maps a neutral status (or StatusArchived) to TidySupport's.
var vendorStatus = map[support.ConversationStatus]string{
	support.StatusOpen: "OPEN", support.StatusClosed: "CLOSED", StatusArchived: "ARCHIVED",
}

// neutralStatus maps TidySupport's status to the neutral one; ARCHIVED is
// closed. An unknown status is kept, lower case.
func neutralStatus(s string) support.ConversationStatus {
	switch strings.ToUpper(s) {
	case "OPEN":
		return support.StatusOpen
	case "CLOSED", "ARCHIVED":
		return support.StatusClosed
	}
	return support.ConversationStatus(strings.ToLower(s))
}

// conversationWire is a conversation of the inbox list [D TS-conv].
// createdAt and updatedAt are not in the documented list item; they are read
// if the vendor sends them.
type conversationWire struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Source        string   `json:"source"`
	Subject       string   `json:"subject"`
	AssignedToID  string   `json:"assignedToId"`
	LastMessageAt wireTime `json:"lastMessageAt"`
	CreatedAt     wireTime `json:"createdAt"`
	UpdatedAt     wireTime `json:"updatedAt"`
	Contact       struct {
		ID string `json:"id"`
	} `json:"contact"`
	ContactID string `json:"contactId"`
}

func (w *conversationWire) conversation(raw json.RawMessage) (support.Conversation, error) {
	if w.ID == "" {
		return support.Conversation{}, errors.New("a conversation has no id")
	}
	c := support.Conversation{
		ID: w.ID, ContactID: w.Contact.ID, Status: neutralStatus(w.Status), Subject: w.Subject,
		Channel: strings.ToLower(w.Source), CreatedAt: w.CreatedAt.Time, UpdatedAt: w.UpdatedAt.Time, Raw: raw,
	}
	if c.ContactID == "" {
		c.ContactID = w.ContactID
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = w.LastMessageAt.Time // the only time the documented list carries
	}
	if w.AssignedToID != "" {
		c.Assignee = &support.Assignee{Kind: support.KindAgent, ID: w.AssignedToID}
	}
	return c, nil
}

// decodeConversationPage reads {"conversations": {"items": […], "hasMore"}},
// the answer of GET …/inbox/conversations [D TS-conv].
func decodeConversationPage(body []byte) (vendorPage[support.Conversation], error) {
	var env struct {
		Conversations *wireList `json:"conversations"`
	}
	if err := decodeList(body, "conversations", &env); err != nil {
		return vendorPage[support.Conversation]{}, err
	}
	if env.Conversations == nil {
		return vendorPage[support.Conversation]{}, noList("conversations")
	}
	return decodeItems(env.Conversations, "conversations.items", (*conversationWire).conversation)
}

// decodeCreatedConversation reads the answer of POST …/inbox/conversations:
// {"conversation": {"id"}, "contact": {"id"}, "message": {"id",
// "contentPreview", "status"}} [D TS-conv]. The vendor sends no status or
// time: a new thread is taken to be open, and CreatedAt stays zero.
func decodeCreatedConversation(body []byte, subject string) (support.Conversation, error) {
	var env struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
		Contact struct {
			ID string `json:"id"`
		} `json:"contact"`
	}
	if err := decodeObject(body, &env); err != nil {
		return support.Conversation{}, err
	}
	if env.Conversation.ID == "" {
		return support.Conversation{}, errors.New("the response has no conversation id")
	}
	if env.Contact.ID == "" {
		return support.Conversation{}, errors.New("the response has no contact id")
	}
	return support.Conversation{
		ID: env.Conversation.ID, ContactID: env.Contact.ID, Status: support.StatusOpen,
		Subject: subject, Channel: "email", Raw: json.RawMessage(bytes.Clone(body)),
	}, nil
}

// messageWire is a message of a thread [D TS-msg].
type messageWire struct {
	ID          string   `json:"id"`
	Direction   string   `json:"direction"`
	SenderType  string   `json:"senderType"`
	ContentText string   `json:"contentText"`
	ContentHTML string   `json:"contentHtml"`
	AgentID     string   `json:"agentId"`
	CreatedAt   wireTime `json:"createdAt"`
	SentAt      wireTime `json:"sentAt"`
}

func (w *messageWire) message(conversationID, contactID string, raw json.RawMessage) (support.Message, error) {
	if w.ID == "" {
		return support.Message{}, errors.New("a message has no id")
	}
	m := support.Message{
		ID: w.ID, ConversationID: conversationID, Text: w.ContentText, HTML: w.ContentHTML,
		CreatedAt: w.CreatedAt.Time, Raw: raw,
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = w.SentAt.Time
	}
	switch strings.ToUpper(w.Direction) {
	case "INBOUND":
		m.Direction = support.Inbound
	case "OUTBOUND":
		m.Direction = support.Outbound
	}
	switch strings.ToUpper(w.SenderType) {
	case "CUSTOMER":
		m.AuthorKind, m.AuthorID = support.AuthorContact, contactID
	case "AGENT":
		m.AuthorKind, m.AuthorID = support.AuthorAgent, w.AgentID
	case "SYSTEM":
		m.AuthorKind = support.AuthorSystem
	}
	return m, nil
}

// decodeMessagePage reads {"thread": {"conversation", "contact", "channel",
// "messages": {"items": […], "hasMore"}}}, the answer of GET
// …/inbox/conversations/{id}/messages [D TS-msg]. conversationID is the ID
// asked for, used when the thread does not say.
func decodeMessagePage(body []byte, conversationID string) (vendorPage[support.Message], error) {
	var env struct {
		Thread *struct {
			Conversation struct {
				ID string `json:"id"`
			} `json:"conversation"`
			Contact struct {
				ID string `json:"id"`
			} `json:"contact"`
			Messages *wireList `json:"messages"`
		} `json:"thread"`
	}
	if err := decodeList(body, "thread", &env); err != nil {
		return vendorPage[support.Message]{}, err
	}
	if env.Thread == nil {
		return vendorPage[support.Message]{}, noList("thread")
	}
	if id := env.Thread.Conversation.ID; id != "" {
		conversationID = id
	}
	return decodeItems(env.Thread.Messages, "thread.messages.items", func(w *messageWire, raw json.RawMessage) (support.Message, error) {
		return w.message(conversationID, env.Thread.Contact.ID, raw)
	})
}

// Request bodies.

// contactBody is POST …/inbox/contacts [seed].
type contactBody struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// customerBody is POST /v1/customers [D TS-cust]; metadata holds the
// custom fields.
type customerBody struct {
	ExternalID string            `json:"externalId"`
	Email      string            `json:"email"`
	Name       string            `json:"name,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
}

// conversationBody is POST …/inbox/conversations [D TS-conv].
type conversationBody struct {
	Email       string `json:"email"`
	Name        string `json:"name,omitempty"`
	Subject     string `json:"subject,omitempty"`
	ContentText string `json:"contentText"`
}

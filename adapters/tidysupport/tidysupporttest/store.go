package tidysupporttest

import (
	"maps"
	"strconv"
	"strings"
	"time"
)

// Contact is a stored contact, with the fields of the seed's Contact Object
// and the Customers API's externalId.
type Contact struct {
	ID        string
	Email     string
	Name      string
	Phone     string
	AvatarURL string
	// Status is ACTIVE or ARCHIVED.
	Status string
	// Source is EMAIL, CHAT, API, FORM or IMPORT.
	Source     string
	ExternalID string
	// Metadata is the Customers API's metadata, such as {"plan": "pro"}
	// [D TS-cust]: /v1/customers lists it ({} when nil); the inbox
	// endpoints do not show it.
	Metadata  map[string]any
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Conversation is a stored thread.
type Conversation struct {
	ID        string
	ContactID string
	// Status is OPEN, CLOSED or ARCHIVED.
	Status string
	// Source is EMAIL or CHAT.
	Source string
	// Subject is the thread's subject.
	Subject string
	// AssignedToID is the assigned agent ("agt_…"), "" when unassigned.
	AssignedToID string
	ChannelID    string
	IsUnread     bool
	CreatedAt    time.Time
}

// Message is a stored message of a thread.
type Message struct {
	ID             string
	ConversationID string
	// Direction is INBOUND, OUTBOUND or SYSTEM.
	Direction string
	// SenderType is CUSTOMER, AGENT or SYSTEM.
	SenderType  string
	ContentText string
	ContentHTML string
	// Status is the delivery status, such as SENT.
	Status string
	// AgentID is the sending agent, for agent messages.
	AgentID   string
	CreatedAt time.Time
}

// Channel is the inbox channel threads arrive on.
type Channel struct {
	ID    string
	Name  string
	Email string
}

// Article is a knowledge-base article [D TS-kb].
type Article struct {
	ID          string
	Title       string
	ContentText string
	// Source is MANUAL or CRAWLER.
	Source string
	// SourceRef is the crawled page of a CRAWLER article.
	SourceRef   string
	IsPublished bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Index names.
const (
	byExternalID   = "externalId"
	byEmail        = "email"
	byContact      = "contact"
	byConversation = "conversation"
)

// foldEmail is the key contacts are deduplicated by.
func foldEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func itoa(n int) string { return strconv.Itoa(n) }

// SeedContact stores c as it is, without the API's validation or dedup, so
// that tests can build any state (duplicates included). Empty ID, Status,
// Source and times are filled in ("ctc_…", ACTIVE, IMPORT, now). It returns
// the stored contact.
func (s *Simulator) SeedContact(c Contact) Contact {
	now := s.Clock.Now()
	if c.ID == "" {
		c.ID = s.ids.Prefixed("ctc_")
	}
	if c.Status == "" {
		c.Status = "ACTIVE"
	}
	if c.Source == "" {
		c.Source = "IMPORT"
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Metadata = maps.Clone(c.Metadata)
	s.contacts.Put(c.ID, c)
	return c
}

// SeedArticle stores a knowledge-base article; an empty ID, Source
// (MANUAL) and times are filled in ("ka_…", now). It returns the stored
// article.
func (s *Simulator) SeedArticle(a Article) Article {
	if a.ID == "" {
		a.ID = s.ids.Prefixed("ka_")
	}
	if a.Source == "" {
		a.Source = "MANUAL"
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.Clock.Now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	s.articles.Put(a.ID, a)
	return a
}

// SeedConversation stores c and its messages, in order. Empty IDs, Status
// (OPEN), Source (EMAIL), ChannelID and times are filled in; messages get
// c's ID. The contact must have been seeded or created. It returns the
// stored conversation.
func (s *Simulator) SeedConversation(c Conversation, msgs ...Message) Conversation {
	now := s.Clock.Now()
	if c.ID == "" {
		c.ID = s.ids.Prefixed("thd_")
	}
	if c.Status == "" {
		c.Status = "OPEN"
	}
	if c.Source == "" {
		c.Source = "EMAIL"
	}
	if c.ChannelID == "" {
		c.ChannelID = s.channel.ID
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.CreatedAt = c.CreatedAt.UTC()
	s.convs.Put(c.ID, c)
	for _, m := range msgs {
		m.ConversationID = c.ID
		if m.ID == "" {
			m.ID = s.ids.Prefixed("msg_")
		}
		if m.Status == "" {
			m.Status = "SENT"
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.CreatedAt = m.CreatedAt.UTC()
		s.msgs.Put(m.ID, m)
	}
	return c
}

// SetConversationStatus changes a conversation's status (OPEN, CLOSED or
// ARCHIVED), as an agent would in the inbox: the API for it is not publicly
// documented. A change queues CONVERSATION_CLOSED, CONVERSATION_REOPENED
// or (archiving) CONVERSATION_UPDATED. It reports whether the conversation
// exists.
func (s *Simulator) SetConversationStatus(id, status string) bool {
	found, event := false, ""
	var c Conversation
	s.convs.Atomically(func(tx *txConvs) {
		if c, found = tx.Get(id); found {
			event = statusEvent(c.Status, status)
			c.Status = status
			tx.Put(id, c)
		}
	})
	if event != "" {
		s.emit(event, &c, nil, nil)
	}
	return found
}

// EditContact changes a stored contact without a request, as someone in
// TidySupport's own app would (the API has no contact update), and reports
// whether the contact exists. Its ID and email stay as they were.
func (s *Simulator) EditContact(id string, edit func(*Contact)) bool {
	found := false
	s.contacts.Atomically(func(tx *txContacts) {
		c, ok := tx.Get(id)
		if !ok {
			return
		}
		keepID, keepEmail := c.ID, c.Email
		edit(&c)
		c.ID, c.Email, c.UpdatedAt = keepID, keepEmail, s.Clock.Now()
		tx.Put(id, c)
		found = true
	})
	return found
}

// Contacts returns every stored contact, in creation order.
func (s *Simulator) Contacts() []Contact { return s.contacts.Values() }

// Contact returns the stored contact with id.
func (s *Simulator) Contact(id string) (Contact, bool) { return s.contacts.Get(id) }

// ContactByExternalID returns the stored contact with the Customers API's
// external ID id.
func (s *Simulator) ContactByExternalID(id string) (Contact, bool) {
	e, ok := s.contacts.Lookup(byExternalID, id)
	return e.Value, ok
}

// ContactsByEmail returns the stored contacts with email, ignoring case.
func (s *Simulator) ContactsByEmail(email string) []Contact {
	var out []Contact
	for _, e := range s.contacts.LookupAll(byEmail, foldEmail(email)) {
		out = append(out, e.Value)
	}
	return out
}

// Conversations returns every stored conversation, in creation order.
func (s *Simulator) Conversations() []Conversation { return s.convs.Values() }

// Messages returns the messages of a conversation, oldest first.
func (s *Simulator) Messages(conversationID string) []Message {
	var out []Message
	for _, e := range s.msgs.LookupAll(byConversation, conversationID) {
		out = append(out, e.Value)
	}
	return out
}

// DefaultChannel returns the channel conversations arrive on.
func (s *Simulator) DefaultChannel() Channel { return s.channel }

package respondiotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// routes is respond.io's API, as the simulator serves it.
func (s *Simulator) routes() *router {
	rt := &router{serve: func(w http.ResponseWriter, r *http.Request, c *route) {
		if s.limit(w, c.pattern) {
			c.handler(w, r)
		}
	}}
	const c = "/v2/contact/"
	rt.handle("POST "+c+"list", s.listContacts)
	rt.handle("POST "+c+"merge", s.mergeContacts)
	rt.handle("POST "+c+"create_or_update/{identifier}", s.createOrUpdateContact)
	rt.handle("GET "+c+"{identifier}", s.getContact)
	rt.handle("POST "+c+"{identifier}", s.createContact)
	rt.handle("PUT "+c+"{identifier}", s.updateContact)
	rt.handle("DELETE "+c+"{identifier}", s.deleteContact)
	rt.handle("POST "+c+"{identifier}/tag", s.tags)
	rt.handle("DELETE "+c+"{identifier}/tag", s.tags)
	rt.handle("POST "+c+"{identifier}/conversation/status", s.setStatus)
	rt.handle("POST "+c+"{identifier}/conversation/assignee", s.setAssignee)
	rt.handle("POST "+c+"{identifier}/message", s.sendMessage)
	rt.handle("GET "+c+"{identifier}/message/list", s.listMessages)
	rt.handle("GET "+c+"{identifier}/message/{messageId}", s.getMessage)
	rt.handle("POST "+c+"{identifier}/comment", s.addComment)
	rt.handle("GET "+c+"{identifier}/channels", s.listContactChannels)
	rt.handle("POST "+c+"{identifier}/lifecycle/update", s.updateLifecycle)
	rt.handle("GET /v2/space/user", s.listUsers)
	rt.handle("GET /v2/space/user/{id}", s.getUser)
	rt.handle("GET /v2/space/custom_field", s.listFieldDefs)
	rt.handle("GET /v2/space/closing_notes", s.listClosingNotes)
	rt.handle("POST /v2/space/tag", s.spaceTag)
	rt.handle("DELETE /v2/space/tag", s.spaceTag)
	return rt
}

// SeedContact stores c directly, without a request, and returns it as
// stored. A zero ID gets the next one; a zero CreatedAt gets the clock's
// time; the phone is normalized to E.164. Its custom fields need no
// definition (a definition may have gone since they were written). It
// fails for a contact respond.io would refuse: no first name, no email and
// no phone, an invalid email or phone, or an email, phone or ID another
// contact has, or a channel the workspace does not have.
func (s *Simulator) SeedContact(c Contact) (Contact, error) {
	c = c.clone()
	if c.FirstName == "" {
		return Contact{}, errors.New("respondiotest: SeedContact: firstName is required")
	}
	if c.Email == "" && c.Phone == "" {
		return Contact{}, errors.New("respondiotest: SeedContact: an email or a phone is required")
	}
	if c.Email != "" && !validEmail(c.Email) {
		return Contact{}, fmt.Errorf("respondiotest: SeedContact: invalid email %q", c.Email)
	}
	if c.Phone != "" {
		p, ok := normalizePhone(c.Phone)
		if !ok {
			return Contact{}, fmt.Errorf("respondiotest: SeedContact: invalid phone %q", c.Phone)
		}
		c.Phone = p
	}
	switch c.Status {
	case "", "open", "close":
	default:
		return Contact{}, fmt.Errorf("respondiotest: SeedContact: status %q is not open or close", c.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == 0 {
		c.ID = s.nextContactID()
	} else if _, ok := s.contacts.Get(key(c.ID)); ok || c.ID < 0 {
		return Contact{}, fmt.Errorf("respondiotest: SeedContact: ID %d is taken or invalid", c.ID)
	}
	if c.AssigneeID != 0 {
		if _, ok := s.userLocked(c.AssigneeID); !ok {
			return Contact{}, fmt.Errorf("respondiotest: SeedContact: no user %d", c.AssigneeID)
		}
	}
	for _, ch := range c.Channels {
		if _, ok := s.channelLocked(ch); !ok {
			return Contact{}, fmt.Errorf("respondiotest: SeedContact: no channel %d", ch)
		}
	}
	if msg := s.conflictLocked(c, 0); msg != "" {
		return Contact{}, errors.New("respondiotest: SeedContact: " + msg)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.Clock.Now()
	}
	c.CreatedAt = c.CreatedAt.UTC()
	s.putLocked(c)
	return c.clone(), nil
}

// SeedUser adds a workspace user and returns it; a zero ID gets the next
// one. A user with the ID of an existing one replaces it.
func (s *Simulator) SeedUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		u.ID = 1
		if n := len(s.users); n > 0 {
			u.ID = s.users[n-1].ID + 1
		}
	}
	u.Restrictions = slices.Clone(u.Restrictions)
	if u.Team != nil {
		t := *u.Team
		u.Team = &t
	}
	i, found := slices.BinarySearchFunc(s.users, u.ID, func(o User, id int64) int { return cmpInt(o.ID, id) })
	if found {
		s.users[i] = u
	} else {
		s.users = slices.Insert(s.users, i, u)
	}
	return u
}

// SeedMessage adds a message to a contact's history, such as an incoming
// one (Traffic "incoming") that only the contact could have sent. The ID is
// always the next one; Body defaults to a text message of Text, Traffic to
// "incoming", CreatedAt to the clock's time.
func (s *Simulator) SeedMessage(m Message) (Message, error) {
	if m.Traffic == "" {
		m.Traffic = "incoming"
	}
	if m.Traffic != "incoming" && m.Traffic != "outgoing" {
		return Message{}, fmt.Errorf("respondiotest: SeedMessage: traffic %q", m.Traffic)
	}
	if len(m.Body) == 0 {
		b, _ := json.Marshal(map[string]string{"type": "text", "text": m.Text}) // strings always marshal
		m.Body, m.Type = b, "text"
	}
	if m.Traffic == "outgoing" && m.SenderSource == "" {
		m.SenderSource = "user"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.contacts.Get(key(m.ContactID)); !ok {
		return Message{}, fmt.Errorf("respondiotest: SeedMessage: no contact %d", m.ContactID)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return s.addMessageLocked(m), nil
}

// Contacts returns every contact, in listing (ID) order.
func (s *Simulator) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.order))
	for _, id := range s.order {
		c, _ := s.contacts.Get(key(id))
		out = append(out, c.clone())
	}
	return out
}

// Contact returns the contact with id.
func (s *Simulator) Contact(id int64) (Contact, bool) {
	c, ok := s.contacts.Get(key(id))
	return c.clone(), ok
}

// ContactCount returns the number of contacts.
func (s *Simulator) ContactCount() int { return s.contacts.Len() }

// Conversations returns the conversations of the contacts that have one, in
// contact order.
func (s *Simulator) Conversations() []Conversation {
	var out []Conversation
	for _, c := range s.Contacts() {
		if c.Status != "" {
			out = append(out, Conversation{
				ContactID: c.ID, Status: c.Status, AssigneeID: c.AssigneeID,
				ClosingCategory: c.ClosingCategory, ClosingSummary: c.ClosingSummary,
			})
		}
	}
	return out
}

// Messages returns a contact's message history, oldest first.
func (s *Simulator) Messages(contactID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages[contactID])
}

// Comments returns the comments on a contact's conversation, oldest first.
func (s *Simulator) Comments(contactID int64) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.comments[contactID])
}

// Users returns the workspace users, in ID order.
func (s *Simulator) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users)
}

// Identifier returns the path form of a contact ID, "id:42".
func Identifier(id int64) string { return "id:" + strconv.FormatInt(id, 10) }

package support

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

// Contact is a customer or end user known to a platform.
type Contact struct {
	// ID is the vendor's identifier, opaque to callers.
	ID        string `json:"id"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	// Email is the primary email address, as the vendor stores it.
	Email string `json:"email,omitempty"`
	// Phone is the primary phone number, as the vendor stores it (E.164 on
	// vendors that normalize, free text on others).
	Phone string `json:"phone,omitempty"`
	// Language is an ISO 639-1 code ("en"), lower case.
	Language string `json:"language,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code ("GB"), upper case.
	Country string `json:"country,omitempty"`
	// City is the contact's city, free text (Tidio's city).
	City string `json:"city,omitempty"`
	// EmailConsent says whether the contact agreed to marketing email
	// (Tidio's email_consent); "" when unknown.
	EmailConsent Consent `json:"email_consent,omitempty"`
	// Lifecycle is the contact's lifecycle stage, by name (respond.io's
	// lifecycle); "" when it has none.
	Lifecycle string `json:"lifecycle,omitempty"`
	// AvatarURL is the URL of the contact's picture (respond.io's
	// profilePic, TidySupport's avatarUrl).
	AvatarURL string `json:"avatar_url,omitempty"`
	// ExternalID is the caller's own identifier for the contact (Tidio's
	// distinct_id, TidySupport's externalId).
	ExternalID string   `json:"external_id,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	// CustomFields are the vendor's custom contact fields (Tidio properties,
	// respond.io custom_fields), by name.
	CustomFields map[string]string `json:"custom_fields,omitempty"`
	// CreatedAt is when the vendor created the contact, in UTC; zero if unknown.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// Raw is the vendor payload the contact was read from; nil for contacts
	// built by the caller.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Name returns the first and last name joined by a space.
func (c *Contact) Name() string { return joinName(c.FirstName, c.LastName) }

// Input returns the fields of c that can be written to a platform.
func (c *Contact) Input() ContactInput {
	in := ContactInput{
		FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
		Language: c.Language, Country: c.Country, City: c.City, EmailConsent: c.EmailConsent,
		Lifecycle: c.Lifecycle, AvatarURL: c.AvatarURL, ExternalID: c.ExternalID,
	}
	if len(c.Tags) > 0 {
		in.Tags = append([]string(nil), c.Tags...)
	}
	if len(c.CustomFields) > 0 {
		in.CustomFields = make(map[string]string, len(c.CustomFields))
		for k, v := range c.CustomFields {
			in.CustomFields[k] = v
		}
	}
	return in
}

// ContactInput is what a caller writes when creating or upserting a contact.
// Empty fields are not sent. In JSON its keys are the neutral field names
// that Warning.Field uses ("first_name", "custom_fields"), and empty fields
// are left out.
type ContactInput struct {
	FirstName    string            `json:"first_name,omitempty"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Language     string            `json:"language,omitempty"`
	Country      string            `json:"country,omitempty"`
	City         string            `json:"city,omitempty"`
	EmailConsent Consent           `json:"email_consent,omitempty"`
	Lifecycle    string            `json:"lifecycle,omitempty"`
	AvatarURL    string            `json:"avatar_url,omitempty"`
	ExternalID   string            `json:"external_id,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
}

// Consent is a contact's answer about marketing email.
type Consent string

// Consents.
const (
	ConsentSubscribed   Consent = "subscribed"
	ConsentUnsubscribed Consent = "unsubscribed"
)

// validConsent checks that c is "" or one of the Consent values.
func validConsent(c Consent) error {
	switch c {
	case "", ConsentSubscribed, ConsentUnsubscribed:
		return nil
	}
	return Errorf("", "", ErrInvalid, "contact: email consent %q is not %q or %q", clip(string(c)), ConsentSubscribed, ConsentUnsubscribed)
}

// IsEmpty reports whether the input names no one: no email, phone or name.
func (in *ContactInput) IsEmpty() bool {
	return in.Email == "" && in.Phone == "" && in.FirstName == "" && in.LastName == ""
}

// Validate checks the rules every platform shares: at least one of email,
// phone, first or last name; a syntactically valid email; text that is valid
// UTF-8 without control characters. Fields are checked in a fixed order
// (names, email, phone, language, country, city, lifecycle, avatar URL,
// external ID, email consent, tags, custom fields by name), so the same input always fails with the same error. Adapters add
// their vendor's own rules (field lengths, phone format). It fails with
// ErrInvalid.
func (in *ContactInput) Validate() error {
	if in.IsEmpty() {
		return Errorf("", "", ErrInvalid, "contact: needs at least one of email, phone, first name or last name")
	}
	if in.Email != "" {
		if err := ValidateEmail(in.Email); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{
		{"first name", in.FirstName}, {"last name", in.LastName}, {"phone", in.Phone},
		{"language", in.Language}, {"country", in.Country}, {"city", in.City},
		{"lifecycle", in.Lifecycle}, {"avatar URL", in.AvatarURL}, {"external ID", in.ExternalID},
	} {
		if err := validText(f.name, f.v); err != nil {
			return err
		}
	}
	if err := validConsent(in.EmailConsent); err != nil {
		return err
	}
	if err := validTags(in.Tags); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
		if err := validField(k, in.CustomFields[k]); err != nil {
			return err
		}
	}
	return nil
}

func validTags(tags []string) error {
	for _, t := range tags {
		if t == "" {
			return Errorf("", "", ErrInvalid, "contact: empty tag")
		}
		if err := validText("tag", t); err != nil {
			return err
		}
	}
	return nil
}

func validField(name, value string) error {
	if name == "" {
		return Errorf("", "", ErrInvalid, "contact: custom field with an empty name")
	}
	if err := validText("custom field name", name); err != nil {
		return err
	}
	return validText("custom field "+clip(name), value)
}

func validText(field, v string) error {
	if !utf8ValidNoControl(v) {
		return Errorf("", "", ErrInvalid, "contact: %s %q is not valid text", field, clip(v))
	}
	return nil
}

// ContactUpdate changes some fields of a contact, with patch semantics: a nil
// field is left as it is, a pointer to "" clears the field. Use Ptr to build
// the pointers.
type ContactUpdate struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Email     *string `json:"email,omitempty"`
	Phone     *string `json:"phone,omitempty"`
	Language  *string `json:"language,omitempty"`
	Country   *string `json:"country,omitempty"`
	City      *string `json:"city,omitempty"`
	// EmailConsent, when not nil, sets the consent; "" clears it.
	EmailConsent *Consent `json:"email_consent,omitempty"`
	Lifecycle    *string  `json:"lifecycle,omitempty"`
	AvatarURL    *string  `json:"avatar_url,omitempty"`
	ExternalID   *string  `json:"external_id,omitempty"`
	// Tags, when not nil, replaces the contact's tags.
	Tags *[]string `json:"tags,omitempty"`
	// CustomFields sets the named fields; a nil value clears that field.
	// Fields not named are left as they are.
	CustomFields map[string]*string `json:"custom_fields,omitempty"`
}

// IsEmpty reports whether the update changes nothing.
func (u *ContactUpdate) IsEmpty() bool {
	return u.FirstName == nil && u.LastName == nil && u.Email == nil && u.Phone == nil &&
		u.Language == nil && u.Country == nil && u.City == nil && u.EmailConsent == nil &&
		u.Lifecycle == nil && u.AvatarURL == nil && u.ExternalID == nil && u.Tags == nil &&
		len(u.CustomFields) == 0
}

// Validate applies the rules of ContactInput.Validate to every value the
// update sets, in the same fixed order: a set email must be a valid address
// ("" clears it), set text must be valid, tags and custom field names must
// not be empty. Whether the contact would still name someone depends on its
// stored fields; Client.UpdateContact checks that. It fails with ErrInvalid.
func (u *ContactUpdate) Validate() error {
	if u.Email != nil && *u.Email != "" {
		if err := ValidateEmail(*u.Email); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"first name", u.FirstName}, {"last name", u.LastName}, {"phone", u.Phone},
		{"language", u.Language}, {"country", u.Country}, {"city", u.City},
		{"lifecycle", u.Lifecycle}, {"avatar URL", u.AvatarURL}, {"external ID", u.ExternalID},
	} {
		if f.v == nil {
			continue
		}
		if err := validText(f.name, *f.v); err != nil {
			return err
		}
	}
	if u.EmailConsent != nil {
		if err := validConsent(*u.EmailConsent); err != nil {
			return err
		}
	}
	if u.Tags != nil {
		if err := validTags(*u.Tags); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		v := ""
		if p := u.CustomFields[k]; p != nil {
			v = *p
		}
		if err := validField(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Apply returns ct with u applied as a vendor applies a patch: a set field
// replaces the stored one ("" clears it), Tags replace the tags (none is nil), a custom
// field set to nil is removed. Raw is cleared, since it no longer says what
// the vendor stores. ct itself is not changed.
func (u *ContactUpdate) Apply(ct Contact) Contact {
	ct.Raw = nil
	for _, f := range []struct{ dst, v *string }{
		{&ct.FirstName, u.FirstName}, {&ct.LastName, u.LastName}, {&ct.Email, u.Email}, {&ct.Phone, u.Phone},
		{&ct.Language, u.Language}, {&ct.Country, u.Country}, {&ct.City, u.City},
		{&ct.Lifecycle, u.Lifecycle}, {&ct.AvatarURL, u.AvatarURL}, {&ct.ExternalID, u.ExternalID},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if u.EmailConsent != nil {
		ct.EmailConsent = *u.EmailConsent
	}
	if u.Tags != nil {
		ct.Tags = nil // no tags is nil, as decoders store it
		if len(*u.Tags) > 0 {
			ct.Tags = slices.Clone(*u.Tags)
		}
	}
	if len(u.CustomFields) > 0 {
		fields := maps.Clone(ct.CustomFields)
		if fields == nil {
			fields = map[string]string{}
		}
		for k, v := range u.CustomFields {
			if v == nil {
				delete(fields, k)
			} else {
				fields[k] = *v
			}
		}
		ct.CustomFields = fields
		if len(fields) == 0 {
			ct.CustomFields = nil
		}
	}
	return ct
}

// Ptr returns a pointer to v, for ContactUpdate fields.
func Ptr[T any](v T) *T { return &v }

// Outcome says what a create or upsert did.
type Outcome string

// Outcomes of CreateContact, UpsertContact and CreateContacts.
const (
	// Created: a new contact was stored.
	Created Outcome = "created"
	// Updated: an existing contact matched and was changed.
	Updated Outcome = "updated"
	// Unchanged: an existing contact matched and already had these values;
	// nothing was written.
	Unchanged Outcome = "unchanged"
	// Matched: an existing contact matched and was returned as it is, because
	// the vendor returns existing contacts on create or cannot update them.
	// Warnings list the fields that differ.
	Matched Outcome = "matched"
	// Failed: used in batch results for a record that was not stored.
	Failed Outcome = "failed"
	// Conflict: a contact was found by a match key, but an earlier match
	// key contradicts it (both have a value and the values differ), so it
	// is another person. Nothing was written; the error is an
	// *IdentityConflict naming both records.
	Conflict Outcome = "conflict"
)

// Warning reports a field that a platform could not store as given: dropped,
// truncated or not updatable. Nothing is lost silently.
type Warning struct {
	// Field is the neutral field name ("language", "custom_fields.plan").
	Field string `json:"field"`
	// Message says what happened to it.
	Message string `json:"message"`
}

// String renders the warning as "field: message".
func (w Warning) String() string { return w.Field + ": " + w.Message }

// ContactResult is what CreateContact, UpsertContact and UpdateContact return.
type ContactResult struct {
	// Contact is the stored contact. Some vendors return only an ID after a
	// write; then the other fields are those that were sent.
	Contact  *Contact  `json:"contact,omitempty"`
	Outcome  Outcome   `json:"outcome"`
	Warnings []Warning `json:"warnings,omitempty"`
	// Resolved reports that the vendor's answer to the write was lost and
	// the Client found the contact it stored by looking it up (docs/quality.md, R3),
	// instead of sending the write again.
	Resolved bool `json:"resolved,omitempty"`
}

// ConversationStatus is a conversation's state.
type ConversationStatus string

// Conversation statuses. Vendors map theirs onto these; which ones a vendor
// has is in Capabilities.Statuses.
const (
	StatusOpen    ConversationStatus = "open"
	StatusPending ConversationStatus = "pending"
	StatusClosed  ConversationStatus = "closed"
)

// Conversation is a thread of messages with one contact: a Tidio ticket, a
// respond.io contact's conversation, a TidySupport thread.
type Conversation struct {
	ID        string             `json:"id"`
	ContactID string             `json:"contact_id"`
	Status    ConversationStatus `json:"status"`
	Subject   string             `json:"subject,omitempty"`
	// Assignee is nil when the conversation is unassigned.
	Assignee *Assignee `json:"assignee,omitempty"`
	// Channel is the vendor's channel or source ("email", "chat", a channel ID).
	Channel string `json:"channel,omitempty"`
	// Priority is the conversation's priority, on vendors that have them
	// (Capabilities.Priorities); "" otherwise.
	Priority Priority `json:"priority,omitempty"`
	// Department is the ID of the team (an Agent of KindTeam) the
	// conversation belongs to, on vendors that have departments; "" when
	// unknown.
	Department string          `json:"department,omitempty"`
	CreatedAt  time.Time       `json:"created_at,omitzero"`
	UpdatedAt  time.Time       `json:"updated_at,omitzero"`
	Raw        json.RawMessage `json:"raw,omitempty"`
}

// Priority is a conversation's priority. Vendors map theirs onto these;
// which ones a vendor has is in Capabilities.Priorities.
type Priority string

// Conversation priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// ClosingCategory is a category a closing note may name
// (StatusChange.Category): respond.io's closing notes.
type ClosingCategory struct {
	// Name is what StatusChange.Category takes.
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Raw         json.RawMessage `json:"raw,omitempty"`
}

// FieldDefinition is a custom contact field the workspace defines: a name
// that ContactInput.CustomFields may use.
type FieldDefinition struct {
	// Name is the key of the field in Contact.CustomFields.
	Name string `json:"name"`
	// Label is the name people see, where the vendor has one.
	Label string `json:"label,omitempty"`
	// Type is the vendor's type of the field ("text", "number", "date",
	// ...), as the vendor names it.
	Type string          `json:"type,omitempty"`
	Raw  json.RawMessage `json:"raw,omitempty"`
}

// AgentKind says whether an Agent is a person or a team.
type AgentKind string

// Agent kinds.
const (
	KindAgent AgentKind = "agent"
	KindTeam  AgentKind = "team"
)

// Assignee is who a conversation is assigned to: an agent or a team.
type Assignee struct {
	Kind AgentKind `json:"kind"`
	// ID is the vendor's ID of the agent or team.
	ID string `json:"id,omitempty"`
	// Email identifies an agent by email, on vendors that accept it
	// (respond.io). Either ID or Email must be set.
	Email string `json:"email,omitempty"`
}

// Agent is a person or a team that conversations can be assigned to.
type Agent struct {
	ID     string          `json:"id"`
	Kind   AgentKind       `json:"kind"`
	Name   string          `json:"name,omitempty"`
	Email  string          `json:"email,omitempty"`
	Role   string          `json:"role,omitempty"`
	Active bool            `json:"active"`
	Raw    json.RawMessage `json:"raw,omitempty"`
}

// Direction says which way a message went.
type Direction string

// Message directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// AuthorKind says who wrote a message.
type AuthorKind string

// Message author kinds.
const (
	AuthorContact AuthorKind = "contact"
	AuthorAgent   AuthorKind = "agent"
	AuthorBot     AuthorKind = "bot"
	AuthorSystem  AuthorKind = "system"
)

// Message is one message in a conversation.
type Message struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Direction      Direction  `json:"direction"`
	AuthorKind     AuthorKind `json:"author_kind,omitempty"`
	AuthorID       string     `json:"author_id,omitempty"`
	// Internal is true for notes visible only to the team.
	Internal bool   `json:"internal"`
	Text     string `json:"text,omitempty"`
	// HTML is the HTML body, where the vendor has one.
	HTML string `json:"html,omitempty"`
	// Subject is the subject of an email message; "" for others.
	Subject string `json:"subject,omitempty"`
	// ChannelID is the vendor's ID of the channel the message went over,
	// on vendors with several channels per contact (respond.io).
	ChannelID   string          `json:"channel_id,omitempty"`
	Attachments []Attachment    `json:"attachments,omitempty"`
	CreatedAt   time.Time       `json:"created_at,omitzero"`
	Raw         json.RawMessage `json:"raw,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	URL         string `json:"url"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// NewConversation starts a conversation with a contact.
type NewConversation struct {
	// Contact is the contact to talk to. Vendors that create the contact on
	// the fly (TidySupport, Tidio) need an email Ref.
	Contact Ref    `json:"contact,omitzero"`
	Subject string `json:"subject,omitempty"`
	// Text is the first message.
	Text string `json:"text,omitempty"`
	// Name is the contact's display name, for vendors that create the contact.
	Name string `json:"name,omitempty"`
	// Department is the ID of the team (an Agent of KindTeam) to start the
	// conversation in, where Capabilities.Departments; "" is the vendor's
	// default.
	Department string `json:"department,omitempty"`
}

// NewMessage is a reply or an internal note.
type NewMessage struct {
	Text string `json:"text,omitempty"`
	// HTML is sent instead of Text where the vendor accepts HTML replies.
	HTML string `json:"html,omitempty"`
	// Internal makes the message a note visible only to the team.
	Internal bool `json:"internal"`
	// AuthorID is the agent the message is sent as, where the vendor needs one.
	AuthorID    string       `json:"author_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// ChannelID sends the message over this channel of the contact's, where
	// Capabilities.ChoosesChannel; "" is the vendor's choice (respond.io:
	// the channel the contact last used).
	ChannelID string `json:"channel_id,omitempty"`
	// Subject sends the message as an email with this subject, where
	// Capabilities.MessageSubjects (respond.io's email messages).
	Subject string `json:"subject,omitempty"`
}

// StatusChange sets a conversation's status.
type StatusChange struct {
	Status ConversationStatus `json:"status"`
	// Category and Summary are the closing note, for vendors that ask for
	// one when a conversation is closed (respond.io).
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary,omitempty"`
}

// SameName reports whether two contacts' names are the same name, split
// into first and last perhaps differently: their first and last names
// joined, with runs of white space as one space, are equal. A vendor that
// stores one name (TidySupport) reads a one-word name as a first name,
// where another vendor holds the same word as the last name: that is not a
// change to send (it would store the word twice).
func SameName(aFirst, aLast, bFirst, bLast string) bool {
	return strings.Join(strings.Fields(aFirst+" "+aLast), " ") == strings.Join(strings.Fields(bFirst+" "+bLast), " ")
}

// joinName joins first and last names with a single space.
func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

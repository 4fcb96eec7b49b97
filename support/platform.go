package support

import "slices"

// Operation names one thing a Client can do. Capabilities lists the
// operations a platform supports; errors name the operation that failed.
type Operation string

// Operations of a Client. Lookups by email and phone are
// separate operations because vendors differ on them.
const (
	OpListContacts   Operation = "contacts.list"
	OpGetContact     Operation = "contacts.get"
	OpGetByEmail     Operation = "contacts.get_by_email"
	OpGetByPhone     Operation = "contacts.get_by_phone"
	OpCreateContact  Operation = "contacts.create"
	OpCreateContacts Operation = "contacts.create_batch"
	OpUpsertContact  Operation = "contacts.upsert"
	OpUpdateContact  Operation = "contacts.update"
	OpUpdateContacts Operation = "contacts.update_batch"
	OpDeleteContact  Operation = "contacts.delete"
	// OpListContactFields lists the custom contact fields the workspace
	// defines (Tidio's contact properties, respond.io's custom fields).
	OpListContactFields Operation = "contacts.fields"

	OpListConversations    Operation = "conversations.list"
	OpGetConversation      Operation = "conversations.get"
	OpCreateConversation   Operation = "conversations.create"
	OpSetStatus            Operation = "conversations.set_status"
	OpAssignConversation   Operation = "conversations.assign"
	OpUnassignConversation Operation = "conversations.unassign"
	OpSetPriority          Operation = "conversations.set_priority"
	// OpListClosingCategories lists the categories a closing note may
	// name (StatusChange.Category).
	OpListClosingCategories Operation = "conversations.closing_categories"

	OpListMessages Operation = "messages.list"
	OpSendMessage  Operation = "messages.send"
	OpSendNote     Operation = "messages.send_note"
	OpGetMessage   Operation = "messages.get"

	OpListAgents Operation = "agents.list"

	// OpPassthrough sends a request of the caller's making to the vendor
	// (Client.Passthrough).
	OpPassthrough Operation = "passthrough"
)

// Operations returns every operation, in a stable order.
func Operations() []Operation {
	return []Operation{
		OpListContacts, OpGetContact, OpGetByEmail, OpGetByPhone, OpCreateContact,
		OpCreateContacts, OpUpsertContact, OpUpdateContact, OpUpdateContacts, OpDeleteContact,
		OpListContactFields,
		OpListConversations, OpGetConversation, OpCreateConversation, OpSetStatus,
		OpAssignConversation, OpUnassignConversation, OpSetPriority, OpListClosingCategories,
		OpListMessages, OpGetMessage, OpSendMessage, OpSendNote, OpListAgents, OpPassthrough,
	}
}

// Dedup says what a vendor's plain create does with a contact it already has.
type Dedup string

// Create behaviours.
const (
	// DedupNone: create always stores a new contact, even for a known email
	// or external ID (Tidio).
	DedupNone Dedup = "none"
	// DedupEmail: create returns the existing contact with the same email
	// instead of storing a new one (TidySupport). The outcome is Matched.
	DedupEmail Dedup = "email"
	// DedupIdentifier: the contact is addressed by email or phone on create
	// and the vendor refuses or merges a duplicate (respond.io).
	DedupIdentifier Dedup = "identifier"
)

// Capabilities says what a platform can do, before anything is tried. The
// conformance suite holds adapters to it: every listed operation works, every
// other one fails with ErrUnsupported.
type Capabilities struct {
	// Vendor is the adapter name.
	Vendor string
	// Operations lists the supported operations.
	Operations []Operation
	// CreateDedup says what CreateContact does with a duplicate.
	CreateDedup Dedup
	// MaxBatch is the largest number of contacts CreateContacts sends in one
	// request; 1 when the vendor has no batch endpoint.
	MaxBatch int
	// MaxBatchUpdate is the largest number of contacts UpdateContacts
	// changes in one request; 0 or 1 when the vendor has no batch update
	// (the Client then sends one update per contact).
	MaxBatchUpdate int
	// ContactFields names the contact fields the vendor can write, by the
	// names warnings use ("first_name", "last_name", "email", "phone",
	// "language", "country", "city", "email_consent", "lifecycle",
	// "avatar_url", "external_id", "tags", "custom_fields"). The Client
	// removes every other field from what it writes, with a Warning, so
	// that nothing is dropped silently. nil means every field.
	ContactFields []string
	// Priorities lists the conversation priorities the vendor has, lowest
	// first; none when conversations have no priority. Conversation.Priority
	// is read where there are some, and OpSetPriority sets it.
	Priorities []Priority
	// Departments reports that a conversation can be started in a chosen
	// department (NewConversation.Department: the ID of a team from
	// ListAgents).
	Departments bool
	// ChoosesChannel reports that a message can be sent on a chosen channel
	// of the contact's (NewMessage.ChannelID).
	ChoosesChannel bool
	// MessageSubjects reports that a message can carry a subject
	// (NewMessage.Subject), sent as an email.
	MessageSubjects bool
	// Statuses lists the conversation statuses the vendor has.
	Statuses []ConversationStatus
	// AssignTeams reports whether conversations can be assigned to teams.
	AssignTeams bool
	// LooksUpExternalID reports that contacts can be found by external ID
	// (Driver.FindContacts with MatchExternalID), so that upsert matches on
	// it and a lost create is found by it. Email and phone lookups are the
	// operations OpGetByEmail and OpGetByPhone.
	LooksUpExternalID bool
	// SplitsAttachments reports that the vendor carries one attachment per
	// message and none beside text (respond.io): the Client sends the text
	// and each attachment as messages of their own, in order, and a failure
	// after the first is a *PartialSendError saying what was sent. A
	// message with a Subject is an email, which carries its attachments: it
	// is not split.
	SplitsAttachments bool
	// NotesOutsideHistory reports that internal notes are stored
	// (SendMessage with Internal succeeds) but ListMessages does not return
	// them (respond.io comments). The zero value is the common case: notes
	// are listed with the messages, marked Internal.
	NotesOutsideHistory bool
	// AnonymousContacts reports that the vendor keeps contacts with no
	// email, phone or name (Tidio's website visitors are such contacts), so
	// that an update clearing the last of them is the vendor's to accept or
	// refuse. The zero value is the safe case: Client.UpdateContact reads
	// the contact first and refuses an update that would leave it nameless.
	AnonymousContacts bool
	// ListOmits names the contact fields that ListContacts leaves out but
	// GetContact returns (TidySupport's lists carry no phone), by the names
	// warnings use: "phone", "created_at", "custom_fields". A reader that
	// needs them complete lists with ContactListOptions.Complete, or reads
	// each contact with GetContact, one request per contact.
	ListOmits []string
}

// StoresField reports whether the vendor can write the contact field named
// field (see ContactFields).
func (c Capabilities) StoresField(field string) bool {
	return c.ContactFields == nil || slices.Contains(c.ContactFields, field)
}

// HasPriority reports whether the vendor has conversation priority p.
func (c Capabilities) HasPriority(p Priority) bool { return slices.Contains(c.Priorities, p) }

// Supports reports whether op is among the supported operations.
func (c Capabilities) Supports(op Operation) bool { return slices.Contains(c.Operations, op) }

// ListsNotes reports whether internal notes sent with SendMessage come back
// from ListMessages: both operations are supported and the notes are not
// kept outside the history. An app that needs its notes later and gets
// false keeps its own copy.
func (c Capabilities) ListsNotes() bool {
	return c.Supports(OpSendNote) && c.Supports(OpListMessages) && !c.NotesOutsideHistory
}

// CanFind reports whether contacts can be looked up by key k.
func (c Capabilities) CanFind(k MatchKey) bool {
	switch k {
	case MatchEmail:
		return c.Supports(OpGetByEmail)
	case MatchPhone:
		return c.Supports(OpGetByPhone)
	case MatchExternalID:
		return c.LooksUpExternalID
	}
	return false
}

// HasStatus reports whether the vendor has conversation status s.
func (c Capabilities) HasStatus(s ConversationStatus) bool { return slices.Contains(c.Statuses, s) }

// ListOptions selects a page of a list.
type ListOptions struct {
	// Cursor is a Page.Next from an earlier call; "" starts at the beginning.
	Cursor string
	// Limit is the page size wanted; 0 is the vendor's default. Vendors with
	// a fixed page size ignore it.
	Limit int
}

// ContactListOptions selects a page of contacts.
type ContactListOptions struct {
	ListOptions
	// Complete makes ListContacts read each listed contact again with
	// GetContact when the vendor's list leaves fields out
	// (Capabilities.ListOmits), and take those fields from the read (the
	// others stay as listed: see MergeOmitted): one more request per
	// contact, paced by the adapter's rate limiter. A contact deleted
	// between the list and the read is left out of the page, which is then
	// Filtered. Without ListOmits it costs nothing.
	Complete bool
}

// ConversationListOptions selects a page of conversations.
type ConversationListOptions struct {
	ListOptions
	// Status keeps only conversations with this status; "" keeps all.
	Status ConversationStatus
	// ContactID keeps only the conversations of this contact; "" keeps all.
	ContactID string
}

// MatchKey is a contact field used to find an existing contact on upsert.
type MatchKey string

// Match keys.
const (
	MatchExternalID MatchKey = "external_id"
	MatchEmail      MatchKey = "email"
	MatchPhone      MatchKey = "phone"
)

// DefaultMatchKeys is the upsert matching order: external ID, email, phone.
var DefaultMatchKeys = []MatchKey{MatchExternalID, MatchEmail, MatchPhone}

// UpsertOptions controls UpsertContact.
type UpsertOptions struct {
	// MatchKeys is the order in which fields are tried to find an existing
	// contact; nil means DefaultMatchKeys. Keys the input leaves empty, or the
	// vendor cannot look up, are skipped.
	MatchKeys []MatchKey
}

// Keys returns the match keys in effect.
func (o UpsertOptions) Keys() []MatchKey {
	if o.MatchKeys == nil {
		return DefaultMatchKeys
	}
	return o.MatchKeys
}

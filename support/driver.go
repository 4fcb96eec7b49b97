package support

import "context"

// Driver is the contract an adapter implements: one vendor's primitives and
// nothing of the vendor-neutral rules, which [Client] owns (validation, Ref
// resolution, upsert matching and the identity rule, batch chunking and
// fallback, the lookup before a write whose outcome is unknown is sent
// again, partial sends, error attribution and capability checks). Apps
// never call a Driver; they call the Client that NewClient builds from it.
//
// Every method may assume what its doc says the Client has done first: the
// input passed ContactInput.Validate (or ContactUpdate.Validate) and
// PrepareContact, IDs passed Ref.Validate, the operation is declared in
// Capabilities, and the context was live when the call began. Each method
// returns an error whose kind (errors.Is) says what happened:
//
//   - ErrNotFound for an object that does not exist;
//   - ErrInvalid for input the vendor refused (or that breaks a vendor rule
//     checked before sending);
//   - ErrConflict, ErrUnauthorized, ErrForbidden, ErrRateLimited,
//     ErrUnavailable as the vendor answered, after internal/rest's retries;
//   - ErrOutcomeUnknown (Error.OutcomeUnknown) for a write that may have
//     taken effect: a driver never sends a non-idempotent write again
//     itself, the Client looks it up first;
//   - an error wrapping the context's error when the context ended.
//
// The Client sets Vendor and Op on every error, so a driver need not, and a
// plain error becomes an *Error of no kind. A Driver is safe for concurrent
// use. The optional interfaces below ([BatchCreator], [ContactPatcher], ...)
// add what a vendor can do beyond the required contact primitives; an
// operation declared in Capabilities must have its interface implemented
// (NewClient panics otherwise), and an undeclared one is never called.
//
// docs/adapters.md walks through writing a driver, its simulator and its
// conformance test; adapters/memory is the smallest complete example.
type Driver interface {
	// Capabilities says what the vendor can do. It is read once, by
	// NewClient.
	Capabilities() Capabilities

	// PrepareContact applies the vendor's own rules to an input that passed
	// ContactInput.Validate, before any write: it returns the input as the
	// vendor will store it, each field the vendor cannot store removed
	// with a Warning, values normalized as the vendor stores them (so that
	// the Client's diff against a stored contact finds no false change),
	// or ErrInvalid for a value the vendor would refuse (a field too long).
	// It may read (Tidio's property definitions) but never writes.
	PrepareContact(ctx context.Context, in ContactInput) (ContactInput, []Warning, error)

	// ListContacts returns one page of contacts, in the vendor's order. A
	// page whose item list is missing is an error, never the last page.
	ListContacts(ctx context.Context, opts ContactListOptions) (Page[Contact], error)

	// GetContact returns the contact with the vendor ID id; ErrNotFound
	// when there is none.
	GetContact(ctx context.Context, id string) (*Contact, error)

	// FindContacts returns every contact whose key field equals value,
	// earliest created first, and an empty slice (not ErrNotFound) when
	// none does. value is a valid email (compare it without regard to
	// case), an E.164 phone, or an external ID (compare exactly). It is
	// called only for keys Capabilities.CanFind reports.
	FindContacts(ctx context.Context, key MatchKey, value string) ([]Contact, error)

	// CreateContact sends one create of a prepared input, once. The result
	// is Created, or Matched when the vendor returned an existing contact
	// (Capabilities.CreateDedup), with the vendor's warnings. A create that
	// may have been stored fails with ErrOutcomeUnknown: the Client looks
	// it up before anything is sent again.
	CreateContact(ctx context.Context, in ContactInput) (*ContactResult, error)
}

// BatchCreator is implemented by drivers of vendors with a batch create
// endpoint (OpCreateContacts, Capabilities.MaxBatch > 1).
type BatchCreator interface {
	// CreateContacts sends one batch request of at most MaxBatch prepared
	// inputs. Either it returns one item per input, in order (Created,
	// Matched, or Failed with the record's error) and a nil error, or it
	// returns a nil result and an error about the whole request: nothing
	// was stored, or, with ErrOutcomeUnknown, any of it may have been. An
	// all-or-nothing vendor that refuses the batch because of some record
	// returns ErrInvalid; the Client then splits the batch to find it.
	CreateContacts(ctx context.Context, in []ContactInput) (*BatchResult, error)
}

// CreateChecker is implemented by drivers whose vendor refuses to create
// some contacts that pass PrepareContact, because a rule applies to new
// contacts only (respond.io needs a first name to create one, not to keep
// one). The Client calls CheckCreate with the prepared input before every
// create it sends, single or in a batch, so that nothing refused is sent and
// a plan (Client.CheckCreate) can apply the same rule. It sends no request
// and fails with ErrInvalid.
type CreateChecker interface {
	CheckCreate(in ContactInput) error
}

// ContactPatcher is implemented by drivers that can change a stored contact
// (OpUpdateContact).
type ContactPatcher interface {
	// PatchContact changes the contact id with patch semantics: only the
	// fields u sets are sent, "" clears. It applies the vendor's rules
	// first (ErrInvalid), and returns the contact as stored with the
	// outcome Updated, or Unchanged when the vendor reports that nothing
	// changed. The Client has checked that the contact would still name
	// someone. PATCH is idempotent: internal/rest retries it. A vendor
	// that does not answer with the stored contact returns one without
	// Raw (its ID and what it sent, say); an upsert then reports the
	// contact it matched with u applied.
	PatchContact(ctx context.Context, id string, u ContactUpdate) (*ContactResult, error)
}

// BatchPatcher is implemented by drivers of vendors with a batch update
// endpoint (OpUpdateContacts, Capabilities.MaxBatchUpdate > 1).
type BatchPatcher interface {
	// PatchContacts changes at most MaxBatchUpdate contacts in one request,
	// each with patch semantics as PatchContact, all or nothing: a nil
	// error means every patch was applied. The patches are not empty, name
	// distinct contacts and passed ContactUpdate.Validate. ErrInvalid
	// means the vendor refused the batch (some record broke a rule, or
	// names no contact: ErrNotFound is reported as ErrInvalid when the
	// vendor does not say which); nothing was applied and the Client
	// splits the batch to find the record. Like PATCH, it is idempotent.
	// On success it may return warnings, nil or one slice per patch in
	// order, for fields it left out of a record (a custom field the
	// workspace does not define).
	PatchContacts(ctx context.Context, patches []ContactPatch) ([][]Warning, error)
}

// ContactFieldLister is implemented by drivers that can list the custom
// contact fields a workspace defines (OpListContactFields).
type ContactFieldLister interface {
	// ListContactFields returns every definition, reading as many pages
	// as the vendor has.
	ListContactFields(ctx context.Context) ([]FieldDefinition, error)
}

// ContactDeleter is implemented by drivers that can delete contacts
// (OpDeleteContact).
type ContactDeleter interface {
	// DeleteContact deletes the contact id; ErrNotFound when there is none.
	DeleteContact(ctx context.Context, id string) error
}

// ConversationReader is implemented by drivers that can read conversations
// (OpListConversations, OpGetConversation).
type ConversationReader interface {
	ListConversations(ctx context.Context, opts ConversationListOptions) (Page[Conversation], error)
	GetConversation(ctx context.Context, id string) (*Conversation, error)
}

// ConversationCreator is implemented by drivers that can start a
// conversation (OpCreateConversation). The Ref in nc is valid.
type ConversationCreator interface {
	CreateConversation(ctx context.Context, nc NewConversation) (*Conversation, error)
}

// StatusSetter is implemented by drivers that can change a conversation's
// status (OpSetStatus). The status is one of Capabilities.Statuses.
type StatusSetter interface {
	SetStatus(ctx context.Context, id string, change StatusChange) error
}

// Assigner is implemented by drivers that can assign conversations
// (OpAssignConversation, OpUnassignConversation). A team assignee is passed
// only when Capabilities.AssignTeams.
type Assigner interface {
	Assign(ctx context.Context, id string, to Assignee) error
	Unassign(ctx context.Context, id string) error
}

// PrioritySetter is implemented by drivers that can change a
// conversation's priority (OpSetPriority). The priority is one of
// Capabilities.Priorities.
type PrioritySetter interface {
	SetPriority(ctx context.Context, id string, p Priority) error
}

// ClosingCategoryLister is implemented by drivers of vendors whose closing
// notes name a category (OpListClosingCategories).
type ClosingCategoryLister interface {
	// ListClosingCategories returns every category, reading as many
	// pages as the vendor has.
	ListClosingCategories(ctx context.Context) ([]ClosingCategory, error)
}

// MessageGetter is implemented by drivers that can read one message by its
// ID (OpGetMessage).
type MessageGetter interface {
	// GetMessage returns the message messageID of the conversation;
	// ErrNotFound when there is none.
	GetMessage(ctx context.Context, conversationID, messageID string) (*Message, error)
}

// Requester is implemented by drivers that send requests of the caller's
// making to the vendor (OpPassthrough), with the adapter's credentials,
// base URL, rate limiter, body cap, redaction and error decoding.
type Requester interface {
	// Send sends r once, or again after a failure only when r.Retries().
	// A 2xx answer is returned with a nil error; any other is returned
	// with the vendor's error, decoded as the adapter decodes its own
	// calls' (an *Error with Status). The Client has checked r
	// (method, path segments, headers); the driver also refuses headers
	// that carry its own credentials (ErrInvalid).
	Send(ctx context.Context, r RawRequest) (*RawResponse, error)
}

// MessageReader is implemented by drivers that can list a conversation's
// messages (OpListMessages), oldest first.
type MessageReader interface {
	ListMessages(ctx context.Context, conversationID string, opts ListOptions) (Page[Message], error)
}

// MessageSender is implemented by drivers that can send replies or notes
// (OpSendMessage, OpSendNote).
type MessageSender interface {
	// SendMessage sends one message, once. With
	// Capabilities.SplitsAttachments the Client passes either text or one
	// attachment, never both. A send that may have reached the vendor fails
	// with ErrOutcomeUnknown; the Client never sends it again.
	SendMessage(ctx context.Context, conversationID string, m NewMessage) (*Message, error)
}

// AgentLister is implemented by drivers that can list agents and teams
// (OpListAgents).
type AgentLister interface {
	ListAgents(ctx context.Context, opts ListOptions) (Page[Agent], error)
}

// implements reports whether d implements what op needs.
func implements(d Driver, op Operation) bool {
	var ok bool
	switch op {
	case OpUpdateContact:
		_, ok = d.(ContactPatcher)
	case OpDeleteContact:
		_, ok = d.(ContactDeleter)
	case OpListContactFields:
		_, ok = d.(ContactFieldLister)
	case OpSetPriority:
		_, ok = d.(PrioritySetter)
	case OpListClosingCategories:
		_, ok = d.(ClosingCategoryLister)
	case OpGetMessage:
		_, ok = d.(MessageGetter)
	case OpPassthrough:
		_, ok = d.(Requester)
	case OpUpdateContacts:
		// Built from PatchContact where there is no batch endpoint.
		_, ok = d.(ContactPatcher)
	case OpListConversations, OpGetConversation:
		_, ok = d.(ConversationReader)
	case OpCreateConversation:
		_, ok = d.(ConversationCreator)
	case OpSetStatus:
		_, ok = d.(StatusSetter)
	case OpAssignConversation, OpUnassignConversation:
		_, ok = d.(Assigner)
	case OpListMessages:
		_, ok = d.(MessageReader)
	case OpSendMessage, OpSendNote:
		_, ok = d.(MessageSender)
	case OpListAgents:
		_, ok = d.(AgentLister)
	default:
		// The contact operations of Driver itself, and batch create and
		// upsert, which the Client builds from them where the vendor has
		// no batch endpoint.
		return true
	}
	return ok
}

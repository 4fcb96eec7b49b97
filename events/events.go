// Package events is the neutral model of what happens on a support
// platform (a contact created, a conversation assigned, a message received)
// and the two ways an app gets it, for every vendor alike.
//
// Webhooks, where the vendor documents them: a vendor adapter supplies a
// Verifier and a Parser (tidio.NewWebhookHandler, whose signature Tidio
// documents; tidysupport.NewWebhookHandler, which needs a Verifier from the
// app because TidySupport documents none, HeaderSecret being the simplest);
// NewHandler does the rest: it caps the body, verifies, parses, drops
// duplicate deliveries (Dedup: MemoryDedup, or a store shared by replicas)
// and hands each event to the app once.
//
// The change feed, Watch, for every vendor, and the only source on those
// without documented webhooks (respond.io): it polls the vendor's lists and
// emits the same Events, resumable from a Checkpoint (MemoryCheckpoint,
// FileCheckpoint), within a request budget that leaves the rest of the
// vendor's rate limit to the app. PolledKinds says which kinds the lists can
// reveal on a vendor.
//
// Vendors do not promise delivery order: order events by OccurredAt. Both
// sources carry a stable DeliveryID, so one Dedup can serve both.
package events

import (
	"encoding/json"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// Kind says what happened, in vendor-neutral terms.
type Kind string

// The kinds of event. A vendor topic that maps to none of them is KindOther,
// with the payload kept in Event.Raw.
const (
	KindContactCreated            Kind = "contact.created"
	KindContactUpdated            Kind = "contact.updated"
	KindConversationCreated       Kind = "conversation.created"
	KindConversationAssigned      Kind = "conversation.assigned"
	KindConversationStatusChanged Kind = "conversation.status_changed"
	KindMessageReceived           Kind = "message.received"
	KindMessageSent               Kind = "message.sent"
	KindNoteAdded                 Kind = "note.added"
	KindOther                     Kind = "other"
)

// Event is one thing that happened on a platform.
type Event struct {
	// Kind is what happened.
	Kind Kind
	// Vendor is the adapter name ("tidio").
	Vendor string
	// Topic is the vendor's own name for the event ("contact.created").
	Topic string
	// OccurredAt is when the vendor says it happened, in UTC. Vendors do not
	// promise delivery order: order by OccurredAt.
	OccurredAt time.Time
	// DeliveryID identifies the delivery; a redelivery carries the same ID.
	DeliveryID string
	// ContactID, ConversationID and MessageID are the vendor IDs involved,
	// "" where the event has none or the vendor does not send them.
	ContactID      string
	ConversationID string
	MessageID      string
	// Contact, Conversation and Message are the neutral objects, where the
	// vendor sends them; nil otherwise.
	Contact      *support.Contact
	Conversation *support.Conversation
	Message      *support.Message
	// Raw is the whole delivery body, as received.
	Raw json.RawMessage
}

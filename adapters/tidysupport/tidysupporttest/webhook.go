package tidysupporttest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// WebhookSecret is the default Options.WebhookSecret.
const WebhookSecret = "ts_whsec_sim0webhook0secret01"

// WebhookSecretHeader carries Options.WebhookSecret on every delivery. It is
// the simulator's convention, not TidySupport's: the vendor documents no
// signature, so a receiver checks this header (events.HeaderSecret).
const WebhookSecretHeader = "X-Webhook-Secret"

// The event names the simulator sends, from TidySupport's API docs [D TS-wh].
const (
	eventContactCreated       = "CONTACT_CREATED"
	eventConversationCreated  = "CONVERSATION_CREATED"
	eventConversationUpdated  = "CONVERSATION_UPDATED"
	eventConversationAssigned = "CONVERSATION_ASSIGNED"
	eventConversationClosed   = "CONVERSATION_CLOSED"
	eventConversationReopened = "CONVERSATION_REOPENED"
	eventMessageCreated       = "MESSAGE_CREATED"
)

// secretSigner "signs" a delivery with the secret in WebhookSecretHeader.
type secretSigner struct{ secret string }

// Sign implements sim.Signer.
func (s secretSigner) Sign([]byte, time.Time) http.Header {
	h := http.Header{}
	h.Set(WebhookSecretHeader, s.secret)
	h.Set("User-Agent", "TidySupport-Simulator-Webhook")
	return h
}

// Corrupt implements sim.Signer: the header carries a wrong secret.
func (s secretSigner) Corrupt(h http.Header) http.Header {
	h.Set(WebhookSecretHeader, "not-"+s.secret)
	return h
}

// webhookJSON is a delivery: the envelope of the vendor's sample
// [D TS-wh-mkt], with the API docs' event names.
type webhookJSON struct {
	Event     string         `json:"event"`
	Version   int            `json:"version"`
	Timestamp string         `json:"timestamp"`
	Payload   webhookPayload `json:"payload"`
}

// webhookPayload holds the objects of an event: conversation as the sample
// shows it; message and contact (the simulator's choice) as the API's own
// message and contact objects.
type webhookPayload struct {
	Conversation *webhookConversationJSON `json:"conversation,omitempty"`
	Message      *messageJSON             `json:"message,omitempty"`
	Contact      *contactJSON             `json:"contact,omitempty"`
}

type webhookConversationJSON struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspaceId"`
	ContactID   string `json:"contactId"`
}

// emit queues event about conv (nil for none), msg and contact (nil for
// none), stamped now, when deliveries are on.
func (s *Simulator) emit(event string, conv *Conversation, msg *Message, contact *Contact) {
	if !s.Webhooks.Enabled() {
		return
	}
	w := webhookJSON{Event: event, Version: 1, Timestamp: s.Clock.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if conv != nil {
		w.Payload.Conversation = &webhookConversationJSON{ID: conv.ID, WorkspaceID: WorkspaceID, ContactID: conv.ContactID}
	}
	if msg != nil {
		m := messageJSONOf(*msg)
		w.Payload.Message = &m
	}
	if contact != nil {
		c := s.contactJSON(*contact)
		w.Payload.Contact = &c
	}
	body, err := json.Marshal(w)
	if err != nil {
		panic(err) // the shapes above always marshal
	}
	s.Webhooks.Enqueue(body)
}

// statusEvent is the event of a status change, "" for none: closing and
// reopening are TidySupport's own events [D TS-wh]; archiving, which has
// none, is sent as CONVERSATION_UPDATED (the simulator's choice).
func statusEvent(from, to string) string {
	switch {
	case from == to:
		return ""
	case to == "CLOSED":
		return eventConversationClosed
	case to == "OPEN":
		return eventConversationReopened
	}
	return eventConversationUpdated
}

// SimulateCustomerReply adds an inbound message from the conversation's
// contact, as the customer replying by email would, and queues its
// MESSAGE_CREATED. It fails for an unknown conversation or an empty text.
func (s *Simulator) SimulateCustomerReply(conversationID, text string) (Message, error) {
	if strings.TrimSpace(text) == "" || !validText(text) {
		return Message{}, errors.New("tidysupporttest: a reply needs a plain text")
	}
	conv, ok := s.convs.Get(conversationID)
	if !ok {
		return Message{}, errors.New("tidysupporttest: no conversation " + conversationID)
	}
	m := Message{
		ID: s.ids.Prefixed("msg_"), ConversationID: conv.ID, Direction: "INBOUND", SenderType: "CUSTOMER",
		ContentText: text, Status: "SENT", CreatedAt: s.Clock.Now().UTC(),
	}
	s.msgs.Put(m.ID, m)
	s.emit(eventMessageCreated, &conv, &m, nil)
	return m, nil
}

// SimulateAssign assigns the conversation to agentID ("agt_…"), as an agent
// would in the inbox (no assign endpoint is public), and queues
// CONVERSATION_ASSIGNED. It fails for an unknown conversation or an empty
// agent ID.
func (s *Simulator) SimulateAssign(conversationID, agentID string) error {
	if agentID == "" {
		return errors.New("tidysupporttest: SimulateAssign needs an agent ID")
	}
	var conv Conversation
	found := false
	s.convs.Atomically(func(tx *txConvs) {
		if conv, found = tx.Get(conversationID); found {
			conv.AssignedToID = agentID
			tx.Put(conv.ID, conv)
		}
	})
	if !found {
		return errors.New("tidysupporttest: no conversation " + conversationID)
	}
	s.emit(eventConversationAssigned, &conv, nil, nil)
	return nil
}

// newWebhooks builds the Simulator's webhook sender from opts.
func newWebhooks(opts Options, clock *sim.Clock) *sim.Webhooks {
	secret := opts.WebhookSecret
	if secret == "" {
		secret = WebhookSecret
	}
	return sim.NewWebhooks(opts.Webhooks, clock, secretSigner{secret: secret})
}

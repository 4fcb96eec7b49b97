package tidysupport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// WebhookConfig configures NewWebhookHandler.
type WebhookConfig struct {
	// Verify authenticates each delivery; required. TidySupport documents
	// no signature scheme [D TS-wh], so the app supplies the check: for
	// instance events.HeaderSecret with a header that its gateway adds.
	Verify events.Verifier
	// Dedup drops redeliveries; nil means an events.MemoryDedup of
	// events.DefaultDedupCapacity IDs.
	Dedup events.Dedup
	// MaxBody caps the body in bytes; 0 means events.DefaultMaxBody.
	MaxBody int64
	// Logger receives why deliveries were rejected; nil means
	// slog.Default().
	Logger *slog.Logger
}

// NewWebhookHandler returns the http.Handler to register as a TidySupport
// webhook URL. It authenticates with cfg.Verify, decodes the envelope
// {event, version, timestamp, payload: {conversation: {id, workspaceId,
// contactId}}} of the only published sample [D TS-wh-mkt
// https://tidysupport.com/integrations/webhooks], drops redeliveries and
// hands each event to deliver; see events.NewHandler for the status codes.
//
// TidySupport documents no delivery ID, so Event.DeliveryID is the SHA-256
// (hex) of the body: a redelivery is recognised only when its body is
// byte-identical, and two events with identical bodies count as one. A
// missing or invalid event or timestamp is a 400.
func NewWebhookHandler(cfg WebhookConfig, deliver func(context.Context, events.Event) error) (http.Handler, error) {
	if cfg.Verify == nil {
		return nil, errors.New("tidysupport: webhook handler needs WebhookConfig.Verify: TidySupport documents no " +
			"signature, so the app must authenticate deliveries (events.HeaderSecret, or its own check)")
	}
	h, err := events.NewHandler(events.Config{Verify: cfg.Verify, Parse: parseWebhook, Dedup: cfg.Dedup, MaxBody: cfg.MaxBody, Logger: cfg.Logger}, deliver)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// webhookKinds maps event names to neutral kinds: the upper-case names are
// the API docs' [D TS-wh https://tidysupport.com/docs/api/webhooks], the
// dotted ones the marketing page's [D TS-wh-mkt]. MESSAGE_CREATED's kind is
// its message's direction (messageKinds); the other documented names
// (CONVERSATION_UPDATED, MESSAGE_UPDATED, SIGNAL_*, TESTING_CONNECTION) are
// KindOther.
var webhookKinds = map[string]events.Kind{
	"CONVERSATION_CREATED":  events.KindConversationCreated,
	"CONVERSATION_ASSIGNED": events.KindConversationAssigned,
	"CONVERSATION_CLOSED":   events.KindConversationStatusChanged,
	"CONVERSATION_REOPENED": events.KindConversationStatusChanged,
	"CONTACT_CREATED":       events.KindContactCreated,
	"conversation.created":  events.KindConversationCreated,
	"conversation.closed":   events.KindConversationStatusChanged,
	"message.received":      events.KindMessageReceived,
	"contact.created":       events.KindContactCreated,
}

// messageKinds is MESSAGE_CREATED's kind by the message's direction. How
// internal notes are flagged is not public [D TS-msg], so none is a note.
var messageKinds = map[support.Direction]events.Kind{
	support.Inbound:  events.KindMessageReceived,
	support.Outbound: events.KindMessageSent,
}

// webhookStatus is the status a conversation event implies.
var webhookStatus = map[string]support.ConversationStatus{
	"CONVERSATION_CLOSED":   support.StatusClosed,
	"conversation.closed":   support.StatusClosed,
	"CONVERSATION_REOPENED": support.StatusOpen,
}

// WebhookKinds returns the kinds TidySupport's webhooks deliver, sorted,
// without KindOther.
func WebhookKinds() []events.Kind {
	out := slices.AppendSeq(slices.Collect(maps.Values(webhookKinds)), maps.Values(messageKinds))
	slices.Sort(out)
	return slices.Compact(out)
}

// wireWebhook is a delivery's envelope [D TS-wh-mkt]. payload.message and
// payload.contact are not documented; where present they are read as the
// API's message and contact objects.
type wireWebhook struct {
	Event     string `json:"event"`
	Timestamp string `json:"timestamp"`
	Payload   *struct {
		Conversation json.RawMessage `json:"conversation"`
		Message      json.RawMessage `json:"message"`
		Contact      json.RawMessage `json:"contact"`
	} `json:"payload"`
}

// present reports whether raw holds a value other than null.
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// parseWebhook implements events.Parser for TidySupport's envelope.
func parseWebhook(body []byte) (events.Event, error) {
	var w wireWebhook
	if err := decodeObject(body, &w); err != nil {
		return events.Event{}, fmt.Errorf("tidysupport: webhook envelope: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, w.Timestamp)
	if w.Event == "" || err != nil {
		return events.Event{}, errors.New("tidysupport: webhook envelope needs an event and an RFC 3339 timestamp")
	}
	sum := sha256.Sum256(body)
	ev := events.Event{
		Vendor: Vendor, Topic: w.Event, OccurredAt: at.UTC(), DeliveryID: hex.EncodeToString(sum[:]), Raw: bytes.Clone(body),
	}
	if w.Payload != nil {
		if err := decodePayload(&ev, w.Payload.Conversation, w.Payload.Message, w.Payload.Contact); err != nil {
			return events.Event{}, fmt.Errorf("tidysupport: webhook payload: %w", err)
		}
	}
	kind, ok := webhookKinds[w.Event]
	if w.Event == "MESSAGE_CREATED" && ev.Message != nil {
		kind, ok = messageKinds[ev.Message.Direction]
	}
	if !ok {
		kind = events.KindOther
	}
	ev.Kind = kind
	return ev, nil
}

// decodePayload fills ev's IDs and objects from the payload's conversation,
// message and contact, each with the adapter's wire decoders.
func decodePayload(ev *events.Event, conv, msg, contact json.RawMessage) error {
	if present(conv) {
		var cw conversationWire
		if err := decodeObject(conv, &cw); err != nil {
			return fmt.Errorf("conversation: %w", err)
		}
		c, err := cw.conversation(conv)
		if err != nil {
			return err
		}
		if st, ok := webhookStatus[ev.Topic]; ok && c.Status == "" {
			c.Status = st
		}
		ev.Conversation, ev.ConversationID, ev.ContactID = &c, c.ID, c.ContactID
	}
	if present(contact) {
		var cw contactWire
		if err := decodeObject(contact, &cw); err != nil {
			return fmt.Errorf("contact: %w", err)
		}
		c, err := cw.contact(contact)
		if err != nil {
			return err
		}
		ev.Contact = &c
		if ev.ContactID == "" {
			ev.ContactID = c.ID
		}
	}
	if present(msg) {
		var mw messageWire
		if err := decodeObject(msg, &mw); err != nil {
			return fmt.Errorf("message: %w", err)
		}
		m, err := mw.message(ev.ConversationID, ev.ContactID, msg)
		if err != nil {
			return err
		}
		ev.Message, ev.MessageID = &m, m.ID
	}
	return nil
}

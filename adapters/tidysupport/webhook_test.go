package tidysupport_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

const (
	// webhookHeader and webhookSecret are the tests' verifier settings.
	webhookHeader = "X-Test-Secret"
	webhookSecret = "test-webhook-secret"
	// sampleSHA256 is `sha256sum testdata/webhook_event_marketing_sample.json`.
	sampleSHA256 = "c9c03d75baa8447d1b9cabd94571c4f1c99189b7100f7968dd3e4940f92923fe"
)

// webhookRig is a handler verifying webhookHeader, recording what it hands
// on.
type webhookRig struct {
	h   http.Handler
	got []events.Event
}

func newWebhookRig(t *testing.T) *webhookRig {
	t.Helper()
	verify, err := events.HeaderSecret(webhookHeader, webhookSecret)
	require.NoError(t, err)
	r := &webhookRig{}
	r.h, err = tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify, Logger: slog.New(slog.DiscardHandler)}, func(_ context.Context, ev events.Event) error {
		r.got = append(r.got, ev)
		return nil
	})
	require.NoError(t, err)
	return r
}

// post delivers body with secret in webhookHeader ("" for none).
func (r *webhookRig) post(t *testing.T, body, secret string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/hooks/tidysupport", strings.NewReader(body))
	if secret != "" {
		req.Header.Set(webhookHeader, secret)
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec.Code
}

// envelope is a delivery of event at timestamp with payload (JSON).
func envelope(event, timestamp, payload string) string {
	return `{"event":` + strconv.Quote(event) + `,"version":1,"timestamp":` + strconv.Quote(timestamp) + `,"payload":` + payload + `}`
}

// The API's objects [D TS-msg, TS-contacts], as payload.message and
// payload.contact.
const (
	convPayload    = `{"id":"thd_1","workspaceId":"wrk_1","contactId":"ctc_1"}`
	inboundMessage = `{"id":"msg_1","direction":"INBOUND","senderType":"CUSTOMER","contentText":"Where is my order?",` +
		`"contentHtml":null,"contentPreview":"Where is my order?","status":"SENT","attachments":[],` +
		`"createdAt":"2024-01-15T10:31:00Z","sentAt":"2024-01-15T10:31:00Z"}`
	outboundMessage = `{"id":"msg_2","direction":"OUTBOUND","senderType":"AGENT","agentId":"agt_1","contentText":"On its way.",` +
		`"status":"SENT","attachments":[],"createdAt":"2024-01-15T10:32:00Z","sentAt":"2024-01-15T10:32:00Z"}`
	contactPayload = `{"id":"ctc_1","email":"ada@example.com","name":"Ada Lovelace","avatarUrl":null,"phone":"+1-555-0123",` +
		`"status":"ACTIVE","source":"EMAIL","createdAt":"2024-01-15T10:30:00Z"}`
)

// TestWebhookMarketingSample: the only published payload [D TS-wh-mkt]
// becomes a conversation.created event with its IDs and time.
func TestWebhookMarketingSample(t *testing.T) {
	body := fixture(t, "webhook_event_marketing_sample.json")
	r := newWebhookRig(t)
	require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
	require.Len(t, r.got, 1)
	ev := r.got[0]
	assert.Equal(t, body, string(ev.Raw))
	require.NotNil(t, ev.Conversation)
	assert.JSONEq(t, `{"id":"cnv_abc123","workspaceId":"wrk_xyz789","contactId":"cnt_def456"}`, string(ev.Conversation.Raw))
	ev.Raw, ev.Conversation.Raw = nil, nil
	assert.Equal(t, events.Event{
		Kind: events.KindConversationCreated, Vendor: "tidysupport", Topic: "conversation.created",
		OccurredAt: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC), DeliveryID: sampleSHA256,
		ConversationID: "cnv_abc123", ContactID: "cnt_def456",
		Conversation: &support.Conversation{ID: "cnv_abc123", ContactID: "cnt_def456"},
	}, ev)
	assert.Equal(t, time.UTC, ev.OccurredAt.Location())
}

// TestWebhookEventNames: the API docs' names and the marketing page's dotted
// ones get their kinds; the rest are KindOther with their topic.
func TestWebhookEventNames(t *testing.T) {
	conv := `{"conversation":` + convPayload + `}`
	for name, tc := range map[string]struct {
		event, payload string
		kind           events.Kind
		status         support.ConversationStatus
	}{
		"created":            {"CONVERSATION_CREATED", conv, events.KindConversationCreated, ""},
		"assigned":           {"CONVERSATION_ASSIGNED", conv, events.KindConversationAssigned, ""},
		"closed":             {"CONVERSATION_CLOSED", conv, events.KindConversationStatusChanged, support.StatusClosed},
		"reopened":           {"CONVERSATION_REOPENED", conv, events.KindConversationStatusChanged, support.StatusOpen},
		"updated":            {"CONVERSATION_UPDATED", conv, events.KindOther, ""},
		"contact created":    {"CONTACT_CREATED", `{"contact":` + contactPayload + `}`, events.KindContactCreated, ""},
		"message inbound":    {"MESSAGE_CREATED", `{"conversation":` + convPayload + `,"message":` + inboundMessage + `}`, events.KindMessageReceived, ""},
		"message outbound":   {"MESSAGE_CREATED", `{"conversation":` + convPayload + `,"message":` + outboundMessage + `}`, events.KindMessageSent, ""},
		"message system":     {"MESSAGE_CREATED", `{"message":{"id":"msg_3","direction":"SYSTEM","senderType":"SYSTEM"}}`, events.KindOther, ""},
		"message no object":  {"MESSAGE_CREATED", conv, events.KindOther, ""},
		"message updated":    {"MESSAGE_UPDATED", `{"conversation":` + convPayload + `,"message":` + inboundMessage + `}`, events.KindOther, ""},
		"signal":             {"SIGNAL_CREATED", `{}`, events.KindOther, ""},
		"testing":            {"TESTING_CONNECTION", `null`, events.KindOther, ""},
		"unknown":            {"ticket.exploded", conv, events.KindOther, ""},
		"dotted created":     {"conversation.created", conv, events.KindConversationCreated, ""},
		"dotted closed":      {"conversation.closed", conv, events.KindConversationStatusChanged, support.StatusClosed},
		"dotted received":    {"message.received", `{"conversation":` + convPayload + `,"message":` + inboundMessage + `}`, events.KindMessageReceived, ""},
		"dotted contact":     {"contact.created", `{"contact":` + contactPayload + `}`, events.KindContactCreated, ""},
		"lower-case api doc": {"conversation_created", conv, events.KindOther, ""},
	} {
		t.Run(name, func(t *testing.T) {
			body := envelope(tc.event, "2024-01-15T10:30:00.000Z", tc.payload)
			r := newWebhookRig(t)
			require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
			require.Len(t, r.got, 1)
			ev := r.got[0]
			assert.Equal(t, tc.kind, ev.Kind)
			assert.Equal(t, tc.event, ev.Topic)
			assert.Equal(t, body, string(ev.Raw))
			if ev.Conversation != nil {
				assert.Equal(t, tc.status, ev.Conversation.Status)
			} else {
				assert.Empty(t, tc.status, "a status is expected on a conversation object")
			}
		})
	}
}

// TestWebhookPayloadObjects: payload.message and payload.contact are read
// with the adapter's decoders into neutral objects, with their IDs.
func TestWebhookPayloadObjects(t *testing.T) {
	r := newWebhookRig(t)
	body := envelope("MESSAGE_CREATED", "2024-01-15T12:31:00+02:00", `{"conversation":`+convPayload+`,"message":`+inboundMessage+`}`)
	require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
	body = envelope("CONTACT_CREATED", "2024-01-15T10:30:00Z", `{"contact":`+contactPayload+`}`)
	require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
	require.Len(t, r.got, 2)

	msg := r.got[0]
	assert.Equal(t, time.Date(2024, 1, 15, 10, 31, 0, 0, time.UTC), msg.OccurredAt)
	assert.Equal(t, time.UTC, msg.OccurredAt.Location())
	assert.Equal(t, []string{"thd_1", "ctc_1", "msg_1"}, []string{msg.ConversationID, msg.ContactID, msg.MessageID})
	require.NotNil(t, msg.Message)
	assert.JSONEq(t, inboundMessage, string(msg.Message.Raw))
	msg.Message.Raw = nil
	assert.Equal(t, &support.Message{
		ID: "msg_1", ConversationID: "thd_1", Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: "ctc_1",
		Text: "Where is my order?", CreatedAt: time.Date(2024, 1, 15, 10, 31, 0, 0, time.UTC),
	}, msg.Message)

	ct := r.got[1]
	assert.Equal(t, "ctc_1", ct.ContactID)
	assert.Empty(t, ct.ConversationID)
	assert.Nil(t, ct.Conversation)
	require.NotNil(t, ct.Contact)
	assert.JSONEq(t, contactPayload, string(ct.Contact.Raw))
	ct.Contact.Raw = nil
	assert.Equal(t, &support.Contact{
		ID: "ctc_1", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Phone: "+1-555-0123",
		CreatedAt: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
	}, ct.Contact)
}

// TestWebhookRejects: an unauthenticated delivery is 401, a malformed one
// 400, and nothing is handed on.
func TestWebhookRejects(t *testing.T) {
	good := envelope("CONVERSATION_CREATED", "2024-01-15T10:30:00Z", `{"conversation":`+convPayload+`}`)
	for name, tc := range map[string]struct {
		body, secret string
		want         int
	}{
		"no secret":             {good, "", http.StatusUnauthorized},
		"wrong secret":          {good, "guessed", http.StatusUnauthorized},
		"not JSON":              {`{"event": "CONVERSATION_CREATED", `, webhookSecret, http.StatusBadRequest},
		"not an object":         {`["CONVERSATION_CREATED"]`, webhookSecret, http.StatusBadRequest},
		"no event":              {envelope("", "2024-01-15T10:30:00Z", `{}`), webhookSecret, http.StatusBadRequest},
		"no timestamp":          {`{"event":"CONVERSATION_CREATED","payload":{}}`, webhookSecret, http.StatusBadRequest},
		"unix timestamp":        {`{"event":"CONVERSATION_CREATED","timestamp":1705314600}`, webhookSecret, http.StatusBadRequest},
		"invalid timestamp":     {envelope("CONVERSATION_CREATED", "15/01/2024 10:30", `{}`), webhookSecret, http.StatusBadRequest},
		"payload not an object": {envelope("CONVERSATION_CREATED", "2024-01-15T10:30:00Z", `"thd_1"`), webhookSecret, http.StatusBadRequest},
		"conversation no id":    {envelope("CONVERSATION_CREATED", "2024-01-15T10:30:00Z", `{"conversation":{"contactId":"ctc_1"}}`), webhookSecret, http.StatusBadRequest},
		"message no id":         {envelope("MESSAGE_CREATED", "2024-01-15T10:30:00Z", `{"message":{"direction":"INBOUND"}}`), webhookSecret, http.StatusBadRequest},
		"contact wrong type":    {envelope("CONTACT_CREATED", "2024-01-15T10:30:00Z", `{"contact":{"id":7}}`), webhookSecret, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			r := newWebhookRig(t)
			assert.Equal(t, tc.want, r.post(t, tc.body, tc.secret))
			assert.Empty(t, r.got)
		})
	}
}

// TestWebhookRedelivery: a byte-identical redelivery is dropped; the same
// event with its body re-encoded differently is not recognised (the limit
// of a body hash, as documented).
func TestWebhookRedelivery(t *testing.T) {
	r := newWebhookRig(t)
	body := fixture(t, "webhook_event_marketing_sample.json")
	require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
	require.Equal(t, http.StatusOK, r.post(t, body, webhookSecret))
	require.Len(t, r.got, 1)
	require.Equal(t, http.StatusOK, r.post(t, strings.TrimSpace(body), webhookSecret))
	require.Len(t, r.got, 2)
	assert.NotEqual(t, r.got[0].DeliveryID, r.got[1].DeliveryID)
}

// TestWebhookConfigErrors: without Verify the handler is refused, saying
// why.
func TestWebhookConfigErrors(t *testing.T) {
	noop := func(context.Context, events.Event) error { return nil }
	h, err := tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{}, noop)
	require.Error(t, err)
	assert.Nil(t, h)
	assert.Contains(t, err.Error(), "Verify")
	assert.Contains(t, err.Error(), "documents no signature")
	verify, err := events.HeaderSecret(webhookHeader, webhookSecret)
	require.NoError(t, err)
	for _, cfg := range []tidysupport.WebhookConfig{{Verify: verify, MaxBody: -1}} {
		h, err := tidysupport.NewWebhookHandler(cfg, noop)
		assert.Error(t, err)
		assert.True(t, h == nil, "a nil handler, not a typed nil in an interface")
	}
	h, err = tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify}, nil)
	assert.Error(t, err)
	assert.Nil(t, h)
}

// TestWebhookKinds: the kinds the handler can deliver, sorted, without
// KindOther.
func TestWebhookKinds(t *testing.T) {
	assert.Equal(t, []events.Kind{
		events.KindContactCreated, events.KindConversationAssigned, events.KindConversationCreated,
		events.KindConversationStatusChanged, events.KindMessageReceived, events.KindMessageSent,
	}, tidysupport.WebhookKinds())
}

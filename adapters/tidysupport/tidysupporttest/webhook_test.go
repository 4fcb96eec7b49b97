package tidysupporttest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// hookServer is a simulator whose webhooks go to a receiver answering 200.
func hookServer(t *testing.T, opts tidysupporttest.Options) *tidysupporttest.Server {
	t.Helper()
	opts.Webhooks.URL = "http://receiver.test/hooks"
	opts.Webhooks.Client = &http.Client{Transport: &sim.Transport{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})}}
	return newServer(t, opts)
}

// hook is a delivered event, decoded.
type hook struct {
	Event     string `json:"event"`
	Version   int    `json:"version"`
	Timestamp string `json:"timestamp"`
	Payload   struct {
		Conversation map[string]any `json:"conversation"`
		Message      map[string]any `json:"message"`
		Contact      map[string]any `json:"contact"`
	} `json:"payload"`
	raw    json.RawMessage
	header http.Header
}

// flush sends what is queued and returns the deliveries made since the
// first n, decoded.
func flush(t *testing.T, srv *tidysupporttest.Server, n int) []hook {
	t.Helper()
	require.NoError(t, srv.Webhooks.Flush(t.Context()))
	var out []hook
	for _, d := range srv.Webhooks.Deliveries()[n:] {
		var h hook
		require.NoError(t, json.Unmarshal(d.Body, &h), "%s", d.Body)
		h.raw, h.header = d.Body, d.Header
		out = append(out, h)
	}
	return out
}

// eventNames lists the event names of hooks.
func eventNames(hooks []hook) []string {
	var out []string
	for _, h := range hooks {
		out = append(out, h.Event)
	}
	return out
}

// TestWebhooksOff: without a URL nothing is queued, and a Simulator always
// has its Webhooks.
func TestWebhooksOff(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	require.NotNil(t, srv.Webhooks)
	assert.Equal(t, 201, call(t, srv, tidysupporttest.APIKey, "POST", inbox+"/contacts", `{"email":"a@example.com"}`).status)
	assert.False(t, srv.Webhooks.Enabled())
	assert.Equal(t, 0, srv.Webhooks.Pending())
}

// TestWebhooksSeedingQueuesNothing: seeding and EditContact build state
// without events.
func TestWebhooksSeedingQueuesNothing(t *testing.T) {
	srv := hookServer(t, tidysupporttest.Options{})
	c := srv.SeedContact(tidysupporttest.Contact{Email: "a@example.com"})
	srv.SeedConversation(tidysupporttest.Conversation{ContactID: c.ID}, tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "hi"})
	srv.SeedArticle(tidysupporttest.Article{Title: "FAQ"})
	srv.EditContact(c.ID, func(c *tidysupporttest.Contact) { c.Name = "Ada" })
	assert.True(t, srv.Webhooks.Enabled())
	assert.Equal(t, 0, srv.Webhooks.Pending())
}

// TestWebhooksAPIWrites: creates through the API queue their events, in the
// envelope of the vendor's sample with the API docs' names, and the objects
// in the API's own shapes.
func TestWebhooksAPIWrites(t *testing.T) {
	srv := hookServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	created := call(t, srv, key, "POST", inbox+"/contacts", `{"email":"ada@example.com","name":"Ada Lovelace"}`)
	require.Equal(t, 201, created.status)
	require.Equal(t, 200, call(t, srv, key, "POST", inbox+"/contacts", `{"email":"ADA@example.com"}`).status, "known email")
	hooks := flush(t, srv, 0)
	require.Equal(t, []string{"CONTACT_CREATED"}, eventNames(hooks), "a known email creates nothing")
	h := hooks[0]
	assert.Equal(t, 1, h.Version)
	assert.Equal(t, sim.Epoch.UTC().Format("2006-01-02T15:04:05.000Z"), h.Timestamp)
	assert.Equal(t, created.body["contact"], h.Payload.Contact, "the API's contact object")
	assert.Nil(t, h.Payload.Conversation)
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(h.raw, &keys))
	assert.ElementsMatch(t, []string{"event", "version", "timestamp", "payload"}, mapKeys(keys))

	srv.Clock.Advance(time.Minute)
	conv := call(t, srv, key, "POST", inbox+"/conversations", `{"email":"bob@example.com","subject":"Hi","contentText":"Hello Bob"}`)
	require.Equal(t, 201, conv.status)
	hooks = flush(t, srv, 1)
	require.Equal(t, []string{"CONTACT_CREATED", "CONVERSATION_CREATED", "MESSAGE_CREATED"}, eventNames(hooks))
	convID := conv.body["conversation"].(map[string]any)["id"]
	contactID := conv.body["contact"].(map[string]any)["id"]
	want := map[string]any{"id": convID, "workspaceId": tidysupporttest.WorkspaceID, "contactId": contactID}
	assert.Equal(t, contactID, hooks[0].Payload.Contact["id"])
	assert.Equal(t, want, hooks[1].Payload.Conversation, "the sample's conversation {id, workspaceId, contactId}")
	assert.Equal(t, want, hooks[2].Payload.Conversation)
	msgs := call(t, srv, key, "GET", inbox+"/conversations/"+convID.(string)+"/messages", "")
	items := msgs.body["thread"].(map[string]any)["messages"].(map[string]any)["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, items[0], hooks[2].Payload.Message, "the API's message object")
	assert.Equal(t, "OUTBOUND", hooks[2].Payload.Message["direction"])
	assert.Equal(t, sim.Epoch.Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"), hooks[2].Timestamp)

	cust := call(t, srv, key, "POST", "/v1/customers", `{"externalId":"usr_1","email":"cy@example.com","name":"Cy"}`)
	require.Equal(t, 201, cust.status)
	require.Equal(t, 409, call(t, srv, key, "POST", "/v1/customers", `{"externalId":"usr_1","email":"dee@example.com"}`).status)
	hooks = flush(t, srv, 4)
	require.Equal(t, []string{"CONTACT_CREATED"}, eventNames(hooks), "a refused create sends nothing")
	assert.Equal(t, cust.body["id"], hooks[0].Payload.Contact["id"])
}

// TestWebhooksStatusAndInspection: status changes, a customer's reply and an
// assignment queue their events; what changes nothing queues nothing.
func TestWebhooksStatusAndInspection(t *testing.T) {
	srv := hookServer(t, tidysupporttest.Options{})
	c := srv.SeedContact(tidysupporttest.Contact{Email: "a@example.com"})
	conv := srv.SeedConversation(tidysupporttest.Conversation{ContactID: c.ID})

	require.True(t, srv.SetConversationStatus(conv.ID, "CLOSED"))
	require.True(t, srv.SetConversationStatus(conv.ID, "CLOSED"))
	require.True(t, srv.SetConversationStatus(conv.ID, "OPEN"))
	require.True(t, srv.SetConversationStatus(conv.ID, "ARCHIVED"))
	require.False(t, srv.SetConversationStatus("thd_missing", "CLOSED"))
	msg, err := srv.SimulateCustomerReply(conv.ID, "Any news?")
	require.NoError(t, err)
	require.NoError(t, srv.SimulateAssign(conv.ID, "agt_1"))

	_, err = srv.SimulateCustomerReply("thd_missing", "x")
	assert.Error(t, err)
	_, err = srv.SimulateCustomerReply(conv.ID, " ")
	assert.Error(t, err)
	assert.Error(t, srv.SimulateAssign("thd_missing", "agt_1"))
	assert.Error(t, srv.SimulateAssign(conv.ID, ""))

	hooks := flush(t, srv, 0)
	require.Equal(t, []string{"CONVERSATION_CLOSED", "CONVERSATION_REOPENED", "CONVERSATION_UPDATED", "MESSAGE_CREATED", "CONVERSATION_ASSIGNED"}, eventNames(hooks))
	for _, h := range hooks {
		assert.Equal(t, map[string]any{"id": conv.ID, "workspaceId": tidysupporttest.WorkspaceID, "contactId": c.ID}, h.Payload.Conversation, h.Event)
	}
	reply := hooks[3].Payload.Message
	assert.Equal(t, msg.ID, reply["id"])
	assert.Equal(t, "INBOUND", reply["direction"])
	assert.Equal(t, "CUSTOMER", reply["senderType"])
	assert.Equal(t, "Any news?", reply["contentText"])

	assert.Equal(t, []tidysupporttest.Message{msg}, srv.Messages(conv.ID), "the reply is in the thread")
	got := srv.Conversations()
	require.Len(t, got, 1)
	assert.Equal(t, "agt_1", got[0].AssignedToID)
}

// TestWebhooksSecretHeader: every delivery carries the secret in
// WebhookSecretHeader (the default or Options.WebhookSecret); a bad
// signature fault carries another value.
func TestWebhooksSecretHeader(t *testing.T) {
	for _, secret := range []string{"", "my-secret"} {
		srv := hookServer(t, tidysupporttest.Options{WebhookSecret: secret, Webhooks: sim.WebhookOptions{BadSignatures: 1}})
		require.Equal(t, 201, call(t, srv, tidysupporttest.APIKey, "POST", inbox+"/contacts", `{"email":"a@example.com"}`).status)
		require.NoError(t, srv.Webhooks.Flush(t.Context()))
		d := srv.Webhooks.Deliveries()
		require.Len(t, d, 2)
		want := secret
		if want == "" {
			want = tidysupporttest.WebhookSecret
		}
		assert.Equal(t, "bad_signature", d[0].Fault)
		assert.NotEqual(t, want, d[0].Header.Get(tidysupporttest.WebhookSecretHeader))
		assert.NotEmpty(t, d[0].Header.Get(tidysupporttest.WebhookSecretHeader))
		assert.Equal(t, want, d[1].Header.Get(tidysupporttest.WebhookSecretHeader))
		assert.Equal(t, "application/json", d[1].Header.Get("Content-Type"))
		assert.Equal(t, d[0].Body, d[1].Body)
	}
}

func mapKeys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

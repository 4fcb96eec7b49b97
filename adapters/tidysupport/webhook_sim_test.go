package tidysupport_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// wantEvent is what one simulated change must reach the app as.
type wantEvent struct {
	At                                          time.Time
	Kind                                        events.Kind
	Topic, ContactID, ConversationID, MessageID string
}

func eventKey(ev events.Event) wantEvent {
	return wantEvent{ev.OccurredAt, ev.Kind, ev.Topic, ev.ContactID, ev.ConversationID, ev.MessageID}
}

// byTime orders by time, then (for events of one instant, such as a
// conversation and its first message) by topic and IDs.
func byTime(a, b wantEvent) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.ContactID, b.ContactID),
		cmp.Compare(a.ConversationID, b.ConversationID), cmp.Compare(a.MessageID, b.MessageID))
}

// TestWebhookSimulatorDeliveries: the simulator's real deliveries, with
// duplicates, reordering and bad secrets, through the handler the app
// would run: each event is handed on once, bad ones are refused with 401,
// duplicates answered 200 and dropped, and sorting by OccurredAt restores
// the order of the changes. A simulated customer reply arrives as
// message.received with the message ListMessages reads.
func TestWebhookSimulatorDeliveries(t *testing.T) {
	const secret = "app-webhook-secret"
	verify, err := events.HeaderSecret(tidysupporttest.WebhookSecretHeader, secret)
	require.NoError(t, err)
	var got []events.Event
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h, err := tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify, Logger: logger}, func(_ context.Context, ev events.Event) error {
		got = append(got, ev)
		return nil
	})
	require.NoError(t, err)
	s := tidysupporttest.New(tidysupporttest.Options{WebhookSecret: secret, Webhooks: sim.WebhookOptions{
		URL: "http://app.test/hooks/tidysupport", Client: &http.Client{Transport: &sim.Transport{Handler: h}},
		Duplicates: 0.3, OutOfOrder: 0.3, BadSignatures: 0.3, Seed: 12,
	}})
	client := mustNew(t, tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL: "http://127.0.0.1", HTTPClient: s.InProcess(), RateLimit: rate.Inf,
	})
	ctx := t.Context()

	var want []wantEvent
	expect := func(kind events.Kind, topic, contactID, convID, msgID string) {
		want = append(want, wantEvent{s.Clock.Now().UTC().Truncate(time.Millisecond), kind, topic, contactID, convID, msgID})
	}
	var replies []support.Message
	for i := range 6 {
		email := fmt.Sprintf("customer%d@example.com", i)
		s.Clock.Advance(time.Second)
		res, err := client.CreateContact(ctx, support.ContactInput{Email: email, FirstName: "Customer", LastName: fmt.Sprint(i)})
		require.NoError(t, err)
		contactID := res.Contact.ID
		expect(events.KindContactCreated, "CONTACT_CREATED", contactID, "", "")

		s.Clock.Advance(time.Second)
		conv, err := client.CreateConversation(ctx, support.NewConversation{Contact: support.Email(email), Subject: "Order", Text: "Your order shipped."})
		require.NoError(t, err)
		first := s.Messages(conv.ID)
		require.Len(t, first, 1)
		expect(events.KindConversationCreated, "CONVERSATION_CREATED", contactID, conv.ID, "")
		expect(events.KindMessageSent, "MESSAGE_CREATED", contactID, conv.ID, first[0].ID)

		s.Clock.Advance(time.Second)
		reply, err := s.SimulateCustomerReply(conv.ID, fmt.Sprintf("Thanks! (%d)", i))
		require.NoError(t, err)
		expect(events.KindMessageReceived, "MESSAGE_CREATED", contactID, conv.ID, reply.ID)
		page, err := client.ListMessages(ctx, conv.ID, support.ListOptions{})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		replies = append(replies, page.Items[1])

		s.Clock.Advance(time.Second)
		require.NoError(t, s.SimulateAssign(conv.ID, "agt_1"))
		expect(events.KindConversationAssigned, "CONVERSATION_ASSIGNED", contactID, conv.ID, "")

		s.Clock.Advance(time.Second)
		require.True(t, s.SetConversationStatus(conv.ID, "CLOSED"))
		expect(events.KindConversationStatusChanged, "CONVERSATION_CLOSED", contactID, conv.ID, "")
		if i%2 == 0 {
			s.Clock.Advance(time.Second)
			require.True(t, s.SetConversationStatus(conv.ID, "OPEN"))
			expect(events.KindConversationStatusChanged, "CONVERSATION_REOPENED", contactID, conv.ID, "")
		}
	}
	assert.Empty(t, got, "nothing is sent before Flush")
	require.NoError(t, s.Webhooks.Flush(ctx))

	faults := map[string]int{}
	for _, d := range s.Webhooks.Deliveries() {
		faults[d.Fault]++
		wantStatus := http.StatusOK
		if d.Fault == "bad_signature" {
			wantStatus = http.StatusUnauthorized
		}
		assert.Equal(t, wantStatus, d.Status, "fault %q: %s", d.Fault, d.Body)
	}
	for _, f := range []string{"", "duplicate", "out_of_order", "bad_signature"} {
		assert.Positive(t, faults[f], "deliveries with fault %q (the seed must draw each)", f)
	}
	assert.Equal(t, faults["bad_signature"], strings.Count(logs.String(), "status=401"), "each refusal logged to Logger")

	// Each event once, however often it was delivered.
	require.Len(t, got, len(want))
	ids := map[string]bool{}
	for _, ev := range got {
		assert.False(t, ids[ev.DeliveryID], "event %s handed on twice", ev.DeliveryID)
		ids[ev.DeliveryID] = true
	}

	// The deliveries arrived out of order; OccurredAt restores it.
	received := make([]wantEvent, len(got))
	for i, ev := range got {
		received[i] = eventKey(ev)
	}
	assert.False(t, slices.IsSortedFunc(received, func(a, b wantEvent) int { return a.At.Compare(b.At) }), "some deliveries arrive before older ones")
	slices.SortStableFunc(received, byTime)
	slices.SortStableFunc(want, byTime)
	assert.Equal(t, want, received)

	// A customer's reply carries the message the API lists.
	n := 0
	for _, ev := range got {
		if ev.Kind != events.KindMessageReceived {
			continue
		}
		require.NotNil(t, ev.Message)
		assert.Equal(t, replies[n], *ev.Message)
		assert.Equal(t, support.Inbound, ev.Message.Direction)
		assert.Equal(t, support.AuthorContact, ev.Message.AuthorKind)
		assert.Equal(t, ev.ContactID, ev.Message.AuthorID)
		n++
	}
	assert.Equal(t, len(replies), n)

	// Contacts and status changes carry their neutral objects.
	for _, ev := range got {
		switch ev.Topic {
		case "CONTACT_CREATED":
			require.NotNil(t, ev.Contact)
			stored, ok := s.Contact(ev.ContactID)
			require.True(t, ok)
			assert.Equal(t, stored.Email, ev.Contact.Email)
			assert.Equal(t, stored.Name, ev.Contact.FirstName+" "+ev.Contact.LastName)
		case "CONVERSATION_CLOSED", "CONVERSATION_REOPENED":
			require.NotNil(t, ev.Conversation)
			assert.Equal(t, map[string]support.ConversationStatus{"CONVERSATION_CLOSED": support.StatusClosed, "CONVERSATION_REOPENED": support.StatusOpen}[ev.Topic], ev.Conversation.Status)
		}
	}
}

package tidio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// simEvent is what the test expects one delivery to be about, in the order
// the actions happened.
type simEvent struct {
	topic   string
	subject string           // the contact's ID, or the ticket's
	contact *support.Contact // the neutral contact of a contact topic
}

// TestWebhookSimulatorDeliveries: the handler, fed the simulator's real
// deliveries with duplicates, reordering and bad signatures, hands on every
// event exactly once, refuses the bad signatures with 401, answers the
// duplicates 200 without handing them on, and the events sorted by
// OccurredAt are the actions in order; contact events carry the neutral
// contact the simulator holds. Changes made through the OpenAPI in between
// send nothing.
func TestWebhookSimulatorDeliveries(t *testing.T) {
	secrets := []string{"sim-old-secret", "sim-new-secret"}
	var (
		handler http.Handler
		got     []events.Event
		after   []int // len(got) after each request the handler served
	)
	srv := newInProcess(tidiotest.Options{
		Seed:           12,
		WebhookSecrets: secrets,
		Webhooks: sim.WebhookOptions{
			URL: "http://app.example/hooks/tidio",
			Client: &http.Client{Transport: &sim.Transport{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				handler.ServeHTTP(w, r)
				after = append(after, len(got))
			})}},
			Duplicates: 0.25, OutOfOrder: 0.25, BadSignatures: 0.25, Seed: 12,
		},
	})
	handler, err := tidio.NewWebhookHandler(tidio.WebhookConfig{
		Secrets: secrets, Now: srv.Clock.Now, Logger: slog.New(slog.DiscardHandler),
	}, func(_ context.Context, ev events.Event) error {
		got = append(got, ev)
		return nil
	})
	require.NoError(t, err)
	client := newClient(t, srv, tidio.Config{})
	ctx := t.Context()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})

	var want []simEvent
	tick := func() { srv.Clock.Advance(time.Second) } // one created_at per action
	contactEvent := func(topic, id string) {
		c, ok := srv.Contact(id)
		require.True(t, ok)
		want = append(want, simEvent{topic, id, neutral(c)})
	}
	for i := range 40 {
		tick()
		c := srv.SimulateVisitor(tidiotest.Contact{
			FirstName: fmt.Sprintf("Visitor%02d", i), Email: fmt.Sprintf("visitor%02d@example.com", i),
			DistinctID: fmt.Sprintf("v-%02d", i), Properties: []tidiotest.Property{{Name: "plan", Value: "free"}},
		})
		contactEvent("contact.created", c.ID)
		if i%2 == 0 {
			tick()
			require.True(t, srv.SimulateContactEdit(c.ID, func(c *tidiotest.Contact) {
				c.LastName, c.Phone = "Edited", "+4412345678"
				c.Properties = []tidiotest.Property{{Name: "plan", Value: "pro"}}
			}))
			contactEvent("contact.updated", c.ID)
		}
		if i%3 == 0 {
			// Through the OpenAPI: silent.
			_, err := client.UpdateContact(ctx, support.ID(c.ID), support.ContactUpdate{LastName: support.Ptr("ViaAPI")})
			require.NoError(t, err)
			conv, err := client.CreateConversation(ctx, support.NewConversation{Contact: support.Email(c.Email), Subject: "Order", Text: "Where is it?"})
			require.NoError(t, err)
			ticket, err := strconv.ParseInt(conv.ID, 10, 64)
			require.NoError(t, err)

			tick()
			_, err = srv.SimulateContactReply(ticket, "Any news?")
			require.NoError(t, err)
			want = append(want, simEvent{"ticket.contact_replied", conv.ID, nil})
			tick()
			require.NoError(t, srv.SimulateOperatorSolve(ticket))
			want = append(want, simEvent{"conversation.solved_by_operator", conv.ID, nil})
		}
	}
	require.Equal(t, len(want), srv.Webhooks.Pending(), "one delivery per action, none for the OpenAPI calls")
	require.NoError(t, srv.Webhooks.Flush(ctx))
	require.Zero(t, srv.Webhooks.Pending())

	// Each attempt's answer, and what it handed on.
	deliveries := srv.Webhooks.Deliveries()
	require.Len(t, after, len(deliveries))
	faults := map[string]int{}
	accepted := map[string]int{} // attempts without a fault, by webhook_id
	for k, d := range deliveries {
		faults[d.Fault]++
		handed := after[k]
		if k > 0 {
			handed -= after[k-1]
		}
		var env struct {
			WebhookID string `json:"webhook_id"`
		}
		require.NoError(t, json.Unmarshal(d.Body, &env))
		switch d.Fault {
		case "bad_signature":
			assert.Equal(t, http.StatusUnauthorized, d.Status, "attempt %d", k)
			assert.Zero(t, handed, "attempt %d: bad signature handed on", k)
		case "duplicate":
			assert.Equal(t, http.StatusOK, d.Status, "attempt %d", k)
			assert.Zero(t, handed, "attempt %d: duplicate handed on", k)
		default:
			assert.Equal(t, http.StatusOK, d.Status, "attempt %d", k)
			assert.Equal(t, 1, handed, "attempt %d", k)
			accepted[env.WebhookID]++
		}
	}
	for _, f := range []string{"bad_signature", "duplicate", "out_of_order"} {
		require.Positive(t, faults[f], "no %s fault drawn: the test proves nothing about it", f)
	}

	// Every event exactly once.
	count := map[string]int{}
	for _, ev := range got {
		count[ev.DeliveryID]++
	}
	require.Len(t, got, len(want))
	require.Len(t, accepted, len(want))
	for id, n := range accepted {
		assert.Equal(t, 1, n, "webhook %s accepted %d times", id, n)
		assert.Equal(t, 1, count[id], "webhook %s handed on %d times", id, count[id])
	}

	// Out of order on arrival; in order by OccurredAt.
	byTime := func(a, b events.Event) int { return a.OccurredAt.Compare(b.OccurredAt) }
	assert.False(t, slices.IsSortedFunc(got, byTime), "some events arrive out of order")
	sorted := slices.Clone(got)
	slices.SortStableFunc(sorted, byTime)
	for i, ev := range sorted {
		w := want[i]
		require.Equal(t, w.topic, ev.Topic, "event %d", i)
		assert.Equal(t, tidio.Vendor, ev.Vendor)
		if w.contact == nil {
			var env struct {
				Content struct {
					TicketID int64 `json:"ticket_id"`
				} `json:"content"`
			}
			require.NoError(t, json.Unmarshal(ev.Raw, &env))
			assert.Equal(t, w.subject, strconv.FormatInt(env.Content.TicketID, 10), "event %d", i)
			assert.Nil(t, ev.Contact, "event %d", i)
			continue
		}
		require.NotNil(t, ev.Contact, "event %d", i)
		c := *ev.Contact
		c.Raw = nil
		assert.Equal(t, *w.contact, c, "event %d", i)
		assert.Equal(t, w.subject, ev.ContactID, "event %d", i)
	}
}

// neutral is the support.Contact a contact webhook carries for c: the
// fields of Tidio's webhook content (id, email, phone, names, distinct_id,
// properties).
func neutral(c tidiotest.Contact) *support.Contact {
	out := &support.Contact{
		ID: c.ID, Email: c.Email, Phone: c.Phone, FirstName: c.FirstName, LastName: c.LastName, ExternalID: c.DistinctID,
	}
	for _, p := range c.Properties {
		if out.CustomFields == nil {
			out.CustomFields = map[string]string{}
		}
		out.CustomFields[p.Name] = p.Value
	}
	return out
}

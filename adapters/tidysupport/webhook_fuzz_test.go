package tidysupport_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/events"
)

// FuzzWebhook feeds arbitrary bodies to the handler (S5): it must never
// panic, answer only 200 (one event handed on) or 400 (none), and hand on
// only events it can stand behind: the documented envelope's topic and
// time, a delivery ID that is the body's hash, and a known kind.
//
//	go test ./adapters/tidysupport -run '^$' -fuzz FuzzWebhook -fuzztime 20s
func FuzzWebhook(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join("testdata", "webhook_event_marketing_sample.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	for _, body := range []string{
		envelope("MESSAGE_CREATED", "2024-01-15T10:30:00.000Z", `{"conversation":`+convPayload+`,"message":`+inboundMessage+`}`),
		envelope("CONTACT_CREATED", "2024-01-15T10:30:00+02:00", `{"contact":`+contactPayload+`}`),
		envelope("CONVERSATION_CLOSED", "2024-01-15T10:30:00Z", `{"conversation":{"id":"thd_1","status":"ARCHIVED","assignedToId":"agt_1"}}`),
		envelope("TESTING_CONNECTION", "2024-01-15T10:30:00Z", `null`),
		`{"event":"x","timestamp":"2024-01-15T10:30:00Z","payload":{"message":{"id":"m","createdAt":5}}}`,
		`{"event":"x","timestamp":"9999-99-99T99:99:99Z"}`, `{"event":null}`, `{}`, `[]`, `null`, "", "{",
	} {
		f.Add([]byte(body))
	}
	verify := func(http.Header, []byte) error { return nil }
	known := append(tidysupport.WebhookKinds(), events.KindOther)
	f.Fuzz(func(t *testing.T, body []byte) {
		var got []events.Event
		h, err := tidysupport.NewWebhookHandler(tidysupport.WebhookConfig{Verify: verify, Logger: slog.New(slog.DiscardHandler)}, func(_ context.Context, ev events.Event) error {
			got = append(got, ev)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if len(got) != 1 {
				t.Fatalf("200 with %d events handed on", len(got))
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if len(got) != 0 {
				t.Fatalf("%d with %d events handed on", rec.Code, len(got))
			}
			return
		default:
			t.Fatalf("status %d", rec.Code)
		}
		ev := got[0]
		sum := sha256.Sum256(body)
		switch {
		case ev.Vendor != tidysupport.Vendor || ev.Topic == "":
			t.Fatalf("vendor %q, topic %q", ev.Vendor, ev.Topic)
		case ev.DeliveryID != hex.EncodeToString(sum[:]):
			t.Fatalf("delivery ID %q is not the body's hash", ev.DeliveryID)
		case ev.OccurredAt.Location() != time.UTC:
			t.Fatalf("OccurredAt %v", ev.OccurredAt)
		case !slices.Contains(known, ev.Kind):
			t.Fatalf("kind %q", ev.Kind)
		case string(ev.Raw) != string(body) || !json.Valid(ev.Raw):
			t.Fatalf("Raw %q", ev.Raw)
		case ev.Message != nil && ev.MessageID != ev.Message.ID, ev.Conversation != nil && ev.ConversationID != ev.Conversation.ID:
			t.Fatalf("IDs %q %q disagree with the objects", ev.MessageID, ev.ConversationID)
		}
	})
}

package tidio_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// webhookContactCreated is Tidio's example envelope [D T-wh
// https://developers.tidio.com/docs/webhooks-structure] with, as content,
// Tidio's example contact.created body [D T-wh-ev
// https://developers.tidio.com/reference/events] (its e-mail is an artifact
// of the site's e-mail obfuscation, kept verbatim).
const webhookContactCreated = `{
    "created_at": 1687177445,
    "project_public_key": "m8ixolegtgfvo6ckzvmuempdq0obbqsy",
    "topic": "contact.created",
    "version": 1,
    "webhook_id": "7307ac4d-2c74-4d32-b7f9-f7d037ed2ebb",
    "content": {
  "id": "147ae37d-43bc-42a6-bc7b-c10d1525a2f7",
  "email": "[email protected]",
  "phone": "123 456 789",
  "first_name": "John",
  "last_name": "Doe",
  "distinct_id": "123456",
  "properties": [
    {
      "name": "shoe_size",
      "value": "44 (EU)"
    }
  ]
}
}`

// signedAt is the example's signing time, from the same page's header.
const signedAt = 1687177446

// sign returns X-Tidio-Signature for body signed at t under secrets.
func sign(body string, t int64, secrets ...string) string {
	parts := []string{"t=" + strconv.FormatInt(t, 10)}
	for _, s := range secrets {
		mac := hmac.New(sha256.New, []byte(s))
		mac.Write([]byte(body + "_" + strconv.FormatInt(t, 10)))
		parts = append(parts, "s="+hex.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(parts, ",")
}

// webhookRig is a handler on a fixed clock recording what it hands on.
type webhookRig struct {
	h      http.Handler
	got    []events.Event
	failed error // returned by the callback when set
}

func newWebhookRig(t *testing.T, cfg tidio.WebhookConfig) *webhookRig {
	t.Helper()
	r := &webhookRig{}
	if cfg.Secrets == nil {
		cfg.Secrets = []string{"current-secret"}
	}
	cfg.Now = func() time.Time { return time.Unix(signedAt, 0).Add(30 * time.Second) }
	h, err := tidio.NewWebhookHandler(cfg, func(_ context.Context, ev events.Event) error {
		if r.failed != nil {
			return r.failed
		}
		r.got = append(r.got, ev)
		return nil
	})
	require.NoError(t, err)
	r.h = h
	return r
}

// post delivers body with the given signature header ("" for none).
func (r *webhookRig) post(t *testing.T, body, signature string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/hooks/tidio", strings.NewReader(body))
	if signature != "" {
		req.Header.Set("X-Tidio-Signature", signature)
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec.Code
}

// TestWebhookContactCreated: Tidio's documented delivery, validly signed, is
// handed on once as a neutral contact.created event.
func TestWebhookContactCreated(t *testing.T) {
	r := newWebhookRig(t, tidio.WebhookConfig{})
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sign(webhookContactCreated, signedAt, "current-secret")))
	require.Len(t, r.got, 1)
	ev := r.got[0]
	assert.JSONEq(t, webhookContactCreated, string(ev.Raw))
	require.NotNil(t, ev.Contact)
	assert.NotEmpty(t, ev.Contact.Raw)
	ev.Contact.Raw, ev.Raw = nil, nil
	assert.Equal(t, events.Event{
		Kind: events.KindContactCreated, Vendor: "tidio", Topic: "contact.created",
		OccurredAt: time.Date(2023, 6, 19, 12, 24, 5, 0, time.UTC), DeliveryID: "7307ac4d-2c74-4d32-b7f9-f7d037ed2ebb",
		ContactID: "147ae37d-43bc-42a6-bc7b-c10d1525a2f7",
		Contact: &support.Contact{
			ID: "147ae37d-43bc-42a6-bc7b-c10d1525a2f7", Email: "[email protected]", Phone: "123 456 789",
			FirstName: "John", LastName: "Doe", ExternalID: "123456", CustomFields: map[string]string{"shoe_size": "44 (EU)"},
		},
	}, ev)
}

// TestWebhookTopics: each mapped topic gets its kind; an unknown one is
// KindOther with its payload in Raw.
func TestWebhookTopics(t *testing.T) {
	for topic, kind := range map[string]events.Kind{
		"contact.updated":                 events.KindContactUpdated,
		"conversation.solved_by_operator": events.KindConversationStatusChanged,
		"ticket.contact_replied":          events.KindMessageReceived,
		"ticket.operator_replied":         events.KindMessageSent,
		"ticket.internal_note_added":      events.KindNoteAdded,
		"ticket.operator_assigned":        events.KindConversationAssigned,
		"lyro.something_new":              events.KindOther,
	} {
		t.Run(topic, func(t *testing.T) {
			body := strings.Replace(webhookContactCreated, `"contact.created"`, strconv.Quote(topic), 1)
			r := newWebhookRig(t, tidio.WebhookConfig{})
			require.Equal(t, http.StatusOK, r.post(t, body, sign(body, signedAt, "current-secret")))
			require.Len(t, r.got, 1)
			assert.Equal(t, kind, r.got[0].Kind)
			assert.Equal(t, topic, r.got[0].Topic)
			assert.JSONEq(t, body, string(r.got[0].Raw))
		})
	}
}

// TestWebhookRejects: every bad delivery gets its status and nothing is
// handed on.
func TestWebhookRejects(t *testing.T) {
	good := webhookContactCreated
	tampered := strings.Replace(good, `"John"`, `"Mallory"`, 1)
	malformed := `{"topic": "contact.created", "webhook_id": `
	noID := `{"created_at": 1687177445, "topic": "contact.created", "content": {}}`
	badContent := strings.Replace(good, `"id": "147ae37d-43bc-42a6-bc7b-c10d1525a2f7",`, ``, 1)
	for name, tc := range map[string]struct {
		body, sig string
		want      int
	}{
		"tampered body":       {tampered, sign(good, signedAt, "current-secret"), http.StatusUnauthorized},
		"wrong secret":        {good, sign(good, signedAt, "guessed-secret"), http.StatusUnauthorized},
		"stale t (replay)":    {good, sign(good, signedAt-6*60, "current-secret"), http.StatusUnauthorized},
		"future t":            {good, sign(good, signedAt+6*60, "current-secret"), http.StatusUnauthorized},
		"t changed":           {good, strings.Replace(sign(good, signedAt, "current-secret"), "t=1687177446", "t=1687177447", 1), http.StatusUnauthorized},
		"missing header":      {good, "", http.StatusUnauthorized},
		"garbled header":      {good, "t=abc,s=zz", http.StatusUnauthorized},
		"no s":                {good, "t=1687177446", http.StatusUnauthorized},
		"short s":             {good, "t=1687177446,s=4ecd", http.StatusUnauthorized},
		"malformed JSON":      {malformed, sign(malformed, signedAt, "current-secret"), http.StatusBadRequest},
		"envelope without id": {noID, sign(noID, signedAt, "current-secret"), http.StatusBadRequest},
		"contact without id":  {badContent, sign(badContent, signedAt, "current-secret"), http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			r := newWebhookRig(t, tidio.WebhookConfig{})
			assert.Equal(t, tc.want, r.post(t, tc.body, tc.sig))
			assert.Empty(t, r.got)
		})
	}
}

// TestWebhookRotation: during a rotation Tidio sends one s per secret; a
// handler that knows only the new secret, or only the old, accepts it.
func TestWebhookRotation(t *testing.T) {
	sig := sign(webhookContactCreated, signedAt, "old-secret", "new-secret")
	for _, secrets := range [][]string{{"new-secret"}, {"old-secret"}, {"unrelated", "new-secret"}} {
		r := newWebhookRig(t, tidio.WebhookConfig{Secrets: secrets})
		assert.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig), secrets)
		assert.Len(t, r.got, 1, secrets)
	}
}

// TestWebhookTolerance: a wider tolerance accepts what the default refuses.
func TestWebhookTolerance(t *testing.T) {
	sig := sign(webhookContactCreated, signedAt-10*60, "current-secret")
	r := newWebhookRig(t, tidio.WebhookConfig{Tolerance: 15 * time.Minute})
	assert.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	assert.Len(t, r.got, 1)
}

// TestWebhookDuplicate: a redelivery of a webhook_id answers 200 and is not
// handed on again.
func TestWebhookDuplicate(t *testing.T) {
	r := newWebhookRig(t, tidio.WebhookConfig{})
	sig := sign(webhookContactCreated, signedAt, "current-secret")
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	assert.Len(t, r.got, 1)
}

// TestWebhookCallbackError: the app's failure answers 500, so Tidio retries,
// and the retry is handed on.
func TestWebhookCallbackError(t *testing.T) {
	r := newWebhookRig(t, tidio.WebhookConfig{})
	sig := sign(webhookContactCreated, signedAt, "current-secret")
	r.failed = errors.New("database down")
	require.Equal(t, http.StatusInternalServerError, r.post(t, webhookContactCreated, sig))
	r.failed = nil
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	assert.Len(t, r.got, 1)
}

// TestWebhookOversized: a body over MaxBody answers 413, unread and not
// handed on.
func TestWebhookOversized(t *testing.T) {
	r := newWebhookRig(t, tidio.WebhookConfig{MaxBody: 64})
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.post(t, webhookContactCreated, sign(webhookContactCreated, signedAt, "current-secret")))
	assert.Empty(t, r.got)
}

// TestWebhookConfigErrors: no secret, or an empty one, is refused.
func TestWebhookConfigErrors(t *testing.T) {
	noop := func(context.Context, events.Event) error { return nil }
	for _, cfg := range []tidio.WebhookConfig{{}, {Secrets: []string{""}}, {Secrets: []string{"s"}, Tolerance: -time.Second}} {
		_, err := tidio.NewWebhookHandler(cfg, noop)
		assert.Error(t, err, cfg)
	}
}

package tidio

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/events"
)

// DefaultWebhookTolerance is how far a delivery's signing time may be from
// the clock before it is rejected as a replay.
const DefaultWebhookTolerance = 5 * time.Minute

// signatureHeader carries t=<unix>,s=<hex>[,s=<hex>…], one s per secret
// [D T-wh-sig https://developers.tidio.com/docs/webhooks-signature-verification].
const signatureHeader = "X-Tidio-Signature"

// WebhookConfig configures NewWebhookHandler.
type WebhookConfig struct {
	// Secrets are the project's webhook secrets; a delivery signed with any
	// of them is accepted (several during a rotation). At least one.
	Secrets []string
	// Tolerance is how far the signing time t may be from Now, either way;
	// 0 means DefaultWebhookTolerance.
	Tolerance time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dedup drops redeliveries by webhook_id; nil means an
	// events.MemoryDedup of events.DefaultDedupCapacity IDs.
	Dedup events.Dedup
	// MaxBody caps the body in bytes; 0 means events.DefaultMaxBody.
	MaxBody int64
	// Logger receives why deliveries were rejected; nil means
	// slog.Default().
	Logger *slog.Logger
}

// NewWebhookHandler returns the http.Handler to register as a Tidio webhook
// URL. It checks X-Tidio-Signature (HMAC-SHA256 of body + "_" + t under one
// of cfg.Secrets, t within cfg.Tolerance), decodes the envelope
// {created_at, project_public_key, topic, version, webhook_id, content}
// [D T-wh https://developers.tidio.com/docs/webhooks-structure], drops
// redeliveries of a webhook_id and hands each event to deliver; see
// events.NewHandler for the status codes.
//
// Tidio retries a failed delivery several times, does not guarantee order
// (order by Event.OccurredAt) and may deliver twice, and changes made through
// the OpenAPI do not trigger webhooks at all: a contact this library writes
// produces no event [D T-wh-del https://developers.tidio.com/docs/webhooks-delivering;
// D T-wh-ev https://developers.tidio.com/reference/events].
func NewWebhookHandler(cfg WebhookConfig, deliver func(context.Context, events.Event) error) (http.Handler, error) {
	if len(cfg.Secrets) == 0 {
		return nil, errors.New("tidio: webhook handler needs at least one secret")
	}
	for i, s := range cfg.Secrets {
		if s == "" {
			return nil, fmt.Errorf("tidio: webhook secret %d is empty", i)
		}
	}
	if cfg.Tolerance < 0 {
		return nil, fmt.Errorf("tidio: negative webhook tolerance %s", cfg.Tolerance)
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultWebhookTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := verifier{secrets: cfg.Secrets, tolerance: cfg.Tolerance, now: cfg.Now}
	return events.NewHandler(events.Config{Verify: v.verify, Parse: parseWebhook, Dedup: cfg.Dedup, MaxBody: cfg.MaxBody, Logger: cfg.Logger}, deliver)
}

// verifier checks X-Tidio-Signature against its secrets and clock.
type verifier struct {
	secrets   []string
	tolerance time.Duration
	now       func() time.Time
}

// verify implements events.Verifier. As Tidio's PHP snippet does, it
// accepts the delivery when any s equals the lower-case hex HMAC under a
// secret [D T-wh-sig].
func (v verifier) verify(h http.Header, body []byte) error {
	t, sigs, err := parseSignature(h.Get(signatureHeader))
	if err != nil {
		return err
	}
	if age := v.now().Sub(time.Unix(t, 0)); age > v.tolerance || age < -v.tolerance {
		return fmt.Errorf("tidio: signed at %d, %s from now, beyond the %s tolerance", t, age, v.tolerance)
	}
	payload := append(append(bytes.Clone(body), '_'), strconv.FormatInt(t, 10)...)
	for _, secret := range v.secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(payload)
		want := []byte(hex.EncodeToString(mac.Sum(nil)))
		for _, s := range sigs {
			if hmac.Equal(want, []byte(s)) {
				return nil
			}
		}
	}
	return errors.New("tidio: no signature matches a webhook secret")
}

// parseSignature splits "t=<unix>,s=<hex>[,s=<hex>…]" into the signing time
// and the signatures, kept as sent, like the PHP snippet [D T-wh-sig]:
// items other than t and s are ignored, an s that is no hex just matches
// nothing. A t that is not a positive integer, or a second t, is refused.
func parseSignature(header string) (int64, []string, error) {
	if header == "" {
		return 0, nil, fmt.Errorf("tidio: no %s header", signatureHeader)
	}
	var (
		t     int64
		haveT bool
		sigs  []string
	)
	for item := range strings.SplitSeq(header, ",") {
		switch key, val, _ := strings.Cut(item, "="); key {
		case "t":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 || haveT {
				return 0, nil, fmt.Errorf("tidio: %s has a bad or repeated timestamp %q", signatureHeader, val)
			}
			t, haveT = n, true
		case "s":
			sigs = append(sigs, val)
		}
	}
	if !haveT || len(sigs) == 0 {
		return 0, nil, fmt.Errorf("tidio: %s needs t and at least one s", signatureHeader)
	}
	return t, sigs, nil
}

// wireWebhook is the envelope of every delivery [D T-wh].
type wireWebhook struct {
	CreatedAt        *int64          `json:"created_at"`
	ProjectPublicKey string          `json:"project_public_key"`
	Topic            string          `json:"topic"`
	Version          int             `json:"version"`
	WebhookID        string          `json:"webhook_id"`
	Content          json.RawMessage `json:"content"`
}

// webhookKinds maps Tidio topics to neutral kinds. contact.* and
// conversation.solved_by_operator are Tidio's [D T-wh-ev]; the others come
// from a third party [3P rollout https://rollout.com/integration-guides/tidio/api-essentials].
// Only the contact topics have a documented content, so only they carry a
// neutral object; the others keep it in Raw.
var webhookKinds = map[string]events.Kind{
	"contact.created":                   events.KindContactCreated,
	"contact.updated":                   events.KindContactUpdated,
	"conversation.solved_by_operator":   events.KindConversationStatusChanged,
	"conversation.solved_automatically": events.KindConversationStatusChanged,
	"ticket.contact_replied":            events.KindMessageReceived,
	"ticket.operator_replied":           events.KindMessageSent,
	"ticket.internal_note_added":        events.KindNoteAdded,
	"ticket.operator_assigned":          events.KindConversationAssigned,
}

// WebhookKinds returns the kinds Tidio's webhooks deliver, sorted, each
// once; a topic of no kind arrives as events.KindOther, which is not listed.
func WebhookKinds() []events.Kind {
	return slices.Compact(slices.Sorted(maps.Values(webhookKinds)))
}

// parseWebhook implements events.Parser for Tidio's envelope.
func parseWebhook(body []byte) (events.Event, error) {
	var w wireWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return events.Event{}, fmt.Errorf("tidio: webhook envelope: %w", err)
	}
	if w.Topic == "" || w.WebhookID == "" || w.CreatedAt == nil {
		return events.Event{}, errors.New("tidio: webhook envelope needs topic, webhook_id and created_at")
	}
	kind, ok := webhookKinds[w.Topic]
	if !ok {
		kind = events.KindOther
	}
	ev := events.Event{
		Kind: kind, Vendor: Vendor, Topic: w.Topic, DeliveryID: w.WebhookID,
		OccurredAt: time.Unix(*w.CreatedAt, 0).UTC(), Raw: bytes.Clone(body),
	}
	if kind == events.KindContactCreated || kind == events.KindContactUpdated {
		c, err := decodeContact(w.Content)
		if err != nil {
			return events.Event{}, fmt.Errorf("tidio: webhook %s content: %w", w.Topic, err)
		}
		ev.Contact, ev.ContactID = &c, c.ID
	}
	return ev, nil
}

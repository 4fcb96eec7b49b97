package tidio

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/events"
)

// FuzzWebhook feeds arbitrary signature headers and envelopes to the
// handler: it must never panic, answer only its documented statuses, and
// hand on only deliveries whose signature is valid.
func FuzzWebhook(f *testing.F) {
	f.Add(sign(webhookContactCreated, signedAt, "current-secret"), webhookContactCreated)
	f.Add("t=1687177446,s=4ecdcaf813c422d34413671b2ed68e0a6e69ea8496d34ab40bd33cef26571e70", `{"created_at":1,"topic":"x","webhook_id":"y","content":{}}`)
	f.Add("t=,s=,=,,", `{"content":null}`)
	f.Add("", "")
	f.Fuzz(func(t *testing.T, header, body string) {
		for _, resign := range []bool{false, true} {
			sig := header
			if resign {
				sig = sign(body, signedAt, "current-secret")
			}
			handed := 0
			dedup, err := events.NewMemoryDedup(1) // per run: small, so that runs stay fast
			if err != nil {
				t.Fatal(err)
			}
			h, err := NewWebhookHandler(WebhookConfig{
				Secrets: []string{"current-secret"}, Now: func() time.Time { return time.Unix(signedAt, 0) },
				Dedup: dedup, Logger: slog.New(slog.DiscardHandler),
			}, func(context.Context, events.Event) error { handed++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", strings.NewReader(body))
			req.Header.Set("X-Tidio-Signature", sig)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusOK:
				if handed != 1 {
					t.Fatalf("200 with %d events handed on", handed)
				}
			case http.StatusUnauthorized, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
				if handed != 0 {
					t.Fatalf("%d with %d events handed on", rec.Code, handed)
				}
			default:
				t.Fatalf("status %d", rec.Code)
			}
			if resign && rec.Code == http.StatusUnauthorized {
				t.Fatalf("a validly signed body was refused")
			}
		}
	})
}

// FuzzWebhookSignature: parseSignature never panics and, checked against
// the header's items, accepts exactly the headers with one positive integer
// t and at least one s, returning that t and every s as sent, in order.
func FuzzWebhookSignature(f *testing.F) {
	f.Add(documentedRotationHeader)
	f.Add(documentedHeader)
	f.Add(sign(webhookContactCreated, signedAt, "a", "b", "c"))
	f.Add("t=5,s=ab,x=1,s=")
	f.Add("t=1,t=1,s=ab")
	f.Add(" t=7, s=ab,")
	f.Add("t=-1,s=,=,,")
	f.Add("t=99999999999999999999,s=00")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		at, sigs, err := parseSignature(header)

		var ts, wantSigs []string
		for item := range strings.SplitSeq(header, ",") {
			switch key, val, _ := strings.Cut(item, "="); key {
			case "t":
				ts = append(ts, val)
			case "s":
				wantSigs = append(wantSigs, val)
			}
		}
		var wantT int64
		valid := len(ts) == 1 && len(wantSigs) > 0
		if valid {
			n, perr := strconv.ParseInt(ts[0], 10, 64)
			valid, wantT = perr == nil && n > 0, n
		}
		if valid != (err == nil) {
			t.Fatalf("header %q: valid %v, error %v", header, valid, err)
		}
		if err != nil {
			return
		}
		if at != wantT || len(sigs) != len(wantSigs) {
			t.Fatalf("header %q: t %d, %d signatures; want %d, %d", header, at, len(sigs), wantT, len(wantSigs))
		}
		for i := range sigs {
			if sigs[i] != wantSigs[i] {
				t.Fatalf("header %q: signature %d is %q, want %q", header, i, sigs[i], wantSigs[i])
			}
		}
	})
}

// FuzzWebhookEnvelope: parseWebhook never panics, and what it accepts is a
// complete event: topic, delivery ID, UTC time, Raw the body, the kind of
// its topic, and a neutral contact with its ID exactly for contact kinds.
func FuzzWebhookEnvelope(f *testing.F) {
	f.Add(testdataFile("webhook_envelope_contact_created.json"))
	f.Add(testdataFile("webhook_contact_created.json"))
	f.Add([]byte(strings.Replace(webhookContactCreated, `"contact.created"`, `"ticket.contact_replied"`, 1)))
	f.Add([]byte(`{"created_at":1,"topic":"contact.updated","webhook_id":"y","content":{"id":"c","properties":[{"name":"n","value":3}]}}`))
	f.Add([]byte(`{"created_at":-62135596801,"topic":"x","webhook_id":"y"}`))
	f.Add([]byte(`{"created_at":1.5,"topic":"x","webhook_id":"y"}`))
	f.Add([]byte(`{"created_at":null,"topic":"","webhook_id":"y","content":"s"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseWebhook(body)
		if err != nil {
			return
		}
		if ev.Topic == "" || ev.DeliveryID == "" || ev.Vendor != Vendor || ev.OccurredAt.Location() != time.UTC {
			t.Fatalf("incomplete event %+v", ev)
		}
		if string(ev.Raw) != string(body) {
			t.Fatalf("Raw %q, body %q", ev.Raw, body)
		}
		want, ok := webhookKinds[ev.Topic]
		if !ok {
			want = events.KindOther
		}
		if ev.Kind != want {
			t.Fatalf("topic %q has kind %q, want %q", ev.Topic, ev.Kind, want)
		}
		contact := ev.Kind == events.KindContactCreated || ev.Kind == events.KindContactUpdated
		if contact != (ev.Contact != nil) || (contact && (ev.Contact.ID == "" || ev.ContactID != ev.Contact.ID)) {
			t.Fatalf("kind %q with contact %+v, contact ID %q", ev.Kind, ev.Contact, ev.ContactID)
		}
	})
}

package tidio_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidio"
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
			h, err := tidio.NewWebhookHandler(tidio.WebhookConfig{
				Secrets: []string{"current-secret"}, Now: func() time.Time { return time.Unix(signedAt, 0) },
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

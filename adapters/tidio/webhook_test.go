package tidio

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// webhookContactCreated is testdata/webhook_contact_created.json: Tidio's
// example envelope [D T-wh https://developers.tidio.com/docs/webhooks-structure]
// with, as content, Tidio's example contact.created body [D T-wh-ev
// https://developers.tidio.com/reference/events] (its e-mail is an artifact
// of the site's e-mail obfuscation, kept verbatim).
var webhookContactCreated = string(testdataFile("webhook_contact_created.json"))

// testdataFile returns testdata/name, for package-level fixtures.
func testdataFile(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}

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

func newWebhookRig(t *testing.T, cfg WebhookConfig) *webhookRig {
	t.Helper()
	r := &webhookRig{}
	if cfg.Secrets == nil {
		cfg.Secrets = []string{"current-secret"}
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Unix(signedAt, 0).Add(30 * time.Second) }
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	h, err := NewWebhookHandler(cfg, func(_ context.Context, ev events.Event) error {
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
	r := newWebhookRig(t, WebhookConfig{})
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
			r := newWebhookRig(t, WebhookConfig{})
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
			r := newWebhookRig(t, WebhookConfig{})
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
		r := newWebhookRig(t, WebhookConfig{Secrets: secrets})
		assert.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig), secrets)
		assert.Len(t, r.got, 1, secrets)
	}
}

// TestWebhookTolerance: a wider tolerance accepts what the default refuses.
func TestWebhookTolerance(t *testing.T) {
	sig := sign(webhookContactCreated, signedAt-10*60, "current-secret")
	r := newWebhookRig(t, WebhookConfig{Tolerance: 15 * time.Minute})
	assert.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	assert.Len(t, r.got, 1)
}

// TestWebhookDuplicate: a redelivery of a webhook_id answers 200 and is not
// handed on again.
func TestWebhookDuplicate(t *testing.T) {
	r := newWebhookRig(t, WebhookConfig{})
	sig := sign(webhookContactCreated, signedAt, "current-secret")
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	require.Equal(t, http.StatusOK, r.post(t, webhookContactCreated, sig))
	assert.Len(t, r.got, 1)
}

// TestWebhookCallbackError: the app's failure answers 500, so Tidio retries,
// and the retry is handed on.
func TestWebhookCallbackError(t *testing.T) {
	r := newWebhookRig(t, WebhookConfig{})
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
	r := newWebhookRig(t, WebhookConfig{MaxBody: 64})
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.post(t, webhookContactCreated, sign(webhookContactCreated, signedAt, "current-secret")))
	assert.Empty(t, r.got)
}

// TestWebhookConfigErrors: no secret, or an empty one, is refused.
func TestWebhookConfigErrors(t *testing.T) {
	noop := func(context.Context, events.Event) error { return nil }
	for _, cfg := range []WebhookConfig{{}, {Secrets: []string{""}}, {Secrets: []string{"s"}, Tolerance: -time.Second}} {
		_, err := NewWebhookHandler(cfg, noop)
		assert.Error(t, err, cfg)
	}
}

// The documented signature headers: the signature-verification page's, one
// s per secret [D T-wh-sig https://developers.tidio.com/docs/webhooks-signature-verification],
// and the structure page's [D T-wh]. Tidio publishes no secret and no exact
// body for them, so they can only be parsed, not verified.
const (
	documentedRotationHeader = "t=1680652800,s=c64b17322c4519dd324a6014658c518df231ec3e2c6ac8ac19fced7ee4d54014,s=44565a4390252ed0692e1bb55b4ca2c7f581bbf919fec54f797fa8a1647969cd"
	documentedHeader         = "t=1687177446,s=4ecdcaf813c422d34413671b2ed68e0a6e69ea8496d34ab40bd33cef26571e70"
)

// TestDocumentedSignatureHeaders: both documented headers parse into their
// t and every s; verified against a secret that did not make them, they get
// as far as the comparison (no parse or replay error).
func TestDocumentedSignatureHeaders(t *testing.T) {
	for _, tc := range []struct {
		header string
		t      int64
		sigs   []string
	}{
		{documentedRotationHeader, 1680652800, []string{
			"c64b17322c4519dd324a6014658c518df231ec3e2c6ac8ac19fced7ee4d54014",
			"44565a4390252ed0692e1bb55b4ca2c7f581bbf919fec54f797fa8a1647969cd",
		}},
		{documentedHeader, 1687177446, []string{"4ecdcaf813c422d34413671b2ed68e0a6e69ea8496d34ab40bd33cef26571e70"}},
	} {
		at, sigs, err := parseSignature(tc.header)
		require.NoError(t, err, tc.header)
		assert.Equal(t, tc.t, at)
		assert.Equal(t, tc.sigs, sigs)

		v := verifier{secrets: []string{"not-tidios-secret"}, tolerance: DefaultWebhookTolerance, now: func() time.Time { return time.Unix(tc.t, 0) }}
		err = v.verify(http.Header{"X-Tidio-Signature": {tc.header}}, testdataFile("webhook_envelope_contact_created.json"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no signature matches")
	}
}

// TestParseSignatureLikePHP: the header is read as Tidio's PHP snippet reads
// it [D T-wh-sig]: items split on ",", keys exact, t numeric, every s kept as
// sent (the comparison decides), other items ignored; a header without t or
// without s is refused. A second t is refused, where the snippet would take
// the first.
func TestParseSignatureLikePHP(t *testing.T) {
	for header, want := range map[string]struct {
		t    int64
		sigs []string
	}{
		"t=5,s=ab,x=1,s=":  {5, []string{"ab", ""}},
		"s=AB,t=7":         {7, []string{"AB"}},
		"t=7,s=zz,junk,,=": {7, []string{"zz"}},
		"t=7,s=a=b":        {7, []string{"a=b"}},
	} {
		at, sigs, err := parseSignature(header)
		require.NoError(t, err, header)
		assert.Equal(t, want.t, at, header)
		assert.Equal(t, want.sigs, sigs, header)
	}
	for _, header := range []string{"", "t=7", "s=ab", "t=x,s=ab", "t=0,s=ab", "t=-1,s=ab", "t=1,t=1,s=ab", " t=7,s=ab", "t=7, s=ab", "T=7,S=ab", "t=7 ,s=ab"} {
		_, _, err := parseSignature(header)
		assert.Error(t, err, "%q", header)
	}
}

// Known answers. The secrets are the test's own (Tidio publishes none); each
// s was computed with openssl, independently of the code under test, for
// the two testdata envelopes (see their .src.txt) signed at katT:
//
//	{ cat testdata/<file>; printf _1687177446; } | openssl dgst -sha256 -hmac <secret>
const (
	katT      = 1687177446
	katOld    = "deskbridge-kat-old-secret"
	katNew    = "deskbridge-kat-new-secret"
	katOther  = "deskbridge-kat-other-secret"
	hexDigits = "0123456789abcdefABCDEFg"
)

var knownAnswers = []struct {
	file     string
	old, new string // s under katOld and katNew
	status   int    // the handler's answer when the signature is good
}{
	// The envelope exactly as documented; its content is the page's
	// placeholder ({}), not a contact, so the handler answers 400 once the
	// signature has passed (401 would mean it had not).
	{"webhook_envelope_contact_created.json",
		"3d91c993c21d71e23dc3289b9647a7176c369785a71108e52601427fc96274f3",
		"783fdd50c7bea545bc0246255e92037f3a1c6c8fb7dba031f193606323bc4d35", http.StatusBadRequest},
	// The documented envelope with the documented contact content.
	{"webhook_contact_created.json",
		"916dd1df841b7f31699e168300ad2adb81937c532b4d525f2b35618d6e814b8b",
		"71b08454fdd74b352d0e36642a0c6345084915a586a5fc4012bcf66ea410539e", http.StatusOK},
}

// fixed returns a clock standing at t.
func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// katVerifier is the handler's signature check with secrets, at now, with
// the given tolerance (0: the default).
func katVerifier(now time.Time, tolerance time.Duration, secrets ...string) verifier {
	if tolerance == 0 {
		tolerance = DefaultWebhookTolerance
	}
	return verifier{secrets: secrets, tolerance: tolerance, now: fixed(now)}
}

// sigHeader returns the header X-Tidio-Signature: value.
func sigHeader(value string) http.Header { return http.Header{"X-Tidio-Signature": {value}} }

// TestWebhookKnownAnswer: the handler accepts each known answer, with one s
// per secret as during a rotation, and refuses it once any one byte of the
// body, of t or of an s is changed.
func TestWebhookKnownAnswer(t *testing.T) {
	at := time.Unix(katT, 0)
	for _, ka := range knownAnswers {
		t.Run(ka.file, func(t *testing.T) {
			body := testdataFile(ka.file)
			header := fmt.Sprintf("t=%d,s=%s,s=%s", katT, ka.old, ka.new)

			// The handler: the documented two-s header under either secret.
			for _, secrets := range [][]string{{katOld}, {katNew}, {katNew, katOld}, {katOther, katNew}} {
				r := newWebhookRig(t, WebhookConfig{Secrets: secrets, Now: fixed(at)})
				assert.Equal(t, ka.status, r.post(t, string(body), header), secrets)
				if ka.status == http.StatusOK {
					require.Len(t, r.got, 1, secrets)
					assert.Equal(t, "7307ac4d-2c74-4d32-b7f9-f7d037ed2ebb", r.got[0].DeliveryID)
					assert.Equal(t, body, []byte(r.got[0].Raw))
				}
			}
			r := newWebhookRig(t, WebhookConfig{Secrets: []string{katOther}, Now: fixed(at)})
			assert.Equal(t, http.StatusUnauthorized, r.post(t, string(body), header), "an unrelated secret")

			// Rotation: each s on its own, under the secret that made it.
			good := katVerifier(at, 0, katOld, katNew)
			require.NoError(t, good.verify(sigHeader(header), body))
			require.NoError(t, good.verify(sigHeader("t=1687177446,s="+ka.old), body))
			require.NoError(t, good.verify(sigHeader("t=1687177446,s="+ka.new), body))
			require.Error(t, katVerifier(at, 0, katNew).verify(sigHeader("t=1687177446,s="+ka.old), body), "old s, new secret only")
			require.Error(t, katVerifier(at, 0, katOld).verify(sigHeader("t=1687177446,s="+ka.new), body), "new s, old secret only")

			// Like the PHP snippet: any s may match, compared as lower-case hex.
			require.NoError(t, good.verify(sigHeader("t=1687177446,s=zz,s=,s="+ka.old+"0,s="+ka.new), body))
			require.Error(t, good.verify(sigHeader("t=1687177446,s="+strings.ToUpper(ka.old)), body), "upper-case hex")

			// Every byte of the body changed, each of its bits in turn (the
			// handler sees the lowest), and the body one byte longer or
			// shorter.
			handler := newWebhookRig(t, WebhookConfig{Secrets: []string{katOld, katNew}, Now: fixed(at)})
			for i := range body {
				for bit := range 8 {
					tampered := bytes.Clone(body)
					tampered[i] ^= 1 << bit
					if good.verify(sigHeader(header), tampered) == nil {
						t.Fatalf("body byte %d with bit %d flipped is accepted", i, bit)
					}
					if bit == 0 {
						if code := handler.post(t, string(tampered), header); code != http.StatusUnauthorized {
							t.Fatalf("body byte %d flipped: handler answered %d", i, code)
						}
					}
				}
			}
			for _, tampered := range [][]byte{body[:len(body)-1], append(bytes.Clone(body), ' ')} {
				assert.Equal(t, http.StatusUnauthorized, handler.post(t, string(tampered), header), "body of %d bytes", len(tampered))
			}
			assert.Empty(t, handler.got)

			// Every one-byte change of t, under a tolerance that admits any
			// time, so that the signature alone refuses it.
			anyTime := katVerifier(at, time.Duration(math.MaxInt64), katOld, katNew)
			require.NoError(t, anyTime.verify(sigHeader(header), body))
			ts := strconv.FormatInt(katT, 10)
			for i := range ts {
				for _, c := range hexDigits + "-+ ." {
					if byte(c) == ts[i] {
						continue
					}
					h := "t=" + ts[:i] + string(c) + ts[i+1:] + fmt.Sprintf(",s=%s,s=%s", ka.old, ka.new)
					if anyTime.verify(sigHeader(h), body) == nil {
						t.Fatalf("t changed to %s is accepted", h)
					}
				}
			}

			// Every one-byte change of either s.
			for _, s := range []string{ka.old, ka.new} {
				for i := range s {
					for _, c := range hexDigits {
						if byte(c) == s[i] {
							continue
						}
						h := "t=1687177446,s=" + s[:i] + string(c) + s[i+1:]
						if good.verify(sigHeader(h), body) == nil {
							t.Fatalf("s changed to %s is accepted", h)
						}
					}
				}
			}
		})
	}
}

// TestWebhookReplay: a known answer is accepted up to the tolerance from
// its t, either way, and refused a second beyond it, for the default and a
// configured tolerance.
func TestWebhookReplay(t *testing.T) {
	ka := knownAnswers[1]
	body := testdataFile(ka.file)
	header := sigHeader("t=1687177446,s=" + ka.old)
	signed := time.Unix(katT, 0)
	for _, tol := range []time.Duration{0, 30 * time.Second, time.Hour} {
		eff := tol
		if eff == 0 {
			eff = DefaultWebhookTolerance
		}
		for _, tc := range []struct {
			now time.Time
			ok  bool
		}{
			{signed, true},
			{signed.Add(eff), true},
			{signed.Add(-eff), true},
			{signed.Add(eff + time.Second), false},  // replayed late
			{signed.Add(-eff - time.Second), false}, // signed in the future
		} {
			err := katVerifier(tc.now, tol, katOld).verify(header, body)
			assert.Equal(t, tc.ok, err == nil, "tolerance %s, now t%+ds: %v", eff, tc.now.Unix()-katT, err)

			r := newWebhookRig(t, WebhookConfig{Secrets: []string{katOld}, Tolerance: tol, Now: fixed(tc.now)})
			want := http.StatusUnauthorized
			if tc.ok {
				want = http.StatusOK
			}
			assert.Equal(t, want, r.post(t, string(body), header.Get("X-Tidio-Signature")), "tolerance %s, now t%+ds", eff, tc.now.Unix()-katT)
		}
	}
}

// TestWebhookKinds: the kinds are those of the topics, sorted, each once,
// without KindOther, and each is what a delivery of one of its topics
// carries.
func TestWebhookKinds(t *testing.T) {
	kinds := WebhookKinds()
	assert.Equal(t, []events.Kind{
		events.KindContactCreated, events.KindContactUpdated, events.KindConversationAssigned,
		events.KindConversationStatusChanged, events.KindMessageReceived, events.KindMessageSent, events.KindNoteAdded,
	}, kinds)
	assert.True(t, slices.IsSorted(kinds))
	assert.NotContains(t, kinds, events.KindOther)
	delivered := map[events.Kind]bool{}
	for topic := range webhookKinds {
		body := strings.Replace(webhookContactCreated, `"contact.created"`, strconv.Quote(topic), 1)
		r := newWebhookRig(t, WebhookConfig{})
		require.Equal(t, http.StatusOK, r.post(t, body, sign(body, signedAt, "current-secret")), topic)
		require.Len(t, r.got, 1)
		delivered[r.got[0].Kind] = true
	}
	assert.ElementsMatch(t, kinds, slices.Collect(maps.Keys(delivered)))
}

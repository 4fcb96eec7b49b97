package tidiotest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// hookReceiver accepts every delivery whose X-Tidio-Signature has an s
// computed here, independently of the simulator, under secret; it answers
// 401 to the others.
type hookReceiver struct {
	secret string

	mu       sync.Mutex
	accepted [][]byte
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.signed(r.Header.Get("X-Tidio-Signature"), body) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.accepted = append(rc.accepted, body)
}

// signed reports whether header holds, next to its t, an s that is the
// HMAC-SHA256 of body + "_" + t under rc.secret.
func (rc *hookReceiver) signed(header string, body []byte) bool {
	var t string
	var sigs []string
	for item := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(item, "t="); ok {
			t = v
		} else if v, ok := strings.CutPrefix(item, "s="); ok {
			sigs = append(sigs, v)
		}
	}
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write([]byte(string(body) + "_" + t))
	return slices.Contains(sigs, hex.EncodeToString(mac.Sum(nil)))
}

// bodies returns the accepted bodies, decoded.
func (rc *hookReceiver) bodies(t *testing.T) []map[string]any {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []map[string]any
	for _, b := range rc.accepted {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), "%s", b)
		out = append(out, m)
	}
	return out
}

// hookSim returns an in-process simulator delivering its webhooks to rc.
func hookSim(rc *hookReceiver, opts tidiotest.Options) *tidiotest.Server {
	opts.Webhooks.URL = "http://app.example/hooks/tidio"
	opts.Webhooks.Client = &http.Client{Transport: &sim.Transport{Handler: rc}}
	return tidiotest.NewInProcess(opts)
}

var (
	signatureForm = regexp.MustCompile(`^t=([0-9]+),s=[0-9a-f]{64},s=[0-9a-f]{64}$`)
	uuidForm      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// TestWebhookDelivery: a delivery has Tidio's headers, one lower-case hex s
// per secret (each verifiable on its own), the documented envelope and, for
// contact.created, exactly the documented contact content.
func TestWebhookDelivery(t *testing.T) {
	for _, secret := range []string{"old-secret", "new-secret"} {
		t.Run(secret, func(t *testing.T) {
			rc := &hookReceiver{secret: secret}
			srv := hookSim(rc, tidiotest.Options{WebhookSecrets: []string{"old-secret", "new-secret"}})
			srv.SeedProperty(tidiotest.PropertyDef{Name: "shoe_size"})
			c := srv.SimulateVisitor(tidiotest.Contact{
				FirstName: "John", LastName: "Doe", Email: "john@example.com", Phone: "123 456 789", DistinctID: "123456",
				Properties: []tidiotest.Property{{Name: "shoe_size", Value: "44 (EU)"}},
			})
			require.NoError(t, srv.Webhooks.Flush(t.Context()))

			d := srv.Webhooks.Deliveries()
			require.Len(t, d, 1)
			assert.Equal(t, http.StatusOK, d[0].Status)
			assert.Equal(t, "Tidio Webhook", d[0].Header.Get("User-Agent"))
			assert.Equal(t, "application/json", d[0].Header.Get("Content-Type"))
			m := signatureForm.FindStringSubmatch(d[0].Header.Get("X-Tidio-Signature"))
			require.NotNil(t, m, d[0].Header.Get("X-Tidio-Signature"))
			assert.Equal(t, strconv.FormatInt(srv.Clock.Now().Unix(), 10), m[1])

			got := rc.bodies(t)
			require.Len(t, got, 1)
			env := got[0]
			assert.ElementsMatch(t, []string{"created_at", "project_public_key", "topic", "version", "webhook_id", "content"}, keys(env))
			assert.Equal(t, float64(srv.Clock.Now().Unix()), env["created_at"])
			assert.Equal(t, tidiotest.ProjectPublicKey, env["project_public_key"])
			assert.Equal(t, "contact.created", env["topic"])
			assert.Equal(t, float64(1), env["version"])
			assert.Regexp(t, uuidForm, env["webhook_id"])
			assert.Equal(t, map[string]any{
				"id": c.ID, "email": "john@example.com", "phone": "123 456 789", "first_name": "John", "last_name": "Doe",
				"distinct_id": "123456", "properties": []any{map[string]any{"name": "shoe_size", "value": "44 (EU)"}},
			}, env["content"])
		})
	}
}

// keys returns the keys of m.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestWebhookDefaultSecret: without Options.WebhookSecrets the deliveries
// are signed with WebhookSecret only.
func TestWebhookDefaultSecret(t *testing.T) {
	rc := &hookReceiver{secret: tidiotest.WebhookSecret}
	srv := hookSim(rc, tidiotest.Options{})
	srv.SimulateVisitor(tidiotest.Contact{Email: "a@example.com"})
	require.NoError(t, srv.Webhooks.Flush(t.Context()))
	d := srv.Webhooks.Deliveries()
	require.Len(t, d, 1)
	assert.Equal(t, http.StatusOK, d[0].Status)
	assert.Equal(t, 1, strings.Count(d[0].Header.Get("X-Tidio-Signature"), "s="))
}

// TestWebhookCorrupt: a bad-signature attempt keeps t and changes every s,
// so the receiver refuses it under either secret; the retry is good.
func TestWebhookCorrupt(t *testing.T) {
	for _, secret := range []string{"old-secret", "new-secret"} {
		rc := &hookReceiver{secret: secret}
		srv := hookSim(rc, tidiotest.Options{
			WebhookSecrets: []string{"old-secret", "new-secret"},
			Webhooks:       sim.WebhookOptions{BadSignatures: 1},
		})
		srv.SimulateVisitor(tidiotest.Contact{Email: "a@example.com"})
		require.NoError(t, srv.Webhooks.Flush(t.Context()))
		d := srv.Webhooks.Deliveries()
		require.Len(t, d, 2, secret)
		assert.Equal(t, []string{"bad_signature", ""}, []string{d[0].Fault, d[1].Fault}, secret)
		assert.Equal(t, []int{http.StatusUnauthorized, http.StatusOK}, []int{d[0].Status, d[1].Status}, secret)
		bad := strings.Split(d[0].Header.Get("X-Tidio-Signature"), ",")
		good := strings.Split(d[1].Header.Get("X-Tidio-Signature"), ",")
		require.Len(t, bad, 3, secret)
		require.Len(t, good, 3, secret)
		assert.Equal(t, good[0], bad[0], "t is kept")
		assert.NotEqual(t, good[1], bad[1])
		assert.NotEqual(t, good[2], bad[2])
		assert.Regexp(t, signatureForm, d[0].Header.Get("X-Tidio-Signature"), "still well formed")
	}
}

// TestSimulateMethods: each inspection method changes the store as the
// person would and queues its topic; unknown targets queue nothing.
func TestSimulateMethods(t *testing.T) {
	rc := &hookReceiver{secret: tidiotest.WebhookSecret}
	srv := hookSim(rc, tidiotest.Options{})
	op := srv.SeedOperator(tidiotest.Operator{Name: "Alex", Email: "alex@example.com", Active: true})
	ada := srv.SimulateVisitor(tidiotest.Contact{Email: "ada@example.com", FirstName: "Ada"})
	assert.Equal(t, "unsubscribed", ada.EmailConsent, "filled in as SeedContact does")
	stored, ok := srv.Contact(ada.ID)
	require.True(t, ok)
	assert.Equal(t, ada, stored)

	require.True(t, srv.SimulateContactEdit(ada.ID, func(c *tidiotest.Contact) { c.LastName, c.ID = "Lovelace", "changed" }))
	stored, _ = srv.Contact(ada.ID)
	assert.Equal(t, "Lovelace", stored.LastName)
	assert.False(t, srv.SimulateContactEdit("no-such-contact", func(*tidiotest.Contact) {}))

	r := call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"ada@example.com","subject":"Help","message_content":"Hi"}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	id := int64(r.json(t)["id"].(float64))
	require.Equal(t, 204, call(t, srv, "PATCH", fmt.Sprintf("/tickets/%d", id), `{"assigned":{"type":"operator","id":"`+op.ID+`"}}`).status)

	msg, err := srv.SimulateContactReply(id, "Any news?")
	require.NoError(t, err)
	assert.Equal(t, "contact", msg.AuthorType)
	assert.Equal(t, ada.ID, msg.AuthorID)
	got := call(t, srv, "GET", fmt.Sprintf("/tickets/%d", id), "").json(t)["messages"].([]any)
	require.Len(t, got, 2)
	last := got[1].(map[string]any)
	assert.Equal(t, []any{msg.ID, "contact", ada.ID, "public", "Any news?"},
		[]any{last["message_id"], last["author_type"], last["author_id"], last["message_type"], last["message_content"]})
	_, err = srv.SimulateContactReply(id+100, "hello?")
	require.ErrorIs(t, err, tidiotest.ErrNoTicket)
	_, err = srv.SimulateContactReply(id, "  ")
	require.Error(t, err)

	require.NoError(t, srv.SimulateOperatorSolve(id))
	tk, _ := srv.Ticket(id)
	assert.Equal(t, "solved", tk.Status)
	require.NoError(t, srv.SimulateOperatorSolve(id), "solving a solved ticket")
	require.ErrorIs(t, srv.SimulateOperatorSolve(id+100), tidiotest.ErrNoTicket)

	require.NoError(t, srv.Webhooks.Flush(t.Context()))
	bodies := rc.bodies(t)
	var topics []any
	for _, b := range bodies {
		topics = append(topics, b["topic"])
	}
	require.Equal(t, []any{"contact.created", "contact.updated", "ticket.contact_replied", "conversation.solved_by_operator"}, topics)
	assert.Equal(t, "Lovelace", bodies[1]["content"].(map[string]any)["last_name"])
	assert.Equal(t, ada.ID, bodies[1]["content"].(map[string]any)["id"])
	reply := bodies[2]["content"].(map[string]any)
	assert.Equal(t, []any{float64(id), ada.ID, msg.ID, "Any news?"},
		[]any{reply["ticket_id"], reply["contact_id"], reply["message"].(map[string]any)["message_id"], reply["message"].(map[string]any)["message_content"]})
	assert.Equal(t, map[string]any{"ticket_id": float64(id), "contact_id": ada.ID, "operator_id": op.ID}, bodies[3]["content"])
	ids := map[any]bool{}
	for _, b := range bodies {
		ids[b["webhook_id"]] = true
	}
	assert.Len(t, ids, len(bodies), "webhook IDs are unique")
}

// TestNoWebhooksForOpenAPI: changes made through the OpenAPI trigger no
// webhook [D T-wh-ev https://developers.tidio.com/reference/events], however
// many are made; an inspection action afterwards does.
func TestNoWebhooksForOpenAPI(t *testing.T) {
	rc := &hookReceiver{secret: tidiotest.WebhookSecret}
	srv := hookSim(rc, tidiotest.Options{})
	op := srv.SeedOperator(tidiotest.Operator{Name: "Alex", Email: "alex@example.com", Active: true})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	writes := []struct{ method, path, body string }{
		{"POST", "/contacts", `{"email":"a@example.com","first_name":"A"}`},
		{"POST", "/contacts/batch", `{"contacts":[{"email":"b@example.com"},{"email":"c@example.com"}]}`},
	}
	for _, w := range writes {
		require.Less(t, call(t, srv, w.method, w.path, w.body).status, 300, w)
	}
	cs := srv.Contacts()
	require.Len(t, cs, 3)
	r := call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"new@example.com","subject":"S","message_content":"M"}`)
	require.Equal(t, http.StatusCreated, r.status)
	ticket := fmt.Sprintf("/tickets/%d", int64(r.json(t)["id"].(float64)))
	writes = []struct{ method, path, body string }{
		{"PATCH", "/contacts/" + cs[0].ID, `{"last_name":"Z","properties":[{"name":"plan","value":"pro"}]}`},
		{"PATCH", "/contacts/batch", `{"contacts":[{"id":"` + cs[1].ID + `","first_name":"B"}]}`},
		{"DELETE", "/contacts/" + cs[2].ID, ""},
		{"PATCH", ticket, `{"assigned":{"type":"operator","id":"` + op.ID + `"},"status":"pending"}`},
		{"POST", ticket + "/reply", `{"author_type":"contact","content":"thanks"}`},
		{"POST", ticket + "/reply", `{"author_type":"operator","content":"note","operator_id":"` + op.ID + `","message_type":"internal"}`},
		{"POST", ticket + "/reply", `{"author_type":"operator","content":"hi","operator_id":"` + op.ID + `"}`},
		{"PATCH", ticket, `{"status":"solved"}`},
		{"DELETE", ticket, ""},
	}
	for _, w := range writes {
		require.Less(t, call(t, srv, w.method, w.path, w.body).status, 300, w)
	}
	assert.Equal(t, 0, srv.Webhooks.Pending())
	require.NoError(t, srv.Webhooks.Flush(t.Context()))
	assert.Empty(t, srv.Webhooks.Deliveries())

	srv.SimulateVisitor(tidiotest.Contact{Email: "d@example.com"})
	assert.Equal(t, 1, srv.Webhooks.Pending())
}

// TestWebhooksOffWithoutURL: Server.Webhooks is never nil; without a URL
// the Simulate methods change the store and queue nothing.
func TestWebhooksOffWithoutURL(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	require.NotNil(t, srv.Webhooks)
	assert.False(t, srv.Webhooks.Enabled())
	c := srv.SimulateVisitor(tidiotest.Contact{Email: "a@example.com"})
	_, ok := srv.Contact(c.ID)
	assert.True(t, ok)
	assert.Equal(t, 0, srv.Webhooks.Pending())
	require.NoError(t, srv.Webhooks.Flush(t.Context()))
	assert.Empty(t, srv.Webhooks.Deliveries())
}

package respondio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/support"
)

// payload reads one of respond.io's own example payloads (testdata/vendor,
// sources in its SOURCES.md).
func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vendor", name))
	require.NoError(t, err)
	return b
}

// seen is a request the vendor server received.
type seen struct {
	method, path string
	query        url.Values
	body         []byte
}

// vendorServer serves respond.io's example payloads: each route
// ("GET /v2/space/closing_notes") answers its payload file, anything else
// is a 404 in respond.io's error shape. It returns a Client on it and the
// requests received.
func vendorServer(t *testing.T, routes map[string]string) (*support.Client, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.EscapedPath(), r.URL.Query(), body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		file, ok := routes[r.Method+" "+r.URL.EscapedPath()]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"code":404,"message":"Not found"}`)
			return
		}
		w.Write(payload(t, file))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, respondio.Config{Token: "token-0123456789", BaseURL: srv.URL + "/v2", HTTPClient: srv.Client(), RateLimit: -1})
	return c, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

// Issue 11 (4): GET /contact/{identifier}/message/{messageId} is read into
// a Message, channel included, from each of the SDK's examples.
func TestVendorGetMessage(t *testing.T) {
	for _, tc := range []struct {
		file, contact, message string
		want                   support.Message
	}{
		{"message_get_outgoing_sent.json", "123", "123456", support.Message{ID: "123456", ConversationID: "123", ChannelID: "999",
			Direction: support.Outbound, AuthorKind: support.AuthorAgent, Text: "Hello World", CreatedAt: time.Unix(1234567890, 0).UTC()}},
		{"message_get_incoming_numeric_channel_message_id.json", "789", "123", support.Message{ID: "123", ConversationID: "789", ChannelID: "999",
			Direction: support.Inbound, AuthorKind: support.AuthorContact, AuthorID: "789", Text: "Hello"}},
		{"message_get_sender_ai_agent.json", "123", "789", support.Message{ID: "789", ConversationID: "123", ChannelID: "999",
			Direction: support.Outbound, AuthorKind: support.AuthorBot, Text: "AI response"}},
		{"message_get_sender_broadcast.json", "123", "303", support.Message{ID: "303", ConversationID: "123", ChannelID: "999",
			Direction: support.Outbound, AuthorKind: support.AuthorSystem, Text: "Broadcast message"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := "/v2/contact/id:" + tc.contact + "/message/" + tc.message
			c, _ := vendorServer(t, map[string]string{"GET " + path: tc.file})
			m, err := c.GetMessage(t.Context(), tc.contact, tc.message)
			require.NoError(t, err)
			assert.JSONEq(t, string(payload(t, tc.file)), string(m.Raw))
			m.Raw = nil
			assert.Equal(t, tc.want, *m)
			_, err = c.GetMessage(t.Context(), tc.contact, "1")
			wantKind(t, "a message respond.io does not have", err, support.ErrNotFound)
		})
	}
}

// Issue 11 (4): GET /space/closing_notes is read into closing categories.
func TestVendorClosingNotes(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"GET /v2/space/closing_notes": "space_closing_notes.json"})
	cats, err := c.ListClosingCategories(t.Context())
	require.NoError(t, err)
	require.Len(t, cats, 1)
	assert.Equal(t, "Resolved", cats[0].Name)
	assert.Equal(t, "Issue resolved", cats[0].Description)
	assert.JSONEq(t, `{"category":"Resolved","description":"Issue resolved"}`, string(cats[0].Raw))
	assert.Equal(t, "100", got()[0].query.Get("limit"))
}

// Issue 11 (4): GET /space/custom_field is read into field definitions.
func TestVendorCustomFields(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"GET /v2/space/custom_field": "space_custom_field_list.json"})
	fs, err := c.ListContactFields(t.Context())
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, "Customer ID", fs[0].Name)
	assert.Equal(t, "text", fs[0].Type)
	assert.JSONEq(t, `{"id":1,"name":"Customer ID","description":"ID","dataType":"text"}`, string(fs[0].Raw))
	assert.Equal(t, "100", got()[0].query.Get("limit"))
}

// Issue 11 (4): the lifecycle is written with POST …/lifecycle/update
// {name}, null to clear, and the SDK's answer is a success.
func TestVendorLifecycleUpdate(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"POST /v2/contact/id:123/lifecycle/update": "contact_lifecycle_update_response.json"})
	d := driver(t, c)
	r, err := d.PatchContact(t.Context(), "123", support.ContactUpdate{Lifecycle: support.Ptr("Hot Lead")})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, "Hot Lead", r.Contact.Lifecycle)
	_, err = d.PatchContact(t.Context(), "123", support.ContactUpdate{Lifecycle: support.Ptr("")})
	require.NoError(t, err)
	reqs := got()
	require.Len(t, reqs, 2, "one request each, and no PUT")
	assert.JSONEq(t, `{"name":"Hot Lead"}`, string(reqs[0].body), "the SDK's example request")
	assert.JSONEq(t, `{"name":null}`, string(reqs[1].body))
}

// Issue 11 (4): a message with a subject is the SDK's email example,
// channel, subject and attachment included (cc is not a neutral field).
func TestVendorEmailSend(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"POST /v2/contact/id:1/message": "message_send_response.json"})
	m, err := driver(t, c).SendMessage(t.Context(), "1", support.NewMessage{
		Text: "Email body", Subject: "Test Email", ChannelID: "67890",
		Attachments: []support.Attachment{{URL: "https://example.com/doc.pdf", Name: "document.pdf", ContentType: "application/pdf"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "123456", m.ID)
	assert.Equal(t, "67890", m.ChannelID)
	assert.Equal(t, "Test Email", m.Subject)
	assert.Len(t, m.Attachments, 1)
	var want map[string]any
	require.NoError(t, json.Unmarshal(payload(t, "message_send_request_email.json"), &want))
	delete(want["message"].(map[string]any), "cc")
	wantBody, _ := json.Marshal(want)
	assert.JSONEq(t, string(wantBody), string(got()[0].body))
}

// The attachment send is the SDK's example too.
func TestVendorAttachmentSend(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"POST /v2/contact/id:123/message": "message_send_response.json"})
	_, err := c.SendMessage(t.Context(), "123", support.NewMessage{
		Attachments: []support.Attachment{{URL: "https://example.com/image.jpg", ContentType: "image/jpeg"}},
	})
	require.NoError(t, err)
	assert.JSONEq(t, string(payload(t, "message_send_request_attachment.json")), string(got()[0].body))
}

// Issue 11 (4): POST /contact/list asks for pages of 100 (respond.io's
// largest; its default is 10), in the query, and follows the cursor.
func TestVendorContactListLimit(t *testing.T) {
	c, got := vendorServer(t, map[string]string{"POST /v2/contact/list": "contact_list_page1.json"})
	p, err := c.ListContacts(t.Context(), support.ContactListOptions{})
	require.NoError(t, err)
	assert.Len(t, p.Items, 2)
	assert.Equal(t, "10", p.Next)
	for _, tc := range []struct {
		limit int
		want  string
	}{{0, "100"}, {1, "1"}, {100, "100"}, {37, "37"}, {101, "100"}, {5000, "100"}} {
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: tc.limit}})
		require.NoError(t, err)
		reqs := got()
		assert.Equal(t, url.Values{"limit": {tc.want}}, reqs[len(reqs)-1].query, "Limit %d", tc.limit)
	}
	_, err = c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Cursor: "10"}})
	require.NoError(t, err)
	reqs := got()
	assert.Equal(t, url.Values{"limit": {"100"}, "cursorId": {"10"}}, reqs[len(reqs)-1].query)
}

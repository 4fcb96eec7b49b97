package respondiotest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
)

// items returns a list answer's items.
func items(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["items"].([]any)
	require.True(t, ok, "no items list in %v", body)
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

// Every list honours limit 1 to 100, 10 without one; 0 and 101 are a 400.
func TestListLimits(t *testing.T) {
	srv := start(t, respondiotest.Options{NoDefaultUsers: true})
	for i := range 120 {
		_, err := srv.SeedContact(respondiotest.Contact{FirstName: "P", Email: fmt.Sprintf("p%d@example.com", i)})
		require.NoError(t, err)
		_, err = srv.DefineField(respondiotest.FieldDef{Name: fmt.Sprintf("f%d", i)})
		require.NoError(t, err)
	}
	for _, l := range []struct {
		method, path, body string
	}{
		{"POST", "/v2/contact/list", `{"search":"","timezone":"UTC","filter":{"$and":[]}}`},
		{"GET", "/v2/space/custom_field", ""},
	} {
		for _, tc := range []struct {
			query string
			want  int
		}{{"", 10}, {"?limit=1", 1}, {"?limit=100", 100}, {"?limit=37", 37}} {
			status, _, body := call(t, srv, l.method, l.path+tc.query, l.body)
			require.Equal(t, 200, status, "%s%s: %v", l.path, tc.query, body)
			assert.Len(t, items(t, body), tc.want, "%s%s", l.path, tc.query)
		}
		for _, bad := range []string{"?limit=0", "?limit=101", "?limit=x"} {
			status, _, body := call(t, srv, l.method, l.path+bad, l.body)
			wantError(t, l.path+bad, status, body, 400)
		}
	}
}

// Custom fields: the definitions are listed, and a write of a field the
// workspace does not define is a 400 that names it.
func TestCustomFieldDefinitions(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	_, err := srv.DefineField(respondiotest.FieldDef{Name: "Plan", Description: "The plan", DataType: "list", AllowedValues: []string{"free", "pro"}})
	require.NoError(t, err)
	for _, bad := range []respondiotest.FieldDef{{Name: ""}, {Name: "Plan"}, {Name: "x", DataType: "blob"}, {Name: string(make([]byte, 51))}} {
		_, err := srv.DefineField(bad)
		assert.Error(t, err, "DefineField(%+v)", bad)
	}
	status, _, body := call(t, srv, "GET", "/v2/space/custom_field", "")
	require.Equal(t, 200, status)
	assert.Equal(t, []map[string]any{{"id": float64(1), "name": "Plan", "description": "The plan", "dataType": "list", "allowedValues": []any{"free", "pro"}}}, items(t, body))

	status, _, body = call(t, srv, "POST", "/v2/contact/create_or_update/email:ada@example.com", `{"firstName":"Ada","custom_fields":[{"name":"Plan","value":"pro"}]}`)
	require.Equal(t, 200, status, "%v", body)
	status, _, body = call(t, srv, "PUT", "/v2/contact/id:1", `{"custom_fields":[{"name":"Seats","value":3}]}`)
	wantError(t, "an undefined field", status, body, 400)
	assert.Contains(t, body["message"], `"Seats" is not a custom field`)
	srv.UndefineField("Plan")
	status, _, body = call(t, srv, "PUT", "/v2/contact/id:1", `{"custom_fields":[{"name":"Plan","value":"free"}]}`)
	wantError(t, "a field undefined since", status, body, 400)
	c, _ := srv.Contact(1)
	require.Len(t, c.CustomFields, 1, "the stored value stays")
	assert.JSONEq(t, `"pro"`, string(c.CustomFields[0].Value))
}

// Closing notes are listed and paged; closing with a category the
// workspace lacks is a 400.
func TestClosingNotes(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	require.NoError(t, srv.SeedClosingNote(respondiotest.ClosingNote{Category: "Spam", Description: "Not a customer"}))
	require.Error(t, srv.SeedClosingNote(respondiotest.ClosingNote{Category: "Resolved"}), "a category taken")
	status, _, body := call(t, srv, "GET", "/v2/space/closing_notes?limit=1", "")
	require.Equal(t, 200, status)
	assert.Equal(t, []map[string]any{{"category": "Resolved", "description": "Issue resolved"}}, items(t, body))
	next := body["pagination"].(map[string]any)["next"].(string)
	require.Contains(t, next, "cursorId=1")
	status, _, body = call(t, srv, "GET", "/v2/space/closing_notes?limit=1&cursorId=1", "")
	require.Equal(t, 200, status)
	assert.Equal(t, []map[string]any{{"category": "Spam", "description": "Not a customer"}}, items(t, body))
	assert.Equal(t, "", body["pagination"].(map[string]any)["next"])

	_, err := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	require.NoError(t, err)
	status, _, body = call(t, srv, "POST", "/v2/contact/id:1/conversation/status", `{"status":"close","category":"Billing","summary":"x"}`)
	wantError(t, "an unknown category", status, body, 400)
	status, _, _ = call(t, srv, "POST", "/v2/contact/id:1/conversation/status", `{"status":"close","category":"Spam","summary":"x"}`)
	assert.Equal(t, 200, status)
}

// The lifecycle is set, read and cleared with null.
func TestLifecycleUpdate(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	_, err := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	status, _, body := call(t, srv, "POST", "/v2/contact/email:ada@example.com/lifecycle/update", `{"name":"Hot Lead"}`)
	require.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"code": float64(200), "message": "Success"}, body, "the SDK's example answer")
	_, _, body = call(t, srv, "GET", "/v2/contact/id:1", "")
	assert.Equal(t, "Hot Lead", body["lifecycle"])
	status, _, body = call(t, srv, "POST", "/v2/contact/id:1/lifecycle/update", `{}`)
	wantError(t, "no name", status, body, 400)
	status, _, body = call(t, srv, "POST", "/v2/contact/id:9/lifecycle/update", `{"name":"x"}`)
	wantError(t, "no contact", status, body, 404)
	call(t, srv, "POST", "/v2/contact/id:1/lifecycle/update", `{"name":null}`)
	_, _, body = call(t, srv, "GET", "/v2/contact/id:1", "")
	assert.Nil(t, body["lifecycle"])
}

// A message goes over one of the contact's channels, an email over an
// email channel; an email carries a subject and attachments with names.
func TestChannelsAndEmail(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	wa := srv.SeedChannel(respondiotest.Channel{Name: "WhatsApp", Source: "whatsapp"})
	mail := srv.SeedChannel(respondiotest.Channel{Name: "Support mail", Source: "other_email"})
	other := srv.SeedChannel(respondiotest.Channel{Name: "Telegram", Source: "telegram"})
	_, err := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Channels: []int64{mail.ID, wa.ID}})
	require.NoError(t, err)
	_, err = srv.SeedContact(respondiotest.Contact{FirstName: "X", Email: "x@example.com", Channels: []int64{99}})
	require.Error(t, err, "a channel the workspace lacks")

	status, _, body := call(t, srv, "GET", "/v2/contact/id:1/channels", "")
	require.Equal(t, 200, status)
	got := items(t, body)
	require.Len(t, got, 2)
	assert.Equal(t, float64(wa.ID), got[0]["id"])
	assert.Equal(t, "other_email", got[1]["source"])

	email := `{"type":"email","text":"Body","subject":"Your order","attachments":[{"type":"file","url":"https://example.com/a.pdf","fileName":"a.pdf"}]}`
	for _, tc := range []struct {
		what, body string
		want       int
	}{
		{"email on the email channel", fmt.Sprintf(`{"channelId":%d,"message":%s}`, mail.ID, email), 200},
		{"email without a channel", `{"message":` + email + `}`, 200},
		{"email on WhatsApp", fmt.Sprintf(`{"channelId":%d,"message":%s}`, wa.ID, email), 400},
		{"text on a channel not the contact's", fmt.Sprintf(`{"channelId":%d,"message":{"type":"text","text":"Hi"}}`, other.ID), 400},
		{"text on an unknown channel", `{"channelId":99,"message":{"type":"text","text":"Hi"}}`, 400},
		{"email attachment without fileName", `{"message":{"type":"email","text":"B","attachments":[{"type":"file","url":"https://example.com/a.pdf"}]}}`, 400},
		{"email attachment of a bad type", `{"message":{"type":"email","text":"B","attachments":[{"type":"pdf","url":"https://example.com/a.pdf","fileName":"a"}]}}`, 400},
		{"email with a bad cc", `{"message":{"type":"email","text":"B","cc":["nobody"]}}`, 400},
		{"email without text", `{"message":{"type":"email","subject":"S"}}`, 400},
	} {
		status, _, body := call(t, srv, "POST", "/v2/contact/id:1/message", tc.body)
		if tc.want != 200 {
			wantError(t, tc.what, status, body, tc.want)
		} else {
			assert.Equal(t, 200, status, "%s: %v", tc.what, body)
		}
	}
	msgs := srv.Messages(1)
	require.Len(t, msgs, 2)
	assert.Equal(t, "Your order", msgs[0].Subject)
	assert.Equal(t, mail.ID, msgs[0].ChannelID)
	_, _, body = call(t, srv, "GET", "/v2/contact/id:1/message/1", "")
	assert.Equal(t, float64(mail.ID), body["channelId"])
	assert.Equal(t, "Your order", body["message"].(map[string]any)["subject"])
}

// Workspace tags are made and deleted by name.
func TestSpaceTags(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	status, _, body := call(t, srv, "POST", "/v2/space/tag", `{"name":"VIP","description":"VIP customers","colorCode":"#FF0000","emoji":"⭐"}`)
	require.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"id": float64(1), "name": "VIP", "description": "VIP customers", "colorCode": "#FF0000", "emoji": "⭐"}, body)
	status, _, body = call(t, srv, "POST", "/v2/space/tag", `{"name":"VIP"}`)
	wantError(t, "a name taken", status, body, 409)
	status, _, body = call(t, srv, "POST", "/v2/space/tag", `{"name":""}`)
	wantError(t, "no name", status, body, 400)
	require.Len(t, srv.Tags(), 1)
	status, _, body = call(t, srv, "DELETE", "/v2/space/tag", `{"name":"VIP"}`)
	require.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"code": float64(200), "message": "Tag deleted successfully"}, body, "the SDK's example answer")
	status, _, body = call(t, srv, "DELETE", "/v2/space/tag", `{"name":"VIP"}`)
	wantError(t, "deleted already", status, body, 404)
	assert.Empty(t, srv.Tags())
}

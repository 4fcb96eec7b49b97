package tidysupporttest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// docsPayload reads an example of TidySupport's docs (../testdata/docs).
func docsPayload(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "docs", name))
	require.NoError(t, err)
	return string(b)
}

// jsonValue decodes s.
func jsonValue(t *testing.T, s []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(s, &v), "%s", s)
	return v
}

// The docs' create request is answered with the docs' response shape; the
// external ID and metadata are stored, found by the lookup and listed.
func TestCustomersCreateAndLookup(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	r := call(t, srv, key, "POST", "/v1/customers", docsPayload(t, "customers_create_request.json"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	want := jsonValue(t, []byte(docsPayload(t, "customers_create_response.json"))).(map[string]any)
	id := r.body["id"].(string)
	// The IDs, workspace and time are the simulator's.
	want["id"], want["workspaceId"], want["createdAt"] = id, tidysupporttest.WorkspaceID, sim.Epoch.Format(time.RFC3339)
	assert.Equal(t, want, r.body)

	stored, ok := srv.ContactByExternalID("usr_01J8X3Y")
	require.True(t, ok)
	assert.Equal(t, id, stored.ID)
	assert.Equal(t, map[string]any{"plan": "pro"}, stored.Metadata)
	assert.Equal(t, "API", stored.Source)

	got := call(t, srv, key, "GET", "/v1/customers/lookup?externalId=usr_01J8X3Y", "")
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, want, got.body, "the lookup answers the customer")
	wantError(t, "lookup of an unknown externalId", call(t, srv, key, "GET", "/v1/customers/lookup?externalId=usr_other", ""), http.StatusNotFound)
	wantError(t, "lookup without externalId", call(t, srv, key, "GET", "/v1/customers/lookup", ""), http.StatusBadRequest)

	list := call(t, srv, key, "GET", "/v1/customers", "")
	items := list.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, want, items[0], "the list shows the same customer")
	// The inbox shows the same contact, without externalId or metadata.
	inboxed := call(t, srv, key, "GET", inbox+"/contacts/"+id, "").body["contact"].(map[string]any)
	assert.Equal(t, "jane@example.com", inboxed["email"])
	assert.NotContains(t, inboxed, "externalId")
	assert.NotContains(t, inboxed, "metadata")
}

func TestCustomersCreateRefuses(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	require.Equal(t, 201, call(t, srv, key, "POST", "/v1/customers", `{"externalId":"crm-1","email":"ada@example.com","name":"Ada"}`).status)
	for _, tc := range []struct {
		what, key, body string
		status          int
	}{
		{"a taken externalId", key, `{"externalId":"crm-1","email":"grace@example.com"}`, http.StatusConflict},
		{"a known email", key, `{"externalId":"crm-2","email":"ADA@example.com"}`, http.StatusConflict},
		{"no externalId", key, `{"email":"grace@example.com"}`, http.StatusBadRequest},
		{"no email", key, `{"externalId":"crm-3"}`, http.StatusBadRequest},
		{"a bad email", key, `{"externalId":"crm-3","email":"grace@"}`, http.StatusBadRequest},
		{"a phone, which customers do not have", key, `{"externalId":"crm-3","email":"grace@example.com","phone":"+1"}`, http.StatusBadRequest},
		{"a user-scope key", tidysupporttest.UserKey, `{"externalId":"crm-3","email":"grace@example.com"}`, http.StatusForbidden},
	} {
		wantError(t, tc.what, call(t, srv, tc.key, "POST", "/v1/customers", tc.body), tc.status)
	}
	wantError(t, "lookup with a user-scope key", call(t, srv, tidysupporttest.UserKey, "GET", "/v1/customers/lookup?externalId=crm-1", ""), http.StatusForbidden)
	assert.Len(t, srv.Contacts(), 1)
	stored, _ := srv.ContactByExternalID("crm-1")
	assert.Equal(t, "ada@example.com", stored.Email, "the first customer is unchanged")
}

// The knowledge base lists articles with limit and offset and their total,
// in the docs' shape.
func TestKnowledgeBaseArticles(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	var doc struct {
		Articles []struct {
			ID, Title, ContentText, Source, SourceRef string
			IsPublished                               bool
			CreatedAt, UpdatedAt                      time.Time
		}
	}
	body := docsPayload(t, "kb_articles_list.json")
	require.NoError(t, json.Unmarshal([]byte(body), &doc))
	for _, a := range doc.Articles {
		srv.SeedArticle(tidysupporttest.Article{ID: a.ID, Title: a.Title, ContentText: a.ContentText, Source: a.Source,
			SourceRef: a.SourceRef, IsPublished: a.IsPublished, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt})
	}
	r := call(t, srv, tidysupporttest.UserKey, "GET", "/v1/workspaces/"+tidysupporttest.WorkspaceID+"/knowledge/articles?limit=10&offset=0", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	want := jsonValue(t, []byte(body)).(map[string]any)
	want["total"] = float64(2) // the docs' workspace has 42
	assert.Equal(t, want, r.body)

	r = call(t, srv, tidysupporttest.UserKey, "GET", "/v1/workspaces/"+tidysupporttest.WorkspaceID+"/knowledge/articles?limit=1&offset=1", "")
	items := r.body["articles"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, "ka_xyz789ghi012", items[0].(map[string]any)["id"])
	assert.Equal(t, float64(2), r.body["total"])
	r = call(t, srv, tidysupporttest.UserKey, "GET", "/v1/workspaces/"+tidysupporttest.WorkspaceID+"/knowledge/articles?offset=5", "")
	assert.Empty(t, r.body["articles"], "an offset past the end")
	wantError(t, "a negative offset", call(t, srv, tidysupporttest.UserKey, "GET", "/v1/workspaces/"+tidysupporttest.WorkspaceID+"/knowledge/articles?offset=-1", ""), http.StatusBadRequest)
	wantError(t, "another workspace", call(t, srv, tidysupporttest.UserKey, "GET", "/v1/workspaces/wrk_other/knowledge/articles", ""), http.StatusNotFound)
}

package tidysupport_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

func TestNewValidatesConfig(t *testing.T) {
	const canary = "ts_sk_live_CANARY0000000000000001"
	ok := tidysupport.Config{APIKey: canary, WorkspaceID: "wrk_abc123"}
	for _, tc := range []struct {
		name  string
		mod   func(*tidysupport.Config)
		field string
	}{
		{"no key", func(c *tidysupport.Config) { c.APIKey = "" }, "APIKey"},
		{"publishable key", func(c *tidysupport.Config) { c.APIKey = "pk_live_CANARY0000000000000001" }, "APIKey"},
		{"key with a newline", func(c *tidysupport.Config) { c.APIKey = canary + "\r\nX-Evil: 1" }, "APIKey"},
		{"no workspace", func(c *tidysupport.Config) { c.WorkspaceID = "" }, "WorkspaceID"},
		{"workspace with a space", func(c *tidysupport.Config) { c.WorkspaceID = "wrk abc" }, "WorkspaceID"},
		{"workspace with a control", func(c *tidysupport.Config) { c.WorkspaceID = "wrk\x00" }, "WorkspaceID"},
		{"workspace too long", func(c *tidysupport.Config) { c.WorkspaceID = strings.Repeat("w", 129) }, "WorkspaceID"},
		{"unknown contact list", func(c *tidysupport.Config) { c.ContactList = "everyone" }, "ContactList"},
		{"negative rate", func(c *tidysupport.Config) { c.RateLimit = -1 }, "RateLimit"},
		{"negative search limit", func(c *tidysupport.Config) { c.SearchLimit = -1 }, "SearchLimit"},
		{"plain http", func(c *tidysupport.Config) { c.BaseURL = "http://api.tidysupport.com" }, "https"},
	} {
		cfg := ok
		tc.mod(&cfg)
		_, err := tidysupport.New(cfg)
		require.ErrorIs(t, err, support.ErrInvalid, tc.name)
		assert.Contains(t, err.Error(), tc.field, tc.name)
		assert.NotContains(t, err.Error(), "CANARY", "%s: the error quotes the key", tc.name)
	}
	_, err := tidysupport.New(ok)
	assert.NoError(t, err, "a minimal config")
}

// TestNewRefusesBadNumbers: a number of Config that has no meaning is
// ErrInvalid naming its field, in the Config.X form the CLI rewrites into
// the variable the user set, rather than replaced by its default without a
// word (or, NaN, left to break the limiter); zero (the default) and every
// documented value still open.
func TestNewRefusesBadNumbers(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		mod  func(*tidysupport.Config)
		want string // "" opens
	}{
		{"zero values", func(*tidysupport.Config) {}, ""},
		{"negative RateLimit", func(c *tidysupport.Config) { c.RateLimit = -1 }, "Config.RateLimit is negative"},
		{"-Inf RateLimit", func(c *tidysupport.Config) { c.RateLimit = rate.Limit(-inf) }, "Config.RateLimit is negative"},
		{"NaN RateLimit", func(c *tidysupport.Config) { c.RateLimit = rate.Limit(nan) }, "Config.RateLimit is not a number"},
		{"negative SearchLimit", func(c *tidysupport.Config) { c.SearchLimit = -1 }, "Config.SearchLimit is negative"},
		{"negative Burst", func(c *tidysupport.Config) { c.Burst = -1 }, "Config.Burst is negative"},
		{"negative RateWindow", func(c *tidysupport.Config) { c.RateWindow = -time.Nanosecond }, "Config.RateWindow is negative"},
		{"negative MaxWait", func(c *tidysupport.Config) { c.MaxWait = -time.Second }, "Config.MaxWait is negative"},
		{"negative MaxAttempts", func(c *tidysupport.Config) { c.MaxAttempts = -1 }, "Config.MaxAttempts is negative"},
		{"NaN RetryBudget", func(c *tidysupport.Config) { c.RetryBudget = nan }, "Config.RetryBudget is not a number"},
		{"infinite RetryBudget", func(c *tidysupport.Config) { c.RetryBudget = inf }, "Config.RetryBudget is infinite"},
		{"negative MaxBodyBytes", func(c *tidysupport.Config) { c.MaxBodyBytes = -1 }, "Config.MaxBodyBytes is negative"},
		{"RateLimit", func(c *tidysupport.Config) { c.RateLimit = 0.5 }, ""},
		{"unlimited", func(c *tidysupport.Config) { c.RateLimit = rate.Inf }, ""},
		{"SearchLimit", func(c *tidysupport.Config) { c.SearchLimit = 10 }, ""},
		{"Burst", func(c *tidysupport.Config) { c.Burst = 3 }, ""},
		{"RateWindow", func(c *tidysupport.Config) { c.RateWindow = time.Second }, ""},
		{"MaxWait", func(c *tidysupport.Config) { c.MaxWait = 5 * time.Second }, ""},
		{"one attempt", func(c *tidysupport.Config) { c.MaxAttempts = 1 }, ""},
		{"RetryBudget", func(c *tidysupport.Config) { c.RetryBudget = 2.5 }, ""},
		{"negative RetryBudget: no retries", func(c *tidysupport.Config) { c.RetryBudget = -1 }, ""},
		{"MaxBodyBytes", func(c *tidysupport.Config) { c.MaxBodyBytes = 1 << 20 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tidysupport.Config{APIKey: "ts_sk_live_CANARY0000000000000001", WorkspaceID: "wrk_abc123"}
			tc.mod(&cfg)
			c, err := tidysupport.New(cfg)
			if tc.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, c)
				return
			}
			require.ErrorIs(t, err, support.ErrInvalid)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "CANARY")
		})
	}
	// The registry (and so the CLI) decodes into the same fields.
	_, err := support.Open(t.Context(), "tidysupport", map[string]any{
		"apiKey": "ts_sk_x", "workspaceID": "wrk_x", "rateLimit": "NaN",
	})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.Contains(t, err.Error(), "Config.RateLimit is not a number")
}

func TestCapabilities(t *testing.T) {
	_, c := newSim(t, tidysupporttest.Options{})
	want := support.Capabilities{
		Vendor: "tidysupport",
		Operations: []support.Operation{
			support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpCreateContact,
			support.OpCreateContacts, support.OpUpsertContact, support.OpListConversations,
			support.OpCreateConversation, support.OpListMessages, support.OpPassthrough,
		},
		CreateDedup:       support.DedupEmail,
		MaxBatch:          1,
		ContactFields:     []string{"first_name", "last_name", "email", "phone", "external_id", "custom_fields"},
		Statuses:          []support.ConversationStatus{support.StatusOpen, support.StatusClosed},
		LooksUpExternalID: true,
		ListOmits:         []string{"phone", "avatar_url"},
	}
	assert.Equal(t, want, c.Capabilities())
}

func TestOpenFromTheRegistry(t *testing.T) {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	t.Cleanup(srv.Close)
	p, err := support.Open(t.Context(), "tidysupport", map[string]any{
		"apiKey": tidysupporttest.APIKey, "workspaceID": tidysupporttest.WorkspaceID,
		"baseURL": srv.URL, "rateLimit": "1000", "searchLimit": "10", "maxWait": "5s",
	})
	require.NoError(t, err)
	_, err = p.CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Stats.Count(tidysupporttest.RouteSearch))
	var d *tidysupport.Driver
	assert.True(t, p.As(&d), "the registry's Client reaches the driver")
	_, err = support.Open(t.Context(), "tidysupport", map[string]any{"apiKey": "ts_sk_x", "workspaceID": "wrk_1", "wokspace": "typo"})
	require.ErrorIs(t, err, support.ErrInvalid, "unknown key")
	assert.Contains(t, err.Error(), "wokspace")
	_, err = support.Open(t.Context(), "tidysupport", map[string]any{"workspaceID": "wrk_1"})
	require.ErrorIs(t, err, support.ErrInvalid, "no key")
	assert.Contains(t, err.Error(), "APIKey")
}

// S1: the key appears in no rendering of the config or client, no log line
// at any level, and no error, even when the vendor echoes it back.
func TestTheKeyStaysSecret(t *testing.T) {
	const canary = "ts_sk_live_CANARY7f3a9b1c5d"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"statusCode":401,"error":"Unauthorized","message":"Invalid API key %s"}`,
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	t.Cleanup(echo.Close)
	var logs bytes.Buffer
	cfg := tidysupport.Config{
		APIKey: canary, WorkspaceID: "wrk_abc123", BaseURL: echo.URL, HTTPClient: echo.Client(), RateLimit: rate.Inf,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	c := mustNew(t, cfg)
	d := driverOf(t, c)
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, c), fmt.Sprintf(verb, d), fmt.Sprintf(verb, *d))
	}
	ctx := t.Context()
	_, err1 := c.GetContact(ctx, support.ID("ctc_1"))
	_, err2 := c.CreateContact(ctx, support.ContactInput{Email: "ada@example.com"})
	_, err3 := c.CreateContacts(ctx, []support.ContactInput{{Email: "ada@example.com"}})
	for _, err := range []error{err1, err2, err3} {
		require.ErrorIs(t, err, support.ErrUnauthorized)
		out = append(out, err.Error(), fmt.Sprintf("%+v", err))
	}
	out = append(out, logs.String())
	assert.NotZero(t, logs.Len(), "nothing was logged at Debug")
	for _, s := range out {
		assert.NotContains(t, s, "CANARY", "the key leaked")
	}
}

// S3: identifiers reach the vendor as exactly one path segment each,
// whatever they hold.
func TestIdentifiersStayOnePathSegment(t *testing.T) {
	var got struct{ ws, id string }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/workspaces/{ws}/support/inbox/contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		got.ws, got.id = r.PathValue("ws"), r.PathValue("id")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contact":{"id":"ctc_1","email":"a@example.com"}}`)
	})
	mux.HandleFunc("GET /v1/workspaces/{ws}/support/inbox/conversations/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		got.ws, got.id = r.PathValue("ws"), r.PathValue("id")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"thread":{"messages":{"items":[],"hasMore":false}}}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached %s, not the intended route", r.URL.EscapedPath())
		w.WriteHeader(http.StatusNotFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, ws := range []string{"wrk_abc123", "wrk/../x", "..", "wrk?a=b#c", "wrk%2F", "wörk_ü"} {
		c := mustNew(t, tidysupport.Config{APIKey: "ts_sk_x", WorkspaceID: ws, BaseURL: srv.URL, HTTPClient: srv.Client(), RateLimit: rate.Inf})
		for _, id := range []string{"ctc_1", "a/b", "..", ".", "x?y=1", "#frag", "100%", "with space", "ünï/cødé", "../../customers"} {
			_, err := c.GetContact(t.Context(), support.ID(id))
			assert.NoError(t, err, "GetContact(%q) in %q", id, ws)
			assert.Equal(t, [2]string{ws, id}, [2]string{got.ws, got.id}, "GetContact reached workspace, contact")
			_, err = c.ListMessages(t.Context(), id, support.ListOptions{})
			assert.NoError(t, err, "ListMessages(%q) in %q", id, ws)
			assert.Equal(t, [2]string{ws, id}, [2]string{got.ws, got.id}, "ListMessages reached workspace, conversation")
		}
	}
}

// Issue 11 point 1: the passthrough sends the caller's request with the
// adapter's key, each path segment escaped on its own, and returns the
// vendor's answer: the docs' knowledge-base example, as served.
func TestPassthroughKnowledgeBase(t *testing.T) {
	body := fixture(t, "docs/kb_articles_list.json")
	v := newStub(t, map[string]stubReply{
		"GET /v1/workspaces/wrk_abc123/knowledge/articles": {status: 200, body: body},
		"GET /v1/workspaces/wrk_abc123/knowledge/a%2Fb":    {status: 404, body: `{"statusCode":404,"error":"Not Found","message":"Article not found."}`},
	})
	c := v.client()
	ctx := t.Context()
	resp, err := c.Passthrough(ctx, support.RawRequest{
		Path:  []string{"v1", "workspaces", "wrk_abc123", "knowledge", "articles"},
		Query: map[string][]string{"limit": {"10"}, "offset": {"0"}},
	})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.True(t, sameJSON(t, resp.Body, []byte(body)), "body %s", resp.Body)
	reqs := v.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Bearer "+tidysupporttest.APIKey, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "limit=10&offset=0", reqs[0].RawQuery)

	// One segment stays one segment; the vendor's error is decoded and the
	// answer returned with it.
	resp, err = c.Passthrough(ctx, support.RawRequest{Path: []string{"v1", "workspaces", "wrk_abc123", "knowledge", "a/b"}})
	require.ErrorIs(t, err, support.ErrNotFound)
	require.NotNil(t, resp)
	assert.Equal(t, 404, resp.Status)
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "Article not found.", se.Message)
	assert.Equal(t, support.OpPassthrough, se.Op)

	// The adapter's credentials are its own to set.
	for _, h := range []string{"Authorization", "X-Api-Key"} {
		_, err = c.Passthrough(ctx, support.RawRequest{Path: []string{"v1", "customers"}, Header: http.Header{h: {"Bearer ts_sk_other"}}})
		assert.ErrorIs(t, err, support.ErrInvalid, h)
	}
	assert.Len(t, v.requests(), 2, "refused requests are not sent")
}

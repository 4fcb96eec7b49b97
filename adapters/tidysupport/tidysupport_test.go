package tidysupport_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

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
		if !errors.Is(err, support.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v; want ErrInvalid naming %s", tc.name, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), "CANARY") {
			t.Errorf("%s: the error %q quotes the key", tc.name, err)
		}
	}
	if _, err := tidysupport.New(ok); err != nil {
		t.Errorf("a minimal config: %v", err)
	}
}

func TestCapabilities(t *testing.T) {
	_, c := newSim(t, tidysupporttest.Options{})
	want := support.Capabilities{
		Vendor: "tidysupport",
		Operations: []support.Operation{
			support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpCreateContact,
			support.OpCreateContacts, support.OpUpsertContact, support.OpListConversations,
			support.OpCreateConversation, support.OpListMessages,
		},
		CreateDedup: support.DedupEmail,
		MaxBatch:    1,
		Statuses:    []support.ConversationStatus{support.StatusOpen, support.StatusClosed},
	}
	if got := c.Capabilities(); !reflect.DeepEqual(got, want) {
		t.Errorf("Capabilities() = %+v\nwant %+v", got, want)
	}
}

func TestOpenFromTheRegistry(t *testing.T) {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	t.Cleanup(srv.Close)
	p, err := support.Open(t.Context(), "tidysupport", map[string]any{
		"apiKey": tidysupporttest.APIKey, "workspaceID": tidysupporttest.WorkspaceID,
		"baseURL": srv.URL, "rateLimit": "1000", "searchLimit": "10", "maxWait": "5s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if q := srv.Stats.Count(tidysupporttest.RouteSearch); q != 1 {
		t.Errorf("%d searches", q)
	}
	_, err = support.Open(t.Context(), "tidysupport", map[string]any{"apiKey": "ts_sk_x", "workspaceID": "wrk_1", "wokspace": "typo"})
	if !errors.Is(err, support.ErrInvalid) || !strings.Contains(err.Error(), "wokspace") {
		t.Errorf("unknown key: %v, want ErrInvalid naming it", err)
	}
	_, err = support.Open(t.Context(), "tidysupport", map[string]any{"workspaceID": "wrk_1"})
	if !errors.Is(err, support.ErrInvalid) || !strings.Contains(err.Error(), "APIKey") {
		t.Errorf("no key: %v, want ErrInvalid naming APIKey", err)
	}
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
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out = append(out, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c))
	}
	ctx := t.Context()
	_, err1 := c.GetContact(ctx, support.ID("ctc_1"))
	_, err2 := c.CreateContact(ctx, support.ContactInput{Email: "ada@example.com"})
	_, err3 := c.CreateContacts(ctx, []support.ContactInput{{Email: "ada@example.com"}})
	for _, err := range []error{err1, err2, err3} {
		if !errors.Is(err, support.ErrUnauthorized) {
			t.Errorf("error %v, want ErrUnauthorized", err)
		}
		out = append(out, err.Error(), fmt.Sprintf("%+v", err))
	}
	out = append(out, logs.String())
	if logs.Len() == 0 {
		t.Error("nothing was logged at Debug")
	}
	for _, s := range out {
		if strings.Contains(s, "CANARY") {
			t.Errorf("the key leaked: %s", s)
		}
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
			if _, err := c.GetContact(t.Context(), support.ID(id)); err != nil {
				t.Errorf("GetContact(%q) in %q: %v", id, ws, err)
			}
			if got.ws != ws || got.id != id {
				t.Errorf("GetContact(%q) in %q reached workspace %q, contact %q", id, ws, got.ws, got.id)
			}
			if _, err := c.ListMessages(t.Context(), id, support.ListOptions{}); err != nil || got.ws != ws || got.id != id {
				t.Errorf("ListMessages(%q) in %q reached %q, %q (%v)", id, ws, got.ws, got.id, err)
			}
		}
	}
}

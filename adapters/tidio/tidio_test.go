package tidio_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// Canary credentials: they must never show up in output.
const (
	canaryID     = "ci_CANARY_id_0123456789"
	canarySecret = "cs_CANARY_secret_0123456789"
)

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   tidio.Config
		field string
	}{
		{"no client ID", tidio.Config{ClientSecret: canarySecret}, "ClientID"},
		{"no client secret", tidio.Config{ClientID: canaryID}, "ClientSecret"},
		{"swapped", tidio.Config{ClientID: canarySecret, ClientSecret: canaryID}, "ClientID"},
		{"line break", tidio.Config{ClientID: canaryID + "\r\nX: y", ClientSecret: canarySecret}, "ClientID"},
		{"http to another host", tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: "http://api.tidio.com"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tidio.New(tc.cfg)
			if c != nil || !errors.Is(err, support.ErrInvalid) {
				t.Fatalf("New: %v, %v; want ErrInvalid", c, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %s", err, tc.field)
			}
			if strings.Contains(err.Error(), "CANARY") {
				t.Errorf("error %q quotes a credential", err)
			}
		})
	}
	c, err := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret})
	if err != nil || c == nil {
		t.Fatalf("New with credentials only: %v", err)
	}
}

// TestNewRefusesBadNumbers: a number of Config that has no meaning is
// ErrInvalid naming its field, in the Config.X form the CLI rewrites into
// the variable the user set, rather than replaced by its default without a
// word; zero (the default) and every documented value still open.
func TestNewRefusesBadNumbers(t *testing.T) {
	creds := tidio.Config{ClientID: canaryID, ClientSecret: canarySecret}
	for _, tc := range []struct {
		name string
		mod  func(*tidio.Config)
		want string // "" opens
	}{
		{"zero values", func(*tidio.Config) {}, ""},
		{"negative MaxWait", func(c *tidio.Config) { c.MaxWait = -time.Nanosecond }, "Config.MaxWait is negative"},
		{"negative MaxAttempts", func(c *tidio.Config) { c.MaxAttempts = -1 }, "Config.MaxAttempts is negative"},
		{"MaxWait", func(c *tidio.Config) { c.MaxWait = 5 * time.Second }, ""},
		{"one attempt", func(c *tidio.Config) { c.MaxAttempts = 1 }, ""},
		{"Premium", func(c *tidio.Config) { c.RequestsPerMinute = 120 }, ""},
		{"one request a minute", func(c *tidio.Config) { c.RequestsPerMinute = 1 }, ""},
		{"pacing off", func(c *tidio.Config) { c.RequestsPerMinute = -1 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := creds
			tc.mod(&cfg)
			c, err := tidio.New(cfg)
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
	_, err := support.Open(t.Context(), "tidio", map[string]any{
		"clientid": canaryID, "clientsecret": canarySecret, "maxwait": "-5s",
	})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.Contains(t, err.Error(), "Config.MaxWait is negative")
}

// TestOpen: the adapter is registered as "tidio" and decodes a plain map.
func TestOpen(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	seedDirectory(srv)
	p, err := support.Open(t.Context(), "tidio", map[string]any{
		"clientid": tidiotest.ClientID, "clientsecret": tidiotest.ClientSecret,
		"baseurl": srv.URL, "requestsperminute": "-1", "maxwait": "5s", // unpaced: no real waits in tests
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := p.Capabilities().Vendor; got != tidio.Vendor {
		t.Errorf("vendor %q", got)
	}
	if _, err := p.ListAgents(t.Context(), support.ListOptions{}); err != nil {
		t.Errorf("ListAgents through Open: %v", err)
	}
	if _, err := support.Open(t.Context(), "tidio", map[string]any{"clientid": canaryID}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("Open without a secret: %v, want ErrInvalid", err)
	}
	if _, err := support.Open(t.Context(), "tidio", map[string]any{"clientid": canaryID, "clientsecret": canarySecret, "bogus": 1}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("Open with an unknown key: %v, want ErrInvalid", err)
	}
}

// TestSecretsStaySecret proves S1 for the adapter: the credentials appear
// in no rendering of the config or client, no error, no log line.
func TestSecretsStaySecret(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := tidiotest.NewServer(tidiotest.Options{ClientID: canaryID, ClientSecret: canarySecret})
	defer srv.Close()
	cfg := tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client(), Logger: log, MaxAttempts: 1}
	c, err := tidio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tidio.NewDriver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range []any{cfg, &cfg, c, d, *d, []any{c, d}, map[string]any{"c": c, "d": d}} {
		out = append(out, fmt.Sprintf("%v %+v %#v %s", v, v, v, v))
	}
	// A failing call (wrong secret: 401) and a working one, both logged.
	bad, _ := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: "cs_" + canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client(), Logger: log})
	_, err = bad.GetContact(t.Context(), support.ID("x"))
	wantKind(t, err, support.ErrUnauthorized)
	out = append(out, err.Error(), fmt.Sprintf("%+v", err))
	if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
		t.Fatal(err)
	}
	log.Info("client", "client", c, "driver", d, "config", cfg)
	out = append(out, logs.String())
	if logs.Len() == 0 {
		t.Fatal("nothing was logged at Debug")
	}
	for _, s := range out {
		if strings.Contains(s, "CANARY") {
			t.Errorf("a credential leaked: %s", s)
		}
	}
}

// TestHeaders: every request carries both credentials and the versioned
// Accept header Tidio requires [D T-auth, D T-ver].
func TestHeaders(t *testing.T) {
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contacts":[],"meta":{"cursor":null,"limit":100}}`)
	}))
	defer srv.Close()
	c, err := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	for k, want := range map[string]string{
		"X-Tidio-Openapi-Client-Id": canaryID, "X-Tidio-Openapi-Client-Secret": canarySecret,
		"Accept": "application/json; version=1",
	} {
		if v := got[0].Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if v := got[0].Get("Authorization"); v != "" {
		t.Errorf("Authorization header sent (%q): Tidio does not use Bearer auth", v)
	}
}

// TestCapabilities pins the capability matrix row.
func TestCapabilities(t *testing.T) {
	c, err := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret})
	if err != nil {
		t.Fatal(err)
	}
	caps := c.Capabilities()
	var want []support.Operation
	for _, op := range support.Operations() {
		switch op {
		case support.OpGetByPhone, support.OpListClosingCategories, support.OpGetMessage:
		default:
			want = append(want, op)
		}
	}
	assert.Equal(t, want, caps.Operations, "every operation but the phone lookup, closing categories and a message by ID")
	assert.Equal(t, []string{"first_name", "last_name", "email", "phone", "email_consent", "external_id", "custom_fields"}, caps.ContactFields)
	assert.Equal(t, []support.Priority{support.PriorityLow, support.PriorityNormal, support.PriorityUrgent}, caps.Priorities)
	assert.True(t, caps.Departments)
	assert.Equal(t, 100, caps.MaxBatchUpdate)
	if caps.CreateDedup != support.DedupNone || caps.MaxBatch != 100 || !caps.AssignTeams || caps.LooksUpExternalID ||
		caps.SplitsAttachments || caps.NotesOutsideHistory || caps.ChoosesChannel || caps.MessageSubjects ||
		!reflect.DeepEqual(caps.Statuses, []support.ConversationStatus{support.StatusOpen, support.StatusPending, support.StatusClosed}) {
		t.Errorf("capabilities %+v", caps)
	}
	var d *tidio.Driver
	if !c.As(&d) || d == nil {
		t.Error("Client.As does not reach the *tidio.Driver")
	}
}

// TestErrorKinds: Tidio's error statuses and bodies become *support.Error
// of the right kind, with the vendor's code and message; a 2xx with
// malformed JSON is a clear error, not a panic.
func TestErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		kind   error
	}{
		{401, `{"errors":[{"message":"invalid credentials"}]}`, support.ErrUnauthorized},
		{403, `{"errors":[{"code":"forbidden","message":"Your plan does not include OpenAPI"}]}`, support.ErrForbidden},
		{404, `{"errors":[{"code":"not_found","message":"Contact not found"}]}`, support.ErrNotFound},
		{409, `{"errors":[{"code":"conflict","message":"Conflict"}]}`, support.ErrConflict},
		{422, `{"errors":[{"code":"validation_error","message":"email: bad"}]}`, support.ErrInvalid},
		{429, `{"errors":[{"code":"too_many_requests","message":"You have reached the limit of allowed attempts"}]}`, support.ErrRateLimited},
		{500, `{"errors":[{"code":"internal_error","message":"Oops"}]}`, support.ErrUnavailable},
		{503, `<html>down</html>`, support.ErrUnavailable},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, err := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client(), MaxAttempts: 1, RequestsPerMinute: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetContact(t.Context(), support.ID("a1"))
			se := wantKind(t, err, tc.kind)
			if se.Status != tc.status || se.Op != support.OpGetContact {
				t.Errorf("error %+v", se)
			}
			if strings.HasPrefix(tc.body, "{") && se.Message == "" {
				t.Errorf("the vendor message was lost: %+v", se)
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"contacts":[{"id":"a1","first_name":{"nested":1}}],"meta":{"cursor":null}}`)
	}))
	defer srv.Close()
	c, _ := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client(), RequestsPerMinute: -1})
	_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
	var se *support.Error
	if !errors.As(err, &se) || se.Kind != support.ErrUnavailable || !strings.Contains(se.Message, "malformed") || se.Vendor != tidio.Vendor {
		t.Errorf("malformed list: %v", err)
	}
}

// TestPassthrough: a passthrough request goes out with the adapter's
// credentials, path segments escaped one by one, and cannot carry headers
// of its own that replace them.
func TestPassthrough(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	ct := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	res, err := c.Passthrough(t.Context(), support.RawRequest{Path: []string{"contacts", ct.ID}})
	if err != nil {
		t.Fatal(err)
	}
	typed, err := c.GetContact(t.Context(), support.ID(ct.ID))
	if err != nil {
		t.Fatal(err)
	}
	assert.JSONEq(t, string(typed.Raw), string(res.Body))
	_, err = c.Passthrough(t.Context(), support.RawRequest{Path: []string{"contacts", ct.ID + "/../x"}})
	wantKind(t, err, support.ErrNotFound)
	assert.Equal(t, 3, srv.Requests("GET /contacts/{id}"), "the odd ID stayed one segment")

	srv.Stats.Reset()
	for _, h := range []string{"X-Tidio-Openapi-Client-Id", "X-Tidio-Openapi-Client-Secret"} {
		_, err := c.Passthrough(t.Context(), support.RawRequest{Path: []string{"contacts"}, Header: http.Header{h: {"ci_other"}}})
		wantKind(t, err, support.ErrInvalid)
	}
	assert.Zero(t, srv.Stats.Total(), "requests with the caller's credentials")
}

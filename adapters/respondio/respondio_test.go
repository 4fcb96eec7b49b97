package respondio_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		what string
		cfg  respondio.Config
		want string // in the error
	}{
		{"no token", respondio.Config{}, "Config.Token"},
		{"token with a newline", respondio.Config{Token: "abc\r\nX-Evil: 1"}, "Config.Token"},
		{"plain http to a public host", respondio.Config{Token: "token-0123456789", BaseURL: "http://api.respond.io/v2"}, "https"},
		{"not a URL", respondio.Config{Token: "token-0123456789", BaseURL: "::"}, "base URL"},
	} {
		_, err := respondio.New(tc.cfg)
		wantConfigError(t, tc.what, err)
		if err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name %q", tc.what, err, tc.want)
		}
	}
	d, err := respondio.NewDriver(respondio.Config{Token: "token-0123456789"})
	require.NoError(t, err)
	assert.Contains(t, d.String(), respondio.DefaultBaseURL, "default base URL")
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
		mod  func(*respondio.Config)
		want string // "" opens
	}{
		{"zero values", func(*respondio.Config) {}, ""},
		{"NaN RateLimit", func(c *respondio.Config) { c.RateLimit = nan }, "Config.RateLimit is not a number"},
		{"negative Burst", func(c *respondio.Config) { c.Burst = -1 }, "Config.Burst is negative"},
		{"negative RateWindow", func(c *respondio.Config) { c.RateWindow = -time.Nanosecond }, "Config.RateWindow is negative"},
		{"negative MaxWait", func(c *respondio.Config) { c.MaxWait = -time.Second }, "Config.MaxWait is negative"},
		{"negative MaxAttempts", func(c *respondio.Config) { c.MaxAttempts = -1 }, "Config.MaxAttempts is negative"},
		{"NaN RetryBudget", func(c *respondio.Config) { c.RetryBudget = nan }, "Config.RetryBudget is not a number"},
		{"infinite RetryBudget", func(c *respondio.Config) { c.RetryBudget = inf }, "Config.RetryBudget is infinite"},
		{"negative MaxBodyBytes", func(c *respondio.Config) { c.MaxBodyBytes = -1 }, "Config.MaxBodyBytes is negative"},
		{"RateLimit", func(c *respondio.Config) { c.RateLimit = 0.5 }, ""},
		{"negative RateLimit: no client-side limit", func(c *respondio.Config) { c.RateLimit = -1 }, ""},
		{"infinite RateLimit: no client-side limit", func(c *respondio.Config) { c.RateLimit = inf }, ""},
		{"-Inf RateLimit: no client-side limit", func(c *respondio.Config) { c.RateLimit = -inf }, ""},
		{"Burst", func(c *respondio.Config) { c.Burst = 3 }, ""},
		{"RateWindow", func(c *respondio.Config) { c.RateWindow = time.Second }, ""},
		{"MaxWait", func(c *respondio.Config) { c.MaxWait = 5 * time.Second }, ""},
		{"one attempt", func(c *respondio.Config) { c.MaxAttempts = 1 }, ""},
		{"RetryBudget", func(c *respondio.Config) { c.RetryBudget = 2.5 }, ""},
		{"negative RetryBudget: no retries", func(c *respondio.Config) { c.RetryBudget = -1 }, ""},
		{"MaxBodyBytes", func(c *respondio.Config) { c.MaxBodyBytes = 1 << 20 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := respondio.Config{Token: "token-0123456789"}
			tc.mod(&cfg)
			c, err := respondio.New(cfg)
			if tc.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, c)
				return
			}
			require.ErrorIs(t, err, support.ErrInvalid)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "token-0123456789")
		})
	}
	// The registry (and so the CLI) decodes into the same fields.
	_, err := support.Open(t.Context(), respondio.Vendor, map[string]any{"token": "token-0123456789", "ratelimit": "NaN"})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.Contains(t, err.Error(), "Config.RateLimit is not a number")
}

func TestOpenFromTheRegistry(t *testing.T) {
	srv := newServer(t, respondiotest.Options{})
	p, err := support.Open(t.Context(), respondio.Vendor, map[string]any{
		"token": respondiotest.Token, "baseurl": srv.URL(), "ratelimit": "20", "maxwait": "5s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ListAgents(t.Context(), support.ListOptions{}); err != nil {
		t.Errorf("ListAgents through support.Open: %v", err)
	}
	_, err = support.Open(t.Context(), respondio.Vendor, map[string]any{"token": "token-0123456789", "tokne": "typo"})
	wantConfigError(t, "a misspelled key", err)
	_, err = support.Open(t.Context(), respondio.Vendor, map[string]any{})
	wantConfigError(t, "no token", err)
}

// wantConfigError checks a configuration error: ErrInvalid, of this
// vendor, with no operation (none was attempted).
func wantConfigError(t *testing.T, what string, err error) {
	t.Helper()
	var se *support.Error
	if !errors.Is(err, support.ErrInvalid) || !errors.As(err, &se) || se.Vendor != respondio.Vendor {
		t.Errorf("%s: %v, want a respondio ErrInvalid", what, err)
	}
}

// S1: a canary token appears in no formatting of the config or client, no
// error string, no log line, and no recording.
func TestTokenNeverLeaks(t *testing.T) {
	const canary = "canary-3b1f-token-do-not-print"
	var logs bytes.Buffer
	srv := newServer(t, respondiotest.Options{})
	cfg := respondio.Config{
		Token: canary, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1, MaxAttempts: 1,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	c := newClient(t, cfg)
	d := driver(t, c)
	var rendered []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		// *d too: a dereferenced Driver once printed the token under %s.
		rendered = append(rendered, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, c), fmt.Sprintf(verb, d),
			fmt.Sprintf(verb, *d), fmt.Sprintf(verb, &cfg))
	}
	// The simulator refuses the canary: a 401 whose error must not quote it.
	_, err := c.GetContact(t.Context(), support.Email("ada@example.com"))
	wantKind(t, "a wrong token", err, support.ErrUnauthorized)
	rendered = append(rendered, err.Error(), fmt.Sprintf("%+v", err))
	slog.New(slog.NewTextHandler(&logs, nil)).Info("client", "client", c, "driver", d, "config", cfg)
	rendered = append(rendered, logs.String())
	if !strings.Contains(logs.String(), "rest: attempt") {
		t.Errorf("no attempt was logged: %s", logs.String())
	}
	for _, r := range rendered {
		if strings.Contains(r, canary) {
			t.Errorf("the token leaks into %q", r)
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(respondiotest.Token)) || bytes.Contains(b, []byte("Bearer ")) {
			t.Errorf("recording %s holds a credential", f)
		}
	}
}

// S2: the token goes to https hosts and loopback only, and never follows a
// redirect to another host.
func TestNoRedirectToAnotherHost(t *testing.T) {
	elsewhere := newServer(t, respondiotest.Options{})
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.HTTP.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	c := newClient(t, respondio.Config{Token: respondiotest.Token, BaseURL: redirector.URL + "/v2", RateLimit: -1})
	_, err := c.ListAgents(t.Context(), support.ListOptions{})
	if err == nil {
		t.Fatal("a redirect to another host was followed")
	}
	if n := elsewhere.Stats.Total(); n != 0 {
		t.Errorf("the other host received %d request(s)", n)
	}
}

func TestCapabilities(t *testing.T) {
	_, c := setup(t, respondiotest.Options{})
	caps := c.Capabilities()
	assert.Equal(t, respondio.Vendor, caps.Vendor)
	assert.Equal(t, support.DedupIdentifier, caps.CreateDedup)
	assert.Equal(t, 1, caps.MaxBatch)
	assert.Equal(t, []support.ConversationStatus{support.StatusOpen, support.StatusClosed}, caps.Statuses)
	assert.False(t, caps.AssignTeams, "AssignTeams")
	assert.False(t, caps.LooksUpExternalID, "LooksUpExternalID")
	assert.True(t, caps.SplitsAttachments, "SplitsAttachments")
	assert.True(t, caps.NotesOutsideHistory, "NotesOutsideHistory")
	assert.False(t, caps.ListsNotes(), "ListsNotes")
	assert.True(t, caps.ChoosesChannel, "ChoosesChannel")
	assert.True(t, caps.MessageSubjects, "MessageSubjects")
	assert.False(t, caps.Departments, "Departments")
	assert.Empty(t, caps.Priorities, "Priorities")
	assert.LessOrEqual(t, caps.MaxBatchUpdate, 1, "no batch update endpoint")
	var want []support.Operation
	for _, op := range support.Operations() {
		if op != support.OpSetPriority {
			want = append(want, op)
		}
	}
	assert.Equal(t, want, caps.Operations, "every operation but SetPriority")
	for _, f := range []string{"first_name", "last_name", "email", "phone", "language", "country", "lifecycle", "avatar_url", "tags", "custom_fields"} {
		assert.True(t, caps.StoresField(f), f)
	}
	for _, f := range []string{"city", "email_consent", "external_id"} {
		assert.False(t, caps.StoresField(f), f)
	}
}

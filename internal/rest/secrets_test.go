package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/deskbridge/deskbridge/support"
)

const (
	canaryToken  = "CANARY-tok-4f1c9e"
	canaryKey    = "CANARY-key-77ab02"
	canaryClient = "CANARY-client-9d3e"
)

var canaries = []string{canaryToken, canaryKey, canaryClient}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func canaryConfig(logs *syncBuffer) Config {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+canaryToken)
	h.Set("X-Api-Key", canaryKey)
	h.Set("X-Tidio-Openapi-Client-Id", canaryClient)
	return Config{
		Vendor:  "canary",
		Header:  h,
		Secrets: []string{canaryToken, canaryKey, canaryClient},
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		DecodeError: func(status int, _ http.Header, body []byte) ErrorInfo {
			var v struct{ Code, Message string }
			_ = json.Unmarshal(body, &v)
			return ErrorInfo{Code: v.Code, Message: v.Message}
		},
		MaxAttempts: 2,
	}
}

func assertNoCanary(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range canaries {
		if strings.Contains(s, c) {
			t.Errorf("%s leaks %s: %s", what, c, s)
		}
	}
}

// TestSecretsNeverLeak is S1: canary credentials in Header and Secrets appear
// in no log line at any level, no error string and no vendor message, even
// when the vendor, the transport or an identifier echoes them.
func TestSecretsNeverLeak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		cfg := canaryConfig(&logs)
		echo := `{"code":"bad_key_` + canaryKey + `","message":"key ` + canaryKey + ` (token ` + canaryToken + `) is not valid"}`
		c, rt := newFake(t, cfg, func(n int, req *http.Request) (*http.Response, error) {
			switch {
			case strings.HasPrefix(req.URL.Path, "/echo401"):
				return status(401, echo)(req)
			case req.URL.Path == "/echo503":
				return status(503, echo)(req)
			case req.URL.Path == "/transport":
				// A transport error whose text holds the URL and a header.
				return nil, fmt.Errorf("proxy refused %s with %s: %w", req.URL, req.Header.Get("Authorization"),
					&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
			}
			return ok(`{}`)(req)
		})
		var errs []error
		do := func(r Request) {
			_, err := c.Do(t.Context(), r, nil)
			if err == nil {
				t.Fatalf("%s: want an error", r.Path)
			}
			errs = append(errs, err)
		}
		do(Request{Op: support.OpGetContact, Path: Segments("echo401")})
		do(Request{Op: support.OpGetContact, Path: Segments("echo503")})
		do(Request{Op: support.OpGetContact, Path: Segments("transport"), Query: url.Values{"api_key": {canaryKey}}})
		do(Request{Op: support.OpCreateContact, Method: "POST", Path: Segments("echo503"), Body: map[string]string{"k": canaryKey}})
		// An identifier that happens to be the key (a user pasted it).
		do(Request{Op: support.OpGetContact, Path: Segments("echo401", canaryToken)})

		for _, err := range errs {
			assertNoCanary(t, "error string", err.Error())
			var e *support.Error
			if errors.As(err, &e) {
				assertNoCanary(t, "vendor message", e.Message)
				assertNoCanary(t, "vendor code", e.Code)
				if e.Err != nil {
					assertNoCanary(t, "cause", e.Err.Error())
				}
			}
		}
		e := asError(t, errs[0])
		if !strings.Contains(e.Message, "[REDACTED]") || !strings.Contains(e.Code, "[REDACTED]") {
			t.Errorf("vendor message not kept (redacted): %q %q", e.Code, e.Message)
		}
		if !errors.Is(errs[2], syscall.ECONNREFUSED) {
			t.Errorf("redaction broke the error chain: %v", errs[2])
		}
		// The credentials were sent, only never shown.
		if h := rt.call(0).header; h.Get("Authorization") != "Bearer "+canaryToken || h.Get("X-Api-Key") != canaryKey {
			t.Errorf("credentials not sent: %v", h)
		}

		out := logs.String()
		lines := strings.Count(out, "\n")
		if lines < 8 || !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"level":"DEBUG"`) {
			t.Fatalf("expected debug and warn lines, got %d lines:\n%s", lines, out)
		}
		for line := range strings.Lines(out) {
			assertNoCanary(t, "log line", line)
		}
	})
}

// TestSecretsNotInFormattedConfigOrClient: %v, %+v, %#v (and the rest) of a
// Config or Client, and slog of them, show no credential.
func TestSecretsNotInFormattedConfigOrClient(t *testing.T) {
	var logs syncBuffer
	cfg := canaryConfig(&logs)
	cfg.BaseURL = "https://api.example"
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type wrapper struct {
		Name string
		Rest Config
	}
	// What an adapter looks like to fmt when it has no Format of its own: an
	// unexported *Client field. fmt's bad-verb path (%s, %q, %x on a struct)
	// prints such fields by reflection, without calling their methods.
	type adapterLike struct {
		name string
		rc   *Client
	}
	values := map[string]any{"Config": cfg, "*Config": &cfg, "*Client": c, "Client": *c, "struct{Config}": wrapper{"w", cfg},
		"adapter": adapterLike{"a", c}, "*adapter": &adapterLike{"a", c}}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v"} {
			s := fmt.Sprintf(verb, v)
			assertNoCanary(t, name+" "+verb, s)
			if strings.HasPrefix(name, "*C") && !strings.Contains(s, "api.example") && !strings.ContainsAny(verb, "xXd") {
				t.Errorf("%s %s does not show the base URL: %s", name, verb, s)
			}
		}
	}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("configured", "config", cfg, "client", c)
	assertNoCanary(t, "slog of config and client", logs.String())
	if !strings.Contains(logs.String(), "api.example") {
		t.Errorf("slog shows nothing useful: %s", logs.String())
	}
	if s := cfg.String(); !strings.Contains(s, "X-Api-Key") || !strings.Contains(s, "canary") {
		t.Errorf("Config.String lost the useful parts: %s", s)
	}
}

// TestNewErrorHidesURL: a base URL carrying a credential is refused without
// echoing it.
func TestNewErrorHidesURL(t *testing.T) {
	for _, u := range []string{
		"https://" + canaryKey + "@api.example",
		"https://user:" + canaryKey + "@api.example",
		"http://api.example/?key=" + canaryKey,
		"https://api.example/?key=" + canaryKey,
		"https://api.example/#" + canaryKey,
		"ftp://" + canaryKey + ".example",
		"https://api.example/%zz" + canaryKey,
		"http://" + canaryKey + ".example",
	} {
		_, err := New(Config{Vendor: "v", BaseURL: u, Secrets: canaries})
		if !errors.Is(err, support.ErrInvalid) {
			t.Errorf("New(%q): %v, want ErrInvalid", u, err)
			continue
		}
		assertNoCanary(t, "New error", err.Error())
	}
}

// TestTransportErrorWithoutURL: a real transport error (connection refused)
// carries no URL, so no query credential, and keeps its cause.
func TestTransportErrorWithoutURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	var logs syncBuffer
	cfg := canaryConfig(&logs)
	cfg.BaseURL = base
	cfg.MaxAttempts = 1
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), Request{Path: Segments("x"), Query: url.Values{"key": {canaryKey}}}, nil)
	if !errors.Is(err, support.ErrUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err %v", err)
	}
	assertNoCanary(t, "error", err.Error())
	assertNoCanary(t, "log", logs.String())
}

package tidysupport_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

// newSim starts a simulator with opts and returns it with an adapter on it.
func newSim(t *testing.T, opts tidysupporttest.Options) (*tidysupporttest.Server, *support.Client) {
	t.Helper()
	srv := tidysupporttest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv, mustNew(t, simulatorConfig(srv))
}

// stubReply is what a stub vendor answers to one route.
type stubReply struct {
	status int
	body   string
	header http.Header
}

// stub is a hand-scripted vendor: each "METHOD /escaped/path" answers its
// reply; anything else is a 599 that fails the test. It records requests.
type stub struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]stubReply
	reqs   []stubRequest
	// before, when set, runs under the lock before each request is
	// answered, and may change routes.
	before func(key string)
}

// stubRequest is a request the stub received.
type stubRequest struct {
	Method, Path, RawQuery string
	Query                  map[string][]string
	Header                 http.Header
	Body                   []byte
}

func newStub(t *testing.T, routes map[string]stubReply) *stub {
	t.Helper()
	s := &stub{t: t, routes: routes}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.Method + " " + r.URL.EscapedPath()
		s.mu.Lock()
		s.reqs = append(s.reqs, stubRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.URL.Query(), r.Header.Clone(), body})
		if s.before != nil {
			s.before(key)
		}
		reply, ok := s.routes[key]
		s.mu.Unlock()
		if !ok {
			t.Errorf("stub vendor: unexpected request %s", key)
			w.WriteHeader(599)
			return
		}
		for k, v := range reply.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(reply.status)
		io.WriteString(w, reply.body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// client returns an adapter talking to the stub.
func (s *stub) client(mod ...func(*tidysupport.Config)) *support.Client {
	s.t.Helper()
	cfg := tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: "wrk_abc123",
		BaseURL: s.srv.URL, HTTPClient: s.srv.Client(), RateLimit: rate.Inf, MaxAttempts: 1,
	}
	for _, m := range mod {
		m(&cfg)
	}
	return mustNew(s.t, cfg)
}

// requests returns the requests received so far.
func (s *stub) requests() []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stubRequest(nil), s.reqs...)
}

// fixture reads a file under testdata.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return string(ja) == string(jb)
}

// simulatorConfig is the adapter's configuration for srv.
func simulatorConfig(srv *tidysupporttest.Server) tidysupport.Config {
	return tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL: srv.URL, HTTPClient: srv.Client(), RateLimit: rate.Inf,
	}
}

func mustNew(t *testing.T, cfg tidysupport.Config) *support.Client {
	t.Helper()
	c, err := tidysupport.New(cfg)
	require.NoError(t, err)
	return c
}

// driverOf returns the TidySupport driver under c, for its own methods.
func driverOf(t *testing.T, c *support.Client) *tidysupport.Driver {
	t.Helper()
	var d *tidysupport.Driver
	require.True(t, c.As(&d), "Client.As(*tidysupport.Driver)")
	return d
}

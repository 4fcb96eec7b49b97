package tidio_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// newClient returns the Client of srv, unpaced, with cfg's other fields.
func newClient(t testing.TB, srv *tidiotest.Server, cfg tidio.Config) *support.Client {
	t.Helper()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	cfg.BaseURL = srv.URL
	return mustNew(t, cfg)
}

// mustNew returns tidio.New(cfg) with the simulator's credentials when cfg
// has none, unpaced unless cfg says otherwise.
func mustNew(t testing.TB, cfg tidio.Config) *support.Client {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = tidiotest.ClientID, tidiotest.ClientSecret
	}
	if cfg.RequestsPerMinute == 0 {
		cfg.RequestsPerMinute = -1
	}
	c, err := tidio.New(cfg)
	require.NoError(t, err)
	return c
}

// newInProcess returns an in-process simulator (for synctest bubbles) with
// the directory the suite uses.
func newInProcess(opts tidiotest.Options) *tidiotest.Server {
	srv := tidiotest.NewInProcess(opts)
	seedDirectory(srv)
	return srv
}

// person is the i-th test contact.
func person(i int) support.ContactInput {
	return support.ContactInput{
		FirstName: fmt.Sprintf("Person%05d", i), LastName: "Test",
		Email: fmt.Sprintf("person.%05d@example.com", i), ExternalID: fmt.Sprintf("src-%05d", i),
	}
}

// people returns n test contacts.
func people(n int) []support.ContactInput {
	out := make([]support.ContactInput, n)
	for i := range out {
		out[i] = person(i)
	}
	return out
}

// checkStoredOnce checks that the simulator holds exactly one contact per
// input (by external ID) and nothing else.
func checkStoredOnce(t *testing.T, srv *tidiotest.Server, in []support.ContactInput) {
	t.Helper()
	count := map[string]int{}
	for _, c := range srv.Contacts() {
		count[c.DistinctID]++
	}
	for _, ci := range in {
		if n := count[ci.ExternalID]; n != 1 {
			t.Errorf("contact %s is stored %d times, want once", ci.ExternalID, n)
		}
	}
	if got := len(srv.Contacts()); got != len(in) {
		t.Errorf("the simulator holds %d contacts, want %d", got, len(in))
	}
}

// wantKind checks that err is a *support.Error of the tidio vendor, naming
// its operation, matching kind.
func wantKind(t *testing.T, err, kind error) *support.Error {
	t.Helper()
	var se *support.Error
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, kind)
	if se.Vendor != tidio.Vendor || se.Op == "" {
		t.Errorf("error %v has vendor %q, op %q", err, se.Vendor, se.Op)
	}
	return se
}

// fields returns the fields the warnings are about.
func fields(ws []support.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

// mustInt parses a ticket ID.
func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "ticket ID %q", s)
	return n
}

// payload returns testdata/vendor/name: one of Tidio's own example
// payloads (see its README).
func payload(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vendor", name))
	require.NoError(t, err)
	return string(b)
}

// answer is what a fakeTidio route answers: a status and a JSON body.
type answer struct {
	status int
	body   string
}

// request is a request a fakeTidio received.
type request struct {
	method, uri, body string
}

// fakeTidio is a server that answers "METHOD /path?query" (or, without a
// route for the query, "METHOD /path") with its answer, 404 otherwise, and
// keeps every request it gets.
type fakeTidio struct {
	*httptest.Server
	mu  sync.Mutex
	got []request
}

func newFakeTidio(t testing.TB, routes map[string]answer) *fakeTidio {
	t.Helper()
	f := &fakeTidio{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, request{r.Method, r.URL.RequestURI(), string(body)})
		f.mu.Unlock()
		a, ok := routes[r.Method+" "+r.URL.RequestURI()]
		if !ok {
			a, ok = routes[r.Method+" "+r.URL.Path]
		}
		if !ok {
			a = answer{http.StatusNotFound, `{"errors":[{"code":"not_found","message":"Route not found"}]}`}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

// client returns the Client of f.
func (f *fakeTidio) client(t testing.TB) *support.Client {
	t.Helper()
	return mustNew(t, tidio.Config{BaseURL: f.URL, HTTPClient: f.Client(), MaxAttempts: 1})
}

// sent returns the bodies of the requests received for "METHOD /path".
func (f *fakeTidio) sent(route string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.got {
		if path, _, _ := strings.Cut(r.uri, "?"); r.method+" "+path == route {
			out = append(out, r.body)
		}
	}
	return out
}

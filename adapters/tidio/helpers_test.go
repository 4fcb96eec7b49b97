package tidio_test

import (
	"fmt"
	"strconv"
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

package respondio_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/require"
)

// setup starts a simulator and an adapter on it, without a client-side
// rate limit (tests of limits set their own).
func setup(t testing.TB, opts respondiotest.Options) (*respondiotest.Server, *support.Client) {
	t.Helper()
	srv := newServer(t, opts)
	return srv, newClient(t, respondio.Config{
		Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1,
	})
}

// inProcess returns a simulator served without a network and an adapter on
// it, for tests inside a testing/synctest bubble; cfg's token, base URL and
// HTTP client are filled in.
func inProcess(t testing.TB, opts respondiotest.Options, cfg respondio.Config) (*respondiotest.Simulator, *support.Client) {
	t.Helper()
	s := respondiotest.New(opts)
	cfg.Token, cfg.BaseURL, cfg.HTTPClient = respondiotest.Token, respondiotest.InProcessURL, s.InProcess()
	return s, newClient(t, cfg)
}

// driver returns the respondio Driver under c, for Merge and Comment.
func driver(t testing.TB, c *support.Client) *respondio.Driver {
	t.Helper()
	var d *respondio.Driver
	require.True(t, c.As(&d), "Client.As(*respondio.Driver)")
	return d
}

// seed stores a contact in the simulator, failing t on error.
func seed(t testing.TB, s *respondiotest.Simulator, c respondiotest.Contact) respondiotest.Contact {
	t.Helper()
	got, err := s.SeedContact(c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wantKind checks that err is a *support.Error of this vendor matching kind.
func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	var se *support.Error
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %v", what, kind)
	case !errors.Is(err, kind):
		t.Errorf("%s: %v, want an error matching %v", what, err, kind)
	case !errors.As(err, &se) || se.Vendor != respondio.Vendor || se.Op == "":
		t.Errorf("%s: %v is not a *support.Error with vendor and op", what, err)
	}
}

// noRequest runs f, which must fail with ErrInvalid before any request.
func noRequest(t *testing.T, srv *respondiotest.Server, what string, f func() error) {
	t.Helper()
	before := srv.Stats.Total()
	wantKind(t, what, f(), support.ErrInvalid)
	if n := srv.Stats.Total() - before; n != 0 {
		t.Errorf("%s: %d request(s) sent, want none", what, n)
	}
}

// define makes custom fields known to the simulator's workspace, failing t
// on error.
func define(t testing.TB, s *respondiotest.Simulator, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := s.DefineField(respondiotest.FieldDef{Name: n})
		require.NoError(t, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jsonDecode decodes and closes a response body.
func jsonDecode(res *http.Response, v any) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

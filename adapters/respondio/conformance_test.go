package respondio_test

import (
	"os"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// pageSize is the page size the suite lists with; respond.io takes any
// limit from 1 to 100.
const pageSize = 3

// passthroughContact is the passthrough request that reads contact id.
func passthroughContact(id string) support.RawRequest {
	return support.RawRequest{Path: []string{"contact", "id:" + id}}
}

// newServer starts a simulator for t.
func newServer(t testing.TB, opts respondiotest.Options) *respondiotest.Server {
	t.Helper()
	srv := respondiotest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// suiteServer starts the simulator the suite runs on: its workspace
// defines the custom field the suite writes ("plan"), so that the suite
// sees it stored and listed.
func suiteServer(t testing.TB) *respondiotest.Server {
	t.Helper()
	srv := newServer(t, respondiotest.Options{})
	if _, err := srv.DefineField(respondiotest.FieldDef{Name: "plan"}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// newClient builds an adapter with cfg, failing t on error.
func newClient(t testing.TB, cfg respondio.Config) *support.Client {
	t.Helper()
	c, err := respondio.New(cfg)
	if err != nil {
		t.Fatalf("respondio.New: %v", err)
	}
	return c
}

// TestConformance runs the suite in replay mode from testdata/conformance
// (what CI runs). With DESKBRIDGE_RECORD=1 it rewrites the recordings against the
// simulator, or against a live workspace when RESPONDIO_TOKEN is set
// (RESPONDIO_BASE_URL overrides the base URL); that workspace must hold no
// contacts and at least two users.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{PageSize: pageSize, PassthroughContact: passthroughContact, New: func(t *testing.T) *support.Client {
		srv := suiteServer(t)
		cfg := respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), RateLimit: -1}
		opts := conformance.RecordOptions{
			Dir: "testdata/conformance", Upstream: srv.Client().Transport, Secrets: []string{respondiotest.Token},
		}
		if token := os.Getenv("RESPONDIO_TOKEN"); token != "" && conformance.Recording() {
			cfg = respondio.Config{Token: support.Secret(token), BaseURL: os.Getenv("RESPONDIO_BASE_URL")}
			opts.Upstream = nil
			opts.Secrets = append(opts.Secrets, token)
		}
		cfg.HTTPClient = conformance.HTTPClient(t, opts)
		return newClient(t, cfg)
	}})
}

// TestConformanceLive runs the suite straight against the simulator, so
// that the adapter and the simulator cannot drift apart.
func TestConformanceLive(t *testing.T) {
	conformance.Run(t, conformance.Harness{PageSize: pageSize, PassthroughContact: passthroughContact, New: func(t *testing.T) *support.Client {
		srv := suiteServer(t)
		return newClient(t, respondio.Config{
			Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1,
		})
	}})
}

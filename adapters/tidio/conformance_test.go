package tidio_test

import (
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// The live vendor is used for recording only when both variables are set
// (DESKBRIDGE_RECORD=1 go test ./adapters/tidio -run 'TestConformance$'). The project
// must be empty and have at least two active operators and one department
// besides "General". TIDIO_PAGE_SIZE is Tidio's page size (default 100).
const (
	envClientID     = "TIDIO_CLIENT_ID"
	envClientSecret = "TIDIO_CLIENT_SECRET"
	envPageSize     = "TIDIO_PAGE_SIZE"
)

// conformancePageSize is the simulator's page size in the suite: small, so
// that paging takes several pages with few contacts.
const conformancePageSize = 3

// passthroughContact is GET /contacts/{id} as a passthrough request.
func passthroughContact(id string) support.RawRequest {
	return support.RawRequest{Path: []string{"contacts", id}}
}

// newSimulator starts a simulator with what the suite needs: two operators
// and a department besides "General".
func newSimulator(t *testing.T, opts tidiotest.Options) *tidiotest.Server {
	t.Helper()
	srv := tidiotest.NewServer(opts)
	t.Cleanup(srv.Close)
	seedDirectory(srv)
	return srv
}

// seedDirectory adds two operators and a department.
func seedDirectory(srv *tidiotest.Server) {
	srv.SeedOperator(tidiotest.Operator{Name: "Alex Morgan", Email: "alex.morgan@example.com", Role: "admin", Active: true})
	srv.SeedOperator(tidiotest.Operator{Name: "Sam Rivera", Email: "sam.rivera@example.com", Role: "chat_agent", Active: true})
	srv.SeedDepartment(tidiotest.Department{Name: "Billing"})
}

// TestConformance runs the suite from the recordings in
// testdata/conformance (replay), or records them (DESKBRIDGE_RECORD=1)
// against the simulator, or the live vendor when its credentials are in
// the environment.
func TestConformance(t *testing.T) {
	id, secret := os.Getenv(envClientID), os.Getenv(envClientSecret)
	live := conformance.Recording() && id != "" && secret != ""
	pageSize := conformancePageSize
	if live {
		pageSize = 100
		if n, err := strconv.Atoi(os.Getenv(envPageSize)); err == nil && n > 0 {
			pageSize = n
		}
	} else {
		id, secret = tidiotest.ClientID, tidiotest.ClientSecret
	}
	conformance.Run(t, conformance.Harness{PageSize: pageSize, PassthroughContact: passthroughContact, New: func(t *testing.T) *support.Client {
		srv := newSimulator(t, tidiotest.Options{PageSize: conformancePageSize})
		base := srv.URL
		var upstream http.RoundTripper = srv.Client().Transport
		if live {
			base, upstream = tidio.DefaultBaseURL, nil
		}
		hc := conformance.HTTPClient(t, conformance.RecordOptions{
			Dir:      "testdata/conformance",
			Upstream: upstream,
			Secrets:  []string{id, secret},
		})
		p, err := tidio.New(tidio.Config{
			ClientID: support.Secret(id), ClientSecret: support.Secret(secret),
			BaseURL: base, HTTPClient: hc, RequestsPerMinute: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}})
}

// TestConformanceLive runs the suite straight against the simulator, so
// that adapter and simulator cannot drift apart unnoticed.
func TestConformanceLive(t *testing.T) {
	conformance.Run(t, conformance.Harness{PageSize: conformancePageSize, PassthroughContact: passthroughContact, New: func(t *testing.T) *support.Client {
		srv := newSimulator(t, tidiotest.Options{PageSize: conformancePageSize})
		p, err := tidio.New(tidio.Config{
			ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret,
			BaseURL: srv.URL, HTTPClient: srv.Client(), RequestsPerMinute: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}})
}

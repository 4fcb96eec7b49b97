package tidysupport_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// pageSize is the page size the suite lists with.
const pageSize = 3

// liveCredentials returns the live vendor's key and workspace from the
// environment when both are set and the test records: then the recordings
// are made against TidySupport itself instead of the simulator.
func liveCredentials() (key, workspace string, ok bool) {
	key, workspace = os.Getenv("TIDYSUPPORT_API_KEY"), os.Getenv("TIDYSUPPORT_WORKSPACE_ID")
	return key, workspace, key != "" && workspace != "" && conformance.Recording()
}

// passthroughContact is the inbox's GET of contact id in workspace ws, the
// request GetContact sends, as a passthrough.
func passthroughContact(ws string) func(id string) support.RawRequest {
	return func(id string) support.RawRequest {
		return support.RawRequest{Path: []string{"v1", "workspaces", ws, "support", "inbox", "contacts", id}}
	}
}

// TestConformance runs the shared suite in replay mode from the recordings
// in testdata/conformance. Record them again (against the simulator, or the
// live vendor when TIDYSUPPORT_API_KEY and TIDYSUPPORT_WORKSPACE_ID are set)
// with: DESKBRIDGE_RECORD=1 go test ./adapters/tidysupport -run 'TestConformance$'
// A live recording is for checking the adapter against the vendor: its paths
// hold the live workspace ID, so the committed recordings are made against the
// simulator.
func TestConformance(t *testing.T) {
	ws := tidysupporttest.WorkspaceID
	if _, live, ok := liveCredentials(); ok {
		ws = live
	}
	conformance.Run(t, conformance.Harness{PageSize: pageSize, PassthroughContact: passthroughContact(ws), New: func(t *testing.T) *support.Client {
		srv := tidysupporttest.NewServer(tidysupporttest.Options{Seed: 1})
		t.Cleanup(srv.Close)
		cfg := simulatorConfig(srv)
		secrets := []string{tidysupporttest.APIKey}
		var upstream http.RoundTripper = srv.Client().Transport
		if key, ws, live := liveCredentials(); live {
			cfg.APIKey, cfg.WorkspaceID, cfg.BaseURL = support.Secret(key), ws, ""
			secrets, upstream = append(secrets, key), nil
		}
		cfg.HTTPClient = conformance.HTTPClient(t, conformance.RecordOptions{
			Dir: "testdata/conformance", Upstream: upstream, Secrets: secrets,
		})
		return mustNew(t, cfg)
	}})
}

// TestConformanceLive runs the same suite straight against the simulator,
// so that adapter and simulator cannot drift apart.
func TestConformanceLive(t *testing.T) {
	h := conformance.Harness{PageSize: pageSize, PassthroughContact: passthroughContact(tidysupporttest.WorkspaceID)}
	h.New = func(t *testing.T) *support.Client {
		srv := tidysupporttest.NewServer(tidysupporttest.Options{Seed: 1})
		t.Cleanup(srv.Close)
		return mustNew(t, simulatorConfig(srv))
	}
	conformance.Run(t, h)
}

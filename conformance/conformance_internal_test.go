package conformance

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noRequestsEnv makes TestNoRequestsCatchesARequest run its child part.
const noRequestsEnv = "DESKBRIDGE_CONFORMANCE_NO_REQUESTS_CHILD"

// TestNoRequestsCatchesARequest proves the check behind the invalid-input
// scenarios: a request sent while invalid input is refused fails the
// scenario. No driver can make that happen any more (the Client refuses
// invalid input before it calls the driver), so the check is called
// directly, with a request sent through the scenario's HTTPClient, in a
// child process: its failure must fail a real test.
func TestNoRequestsCatchesARequest(t *testing.T) {
	if os.Getenv(noRequestsEnv) != "" {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		defer srv.Close()
		hc := recordClient(t, RecordOptions{Dir: t.TempDir(), Upstream: srv.Client().Transport})
		e := &env{t: t, ctx: t.Context()}
		e.noRequests("invalid input", func() {
			_, err := sendRequest(hc, http.MethodGet, srv.URL+"/validate", "")
			require.NoError(t, err)
		})
		e.noRequests("invalid input without a request", func() {})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoRequestsCatchesARequest$", "-test.count=1")
	cmd.Env = append(os.Environ(), noRequestsEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the check passed although a request was sent:\n%s", out)
	assert.Contains(t, string(out), "invalid input: 1 HTTP request(s) were sent; invalid input must fail before any request")
	assert.NotContains(t, string(out), "without a request:", "the check failed where nothing was sent")
}

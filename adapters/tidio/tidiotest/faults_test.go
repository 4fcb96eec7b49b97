package tidiotest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// The credential echo fault answers in Tidio's error shape, with both
// credential headers in the message, the first at byte 190.
func TestFaultCredentialEchoInTidioShape(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.Faults.Next(1, sim.Match{}, sim.CredentialEcho(http.StatusUnauthorized, "X-Tidio-Openapi-Client-Id", "X-Tidio-Openapi-Client-Secret"))
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/contacts", nil)
	require.NoError(t, err)
	req.Header.Set("X-Tidio-Openapi-Client-Id", tidiotest.ClientID)
	req.Header.Set("X-Tidio-Openapi-Client-Secret", tidiotest.ClientSecret)
	req.Header.Set("Accept", "application/json; version=1")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	var body struct {
		Errors []struct{ Code, Message string }
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Len(t, body.Errors, 1)
	assert.Equal(t, "unauthorized", body.Errors[0].Code)
	assert.Equal(t, 190, strings.Index(body.Errors[0].Message, tidiotest.ClientID))
	assert.Contains(t, body.Errors[0].Message, tidiotest.ClientSecret)
}

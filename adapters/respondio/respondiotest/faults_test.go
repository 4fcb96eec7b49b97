package respondiotest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// The credential echo fault answers in respond.io's error shape, with the
// bearer token in the message at byte 190.
func TestFaultCredentialEchoInRespondioShape(t *testing.T) {
	s := respondiotest.New(respondiotest.Options{})
	s.Faults.Next(1, sim.Match{}, sim.CredentialEcho(http.StatusBadRequest))
	req, err := http.NewRequestWithContext(t.Context(), "GET", respondiotest.InProcessURL+"/space/user", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+respondiotest.Token)
	res, err := s.InProcess().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	var body struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, http.StatusBadRequest, body.Code)
	assert.Equal(t, 190, strings.Index(body.Message, respondiotest.Token))
}

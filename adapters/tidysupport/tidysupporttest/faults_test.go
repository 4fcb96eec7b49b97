package tidysupporttest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// The credential echo fault answers in TidySupport's error shape, with the
// API key in the message at byte 190.
func TestFaultCredentialEchoInTidySupportShape(t *testing.T) {
	s := tidysupporttest.New(tidysupporttest.Options{})
	s.Faults.Next(1, sim.Match{}, sim.CredentialEcho(0))
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://sim/v1/customers", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tidysupporttest.APIKey)
	res, err := s.InProcess().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	var body struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, http.StatusUnauthorized, body.StatusCode)
	assert.Equal(t, "Unauthorized", body.Error)
	assert.Equal(t, 190, strings.Index(body.Message, tidysupporttest.APIKey))
}

func TestEditContact(t *testing.T) {
	s := tidysupporttest.New(tidysupporttest.Options{})
	c := s.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", Name: "Ada Lovelace"})
	assert.True(t, s.EditContact(c.ID, func(c *tidysupporttest.Contact) { c.Name, c.Email, c.ID = "Ada King", "other@example.com", "x" }))
	got, ok := s.Contact(c.ID)
	require.True(t, ok)
	assert.Equal(t, "Ada King", got.Name)
	assert.Equal(t, "ada@example.com", got.Email, "the email is kept")
	assert.False(t, s.EditContact("ctc_missing", func(*tidysupporttest.Contact) {}))
}

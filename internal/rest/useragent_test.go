package rest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/version"
)

// Every request names deskbridge and its version, so that a vendor's logs
// tell which library sent it; a caller's own User-Agent is kept.
func TestUserAgentNamesDeskbridge(t *testing.T) {
	c, rt := newFake(t, Config{}, seq(ok(`{}`)))
	_, err := c.Do(t.Context(), Request{Method: "GET", Path: Segments("contacts")}, nil)
	require.NoError(t, err)
	_, err = c.Do(t.Context(), Request{Method: "POST", Path: Segments("contacts"), Body: map[string]string{"a": "b"}}, nil)
	require.NoError(t, err)
	for i := range 2 {
		ua := rt.call(i).header.Get("User-Agent")
		assert.Equal(t, version.UserAgent(), ua, "request %d", i)
		assert.Regexp(t, `^deskbridge/\S+ \(\+https://github\.com/deskbridge/deskbridge\)$`, ua)
	}

	own, rt2 := newFake(t, Config{Header: http.Header{"User-Agent": {"acme-sync/2"}}}, seq(ok(`{}`)))
	_, err = own.Do(t.Context(), Request{Method: "GET", Path: Segments("contacts")}, nil)
	require.NoError(t, err)
	assert.Equal(t, "acme-sync/2", rt2.call(0).header.Get("User-Agent"))
}

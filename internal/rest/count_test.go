package rest

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// TestRequestCounts: every attempt sent is counted in the context's
// support.RequestCounts, by its method, with attempts after the first as
// retries; what is refused before sending is not counted.
func TestRequestCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{}, func(n int, req *http.Request) (*http.Response, error) {
			if req.URL.Path == "/flaky" && n%2 == 0 {
				return status(429, "", "Retry-After", "0")(req)
			}
			return ok(`{}`)(req)
		})
		var n support.RequestCounts
		ctx := support.WithRequestCounts(t.Context(), &n)
		do := func(method, path string, idem Idempotency) {
			t.Helper()
			var body any
			if method != "" && method != "GET" && method != "HEAD" {
				body = map[string]string{}
			}
			_, err := c.Do(ctx, Request{Method: method, Path: Segments(path), Idempotency: idem, Body: body}, nil)
			require.NoError(t, err, "%s /%s", method, path)
		}
		do("GET", "flaky", ByMethod) // 429, then 200
		do("", "ok", ByMethod)       // "" is GET
		do("HEAD", "ok", ByMethod)
		do("POST", "flaky", Idempotent) // 429, then 200
		do("POST", "ok", ByMethod)
		do("PUT", "ok", ByMethod)
		do("PATCH", "ok", ByMethod)
		do("DELETE", "ok", ByMethod)
		assert.Equal(t, int64(3), n.Reads())
		assert.Equal(t, int64(5), n.Writes())
		assert.Equal(t, int64(2), n.Retries())
		assert.Equal(t, int64(rt.count()), n.Reads()+n.Writes()+n.Retries(), "every attempt sent, once")

		_, err := c.Do(ctx, Request{Method: "GET", Path: Segments("x"), Body: map[string]string{}}, nil)
		require.ErrorIs(t, err, support.ErrInvalid)
		_, err = c.Do(t.Context(), Request{Path: Segments("ok")}, nil) // no counts in this context
		require.NoError(t, err)
		assert.Equal(t, int64(10), n.Reads()+n.Writes()+n.Retries(), "nothing more counted")
	})
}

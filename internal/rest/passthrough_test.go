package rest

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

const passSecret = "sk-pass-4f1e8a9c2b7d"

func passConfig() Config {
	return Config{Header: http.Header{"Authorization": {"Bearer " + passSecret}, "X-Workspace": {"w1"}}}
}

func TestSendEscapesSegmentsAndSendsBody(t *testing.T) {
	c, rt := newFake(t, passConfig(), seq(status(201, `{"ok":true}`)))
	res, err := c.Send(context.Background(), support.RawRequest{
		Method: "post", Path: []string{"contact", "email:a/b?c@x.com", "tag"},
		Query: url.Values{"q": {"a b"}}, Header: http.Header{"X-Extra": {"1"}}, Body: []byte(`["vip"]`),
	})
	require.NoError(t, err)
	assert.Equal(t, 201, res.Status)
	assert.JSONEq(t, `{"ok":true}`, string(res.Body))
	call := rt.call(0)
	assert.Equal(t, "POST", call.method)
	assert.Equal(t, "http://127.0.0.1:9/contact/email:a%2Fb%3Fc@x.com/tag?q=a+b", call.url)
	assert.Equal(t, `["vip"]`, string(call.body))
	assert.Equal(t, "application/json", call.header.Get("Content-Type"))
	assert.Equal(t, "1", call.header.Get("X-Extra"))
	assert.Equal(t, "Bearer "+passSecret, call.header.Get("Authorization"), "the adapter's credentials")
}

func TestSendRefusesCredentialHeaders(t *testing.T) {
	for _, h := range []string{"Authorization", "X-Api-Key", "x-tidio-openapi-client-secret", "X-Workspace"} {
		c, rt := newFake(t, passConfig(), seq(ok(`{}`)))
		_, err := c.Send(context.Background(), support.RawRequest{Method: "GET", Path: []string{"x"}, Header: http.Header{h: {"other"}}})
		require.ErrorIs(t, err, support.ErrInvalid, h)
		assert.Zero(t, rt.count(), "%s: nothing sent", h)
	}
}

func TestSendRetriesOnlyIdempotent(t *testing.T) {
	for _, tc := range []struct {
		method     string
		idempotent bool
		attempts   int
	}{
		{"GET", false, 2}, {"PUT", false, 2}, {"DELETE", false, 2},
		{"POST", false, 1}, {"PATCH", false, 1}, {"POST", true, 2},
	} {
		synctest.Test(t, func(t *testing.T) {
			c, rt := newFake(t, passConfig(), seq(status(503, `{}`), ok(`{"n":1}`)))
			r := support.RawRequest{Method: tc.method, Path: []string{"x"}, Idempotent: tc.idempotent}
			if tc.method != "GET" {
				r.Body = []byte(`{}`)
			}
			res, err := c.Send(context.Background(), r)
			assert.Equal(t, tc.attempts, rt.count(), "%s idempotent=%v", tc.method, tc.idempotent)
			if tc.attempts == 1 {
				require.Error(t, err)
				assert.True(t, asError(t, err).OutcomeUnknown, "a 503 to a POST may have taken effect")
				assert.Equal(t, 503, res.Status, "the answer comes back with the error")
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestSendDecodesErrorsAndRedacts(t *testing.T) {
	cfg := passConfig()
	cfg.DecodeError = func(status int, _ http.Header, body []byte) ErrorInfo {
		return ErrorInfo{Code: "nope", Message: string(body)}
	}
	c, _ := newFake(t, cfg, seq(status(404, `{"echo":"`+passSecret+`"}`, "X-Echo", passSecret)))
	res, err := c.Send(context.Background(), support.RawRequest{Path: []string{"missing"}})
	require.ErrorIs(t, err, support.ErrNotFound)
	e := asError(t, err)
	assert.Equal(t, 404, e.Status)
	assert.Equal(t, "nope", e.Code)
	assert.NotContains(t, err.Error(), passSecret[:9])
	require.NotNil(t, res)
	assert.NotContains(t, string(res.Body), passSecret[:9], "the body is redacted")
	assert.NotContains(t, res.Header.Get("X-Echo"), passSecret[:9], "the headers are redacted")
}

func TestSendRefusesBodyOnGet(t *testing.T) {
	c, rt := newFake(t, passConfig(), seq(ok(`{}`)))
	_, err := c.Send(context.Background(), support.RawRequest{Method: "GET", Path: []string{"x"}, Body: []byte(`{}`)})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.Zero(t, rt.count())
}

package support

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requester is a fake with a passthrough: it records each request and
// answers with resp and err.
type requester struct {
	*fake
	got  []RawRequest
	resp *RawResponse
	err  error
}

func newRequester() *requester {
	f := newFake()
	f.caps.Operations = append(f.caps.Operations, OpPassthrough)
	return &requester{fake: f, resp: &RawResponse{Status: 200, Body: []byte(`{"ok":true}`)}}
}

func (r *requester) Send(_ context.Context, raw RawRequest) (*RawResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, raw)
	return r.resp, r.err
}

func TestPassthroughSends(t *testing.T) {
	r := newRequester()
	req := RawRequest{Path: []string{"contact", "email:a/b?c@example.com", "tag"}, Query: url.Values{"q": {"a b\tc"}},
		Header: http.Header{"Accept": {"application/json"}, "X-Extra": {"1"}}, Body: []byte(`["vip"]`)}
	res, err := NewClient(r).Passthrough(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, r.resp, res)
	require.Len(t, r.got, 1)
	want := req
	want.Method = "GET"
	assert.Equal(t, want, r.got[0], "the request reaches the driver as given, its method set")
	assert.Empty(t, req.Method, "the caller's request was changed")
}

func TestPassthroughMethods(t *testing.T) {
	for _, tc := range []struct{ in, sent string }{
		{"", "GET"}, {"get", "GET"}, {"Head", "HEAD"}, {"post", "POST"}, {"PUT", "PUT"}, {"patch", "PATCH"}, {"delete", "DELETE"},
		{"OPTIONS", ""}, {"TRACE", ""}, {"CONNECT", ""}, {"FETCH", ""}, {" GET", ""}, {"G\x00ET", ""},
	} {
		r := newRequester()
		_, err := NewClient(r).Passthrough(context.Background(), RawRequest{Method: tc.in, Path: []string{"x"}})
		if tc.sent == "" {
			require.ErrorIs(t, err, ErrInvalid, "%q", tc.in)
			assert.Contains(t, err.Error(), "method", "%q", tc.in)
			assert.Empty(t, r.got, "%q was sent", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Len(t, r.got, 1)
		assert.Equal(t, tc.sent, r.got[0].Method, "%q", tc.in)
	}
}

func TestPassthroughRefusesBadRequests(t *testing.T) {
	for name, req := range map[string]RawRequest{
		"no path":                 {},
		"empty path":              {Path: []string{}},
		"empty segment":           {Path: []string{"contact", ""}},
		"empty first segment":     {Path: []string{"", "contact"}},
		"dot":                     {Path: []string{"contact", "."}},
		"dot dot":                 {Path: []string{"contact", "..", "admin"}},
		"NUL in segment":          {Path: []string{"contact", "a\x00b"}},
		"escape in segment":       {Path: []string{"contact\x1b"}},
		"DEL in segment":          {Path: []string{"contact\x7f"}},
		"not UTF-8 segment":       {Path: []string{"contact\xff"}},
		"control in query value":  {Path: []string{"x"}, Query: url.Values{"q": {"a\x01"}}},
		"control in query key":    {Path: []string{"x"}, Query: url.Values{"q\x00": {"a"}}},
		"not UTF-8 query":         {Path: []string{"x"}, Query: url.Values{"q": {"\xfe"}}},
		"control in header":       {Path: []string{"x"}, Header: http.Header{"X-A": {"a\x00"}}},
		"newline in header value": {Path: []string{"x"}, Header: http.Header{"X-A": {"a\r\nAuthorization: Bearer other"}}},
		"LF in header value":      {Path: []string{"x"}, Header: http.Header{"X-A": {"a\nb"}}},
		"space in header name":    {Path: []string{"x"}, Header: http.Header{"X A": {"1"}}},
		"colon in header name":    {Path: []string{"x"}, Header: http.Header{"X-A:": {"1"}}},
		"empty header name":       {Path: []string{"x"}, Header: http.Header{"": {"1"}}},
		"newline in header name":  {Path: []string{"x"}, Header: http.Header{"X-A\r\nHost": {"1"}}},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRequester()
			res, err := NewClient(r).Passthrough(context.Background(), req)
			require.ErrorIs(t, err, ErrInvalid)
			var se *Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, OpPassthrough, se.Op)
			assert.Equal(t, "fake", se.Vendor)
			assert.Contains(t, err.Error(), "passthrough")
			assert.Nil(t, res)
			assert.Empty(t, r.got, "sent")
		})
	}
}

func TestPassthroughAcceptsOddButSafeText(t *testing.T) {
	r := newRequester()
	_, err := NewClient(r).Passthrough(context.Background(), RawRequest{
		Path:   []string{"articles", "..a", "a/b", "%2e%2e", "Zürich"},
		Query:  url.Values{"text": {"line 1\nline 2"}},
		Header: http.Header{"X-Note": {"a\tb"}, "X-Empty": {""}},
	})
	require.NoError(t, err)
	assert.Len(t, r.got, 1)
}

func TestPassthroughRefusesAdapterHeaders(t *testing.T) {
	for _, h := range []string{"Authorization", "authorization", "Proxy-Authorization", "Cookie", "COOKIE", "Host",
		"Content-Length", "Transfer-Encoding", "Connection"} {
		r := newRequester()
		_, err := NewClient(r).Passthrough(context.Background(), RawRequest{Path: []string{"x"}, Header: http.Header{h: {"v"}}})
		require.ErrorIs(t, err, ErrInvalid, h)
		assert.Contains(t, err.Error(), h, "the error names the header")
		assert.Empty(t, r.got, "%s was sent", h)
	}
}

func TestRawRequestRetries(t *testing.T) {
	for _, tc := range []struct {
		method     string
		idempotent bool
		want       bool
	}{
		{"", false, true}, {"GET", false, true}, {"get", false, true}, {"HEAD", false, true},
		{"PUT", false, true}, {"put", false, true}, {"DELETE", false, true},
		{"POST", false, false}, {"post", false, false}, {"PATCH", false, false},
		{"POST", true, true}, {"patch", true, true},
	} {
		got := RawRequest{Method: tc.method, Idempotent: tc.idempotent}.Retries()
		assert.Equal(t, tc.want, got, "%q idempotent=%v", tc.method, tc.idempotent)
	}
}

func TestPassthroughUnsupported(t *testing.T) {
	r := newRequester()
	r.caps.Operations = newFake().caps.Operations // Requester, but not declared
	res, err := NewClient(r).Passthrough(context.Background(), RawRequest{Path: []string{"x"}})
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Nil(t, res)
	assert.Empty(t, r.got)

	// A driver with no passthrough at all.
	_, err = NewClient(newFake()).Passthrough(context.Background(), RawRequest{Path: []string{"x"}})
	require.ErrorIs(t, err, ErrUnsupported)
}

// TestPassthroughAnswerWithError: a vendor's error comes back with its
// answer, so that the caller can read the body; the error is the Client's.
func TestPassthroughAnswerWithError(t *testing.T) {
	r := newRequester()
	r.resp = &RawResponse{Status: 404, Header: http.Header{"X-Request-Id": {"r1"}}, Body: []byte(`{"error":"no such tag"}`)}
	r.err = &Error{Kind: ErrNotFound, Status: 404, Code: "not_found", Message: "no such tag"}
	res, err := NewClient(r).Passthrough(context.Background(), RawRequest{Method: "delete", Path: []string{"tag", "vip"}})
	require.ErrorIs(t, err, ErrNotFound)
	var se *Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "fake", se.Vendor)
	assert.Equal(t, OpPassthrough, se.Op)
	assert.Equal(t, 404, se.Status)
	assert.Equal(t, "not_found", se.Code)
	require.NotNil(t, res, "the answer is lost")
	assert.Equal(t, r.resp, res)

	// A failure before any answer: no response.
	r.resp, r.err = nil, &Error{Kind: ErrUnavailable, Message: "connection refused"}
	res, err = NewClient(r).Passthrough(context.Background(), RawRequest{Path: []string{"x"}})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Nil(t, res)
}

func TestPassthroughContext(t *testing.T) {
	r := newRequester()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := NewClient(r).Passthrough(ctx, RawRequest{Path: []string{"x"}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, res)
	assert.Empty(t, r.got)
}

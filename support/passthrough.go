package support

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// RawRequest is a request of the caller's making, sent to the vendor by
// Client.Passthrough: for what the neutral API does not cover (respond.io's
// tags, Tidio's contact properties, TidySupport's knowledge base).
type RawRequest struct {
	// Method is the HTTP method: GET (the default when ""), HEAD, POST,
	// PUT, PATCH or DELETE.
	Method string
	// Path is the path below the adapter's base URL, one segment per
	// element, unescaped: each is escaped on its own, so a segment holding
	// "/" or "?" stays one segment. {"contact", "email:ann@example.com",
	// "tag"} is /contact/email:ann%40example.com/tag below respond.io's
	// base URL (…/v2).
	Path []string
	// Query is the query string.
	Query url.Values
	// Header holds extra request headers (Accept, say). Headers that carry
	// credentials or framing (Authorization, Cookie, Host, Content-Length,
	// and the adapter's own credential headers) are refused: the adapter
	// sets them.
	Header http.Header
	// Body is sent as it is, as application/json unless Header sets a
	// Content-Type; nil sends no body.
	Body []byte
	// Idempotent marks a POST or PATCH as safe to send again (a lookup sent
	// as POST, say), so that it is retried after a failure like GET, HEAD,
	// PUT and DELETE are. A POST or PATCH not marked is sent once.
	Idempotent bool
}

// RawResponse is the vendor's answer to a RawRequest.
type RawResponse struct {
	Status int
	Header http.Header
	// Body is the answer's body, read up to the adapter's body cap (a
	// longer one fails the call), with credentials redacted.
	Body []byte
}

// Retries reports whether r may be sent again after a failure: its method
// is idempotent (RFC 9110 §9.2.2) or it is marked Idempotent.
func (r RawRequest) Retries() bool {
	switch r.method() {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return r.Idempotent
}

func (r RawRequest) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(r.Method)
}

// refusedHeaders are the headers a RawRequest may not set: the adapter's to
// set. Adapters refuse their own credential headers as well.
var refusedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Host", "Content-Length", "Transfer-Encoding", "Connection"}

// Passthrough sends r to the vendor with the adapter's credentials, base
// URL, rate limiter, body cap, redaction and error decoding, and returns
// the answer: a 2xx one with a nil error, any other with the vendor's
// error, decoded as the adapter decodes its own calls' (an *Error with
// Status and the vendor's code and message), and the answer itself, so
// that the caller can read the body. A failure before any answer returns
// a nil response.
//
// The request is checked first (ErrInvalid): a known method, at least one
// path segment, no empty, "." or ".." segment, text without control
// characters, header names that are tokens and values without line
// breaks, no header the adapter sets. It is retried only when
// r.Retries().
func (c *Client) Passthrough(ctx context.Context, r RawRequest) (*RawResponse, error) {
	const op = OpPassthrough
	if err := c.checkRaw(op, &r); err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	resp, err := c.d.(Requester).Send(ctx, r)
	if err != nil {
		return resp, c.attr(op, err)
	}
	return resp, nil
}

// checkRaw validates r and sets its method in upper case.
func (c *Client) checkRaw(op Operation, r *RawRequest) error {
	r.Method = r.method()
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return c.fail(op, ErrInvalid, "passthrough: method %q is not one of GET, HEAD, POST, PUT, PATCH, DELETE", clip(r.Method))
	}
	if len(r.Path) == 0 {
		return c.fail(op, ErrInvalid, "passthrough: the path has no segment")
	}
	for i, seg := range r.Path {
		switch {
		case seg == "" || seg == "." || seg == "..":
			return c.fail(op, ErrInvalid, "passthrough: path segment %d is %q", i, seg)
		case !utf8ValidNoControl(seg):
			return c.fail(op, ErrInvalid, "passthrough: path segment %d %q is not valid text", i, clip(seg))
		}
	}
	for k, vs := range r.Query {
		for _, v := range append([]string{k}, vs...) {
			if !utf8ValidNoControl(v) {
				return c.fail(op, ErrInvalid, "passthrough: query %q is not valid text", clip(v))
			}
		}
	}
	for k, vs := range r.Header {
		if !headerName(k) {
			return c.fail(op, ErrInvalid, "passthrough: header name %q is not a token (RFC 9110 §5.1)", clip(k))
		}
		if slices.ContainsFunc(refusedHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			return c.fail(op, ErrInvalid, "passthrough: header %s is the adapter's to set", clip(k))
		}
		for _, v := range vs {
			if !headerValue(v) {
				return c.fail(op, ErrInvalid, "passthrough: header %s has a value that is not valid text (no control character but tab)", clip(k))
			}
		}
	}
	return nil
}

// headerName reports whether k is a field name, a token (RFC 9110 §5.6.2):
// net/http refuses any other only as it sends, with an error that cannot be
// told from a network failure.
func headerName(k string) bool {
	return k != "" && !strings.ContainsFunc(k, func(r rune) bool {
		return r <= ' ' || r > '~' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

// headerValue reports whether v is valid UTF-8 without control characters
// but tab: a line break would end the header (RFC 9110 §5.5).
func headerValue(v string) bool {
	return utf8.ValidString(v) && !strings.ContainsFunc(v, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f })
}

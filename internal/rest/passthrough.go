package rest

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge/support"
)

// Send is an adapter's passthrough (support.Requester): it sends r below
// the base URL with the client's credentials, rate limiter, body cap,
// redaction and error decoding, each path segment escaped on its own
// (Segments), retried only when r.Retries(). A header that looks like a
// credential (its name holds "auth", "key", "secret", "token", ...) or
// that the client sets from its Config.Header is refused with ErrInvalid:
// the caller cannot replace the adapter's credentials, nor send others.
//
// A 2xx answer comes back with a nil error; any other with the vendor's
// error (as Do returns it) and the answer, its headers and body redacted
// like every log and error.
func (c *Client) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	req := Request{Op: support.OpPassthrough, Method: strings.ToUpper(r.Method), Path: Segments(r.Path...),
		Query: r.Query, Header: r.Header, RawBody: r.Body, Idempotency: NotIdempotent}
	for k := range r.Header {
		if credentialHeader(k) || c.hdr.plain.Get(k) != "" && !strings.EqualFold(k, "Accept") {
			return nil, c.fail(req, &support.Error{Kind: support.ErrInvalid, Message: fmt.Sprintf("passthrough: header %.64q is the adapter's to set", k)})
		}
	}
	if r.Retries() {
		req.Idempotency = Idempotent
	}
	res, err := c.Do(ctx, req, nil)
	if res == nil {
		return nil, err
	}
	return &support.RawResponse{Status: res.Status, Header: c.red.header(res.Header), Body: c.red.bytes(res.Body)}, err
}

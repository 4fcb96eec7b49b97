package support

import (
	"context"
	"net/http"
	"sync/atomic"
)

// RequestCounts counts the requests that adapters send to a vendor on
// behalf of calls whose context carries it (WithRequestCounts): what the
// vendor sees, not what the caller asked for. A Client call may send
// several requests (a lookup before a create, the halves of a refused
// batch) and internal retries send a request again; both are counted here
// as they happen. The zero value is ready; it is safe for concurrent use.
type RequestCounts struct {
	reads, writes, retries atomic.Int64
}

// Reads is the number of first attempts of reading requests (GET, HEAD).
func (c *RequestCounts) Reads() int64 { return c.reads.Load() }

// Writes is the number of first attempts of writing requests (POST, PUT,
// PATCH, DELETE): each write is counted once, however often it is retried.
func (c *RequestCounts) Writes() int64 { return c.writes.Load() }

// Retries is the number of attempts after the first, of any request.
func (c *RequestCounts) Retries() int64 { return c.retries.Load() }

type countsKey struct{}

// WithRequestCounts returns a context whose calls count their requests in c.
func WithRequestCounts(ctx context.Context, c *RequestCounts) context.Context {
	return context.WithValue(ctx, countsKey{}, c)
}

// CountRequest records one attempt (from 1) of a request with the given
// HTTP method in the RequestCounts of ctx, if it has one. Drivers call it
// for every attempt they send (internal/rest does, for the HTTP adapters);
// a driver that sends no HTTP counts each primitive as the request it
// stands for.
func CountRequest(ctx context.Context, method string, attempt int) {
	c, _ := ctx.Value(countsKey{}).(*RequestCounts)
	switch {
	case c == nil:
	case attempt > 1:
		c.retries.Add(1)
	case method == http.MethodGet || method == http.MethodHead:
		c.reads.Add(1)
	default:
		c.writes.Add(1)
	}
}

package redislimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

// benchLimiters are the two limiters side by side: in this process, and on
// the test server (loopback).
func benchLimiters(b *testing.B) []struct {
	name string
	lim  support.RateLimiter
} {
	e := newEnv(b)
	return []struct {
		name string
		lim  support.RateLimiter
	}{
		{"local", redislimit.NewLocal()},
		{"redis", e.limiter(b, nil, redislimit.Config{})},
	}
}

// BenchmarkReserve is the cost of one Reserve, booked without waiting (the
// rate is far above what one goroutine asks for): in-process against one
// round trip to Redis on loopback.
func BenchmarkReserve(b *testing.B) {
	bucket := support.RateBucket{Vendor: "bench", Account: account, Limit: 1e9, Burst: 1}
	for _, l := range benchLimiters(b) {
		b.Run(l.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				r, err := l.lim.Reserve(ctx, bucket, time.Second)
				if err != nil || !r.OK {
					b.Fatal(r, err)
				}
			}
		})
	}
}

// BenchmarkCall is what the limiter adds to a whole request: a GET through
// internal/rest (every adapter's client) to a loopback server, paced by
// internal/rest's default in-process buckets (RateLimiter nil) against the
// Redis limiter.
func BenchmarkCall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c1"}`))
	}))
	defer srv.Close()
	for _, l := range benchLimiters(b) {
		if l.name == "local" {
			l.lim = nil // internal/rest's own in-process buckets: the adapters' default
		}
		b.Run(l.name, func(b *testing.B) {
			c, err := rest.New(rest.Config{Vendor: "bench", BaseURL: srv.URL, Account: account, RateLimit: 1e9, RateLimiter: l.lim})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			path := rest.Segments("contacts", "c1")
			b.ReportAllocs()
			for b.Loop() {
				var out struct{ ID string }
				if _, err := c.Do(ctx, rest.Request{Path: path}, &out); err != nil || out.ID == "" {
					b.Fatal(err)
				}
			}
		})
	}
}

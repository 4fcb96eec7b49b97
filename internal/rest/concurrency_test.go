package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

const goroutines = 50

// TestConcurrentRealServer is R6: 50 goroutines share one Client against a
// loopback server; every call gets its own answer (run with -race).
func TestConcurrentRealServer(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ N int }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(1+int(served.Add(1))%7))
		_ = json.NewEncoder(w).Encode(map[string]any{"n": in.N, "path": r.URL.EscapedPath()})
	}))
	defer srv.Close()
	var logs syncBuffer
	cfg := canaryConfig(&logs)
	cfg.BaseURL, cfg.HTTPClient = srv.URL, srv.Client()
	cfg.RemainingHeader, cfg.RateLimit, cfg.Burst = "X-RateLimit-Remaining", 1e6, 1000
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 10
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				n := g*calls + i
				id := fmt.Sprintf("id/%d", n)
				var out struct {
					N    int
					Path string
				}
				_, err := c.Do(t.Context(), Request{
					Method: "PUT", Path: Segments("contacts", id), Body: map[string]int{"n": n},
					Bucket: []string{"", "a", "b"}[n%3],
				}, &out)
				if err != nil || out.N != n || out.Path != "/contacts/"+escapeSegment(id) {
					t.Errorf("call %d: err %v, out %+v", n, err, out)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := served.Load(); got != goroutines*calls {
		t.Fatalf("served %d, want %d", got, goroutines*calls)
	}
	assertNoCanary(t, "logs", logs.String())
}

// TestConcurrentRetriesAndLimits: 50 goroutines share one Client whose
// vendor answers 429 and 503 now and then; retries, the budget, bucket
// pauses and limiters all run concurrently, and every goroutine ends.
func TestConcurrentRetriesAndLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{RateLimit: 20, Burst: 5, RetryBudget: 1000, RemainingHeader: "Remaining", RateWindow: time.Second}
		c, rt := newFake(t, cfg, func(n int, req *http.Request) (*http.Response, error) {
			switch {
			case n%11 == 3:
				return status(429, "", "Retry-After", "1")(req)
			case n%13 == 5:
				return status(503, "")(req)
			case n%17 == 7:
				return status(200, `{"ok":true}`, "Remaining", "0")(req)
			}
			return ok(`{"ok":true}`)(req)
		})
		const calls = 10
		var failures atomic.Int32
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					var out struct{ OK bool }
					_, err := c.Do(t.Context(), Request{Path: Segments("x", strconv.Itoa(i)), Bucket: strconv.Itoa(g % 4)}, &out)
					switch {
					case err == nil && out.OK:
					case errors.Is(err, support.ErrRateLimited), errors.Is(err, support.ErrUnavailable):
						failures.Add(1)
					default:
						t.Errorf("goroutine %d call %d: %v %+v", g, i, err, out)
					}
				}
			})
		}
		wg.Wait()
		if n := rt.count(); n < goroutines*calls || n > goroutines*calls*DefaultMaxAttempts {
			t.Fatalf("%d attempts for %d calls", n, goroutines*calls)
		}
		if f := failures.Load(); f > goroutines*calls/10 {
			t.Fatalf("%d of %d calls failed despite retries", f, goroutines*calls)
		}
	})
}

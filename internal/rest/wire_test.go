package rest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

// These tests check the "was it written?" signal against real sockets.
// Rand returns 0 so that backoff waits are zero: no test sleeps.

func zeroJitter() float64 { return 0 }

// TestWireRefusedIsRetried: a create to a port nobody listens on never
// reached the vendor, so it is retried, and fails without OutcomeUnknown.
func TestWireRefusedIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs syncBuffer
	cfg := canaryConfig(&logs)
	cfg.BaseURL, cfg.Rand, cfg.MaxAttempts = "http://"+addr, zeroJitter, 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), Request{Method: "POST", Path: Segments("contacts"), Body: map[string]string{"a": "b"}}, nil)
	e := asError(t, err)
	if !errors.Is(err, support.ErrUnavailable) || e.OutcomeUnknown {
		t.Fatalf("err %v unknown=%v", err, e.OutcomeUnknown)
	}
	if n := strings.Count(logs.String(), `"msg":"rest: attempt"`); n != 3 {
		t.Fatalf("%d attempts logged, want 3", n)
	}
}

// dropFirst serves h, except that the first request is read in full and its
// connection closed without a response: committed, then lost.
func dropFirst(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestWireLostResponse: when the connection drops after the request was
// sent, a create comes back OutcomeUnknown without a resend, while a GET
// is retried.
func TestWireLostResponse(t *testing.T) {
	for _, tc := range []struct {
		method       string
		wantRequests int32
	}{{"POST", 1}, {"PATCH", 1}, {"GET", 2}, {"PUT", 2}} {
		srv, n := dropFirst(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"id":"1"}`)) })
		c, err := New(Config{Vendor: "v", BaseURL: srv.URL, HTTPClient: srv.Client(), Rand: zeroJitter})
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if tc.method != "GET" {
			body = map[string]string{"a": "b"}
		}
		_, err = c.Do(t.Context(), Request{Method: tc.method, Path: Segments("contacts"), Body: body}, nil)
		if got := n.Load(); got != tc.wantRequests {
			t.Errorf("%s: vendor got %d requests, want %d", tc.method, got, tc.wantRequests)
		}
		if tc.wantRequests == 1 {
			var e *support.Error
			if !errors.As(err, &e) || !e.OutcomeUnknown || !errors.Is(err, support.ErrUnavailable) {
				t.Errorf("%s: err %v, want ErrUnavailable + OutcomeUnknown", tc.method, err)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.method, err)
		}
	}
}

// TestWireRetriedBodyIdentical: the retried request carries the very same
// bytes, checked on the server side.
func TestWireRetriedBodyIdentical(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, err := New(Config{Vendor: "v", BaseURL: srv.URL, HTTPClient: srv.Client(), Rand: zeroJitter})
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"name": "Ada", "tags": []string{"b", "a"}, "n": 1.5, "html": "<&>"}
	if _, err := c.Do(t.Context(), Request{Method: "PUT", Path: Segments("contacts", "1"), Body: body}, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 || bodies[0] != bodies[1] || bodies[1] != bodies[2] || bodies[0] == "" {
		t.Fatalf("bodies %q", bodies)
	}
}

// TestWireTruncatedBody: a chunked body cut off by the server is an error,
// not a short success: a GET is retried, a create is OutcomeUnknown.
func TestWireTruncatedBody(t *testing.T) {
	for _, tc := range []struct {
		method   string
		requests int32
	}{{"GET", 2}, {"POST", 1}} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if n.Add(1) > 1 {
				_, _ = w.Write([]byte(`{"id":"1"}`))
				return
			}
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n")
			_ = buf.Flush()
			conn.Close()
		}))
		c, err := New(Config{Vendor: "v", BaseURL: srv.URL, HTTPClient: srv.Client(), Rand: zeroJitter})
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if tc.method == "POST" {
			body = map[string]string{}
		}
		var out struct{ ID string }
		_, err = c.Do(t.Context(), Request{Method: tc.method, Path: Segments("c"), Body: body}, &out)
		if got := n.Load(); got != tc.requests {
			t.Errorf("%s: %d requests, want %d", tc.method, got, tc.requests)
		}
		if tc.method == "GET" && (err != nil || out.ID != "1") {
			t.Errorf("GET: err %v out %+v", err, out)
		}
		if tc.method == "POST" {
			var e *support.Error
			if !errors.As(err, &e) || !e.OutcomeUnknown || e.Status != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("POST: %v", err)
			}
		}
		srv.Close()
	}
}

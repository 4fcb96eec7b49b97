package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

// endless writes a JSON-looking body until the client goes away.
func endless(w http.ResponseWriter, _ *http.Request) {
	chunk := []byte(strings.Repeat(`{"a":1},`, 4096))
	_, _ = w.Write([]byte("["))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

func newServerClient(t *testing.T, h http.HandlerFunc, cfg Config) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	cfg.HTTPClient = srv.Client()
	if cfg.Vendor == "" {
		cfg.Vendor = "v"
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEndlessBodyDefaultCap is S4: an endless body fails with ErrBodyTooLarge
// at the default 10 MiB cap, with memory bounded by the cap: the call
// returns at all, having allocated less than twice the cap.
func TestEndlessBodyDefaultCap(t *testing.T) {
	c := newServerClient(t, endless, Config{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var out []any
	_, err := c.Do(t.Context(), Request{Path: Segments("x")}, &out)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err %v", err)
	}
	e := asError(t, err)
	if e.Status != 200 || !strings.Contains(err.Error(), "size limit") || out != nil {
		t.Fatalf("%+v, out has %d items", e, len(out))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*DefaultMaxBodyBytes {
		t.Fatalf("allocated %d bytes reading a body capped at %d", alloc, DefaultMaxBodyBytes)
	}
}

func TestBodyCap(t *testing.T) {
	const limit = 1024
	body := func(n int) string { return `"` + strings.Repeat("x", n-2) + `"` }
	cases := []struct {
		name    string
		handler http.HandlerFunc
		tooBig  bool
	}{
		{"endless, chunked", endless, true},
		{"declared length over the cap", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(limit+1))
			_, _ = w.Write([]byte(body(limit + 1)))
		}, true},
		{"chunked, one byte over", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush() // no Content-Length: chunked
			_, _ = w.Write([]byte(body(limit + 1)))
		}, true},
		{"exactly the cap, declared", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(body(limit)))
		}, false},
		{"exactly the cap, chunked", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(body(limit)))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newServerClient(t, tc.handler, Config{MaxBodyBytes: limit})
			var out string
			res, err := c.Do(t.Context(), Request{Path: Segments("x")}, &out)
			if tc.tooBig {
				if !errors.Is(err, ErrBodyTooLarge) {
					t.Fatalf("err %v", err)
				}
				if res != nil && len(res.Body) > limit {
					t.Fatalf("kept %d bytes", len(res.Body))
				}
				return
			}
			if err != nil || len(out) != limit-2 {
				t.Fatalf("err %v, len %d", err, len(out))
			}
		})
	}
}

// TestOversizedErrorBody: an error body over the cap is cut, and the status
// still decides the error.
func TestOversizedErrorBody(t *testing.T) {
	c := newServerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(strings.Repeat("e", 5000)))
	}, Config{MaxBodyBytes: 100})
	res, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
	if !errors.Is(err, support.ErrNotFound) || res == nil || len(res.Body) != 100 {
		t.Fatalf("err %v, res %+v", err, res)
	}
}

// TestMalformedJSON: a 2xx with malformed JSON is a *support.Error with the
// decoding error as cause, never a panic; for a create it is marked
// outcome-unknown, since the create took effect.
func TestMalformedJSON(t *testing.T) {
	for _, body := range []string{`{"id":`, `not json`, `{"id": 12}`, "\x00\xff", `[1,2]`} {
		c := newServerClient(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(body))
		}, Config{})
		var out struct{ ID string }
		res, err := c.Do(t.Context(), Request{Method: "POST", Path: Segments("contacts"), Body: map[string]string{}}, &out)
		e := asError(t, err)
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if e.Status != 201 || !(errors.As(err, &se) || errors.As(err, &te)) || !e.OutcomeUnknown || res == nil || string(res.Body) != body {
			t.Errorf("body %q: %v", body, err)
		}
	}
}

// TestEmptyBodies: 204, an empty 200 and HEAD decode nothing and succeed.
func TestEmptyBodies(t *testing.T) {
	c := newServerClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/head":
			w.Header().Set("Content-Length", "1234")
		}
	}, Config{})
	for _, r := range []Request{
		{Method: "DELETE", Path: Segments("nocontent")},
		{Path: Segments("empty")},
		{Method: "HEAD", Path: Segments("head")},
	} {
		out := struct{ ID string }{"kept"}
		res, err := c.Do(t.Context(), r, &out)
		if err != nil || len(res.Body) != 0 || out.ID != "kept" {
			t.Errorf("%s %s: err %v, res %+v", r.Method, r.Path, err, res)
		}
	}
}

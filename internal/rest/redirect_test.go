package rest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

func TestNewValidatesBaseURL(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"https://api.tidio.example", true},
		{"https://api.respond.example/v2", true},
		{"https://api.respond.example/v2/", true},
		{"HTTPS://API.EXAMPLE", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.1.2.3", true},
		{"http://[::1]:9000/api", true},
		{"http://localhost", true},
		{"http://LocalHost:3000", true},
		{"http://api.example", false},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1.nip.example", false},
		{"http://0.0.0.0", false},
		{"http://[::2]", false},
		{"http://10.0.0.1", false},
		{"ws://127.0.0.1", false},
		{"ftp://api.example", false},
		{"api.example", false},
		{"//api.example", false},
		{"", false},
		{"https://", false},
		{"https://user:pw@api.example", false},
		{"https://api.example?x=1", false},
		{"https://api.example?", false},
		{"https://api.example#f", false},
		{"https://api.example/%zz", false},
		{"http://127.0.0.1:8080\n", false},
	}
	for _, tc := range cases {
		c, err := New(Config{Vendor: "v", BaseURL: tc.url})
		if tc.ok {
			if err != nil {
				t.Errorf("New(%q): %v", tc.url, err)
			} else if c.BaseURL() != strings.TrimRight(tc.url, "/") {
				t.Errorf("BaseURL() = %q", c.BaseURL())
			}
			continue
		}
		var e *support.Error
		if !errors.As(err, &e) || !errors.Is(err, support.ErrInvalid) || e.Vendor != "v" {
			t.Errorf("New(%q): %v, want a support.ErrInvalid", tc.url, err)
		}
	}
}

// recorder is a server that counts requests and the credential headers they
// carried.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	hits  int
	creds []string
}

func newRecorder(tls bool) *recorder {
	r := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits++
		r.creds = append(r.creds, req.Header.Get("Authorization"), req.Header.Get("X-Api-Key"))
		r.mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	if tls {
		r.Server = httptest.NewTLSServer(h)
	} else {
		r.Server = httptest.NewServer(h)
	}
	return r
}

func (r *recorder) seen() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits, append([]string(nil), r.creds...)
}

func redirector(tls bool, to func(*http.Request) string, code int) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/landing" {
			_, _ = w.Write([]byte(`{"landed":"` + req.Header.Get("X-Api-Key") + `"}`))
			return
		}
		http.Redirect(w, req, to(req), code)
	})
	if tls {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func credHeader() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer tok")
	h.Set("X-Api-Key", "key")
	return h
}

// TestRedirectToOtherHostRefused is S2: a redirect to another host (here
// another port of the loopback address) is refused before it is sent, so
// the other host receives nothing, credentials least of all.
func TestRedirectToOtherHostRefused(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		other := newRecorder(false)
		defer other.Close()
		a := redirector(false, func(*http.Request) string { return other.URL + "/steal" }, code)
		defer a.Close()
		c, err := New(Config{Vendor: "v", BaseURL: a.URL, Header: credHeader(), HTTPClient: a.Client()})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"GET", "POST"} {
			var body any
			if m == "POST" {
				body = map[string]int{"a": 1}
			}
			_, err := c.Do(t.Context(), Request{Method: m, Path: Segments("x"), Body: body}, nil)
			if !errors.Is(err, ErrRedirectRefused) {
				t.Errorf("%d %s: err %v, want ErrRedirectRefused", code, m, err)
			}
			if e := (*support.Error)(nil); !errors.As(err, &e) || e.Status != code || e.OutcomeUnknown {
				t.Errorf("%d %s: %#v", code, m, err)
			}
		}
		if hits, creds := other.seen(); hits != 0 {
			t.Errorf("%d: other host got %d requests, credentials %q", code, hits, creds)
		}
	}
}

// TestRedirectHTTPSToHTTPRefused: https may not be downgraded to http, on the
// same host or another one.
func TestRedirectHTTPSToHTTPRefused(t *testing.T) {
	plain := newRecorder(false)
	defer plain.Close()
	var tlsURL string
	targets := map[string]func(*http.Request) string{
		"other host": func(*http.Request) string { return plain.URL + "/x" },
		"same host":  func(*http.Request) string { return "http://" + strings.TrimPrefix(tlsURL, "https://") + "/landing" },
	}
	for name, to := range targets {
		a := redirector(true, to, http.StatusFound)
		tlsURL = a.URL
		c, err := New(Config{Vendor: "v", BaseURL: a.URL, Header: credHeader(), HTTPClient: a.Client()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(t.Context(), Request{Path: Segments("x")}, nil)
		if !errors.Is(err, ErrRedirectRefused) {
			t.Errorf("%s: err %v", name, err)
		}
		a.Close()
	}
	if hits, _ := plain.seen(); hits != 0 {
		t.Errorf("http host got %d requests", hits)
	}
}

// TestSameHostRedirectFollowed: a redirect within the host is followed, with
// the credentials, and the caller's http.Client is left untouched.
func TestSameHostRedirectFollowed(t *testing.T) {
	for _, tls := range []bool{false, true} {
		a := redirector(tls, func(*http.Request) string { return "/landing" }, http.StatusMovedPermanently)
		hc := a.Client()
		c, err := New(Config{Vendor: "v", BaseURL: a.URL, Header: credHeader(), HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Landed string }
		if _, err := c.Do(t.Context(), Request{Path: Segments("old")}, &out); err != nil || out.Landed != "key" {
			t.Errorf("tls=%v: err %v, out %+v", tls, err, out)
		}
		if hc.CheckRedirect != nil {
			t.Errorf("the caller's http.Client was mutated")
		}
		a.Close()
	}
}

// TestRedirectLoopStops: a same-host loop ends after 10 redirects.
func TestRedirectLoopStops(t *testing.T) {
	a := redirector(false, func(r *http.Request) string { return r.URL.Path + "x" }, http.StatusFound)
	defer a.Close()
	c, err := New(Config{Vendor: "v", BaseURL: a.URL, HTTPClient: a.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); !errors.Is(err, ErrRedirectRefused) {
		t.Fatalf("err %v", err)
	}
}

package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

func TestSegmentsString(t *testing.T) {
	cases := []struct {
		segs []string
		want string
	}{
		{[]string{"contacts", "a/b"}, "/contacts/a%2Fb"},
		{[]string{"contacts", ".."}, "/contacts/%2E%2E"},
		{[]string{"contacts", "."}, "/contacts/%2E"},
		{[]string{"contacts", "..."}, "/contacts/..."},
		{[]string{"contact", "email:a+b@x.com"}, "/contact/email:a+b@x.com"},
		{[]string{"c", "a b?c#d%e"}, "/c/a%20b%3Fc%23d%25e"},
		{[]string{"c", "é"}, "/c/%C3%A9"},
		{[]string{"c", "a;b,c=d&e$f!g*h'i(j)k"}, "/c/a%3Bb%2Cc%3Dd%26e%24f%21g%2Ah%27i%28j%29k"},
		{[]string{"c", "%2F"}, "/c/%252F"},
		{[]string{"c", "phone:+6012345678"}, "/c/phone:+6012345678"},
		{nil, ""},
	}
	for _, tc := range cases {
		if got := Segments(tc.segs...).String(); got != tc.want {
			t.Errorf("Segments(%q) = %q, want %q", tc.segs, got, tc.want)
		}
	}
}

// identifiers that try to bend a path.
var hostileIDs = []string{
	"plain", "a/b", "../admin", "..", ".", "...", "a/../../b", "?x=1", "#frag", "%", "%2F", "%2e%2e",
	"a b", " ", "+", "email:ada+x@example.com", "phone:+60123", "@", ":", "é", "日本語", "😀",
	"a\\b", "\x00", "\n", "\r\n", "\t", "\xff\xfe", "a;b", "a,b", "a=b&c", "*", "~", "'\"<>", "[::1]", "//evil.example",
}

// TestSegmentsReachServerIntact is S3: through a real loopback server, the
// vendor sees exactly the intended segments for every hostile identifier.
func TestSegmentsReachServerIntact(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var segs []string
		for _, s := range strings.Split(r.URL.EscapedPath(), "/") {
			u, err := url.PathUnescape(s)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			segs = append(segs, strconv.Quote(u)) // JSON would mangle invalid UTF-8
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"segs": segs, "raw": r.RequestURI})
	}))
	defer srv.Close()
	c, err := New(Config{Vendor: "t", BaseURL: srv.URL + "/v2", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range hostileIDs {
		var got struct {
			Segs []string
			Raw  string
		}
		if _, err := c.Do(t.Context(), Request{Path: Segments("contacts", id, "notes")}, &got); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		want := []string{"", "v2", "contacts", id, "notes"}
		for i, q := range got.Segs {
			if got.Segs[i], err = strconv.Unquote(q); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got.Segs, want) {
			t.Errorf("id %q: server saw segments %q (request %q), want %q", id, got.Segs, got.Raw, want)
		}
	}
	// respond.io identifiers keep ':', '@' and '+' literal on the wire.
	var got struct{ Raw string }
	if _, err := c.Do(t.Context(), Request{Path: Segments("contact", "email:ada+x@example.com")}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Raw != "/v2/contact/email:ada+x@example.com" {
		t.Errorf("request URI %q", got.Raw)
	}
}

// TestGetWithBodyRefused: resty drops a GET body silently, so it is refused.
func TestGetWithBodyRefused(t *testing.T) {
	c, rt := newFake(t, Config{}, seq(ok(`{}`)))
	for _, m := range []string{"", "GET", "HEAD", "OPTIONS"} {
		_, err := c.Do(t.Context(), Request{Method: m, Path: Segments("contacts"), Body: map[string]string{}}, nil)
		if !errors.Is(err, support.ErrInvalid) || rt.count() != 0 {
			t.Fatalf("%q: err %v, requests %d", m, err, rt.count())
		}
	}
}

// TestEmptySegmentRefused: an empty identifier would address the collection
// ("DELETE /contacts/"), so it is refused before any request.
func TestEmptySegmentRefused(t *testing.T) {
	c, rt := newFake(t, Config{}, seq(ok(`{}`)))
	_, err := c.Do(t.Context(), Request{Method: "DELETE", Path: Segments("contacts", "")}, nil)
	if !errors.Is(err, support.ErrInvalid) || rt.count() != 0 {
		t.Fatalf("err %v, requests %d", err, rt.count())
	}
}

func FuzzSegments(f *testing.F) {
	for _, s := range hostileIDs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		esc := escapeSegment(id)
		if strings.ContainsAny(esc, "/?#") {
			t.Fatalf("escaped %q as %q: contains a delimiter", id, esc)
		}
		if esc == "." || esc == ".." {
			t.Fatalf("escaped %q as a dot-segment", id)
		}
		back, err := url.PathUnescape(esc)
		if err != nil || back != id {
			t.Fatalf("escaped %q as %q, unescapes to %q (%v)", id, esc, back, err)
		}
		// net/url keeps the escaping as it is, so no client re-escapes it.
		p := Segments("c", id).String()
		u, err := url.Parse("https://api.example" + p)
		if err != nil || u.EscapedPath() != p {
			t.Fatalf("url.Parse changed %q to %q (%v)", p, u.EscapedPath(), err)
		}
	})
}

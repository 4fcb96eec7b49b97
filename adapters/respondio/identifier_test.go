package respondio_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
)

// S3: whatever an email holds (slashes, "?", "#", "%", "+", "&", unicode),
// the identifier reaches respond.io as exactly one path segment, and
// finds its contact. IDs that are not numbers never leave the client.
func TestHostileIdentifiersStayOneSegment(t *testing.T) {
	s := respondiotest.New(respondiotest.Options{})
	var mu sync.Mutex
	var paths []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c := newClient(t, respondio.Config{Token: respondiotest.Token, BaseURL: hs.URL + "/v2", RateLimit: -1})

	hostile := []string{
		"a/b@example.com", "q?x@example.com", "h#x@example.com", "p%2Fq@example.com", "%@example.com",
		"a+b@example.com", "a&b=c@example.com", "ü@example.com", "x@exa/mple.com", "-@example.com",
	}
	for _, email := range hostile {
		want := seed(t, s, respondiotest.Contact{FirstName: "Odd", Email: email})
		mu.Lock()
		paths = nil
		mu.Unlock()
		got, err := c.GetContact(t.Context(), support.Email(email))
		if err != nil {
			t.Errorf("GetContact(%q): %v", email, err)
			continue
		}
		if got.ID != itoa(want.ID) || got.Email != email {
			t.Errorf("GetContact(%q) found %s %q, want %d", email, got.ID, got.Email, want.ID)
		}
		mu.Lock()
		sent := paths
		mu.Unlock()
		if len(sent) != 1 {
			t.Fatalf("GetContact(%q) sent %d requests", email, len(sent))
		}
		segs := strings.Split(strings.TrimPrefix(sent[0], "/"), "/")
		if len(segs) != 3 || segs[0] != "v2" || segs[1] != "contact" {
			t.Errorf("GetContact(%q) sent path %s: %d segments, want v2/contact/<identifier>", email, sent[0], len(segs))
			continue
		}
		if seg, err := url.PathUnescape(segs[2]); err != nil || seg != "email:"+email {
			t.Errorf("GetContact(%q) sent segment %q, which decodes to %q", email, segs[2], seg)
		}
	}

	mu.Lock()
	paths = nil
	mu.Unlock()
	for _, id := range []string{"1/2", "..", ".", "1?x=1", "-1", "0", "+1", "abc", "1 2", "٣"} {
		_, err := c.GetContact(t.Context(), support.ID(id))
		wantKind(t, "GetContact(id:"+id+")", err, support.ErrInvalid)
		_, err = c.GetConversation(t.Context(), id)
		wantKind(t, "GetConversation("+id+")", err, support.ErrInvalid)
	}
	if len(paths) != 0 {
		t.Errorf("IDs that are not numbers sent requests: %q", paths)
	}
}

// Phones are normalized to E.164 before use, and a phone without its
// country code is refused before any request.
func TestPhoneIdentifiers(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	want := seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Grace", Phone: "+14155550100"})
	for _, p := range []string{"+1 (415) 555-0100", "+1.415.555.0100", "001 415 555 0100"} {
		got, err := c.GetContact(t.Context(), support.Phone(p))
		if err != nil || got.ID != itoa(want.ID) {
			t.Errorf("GetContact(phone %q) = %v, %v", p, got, err)
		}
	}
	noRequest(t, srv, "a phone without country code", func() error {
		_, err := c.GetContact(t.Context(), support.Phone("(415) 555-0100"))
		return err
	})
	noRequest(t, srv, "creating with a phone without country code", func() error {
		_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "Grace", Phone: "415 555 0100"})
		return err
	})
}

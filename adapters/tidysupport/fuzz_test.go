package tidysupport

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/support"
)

// S5: every decoder of TidySupport JSON, the error hook and the path
// building have fuzz targets. Their seeds are the fixtures under testdata
// (the seed document's examples and the documented shapes) plus the corpus
// under testdata/fuzz. Run one with, for instance:
//
//	go test ./adapters/tidysupport -run '^$' -fuzz FuzzDecodeContactPage -fuzztime 30s

// addFixtures adds every JSON file under testdata/seed, testdata/vendor
// and testdata/docs as a seed.
func addFixtures(f *testing.F) {
	f.Helper()
	for _, dir := range []string{"seed", "vendor", "docs"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil || len(files) == 0 {
			f.Fatalf("no fixtures in testdata/%s: %v", dir, err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{"", "null", "[]", "{}", `{"contact":null}`, `{"items":null}`, `{"customers":{}}`, `{"customer":null}`, `{"customer":{"id":"ctc_1","metadata":{"a":[1]}}}`, `"x"`, "{"} {
		f.Add([]byte(s))
	}
}

// checkRaw checks what every decoded read model promises.
func checkRaw(t *testing.T, what string, raw json.RawMessage, times ...time.Time) {
	t.Helper()
	if !json.Valid(raw) {
		t.Errorf("%s: Raw is not valid JSON: %q", what, raw)
	}
	for _, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %v not in UTC", what, tm)
		}
	}
}

func FuzzDecodeContact(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeContact(body)
		if err != nil {
			return
		}
		if c.ID == "" {
			t.Error("decoded a contact without ID")
		}
		checkRaw(t, "contact", c.Raw, c.CreatedAt)
	})
}

func FuzzDecodeLookup(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeLookup(body)
		if err != nil || c == nil {
			return
		}
		if c.ID == "" {
			t.Error("decoded a customer without ID")
		}
		checkRaw(t, "customer", c.Raw, c.CreatedAt)
		if _, err := decodeCustomer(body); err != nil {
			t.Errorf("decodeLookup read a customer that decodeCustomer refuses: %v", err)
		}
	})
}

func FuzzDecodeContactPage(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, inbox := range []bool{false, true} {
			p, err := decodeContactPage(body, inbox)
			if err != nil {
				continue
			}
			for _, c := range p.Items {
				if c.ID == "" {
					t.Error("decoded a contact without ID")
				}
				checkRaw(t, "contact "+c.ID, c.Raw, c.CreatedAt)
			}
			for _, ws := range p.Workspaces {
				if ws == "" {
					t.Error("an empty workspace ID was reported")
				}
			}
		}
	})
}

func FuzzDecodeSearch(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		results, err := decodeSearch(body)
		if err != nil {
			return
		}
		for _, r := range results {
			if r.ID == "" {
				t.Error("a search result without ID")
			}
		}
	})
}

func FuzzDecodeConversationPage(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeConversationPage(body)
		if err != nil {
			return
		}
		for _, c := range p.Items {
			if c.ID == "" {
				t.Error("decoded a conversation without ID")
			}
			if c.Assignee != nil && c.Assignee.ID == "" {
				t.Error("an assignee without ID")
			}
			checkRaw(t, "conversation "+c.ID, c.Raw, c.CreatedAt, c.UpdatedAt)
		}
	})
}

func FuzzDecodeCreatedConversation(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeCreatedConversation(body, "subject")
		if err != nil {
			return
		}
		if c.ID == "" || c.ContactID == "" || c.Status != support.StatusOpen {
			t.Errorf("created conversation %+v", c)
		}
		checkRaw(t, "conversation", c.Raw)
	})
}

func FuzzDecodeMessagePage(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeMessagePage(body, "thd_1")
		if err != nil {
			return
		}
		for _, m := range p.Items {
			if m.ID == "" || m.ConversationID == "" {
				t.Errorf("message %+v without ID or conversation", m)
			}
			checkRaw(t, "message "+m.ID, m.Raw, m.CreatedAt)
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	addFixtures(f)
	f.Add([]byte(`{"statusCode":400,"error":"Bad Request","message":["email must be an email","name too long"]}`))
	f.Add([]byte(`{"statusCode":"400","error":{"x":1},"message":7}`))
	f.Add([]byte("<html>502 Bad Gateway</html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		info := decodeError(400, nil, body)
		for _, s := range []string{info.Code, info.Message} {
			if len(s) > maxMessage+len("…") || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("unsafe text %q", s)
			}
		}
	})
}

// FuzzInboxPath: a workspace ID that New accepts and any contact ID reach
// the vendor as exactly their own path segments (S3).
func FuzzInboxPath(f *testing.F) {
	for _, s := range [][2]string{
		{"wrk_abc123", "ctc_B7OSYsnTUVwBPOGrgYTjvSGS"}, {"wrk/../x", "../../customers"}, {"..", "."},
		{"wrk?a=b#c", "x?y=1#z"}, {"wrk%2F", "100%"}, {"wörk", "ünï/cødé"}, {"w", "a b\tc"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ws, id string) {
		if checkWorkspace(ws) != nil || support.ID(id).Validate() != nil {
			return
		}
		c := &Driver{workspace: ws}
		p := c.inbox("contacts", id).String()
		if strings.ContainsAny(p, "?# ") {
			t.Fatalf("path %q holds a raw ?, # or space", p)
		}
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		want := []string{"v1", "workspaces", ws, "support", "inbox", "contacts", id}
		if len(segs) != len(want) {
			t.Fatalf("path %q has %d segments, want %d", p, len(segs), len(want))
		}
		for i, s := range segs {
			if s == "." || s == ".." {
				t.Fatalf("path %q has a dot segment", p)
			}
			u, err := pathUnescape(s)
			if err != nil || u != want[i] {
				t.Fatalf("segment %d of %q is %q (%v), want %q", i, p, u, err, want[i])
			}
		}
	})
}

// pathUnescape undoes path escaping as a server does.
func pathUnescape(s string) (string, error) { return url.PathUnescape(s) }

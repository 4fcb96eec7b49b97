package respondio

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// S5: every decoder of respond.io JSON, and the identifier handling, is
// fuzzed; none may panic. Seeds are here and under testdata/fuzz.

func FuzzContact(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"firstName":"Ada","email":"ada@example.com","status":"open","assignee":{"id":2},"custom_fields":[{"name":"a","value":1}],"created_at":1767323045}`,
		`{"id":"2","customFields":[{"name":"a","value":"b"}],"assignee":"x@example.com","created":"2026-01-02T03:04:05Z"}`,
		`{"id":3,"tags":null,"custom_fields":[{"name":"","value":null}],"created_at":1767323045123}`,
		`{"id":null}`, `[]`, `{"id":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wireContact
		if json.Unmarshal(data, &w) != nil {
			return
		}
		c, err := w.contact(support.OpGetContact)
		if err == nil {
			if n, perr := strconv.ParseInt(c.ID, 10, 64); perr != nil || n < 1 {
				t.Errorf("contact ID %q is not a positive number", c.ID)
			}
			if !c.CreatedAt.IsZero() && c.CreatedAt.Location().String() != "UTC" {
				t.Errorf("CreatedAt %v not in UTC", c.CreatedAt)
			}
		}
		conv, ok, err := w.conversation(support.OpGetConversation)
		if err == nil && ok && conv.ID != conv.ContactID {
			t.Errorf("conversation %q of contact %q", conv.ID, conv.ContactID)
		}
	})
}

func FuzzPage(f *testing.F) {
	for _, s := range []string{
		`{"items":[{"id":1}],"pagination":{"next":"https://api.respond.io/v2/contact/list?limit=10&cursorId=20","previous":""}}`,
		`{"items":[],"pagination":{"cursorId":5,"hasMore":true}}`,
		`{"items":null,"pagination":{"next":"http://[::1]:80/x?cursorId=9&cursorId=8"}}`,
		`{"pagination":{"next":"?cursorId=%20"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p wirePage[wireContact]
		if json.Unmarshal(data, &p) != nil {
			return
		}
		next, err := p.Pagination.nextCursor(support.OpListContacts)
		if err == nil && next != "" {
			if _, perr := strconv.ParseUint(next, 10, 63); perr != nil {
				t.Errorf("next cursor %q is not a number", next)
			}
			// A cursor given back is accepted as it is.
			q, qerr := pageQuery(support.OpListContacts, support.ListOptions{Cursor: next})
			if qerr != nil || q.Get("cursorId") != next {
				t.Errorf("cursor %q not accepted back: %v", next, qerr)
			}
		}
		if p.Items != nil {
			for i := range *p.Items {
				(*p.Items)[i].contact(support.OpListContacts)
			}
		}
	})
}

func FuzzMessage(f *testing.F) {
	for _, s := range []string{
		`{"messageId":1,"contactId":2,"traffic":"incoming","message":{"type":"text","text":"hi"},"status":[{"value":"sent","timestamp":1}]}`,
		`{"messageId":"3","traffic":"outgoing","message":{"type":"attachment","attachment":{"type":"image","url":"u"}},"sender":{"source":"user","userId":4},"status":"sent","timestamp":"2026-01-02T03:04:05Z"}`,
		`{"messageId":5,"message":{"attachments":[{"url":"a"}]},"sender":null,"status":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wireMessage
		if json.Unmarshal(data, &w) != nil {
			return
		}
		m, err := w.message(support.OpListMessages)
		if err == nil && m.ID == "" {
			t.Error("a message without ID")
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	for _, s := range []string{
		`{"code":404,"message":"Contact not found"}`, `{"message":"x","status":429}`, `{"code":"E1"}`,
		`{"code":1e999,"message":1}`, `not json`, ``,
	} {
		f.Add(400, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		info := decodeError(status, nil, body)
		for _, s := range []string{info.Code, info.Message} {
			if len(s) > maxMessage+len("…") {
				t.Errorf("%d bytes kept, more than the cap", len(s))
			}
		}
		if !utf8.ValidString(info.Message) && utf8.Valid(body) {
			t.Errorf("message %q is not valid UTF-8", info.Message)
		}
	})
}

// FuzzIdentifier: any Ref that validates becomes a respond.io identifier
// that is exactly one path segment and reads back unchanged (S3).
func FuzzIdentifier(f *testing.F) {
	for _, s := range []string{
		"id:42", "id:007", "id:../1", "email:a/b@example.com", "email:q?x#y@example.com", "email:%2e%2e@example.com",
		"phone:+44 20 7946 0958", "phone:0044 20 7946 0958", "phone:020 7946 0958", "email:ü@bücher.de", "id:", ":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := support.ParseRef(s)
		if err != nil {
			return
		}
		ident, err := identifier(support.OpGetContact, ref)
		if err != nil {
			if ref.Kind() != support.RefID {
				t.Errorf("a valid %s Ref %q has no identifier: %v", ref.Kind(), s, err)
			}
			return
		}
		path := rest.Segments("contact", ident).String()
		segs := strings.Split(path, "/")
		if len(segs) != 3 || segs[0] != "" || segs[1] != "contact" {
			t.Fatalf("identifier %q makes path %q", ident, path)
		}
		if got, err := url.PathUnescape(segs[2]); err != nil || got != ident {
			t.Errorf("segment %q reads back as %q, want %q", segs[2], got, ident)
		}
		if !strings.HasPrefix(ident, string(ref.Kind())+":") {
			t.Errorf("identifier %q of a %s Ref", ident, ref.Kind())
		}
	})
}

func FuzzPageQuery(f *testing.F) {
	f.Add("", 0)
	f.Add("20", 10)
	f.Add("-1", 1000)
	f.Add("9223372036854775808", -1)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		q, err := pageQuery(support.OpListContacts, support.ListOptions{Cursor: cursor, Limit: limit})
		if err != nil {
			return
		}
		if l := q.Get("limit"); l != "" {
			if n, _ := strconv.Atoi(l); n < 1 || n > MaxPageSize {
				t.Errorf("limit %s sent", l)
			}
		}
		if c := q.Get("cursorId"); c != cursor {
			t.Errorf("cursor %q sent as %q", cursor, c)
		}
	})
}

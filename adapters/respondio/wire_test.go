package respondio

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return v
}

// respond.io's shapes [S R-SDK] and the seed profile's [AE] both read.
func TestContactShapes(t *testing.T) {
	const op = support.OpGetContact
	sdk := decode[wireContact](t, `{"id":42,"firstName":"Ada","lastName":null,"email":"ada@example.com",
		"phone":"+442079460958","language":"EN","countryCode":"gb","status":"close","tags":["vip"],
		"custom_fields":[{"name":"plan","value":"gold"},{"name":"seats","value":3},{"name":"trial","value":false},{"name":"gone","value":null}],
		"assignee":{"id":7,"firstName":"Sam","lastName":"Rivera","email":"sam@example.com"},"created_at":1767323045}`)
	c, err := sdk.contact(op)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "42" || c.LastName != "" || c.Language != "en" || c.Country != "GB" || len(c.CustomFields) != 3 ||
		c.CustomFields["seats"] != "3" || c.CustomFields["trial"] != "false" || !c.CreatedAt.Equal(time.Unix(1767323045, 0)) ||
		c.CreatedAt.Location() != time.UTC || !json.Valid(c.Raw) {
		t.Errorf("SDK contact: %+v", c)
	}
	conv, ok, err := sdk.conversation(op)
	if err != nil || !ok || conv.Status != support.StatusClosed || conv.Assignee == nil || conv.Assignee.ID != "7" {
		t.Errorf("SDK conversation: %+v %v %v", conv, ok, err)
	}

	ae := decode[wireContact](t, `{"id":"43","firstName":"Grace","customFields":[{"name":"plan","value":"silver"}],
		"assignee":"agent@example.com","created":"2026-01-02T03:04:05+01:00","status":"snoozed"}`)
	c, err = ae.contact(op)
	if err != nil || c.ID != "43" || c.CustomFields["plan"] != "silver" || !c.CreatedAt.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Errorf("seed-shaped contact: %+v, %v", c, err)
	}
	conv, ok, _ = ae.conversation(op)
	if !ok || conv.Status != support.StatusOpen || conv.Assignee == nil || conv.Assignee.Email != "agent@example.com" || conv.Assignee.ID != "" {
		t.Errorf("seed-shaped conversation: %+v", conv)
	}

	none := decode[wireContact](t, `{"id":44,"firstName":"Alan"}`)
	if _, ok, _ := none.conversation(op); ok {
		t.Error("a contact without status has a conversation")
	}
	for _, bad := range []string{`{"firstName":"NoID"}`, `{"id":0}`, `{"id":null}`} {
		w := decode[wireContact](t, bad)
		if _, err := w.contact(op); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	for _, bad := range []string{`{"id":-1}`, `{"id":1.5}`, `{"id":"x"}`, `{"id":1,"created_at":-3}`, `{"id":1,"tags":"vip"}`} {
		var w wireContact
		if json.Unmarshal([]byte(bad), &w) == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	for in, want := range map[string]support.ConversationStatus{
		"open": support.StatusOpen, "close": support.StatusClosed, "closed": support.StatusClosed, "done": support.StatusClosed,
		"snoozed": support.StatusOpen, "unsnoozed": support.StatusOpen, "OPEN": support.StatusOpen,
	} {
		if got, ok := conversationStatus(in); !ok || got != want {
			t.Errorf("status %q → %q, want %q", in, got, want)
		}
	}
}

func TestTimes(t *testing.T) {
	for in, want := range map[string]time.Time{
		`1767323045`:             time.Unix(1767323045, 0),
		`1767323045123`:          time.UnixMilli(1767323045123),
		`"2026-01-02T03:04:05Z"`: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		`null`:                   {},
		`""`:                     {},
	} {
		var ft flexTime
		if err := json.Unmarshal([]byte(in), &ft); err != nil || !ft.Equal(want) || (!ft.IsZero() && ft.Location() != time.UTC) {
			t.Errorf("%s → %v, %v; want %v", in, ft.Time, err, want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `-1`, `1e300`, `true`} {
		var ft flexTime
		if json.Unmarshal([]byte(bad), &ft) == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestNextCursor(t *testing.T) {
	const op = support.OpListContacts
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{`{"next":"https://api.respond.io/v2/contact/list?limit=10&cursorId=20","previous":""}`, "20", false},
		{`{"next":"/v2/contact/id:1/message/list?cursorId=7","previous":"x"}`, "7", false},
		{`{"next":"","previous":"https://api.respond.io/v2/contact/list?limit=10"}`, "", false},
		{`{}`, "", false},
		{`{"cursorId":31,"hasMore":true}`, "31", false},
		{`{"cursorId":31,"hasMore":false}`, "", false},
		{`{"cursorId":null,"hasMore":true}`, "", true},
		{`{"next":"https://api.respond.io/v2/contact/list?limit=10"}`, "", true},
		{`{"next":"https://api.respond.io/v2/contact/list?cursorId=-4"}`, "", true},
		{`{"next":"%zz"}`, "", true},
	} {
		p := decode[wirePagination](t, tc.in)
		got, err := p.nextCursor(op)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s → %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestMessageShapes(t *testing.T) {
	const op = support.OpListMessages
	for _, tc := range []struct {
		in     string
		author support.AuthorKind
		dir    support.Direction
		text   string
		atts   int
		at     int64
	}{
		{`{"messageId":1,"contactId":5,"traffic":"incoming","message":{"type":"text","text":"hi"}}`, support.AuthorContact, support.Inbound, "hi", 0, 0},
		{`{"messageId":2,"contactId":5,"traffic":"outgoing","message":{"type":"text","text":"yo"},"sender":{"source":"user","userId":3},
			"status":[{"value":"read","timestamp":1767323100},{"value":"sent","timestamp":1767323045}]}`, support.AuthorAgent, support.Outbound, "yo", 0, 1767323045},
		{`{"messageId":3,"traffic":"outgoing","message":{"type":"attachment","attachment":{"type":"image","url":"https://x/a.png"}},"sender":{"source":"workflow"}}`, support.AuthorBot, support.Outbound, "", 1, 0},
		{`{"messageId":4,"traffic":"outgoing","message":{"type":"email","text":"b","attachments":[{"type":"file","url":"https://x/f","fileName":"f.pdf"}]},"sender":{"source":"broadcast"}}`, support.AuthorSystem, support.Outbound, "b", 1, 0},
		{`{"messageId":5,"traffic":"outgoing","message":{"type":"quick_reply","title":"Pick one","replies":["a"]},"timestamp":1767323045,"status":"sent"}`, support.AuthorAgent, support.Outbound, "Pick one", 0, 1767323045},
	} {
		w := decode[wireMessage](t, tc.in)
		m, err := w.message(op)
		if err != nil || m.AuthorKind != tc.author || m.Direction != tc.dir || m.Text != tc.text || len(m.Attachments) != tc.atts ||
			(tc.at != 0 && !m.CreatedAt.Equal(time.Unix(tc.at, 0))) || !json.Valid(m.Raw) {
			t.Errorf("%s → %+v, %v", tc.in, m, err)
		}
	}
	w := decode[wireMessage](t, `{"traffic":"incoming"}`)
	if _, err := w.message(op); err == nil {
		t.Error("a message without messageId decoded")
	}
}

func TestDecodeError(t *testing.T) {
	long := strings.Repeat("é", 400)
	for _, tc := range []struct {
		body, code, msg string
	}{
		{`{"code":404,"message":"Contact not found"}`, "404", "Contact not found"},
		{`{"message":"Too many requests","status":429}`, "", "Too many requests"},
		{`{"code":"invalid_identifier","message":"Bad"}`, "invalid_identifier", "Bad"},
		{`{"code":4.5,"message":{"nested":true}}`, "4.5", ""},
		{`<html>Bad gateway</html>`, "", ""},
		{``, "", ""},
		{`{"message":"` + long + `"}`, "", long[:500] + "…"},
	} {
		got := decodeError(400, nil, []byte(tc.body))
		if got.Code != tc.code || got.Message != tc.msg || got.Kind != nil {
			t.Errorf("%.40s → %+v, want code %q message %.20q", tc.body, got, tc.code, tc.msg)
		}
	}
}

package tidio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status       int
		body         string
		code, msg    string
		kind         error
		kindFromCode bool
	}{
		{"429 [D T-rl]", 429, `{"errors":[{"code":"too_many_requests","message":"You have reached the limit of allowed attempts"}]}`,
			"too_many_requests", "You have reached the limit of allowed attempts", support.ErrRateLimited, true},
		{"400 bad cursor", 400, `{"errors":[{"code":"invalid_cursor","message":"Invalid cursor"}]}`, "invalid_cursor", "Invalid cursor", nil, false},
		{"422 several", 422, `{"errors":[{"code":"validation_error","message":"contacts.1.email: bad"},{"code":"validation_error","message":"contacts.4.phone: long"}]}`,
			"validation_error", "contacts.1.email: bad; contacts.4.phone: long", nil, false},
		{"404 [3P]", 404, `{"errors":[{"code":"not_found","message":"Contact not found"}]}`, "not_found", "Contact not found", support.ErrNotFound, true},
		{"not_found code on a 400", 400, `{"errors":[{"code":"not_found","message":"Operator not found"}]}`, "not_found", "Operator not found", support.ErrNotFound, true},
		{"401 top-level message [3P]", 401, `{"errors":[{"message":"invalid credentials"}]}`, "", "invalid credentials", nil, false},
		{"bare message", 403, `{"message":"plan does not include OpenAPI"}`, "", "plan does not include OpenAPI", nil, false},
		{"number code", 500, `{"errors":[{"code":500,"message":"boom"}]}`, "500", "boom", nil, false},
		{"HTML", 502, `<html>Bad Gateway</html>`, "", "", nil, false},
		{"empty", 503, ``, "", "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := decodeError(tc.status, http.Header{}, []byte(tc.body))
			if info.Code != tc.code || info.Message != tc.msg {
				t.Errorf("got code %q message %q, want %q %q", info.Code, info.Message, tc.code, tc.msg)
			}
			if tc.kindFromCode && info.Kind != tc.kind || !tc.kindFromCode && info.Kind != nil {
				t.Errorf("kind %v, want %v", info.Kind, tc.kind)
			}
		})
	}
	long := `{"errors":[` + strings.Repeat(`{"code":"validation_error","message":"contacts.99.properties.0.name: Property \"x\" does not exist."},`, 200) + `{}]}`
	if info := decodeError(422, nil, []byte(long)); len(info.Message) > maxMessage+len("…") {
		t.Errorf("message of %d bytes kept", len(info.Message))
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`"a"`: "a", `null`: "", `42`: "42", `-1.5e3`: "-1.5e3", `true`: "true", `"10001"`: "10001",
	} {
		var got text
		if err := json.Unmarshal([]byte(in), &got); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`{}`, `[]`, `"unterminated`, `01x`} {
		var got text
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: decoded as %q, want an error", in, got)
		}
	}
}

func TestULIDTime(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := ulidTime("01KDYAK348000000000000000A"); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("ulidTime = %v, want %v", got, want)
	}
	for _, s := range []string{"", "01KDYAK348", "81KDYAK348000000000000000A", "01KDYAK34800000000000000UU", "not-a-ulid-at-all-26-chars"} {
		if got := ulidTime(s); !got.IsZero() {
			t.Errorf("ulidTime(%q) = %v, want zero", s, got)
		}
	}
}

func TestDecodeTicketAssignee(t *testing.T) {
	const general = "d-general"
	for _, tc := range []struct {
		body string
		want *support.Assignee
	}{
		{`{"id":1,"assigned_operator_id":"op","assigned_department_id":"d-sales"}`, &support.Assignee{Kind: support.KindAgent, ID: "op"}},
		{`{"id":1,"assigned_operator_id":null,"assigned_department_id":"d-sales"}`, &support.Assignee{Kind: support.KindTeam, ID: "d-sales"}},
		{`{"id":1,"assigned_operator_id":null,"assigned_department_id":"d-general"}`, nil},
		{`{"id":1}`, nil},
	} {
		c, _, err := decodeTicket([]byte(tc.body), general)
		if err != nil {
			t.Fatal(err)
		}
		if (c.Assignee == nil) != (tc.want == nil) || c.Assignee != nil && *c.Assignee != *tc.want {
			t.Errorf("%s: assignee %+v, want %+v", tc.body, c.Assignee, tc.want)
		}
	}
	// The AE reading: "content" instead of "message_content".
	_, msgs, err := decodeTicket([]byte(`{"id":"7","status":"solved","messages":[{"message_id":"m","author_type":"bot","content":"hi","attachments":["https://x/y/file.pdf?sig=1"]}]}`), "")
	if err != nil || len(msgs) != 1 || msgs[0].Text != "hi" || msgs[0].AuthorKind != support.AuthorBot ||
		len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Name != "file.pdf" {
		t.Errorf("messages %+v, %v", msgs, err)
	}
}

func TestCheckTicketID(t *testing.T) {
	for _, ok := range []string{"1", "10001", "9223372036854775807"} {
		if err := checkTicketID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0", "-1", "01", "1.5", "1/2", "..", "9223372036854775808", " 1", "١"} {
		if err := checkTicketID(bad); !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", bad, err)
		}
	}
}

// Fuzz targets (S5): the decoders of Tidio's JSON never panic, and what
// they accept is well formed. Seeds are in testdata/fuzz.

func FuzzDecodeError(f *testing.F) {
	f.Add(429, []byte(`{"errors":[{"code":"too_many_requests","message":"You have reached the limit of allowed attempts"}]}`))
	f.Add(401, []byte(`{"errors":[{"message":"invalid credentials"}]}`))
	f.Add(500, []byte(`{"message":5}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		info := decodeError(status, nil, body)
		if len(info.Message) > maxMessage+len("…") || len(info.Code) > 100+len("…") {
			t.Errorf("message of %d bytes, code of %d", len(info.Message), len(info.Code))
		}
		if utf8.ValidString(string(body)) && (!utf8.ValidString(info.Message) || !utf8.ValidString(info.Code)) {
			t.Errorf("clipping broke UTF-8: %q %q", info.Code, info.Message)
		}
	})
}

func FuzzDecodeContactPage(f *testing.F) {
	f.Add([]byte(`{"contacts":[{"id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","distinct_id":"ext_123456","first_name":"Alice","email":"alice@example.com","created_at":"2025-09-06T10:30:00+00:00","properties":[{"name":"company","value":"Acme Corp"},{"name":"n","value":42}]}],"meta":{"cursor":"aWRfX2U2YTgyYTc0","limit":100}}`))
	f.Add([]byte(`{"contacts":[],"meta":{"cursor":null,"limit":100}}`))
	f.Add([]byte(`{"contacts":[{"id":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := decodePage(body, "contacts", decodeContact)
		if err != nil {
			return
		}
		for _, c := range page.Items {
			if c.ID == "" || !json.Valid(c.Raw) {
				t.Errorf("accepted a contact with ID %q, Raw %q", c.ID, c.Raw)
			}
			if !c.CreatedAt.IsZero() && c.CreatedAt.Location() != time.UTC {
				t.Errorf("CreatedAt %v not in UTC", c.CreatedAt)
			}
		}
		if page.Next == "null" {
			t.Error("the cursor \"null\" was kept as a next page")
		}
	})
}

func FuzzDecodeContact(f *testing.F) {
	f.Add([]byte(`{"id":"a1","distinct_id":null,"first_name":null,"email":"bob@example.com","messenger_id":null,"created_at":"2025-09-05T09:20:00+00:00","email_consent":"unsubscribed","properties":[]}`))
	f.Add([]byte(`{"id":5,"properties":[{"name":null,"value":true}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeContact(body)
		if err == nil && (c.ID == "" || !json.Valid(c.Raw)) {
			t.Errorf("accepted ID %q, Raw %q", c.ID, c.Raw)
		}
	})
}

func FuzzDecodeTicket(f *testing.F) {
	f.Add([]byte(`{"id":10009,"link":"https://www.tidio.com/panel/inbox/tickets/10009","subject":"Unable to process payment","contact_id":"27206142-57a3-40c0-8c76-707cdf05cd32","contact_email":"customer@example.com","priority":"urgent","status":"open","assigned_operator_id":null,"assigned_department_id":"535eb95e-107c-440a-8720-53649368a26a","messages":[{"message_id":"01K4JT3B8KST23PAS1H20AF2HR","created_at":"2025-09-07T10:30:00+00:00","author_type":"contact","author_id":"3b367d4a","message_type":"public","message_content":"Dear support team","attachments":[]}]}`))
	f.Add([]byte(`{"id":"x","messages":[null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, msgs, err := decodeTicket(body, "535eb95e-107c-440a-8720-53649368a26a")
		if err != nil {
			return
		}
		if c.ID == "" || !json.Valid(c.Raw) {
			t.Errorf("accepted ticket ID %q", c.ID)
		}
		for _, m := range msgs {
			if !json.Valid(m.Raw) || m.ConversationID != c.ID {
				t.Errorf("message %+v", m)
			}
		}
		needsDefaultDept(body)
	})
}

func FuzzDecodeBatchCreated(f *testing.F) {
	f.Add([]byte(`{"contacts":[{"id":"a"},{"id":"b"}]}`))
	f.Add([]byte(`{"ids":["a",2]}`))
	f.Add([]byte(`{"data":[{"id":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireBatchCreated
		if json.Unmarshal(body, &w) == nil {
			_ = w.ids()
		}
	})
}

func FuzzULIDTime(f *testing.F) {
	f.Add("01KDYAK348000000000000000A")
	f.Add("7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
	f.Fuzz(func(t *testing.T, s string) {
		if tm := ulidTime(s); !tm.IsZero() && (len(s) != 26 || tm.Location() != time.UTC) {
			t.Errorf("ulidTime(%q) = %v", s, tm)
		}
	})
}

func FuzzTicketID(f *testing.F) {
	f.Add("10001")
	f.Add("../contacts")
	f.Fuzz(func(t *testing.T, id string) {
		if checkTicketID(id) != nil {
			return
		}
		if p := ticketPath(id).String(); p != "/tickets/"+id || strings.Count(p, "/") != 2 {
			t.Errorf("accepted %q, path %q", id, p)
		}
	})
}

func FuzzDecodeAgents(f *testing.F) {
	f.Add([]byte(`{"operators":[{"id":"fe7df646","active":true,"email":"a@example.com","name":null,"role":"admin","picture":null,"last_seen":null}],"meta":{"cursor":null,"limit":100}}`))
	f.Add([]byte(`{"departments":[{"id":"535eb95e","name":"General"},{"id":"436401bc","name":"Sales"}]}`))
	f.Add([]byte(`{"operators":[{"id":""}],"departments":[{"name":1}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if page, err := decodePage(body, "operators", decodeOperator); err == nil {
			for _, a := range page.Items {
				if a.ID == "" || a.Kind != support.KindAgent || !json.Valid(a.Raw) {
					t.Errorf("accepted operator %+v", a)
				}
			}
		}
		if teams, err := decodePage(body, "departments", decodeDepartment); err == nil {
			for _, a := range teams.Items {
				if a.ID == "" || a.Kind != support.KindTeam || !json.Valid(a.Raw) {
					t.Errorf("accepted department %+v", a)
				}
			}
		}
	})
}

func FuzzAgentCursor(f *testing.F) {
	f.Add("")
	f.Add("operators:aWRfX2U2YTgy")
	f.Add("departments")
	f.Add("operators:")
	f.Fuzz(func(t *testing.T, cur string) {
		kind, tidio, ok := parseAgentCursor(cur)
		if !ok {
			return
		}
		switch kind {
		case departmentsCursor:
			if cur != departmentsCursor || tidio != "" {
				t.Errorf("%q parsed as departments, %q", cur, tidio)
			}
		case operatorsCursor:
			if cur != "" && cur != operatorsCursor+tidio || cur != "" && tidio == "" {
				t.Errorf("%q parsed as operators at %q", cur, tidio)
			}
		default:
			t.Errorf("%q parsed as %q", cur, kind)
		}
	})
}

func FuzzDecodePropertyPage(f *testing.F) {
	f.Add([]byte(`{"properties":[{"name":"company","label":"Company","type":"text"},{"name":"seats","label":"Seats","type":"NUMBER"}],"meta":{"cursor":"aWRfX2NvbXBhbnk=","limit":100}}`))
	f.Add([]byte(`{"properties":[],"meta":{"cursor":null,"limit":100}}`))
	f.Add([]byte(`{"data":[{"name":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := decodePage(body, "properties", decodePropertyDef)
		if err != nil {
			return
		}
		if page.Items == nil || page.Next == "null" {
			t.Errorf("accepted defs %v, next %q", page.Items, page.Next)
		}
		for _, p := range page.Items {
			if typ := string(p.Type); typ != strings.ToLower(typ) {
				t.Errorf("definition %q of type %q", p.Name, typ)
			}
		}
	})
}

func TestDecodePropertyPage(t *testing.T) {
	page, err := decodePage([]byte(`{"properties":[{"name":"company","label":"Company","type":"text"},{"name":"seats","type":"Number"},{"name":null,"type":"url"}],"meta":{"cursor":"YWJj","limit":25}}`),
		"properties", decodePropertyDef)
	require.NoError(t, err)
	assert.Equal(t, "YWJj", page.Next)
	assert.Equal(t, []support.FieldDefinition{
		{Name: "company", Label: "Company", Type: "text", Raw: json.RawMessage(`{"name":"company","label":"Company","type":"text"}`)},
		{Name: "seats", Type: "number", Raw: json.RawMessage(`{"name":"seats","type":"Number"}`)},
		{Type: "url", Raw: json.RawMessage(`{"name":null,"type":"url"}`)},
	}, page.Items)
	// Without the list, the body is not a project without properties:
	// taking it for one would drop every custom field.
	for _, body := range []string{`{"data":[]}`, `{"properties":null}`, `[]`, `null`, ``, `{"properties":{}}`} {
		_, err := decodePage([]byte(body), "properties", decodePropertyDef)
		assert.Error(t, err, "%s accepted", body)
	}
}

// TestPropertyCheck is the decision table of what is sent: undefined
// properties never, values of a typed property only when some validator
// could accept them; when the definitions cannot be known, everything.
func TestPropertyCheck(t *testing.T) {
	defs := &propertyDefs{types: map[string]string{
		"plan": "text", "seats": "number", "backup": "email", "site": "url", "mobile": "phone", "odd": "colour",
	}}
	for _, tc := range []struct {
		name  string
		value *string
		defs  *propertyDefs
		sent  bool
	}{
		{"plan", support.Ptr("anything at all"), defs, true},
		{"plan", support.Ptr(""), defs, true},
		{"missing", support.Ptr("x"), defs, false},
		{"missing", nil, defs, false},           // clearing it is as undefined
		{"Plan", support.Ptr("x"), defs, false}, // names are exact
		{"seats", support.Ptr("12"), defs, true},
		{"seats", support.Ptr(" -1.5e3 "), defs, true},
		{"seats", support.Ptr("1e400"), defs, true}, // out of range, still a number: Tidio decides
		{"seats", support.Ptr("NaN"), defs, true},   // Tidio decides
		{"seats", support.Ptr("twelve"), defs, false},
		{"seats", support.Ptr("1,5"), defs, false},
		{"seats", support.Ptr(""), defs, false},
		{"seats", nil, defs, true}, // clears it
		{"backup", support.Ptr("ops@example.com"), defs, true},
		{"backup", support.Ptr("ops@localhost"), defs, true}, // Tidio decides
		{"backup", support.Ptr("ops.example.com"), defs, false},
		{"backup", support.Ptr("ops@"), defs, false},
		{"backup", support.Ptr("@example.com"), defs, false},
		{"backup", support.Ptr("o ps@example.com"), defs, false},
		{"site", support.Ptr("https://example.com/a"), defs, true},
		{"site", support.Ptr("example.com"), defs, true}, // Tidio decides
		{"site", support.Ptr("see our site"), defs, false},
		{"site", support.Ptr(""), defs, false},
		{"mobile", support.Ptr("call me"), defs, true}, // phones are free text
		{"odd", support.Ptr("x"), defs, true},
		{"missing", support.Ptr("x"), &propertyDefs{}, true}, // definitions not served
		{"missing", support.Ptr("x"), nil, true},             // not read: no custom field needed them
	} {
		if msg := tc.defs.check(tc.name, tc.value); (msg == "") != tc.sent {
			v := "<nil>"
			if tc.value != nil {
				v = *tc.value
			}
			t.Errorf("check(%q, %q) = %q, want sent %v", tc.name, v, msg, tc.sent)
		}
	}
	if msg := defs.check("seats", support.Ptr("x")); msg != "not a valid number, which Tidio's property of type number requires; not stored" {
		t.Errorf("message %q", msg)
	}
}

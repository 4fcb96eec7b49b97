package tidiotest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return v
}

// errorCodes returns the codes and messages of a Tidio error body, checking
// its shape.
func (r response) errors(t *testing.T) (codes, messages []string) {
	t.Helper()
	var body struct {
		Errors []struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("status %d body %q is not Tidio's error shape (%v)", r.status, r.body, err)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	for _, e := range body.Errors {
		if e.Code == nil || e.Message == nil {
			t.Fatalf("error item without code or message: %s", r.body)
		}
		codes, messages = append(codes, *e.Code), append(messages, *e.Message)
	}
	return codes, messages
}

// auth sets the credentials and Accept header Tidio wants.
func auth(h http.Header) {
	h.Set("X-Tidio-Openapi-Client-Id", tidiotest.ClientID)
	h.Set("X-Tidio-Openapi-Client-Secret", tidiotest.ClientSecret)
	h.Set("Accept", "application/json; version=1")
}

// call sends a request with the right headers, changed by edit if given.
func call(t *testing.T, srv *tidiotest.Server, method, path, body string, edit ...func(http.Header)) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	auth(req.Header)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, e := range edit {
		e(req.Header)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

func newSim(t *testing.T, opts tidiotest.Options) *tidiotest.Server {
	t.Helper()
	srv := tidiotest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthAndAccept(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	for _, tc := range []struct {
		name   string
		edit   func(http.Header)
		status int
		code   string
	}{
		{"good", func(http.Header) {}, 200, ""},
		{"no client id", func(h http.Header) { h.Del("X-Tidio-Openapi-Client-Id") }, 401, "unauthorized"},
		{"no secret", func(h http.Header) { h.Del("X-Tidio-Openapi-Client-Secret") }, 401, "unauthorized"},
		{"wrong secret", func(h http.Header) { h.Set("X-Tidio-Openapi-Client-Secret", "cs_wrong") }, 401, "unauthorized"},
		{"bearer instead", func(h http.Header) {
			h.Del("X-Tidio-Openapi-Client-Id")
			h.Set("Authorization", "Bearer "+tidiotest.ClientSecret)
		}, 401, "unauthorized"},
		{"no Accept", func(h http.Header) { h.Del("Accept") }, 406, "not_acceptable"},
		{"Accept without version", func(h http.Header) { h.Set("Accept", "application/json") }, 406, "not_acceptable"},
		{"Accept version 2", func(h http.Header) { h.Set("Accept", "application/json; version=2") }, 406, "not_acceptable"},
		{"Accept list", func(h http.Header) { h.Set("Accept", "text/html, application/json;version=1") }, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, srv, "GET", "/contacts", "", tc.edit)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code != "" {
				if codes, _ := r.errors(t); codes[0] != tc.code {
					t.Errorf("code %q, want %q", codes[0], tc.code)
				}
			}
		})
	}
	other := newSim(t, tidiotest.Options{ClientID: "ci_other", ClientSecret: "cs_other"})
	if r := call(t, other, "GET", "/contacts", ""); r.status != 401 {
		t.Errorf("default credentials on a simulator with others: %d", r.status)
	}
}

func TestErrorShapes(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/nope", "", 404, "not_found"},
		{"GET", "/contacts/unknown", "", 404, "not_found"},
		{"PUT", "/contacts", `{}`, 405, "method_not_allowed"},
		{"POST", "/tickets/1", `{}`, 405, "method_not_allowed"},
		{"POST", "/contacts", `{"email":`, 400, "bad_request"},
		{"POST", "/contacts", ``, 400, "bad_request"},
		{"POST", "/contacts", `{"first_name":5}`, 422, "validation_error"},
		{"GET", "/contacts?cursor=garbage", "", 400, "invalid_cursor"},
		{"GET", "/tickets/abc", "", 404, "not_found"},
	} {
		r := call(t, srv, tc.method, tc.path, tc.body)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, r.status, tc.status, r.body)
			continue
		}
		if codes, _ := r.errors(t); codes[0] != tc.code {
			t.Errorf("%s %s: code %q, want %q", tc.method, tc.path, codes[0], tc.code)
		}
		if tc.status == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
}

func TestContacts(t *testing.T) {
	srv := newSim(t, tidiotest.Options{PageSize: 3})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "seats", Type: "number"})

	// No dedup: the same body twice is two contacts [D T-post].
	body := `{"email":"Ada@Example.com","first_name":"Ada","distinct_id":"crm-1","properties":[{"name":"plan","value":"pro"},{"name":"seats","value":3}]}`
	var ids []string
	for range 2 {
		r := call(t, srv, "POST", "/contacts", body)
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		ids = append(ids, r.json(t)["id"].(string))
	}
	if ids[0] == ids[1] || len(srv.ContactsByEmail("ada@example.com")) != 2 {
		t.Fatalf("ids %v, contacts %+v", ids, srv.Contacts())
	}
	got := call(t, srv, "GET", "/contacts/"+ids[0], "")
	var c map[string]any
	if err := json.Unmarshal(got.body, &c); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"first_name": "Ada", "last_name": nil, "email": "Ada@Example.com", "distinct_id": "crm-1",
		"messenger_id": nil, "instagram_id": nil, "created_at": "2026-01-02T03:04:05+00:00", "email_consent": "unsubscribed",
	} {
		if !reflect.DeepEqual(c[k], want) {
			t.Errorf("contact %s = %#v, want %#v", k, c[k], want)
		}
	}
	if props := fmt.Sprint(c["properties"]); props != "[map[name:plan value:pro] map[name:seats value:3]]" {
		t.Errorf("properties %s", props)
	}

	// Validation: every problem named, nothing stored.
	for _, tc := range []struct{ body, field string }{
		{`{}`, "At least one of"},
		{`{"first_name":"   "}`, ""},
		{`{"email":"not-an-email"}`, "email:"},
		{`{"first_name":"` + strings.Repeat("x", 128) + `"}`, "first_name:"},
		{`{"phone":"` + strings.Repeat("1", 156) + `"}`, "phone:"},
		{`{"email":"a@b.co","distinct_id":"` + strings.Repeat("d", 56) + `"}`, "distinct_id:"},
		{`{"email":"a@b.co","properties":[{"name":"undefined","value":"x"}]}`, "properties.0.name:"},
		{`{"email":"a@b.co","properties":[{"name":"seats","value":"many"}]}`, "properties.0.value:"},
		{`{"email":"a@b.co","properties":[{"name":"plan","value":"` + strings.Repeat("v", 1001) + `"}]}`, "properties.0.value:"},
		{`{"email":"a@b.co","email_consent":"maybe"}`, "email_consent:"},
	} {
		r := call(t, srv, "POST", "/contacts", tc.body)
		if tc.field == "" {
			if r.status != 201 {
				t.Errorf("%s: %d", tc.body, r.status)
			}
			continue
		}
		if r.status != 422 {
			t.Errorf("%.60s: status %d, want 422", tc.body, r.status)
			continue
		}
		if _, msgs := r.errors(t); !strings.Contains(strings.Join(msgs, "|"), tc.field) {
			t.Errorf("%.60s: messages %v do not name %s", tc.body, msgs, tc.field)
		}
	}

	// PATCH: absent untouched, null clears, distinct_id cannot be cleared.
	id := ids[0]
	if r := call(t, srv, "PATCH", "/contacts/"+id, `{"last_name":"King","first_name":null,"properties":[{"name":"plan","value":null}]}`); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	after, _ := srv.Contact(id)
	if after.FirstName != "" || after.LastName != "King" || after.Email != "Ada@Example.com" || after.DistinctID != "crm-1" ||
		!reflect.DeepEqual(after.Properties, []tidiotest.Property{{Name: "seats", Value: "3"}}) {
		t.Errorf("after patch %+v", after)
	}
	if r := call(t, srv, "PATCH", "/contacts/"+id, `{"distinct_id":null}`); r.status != 422 {
		t.Errorf("clearing distinct_id: %d", r.status)
	}
	if r := call(t, srv, "PATCH", "/contacts/"+id, `{"email":"bad"}`); r.status != 422 {
		t.Errorf("patching a bad email: %d", r.status)
	}
	if unchanged, _ := srv.Contact(id); !reflect.DeepEqual(unchanged, after) {
		t.Errorf("a refused patch changed the contact: %+v", unchanged)
	}
	if r := call(t, srv, "PATCH", "/contacts/0f0f0f0f-0000-4000-8000-000000000000", `{"last_name":"X"}`); r.status != 404 {
		t.Errorf("patching an unknown contact: %d", r.status)
	}
	if r := call(t, srv, "DELETE", "/contacts/"+id, ""); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := call(t, srv, "DELETE", "/contacts/"+id, ""); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}
}

// listAll follows meta.cursor from path and returns the IDs and the number
// of pages.
func listAll(t *testing.T, srv *tidiotest.Server, path, key string) ([]string, int) {
	t.Helper()
	var ids []string
	cursor, pages := "", 0
	for {
		p := path
		if cursor != "" {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			p += sep + "cursor=" + cursor
		}
		r := call(t, srv, "GET", p, "")
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		var page struct {
			Items []struct {
				ID any `json:"id"`
			}
			Meta struct {
				Cursor *string `json:"cursor"`
				Limit  int     `json:"limit"`
			} `json:"meta"`
		}
		raw := map[string]json.RawMessage{}
		_ = json.Unmarshal(r.body, &raw)
		_ = json.Unmarshal(raw[key], &page.Items)
		_ = json.Unmarshal(r.body, &page)
		pages++
		for _, it := range page.Items {
			ids = append(ids, fmt.Sprint(it.ID))
		}
		if page.Meta.Cursor == nil {
			return ids, pages
		}
		cursor = *page.Meta.Cursor
	}
}

func TestPaging(t *testing.T) {
	srv := newSim(t, tidiotest.Options{PageSize: 3})
	var want, wantAda []string
	for i := range 8 {
		email := fmt.Sprintf("p%d@example.com", i)
		if i%3 == 0 {
			email = "ADA@example.com"
		}
		c := srv.SeedContact(tidiotest.Contact{Email: email})
		want = append(want, c.ID)
		if i%3 == 0 {
			wantAda = append(wantAda, c.ID)
		}
	}
	got, pages := listAll(t, srv, "/contacts", "contacts")
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("listed %v in %d pages, want %v in 3", got, pages, want)
	}
	got, _ = listAll(t, srv, "/contacts?email=ada@EXAMPLE.com", "contacts")
	if !slices.Equal(got, wantAda) {
		t.Errorf("email filter: %v, want %v", got, wantAda)
	}
	first := call(t, srv, "GET", "/contacts?cursor=null", "")
	if meta := first.json(t)["meta"].(map[string]any); meta["limit"] != 3.0 || meta["cursor"] == nil {
		t.Errorf("cursor=null is the first page: meta %v", meta)
	}
	c, _ := base64.StdEncoding.DecodeString(first.json(t)["meta"].(map[string]any)["cursor"].(string))
	if !strings.HasPrefix(string(c), "id__") {
		t.Errorf("cursor decodes to %q, want Tidio's id__<uuid>", c)
	}
	if r := call(t, srv, "GET", "/contacts?email=not-an-email", ""); r.status != 422 {
		t.Errorf("bad email filter: %d", r.status)
	}
}

// TestContactProperties: GET /contact-properties lists the definitions
// {name, label, type} in pages with Tidio's cursor [S MCP-T, AE], and
// deleting or retyping a definition changes what contacts may set.
func TestContactProperties(t *testing.T) {
	srv := newSim(t, tidiotest.Options{PageSize: 2})
	if r := call(t, srv, "GET", "/contact-properties", ""); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"properties":[],"meta":{"cursor":null,"limit":2}}` {
		t.Errorf("no properties: %d %s", r.status, r.body)
	}
	var want []tidiotest.PropertyDef
	for i, typ := range []string{"", "number", "email", "url", "phone"} {
		want = append(want, srv.SeedProperty(tidiotest.PropertyDef{Name: fmt.Sprintf("p%d", i), Type: typ}))
	}
	if want[0].Type != "text" || want[0].Label != "p0" {
		t.Errorf("SeedProperty defaults: %+v", want[0])
	}
	var got []tidiotest.PropertyDef
	cursor, pages := "", 0
	for {
		path := "/contact-properties"
		if cursor != "" {
			path += "?cursor=" + cursor
		}
		r := call(t, srv, "GET", path, "")
		var page struct {
			Properties []tidiotest.PropertyDef `json:"properties"`
			Meta       struct {
				Cursor *string `json:"cursor"`
				Limit  int     `json:"limit"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(r.body, &page); r.status != 200 || err != nil || page.Meta.Limit != 2 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		got = append(got, page.Properties...)
		pages++
		if page.Meta.Cursor == nil {
			break
		}
		cursor = *page.Meta.Cursor
	}
	if !reflect.DeepEqual(got, want) || pages != 3 {
		t.Errorf("listed %+v in %d pages, want %+v in 3", got, pages, want)
	}
	if r := call(t, srv, "GET", "/contact-properties?cursor=bm9wZQ", ""); r.status != 400 {
		t.Errorf("bad cursor: %d %s", r.status, r.body)
	}

	if !srv.DeleteProperty("p0") || srv.DeleteProperty("p0") {
		t.Error("DeleteProperty does not report whether the property existed")
	}
	if r := call(t, srv, "POST", "/contacts", `{"email":"a@example.com","properties":[{"name":"p0","value":"x"}]}`); r.status != 422 {
		t.Errorf("a deleted property was accepted: %d %s", r.status, r.body)
	}
	srv.SeedProperty(tidiotest.PropertyDef{Name: "p1"}) // number → text
	if r := call(t, srv, "POST", "/contacts", `{"email":"a@example.com","properties":[{"name":"p1","value":"many"}]}`); r.status != 201 {
		t.Errorf("a retyped property still checked as before: %d %s", r.status, r.body)
	}
}

func TestBatch(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	bad := `{"contacts":[{"email":"a@example.com"},{"email":"broken"},{"first_name":""},{"email":"d@example.com"}]}`
	r := call(t, srv, "POST", "/contacts/batch", bad)
	if r.status != 422 {
		t.Fatalf("bad batch: %d %s", r.status, r.body)
	}
	_, msgs := r.errors(t)
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "contacts.1.email:") || !strings.HasPrefix(msgs[1], "contacts.2:") {
		t.Errorf("messages %q, want contacts.1.email and contacts.2 named", msgs)
	}
	if n := len(srv.Contacts()); n != 0 {
		t.Fatalf("all-or-nothing: %d contacts stored from a refused batch", n)
	}
	r = call(t, srv, "POST", "/contacts/batch", `{"contacts":[{"email":"a@example.com"},{"email":"a@example.com"},{"phone":"1"}]}`)
	if r.status != 201 {
		t.Fatalf("good batch: %d %s", r.status, r.body)
	}
	var out struct{ Contacts []struct{ ID string } }
	_ = json.Unmarshal(r.body, &out)
	stored := srv.Contacts()
	if len(out.Contacts) != 3 || len(stored) != 3 {
		t.Fatalf("created %+v, stored %d", out, len(stored))
	}
	for i, c := range stored {
		if out.Contacts[i].ID != c.ID {
			t.Errorf("id %d is %q, stored %q", i, out.Contacts[i].ID, c.ID)
		}
	}
	var many []string
	for range 101 {
		many = append(many, `{"email":"x@example.com"}`)
	}
	for _, body := range []string{`{"contacts":[]}`, `{"contacts":[` + strings.Join(many, ",") + `]}`} {
		if r := call(t, srv, "POST", "/contacts/batch", body); r.status != 422 {
			t.Errorf("batch of %d: %d", strings.Count(body, "{")-1, r.status)
		}
	}

	noIDs := newSim(t, tidiotest.Options{BatchWithoutIDs: true})
	if r := call(t, noIDs, "POST", "/contacts/batch", `{"contacts":[{"email":"a@example.com"}]}`); r.status != 201 || len(r.body) != 0 || len(noIDs.Contacts()) != 1 {
		t.Errorf("BatchWithoutIDs: %d %q", r.status, r.body)
	}
	none := newSim(t, tidiotest.Options{DisableBatch: true})
	if r := call(t, none, "POST", "/contacts/batch", `{"contacts":[{"email":"a@example.com"}]}`); r.status != 405 {
		t.Errorf("DisableBatch: %d", r.status)
	}
}

// TestBatchPatch: PATCH /contacts/batch validates each record as PATCH
// /contacts/{id} does, names the bad ones, applies all or nothing, answers
// 204 and counts as a write.
func TestBatchPatch(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "seats", Type: "number"})
	a := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "a"})
	b := srv.SeedContact(tidiotest.Contact{FirstName: "Bob", Phone: "1", EmailConsent: "subscribed"})
	before := srv.Contacts()

	for _, tc := range []struct{ body, problem string }{
		{`{"contacts":[{"id":"` + a.ID + `","last_name":"King"},{"id":"` + b.ID + `","email":"broken"}]}`, "contacts.1.email:"},
		{`{"contacts":[{"id":"` + a.ID + `","distinct_id":null}]}`, "contacts.0.distinct_id:"},
		{`{"contacts":[{"id":"` + a.ID + `","email_consent":"maybe"}]}`, "contacts.0.email_consent:"},
		{`{"contacts":[{"id":"` + a.ID + `","properties":[{"name":"seats","value":"many"}]}]}`, "contacts.0.properties.0.value:"},
		{`{"contacts":[{"id":"` + a.ID + `","last_name":"King"},{"id":"0f0f0f0f-0000-4000-8000-000000000000","last_name":"X"}]}`, "contacts.1.id:"},
		{`{"contacts":[{"last_name":"X"}]}`, "contacts.0.id:"},
		{`{"contacts":[]}`, "contacts:"},
	} {
		r := call(t, srv, "PATCH", "/contacts/batch", tc.body)
		if r.status != 422 {
			t.Errorf("%.70s: status %d, want 422", tc.body, r.status)
			continue
		}
		if _, msgs := r.errors(t); len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.problem) {
			t.Errorf("%.70s: messages %q, want one naming %s", tc.body, msgs, tc.problem)
		}
	}
	if after := srv.Contacts(); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused batches changed contacts: %+v", after)
	}
	var many []string
	for range 101 {
		many = append(many, `{"id":"`+a.ID+`","last_name":"X"}`)
	}
	if r := call(t, srv, "PATCH", "/contacts/batch", `{"contacts":[`+strings.Join(many, ",")+`]}`); r.status != 422 {
		t.Errorf("batch of 101: %d", r.status)
	}

	writes := srv.Writes()
	r := call(t, srv, "PATCH", "/contacts/batch", `{"contacts":[{"id":"`+a.ID+`","last_name":"King","email_consent":"subscribed","properties":[{"name":"seats","value":3}]},{"id":"`+b.ID+`","phone":null,"email_consent":null,"first_name":"Robert"}]}`)
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("good batch: %d %s", r.status, r.body)
	}
	gotA, _ := srv.Contact(a.ID)
	gotB, _ := srv.Contact(b.ID)
	wantA, wantB := a, b
	wantA.LastName, wantA.EmailConsent, wantA.Properties = "King", "subscribed", []tidiotest.Property{{Name: "seats", Value: "3"}}
	wantB.Phone, wantB.EmailConsent, wantB.FirstName = "", "", "Robert"
	if !reflect.DeepEqual(gotA, wantA) || !reflect.DeepEqual(gotB, wantB) {
		t.Errorf("after the batch:\n%+v\n%+v\nwant\n%+v\n%+v", gotA, gotB, wantA, wantB)
	}
	if c := call(t, srv, "GET", "/contacts/"+b.ID, "").json(t); c["email_consent"] != nil {
		t.Errorf("a cleared consent reads as %#v, want null", c["email_consent"])
	}
	if n := srv.Writes() - writes; n != 1 || srv.Requests("PATCH /contacts/batch") != 9 {
		t.Errorf("%d writes counted, %d batch requests", n, srv.Requests("PATCH /contacts/batch"))
	}
}

// TestTicketPriorityAndDepartment: a ticket is created in the department
// asked for, which must exist; its priority is stored and validated.
func TestTicketPriorityAndDepartment(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	sales := srv.SeedDepartment(tidiotest.Department{Name: "Sales"})
	r := call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"ada@example.com","subject":"S","message_content":"M","assigned_department_id":"`+sales.ID+`"}`)
	if r.status != 201 {
		t.Fatalf("create in a department: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	if tk, _ := srv.Ticket(id); tk.AssignedDepartmentID != sales.ID {
		t.Errorf("ticket in department %q, want %q", tk.AssignedDepartmentID, sales.ID)
	}
	r = call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"ada@example.com","subject":"S","message_content":"M","assigned_department_id":"nowhere"}`)
	if _, msgs := r.errors(t); r.status != 422 || !strings.HasPrefix(msgs[0], "assigned_department_id:") {
		t.Errorf("an unknown department: %d %q", r.status, msgs)
	}
	if n := len(srv.Tickets()); n != 1 {
		t.Errorf("%d tickets after a refused create", n)
	}
	path := fmt.Sprintf("/tickets/%d", id)
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"priority":"urgent"}`, 204, "urgent"},
		{`{"priority":"low"}`, 204, "low"},
		{`{"priority":"high"}`, 422, "low"},
		{`{"priority":null}`, 422, "low"},
	} {
		r := call(t, srv, "PATCH", path, tc.body)
		tk, _ := srv.Ticket(id)
		if r.status != tc.status || tk.Priority != tc.want {
			t.Errorf("PATCH %s: %d, priority %q; want %d, %q", tc.body, r.status, tk.Priority, tc.status, tc.want)
		}
	}
	if got := call(t, srv, "GET", path, "").json(t)["priority"]; got != "low" {
		t.Errorf("GET priority %v", got)
	}
}

func TestTickets(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	op := srv.SeedOperator(tidiotest.Operator{Name: "Alex", Email: "alex@example.com", Active: true})
	sales := srv.SeedDepartment(tidiotest.Department{Name: "Sales"})
	general := srv.DefaultDepartment()
	ada := srv.SeedContact(tidiotest.Contact{Email: "ada@example.com"})

	r := call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"ADA@example.com","subject":"Help","message_content":"Hi"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	tk, _ := srv.Ticket(id)
	if id < 10000 || tk.ContactID != ada.ID || tk.Status != "open" || tk.Priority != "normal" || tk.AssignedDepartmentID != general.ID ||
		len(tk.Messages) != 1 || tk.Messages[0].AuthorType != "contact" || tk.Messages[0].Content != "Hi" {
		t.Errorf("ticket %d: %+v", id, tk)
	}
	if r := call(t, srv, "POST", "/tickets/as-contact", `{"contact_email":"new@example.com","subject":"S","message_content":"M"}`); r.status != 201 || len(srv.ContactsByEmail("new@example.com")) != 1 {
		t.Errorf("ticket for a new email: %d, contacts %v", r.status, srv.ContactsByEmail("new@example.com"))
	}
	path := fmt.Sprintf("/tickets/%d", id)
	for _, tc := range []struct {
		body       string
		status     int
		op, dept   string
		wantStatus string
	}{
		{`{"assigned":{"type":"operator","id":"` + op.ID + `"}}`, 204, op.ID, general.ID, "open"},
		{`{"assigned":{"type":"department","id":"` + sales.ID + `"},"status":"pending"}`, 204, "", sales.ID, "pending"},
		{`{"assigned":{"type":"operator","id":"` + op.ID + `"}}`, 204, op.ID, sales.ID, "pending"},
		{`{"assigned":null,"status":"solved"}`, 204, "", general.ID, "solved"},
		{`{"assigned":{"type":"operator","id":"nobody"}}`, 422, "", general.ID, "solved"},
		{`{"status":"closed"}`, 422, "", general.ID, "solved"},
		{`{}`, 422, "", general.ID, "solved"},
	} {
		r := call(t, srv, "PATCH", path, tc.body)
		tk, _ := srv.Ticket(id)
		if r.status != tc.status || tk.AssignedOperatorID != tc.op || tk.AssignedDepartmentID != tc.dept || tk.Status != tc.wantStatus {
			t.Errorf("PATCH %s: %d, ticket %+v", tc.body, r.status, tk)
		}
	}
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"author_type":"operator","content":"<p>Hello</p>","operator_id":"` + op.ID + `","message_type":"public"}`, 201},
		{`{"author_type":"operator","content":"note","operator_id":"` + op.ID + `","message_type":"internal"}`, 201},
		{`{"author_type":"operator","content":"x"}`, 422},
		{`{"author_type":"operator","content":"","operator_id":"` + op.ID + `"}`, 422},
		{`{"author_type":"contact","content":"thanks"}`, 201},
	} {
		if r := call(t, srv, "POST", path+"/reply", tc.body); r.status != tc.status {
			t.Errorf("reply %s: %d %s", tc.body, r.status, r.body)
		}
	}
	got := call(t, srv, "GET", path, "").json(t)
	msgs := got["messages"].([]any)
	if len(msgs) != 4 {
		t.Fatalf("%d messages", len(msgs))
	}
	note := msgs[2].(map[string]any)
	if note["message_type"] != "internal" || note["message_content"] != "note" || note["author_id"] != op.ID || len(note["message_id"].(string)) != 26 {
		t.Errorf("note %v", note)
	}
	if r := call(t, srv, "POST", "/tickets/99999/reply", `{"author_type":"contact","content":"x"}`); r.status != 404 {
		t.Errorf("reply to an unknown ticket: %d", r.status)
	}
	if tickets, _ := listAll(t, srv, "/tickets", "tickets"); len(tickets) != 2 {
		t.Errorf("listed tickets %v", tickets)
	}
	if r := call(t, srv, "GET", "/tickets", ""); strings.Contains(string(r.body), "messages") {
		t.Error("the ticket list carries messages")
	}
	if deps := call(t, srv, "GET", "/departments", "").json(t)["departments"].([]any); len(deps) != 2 || deps[0].(map[string]any)["name"] != "General" {
		t.Errorf("departments %v", deps)
	}
	if r := call(t, srv, "DELETE", path, ""); r.status != 204 {
		t.Errorf("delete ticket: %d", r.status)
	}
}

func TestRateLimit(t *testing.T) {
	srv := newSim(t, tidiotest.Options{RateLimit: 2})
	for i, want := range []string{"1", "0"} {
		r := call(t, srv, "GET", "/contacts", "")
		if r.status != 200 || r.header.Get("X-Ratelimit-Limit") != "2" || r.header.Get("X-Ratelimit-Remaining") != want {
			t.Errorf("request %d: %d, limit %q remaining %q", i, r.status, r.header.Get("X-Ratelimit-Limit"), r.header.Get("X-Ratelimit-Remaining"))
		}
	}
	r := call(t, srv, "GET", "/contacts", "")
	if r.status != 429 || r.header.Get("Retry-After") != "" {
		t.Fatalf("over the limit: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if string(bytes.TrimSpace(r.body)) != `{"errors":[{"code":"too_many_requests","message":"You have reached the limit of allowed attempts"}]}` {
		t.Errorf("429 body %s", r.body)
	}
	srv.Clock.Advance(time.Minute)
	if r := call(t, srv, "GET", "/contacts", ""); r.status != 200 {
		t.Errorf("in the next window: %d", r.status)
	}
	// Unauthenticated requests spend no quota.
	limited := newSim(t, tidiotest.Options{RateLimit: 1})
	call(t, limited, "GET", "/contacts", "", func(h http.Header) { h.Del("X-Tidio-Openapi-Client-Id") })
	if r := call(t, limited, "GET", "/contacts", ""); r.status != 200 {
		t.Errorf("after a 401: %d", r.status)
	}
}

func TestFaults(t *testing.T) {
	srv := newSim(t, tidiotest.Options{})
	srv.Faults.Next(1, sim.Match{}, sim.RateLimit(""))
	srv.Faults.Next(1, sim.Match{}, sim.Unavailable(0))
	srv.Faults.Next(1, sim.Match{Method: "POST"}, sim.CommittedThen5xx(504))
	for _, want := range []struct {
		status int
		code   string
	}{{429, "too_many_requests"}, {503, "service_unavailable"}} {
		r := call(t, srv, "GET", "/contacts", "")
		if codes, _ := r.errors(t); r.status != want.status || codes[0] != want.code {
			t.Errorf("fault: %d %v, want %d %s", r.status, codes, want.status, want.code)
		}
	}
	r := call(t, srv, "POST", "/contacts", `{"email":"a@example.com"}`)
	if codes, _ := r.errors(t); r.status != 504 || codes[0] != "gateway_timeout" || len(srv.Contacts()) != 1 {
		t.Errorf("committed then 504: %d %v, %d stored", r.status, codes, len(srv.Contacts()))
	}
	if srv.Requests("POST /contacts") != 1 || srv.Requests("GET /contacts") != 2 || srv.Writes() != 1 {
		t.Errorf("counts %v, writes %d", srv.Stats.Counts(), srv.Writes())
	}
}

// TestDeterministic: the same requests on the same seed give the same
// responses, IDs and times included; another seed, other IDs.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) []string {
		srv := newSim(t, tidiotest.Options{Seed: seed})
		op := srv.SeedOperator(tidiotest.Operator{Name: "A", Email: "a@example.com", Active: true})
		var out []string
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/contacts", `{"email":"a@example.com"}`},
			{"POST", "/contacts/batch", `{"contacts":[{"email":"b@example.com"},{"phone":"1"}]}`},
			{"POST", "/tickets/as-contact", `{"contact_email":"a@example.com","subject":"s","message_content":"m"}`},
			{"POST", "/tickets/10001/reply", `{"author_type":"operator","content":"r","operator_id":"` + op.ID + `"}`},
			{"GET", "/tickets/10001", ""},
			{"GET", "/contacts", ""},
		} {
			out = append(out, string(call(t, srv, req.method, req.path, req.body).body))
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Errorf("two runs with seed 1 differ:\n%v\n%v", a, b)
	}
	if a[0] == c[0] {
		t.Errorf("seeds 1 and 2 gave the same contact ID: %s", a[0])
	}
}

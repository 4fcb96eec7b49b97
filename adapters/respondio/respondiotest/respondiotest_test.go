package respondiotest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

// call sends one request to the simulator with the test token (or the
// given Authorization, when auth is not "") and returns the status, headers
// and decoded JSON body.
func call(t *testing.T, srv *respondiotest.Server, method, path, body string, auth ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.HTTP.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+respondiotest.Token)
	if len(auth) > 0 {
		req.Header.Set("Authorization", auth[0])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 && json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s %s: body is not a JSON object: %s", method, path, raw)
	}
	return res.StatusCode, res.Header, out
}

func start(t *testing.T, opts respondiotest.Options) *respondiotest.Server {
	t.Helper()
	srv := respondiotest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// wantError checks respond.io's error shape: {code: status, message}.
func wantError(t *testing.T, what string, status int, body map[string]any, wantStatus int) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d (body %v)", what, status, wantStatus, body)
		return
	}
	code, _ := body["code"].(float64)
	msg, _ := body["message"].(string)
	if int(code) != wantStatus || msg == "" || len(body) != 2 {
		t.Errorf("%s: body %v, want {code: %d, message: …}", what, body, wantStatus)
	}
}

func TestErrorsHaveTheVendorShape(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	cases := []struct {
		what, method, path, body string
		auth                     []string
		want                     int
	}{
		{"no token", "GET", "/v2/space/user", "", []string{""}, 401},
		{"wrong token", "GET", "/v2/space/user", "", []string{"Bearer nope"}, 401},
		{"basic auth", "GET", "/v2/space/user", "", []string{"Basic " + respondiotest.Token}, 401},
		{"unknown route", "GET", "/v2/nothing/here", "", nil, 404},
		{"wrong method", "PATCH", "/v2/contact/id:1", `{}`, nil, 405},
		{"GET on the list, as the seed profile has it", "GET", "/v2/contact/list", "", nil, 400},
		{"malformed JSON", "POST", "/v2/contact/email:a@example.com", `{"firstName":`, nil, 400},
		{"no body", "POST", "/v2/contact/list", "", nil, 400},
		{"bad identifier", "GET", "/v2/contact/ada", "", nil, 400},
		{"id that is not a number", "GET", "/v2/contact/id:abc", "", nil, 400},
		{"phone without country code", "GET", "/v2/contact/phone:020 7946 0958", "", nil, 400},
		{"unknown contact", "GET", "/v2/contact/id:99", "", nil, 404},
		{"limit 0", "GET", "/v2/space/user?limit=0", "", nil, 400},
		{"limit 101", "GET", "/v2/space/user?limit=101", "", nil, 400},
		{"cursor not a number", "GET", "/v2/space/user?cursorId=abc", "", nil, 400},
	}
	for _, tc := range cases {
		t.Run(tc.what, func(t *testing.T) {
			status, h, body := call(t, srv, tc.method, strings.ReplaceAll(tc.path, " ", "%20"), tc.body, tc.auth...)
			wantError(t, tc.what, status, body, tc.want)
			if tc.want == 405 && h.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
	if n := srv.Writes(); n != 2 { // the PATCH and the malformed create, whatever their outcome
		t.Errorf("Writes() = %d, want 2", n)
	}
}

func TestCreateVersusCreateOrUpdate(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	status, _, body := call(t, srv, "POST", "/v2/contact/email:Ada@Example.com", `{"firstName":"Ada","phone":"+44 20 7946-0958"}`)
	if status != 200 || body["code"] != float64(200) {
		t.Fatalf("create: %d %v, want 200 {code: 200, message}", status, body)
	}
	c, ok := srv.Contact(1)
	if !ok || c.Email != "Ada@Example.com" || c.Phone != "+442079460958" || c.Status != "" {
		t.Fatalf("stored %+v, want contact 1 with the identifier's email, an E.164 phone and no conversation", c)
	}
	for _, tc := range []struct{ what, path, body string }{
		{"same email, other case", "/v2/contact/email:ada@example.COM", `{"firstName":"Ada"}`},
		{"same phone, other format", "/v2/contact/phone:+442079460958", `{"firstName":"Ada"}`},
		{"another email but this phone", "/v2/contact/email:other@example.com", `{"firstName":"Ada","phone":"+442079460958"}`},
	} {
		status, _, body := call(t, srv, "POST", tc.path, tc.body)
		wantError(t, "create again: "+tc.what, status, body, 409)
	}
	status, _, body = call(t, srv, "POST", "/v2/contact/id:5", `{"firstName":"Ada"}`)
	wantError(t, "create by id:", status, body, 400)
	status, _, body = call(t, srv, "POST", "/v2/contact/email:b@example.com", `{"lastName":"NoFirst"}`)
	wantError(t, "create without firstName", status, body, 400)

	status, _, body = call(t, srv, "POST", "/v2/contact/create_or_update/email:ADA@example.com", `{"firstName":"Augusta","lastName":"King"}`)
	if status != 200 || body["contactId"] != float64(1) {
		t.Fatalf("create_or_update of an existing contact: %d %v, want {contactId: 1}", status, body)
	}
	status, _, body = call(t, srv, "POST", "/v2/contact/create_or_update/phone:+1 415 555 0100", `{"firstName":"Grace"}`)
	if status != 200 || body["contactId"] != float64(2) {
		t.Fatalf("create_or_update of a new contact: %d %v, want {contactId: 2}", status, body)
	}
	if got := srv.Contacts(); len(got) != 2 || got[0].FirstName != "Augusta" || got[0].LastName != "King" || got[1].Phone != "+14155550100" {
		t.Errorf("contacts after upserts: %+v", got)
	}
}

func TestUpdateClearsWithNull(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	if _, err := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"plan", "seats"} {
		if _, err := srv.DefineField(respondiotest.FieldDef{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	status, _, body := call(t, srv, "PUT", "/v2/contact/id:1", `{"lastName":null,"language":"","custom_fields":[{"name":"plan","value":"gold"},{"name":"seats","value":3}]}`)
	if status != 200 || body["contactId"] != float64(1) {
		t.Fatalf("update: %d %v", status, body)
	}
	c, _ := srv.Contact(1)
	if c.LastName != "" || c.Language != "" || c.FirstName != "Ada" || len(c.CustomFields) != 2 || string(c.CustomFields[1].Value) != "3" {
		t.Errorf("after update: %+v", c)
	}
	status, _, body = call(t, srv, "PUT", "/v2/contact/id:1", `{"firstName":null}`)
	wantError(t, "clearing firstName", status, body, 400)
	status, _, body = call(t, srv, "PUT", "/v2/contact/id:1", `{"custom_fields":[{"name":"plan","value":{"nested":1}}]}`)
	wantError(t, "object custom field value", status, body, 400)
}

func TestPagingNextAndPrevious(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	for i := range 7 {
		if _, err := srv.SeedContact(respondiotest.Contact{FirstName: "P", Email: strings.Repeat("x", i+1) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	list := `{"search":"","timezone":"UTC","filter":{"$and":[]}}`
	base := srv.HTTP.URL + "/v2/contact/list"
	type page struct {
		ids            []float64
		next, previous string
	}
	get := func(query string) page {
		t.Helper()
		status, _, body := call(t, srv, "POST", "/v2/contact/list"+query, list)
		if status != 200 {
			t.Fatalf("list %s: %d %v", query, status, body)
		}
		var p page
		for _, it := range body["items"].([]any) {
			p.ids = append(p.ids, it.(map[string]any)["id"].(float64))
		}
		pg := body["pagination"].(map[string]any)
		p.next, p.previous = pg["next"].(string), pg["previous"].(string)
		return p
	}
	p1 := get("?limit=3")
	if len(p1.ids) != 3 || p1.next != base+"?limit=3&cursorId=3" || p1.previous != "" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := get("?limit=3&cursorId=3")
	if len(p2.ids) != 3 || p2.ids[0] != 4 || p2.next != base+"?limit=3&cursorId=6" || p2.previous != base+"?limit=3" {
		t.Fatalf("page 2: %+v", p2)
	}
	p3 := get("?limit=3&cursorId=6")
	if len(p3.ids) != 1 || p3.ids[0] != 7 || p3.next != "" || p3.previous != base+"?limit=3&cursorId=3" {
		t.Fatalf("page 3: %+v", p3)
	}
	if d := get(""); len(d.ids) != 7 {
		t.Errorf("default page size: %d items, want all 7 (default 10)", len(d.ids))
	}
	status, _, body := call(t, srv, "POST", "/v2/contact/list", `{"search":""}`)
	wantError(t, "list without timezone", status, body, 400)
	status, _, body = call(t, srv, "POST", "/v2/contact/list", `{"timezone":"UTC","filter":{"$and":[{"category":"contactField","field":"email","operator":"isTimestampAfter","value":"x"}]}}`)
	wantError(t, "unsupported operator", status, body, 400)
}

func TestSearchAndFilter(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	seed := []respondiotest.Contact{
		{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"vip"}},
		{FirstName: "Grace", Email: "grace@example.com", Status: "open", AssigneeID: 2},
		{FirstName: "Alan", Phone: "+14155550100", Tags: []string{"vip", "beta"}},
	}
	for _, c := range seed {
		if _, err := srv.SeedContact(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		what, body string
		want       int
	}{
		{"search by name", `{"search":"ALAN","timezone":"UTC","filter":{}}`, 1},
		{"search by email", `{"search":"example.com","timezone":"UTC","filter":{}}`, 2},
		{"tag hasAnyOf", `{"timezone":"UTC","filter":{"$and":[{"category":"contactTag","operator":"hasAnyOf","value":["vip"]}]}}`, 2},
		{"tag hasAllOf", `{"timezone":"UTC","filter":{"$and":[{"category":"contactTag","operator":"hasAllOf","value":["vip","beta"]}]}}`, 1},
		{"assignee", `{"timezone":"UTC","filter":{"$and":[{"category":"contactField","field":"assigneeUserId","operator":"isEqualTo","value":2}]}}`, 1},
		{"email exists or phone exists", `{"timezone":"UTC","filter":{"$or":[{"category":"contactField","field":"email","operator":"exists","value":null},{"category":"contactField","field":"phone","operator":"exists","value":null}]}}`, 3},
		{"no email", `{"timezone":"UTC","filter":{"$and":[{"category":"contactField","field":"email","operator":"doesNotExist","value":null}]}}`, 1},
	} {
		status, _, body := call(t, srv, "POST", "/v2/contact/list", tc.body)
		if items, _ := body["items"].([]any); status != 200 || len(items) != tc.want {
			t.Errorf("%s: %d, %d items (%v), want %d", tc.what, status, len(items), body, tc.want)
		}
	}
}

func TestConversationAndMessages(t *testing.T) {
	srv := start(t, respondiotest.Options{RequireClosingNote: true})
	srv.SeedChannel(respondiotest.Channel{ID: 7, Name: "WhatsApp", Source: "whatsapp"})
	if _, err := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Channels: []int64{7}}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		what, path, body string
		want             int
	}{
		{"open", "/v2/contact/email:ada@example.com/conversation/status", `{"status":"open"}`, 200},
		{"pending is no status", "/v2/contact/id:1/conversation/status", `{"status":"pending"}`, 400},
		{"close without a note", "/v2/contact/id:1/conversation/status", `{"status":"close"}`, 400},
		{"assign by email", "/v2/contact/id:1/conversation/assignee", `{"assignee":"SAM.RIVERA@example.com"}`, 200},
		{"assign an unknown user", "/v2/contact/id:1/conversation/assignee", `{"assignee":99}`, 400},
		{"assignee missing", "/v2/contact/id:1/conversation/assignee", `{}`, 400},
		{"send text", "/v2/contact/id:1/message", `{"message":{"type":"text","text":"Hello"}}`, 200},
		{"send attachment", "/v2/contact/id:1/message", `{"channelId":7,"message":{"type":"attachment","attachment":{"type":"image","url":"https://example.com/a.png"}}}`, 200},
		{"send a bad attachment", "/v2/contact/id:1/message", `{"message":{"type":"attachment","attachment":{"type":"pdf","url":"x"}}}`, 400},
		{"send the seed's quickReplies", "/v2/contact/id:1/message", `{"message":{"type":"quick_reply","text":"?","quickReplies":[{"title":"a"}]}}`, 400},
		{"comment", "/v2/contact/id:1/comment", `{"text":"Called the carrier."}`, 200},
		{"comment too long", "/v2/contact/id:1/comment", `{"text":"` + strings.Repeat("é", 1001) + `"}`, 400},
		{"close with a note", "/v2/contact/id:1/conversation/status", `{"status":"close","category":"Resolved","summary":"Done."}`, 200},
	}
	for _, s := range steps {
		status, _, body := call(t, srv, "POST", s.path, s.body)
		if s.want != 200 {
			wantError(t, s.what, status, body, s.want)
		} else if status != 200 {
			t.Errorf("%s: %d %v", s.what, status, body)
		}
	}
	convs := srv.Conversations()
	if len(convs) != 1 || convs[0].Status != "close" || convs[0].AssigneeID != 2 || convs[0].ClosingCategory != "Resolved" {
		t.Errorf("conversations: %+v", convs)
	}
	if cs := srv.Comments(1); len(cs) != 1 || cs[0].Text != "Called the carrier." {
		t.Errorf("comments: %+v", cs)
	}
	status, _, body := call(t, srv, "GET", "/v2/contact/id:1/message/list?limit=1", "")
	items, _ := body["items"].([]any)
	if status != 200 || len(items) != 1 {
		t.Fatalf("message list: %d %v", status, body)
	}
	first := items[0].(map[string]any)
	if first["messageId"] != float64(1) || first["traffic"] != "outgoing" || first["channelId"] != nil {
		t.Errorf("first message: %v", first)
	}
	status, _, body = call(t, srv, "GET", "/v2/contact/id:1/message/list?limit=5&cursorId=1", "")
	items, _ = body["items"].([]any)
	if status != 200 || len(items) != 1 || items[0].(map[string]any)["channelId"] != float64(7) {
		t.Errorf("second page: %v (comments are not messages: one item expected)", body)
	}
	status, _, body = call(t, srv, "GET", "/v2/contact/id:1/message/2", "")
	if status != 200 || body["messageId"] != float64(2) {
		t.Errorf("get message: %d %v", status, body)
	}
	status, _, body = call(t, srv, "GET", "/v2/contact/id:1/message/9", "")
	wantError(t, "unknown message", status, body, 404)
	status, _, body = call(t, srv, "POST", "/v2/contact/id:1/tag", `["vip","beta"]`)
	if status != 200 {
		t.Errorf("tags: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "/v2/contact/id:1/tag", `["1","2","3","4","5","6","7","8","9","10","11"]`)
	wantError(t, "eleven tags", status, body, 400)
	status, _, _ = call(t, srv, "DELETE", "/v2/contact/id:1/tag", `["vip"]`)
	if c, _ := srv.Contact(1); status != 200 || len(c.Tags) != 1 || c.Tags[0] != "beta" {
		t.Errorf("tags after delete: %d %v", status, c.Tags)
	}
}

// A contact path segment is decoded once and taken as it is: slashes, dots
// and question marks in an email stay in the one identifier.
func TestIdentifierIsOneSegment(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	for _, email := range []string{"a/b@example.com", "../x@example.com", "q?x@example.com", "p%20q@example.com"} {
		if _, err := srv.SeedContact(respondiotest.Contact{FirstName: "Odd", Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]float64{
		"/v2/contact/email:a%2Fb@example.com":   1,
		"/v2/contact/email:..%2Fx@example.com":  2,
		"/v2/contact/email:q%3Fx@example.com":   3,
		"/v2/contact/email:p%2520q@example.com": 4,
	} {
		status, _, body := call(t, srv, "GET", path, "")
		if status != 200 || body["id"] != want {
			t.Errorf("GET %s: %d %v, want contact %v", path, status, body, want)
		}
	}
	status, _, body := call(t, srv, "GET", "/v2/contact/a/b", "")
	wantError(t, "two segments", status, body, 404)
}

func TestMerge(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	a, _ := srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"a"}})
	b, _ := srv.SeedContact(respondiotest.Contact{FirstName: "Augusta", LastName: "King", Phone: "+442079460958", Tags: []string{"b"}})
	if _, err := srv.SeedMessage(respondiotest.Message{ContactID: b.ID, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	status, _, body := call(t, srv, "POST", "/v2/contact/merge", `{"contactIds":[1,2],"firstName":"Ada"}`)
	if status != 200 || body["contactId"] != float64(a.ID) {
		t.Fatalf("merge: %d %v", status, body)
	}
	got := srv.Contacts()
	if len(got) != 1 || got[0].Phone != b.Phone || got[0].LastName != "King" || len(got[0].Tags) != 2 {
		t.Errorf("after merge: %+v", got)
	}
	if m := srv.Messages(a.ID); len(m) != 1 || m[0].ContactID != a.ID || m[0].Traffic != "incoming" {
		t.Errorf("messages after merge: %+v", m)
	}
	status, _, body = call(t, srv, "POST", "/v2/contact/merge", `{"contactIds":[1]}`)
	wantError(t, "merge of one", status, body, 400)
	status, _, body = call(t, srv, "POST", "/v2/contact/merge", `{"contactIds":[1,2]}`)
	wantError(t, "merge of a deleted contact", status, body, 404)
}

// Each route has its own window; a 429 says when to retry, and the window
// ends with the clock.
func TestRateLimitPerMethod(t *testing.T) {
	srv := start(t, respondiotest.Options{RateLimit: 2})
	for i := range 2 {
		status, h, _ := call(t, srv, "GET", "/v2/space/user", "")
		if status != 200 || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != []string{"1", "0"}[i] {
			t.Fatalf("request %d: %d, headers %v", i, status, h)
		}
	}
	status, h, body := call(t, srv, "GET", "/v2/space/user", "")
	wantError(t, "third request in the window", status, body, 429)
	if h.Get("Retry-After") != "1" || h.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers: %v", h)
	}
	// Another method is not affected.
	if status, _, body := call(t, srv, "GET", "/v2/space/user/1", ""); status != 200 {
		t.Errorf("another route during the 429: %d %v", status, body)
	}
	srv.Clock.Advance(time.Second)
	if status, _, _ := call(t, srv, "GET", "/v2/space/user", ""); status != 200 {
		t.Errorf("after the window: %d", status)
	}
	if n := srv.Stats.Statuses()[429]; n != 1 {
		t.Errorf("429s counted: %d", n)
	}
}

func TestFaultsAnswerInTheVendorShape(t *testing.T) {
	srv := start(t, respondiotest.Options{})
	srv.Faults.Next(1, sim.Match{Path: "/v2/space/user"}, sim.RateLimit("30"))
	srv.Faults.Next(1, sim.Match{Path: "/v2/space/user"}, sim.Unavailable(0))
	status, h, body := call(t, srv, "GET", "/v2/space/user", "")
	wantError(t, "injected 429", status, body, 429)
	if h.Get("Retry-After") != "30" {
		t.Errorf("Retry-After %q", h.Get("Retry-After"))
	}
	status, _, body = call(t, srv, "GET", "/v2/space/user", "")
	wantError(t, "injected 503", status, body, 503)
	if srv.Requests("GET /v2/space/user") != 2 {
		t.Errorf("Requests: %v", srv.Stats.Counts())
	}
}

func TestSeedingAndDeterminism(t *testing.T) {
	a, b := respondiotest.New(respondiotest.Options{}), respondiotest.New(respondiotest.Options{})
	for _, s := range []*respondiotest.Simulator{a, b} {
		if _, err := s.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	ca, cb := a.Contacts(), b.Contacts()
	if len(ca) != 1 || ca[0].ID != cb[0].ID || !ca[0].CreatedAt.Equal(sim.Epoch) || !cb[0].CreatedAt.Equal(ca[0].CreatedAt) {
		t.Errorf("two simulators disagree: %+v / %+v", ca, cb)
	}
	for _, c := range []respondiotest.Contact{
		{Email: "x@example.com"},
		{FirstName: "X"},
		{FirstName: "X", Phone: "020 7946 0958"},
		{FirstName: "X", Email: "ADA@example.com"},
		{FirstName: "X", Email: "y@example.com", Status: "pending"},
		{FirstName: "X", Email: "z@example.com", AssigneeID: 42},
		{ID: 1, FirstName: "X", Email: "w@example.com"},
	} {
		if _, err := a.SeedContact(c); err == nil {
			t.Errorf("SeedContact(%+v) succeeded, want an error", c)
		}
	}
	if len(a.Users()) != 3 || len(respondiotest.New(respondiotest.Options{NoDefaultUsers: true}).Users()) != 0 {
		t.Error("default users")
	}
	// A deleted contact's ID is never given again.
	srv := start(t, respondiotest.Options{})
	call(t, srv, "POST", "/v2/contact/email:a@example.com", `{"firstName":"A"}`)
	call(t, srv, "DELETE", "/v2/contact/id:1", "")
	call(t, srv, "POST", "/v2/contact/email:a@example.com", `{"firstName":"A"}`)
	if got := srv.Contacts(); len(got) != 1 || got[0].ID != 2 {
		t.Errorf("after delete and create: %+v", got)
	}
	// The list is a read.
	call(t, srv, "POST", "/v2/contact/list", `{"timezone":"UTC","filter":{}}`)
	if srv.Writes() != 3 {
		t.Errorf("Writes() = %d, want 3 (the list is a read)", srv.Writes())
	}
}

// SeedContact stays fast, for migration tests that seed thousands.
func BenchmarkSeedContact(b *testing.B) {
	s := respondiotest.New(respondiotest.Options{})
	i := 0
	for b.Loop() {
		i++
		if _, err := s.SeedContact(respondiotest.Contact{FirstName: "P", Email: "p" + strconv.Itoa(i) + "@example.com"}); err != nil {
			b.Fatal(err)
		}
	}
}

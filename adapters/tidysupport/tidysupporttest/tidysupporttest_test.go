package tidysupporttest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
)

const inbox = "/v1/workspaces/" + tidysupporttest.WorkspaceID + "/support/inbox"

// response is a decoded simulator answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// call sends one request with key (none if "") and decodes the JSON answer.
func call(t *testing.T, srv *tidysupporttest.Server, key, method, path, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, path, raw, err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return r
}

func newServer(t *testing.T, opts tidysupporttest.Options) *tidysupporttest.Server {
	t.Helper()
	srv := tidysupporttest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// wantError checks the seed's error shape.
func wantError(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (%s)", what, r.status, status, r.raw)
		return
	}
	if len(r.body) != 3 || r.body["statusCode"] != float64(status) || r.body["error"] != http.StatusText(status) {
		t.Errorf("%s: body %s is not {statusCode, error, message}", what, r.raw)
	}
	if m, _ := r.body["message"].(string); m == "" {
		t.Errorf("%s: no message in %s", what, r.raw)
	}
}

func TestAuth(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	for _, key := range []string{"", "ts_sk_test_unknown", tidysupporttest.PublishableKey} {
		r := call(t, srv, key, "GET", inbox+"/conversations", "")
		wantError(t, fmt.Sprintf("key %q", key), r, http.StatusUnauthorized)
		if r.body["message"] != "Invalid API key. Please double-check and try again." {
			t.Errorf("401 message %q, want the seed's", r.body["message"])
		}
	}
	// Another auth scheme is no auth at all.
	req, _ := http.NewRequest("GET", srv.URL+inbox+"/conversations", nil)
	req.Header.Set("Authorization", "Basic "+tidysupporttest.APIKey)
	if res, err := srv.Client().Do(req); err != nil || res.StatusCode != 401 {
		t.Errorf("Basic auth: %v, %v", res.StatusCode, err)
	}
	for _, key := range []string{tidysupporttest.APIKey, tidysupporttest.UserKey} {
		if r := call(t, srv, key, "GET", inbox+"/conversations", ""); r.status != 200 {
			t.Errorf("inbox with %s: %d", key, r.status)
		}
	}
	// /v1/customers needs the api_user scope.
	wantError(t, "customers with a user key", call(t, srv, tidysupporttest.UserKey, "GET", "/v1/customers", ""), http.StatusForbidden)
	if r := call(t, srv, tidysupporttest.APIKey, "GET", "/v1/customers", ""); r.status != 200 {
		t.Errorf("customers with the api_user key: %d", r.status)
	}
}

func TestUnknownWorkspace(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	for _, path := range []string{
		"/v1/workspaces/wrk_other/support/inbox/contacts/ctc_1",
		"/v1/workspaces/wrk_other/support/inbox/search?q=a",
		"/v1/workspaces/wrk_other/support/inbox/conversations",
	} {
		r := call(t, srv, tidysupporttest.APIKey, "GET", path, "")
		wantError(t, path, r, http.StatusNotFound)
		if r.body["message"] != "Workspace not found." {
			t.Errorf("%s: message %q", path, r.body["message"])
		}
	}
	r := call(t, srv, tidysupporttest.APIKey, "POST", "/v1/workspaces/wrk_other/support/inbox/contacts", `{"email":"a@example.com"}`)
	wantError(t, "create in another workspace", r, http.StatusNotFound)
	if n := len(srv.Contacts()); n != 0 {
		t.Errorf("%d contacts stored", n)
	}
}

func TestEveryFailureHasTheVendorShape(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	for _, tc := range []struct {
		what, method, path, body string
		status                   int
	}{
		{"unknown route", "GET", "/v1/nothing", "", 404},
		{"wrong method", "DELETE", inbox + "/contacts/ctc_1", "", 404},
		{"unknown contact", "GET", inbox + "/contacts/ctc_missing", "", 404},
		{"unknown conversation", "GET", inbox + "/conversations/thd_missing/messages", "", 404},
		{"bad JSON", "POST", inbox + "/contacts", `{"email":`, 400},
		{"two JSON values", "POST", inbox + "/contacts", `{"email":"a@example.com"}{}`, 400},
		{"empty body", "POST", inbox + "/contacts", "", 400},
		{"unknown field", "POST", inbox + "/contacts", `{"email":"a@example.com","tags":["x"]}`, 400},
		{"wrong type", "POST", inbox + "/contacts", `{"email":42}`, 400},
		{"no email", "POST", inbox + "/contacts", `{"name":"Ada"}`, 400},
		{"bad email", "POST", inbox + "/contacts", `{"email":"ada@"}`, 400},
		{"display-name email", "POST", inbox + "/contacts", `{"email":"Ada <ada@example.com>"}`, 400},
		{"control characters", "POST", inbox + "/contacts", `{"email":"a@example.com","name":"A\u0000"}`, 400},
		{"huge body", "POST", inbox + "/contacts", `{"email":"a@example.com","name":"` + strings.Repeat("x", sim.DefaultMaxBody) + `"}`, 413},
		{"conversation without text", "POST", inbox + "/conversations", `{"email":"a@example.com"}`, 400},
		{"search without q", "GET", inbox + "/search", "", 400},
		{"bad limit", "GET", inbox + "/conversations?limit=0", "", 400},
		{"non-numeric limit", "GET", "/v1/customers?limit=ten", "", 400},
		{"bad status", "GET", inbox + "/conversations?status=open", "", 400},
		{"bad customer status", "GET", "/v1/customers?status=GONE", "", 400},
		{"bad cursor", "GET", "/v1/customers?cursor=bm9wZQ==", "", 400},
	} {
		wantError(t, tc.what, call(t, srv, key, tc.method, tc.path, tc.body), tc.status)
	}
	if n := len(srv.Contacts()); n != 0 {
		t.Errorf("%d contacts stored by refused requests", n)
	}
	// Injected faults answer in the same shape.
	srv.Faults.Next(1, sim.Match{}, sim.Unavailable(503))
	wantError(t, "injected 503", call(t, srv, key, "GET", inbox+"/conversations", ""), 503)
	srv.Faults.Next(1, sim.Match{}, sim.RateLimit("12"))
	r := call(t, srv, key, "GET", inbox+"/conversations", "")
	wantError(t, "injected 429", r, 429)
	if r.header.Get("Retry-After") != "12" {
		t.Errorf("injected 429 has Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestCreateContactDedupsByEmail(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	first := call(t, srv, key, "POST", inbox+"/contacts", `{"email":"Ada@Example.com","name":"Ada Lovelace","phone":"+1-555-0123"}`)
	if first.status != 201 {
		t.Fatalf("first create: %d %s", first.status, first.raw)
	}
	c := first.body["contact"].(map[string]any)
	id := c["id"].(string)
	if !strings.HasPrefix(id, "ctc_") || len(id) != 4+sim.PrefixedLen || c["status"] != "ACTIVE" || c["source"] != "API" ||
		c["phone"] != "+1-555-0123" || c["createdAt"] != sim.Epoch.Format(time.RFC3339) {
		t.Errorf("created contact %s", first.raw)
	}
	second := call(t, srv, key, "POST", inbox+"/contacts", `{"email":"ada@example.COM","name":"Someone Else"}`)
	c2 := second.body["contact"].(map[string]any)
	if second.status != 200 || c2["id"] != id || c2["name"] != "Ada Lovelace" {
		t.Errorf("second create: %d %s; want 200 and the first contact, unchanged", second.status, second.raw)
	}
	if n := len(srv.Contacts()); n != 1 {
		t.Errorf("%d contacts stored, want 1", n)
	}
	got := call(t, srv, key, "GET", inbox+"/contacts/"+id, "")
	if got.status != 200 || got.body["contact"].(map[string]any)["email"] != "Ada@Example.com" {
		t.Errorf("get: %d %s", got.status, got.raw)
	}
	if srv.Stats.Count(tidysupporttest.RouteCreateContact) != 2 || srv.Stats.Writes() != 2 {
		t.Errorf("stats %v, writes %d", srv.Stats.Counts(), srv.Stats.Writes())
	}
}

func TestCustomersPageWithACursor(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{MaxPageSize: 4})
	var want []string
	for i := range 7 {
		status := "ACTIVE"
		if i == 6 {
			status = "ARCHIVED"
		}
		want = append(want, srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i), ExternalID: fmt.Sprint("crm-", i), Status: status}).ID)
	}
	var got []string
	cursor, pages := "", 0
	for {
		path := "/v1/customers?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := call(t, srv, tidysupporttest.APIKey, "GET", path, "")
		pages++
		for _, it := range r.body["items"].([]any) {
			m := it.(map[string]any)
			got = append(got, m["id"].(string))
			if _, has := m["updatedAt"]; m["workspaceId"] != tidysupporttest.WorkspaceID || m["externalId"] == nil || !has {
				t.Errorf("customer %v", m)
			}
		}
		if r.body["hasMore"] == false {
			if r.body["cursor"] != nil {
				t.Errorf("last page has cursor %v", r.body["cursor"])
			}
			break
		}
		cursor = r.body["cursor"].(string)
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%d pages listing %v, want 3 pages listing %v", pages, got, want)
	}
	// A limit above the largest page is lowered to it.
	if r := call(t, srv, tidysupporttest.APIKey, "GET", "/v1/customers?limit=1000", ""); len(r.body["items"].([]any)) != 4 || r.body["hasMore"] != true {
		t.Errorf("limit 1000: %s", r.raw)
	}
	if r := call(t, srv, tidysupporttest.APIKey, "GET", "/v1/customers?status=ARCHIVED", ""); len(r.body["items"].([]any)) != 1 {
		t.Errorf("archived: %s", r.raw)
	}
}

func TestInboxListsHaveNoCursor(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	ct := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", Name: "Ada"})
	srv.SeedContact(tidysupporttest.Contact{Email: "grace@example.com"})
	srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID, Subject: "first"},
		tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "hello"})
	thd := srv.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID, Subject: "second", IsUnread: true})

	r := call(t, srv, tidysupporttest.UserKey, "GET", inbox+"/customers?limit=1", "")
	list := r.body["customers"].(map[string]any)
	if _, has := list["cursor"]; has || list["hasMore"] != true || len(list["items"].([]any)) != 1 {
		t.Errorf("inbox customers: %s", r.raw)
	}
	item := list["items"].([]any)[0].(map[string]any)
	if item["threadCount"] != float64(2) || item["latestThread"].(map[string]any)["id"] != thd.ID ||
		item["contact"].(map[string]any)["lastMessagePreview"] != "hello" {
		t.Errorf("inbox customer %v", item)
	}
	r = call(t, srv, tidysupporttest.UserKey, "GET", inbox+"/conversations?limit=1", "")
	if list := r.body["conversations"].(map[string]any); list["hasMore"] != true || list["cursor"] != nil {
		t.Errorf("conversations: %s", r.raw)
	}
}

func TestConversationsAndMessages(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	key := tidysupporttest.APIKey
	r := call(t, srv, key, "POST", inbox+"/conversations", `{"email":"ada@example.com","name":"Ada","subject":"Order","contentText":"Your order ships today."}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	thd := r.body["conversation"].(map[string]any)["id"].(string)
	ctc := r.body["contact"].(map[string]any)["id"].(string)
	if msg := r.body["message"].(map[string]any); msg["status"] != "SENT" || !strings.HasPrefix(msg["id"].(string), "msg_") {
		t.Errorf("message %v", msg)
	}
	if srv.EmailsSent() != 1 {
		t.Errorf("%d emails sent", srv.EmailsSent())
	}
	// The same email again: the same contact, a new thread.
	r = call(t, srv, key, "POST", inbox+"/conversations", `{"email":"ADA@example.com","contentText":"Another"}`)
	if r.body["contact"].(map[string]any)["id"] != ctc || len(srv.Contacts()) != 1 {
		t.Errorf("second conversation: %s", r.raw)
	}
	thd2 := r.body["conversation"].(map[string]any)["id"].(string)
	if !srv.SetConversationStatus(thd2, "ARCHIVED") || srv.SetConversationStatus("thd_missing", "CLOSED") {
		t.Error("SetConversationStatus")
	}
	ids := func(path string) []string {
		var out []string
		for _, it := range call(t, srv, key, "GET", path, "").body["conversations"].(map[string]any)["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids(inbox + "/conversations"); len(got) != 1 || got[0] != thd {
		t.Errorf("default inbox lists %v, want only %s (archived hidden)", got, thd)
	}
	if got := ids(inbox + "/conversations?status=ARCHIVED"); len(got) != 1 || got[0] != thd2 {
		t.Errorf("archived lists %v", got)
	}
	m := call(t, srv, key, "GET", inbox+"/conversations/"+thd+"/messages", "")
	thread := m.body["thread"].(map[string]any)
	items := thread["messages"].(map[string]any)["items"].([]any)
	if thread["conversation"].(map[string]any)["subject"] != "Order" || thread["contact"].(map[string]any)["id"] != ctc ||
		len(items) != 1 || items[0].(map[string]any)["direction"] != "OUTBOUND" || items[0].(map[string]any)["contentText"] != "Your order ships today." {
		t.Errorf("thread %s", m.raw)
	}
}

func TestSearch(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{})
	ada := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com", Name: "Ada Lovelace"})
	srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com.au", Name: "Ada Other"})
	srv.SeedConversation(tidysupporttest.Conversation{ContactID: ada.ID, Subject: "Ada's invoice"})
	contacts := func(q string) []string {
		var out []string
		r := call(t, srv, tidysupporttest.APIKey, "GET", inbox+"/search?q="+q, "")
		for _, c := range r.body["results"].(map[string]any)["contacts"].([]any) {
			out = append(out, c.(map[string]any)["email"].(string))
		}
		return out
	}
	if got := contacts("ADA@example.com"); len(got) != 1 || got[0] != "ada@example.com" {
		t.Errorf("email query found %v", got)
	}
	if got := contacts("ada"); len(got) != 2 {
		t.Errorf("name query found %v", got)
	}
	if got := contacts("nobody@example.com"); len(got) != 0 {
		t.Errorf("unknown email found %v", got)
	}
	r := call(t, srv, tidysupporttest.APIKey, "GET", inbox+"/search?q=invoice", "")
	if convs := r.body["results"].(map[string]any)["conversations"].([]any); len(convs) != 1 {
		t.Errorf("conversation search: %s", r.raw)
	}
}

func TestRateLimitPerKeyAndWindow(t *testing.T) {
	srv := newServer(t, tidysupporttest.Options{RateLimit: 2})
	get := func(key string) response { return call(t, srv, key, "GET", inbox+"/conversations", "") }
	get(tidysupporttest.APIKey)
	get(tidysupporttest.APIKey)
	r := get(tidysupporttest.APIKey)
	wantError(t, "third request in the window", r, 429)
	if r.header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q, want 60", r.header.Get("Retry-After"))
	}
	if r := get(tidysupporttest.UserKey); r.status != 200 {
		t.Errorf("another key: %d", r.status)
	}
	srv.Clock.Advance(time.Minute)
	if r := get(tidysupporttest.APIKey); r.status != 200 {
		t.Errorf("next window: %d", r.status)
	}
}

func TestDeterministicIDs(t *testing.T) {
	ids := func(seed uint64) string {
		srv := newServer(t, tidysupporttest.Options{Seed: seed})
		var out []string
		for _, email := range []string{"a@example.com", "b@example.com"} {
			r := call(t, srv, tidysupporttest.APIKey, "POST", inbox+"/conversations", `{"email":"`+email+`","contentText":"hi"}`)
			out = append(out, string(r.raw))
		}
		return strings.Join(out, "\n")
	}
	a, b, c := ids(1), ids(1), ids(2)
	if a != b {
		t.Errorf("the same seed gave different answers:\n%s\n%s", a, b)
	}
	if a == c {
		t.Error("different seeds gave the same IDs")
	}
}

func TestInProcess(t *testing.T) {
	s := tidysupporttest.New(tidysupporttest.Options{})
	req, _ := http.NewRequest("POST", "http://simulator"+inbox+"/contacts", bytes.NewBufferString(`{"email":"a@example.com"}`))
	req.Header.Set("Authorization", "Bearer "+tidysupporttest.APIKey)
	res, err := s.InProcess().Do(req)
	if err != nil || res.StatusCode != 201 || len(s.Contacts()) != 1 || s.Stats.Count(tidysupporttest.RouteCreateContact) != 1 {
		t.Errorf("in-process create: %v, %v", res, err)
	}
}

// BenchmarkSeedContact measures seeding, which migration tests do by the
// ten thousand.
func BenchmarkSeedContact(b *testing.B) {
	s := tidysupporttest.New(tidysupporttest.Options{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i)})
	}
}

// BenchmarkSearchByEmail measures an email lookup in a store of 10,000
// contacts: it goes through an index, not a scan.
func BenchmarkSearchByEmail(b *testing.B) {
	s := tidysupporttest.New(tidysupporttest.Options{})
	for i := range 10000 {
		s.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i)})
	}
	c := s.InProcess()
	req, _ := http.NewRequest("GET", "http://simulator"+inbox+"/search?q=c9999@example.com", nil)
	req.Header.Set("Authorization", "Bearer "+tidysupporttest.APIKey)
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

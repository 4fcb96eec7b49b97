package sim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// listPage is the test vendor's GET /items page.
type listPage struct {
	Items  []item `json:"items"`
	Cursor string `json:"cursor"`
}

// seedItems stores n items in v.
func seedItems(t *testing.T, v *vendor, n int) {
	t.Helper()
	for i := range n {
		id := "itm_" + string(rune('a'+i))
		v.items.Put(id, item{ID: id, Email: id + "@example.com"})
	}
}

// getPage reads GET /items?limit=2&cursor=cursor.
func getPage(t *testing.T, c *http.Client, base, cursor string) (int, []byte) {
	t.Helper()
	q := url.Values{"limit": {"2"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	status, _, body, err := do(t, c, "GET", base+"/items?"+q.Encode(), "")
	require.NoError(t, err)
	return status, body
}

func TestFaultMalformedPageVariants(t *testing.T) {
	laterPages := sim.Match{Method: "GET", Path: "/items", Query: "cursor"}
	for _, variant := range sim.PageVariants() {
		t.Run(string(variant), func(t *testing.T) {
			v, srv := newNetwork(t)
			seedItems(t, v, 5)
			c := srv.Client()
			srv.Faults.Next(1, laterPages, sim.MalformedPage(variant))

			// The first page has no cursor: the Match leaves it alone.
			status, body := getPage(t, c, srv.URL, "")
			require.Equal(t, 200, status)
			var first listPage
			mustJSON(t, body, &first)
			require.Len(t, first.Items, 2)
			require.Equal(t, 1, srv.Faults.Pending(), "the first page used the fault")

			status, body = getPage(t, c, srv.URL, first.Cursor)
			assert.Equal(t, 0, srv.Faults.Pending())
			assert.Equal(t, 1, srv.Faults.Counts()[sim.KindMalformedPage])
			var doc map[string]json.RawMessage
			switch variant {
			case sim.PageNoContent:
				assert.Equal(t, 204, status)
				assert.Empty(t, body)
			case sim.PageEmptyBody:
				assert.Equal(t, 200, status)
				assert.Empty(t, body)
			case sim.PageEmptyObject:
				assert.Equal(t, 200, status)
				assert.JSONEq(t, `{}`, string(body))
			case sim.PageNull:
				assert.Equal(t, 200, status)
				assert.JSONEq(t, `null`, string(body))
			case sim.PageGarbled:
				assert.Equal(t, 200, status)
				assert.NotEmpty(t, body)
				assert.False(t, json.Valid(body), "garbled page %q is valid JSON", body)
			case sim.PageNullList:
				require.Equal(t, 200, status)
				mustJSON(t, body, &doc)
				assert.Equal(t, "null", string(doc["items"]))
				assert.NotEqual(t, `""`, string(doc["cursor"]), "the next cursor was lost")
			case sim.PageMissingList:
				require.Equal(t, 200, status)
				mustJSON(t, body, &doc)
				assert.NotContains(t, doc, "items")
				assert.NotEqual(t, `""`, string(doc["cursor"]), "the next cursor was lost")
			case sim.PageEmptyList:
				require.Equal(t, 200, status)
				mustJSON(t, body, &doc)
				assert.Equal(t, "[]", string(doc["items"]))
				assert.NotEqual(t, `""`, string(doc["cursor"]), "the next cursor was lost")
			default:
				t.Fatalf("variant %q has no expectation", variant)
			}

			// The fault is spent: the same page reads normally.
			status, body = getPage(t, c, srv.URL, first.Cursor)
			require.Equal(t, 200, status)
			var again listPage
			mustJSON(t, body, &again)
			assert.Len(t, again.Items, 2)
		})
	}
}

func TestFaultMalformedPageKeepsErrors(t *testing.T) {
	_, srv := newNetwork(t)
	srv.Faults.Next(1, sim.Match{Query: "cursor"}, sim.MalformedPage(sim.PageNull))
	status, body := getPage(t, srv.Client(), srv.URL, "not-a-cursor")
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"error":"invalid cursor"}`, string(body))
}

func TestFaultMalformedPageNestedList(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /thread", func(w http.ResponseWriter, r *http.Request) {
		sim.WriteJSON(w, 200, map[string]any{"thread": map[string]any{
			"id": "thd_1", "count": 12345678901234567,
			"messages": map[string]any{"items": []any{map[string]any{"tags": []string{"a"}}}, "hasMore": true},
		}})
	})
	st := sim.NewStack(mux)
	for variant, want := range map[sim.PageVariant]string{
		sim.PageNullList:    `{"thread":{"id":"thd_1","count":12345678901234567,"messages":{"items":null,"hasMore":true}}}`,
		sim.PageMissingList: `{"thread":{"id":"thd_1","count":12345678901234567,"messages":{"hasMore":true}}}`,
		sim.PageEmptyList:   `{"thread":{"id":"thd_1","count":12345678901234567,"messages":{"items":[],"hasMore":true}}}`,
	} {
		st.Faults.Next(1, sim.Match{}, sim.MalformedPage(variant))
		status, _, body, err := do(t, st.InProcess(), "GET", "http://sim/thread", "")
		require.NoError(t, err)
		assert.Equal(t, 200, status)
		assert.JSONEq(t, want, string(body), "variant %s", variant)
	}
}

func TestFaultCursorLoop(t *testing.T) {
	v, srv := newNetwork(t)
	seedItems(t, v, 9)
	c := srv.Client()
	items := sim.Match{Method: "GET", Path: "/items"}

	read := func(cursor string) listPage {
		t.Helper()
		status, body := getPage(t, c, srv.URL, cursor)
		require.Equal(t, 200, status, "%s", body)
		var p listPage
		mustJSON(t, body, &p)
		return p
	}

	// Scripted before the listing, the rule fires on its third page.
	srv.Faults.Next(1, items, sim.CursorLoop("cursor"))
	p0 := read("")
	p1 := read(p0.Cursor) // cursor 7
	require.NotEmpty(t, p1.Cursor)
	require.Equal(t, 1, srv.Faults.Pending(), "the first two pages used the rule")
	p2 := read(p1.Cursor) // cursor 8, answered as the first page: next is 7 again
	assert.Equal(t, p0.Cursor, p2.Cursor, "the page of cursor 8 does not point back to cursor 7")
	assert.Equal(t, p0.Items, p2.Items, "the looped page is not the page two before")
	assert.Equal(t, 0, srv.Faults.Pending())
	assert.Equal(t, 1, srv.Faults.Counts()[sim.KindCursorLoop])

	// By chance, every page from the third on points back. A new listing
	// (a first page) starts its own history.
	srv.Faults.Chance(1, items, sim.CursorLoop("cursor"))
	q0 := read("")
	q1 := read(q0.Cursor)
	q2 := read(q1.Cursor)
	assert.Equal(t, q0.Cursor, q2.Cursor)
	assert.Equal(t, 2, srv.Faults.Counts()[sim.KindCursorLoop])

	// A listing of another query (a filter) is followed apart: it has no
	// earlier pages, so the rule does not fire and stays scripted.
	srv.Faults.Clear()
	srv.Faults.Next(1, items, sim.CursorLoop("cursor"))
	status, _, body, err := do(t, c, "GET", srv.URL+"/items?limit=3&cursor="+url.QueryEscape(p1.Cursor), "")
	require.NoError(t, err)
	require.Equal(t, 200, status)
	var other listPage
	mustJSON(t, body, &other)
	assert.Len(t, other.Items, 3)
	assert.Equal(t, 1, srv.Faults.Pending())
}

func TestFaultCursorLoopNeedsParam(t *testing.T) {
	defer func() { assert.NotNil(t, recover(), "a cursor loop without its parameter was accepted") }()
	var f sim.Faults
	f.Next(1, sim.Match{}, sim.Fault{Kind: sim.KindCursorLoop})
}

func TestFaultMalformedPageUnknownVariantPanics(t *testing.T) {
	defer func() { assert.NotNil(t, recover(), "an unknown page variant was accepted") }()
	var f sim.Faults
	f.Next(1, sim.Match{}, sim.MalformedPage("typo"))
}

func TestFaultCredentialEcho(t *testing.T) {
	const token = "ts_sk_live_0123456789abcdefghijklmnopqrstuv"
	const secret = "cs_0123456789abcdefghijklmnopqrst"
	v := newVendor()
	st := sim.NewStack(v.mux)
	var seen sim.Fault
	st.Faults.Respond = func(w http.ResponseWriter, r *http.Request, f sim.Fault) {
		seen = f
		sim.WriteJSON(w, f.Status, map[string]any{"errors": []map[string]string{{"code": "unauthorized", "message": f.Message}}})
	}
	st.Faults.Next(1, postItems, sim.CredentialEcho(0, "Authorization", "X-Client-Secret", "X-Absent"))

	req, err := http.NewRequestWithContext(t.Context(), "POST", "http://sim/items", strings.NewReader(`{"email":"a@x"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Client-Secret", secret)
	res, err := st.InProcess().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, 401, res.StatusCode)
	var body struct {
		Errors []struct{ Code, Message string }
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Len(t, body.Errors, 1)
	msg := body.Errors[0].Message

	assert.Equal(t, 0, v.items.Len(), "the request was processed")
	assert.Equal(t, msg, seen.Message, "the Respond hook did not get the message")
	assert.Equal(t, 190, strings.Index(msg, token), "the token does not start at the offset")
	assert.Contains(t, msg, secret)
	assert.NotContains(t, msg, "Bearer", "the scheme was echoed")
	clipped := msg[:200]
	assert.NotContains(t, clipped, token, "a clip at 200 keeps the whole token")
	assert.Contains(t, clipped, token[:10], "a clip at 200 does not cut the token")
}

func TestFaultCredentialEchoDefaults(t *testing.T) {
	st := sim.NewStack(newVendor().mux)
	st.Faults.Next(1, sim.Match{}, sim.Fault{Kind: sim.KindCredentialEcho, Offset: 20})
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://sim/items", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok_secret")
	res, err := st.InProcess().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, 401, res.StatusCode)
	var body map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	assert.Equal(t, 20, strings.Index(body["message"], "tok_secret"), "message %q", body["message"])
	assert.Equal(t, "credential_echo", body["fault"])
}

func TestFaultListFaultStrings(t *testing.T) {
	assert.Equal(t, "malformed_page null_list", sim.MalformedPage(sim.PageNullList).String())
	assert.Equal(t, "cursor_loop cursorId", sim.CursorLoop("cursorId").String())
	assert.Equal(t, "credential_echo 400 Authorization,X-Key", sim.CredentialEcho(400, "Authorization", "X-Key").String())
}

package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// PageVariant is how a KindMalformedPage fault breaks a list page.
type PageVariant string

// The page variants. The list variants (PageNullList, PageMissingList,
// PageEmptyList) act on every array that is the value of an object field
// of the handler's JSON body, outside arrays: {"contacts": […], "meta": …}
// loses "contacts", {"customers": {"items": […], "hasMore": true}} loses
// "items", and the rest (the next cursor, hasMore) is kept.
const (
	// PageEmptyObject answers 200 {}.
	PageEmptyObject PageVariant = "empty_object"
	// PageNull answers 200 null.
	PageNull PageVariant = "null"
	// PageNullList answers the handler's page with its list set to null.
	PageNullList PageVariant = "null_list"
	// PageMissingList answers the handler's page without its list.
	PageMissingList PageVariant = "missing_list"
	// PageEmptyList answers the handler's page with an empty list and its
	// next cursor kept: a page that says there is more but holds nothing.
	PageEmptyList PageVariant = "empty_list"
	// PageEmptyBody answers 200 with an empty body.
	PageEmptyBody PageVariant = "empty_body"
	// PageNoContent answers 204 No Content.
	PageNoContent PageVariant = "no_content"
	// PageGarbled answers 200 with the handler's body cut short, not JSON.
	PageGarbled PageVariant = "garbled"
)

// PageVariants returns every PageVariant, in a stable order, for tables of
// tests.
func PageVariants() []PageVariant {
	return []PageVariant{
		PageEmptyObject, PageNull, PageNullList, PageMissingList,
		PageEmptyList, PageEmptyBody, PageNoContent, PageGarbled,
	}
}

// MalformedPage runs the handler and answers 200 with its page broken as v
// says (or 204 for PageNoContent). An answer of the handler that is not
// 2xx is sent as it is. Match it with Query set to the list's cursor
// parameter to break the later pages only: Match{Method: "GET", Path:
// "/contacts", Query: "cursor"}.
func MalformedPage(v PageVariant) Fault { return Fault{Kind: KindMalformedPage, Page: v} }

// CursorLoop makes a later page of a list point back: the request for the
// page of cursor c (carried in the query parameter param) is served as the
// request for the page two before it, whose next cursor is the one the
// client followed just before c. A client listing pages with cursors 7 and
// then 8 gets, for 8, a page whose next cursor is 7 again (7 → 8 → 7).
//
// The fault applies only from the third page of a listing on (the second
// cursor the listing followed), and only once the simulator has served the
// listing's earlier pages under the rule: it follows the cursors of every
// request that a CursorLoop rule's Match matches by method and path, a
// request without param starting a new listing (requests that differ in
// other query parameters are other listings). A request it does not apply
// to is served as asked and does not use the rule up, so a rule scripted
// with Next before a listing starts fires on its third page.
func CursorLoop(param string) Fault { return Fault{Kind: KindCursorLoop, Cursor: param} }

// CredentialEcho answers status (0 means 401) before processing, with an
// error message that echoes the values of the request headers named (none
// means "Authorization"; a Bearer scheme is left out). The first value
// starts at byte Fault.Offset (190 by default) of the message, after a
// long explanation, so that a message clipped at 200 bytes or so cuts the
// credential in two; the others follow it. The message is in
// Fault.Message for the Respond hook, which writes it in the vendor's
// error shape.
func CredentialEcho(status int, headers ...string) Fault {
	return Fault{Kind: KindCredentialEcho, Status: status, Echo: strings.Join(headers, ",")}.withDefaults()
}

// defaultEchoOffset is where a credential echo starts by default.
const defaultEchoOffset = 190

// appliesLocked reports whether fault can act on r: a cursor loop needs
// the third page of a listing or a later one (two cursors followed before
// r's). A fault that does not apply is neither injected nor counted, and a
// scripted one is kept for a later request. The caller holds f.mu.
func (f *Faults) appliesLocked(fault Fault, r *http.Request) bool {
	if fault.Kind != KindCursorLoop {
		return true
	}
	l := f.listings[listingKey(r, fault.Cursor)]
	cur := r.URL.Query().Get(fault.Cursor)
	return l != nil && cur != "" && l.at[cur] >= 2
}

// brokenPage returns the status and body of a 2xx list page body broken
// as v says.
func brokenPage(body []byte, v PageVariant) (int, []byte) {
	switch v {
	case PageNoContent:
		return http.StatusNoContent, nil
	case PageEmptyBody:
		return http.StatusOK, []byte{}
	case PageEmptyObject:
		return http.StatusOK, []byte(`{}`)
	case PageNull:
		return http.StatusOK, []byte(`null`)
	case PageGarbled:
		return http.StatusOK, truncateJSON(body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers are sent back as written
	var doc any
	if dec.Decode(&doc) != nil {
		return http.StatusOK, []byte(`{}`)
	}
	out, err := json.Marshal(stripLists(doc, v))
	if err != nil {
		return http.StatusOK, []byte(`{}`)
	}
	return http.StatusOK, out
}

// stripLists applies a list variant to the arrays that are values of
// object fields of doc, outside arrays (a top-level array is the list).
func stripLists(doc any, v PageVariant) any {
	switch t := doc.(type) {
	case []any:
		switch v {
		case PageNullList:
			return nil
		case PageMissingList:
			return map[string]any{}
		}
		return []any{}
	case map[string]any:
		for k, e := range t {
			switch e.(type) {
			case []any:
				switch v {
				case PageNullList:
					t[k] = nil
				case PageMissingList:
					delete(t, k)
				default:
					t[k] = []any{}
				}
			case map[string]any:
				stripLists(e, v)
			}
		}
	}
	return doc
}

// listing is the cursors one listing followed, in order: order[0] is ""
// when its first page was seen.
type listing struct {
	order []string
	at    map[string]int
}

// listingKey names the listing r belongs to: its method, path and query
// but for the cursor parameter.
func listingKey(r *http.Request, param string) string {
	q := r.URL.Query()
	q.Del(param)
	return param + " " + r.Method + " " + r.URL.Path + "?" + q.Encode()
}

// follow records the cursor of r in its listing, for each CursorLoop rule
// whose Match matches r by method and path.
func (f *Faults) follow(r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var params []string
	for _, s := range f.script {
		if s.fault.Kind == KindCursorLoop && s.match.matchesRoute(r) {
			params = append(params, s.fault.Cursor)
		}
	}
	for _, c := range f.chances {
		if c.fault.Kind == KindCursorLoop && c.match.matchesRoute(r) {
			params = append(params, c.fault.Cursor)
		}
	}
	for _, p := range params {
		key, cur := listingKey(r, p), r.URL.Query().Get(p)
		if f.listings == nil {
			f.listings = map[string]*listing{}
		}
		l := f.listings[key]
		if cur == "" || l == nil {
			l = &listing{at: map[string]int{}}
			f.listings[key] = l
		}
		if _, ok := l.at[cur]; !ok {
			l.at[cur] = len(l.order)
			l.order = append(l.order, cur)
		}
	}
}

// loopBack returns r asking for the page two before the one it asks for
// in its listing, or r itself if a new listing started meanwhile.
func (f *Faults) loopBack(r *http.Request, param string) *http.Request {
	f.mu.Lock()
	var earlier string
	l := f.listings[listingKey(r, param)]
	k := l.at[r.URL.Query().Get(param)]
	if k >= 2 {
		earlier = l.order[k-2]
	}
	f.mu.Unlock()
	if k < 2 {
		return r
	}
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	if earlier == "" {
		q.Del(param)
	} else {
		q.Set(param, earlier)
	}
	r2.URL.RawQuery = q.Encode()
	r2.RequestURI = r2.URL.RequestURI()
	return r2
}

// echoMessage is the message of a credential echo for r.
func echoMessage(r *http.Request, f Fault) string {
	var creds []string
	for _, name := range strings.Split(f.Echo, ",") {
		v := r.Header.Get(strings.TrimSpace(name))
		if scheme, tok, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
			v = tok
		}
		if v != "" {
			creds = append(creds, v)
		}
	}
	const lead = "The credentials of this request are not valid for this workspace: check that the key " +
		"was copied in full, that it was not revoked and that it belongs to this workspace"
	const tail = ". Received: "
	b := []byte(lead)
	for len(b) < f.Offset-len(tail) {
		b = append(b, '.')
	}
	b = append(b, tail...)
	return string(b[:f.Offset]) + strings.Join(creds, " and ")
}

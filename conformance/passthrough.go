package conformance

import (
	"errors"
	"net/http"
	"reflect"
	"slices"

	"github.com/deskbridge/deskbridge/support"
)

// passthroughGetContact: a passthrough GET of a contact
// (Harness.PassthroughContact) answers 200 with what GetContact reads: its
// Raw, or an object holding it as one top-level value. A request with an
// empty path segment or a credential header is ErrInvalid before any
// request; a GET of a missing contact is ErrNotFound with Status 404, the
// answer returned with the error.
func passthroughGetContact(e *env) {
	if e.undeclared(support.OpPassthrough) {
		return
	}
	if e.passthroughContact == nil {
		e.t.Fatalf("%s declares %s, but Harness.PassthroughContact is nil", e.caps.Vendor, support.OpPassthrough)
	}
	e.need(support.OpGetContact)
	typed := e.getContact(support.ID(e.createContact(ada).ID))
	req := e.passthroughContact(typed.ID)
	resp, err := e.p.Passthrough(e.ctx, req)
	e.must(err, "Passthrough(GET of contact %s)", typed.ID)
	if resp == nil {
		e.t.Fatalf("Passthrough(GET of contact %s) returned no answer and no error", typed.ID)
	}
	if resp.Status != http.StatusOK {
		e.t.Errorf("Passthrough(GET of contact %s) answered %d, want 200", typed.ID, resp.Status)
	}
	if !holds(resp.Body, typed.Raw) {
		e.t.Errorf("Passthrough(GET of contact %s) answered %.300s; want GetContact's Raw, or an object holding it: %.300s", typed.ID, resp.Body, typed.Raw)
	}

	e.noRequests("invalid passthrough requests", func() {
		empty := req
		empty.Path = slices.Clone(req.Path)
		empty.Path[len(empty.Path)-1] = ""
		_, err := e.p.Passthrough(e.ctx, empty)
		e.wantKind(err, "Passthrough with an empty path segment", support.ErrInvalid)
		cred := req
		cred.Header = http.Header{"Authorization": {"Bearer " + probeID}}
		_, err = e.p.Passthrough(e.ctx, cred)
		e.wantKind(err, "Passthrough with an Authorization header", support.ErrInvalid)
	})

	missing := unknownID(typed.ID)
	what := "Passthrough(GET of missing contact " + missing + ")"
	resp, err = e.p.Passthrough(e.ctx, e.passthroughContact(missing))
	e.wantKind(err, what, support.ErrNotFound)
	if se := (*support.Error)(nil); errors.As(err, &se) && se.Status != http.StatusNotFound {
		e.t.Errorf("%s: error %v has Status %d, want 404", what, err, se.Status)
	}
	if resp == nil || resp.Status != http.StatusNotFound {
		e.t.Errorf("%s returned answer %+v, want the 404 answer with the error", what, resp)
	}
}

// holds reports whether the JSON body is raw, or an object one of whose
// values is raw, compared as JSON values.
func holds(body, raw []byte) bool {
	b, okB := decodeJSON(body)
	r, okR := decodeJSON(raw)
	if !okB || !okR {
		return false
	}
	if reflect.DeepEqual(b, r) {
		return true
	}
	obj, _ := b.(map[string]any)
	for _, v := range obj {
		if reflect.DeepEqual(v, r) {
			return true
		}
	}
	return false
}

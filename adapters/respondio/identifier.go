package respondio

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// identifier returns respond.io's contact identifier for ref: "id:{id}",
// "email:{email}" or "phone:{+E164}" [S R-SDK types/common.ts]. support.Ref
// maps onto them directly; the ID must be a positive decimal number, as
// respond.io's contact IDs are. Paths built from it go through
// rest.Segments, so whatever the email holds, it stays one segment (S3).
// ref is valid (Ref.Validate).
func identifier(op support.Operation, ref support.Ref) (string, error) {
	switch ref.Kind() {
	case support.RefID:
		id, err := contactID(op, ref.Value())
		return "id:" + id, err
	case support.RefPhone:
		return "phone:" + ref.Value(), nil // E.164: support.Phone normalized it
	}
	return "email:" + ref.Value(), nil
}

// contactID checks that id is a respond.io contact ID (a positive integer)
// and returns it in canonical form; conversation IDs are contact IDs too.
func contactID(op support.Operation, id string) (string, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || id[0] == '+' {
		return "", invalid(op, "contact ID %q is not a respond.io ID (a positive number)", clip(id))
	}
	return strconv.FormatInt(n, 10), nil
}

// byID is the identifier of a contact ID already checked.
func byID(id string) string { return "id:" + id }

// endpoint is one respond.io endpoint: its method, its route (which names
// its rate-limit bucket: respond.io counts per endpoint) and whether
// sending it twice does the same as once.
type endpoint struct {
	method string
	route  string
	idem   rest.Idempotency
}

var (
	epListContacts = endpoint{"POST", "/contact/list", rest.Idempotent}
	epGetContact   = endpoint{"GET", "/contact/{identifier}", rest.ByMethod}
	// create_or_update sent once (CreateContact), and retried as idempotent.
	epCreateContact  = endpoint{"POST", "/contact/create_or_update/{identifier}", rest.NotIdempotent}
	epCreateOrUpdate = endpoint{"POST", "/contact/create_or_update/{identifier}", rest.Idempotent}
	epUpdateContact  = endpoint{"PUT", "/contact/{identifier}", rest.ByMethod}
	epDeleteContact  = endpoint{"DELETE", "/contact/{identifier}", rest.NotIdempotent}
	epMerge          = endpoint{"POST", "/contact/merge", rest.NotIdempotent}
	epAddTags        = endpoint{"POST", "/contact/{identifier}/tag", rest.Idempotent}
	epRemoveTags     = endpoint{"DELETE", "/contact/{identifier}/tag", rest.Idempotent}
	epStatus         = endpoint{"POST", "/contact/{identifier}/conversation/status", rest.Idempotent}
	epAssignee       = endpoint{"POST", "/contact/{identifier}/conversation/assignee", rest.Idempotent}
	epSendMessage    = endpoint{"POST", "/contact/{identifier}/message", rest.NotIdempotent}
	epListMessages   = endpoint{"GET", "/contact/{identifier}/message/list", rest.ByMethod}
	epGetMessage     = endpoint{"GET", "/contact/{identifier}/message/{messageId}", rest.ByMethod}
	epComment        = endpoint{"POST", "/contact/{identifier}/comment", rest.NotIdempotent}
	epLifecycle      = endpoint{"POST", "/contact/{identifier}/lifecycle/update", rest.Idempotent}
	epListUsers      = endpoint{"GET", "/space/user", rest.ByMethod}
	epListFields     = endpoint{"GET", "/space/custom_field", rest.ByMethod}
	epClosingNotes   = endpoint{"GET", "/space/closing_notes", rest.ByMethod}
)

// call sends one request to ep and decodes a 2xx body into out.
func (d *Driver) call(ctx context.Context, op support.Operation, ep endpoint, path rest.Path, req rest.Request, out any) error {
	req.Op, req.Method, req.Path, req.Idempotency, req.Bucket = op, ep.method, path, ep.idem, ep.method+" "+ep.route
	_, err := d.rc.Do(ctx, req, out)
	return err
}

// contactPath is /contact/{identifier}[/more...].
func contactPath(ident string, more ...string) rest.Path {
	return rest.Segments(append([]string{"contact", ident}, more...)...)
}

// invalid is an ErrInvalid error for op, found before any request.
func invalid(op support.Operation, format string, args ...any) error {
	return support.Errorf(Vendor, op, support.ErrInvalid, format, args...)
}

// malformed is the error for a vendor answer that parsed but makes no sense.
func malformed(op support.Operation, format string, args ...any) error {
	return support.Errorf(Vendor, op, nil, "malformed response: "+format, args...)
}

// unknownOutcome is the error of a write answered 2xx without what the
// answer must hold: it was likely stored, so the Client looks it up before
// anything is sent again.
func unknownOutcome(what string) error {
	return &support.Error{Vendor: Vendor, Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "malformed response: " + what}
}

// clip shortens caller input quoted in an error message.
func clip(s string) string { return clipTo(s, 60) }

// clipTo cuts s to at most n bytes, on a rune boundary, marking the cut.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

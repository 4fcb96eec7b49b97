package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// Harness makes the Clients the suite tests.
type Harness struct {
	// New returns the Client of a fresh, empty platform (no contacts,
	// conversations or messages) for one scenario: the adapter's New, or
	// support.NewClient over its Driver. Agents may be pre-seeded: the
	// platform must list at least 2 agents when OpListAgents is supported
	// (1 team too when Capabilities().AssignTeams or Departments). Called once per
	// scenario subtest; use t.Cleanup for teardown.
	New func(t *testing.T) *support.Client
	// PageSize is the page size the platform uses when ListOptions.Limit is
	// PageSize (vendors with a fixed page size: their page size, which their
	// simulator can be configured to). Paging scenarios create 2*PageSize+1
	// records.
	PageSize int
	// PassthroughContact returns the request that GETs contact id on the
	// vendor through Client.Passthrough (its path and query as the vendor
	// documents them). Nil when the adapter declares no OpPassthrough.
	PassthroughContact func(id string) support.RawRequest
}

type scenario struct {
	name string
	run  func(e *env)
}

type group struct {
	name      string
	scenarios []scenario
}

// groups are the scenarios, by area. Their names are part of the recordings'
// file names: renaming one orphans its recordings.
var groups = []group{
	{"capabilities", []scenario{
		{"declared", capabilitiesDeclared},
		{"unsupported", capabilitiesUnsupported},
	}},
	{"context", []scenario{
		{"canceled", contextCanceled},
	}},
	{"contacts", []scenario{
		{"create", contactsCreate},
		{"create_duplicate", contactsCreateDuplicate},
		{"get_by_email", contactsGetByEmail},
		{"get_by_phone", contactsGetByPhone},
		{"not_found", contactsNotFound},
		{"invalid", contactsInvalid},
		{"paging", contactsPaging},
		{"upsert", contactsUpsert},
		{"identity", contactsIdentity},
		{"update", contactsUpdate},
		{"delete", contactsDelete},
		{"batch", contactsBatch},
		{"update_batch", contactsUpdateBatch},
		{"fields", contactsFields},
		{"new_fields", contactsNewFields},
	}},
	{"conversations", []scenario{
		{"create", conversationsCreate},
		{"list", conversationsList},
		{"status", conversationsStatus},
		{"assign_agent", conversationsAssignAgent},
		{"assign_team", conversationsAssignTeam},
		{"unassign", conversationsUnassign},
		{"not_found", conversationsNotFound},
		{"invalid", conversationsInvalid},
		{"priority", conversationsPriority},
		{"department", conversationsDepartment},
		{"closing_categories", conversationsClosingCategories},
	}},
	{"messages", []scenario{
		{"order", messagesOrder},
		{"get", messagesGet},
	}},
	{"agents", []scenario{
		{"list", agentsList},
	}},
	{"passthrough", []scenario{
		{"get_contact", passthroughGetContact},
	}},
}

// Scenarios returns the names of the scenarios Run runs, such as
// "contacts/create", in the order it runs them.
func Scenarios() []string {
	var names []string
	for _, g := range groups {
		for _, s := range g.scenarios {
			names = append(names, g.name+"/"+s.name)
		}
	}
	return names
}

// Run runs every scenario against Clients made by h, each in its own
// subtest named after the scenario (t.Run("contacts", …) then
// t.Run("create", …)), with a fresh Client from h.New.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("conformance: Harness.New is nil")
	}
	if h.PageSize < 1 {
		t.Fatalf("conformance: Harness.PageSize is %d; want the platform's page size (at least 1)", h.PageSize)
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, s := range g.scenarios {
				t.Run(s.name, func(t *testing.T) {
					p := h.New(t)
					if p == nil {
						t.Fatal("conformance: Harness.New returned nil")
					}
					s.run(&env{t: t, ctx: t.Context(), p: p, caps: p.Capabilities(), pageSize: h.PageSize, passthroughContact: h.PassthroughContact})
				})
			}
		})
	}
}

// env is what a scenario works with.
type env struct {
	t        *testing.T
	ctx      context.Context
	p        *support.Client
	caps     support.Capabilities
	pageSize int
	// passthroughContact is Harness.PassthroughContact.
	passthroughContact func(id string) support.RawRequest
}

func (e *env) supports(op support.Operation) bool { return e.caps.Supports(op) }

// need skips the scenario when one of ops, which it needs to set up what it
// checks, is not declared. The operations a scenario checks are never
// skipped: see undeclared.
func (e *env) need(ops ...support.Operation) {
	e.t.Helper()
	for _, op := range ops {
		if !e.supports(op) {
			e.t.Skipf("skipped by capability: this scenario needs %s, which %s does not declare", op, e.caps.Vendor)
		}
	}
}

// undeclared reports whether op is missing from the capabilities; if it is,
// it checks that op fails with ErrUnsupported (the capability contract).
func (e *env) undeclared(op support.Operation) bool {
	e.t.Helper()
	if e.supports(op) {
		return false
	}
	e.wantUnsupported(op, e.call(e.ctx, op))
	return true
}

// errPanicked stands for the result of a call that panicked (already reported).
var errPanicked = errors.New("panicked")

// call invokes op once with well-formed input, recovering a panic.
func (e *env) call(ctx context.Context, op support.Operation) (err error) {
	e.t.Helper()
	defer func() {
		if r := recover(); r != nil {
			e.t.Errorf("%s panicked: %v", op, r)
			err = errPanicked
		}
	}()
	return callOp(ctx, e.p, op)
}

func (e *env) wantUnsupported(op support.Operation, err error) {
	e.t.Helper()
	switch {
	case err == errPanicked:
	case err == nil:
		e.t.Errorf("%s is not declared in Capabilities() but returned no error; want an error matching support.ErrUnsupported", op)
	case !errors.Is(err, support.ErrUnsupported):
		e.t.Errorf("%s is not declared in Capabilities() but returned %v; want an error matching support.ErrUnsupported", op, err)
	default:
		e.checkError(string(op), err)
	}
}

// probeID is the identifier used where a call's outcome does not depend on
// it (undeclared operations, cancelled contexts, invalid input).
const probeID = "1"

// callOp calls op with well-formed input.
func callOp(ctx context.Context, p *support.Client, op support.Operation) error {
	var err error
	switch op {
	case support.OpListContacts:
		_, err = p.ListContacts(ctx, support.ContactListOptions{})
	case support.OpGetContact:
		_, err = p.GetContact(ctx, support.ID(probeID))
	case support.OpGetByEmail:
		_, err = p.GetContact(ctx, support.Email(ada.Email))
	case support.OpGetByPhone:
		_, err = p.GetContact(ctx, support.Phone(ada.Phone))
	case support.OpCreateContact:
		_, err = p.CreateContact(ctx, ada)
	case support.OpCreateContacts:
		_, err = p.CreateContacts(ctx, []support.ContactInput{ada})
	case support.OpUpsertContact:
		_, err = p.UpsertContact(ctx, ada, support.UpsertOptions{})
	case support.OpUpdateContact:
		_, err = p.UpdateContact(ctx, support.ID(probeID), support.ContactUpdate{FirstName: support.Ptr("Augusta")})
	case support.OpDeleteContact:
		err = p.DeleteContact(ctx, support.ID(probeID))
	case support.OpListConversations:
		_, err = p.ListConversations(ctx, support.ConversationListOptions{})
	case support.OpGetConversation:
		_, err = p.GetConversation(ctx, probeID)
	case support.OpCreateConversation:
		_, err = p.CreateConversation(ctx, support.NewConversation{
			Contact: support.Email(grace.Email), Subject: orderSubject, Text: orderText, Name: "Grace Hopper",
		})
	case support.OpSetStatus:
		err = p.SetStatus(ctx, probeID, support.StatusChange{Status: support.StatusOpen})
	case support.OpAssignConversation:
		err = p.Assign(ctx, probeID, support.Assignee{Kind: support.KindAgent, ID: probeID})
	case support.OpUnassignConversation:
		err = p.Unassign(ctx, probeID)
	case support.OpListMessages:
		_, err = p.ListMessages(ctx, probeID, support.ListOptions{})
	case support.OpSendMessage:
		_, err = p.SendMessage(ctx, probeID, support.NewMessage{Text: replyText, AuthorID: probeID})
	case support.OpSendNote:
		_, err = p.SendMessage(ctx, probeID, support.NewMessage{Text: noteText, Internal: true, AuthorID: probeID})
	case support.OpListAgents:
		_, err = p.ListAgents(ctx, support.ListOptions{})
	case support.OpUpdateContacts:
		_, err = p.UpdateContacts(ctx, []support.ContactPatch{{ID: probeID, Update: support.ContactUpdate{FirstName: support.Ptr("Augusta")}}})
	case support.OpListContactFields:
		_, err = p.ListContactFields(ctx)
	case support.OpSetPriority:
		err = p.SetPriority(ctx, probeID, support.PriorityNormal)
	case support.OpListClosingCategories:
		_, err = p.ListClosingCategories(ctx)
	case support.OpGetMessage:
		_, err = p.GetMessage(ctx, probeID, probeID)
	case support.OpPassthrough:
		_, err = p.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", probeID}})
	default:
		return fmt.Errorf("conformance: no call for operation %q", op)
	}
	return err
}

// kindNames names the error kinds in failure messages.
var kindNames = map[error]string{
	support.ErrNotFound: "support.ErrNotFound", support.ErrConflict: "support.ErrConflict",
	support.ErrInvalid: "support.ErrInvalid", support.ErrUnauthorized: "support.ErrUnauthorized",
	support.ErrForbidden: "support.ErrForbidden", support.ErrRateLimited: "support.ErrRateLimited",
	support.ErrUnavailable: "support.ErrUnavailable", support.ErrUnsupported: "support.ErrUnsupported",
}

// wantKind checks that err matches one of kinds and is a proper
// *support.Error.
func (e *env) wantKind(err error, what string, kinds ...error) {
	e.t.Helper()
	var names []string
	for _, k := range kinds {
		names = append(names, kindNames[k])
	}
	if err == nil {
		e.t.Errorf("%s: got no error, want one matching %s", what, joinOr(names))
		return
	}
	if !slices.ContainsFunc(kinds, func(k error) bool { return errors.Is(err, k) }) {
		e.t.Errorf("%s: got %v, want an error matching %s", what, err, joinOr(names))
		return
	}
	e.checkError(what, err)
}

func joinOr(names []string) string {
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return fmt.Sprintf("%v or %s", names[:len(names)-1], names[len(names)-1])
}

// checkError checks that err is a *support.Error naming the vendor and the
// operation.
func (e *env) checkError(what string, err error) {
	e.t.Helper()
	var se *support.Error
	if !errors.As(err, &se) {
		e.t.Errorf("%s: error %v is a %T, want a *support.Error", what, err, err)
		return
	}
	if se.Vendor != e.caps.Vendor {
		e.t.Errorf("%s: error %v has Vendor %q, want %q (Capabilities().Vendor)", what, err, se.Vendor, e.caps.Vendor)
	}
	if se.Op == "" {
		e.t.Errorf("%s: error %v has no Op", what, err)
	}
}

// must stops the scenario when a call that sets up or checks the happy path
// fails.
func (e *env) must(err error, format string, args ...any) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}

// checkRead checks what every read model promises: the vendor payload in Raw
// (valid JSON) and times in UTC.
func (e *env) checkRead(what string, raw json.RawMessage, times ...time.Time) {
	e.t.Helper()
	if len(raw) == 0 {
		e.t.Errorf("%s: Raw is empty, want the vendor payload", what)
	} else if !json.Valid(raw) {
		e.t.Errorf("%s: Raw is not valid JSON: %.100s", what, raw)
	}
	e.checkUTC(what, times...)
}

func (e *env) checkUTC(what string, times ...time.Time) {
	e.t.Helper()
	for _, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			e.t.Errorf("%s: time %v is in %v, want UTC", what, tm, tm.Location())
		}
	}
}

// noRequests runs f, which must fail before sending anything, and checks
// that the HTTPClient of this scenario (if any) sent no request meanwhile.
func (e *env) noRequests(what string, f func()) {
	e.t.Helper()
	before, counted := requestsSent(e.t)
	f()
	if after, _ := requestsSent(e.t); counted && after != before {
		e.t.Errorf("%s: %d HTTP request(s) were sent; invalid input must fail before any request", what, after-before)
	}
}

// unknownID returns an identifier shaped like id (same length, same
// character classes: a UUID stays a UUID, a number a number) that is none of
// known, by changing its last letter or digit.
func unknownID(id string, known ...string) string {
	r := []rune(id)
	for i := len(r) - 1; i >= 0; i-- {
		orig := r[i]
		for step := 1; step < 10; step++ {
			c, ok := shiftRune(orig, step)
			if !ok {
				break
			}
			r[i] = c
			if s := string(r); s != id && !slices.Contains(known, s) {
				return s
			}
		}
		r[i] = orig
	}
	return id + "0"
}

// shiftRune moves c by n within its class: digits, hex letters (so UUIDs
// stay valid), other letters.
func shiftRune(c rune, n int) (rune, bool) {
	rot := func(lo rune, size int) rune { return lo + (c-lo+rune(n))%rune(size) }
	switch {
	case '0' <= c && c <= '9':
		return rot('0', 10), true
	case 'a' <= c && c <= 'f':
		return rot('a', 6), true
	case 'g' <= c && c <= 'z':
		return rot('g', 20), true
	case 'A' <= c && c <= 'F':
		return rot('A', 6), true
	case 'G' <= c && c <= 'Z':
		return rot('G', 20), true
	}
	return c, false
}

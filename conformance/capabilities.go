package conformance

import (
	"context"
	"errors"
	"reflect"
	"slices"

	"github.com/deskbridge/deskbridge/support"
)

// capabilitiesDeclared: Capabilities() is well formed and stable.
func capabilitiesDeclared(e *env) {
	c := e.caps
	if c.Vendor == "" {
		e.t.Error("Capabilities().Vendor is empty")
	}
	known := support.Operations()
	for i, op := range c.Operations {
		if !slices.Contains(known, op) {
			e.t.Errorf("Capabilities() declares unknown operation %q", op)
		}
		if slices.Contains(c.Operations[:i], op) {
			e.t.Errorf("Capabilities() declares %s twice", op)
		}
	}
	if e.canCreateContact() {
		switch c.CreateDedup {
		case support.DedupNone, support.DedupEmail, support.DedupIdentifier:
		default:
			e.t.Errorf("Capabilities().CreateDedup is %q, want none, email or identifier", c.CreateDedup)
		}
	}
	if e.supports(support.OpCreateContacts) && c.MaxBatch < 1 {
		e.t.Errorf("Capabilities().MaxBatch is %d with %s declared, want at least 1", c.MaxBatch, support.OpCreateContacts)
	}
	conversational := slices.ContainsFunc(c.Operations, func(op support.Operation) bool {
		switch op {
		case support.OpListConversations, support.OpGetConversation, support.OpCreateConversation, support.OpSetStatus:
			return true
		}
		return false
	})
	if conversational && len(c.Statuses) == 0 {
		e.t.Error("Capabilities().Statuses is empty although conversations are supported")
	}
	for i, s := range c.Statuses {
		if s != support.StatusOpen && s != support.StatusPending && s != support.StatusClosed {
			e.t.Errorf("Capabilities().Statuses has unknown status %q", s)
		}
		if slices.Contains(c.Statuses[:i], s) {
			e.t.Errorf("Capabilities().Statuses has %q twice", s)
		}
	}
	if c.AssignTeams && !e.supports(support.OpAssignConversation) {
		e.t.Errorf("Capabilities().AssignTeams is set but %s is not declared", support.OpAssignConversation)
	}
	if c.NotesOutsideHistory && !e.supports(support.OpSendNote) {
		e.t.Errorf("Capabilities().NotesOutsideHistory is set but %s is not declared", support.OpSendNote)
	}
	if again := e.p.Capabilities(); !reflect.DeepEqual(again, c) {
		e.t.Errorf("Capabilities() changed between calls: %+v, then %+v", c, again)
	}
}

// capabilitiesUnsupported: every undeclared operation fails with
// ErrUnsupported, never nil and never a panic.
func capabilitiesUnsupported(e *env) {
	n := 0
	for _, op := range support.Operations() {
		if !e.supports(op) {
			e.wantUnsupported(op, e.call(e.ctx, op))
			n++
		}
	}
	e.t.Logf("%d undeclared operation(s) checked", n)
}

// contextCanceled: every declared operation called with a cancelled context
// returns promptly an error matching context.Canceled, as a *support.Error.
func contextCanceled(e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	for _, op := range e.caps.Operations {
		err := e.call(ctx, op)
		switch {
		case err == errPanicked:
		case err == nil:
			e.t.Errorf("%s with a cancelled context returned no error", op)
		case !errors.Is(err, context.Canceled):
			e.t.Errorf("%s with a cancelled context returned %v; want an error matching context.Canceled", op, err)
		default:
			e.checkError(string(op)+" with a cancelled context", err)
		}
	}
}

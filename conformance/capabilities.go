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
	if c.MaxBatchUpdate < 0 {
		e.t.Errorf("Capabilities().MaxBatchUpdate is %d, want 0 or more", c.MaxBatchUpdate)
	}
	for _, flag := range []struct {
		name string
		set  bool
		op   support.Operation
	}{
		{"Departments", c.Departments, support.OpCreateConversation},
		{"ChoosesChannel", c.ChoosesChannel, support.OpSendMessage},
		{"MessageSubjects", c.MessageSubjects, support.OpSendMessage},
	} {
		if flag.set && !e.supports(flag.op) {
			e.t.Errorf("Capabilities().%s is set but %s is not declared", flag.name, flag.op)
		}
	}
	e.checkPriorities()
	for i, f := range c.ContactFields {
		if !slices.Contains(contactFields, f) {
			e.t.Errorf("Capabilities().ContactFields has unknown field %q, want one of %q", f, contactFields)
		}
		if slices.Contains(c.ContactFields[:i], f) {
			e.t.Errorf("Capabilities().ContactFields has %q twice", f)
		}
	}
	if again := e.p.Capabilities(); !reflect.DeepEqual(again, c) {
		e.t.Errorf("Capabilities() changed between calls: %+v, then %+v", c, again)
	}
}

// contactFields are the field names of Capabilities.ContactFields.
var contactFields = []string{
	"first_name", "last_name", "email", "phone", "language", "country", "city", "email_consent",
	"lifecycle", "avatar_url", "external_id", "tags", "custom_fields",
}

// checkPriorities checks Capabilities().Priorities: known, each once,
// lowest first, and some when priorities can be set.
func (e *env) checkPriorities() {
	e.t.Helper()
	ps := e.caps.Priorities
	if e.supports(support.OpSetPriority) && len(ps) == 0 {
		e.t.Errorf("Capabilities().Priorities is empty although %s is declared", support.OpSetPriority)
	}
	rank := -1
	for i, p := range ps {
		r := slices.Index(priorities, p)
		switch {
		case r < 0:
			e.t.Errorf("Capabilities().Priorities has unknown priority %q", p)
		case slices.Contains(ps[:i], p):
			e.t.Errorf("Capabilities().Priorities has %q twice", p)
		case r < rank:
			e.t.Errorf("Capabilities().Priorities %q is not lowest first", ps)
		}
		rank = max(rank, r)
	}
}

// priorities are the neutral priorities, lowest first.
var priorities = []support.Priority{support.PriorityLow, support.PriorityNormal, support.PriorityHigh, support.PriorityUrgent}

// capabilitiesUnsupported: every undeclared operation fails with
// ErrUnsupported, never nil and never a panic; so does a department, a
// channel or a subject where the capabilities have none, before any
// request.
func capabilitiesUnsupported(e *env) {
	n := 0
	for _, op := range support.Operations() {
		if !e.supports(op) {
			e.wantUnsupported(op, e.call(e.ctx, op))
			n++
		}
	}
	e.t.Logf("%d undeclared operation(s) checked", n)
	e.noRequests("options the capabilities do not have", func() {
		if !e.caps.Departments {
			_, err := e.p.CreateConversation(e.ctx, support.NewConversation{
				Contact: support.Email(grace.Email), Subject: orderSubject, Text: orderText, Department: probeID,
			})
			e.wantKind(err, "CreateConversation in a department without Capabilities().Departments", support.ErrUnsupported)
		}
		if !e.caps.ChoosesChannel {
			_, err := e.p.SendMessage(e.ctx, probeID, support.NewMessage{Text: replyText, ChannelID: probeID})
			e.wantKind(err, "SendMessage on a chosen channel without Capabilities().ChoosesChannel", support.ErrUnsupported)
		}
		if !e.caps.MessageSubjects {
			_, err := e.p.SendMessage(e.ctx, probeID, support.NewMessage{Text: replyText, Subject: orderSubject})
			e.wantKind(err, "SendMessage with a subject without Capabilities().MessageSubjects", support.ErrUnsupported)
		}
	})
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

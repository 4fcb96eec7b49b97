package conformance

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/deskbridge/deskbridge/support"
)

// startConversation creates the contact who (when the platform can) and a
// conversation with them, addressed by email.
func (e *env) startConversation(who support.ContactInput) *support.Conversation {
	e.t.Helper()
	return e.startConversationIn(who, "")
}

// startConversationIn is startConversation in the department dept ("" is
// the platform's default).
func (e *env) startConversationIn(who support.ContactInput, dept string) *support.Conversation {
	e.t.Helper()
	e.need(support.OpCreateConversation)
	var contact *support.Contact
	if e.canCreateContact() {
		contact = e.createContact(who)
	}
	c, err := e.p.CreateConversation(e.ctx, support.NewConversation{
		Contact: support.Email(who.Email), Subject: orderSubject, Text: orderText, Name: fullName(who), Department: dept,
	})
	e.must(err, "CreateConversation with %s", who.Email)
	if c == nil || c.ID == "" {
		e.t.Fatalf("CreateConversation returned %+v, want a conversation ID", c)
	}
	if c.ContactID == "" {
		e.t.Errorf("CreateConversation returned a conversation with no ContactID")
	} else if contact != nil && c.ContactID != contact.ID {
		e.t.Errorf("CreateConversation with existing contact %s returned ContactID %q", contact.ID, c.ContactID)
	}
	return c
}

// getConversation reads a conversation that must exist.
func (e *env) getConversation(id string) *support.Conversation {
	e.t.Helper()
	c, err := e.p.GetConversation(e.ctx, id)
	e.must(err, "GetConversation(%s)", id)
	if c == nil || c.ID != id {
		e.t.Fatalf("GetConversation(%s) returned %+v", id, c)
	}
	e.checkRead("GetConversation("+id+")", c.Raw, c.CreatedAt, c.UpdatedAt)
	return c
}

// agents lists the platform's agents and teams.
func (e *env) agents() (agents, teams []support.Agent) {
	e.t.Helper()
	e.need(support.OpListAgents)
	for a, err := range support.AllAgents(e.ctx, e.p, support.ListOptions{Limit: e.pageSize}) {
		e.must(err, "listing agents")
		switch a.Kind {
		case support.KindAgent:
			agents = append(agents, a)
		case support.KindTeam:
			teams = append(teams, a)
		}
	}
	return agents, teams
}

// statusChange is the change to s, with a closing note for vendors that
// want one.
func statusChange(s support.ConversationStatus) support.StatusChange {
	c := support.StatusChange{Status: s}
	if s == support.StatusClosed {
		c.Category, c.Summary = "Resolved", closingSummary
	}
	return c
}

// conversationsCreate: a new conversation is open, with its contact, and
// reads back.
func conversationsCreate(e *env) {
	if e.undeclared(support.OpCreateConversation) {
		return
	}
	c := e.startConversation(grace)
	if !slices.Contains(e.caps.Statuses, c.Status) {
		e.t.Errorf("new conversation has status %q, not one of Capabilities().Statuses %q", c.Status, e.caps.Statuses)
	}
	if e.caps.HasStatus(support.StatusOpen) && c.Status != support.StatusOpen {
		e.t.Errorf("new conversation has status %q, want %q", c.Status, support.StatusOpen)
	}
	e.checkUTC("CreateConversation result", c.CreatedAt, c.UpdatedAt)
	if e.supports(support.OpGetConversation) {
		got := e.getConversation(c.ID)
		if got.ContactID != c.ContactID || got.Status != c.Status {
			e.t.Errorf("GetConversation returned contact %q, status %q; CreateConversation said %q, %q",
				got.ContactID, got.Status, c.ContactID, c.Status)
		}
		if got.Assignee != nil {
			e.t.Errorf("new conversation is assigned to %+v, want unassigned", *got.Assignee)
		}
	}
}

// conversationsList: listing shows every conversation once, and the status
// and contact filters keep exactly the matching ones.
func conversationsList(e *env) {
	if e.undeclared(support.OpListConversations) {
		return
	}
	c1 := e.startConversation(ada)
	c2 := e.startConversation(grace)
	closed := e.supports(support.OpSetStatus) && e.caps.HasStatus(support.StatusClosed)
	if closed {
		e.must(e.p.SetStatus(e.ctx, c2.ID, statusChange(support.StatusClosed)), "SetStatus(%s, closed)", c2.ID)
	}
	list := func(what string, opts support.ConversationListOptions, keep func(support.Conversation) bool, want ...string) {
		e.t.Helper()
		opts.Limit = e.pageSize
		var got []string
		for c, err := range support.AllConversations(e.ctx, e.p, opts) {
			e.must(err, "ListConversations(%s)", what)
			e.checkRead("ListConversations item "+c.ID, c.Raw, c.CreatedAt, c.UpdatedAt)
			if !keep(c) {
				e.t.Errorf("ListConversations(%s) returned %s (status %q, contact %q), which does not match", what, c.ID, c.Status, c.ContactID)
			}
			got = append(got, c.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			e.t.Errorf("ListConversations(%s) returned %q, want %q", what, got, want)
		}
	}
	all := func(support.Conversation) bool { return true }
	list("all", support.ConversationListOptions{}, all, c1.ID, c2.ID)
	list("contact of the first", support.ConversationListOptions{ContactID: c1.ContactID},
		func(c support.Conversation) bool { return c.ContactID == c1.ContactID }, c1.ID)
	if closed {
		list("closed", support.ConversationListOptions{Status: support.StatusClosed},
			func(c support.Conversation) bool { return c.Status == support.StatusClosed }, c2.ID)
		if e.caps.HasStatus(support.StatusOpen) {
			list("open", support.ConversationListOptions{Status: support.StatusOpen},
				func(c support.Conversation) bool { return c.Status == support.StatusOpen }, c1.ID)
		}
	}
}

// conversationsStatus: each declared status can be set and reads back; an
// undeclared one fails (ErrUnsupported or ErrInvalid) and changes nothing.
func conversationsStatus(e *env) {
	if e.undeclared(support.OpSetStatus) {
		return
	}
	e.need(support.OpGetConversation)
	c := e.startConversation(grace)
	// Open last: the conversation starts open, so each step is a change.
	order := slices.DeleteFunc(slices.Clone(e.caps.Statuses), func(s support.ConversationStatus) bool { return s == support.StatusOpen })
	if e.caps.HasStatus(support.StatusOpen) {
		order = append(order, support.StatusOpen)
	}
	last := c.Status
	for _, s := range order {
		e.must(e.p.SetStatus(e.ctx, c.ID, statusChange(s)), "SetStatus(%s, %s)", c.ID, s)
		if got := e.getConversation(c.ID); got.Status != s {
			e.t.Errorf("after SetStatus(%s), the conversation's status is %q", s, got.Status)
		}
		last = s
	}
	for _, s := range []support.ConversationStatus{support.StatusOpen, support.StatusPending, support.StatusClosed} {
		if e.caps.HasStatus(s) {
			continue
		}
		err := e.p.SetStatus(e.ctx, c.ID, statusChange(s))
		e.wantKind(err, fmt.Sprintf("SetStatus(%s), a status not in Capabilities().Statuses", s), support.ErrUnsupported, support.ErrInvalid)
		if got := e.getConversation(c.ID); got.Status != last {
			e.t.Errorf("a refused SetStatus(%s) changed the status from %q to %q", s, last, got.Status)
		}
	}
}

// checkAssignee checks who a conversation is assigned to (nil: no one).
func (e *env) checkAssignee(id string, kind support.AgentKind, agentID string) {
	e.t.Helper()
	got := e.getConversation(id).Assignee
	switch {
	case agentID == "" && got != nil:
		e.t.Errorf("conversation %s is assigned to %+v, want unassigned", id, *got)
	case agentID != "" && (got == nil || got.Kind != kind || got.ID != agentID):
		e.t.Errorf("conversation %s is assigned to %+v, want %s %s", id, got, kind, agentID)
	}
}

// conversationsAssignAgent: assignment to an agent, and to another, shows on
// Get; an unknown agent is refused.
func conversationsAssignAgent(e *env) {
	if e.undeclared(support.OpAssignConversation) {
		return
	}
	e.need(support.OpGetConversation)
	agents, teams := e.agents()
	if len(agents) < 2 {
		e.t.Fatalf("the platform lists %d agent(s); the harness must provide at least 2", len(agents))
	}
	c := e.startConversation(grace)
	for _, a := range agents[:2] {
		e.must(e.p.Assign(e.ctx, c.ID, support.Assignee{Kind: support.KindAgent, ID: a.ID}), "Assign(%s, agent %s)", c.ID, a.ID)
		e.checkAssignee(c.ID, support.KindAgent, a.ID)
	}
	var known []string
	for _, a := range slices.Concat(agents, teams) {
		known = append(known, a.ID)
	}
	missing := unknownID(agents[0].ID, known...)
	err := e.p.Assign(e.ctx, c.ID, support.Assignee{Kind: support.KindAgent, ID: missing})
	e.wantKind(err, "Assign to an unknown agent "+missing, support.ErrNotFound, support.ErrInvalid)
	e.checkAssignee(c.ID, support.KindAgent, agents[1].ID)
}

// conversationsAssignTeam: with AssignTeams, assignment to a team shows on
// Get; without, it fails with ErrUnsupported.
func conversationsAssignTeam(e *env) {
	if e.undeclared(support.OpAssignConversation) {
		return
	}
	if !e.caps.AssignTeams {
		c := e.startConversation(grace)
		err := e.p.Assign(e.ctx, c.ID, support.Assignee{Kind: support.KindTeam, ID: probeID})
		e.wantKind(err, "Assign to a team without Capabilities().AssignTeams", support.ErrUnsupported)
		return
	}
	e.need(support.OpGetConversation)
	_, teams := e.agents()
	if len(teams) < 1 {
		e.t.Fatal("the platform lists no team although it declares AssignTeams; the harness must provide one")
	}
	c := e.startConversation(grace)
	e.must(e.p.Assign(e.ctx, c.ID, support.Assignee{Kind: support.KindTeam, ID: teams[0].ID}), "Assign(%s, team %s)", c.ID, teams[0].ID)
	e.checkAssignee(c.ID, support.KindTeam, teams[0].ID)
}

// conversationsUnassign: unassigning shows on Get, and unassigning an
// unassigned conversation succeeds.
func conversationsUnassign(e *env) {
	if e.undeclared(support.OpUnassignConversation) {
		return
	}
	e.need(support.OpGetConversation)
	c := e.startConversation(grace)
	if e.supports(support.OpAssignConversation) && e.supports(support.OpListAgents) {
		agents, _ := e.agents()
		if len(agents) == 0 {
			e.t.Fatal("the platform lists no agent; the harness must provide at least 2")
		}
		e.must(e.p.Assign(e.ctx, c.ID, support.Assignee{Kind: support.KindAgent, ID: agents[0].ID}), "Assign(%s, agent %s)", c.ID, agents[0].ID)
		e.checkAssignee(c.ID, support.KindAgent, agents[0].ID)
	}
	e.must(e.p.Unassign(e.ctx, c.ID), "Unassign(%s)", c.ID)
	e.checkAssignee(c.ID, "", "")
	e.must(e.p.Unassign(e.ctx, c.ID), "Unassign(%s) when already unassigned", c.ID)
	e.checkAssignee(c.ID, "", "")
}

// conversationsNotFound: a well-formed ID that names no conversation is
// ErrNotFound for every operation that takes one.
func conversationsNotFound(e *env) {
	if e.undeclared(support.OpGetConversation) {
		return
	}
	c := e.startConversation(grace)
	missing := unknownID(c.ID)
	_, err := e.p.GetConversation(e.ctx, missing)
	e.wantKind(err, "GetConversation("+missing+")", support.ErrNotFound)
	if e.supports(support.OpSetStatus) && len(e.caps.Statuses) > 0 {
		err := e.p.SetStatus(e.ctx, missing, statusChange(e.caps.Statuses[0]))
		e.wantKind(err, "SetStatus("+missing+")", support.ErrNotFound)
	}
	if e.supports(support.OpAssignConversation) && e.supports(support.OpListAgents) {
		if agents, _ := e.agents(); len(agents) > 0 {
			err := e.p.Assign(e.ctx, missing, support.Assignee{Kind: support.KindAgent, ID: agents[0].ID})
			e.wantKind(err, "Assign("+missing+")", support.ErrNotFound)
		}
	}
	if e.supports(support.OpUnassignConversation) {
		e.wantKind(e.p.Unassign(e.ctx, missing), "Unassign("+missing+")", support.ErrNotFound)
	}
	if e.supports(support.OpListMessages) {
		_, err := e.p.ListMessages(e.ctx, missing, support.ListOptions{})
		e.wantKind(err, "ListMessages("+missing+")", support.ErrNotFound)
	}
	if e.supports(support.OpSendMessage) {
		// Signed as an agent when the platform lists them: a reply needs an
		// author on some vendors (Tidio), and the point here is the missing
		// conversation.
		m := support.NewMessage{Text: replyText}
		if e.supports(support.OpListAgents) {
			if agents, _ := e.agents(); len(agents) > 0 {
				m.AuthorID = agents[0].ID
			}
		}
		_, err := e.p.SendMessage(e.ctx, missing, m)
		e.wantKind(err, "SendMessage("+missing+")", support.ErrNotFound)
	}
}

// conversationsInvalid: invalid input fails with ErrInvalid before any
// request.
func conversationsInvalid(e *env) {
	type check struct {
		op   support.Operation
		what string
		call func() error
	}
	checks := []check{
		{support.OpCreateConversation, "CreateConversation with the zero Ref", func() error {
			_, err := e.p.CreateConversation(e.ctx, support.NewConversation{Subject: orderSubject, Text: orderText})
			return err
		}},
		{support.OpCreateConversation, "CreateConversation with a bad email", func() error {
			_, err := e.p.CreateConversation(e.ctx, support.NewConversation{Contact: support.Email(badEmail), Subject: orderSubject, Text: orderText})
			return err
		}},
		{support.OpGetConversation, "GetConversation of an empty ID", func() error {
			_, err := e.p.GetConversation(e.ctx, "")
			return err
		}},
		{support.OpListConversations, "ListConversations with an unknown status", func() error {
			_, err := e.p.ListConversations(e.ctx, support.ConversationListOptions{Status: "bogus"})
			return err
		}},
		{support.OpSetStatus, "SetStatus to an unknown status", func() error {
			return e.p.SetStatus(e.ctx, probeID, support.StatusChange{Status: "bogus"})
		}},
		{support.OpSetStatus, "SetStatus of an empty ID", func() error {
			return e.p.SetStatus(e.ctx, "", statusChange(support.StatusOpen))
		}},
		{support.OpAssignConversation, "Assign to nobody", func() error {
			return e.p.Assign(e.ctx, probeID, support.Assignee{})
		}},
		{support.OpUnassignConversation, "Unassign of an empty ID", func() error {
			return e.p.Unassign(e.ctx, "")
		}},
		{support.OpListMessages, "ListMessages of an empty ID", func() error {
			_, err := e.p.ListMessages(e.ctx, "", support.ListOptions{})
			return err
		}},
		{support.OpSendMessage, "SendMessage of an empty message", func() error {
			_, err := e.p.SendMessage(e.ctx, probeID, support.NewMessage{})
			return err
		}},
		{support.OpSendMessage, "SendMessage to an empty ID", func() error {
			_, err := e.p.SendMessage(e.ctx, "", support.NewMessage{Text: replyText})
			return err
		}},
	}
	e.noRequests("invalid conversation input", func() {
		for _, c := range checks {
			if e.supports(c.op) {
				e.wantKind(c.call(), c.what, support.ErrInvalid)
			}
		}
	})
}

// messagesOrder: replies and an internal note come back oldest first, after
// the conversation's first message, with the note marked internal. A note
// kept outside the history (Capabilities().NotesOutsideHistory) is checked
// as sent only. When nothing sent is to be listed, the first message must
// be, so that a declared listing is always exercised.
func messagesOrder(e *env) {
	replies := !e.undeclared(support.OpSendMessage)
	notes := !e.undeclared(support.OpSendNote)
	listing := !e.undeclared(support.OpListMessages)
	if !replies && !notes && !listing {
		return
	}
	c := e.startConversation(grace)
	author := ""
	if (replies || notes) && e.supports(support.OpListAgents) {
		if agents, _ := e.agents(); len(agents) > 0 {
			author = agents[0].ID
		}
	}
	type sent struct {
		text     string
		internal bool
		listed   bool // ListMessages must return it
	}
	var sends []sent
	send := func(text string, internal bool) {
		e.t.Helper()
		what := fmt.Sprintf("SendMessage(%q, internal %v)", text, internal)
		m, err := e.p.SendMessage(e.ctx, c.ID, support.NewMessage{Text: text, Internal: internal, AuthorID: author})
		e.must(err, "%s", what)
		if m == nil {
			e.t.Fatalf("%s returned nil and no error", what)
		}
		if m.Text != text || m.Internal != internal {
			e.t.Errorf("%s returned text %q, internal %v", what, m.Text, m.Internal)
		}
		if m.ConversationID != "" && m.ConversationID != c.ID {
			e.t.Errorf("%s returned conversation %q, want %q", what, m.ConversationID, c.ID)
		}
		if !internal && (m.ID == "" || m.Direction != support.Outbound) {
			e.t.Errorf("%s returned ID %q, direction %q; want an ID and %q", what, m.ID, m.Direction, support.Outbound)
		}
		e.checkUTC(what, m.CreatedAt)
		sends = append(sends, sent{text, internal, !internal || !e.caps.NotesOutsideHistory})
	}
	if replies {
		send(replyText, false)
	}
	if notes {
		send(noteText, true)
	}
	if replies {
		send(reply2Text, false)
	}
	if !listing {
		return
	}

	var msgs []support.Message
	for m, err := range support.AllMessages(e.ctx, e.p, c.ID, support.ListOptions{Limit: e.pageSize}) {
		e.must(err, "listing messages")
		e.checkRead("ListMessages item "+m.ID, m.Raw, m.CreatedAt)
		if n := len(msgs); n > 0 && m.CreatedAt.Before(msgs[n-1].CreatedAt) {
			e.t.Errorf("ListMessages: message %s (%v) comes after a newer one (%v); want oldest first", m.ID, m.CreatedAt, msgs[n-1].CreatedAt)
		}
		msgs = append(msgs, m)
	}
	index := func(text string) int {
		return slices.IndexFunc(msgs, func(m support.Message) bool { return m.Text == text })
	}
	prev := -1
	first := index(orderText)
	switch {
	case first >= 0:
		prev = first
		if msgs[first].Internal {
			e.t.Errorf("ListMessages lists the conversation's first message %q as internal", orderText)
		}
	case !slices.ContainsFunc(sends, func(s sent) bool { return s.listed }):
		e.t.Errorf("ListMessages does not list the conversation's first message %q (%d message(s) listed), "+
			"and nothing else sent is to be listed", orderText, len(msgs))
	}
	for _, s := range sends {
		i := index(s.text)
		switch {
		case i < 0 && !s.listed:
			continue // a note kept outside the history, as declared
		case i < 0 && s.internal:
			e.t.Errorf("ListMessages does not list the note %q that was sent; "+
				"a platform whose notes are stored but not listed declares Capabilities().NotesOutsideHistory", s.text)
			continue
		case i < 0:
			e.t.Errorf("ListMessages does not list the message %q that was sent", s.text)
			continue
		case i < prev:
			e.t.Errorf("ListMessages lists %q before a message sent earlier; want oldest first", s.text)
		case msgs[i].Internal != s.internal:
			e.t.Errorf("ListMessages lists %q with internal %v, want %v", s.text, msgs[i].Internal, s.internal)
		}
		prev = i
	}
}

// conversationsPriority: each priority of Capabilities().Priorities can
// be set and reads back; a priority not among them is ErrInvalid, sent to
// no one, and changes nothing.
func conversationsPriority(e *env) {
	if e.undeclared(support.OpSetPriority) {
		return
	}
	e.need(support.OpGetConversation)
	c := e.startConversation(grace)
	if c.Priority != "" && !e.caps.HasPriority(c.Priority) {
		e.t.Errorf("new conversation has priority %q, not one of Capabilities().Priorities %q", c.Priority, e.caps.Priorities)
	}
	// Highest first: a new conversation has the vendor's default
	// priority, seldom the highest, so the first step is a change.
	var last support.Priority
	for _, p := range slices.Backward(e.caps.Priorities) {
		e.must(e.p.SetPriority(e.ctx, c.ID, p), "SetPriority(%s, %s)", c.ID, p)
		if got := e.getConversation(c.ID); got.Priority != p {
			e.t.Errorf("after SetPriority(%s), the conversation's priority is %q", p, got.Priority)
		}
		last = p
	}
	refused := []support.Priority{"bogus"}
	for _, p := range priorities {
		if !e.caps.HasPriority(p) {
			refused = append(refused, p)
		}
	}
	e.noRequests("a priority not in Capabilities().Priorities", func() {
		for _, p := range refused {
			e.wantKind(e.p.SetPriority(e.ctx, c.ID, p), fmt.Sprintf("SetPriority(%s), a priority not in Capabilities().Priorities", p), support.ErrInvalid)
		}
	})
	if got := e.getConversation(c.ID); got.Priority != last {
		e.t.Errorf("refused SetPriority calls changed the priority from %q to %q", last, got.Priority)
	}
}

// conversationsDepartment: with Departments, a conversation started in a
// team (the first and the last ListAgents lists) belongs to it; without,
// a department fails with ErrUnsupported before any request.
func conversationsDepartment(e *env) {
	if !e.caps.Departments {
		e.noRequests("a department without Capabilities().Departments", func() {
			_, err := e.p.CreateConversation(e.ctx, support.NewConversation{Contact: support.Email(grace.Email), Text: orderText, Department: probeID})
			e.wantKind(err, "CreateConversation in a department without Capabilities().Departments", support.ErrUnsupported)
		})
		return
	}
	e.need(support.OpCreateConversation, support.OpGetConversation)
	_, teams := e.agents()
	if len(teams) == 0 {
		e.t.Fatal("the platform lists no team although it declares Departments; the harness must provide one")
	}
	chosen := []support.Agent{teams[len(teams)-1]}
	if len(teams) > 1 {
		chosen = append(chosen, teams[0])
	}
	for i, team := range chosen {
		c := e.startConversationIn([]support.ContactInput{grace, ada}[i], team.ID)
		if c.Department != "" && c.Department != team.ID {
			e.t.Errorf("CreateConversation in department %s returned department %q", team.ID, c.Department)
		}
		if got := e.getConversation(c.ID); got.Department != team.ID {
			e.t.Errorf("GetConversation of a conversation started in department %s (%s) has department %q", team.ID, team.Name, got.Department)
		}
	}
}

// conversationsClosingCategories: each closing category has a name, and a
// conversation closes with a closing note in the first one.
func conversationsClosingCategories(e *env) {
	if e.undeclared(support.OpListClosingCategories) {
		return
	}
	cats, err := e.p.ListClosingCategories(e.ctx)
	e.must(err, "ListClosingCategories")
	names := make([]string, len(cats))
	raws := make([]json.RawMessage, len(cats))
	for i, c := range cats {
		names[i], raws[i] = c.Name, c.Raw
	}
	e.checkNamed("ListClosingCategories", names, raws)
	if len(cats) == 0 || !e.supports(support.OpSetStatus) || !e.caps.HasStatus(support.StatusClosed) {
		e.t.Logf("closing with a category not checked: %d categories listed", len(cats))
		return
	}
	e.need(support.OpGetConversation)
	c := e.startConversation(grace)
	change := support.StatusChange{Status: support.StatusClosed, Category: cats[0].Name, Summary: closingSummary}
	e.must(e.p.SetStatus(e.ctx, c.ID, change), "SetStatus(%s, closed in category %q)", c.ID, cats[0].Name)
	if got := e.getConversation(c.ID); got.Status != support.StatusClosed {
		e.t.Errorf("after closing in category %q, the conversation's status is %q", cats[0].Name, got.Status)
	}
}

// messagesGet: a message sent (or, where none can be, the first one
// listed) reads back by its ID; a well-formed unknown ID is ErrNotFound.
func messagesGet(e *env) {
	if e.undeclared(support.OpGetMessage) {
		return
	}
	c := e.startConversation(grace)
	var m *support.Message
	switch {
	case e.supports(support.OpSendMessage):
		nm := support.NewMessage{Text: replyText}
		if e.supports(support.OpListAgents) {
			if agents, _ := e.agents(); len(agents) > 0 {
				nm.AuthorID = agents[0].ID
			}
		}
		sent, err := e.p.SendMessage(e.ctx, c.ID, nm)
		e.must(err, "SendMessage")
		m = sent
	case e.supports(support.OpListMessages):
		p, err := e.p.ListMessages(e.ctx, c.ID, support.ListOptions{Limit: e.pageSize})
		e.must(err, "ListMessages")
		if len(p.Items) == 0 {
			e.t.Fatalf("ListMessages of a new conversation listed nothing; want its first message, to read it back")
		}
		m = &p.Items[0]
	default:
		e.need(support.OpSendMessage)
	}
	if m == nil || m.ID == "" {
		e.t.Fatalf("the message to read back is %+v, want one with an ID", m)
	}
	got, err := e.p.GetMessage(e.ctx, c.ID, m.ID)
	e.must(err, "GetMessage(%s, %s)", c.ID, m.ID)
	if got == nil {
		e.t.Fatalf("GetMessage(%s, %s) returned nil and no error", c.ID, m.ID)
	}
	e.checkRead("GetMessage("+m.ID+")", got.Raw, got.CreatedAt)
	if got.ID != m.ID || got.Text != m.Text || got.Direction != m.Direction || got.Internal != m.Internal {
		e.t.Errorf("GetMessage(%s) returned ID %q, text %q, direction %q, internal %v; want %q, %q, %q, %v",
			m.ID, got.ID, got.Text, got.Direction, got.Internal, m.ID, m.Text, m.Direction, m.Internal)
	}
	if got.ConversationID != "" && got.ConversationID != c.ID {
		e.t.Errorf("GetMessage(%s) returned conversation %q, want %q", m.ID, got.ConversationID, c.ID)
	}
	missing := unknownID(m.ID)
	_, err = e.p.GetMessage(e.ctx, c.ID, missing)
	e.wantKind(err, "GetMessage("+missing+")", support.ErrNotFound)
}

// agentsList: the platform lists at least two agents (and a team when it
// declares AssignTeams), each with an ID, once.
func agentsList(e *env) {
	if e.undeclared(support.OpListAgents) {
		return
	}
	var ids []string
	agents, teams := 0, 0
	for a, err := range support.AllAgents(e.ctx, e.p, support.ListOptions{Limit: e.pageSize}) {
		e.must(err, "listing agents")
		e.checkRead("ListAgents item "+a.ID, a.Raw)
		switch {
		case a.ID == "":
			e.t.Errorf("ListAgents returned an agent without ID: %+v", a)
		case slices.Contains(ids, a.ID):
			e.t.Errorf("ListAgents returned %s twice", a.ID)
		}
		ids = append(ids, a.ID)
		switch a.Kind {
		case support.KindAgent:
			agents++
			if a.Name == "" && a.Email == "" {
				e.t.Errorf("agent %s has neither a name nor an email", a.ID)
			}
		case support.KindTeam:
			teams++
		default:
			e.t.Errorf("ListAgents returned %s with kind %q, want agent or team", a.ID, a.Kind)
		}
	}
	if agents < 2 {
		e.t.Errorf("ListAgents returned %d agent(s); the harness must provide at least 2", agents)
	}
	if e.caps.AssignTeams && teams < 1 {
		e.t.Error("ListAgents returned no team although the platform declares AssignTeams; the harness must provide one")
	}
}

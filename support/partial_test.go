package support

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// talker is a fake with conversations, messages and agents, whose lists
// have two pages: the second fails with its items when listErr is set (a
// TidySupport inbox page with hasMore and no cursor). It records what the
// conversation calls get.
type talker struct {
	*fake
	listErr    error
	created    []NewConversation
	priorities []Priority
	gotMessage [][2]string
}

func newTalker() *talker {
	f := newFake()
	f.caps.Operations = append(f.caps.Operations, OpListConversations, OpGetConversation, OpCreateConversation,
		OpListAgents, OpSetPriority, OpGetMessage, OpSendNote)
	f.caps.Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh}
	f.caps.Departments, f.caps.ChoosesChannel, f.caps.MessageSubjects = true, true, true
	f.seed(Contact{Email: "a@example.com", Phone: "+14155550100"}, Contact{Email: "b@example.com", Phone: "+14155550101"},
		Contact{Email: "c@example.com", Phone: "+14155550102"})
	return &talker{fake: f}
}

var errNoNextPage = &Error{Kind: ErrUnavailable, Message: "the page says hasMore but gives no cursor: the next page cannot be requested"}

// twoPages returns the page of items at cursor: the first two items with
// a Next, then the rest, with t.listErr.
func twoPages[T any](t *talker, name, cursor string, items []T) (Page[T], error) {
	t.count(name)
	if cursor == "" {
		return Page[T]{Items: items[:2], Next: "p2"}, nil
	}
	if t.listErr != nil {
		return Page[T]{Items: items[2:], Next: "p3", Filtered: true}, t.listErr
	}
	return Page[T]{Items: items[2:]}, nil
}

func (t *talker) ListContacts(_ context.Context, opts ContactListOptions) (Page[Contact], error) {
	t.mu.Lock()
	cs := make([]Contact, len(t.contacts))
	for i, c := range t.contacts {
		c.Phone = "" // the list omits the phone, as TidySupport's
		cs[i] = c
	}
	t.mu.Unlock()
	return twoPages(t, "list", opts.Cursor, cs)
}

func (t *talker) ListConversations(_ context.Context, opts ConversationListOptions) (Page[Conversation], error) {
	return twoPages(t, "conversations", opts.Cursor, []Conversation{{ID: "v1"}, {ID: "v2"}, {ID: "v3"}})
}

func (t *talker) GetConversation(_ context.Context, id string) (*Conversation, error) {
	return &Conversation{ID: id}, nil
}

func (t *talker) ListMessages(_ context.Context, _ string, opts ListOptions) (Page[Message], error) {
	return twoPages(t, "messages", opts.Cursor, []Message{{ID: "m1"}, {ID: "m2"}, {ID: "m3"}})
}

func (t *talker) ListAgents(_ context.Context, opts ListOptions) (Page[Agent], error) {
	return twoPages(t, "agents", opts.Cursor, []Agent{{ID: "a1"}, {ID: "a2"}, {ID: "a3"}})
}

func (t *talker) CreateConversation(_ context.Context, nc NewConversation) (*Conversation, error) {
	t.count("create_conversation")
	t.created = append(t.created, nc)
	return &Conversation{ID: "v9", Department: nc.Department}, nil
}

func (t *talker) SetPriority(_ context.Context, _ string, p Priority) error {
	t.count("priority")
	t.priorities = append(t.priorities, p)
	return nil
}

func (t *talker) GetMessage(_ context.Context, conversationID, messageID string) (*Message, error) {
	t.count("get_message")
	t.gotMessage = append(t.gotMessage, [2]string{conversationID, messageID})
	return &Message{ID: messageID, ConversationID: conversationID}, nil
}

// listFailsWithItems checks the second page of one of the Client's lists:
// its items come back, without a Next, with the error, attributed.
func listFailsWithItems[T any](t *testing.T, op Operation, list func(cursor string) (Page[T], error), id func(T) string, want ...string) {
	t.Helper()
	p, err := list("p2")
	require.ErrorIs(t, err, ErrUnavailable)
	var se *Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "fake", se.Vendor)
	assert.Equal(t, op, se.Op)
	assert.Contains(t, se.Message, "cannot be requested")
	var got []string
	for _, it := range p.Items {
		got = append(got, id(it))
	}
	assert.Equal(t, want, got, "the items read are lost")
	assert.Empty(t, p.Next, "a page that failed has a Next")
	assert.True(t, p.Filtered, "Filtered is lost")
}

func TestListsFailWithItems(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	tk.listErr = errNoNextPage
	c := NewClient(tk)
	t.Run("contacts", func(t *testing.T) {
		listFailsWithItems(t, OpListContacts, func(cursor string) (Page[Contact], error) {
			return c.ListContacts(ctx, ContactListOptions{ListOptions: ListOptions{Cursor: cursor}})
		}, func(ct Contact) string { return ct.ID }, "c3")
	})
	t.Run("conversations", func(t *testing.T) {
		listFailsWithItems(t, OpListConversations, func(cursor string) (Page[Conversation], error) {
			return c.ListConversations(ctx, ConversationListOptions{ListOptions: ListOptions{Cursor: cursor}})
		}, func(v Conversation) string { return v.ID }, "v3")
	})
	t.Run("messages", func(t *testing.T) {
		listFailsWithItems(t, OpListMessages, func(cursor string) (Page[Message], error) {
			return c.ListMessages(ctx, "v1", ListOptions{Cursor: cursor})
		}, func(m Message) string { return m.ID }, "m3")
	})
	t.Run("agents", func(t *testing.T) {
		listFailsWithItems(t, OpListAgents, func(cursor string) (Page[Agent], error) {
			return c.ListAgents(ctx, ListOptions{Cursor: cursor})
		}, func(a Agent) string { return a.ID }, "a3")
	})
}

// TestListContactsCompleteFailsWithItems: with Complete, the items of a
// page that failed are completed and come back with the error.
func TestListContactsCompleteFailsWithItems(t *testing.T) {
	tk := newTalker()
	tk.caps.ListOmits = []string{"phone"}
	tk.listErr = errNoNextPage
	p, err := NewClient(tk).ListContacts(context.Background(), ContactListOptions{ListOptions: ListOptions{Cursor: "p2"}, Complete: true})
	require.ErrorIs(t, err, ErrUnavailable)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "c3", p.Items[0].ID)
	assert.Equal(t, "+14155550102", p.Items[0].Phone, "the items of a failed page were not completed")
	assert.Empty(t, p.Next)
	assert.Equal(t, 1, tk.calls["get"])
}

// collect runs seq to its end, or until stop returns true after an item.
func collect[T any](seq iter.Seq2[T, error], stop func(n int) bool) (items []T, errs []error) {
	for v, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, v)
		if stop != nil && stop(len(items)) {
			break
		}
	}
	return items, errs
}

func TestAllYieldsItemsThenError(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	tk.listErr = errNoNextPage
	c := NewClient(tk)

	cs, errs := collect(AllContacts(ctx, c, ContactListOptions{}), nil)
	require.Len(t, cs, 3, "the items of the failed page are lost")
	assert.Equal(t, "c3", cs[2].ID)
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], ErrUnavailable)
	var se *Error
	require.ErrorAs(t, errs[0], &se)
	assert.Equal(t, OpListContacts, se.Op)
	assert.Equal(t, 2, tk.calls["list"])

	vs, errs := collect(AllConversations(ctx, c, ConversationListOptions{}), nil)
	assert.Len(t, vs, 3)
	assert.Len(t, errs, 1)
	ms, errs := collect(AllMessages(ctx, c, "v1", ListOptions{}), nil)
	assert.Len(t, ms, 3)
	assert.Len(t, errs, 1)
	as, errs := collect(AllAgents(ctx, c, ListOptions{}), nil)
	assert.Len(t, as, 3)
	assert.Len(t, errs, 1)

	// Breaking early stops: after the first item no page is fetched again,
	// and after the last item no error comes.
	tk.calls["list"] = 0
	cs, errs = collect(AllContacts(ctx, c, ContactListOptions{}), func(n int) bool { return n == 1 })
	assert.Len(t, cs, 1)
	assert.Empty(t, errs)
	assert.Equal(t, 1, tk.calls["list"])
	cs, errs = collect(AllContacts(ctx, c, ContactListOptions{}), func(n int) bool { return n == 3 })
	assert.Len(t, cs, 3)
	assert.Empty(t, errs, "an error came after the loop broke")
}

func TestPagesYieldsItemsThenError(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	tk.listErr = errNoNextPage
	fetch := func(ctx context.Context, cursor string) (Page[Agent], error) {
		return tk.ListAgents(ctx, ListOptions{Cursor: cursor})
	}
	var pages []Page[Agent]
	var errs []error
	for p, err := range Pages(ctx, "", fetch) {
		if err != nil {
			assert.Empty(t, p.Items, "the error comes with items")
			errs = append(errs, err)
			continue
		}
		pages = append(pages, p)
	}
	require.Len(t, pages, 2)
	assert.Equal(t, []Agent{{ID: "a3"}}, pages[1].Items)
	assert.Empty(t, pages[1].Next, "the page of a failed fetch has a Next")
	assert.True(t, pages[1].Filtered)
	require.Len(t, errs, 1)
	assert.Same(t, errNoNextPage, errs[0])

	// Breaking at the page of the failed fetch: no error after it.
	n := 0
	for p, err := range Pages(ctx, "p2", fetch) {
		require.NoError(t, err)
		assert.Len(t, p.Items, 1)
		n++
		break
	}
	assert.Equal(t, 1, n)

	items, errs := collect(Items(ctx, "", fetch), nil)
	assert.Equal(t, []Agent{{ID: "a1"}, {ID: "a2"}, {ID: "a3"}}, items)
	assert.Equal(t, []error{errNoNextPage}, errs)

	// A failed fetch without items yields the error alone.
	tk.listErr = nil
	items, errs = collect(Items(ctx, "", func(ctx context.Context, cursor string) (Page[Agent], error) {
		return Page[Agent]{}, errNoNextPage
	}), nil)
	assert.Empty(t, items)
	assert.Equal(t, []error{errNoNextPage}, errs)
}

func TestCreateConversationDepartment(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	nc := NewConversation{Contact: Email("a@example.com"), Subject: "Hi", Text: "Hello", Department: "team-7"}
	conv, err := NewClient(tk).CreateConversation(ctx, nc)
	require.NoError(t, err)
	assert.Equal(t, "team-7", conv.Department)
	require.Len(t, tk.created, 1)
	assert.Equal(t, "team-7", tk.created[0].Department)

	bad := nc
	bad.Department = "team\x00"
	_, err = NewClient(tk).CreateConversation(ctx, bad)
	require.ErrorIs(t, err, ErrInvalid)

	tk.caps.Departments = false
	_, err = NewClient(tk).CreateConversation(ctx, nc)
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "department")
	assert.Len(t, tk.created, 1, "sent without a department capability")

	nc.Department = ""
	_, err = NewClient(tk).CreateConversation(ctx, nc)
	require.NoError(t, err, "no department needs no capability")
}

func TestSendMessageChannelAndSubject(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		caps   func(*Capabilities)
		m      NewMessage
		kind   error // nil: sent
		substr string
	}{
		{"channel and subject", nil, NewMessage{Text: "Hi", ChannelID: "ch-2", Subject: "Your order"}, nil, ""},
		{"channel unsupported", func(c *Capabilities) { c.ChoosesChannel = false }, NewMessage{Text: "Hi", ChannelID: "ch-2"}, ErrUnsupported, "channel"},
		{"bad channel", nil, NewMessage{Text: "Hi", ChannelID: "ch\x00"}, ErrInvalid, `"ch\x00"`},
		{"subject unsupported", func(c *Capabilities) { c.MessageSubjects = false }, NewMessage{Text: "Hi", Subject: "S"}, ErrUnsupported, "subject"},
		{"subject on a note", nil, NewMessage{Text: "Hi", Subject: "S", Internal: true}, ErrInvalid, "note"},
		{"subject not text", nil, NewMessage{Text: "Hi", Subject: "S\x00"}, ErrInvalid, "subject"},
		{"a note without subject", func(c *Capabilities) { c.MessageSubjects = false }, NewMessage{Text: "Hi", Internal: true}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := newTalker()
			if tc.caps != nil {
				tc.caps(&tk.caps)
			}
			_, err := NewClient(tk).SendMessage(ctx, "v1", tc.m)
			if tc.kind == nil {
				require.NoError(t, err)
				require.Len(t, tk.sent, 1)
				assert.Equal(t, tc.m, tk.sent[0])
				return
			}
			require.ErrorIs(t, err, tc.kind)
			assert.Contains(t, err.Error(), tc.substr)
			assert.Empty(t, tk.sent, "sent")
			assert.Zero(t, tk.calls["send"])
		})
	}
}

func TestSetPriority(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	c := NewClient(tk)
	require.NoError(t, c.SetPriority(ctx, "v1", PriorityHigh))
	assert.Equal(t, []Priority{PriorityHigh}, tk.priorities)

	for _, p := range []Priority{PriorityUrgent, "", "HIGH", "critical"} {
		err := c.SetPriority(ctx, "v1", p)
		require.ErrorIs(t, err, ErrInvalid, "%q", p)
		var se *Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, OpSetPriority, se.Op)
	}
	require.ErrorIs(t, c.SetPriority(ctx, "", PriorityLow), ErrInvalid)
	assert.Len(t, tk.priorities, 1, "a priority the vendor lacks was sent")

	tk = newTalker()
	tk.caps.Operations = slicesWithout(tk.caps.Operations, OpSetPriority)
	require.ErrorIs(t, NewClient(tk).SetPriority(ctx, "v1", PriorityHigh), ErrUnsupported)
	assert.Empty(t, tk.priorities)
}

func slicesWithout(ops []Operation, op Operation) []Operation {
	var out []Operation
	for _, o := range ops {
		if o != op {
			out = append(out, o)
		}
	}
	return out
}

func TestGetMessage(t *testing.T) {
	ctx := context.Background()
	tk := newTalker()
	c := NewClient(tk)
	m, err := c.GetMessage(ctx, "v1", "m7")
	require.NoError(t, err)
	assert.Equal(t, "m7", m.ID)
	assert.Equal(t, [][2]string{{"v1", "m7"}}, tk.gotMessage)

	for _, ids := range [][2]string{{"", "m7"}, {"v1", ""}, {"v\x001", "m7"}, {"v1", "m\x7f"}, {"v1", "\xff"}} {
		_, err := c.GetMessage(ctx, ids[0], ids[1])
		require.ErrorIs(t, err, ErrInvalid, "%q", ids)
		var se *Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, OpGetMessage, se.Op)
	}
	assert.Len(t, tk.gotMessage, 1, "a bad ID was sent")

	tk.caps.Operations = slicesWithout(tk.caps.Operations, OpGetMessage)
	_, err = NewClient(tk).GetMessage(ctx, "v1", "m7")
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Len(t, tk.gotMessage, 1)
}

// TestCheckedPageFailsWithItems: a page that fails with items comes back
// without a Next, the fetch made again after an empty last page included.
func TestCheckedPageFailsWithItems(t *testing.T) {
	calls := 0
	p, err := checkedPage("p2", func() (Page[int], error) {
		calls++
		if calls == 1 {
			return Page[int]{}, nil // empty and last: fetched again
		}
		return Page[int]{Items: []int{7}, Next: "p3"}, errNoNextPage
	})
	assert.Equal(t, 2, calls)
	assert.Same(t, errNoNextPage, err)
	assert.Equal(t, Page[int]{Items: []int{7}}, p, "the page of a failed fetch has a Next")

	p, err = checkedPage("", func() (Page[int], error) {
		return Page[int]{Items: []int{1}, Next: "p2", Filtered: true}, errNoNextPage
	})
	assert.Same(t, errNoNextPage, err)
	assert.Equal(t, Page[int]{Items: []int{1}, Filtered: true}, p)
}

package events_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// memoryWorld is a memory platform with a contact (ctc_1) and an open
// conversation (conv_1, whose first message msg_1 is the contact's).
func memoryWorld(t *testing.T) *support.Client {
	t.Helper()
	c := memory.New(memory.Config{})
	ctx := context.Background()
	r, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	_, err = c.CreateConversation(ctx, support.NewConversation{Contact: support.ID(r.Contact.ID), Text: "Hello?"})
	require.NoError(t, err)
	return c
}

// everyKind makes, on a memoryWorld, one change of every kind (the first
// step) and then closes conv_1 (the second).
func everyKind(t *testing.T, c *support.Client) (first, second func()) {
	ctx := context.Background()
	first = func() {
		_, err := c.UpdateContact(ctx, support.ID("ctc_1"), support.ContactUpdate{LastName: support.Ptr("Lovelace")})
		require.NoError(t, err)
		_, err = c.CreateContact(ctx, support.ContactInput{FirstName: "Grace", Email: "grace@example.com"})
		require.NoError(t, err)
		require.NoError(t, c.SetStatus(ctx, "conv_1", support.StatusChange{Status: support.StatusPending}))
		require.NoError(t, c.Assign(ctx, "conv_1", support.Assignee{Kind: support.KindAgent, ID: "agt_1"}))
		_, err = c.SendMessage(ctx, "conv_1", support.NewMessage{Text: "On it."})
		require.NoError(t, err)
		_, err = c.SendMessage(ctx, "conv_1", support.NewMessage{Text: "VIP", Internal: true})
		require.NoError(t, err)
		_, err = c.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_1"), Text: "Another thing"})
		require.NoError(t, err)
	}
	second = func() {
		require.NoError(t, c.SetStatus(ctx, "conv_1", support.StatusChange{Status: support.StatusClosed}))
	}
	return first, second
}

// Point 3, every kind on the memory platform: a first poll records what
// exists silently, and the polls after it emit one event per change, in
// order, with the IDs, the objects and the times filled in.
func TestWatchEmitsEveryKind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memoryWorld(t)
		start := time.Now().UTC()
		first, second := everyKind(t, c)
		wait := at(map[time.Duration]func(){30 * time.Second: first, 90 * time.Second: second})
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Budget: 6000}, nil)
		wait()

		require.Empty(t, f.errs)
		assert.Equal(t, []events.Kind{
			events.KindContactUpdated, events.KindContactCreated,
			events.KindConversationStatusChanged, events.KindConversationAssigned, events.KindMessageSent, events.KindNoteAdded,
			events.KindConversationCreated, events.KindMessageReceived,
			events.KindConversationStatusChanged,
		}, f.kinds())
		require.Len(t, f.events, 9)
		ids := f.ids()
		assert.True(t, strings.HasPrefix(ids[0], "poll:contact.updated/ctc_1/1/"), ids[0])
		assert.Equal(t, []string{
			"poll:contact.created/ctc_2",
			"poll:conversation.status_changed/conv_1/1/pending",
			"poll:conversation.assigned/conv_1/2/agent:agt_1",
			"poll:message.sent/conv_1/msg_2",
			"poll:note.added/conv_1/msg_3",
			"poll:conversation.created/conv_2",
			"poll:message.received/conv_2/msg_4",
			"poll:conversation.status_changed/conv_1/3/closed",
		}, ids[1:])

		for _, ev := range f.events {
			assert.Equal(t, memory.Vendor, ev.Vendor, ev.DeliveryID)
			assert.Equal(t, time.UTC, ev.OccurredAt.Location(), ev.DeliveryID)
			assert.NotEmpty(t, ev.Raw, ev.DeliveryID)
			if ev.DeliveryID != "poll:contact.created/ctc_2" {
				assert.Equal(t, "ctc_1", ev.ContactID, ev.DeliveryID) // every change but Grace's creation is Ada's
			}
		}
		updated, created := f.events[0], f.events[1]
		require.NotNil(t, updated.Contact)
		assert.Equal(t, "Lovelace", updated.Contact.LastName)
		assert.Equal(t, start.Add(60*time.Second), updated.OccurredAt, "an update: the poll's time")
		require.NotNil(t, created.Contact)
		assert.Equal(t, "grace@example.com", created.Contact.Email)
		assert.Equal(t, created.Contact.CreatedAt, created.OccurredAt)
		assert.Equal(t, start.Add(30*time.Second), created.OccurredAt)

		status := f.events[2]
		require.NotNil(t, status.Conversation)
		assert.Equal(t, "conv_1", status.ConversationID)
		assert.Equal(t, support.StatusPending, status.Conversation.Status)
		assert.Equal(t, start.Add(30*time.Second), status.OccurredAt, "the conversation's UpdatedAt, which moved")
		assigned := f.events[3]
		require.NotNil(t, assigned.Conversation.Assignee)
		assert.Equal(t, "agt_1", assigned.Conversation.Assignee.ID)

		for i, text := range map[int]string{4: "On it.", 5: "VIP", 7: "Another thing"} {
			ev := f.events[i]
			require.NotNil(t, ev.Message, ev.DeliveryID)
			assert.Equal(t, text, ev.Message.Text)
			assert.Equal(t, ev.Message.ID, ev.MessageID)
			assert.Equal(t, ev.Message.ConversationID, ev.ConversationID)
			assert.Equal(t, ev.Message.CreatedAt, ev.OccurredAt)
		}
		assert.Equal(t, support.Inbound, f.events[7].Message.Direction)
		assert.True(t, f.events[5].Message.Internal)
		assert.Equal(t, "conv_2", f.events[6].Conversation.ID)
	})
}

// Backlog: the first poll emits what exists; without it, nothing.
func TestWatchBacklog(t *testing.T) {
	for _, backlog := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			c := memoryWorld(t)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			f := watch(ctx, c, events.WatchOptions{Backlog: backlog}, nil)
			require.Empty(t, f.errs)
			if !backlog {
				assert.Empty(t, f.events)
				return
			}
			assert.Equal(t, []string{"poll:contact.created/ctc_1", "poll:conversation.created/conv_1", "poll:message.received/conv_1/msg_1"}, f.ids())
		})
	}
}

// Point 3, exactly once across a stop: stopping the loop after any event
// and starting a new Watch from the same checkpoint hands on the rest,
// each event once, as one run without a stop does.
func TestWatchResumesAfterEveryEvent(t *testing.T) {
	run := func(t *testing.T, stopAfter int) []string {
		var ids []string
		synctest.Test(t, func(t *testing.T) {
			c := memoryWorld(t)
			first, second := everyKind(t, c)
			wait := at(map[time.Duration]func(){30 * time.Second: first, 90 * time.Second: second})
			cp := &events.MemoryCheckpoint{}
			opts := events.WatchOptions{Interval: time.Minute, Budget: 6000, Checkpoint: cp}
			ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
			defer cancel()
			f := watch(ctx, c, opts, func(n int, _ events.Event) bool { return n == stopAfter })
			require.Empty(t, f.errs)
			ids = f.ids()
			if stopAfter > 0 {
				f = watch(ctx, c, opts, nil)
				require.Empty(t, f.errs)
				ids = append(ids, f.ids()...)
			}
			wait()
		})
		return ids
	}
	want := run(t, 0)
	require.Len(t, want, 9)
	for k := 1; k <= len(want); k++ {
		assert.Equal(t, want, run(t, k), "stopped after event %d", k)
	}
}

// A Save that fails is yielded; the event before it is emitted again by
// the next poll, with the same DeliveryID, and nothing is skipped.
func TestWatchSaveFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memoryWorld(t)
		first, second := everyKind(t, c)
		// The poll after the failed one (at 120 s) sees the first step's
		// changes again; the second comes after it.
		wait := at(map[time.Duration]func(){30 * time.Second: first, 150 * time.Second: second})
		// Save 1 ends the first poll; save 3 follows the second event of
		// the second poll.
		cp := &flakyCheckpoint{fail: func(n int) bool { return n == 3 }}
		ctx, cancel := context.WithTimeout(t.Context(), 210*time.Second)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Budget: 6000, Checkpoint: cp}, nil)
		wait()
		require.Len(t, f.errs, 1)
		assert.ErrorContains(t, f.errs[0], "store down")
		ids := f.ids()
		require.Len(t, ids, 10)
		assert.Equal(t, ids[1], ids[2], "the event whose save failed comes again")
		assert.True(t, strings.HasPrefix(ids[0], "poll:contact.updated/ctc_1/1/"))
		assert.Equal(t, "poll:contact.created/ctc_2", ids[1])
		assert.Equal(t, "poll:conversation.status_changed/conv_1/3/closed", ids[9])
		seen := map[string]int{}
		for _, id := range ids {
			seen[id]++
		}
		assert.Len(t, seen, 9, "the nine changes, one of them twice")
	})
}

// A cancelled feed returns without an error, having saved what it handed
// on: a new Watch emits only what came after.
func TestWatchCancelSaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memoryWorld(t)
		first, _ := everyKind(t, c)
		cp := &events.MemoryCheckpoint{}
		opts := events.WatchOptions{Interval: time.Minute, Budget: 6000, Checkpoint: cp}
		ctx, cancel := context.WithCancel(t.Context())
		wait := at(map[time.Duration]func(){30 * time.Second: first})
		f := watch(ctx, c, opts, func(n int, _ events.Event) bool {
			if n == 3 {
				cancel()
			}
			return false
		})
		wait()
		require.Empty(t, f.errs)
		require.Len(t, f.events, 3)
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
		defer cancel2()
		g := watch(ctx2, c, opts, nil)
		require.Empty(t, g.errs)
		assert.Len(t, g.events, 5, "the other five of the poll")
		assert.NotContains(t, g.ids(), f.ids()[2])
	})
}

// Kinds: only the kinds asked for are emitted.
func TestWatchKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memoryWorld(t)
		first, second := everyKind(t, c)
		wait := at(map[time.Duration]func(){30 * time.Second: first, 90 * time.Second: second})
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Budget: 6000,
			Kinds: []events.Kind{events.KindMessageReceived, events.KindConversationStatusChanged}}, nil)
		wait()
		require.Empty(t, f.errs)
		assert.Equal(t, []string{
			"poll:conversation.status_changed/conv_1/1/pending",
			"poll:message.received/conv_2/msg_4",
			"poll:conversation.status_changed/conv_1/3/closed",
		}, f.ids())
	})
}

// A contact that is no longer listed is forgotten: the checkpoint does not
// grow with deleted contacts.
func TestWatchForgetsDeletedContacts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memoryWorld(t)
		cp := &events.MemoryCheckpoint{}
		wait := at(map[time.Duration]func(){30 * time.Second: func() {
			require.NoError(t, c.DeleteContact(context.Background(), support.ID("ctc_1")))
		}})
		contacts := func() map[string]any {
			data, err := cp.Load(t.Context())
			require.NoError(t, err)
			var v struct{ Contacts map[string]any }
			require.NoError(t, json.Unmarshal(data, &v))
			return v.Contacts
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		watch(ctx, c, events.WatchOptions{Interval: time.Minute, Checkpoint: cp}, nil)
		assert.Contains(t, contacts(), "ctc_1")
		ctx, cancel = context.WithTimeout(t.Context(), 90*time.Second) // polls at 10 s and 70 s
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Checkpoint: cp}, nil)
		wait()
		require.Empty(t, f.errs)
		assert.Empty(t, f.events)
		assert.NotContains(t, contacts(), "ctc_1")
	})
}

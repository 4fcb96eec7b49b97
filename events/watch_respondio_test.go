package events_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// seedOpen seeds a respond.io contact with an open conversation.
func seedOpen(t *testing.T, s *respondiotest.Simulator, email string) respondiotest.Contact {
	t.Helper()
	ct, err := s.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: email, Status: "open"})
	require.NoError(t, err)
	return ct
}

// seedMessage adds an incoming message to contact id's conversation.
func seedMessage(t *testing.T, s *respondiotest.Simulator, id int64, text string, createdAt time.Time) respondiotest.Message {
	t.Helper()
	m, err := s.SeedMessage(respondiotest.Message{ContactID: id, Text: text, CreatedAt: createdAt})
	require.NoError(t, err)
	return m
}

// A stop right after a conversation's status event, before its messages:
// respond.io conversations have no UpdatedAt and this one is closed now,
// so only the checkpoint can say that its messages are still to be read.
func TestWatchResumesTheMessagesAfterAStatusChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := respondSim(t)
		seedOpen(t, s, "ada@example.com")
		cp := &events.MemoryCheckpoint{}
		opts := events.WatchOptions{Interval: time.Minute, Budget: 600, Checkpoint: cp}
		wait := at(map[time.Duration]func(){30 * time.Second: func() {
			seedMessage(t, s, 1, "Still there?", time.Time{})
			require.NoError(t, c.SetStatus(context.Background(), "1", support.StatusChange{Status: support.StatusClosed}))
		}})
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		f := watch(ctx, c, opts, func(int, events.Event) bool { return true })
		require.Empty(t, f.errs)
		assert.Equal(t, []string{"poll:conversation.status_changed/1/1/closed"}, f.ids())
		g := watch(ctx, c, opts, nil)
		wait()
		require.Empty(t, g.errs)
		require.Equal(t, []string{"poll:message.received/1/1"}, g.ids())
		assert.Equal(t, "Still there?", g.events[0].Message.Text)
		assert.Equal(t, "1", g.events[0].ContactID)
	})
}

// Late messages: one listed with a CreatedAt less than five minutes before
// the newest of its conversation is emitted; one more than five minutes
// before is taken as seen.
func TestWatchLateMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := respondSim(t)
		seedOpen(t, s, "ada@example.com")
		start := time.Now()
		wait := at(map[time.Duration]func(){
			30 * time.Second: func() { seedMessage(t, s, 1, "newest", time.Time{}) },
			90 * time.Second: func() {
				seedMessage(t, s, 1, "4 minutes late", start.Add(30*time.Second-4*time.Minute))
				seedMessage(t, s, 1, "6 minutes late", start.Add(30*time.Second-6*time.Minute))
			},
		})
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Second)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Budget: 600}, nil)
		wait()
		require.Empty(t, f.errs)
		var texts []string
		for _, ev := range f.events {
			texts = append(texts, ev.Message.Text)
		}
		assert.Equal(t, []string{"newest", "4 minutes late"}, texts)
	})
}

// A poll that fails after the contacts were listed (the messages list
// fails, retries included) hands on nothing; the next one hands on
// everything once.
func TestWatchFailedPollChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := respondSim(t)
		ct := seedOpen(t, s, "ada@example.com")
		seedMessage(t, s, ct.ID, "Hello", time.Time{})
		s.Faults.Next(4, sim.Match{Method: "GET", Path: "/v2/contact/id:1/message/list"}, sim.Unavailable(503))
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		f := watch(ctx, c, events.WatchOptions{Interval: time.Minute, Budget: 600, Backlog: true}, nil)
		require.Len(t, f.errs, 1)
		assert.ErrorIs(t, f.errs[0], support.ErrUnavailable)
		assert.Equal(t, 0, s.Faults.Pending())
		assert.Equal(t, []string{"poll:contact.created/1", "poll:conversation.created/1", "poll:message.received/1/1"}, f.ids())
	})
}

// A kind the vendor cannot reveal is one error, before any request, and the
// feed stops.
func TestWatchRefusesAKindTheListsCannotReveal(t *testing.T) {
	for _, kind := range []events.Kind{events.KindNoteAdded, events.KindOther, "contact.deleted"} {
		synctest.Test(t, func(t *testing.T) {
			s, c := respondSim(t)
			n := 0
			var got error
			for _, err := range events.Watch(t.Context(), c, events.WatchOptions{Kinds: []events.Kind{events.KindMessageReceived, kind}}) {
				n++
				got = err
			}
			assert.Equal(t, 1, n, "one error, then the end")
			assert.ErrorIs(t, got, support.ErrUnsupported)
			assert.ErrorContains(t, got, string(kind))
			assert.Equal(t, 0, s.Stats.Total())
		})
	}
}

// A checkpoint of another vendor or account is refused, and left as it is.
func TestWatchRefusesACheckpointOfAnotherVendor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cp := &events.MemoryCheckpoint{}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		watch(ctx, memoryWorld(t), events.WatchOptions{Checkpoint: cp}, nil)
		saved, err := cp.Load(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, saved)

		s, c := respondSim(t)
		n := 0
		for _, err := range events.Watch(t.Context(), c, events.WatchOptions{Checkpoint: cp}) {
			n++
			require.ErrorIs(t, err, events.ErrBadCheckpoint)
			assert.ErrorContains(t, err, `vendor "memory"`)
		}
		assert.Equal(t, 1, n)
		assert.Equal(t, 0, s.Stats.Total())
		after, err := cp.Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, saved, after)
	})
}

// errLoad is a Checkpoint whose Load fails n times.
type errLoad struct {
	events.MemoryCheckpoint
	n int
}

func (e *errLoad) Load(ctx context.Context) ([]byte, error) {
	if e.n > 0 {
		e.n--
		return nil, errors.New("store down")
	}
	return e.MemoryCheckpoint.Load(ctx)
}

// A Load that fails is yielded and tried again at the next poll.
func TestWatchRetriesALoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		f := watch(ctx, memoryWorld(t), events.WatchOptions{Checkpoint: &errLoad{n: 1}, Interval: time.Minute, Backlog: true}, nil)
		require.Len(t, f.errs, 1)
		assert.ErrorContains(t, f.errs[0], "store down")
		assert.Len(t, f.events, 3)
	})
}

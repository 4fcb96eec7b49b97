package events_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// world is a simulated vendor with conversations that the tests change
// without requests of the feed's.
type world struct {
	feed   *support.Client // the feed's client
	faults *sim.Faults
	stats  *sim.Stats
	lists  []sim.Match // the routes of the feed's lists
	convs  []string    // open conversations, each with one message
	reply  func(conv, text string)
	status func(conv string, s support.ConversationStatus)
}

// retries is the retry budget of the feed's clients: enough that the
// Client's own retries get most calls through the faults (with the
// default, 10, most retries are refused once it is spent, and most polls
// fail: the feed is right, but sees little).
const retries = 1000

// respondWorld is a respond.io simulator with n open conversations.
func respondWorld(t *testing.T, n int) *world {
	s, c := respondSim(t, func(cfg *respondio.Config) { cfg.RetryBudget = retries })
	// The test's own changes go through a client of their own.
	changer, err := respondio.New(respondio.Config{Token: respondiotest.Token, BaseURL: respondiotest.InProcessURL,
		HTTPClient: s.InProcess(), RateLimit: -1})
	require.NoError(t, err)
	w := &world{feed: c, faults: s.Faults, stats: s.Stats,
		lists: []sim.Match{{Method: "POST", Path: "/v2/contact/list"}, {Method: "GET", Path: "/v2/contact/"}},
		reply: func(conv string, text string) {
			var id int64
			fmt.Sscan(conv, &id)
			seedMessage(t, s, id, text, time.Time{})
		},
		status: func(conv string, st support.ConversationStatus) {
			require.NoError(t, changer.SetStatus(context.Background(), conv, support.StatusChange{Status: st}))
		},
	}
	for i := range n {
		ct := seedOpen(t, s, fmt.Sprintf("c%d@example.com", i))
		seedMessage(t, s, ct.ID, "before", time.Time{})
		w.convs = append(w.convs, fmt.Sprint(ct.ID))
	}
	return w
}

// tidyWorld is a TidySupport simulator with n open conversations.
func tidyWorld(t *testing.T, n int) *world {
	s := tidysupporttest.New(tidysupporttest.Options{RealTime: true, Seed: 7})
	c, err := tidysupport.New(tidysupport.Config{APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL: "http://127.0.0.1", HTTPClient: s.InProcess(), RateLimit: rate.Inf, RetryBudget: retries})
	require.NoError(t, err)
	w := &world{feed: c, faults: s.Faults, stats: s.Stats, lists: []sim.Match{{Method: "GET", Path: "/v1/"}},
		reply: func(conv, text string) {
			_, err := s.SimulateCustomerReply(conv, text)
			require.NoError(t, err)
		},
		status: func(conv string, st support.ConversationStatus) {
			require.True(t, s.SetConversationStatus(conv, map[support.ConversationStatus]string{support.StatusOpen: "OPEN", support.StatusClosed: "CLOSED"}[st]))
		},
	}
	for i := range n {
		ct := s.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i), Name: "Ada"})
		cv := s.SeedConversation(tidysupporttest.Conversation{ContactID: ct.ID, Subject: "Help"},
			tidysupporttest.Message{Direction: "INBOUND", SenderType: "CUSTOMER", ContentText: "before"})
		w.convs = append(w.convs, cv.ID)
	}
	return w
}

// history is what a scenario did: every message sent in, and each
// conversation's status changes, in order.
type history struct {
	messages map[string]string // text → conversation
	statuses map[string][]support.ConversationStatus
}

// scenario makes, for the duration d, random replies to open conversations
// and status changes (each conversation's at least six minutes apart,
// longer than a poll and the pause after it, so that a poll sees each),
// at random moments: between
// polls and during them (while the feed waits for its budget or a retry),
// and now and then a call that fails even after its retries.
func scenario(w *world, seed uint64, d time.Duration) (*history, func()) {
	h := &history{messages: map[string]string{}, statuses: map[string][]support.ConversationStatus{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := rand.New(rand.NewPCG(seed, 1))
		open := map[string]bool{}
		last := map[string]time.Time{}
		for _, cv := range w.convs {
			open[cv] = true
		}
		end := time.Now().Add(d)
		for n := 0; time.Now().Before(end); n++ {
			time.Sleep(time.Duration(1+r.IntN(20)) * time.Second)
			if n%15 == 0 {
				// The next call to the first list fails, retries included:
				// a failed poll.
				w.faults.Next(4, w.lists[0], sim.Unavailable(503))
			}
			cv := w.convs[r.IntN(len(w.convs))]
			switch {
			case r.IntN(4) == 0 && time.Since(last[cv]) > 6*time.Minute:
				st := support.StatusClosed
				if !open[cv] {
					st = support.StatusOpen
				}
				w.status(cv, st)
				open[cv], last[cv] = st == support.StatusOpen, time.Now()
				h.statuses[cv] = append(h.statuses[cv], st)
			case open[cv]:
				text := fmt.Sprintf("m%d", n)
				w.reply(cv, text)
				h.messages[text] = cv
			}
		}
	}()
	return h, func() { <-done }
}

// Point 3, "Done when": the change feed emits each new message and status
// change exactly once across restarts, under 429s and 5xx on its list
// routes, with its checkpoint in a file. The feed is stopped twice in the
// middle of its work (a break) and started again from the file, as a new
// process would; the changes go on meanwhile.
func TestWatchExactlyOnceAcrossRestarts(t *testing.T) {
	for name, mk := range map[string]func(*testing.T, int) *world{"respondio": respondWorld, "tidysupport": tidyWorld} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := mk(t, 8)
				path := filepath.Join(t.TempDir(), "feed.checkpoint")
				opts := func() events.WatchOptions {
					cp, err := events.NewFileCheckpoint(path)
					require.NoError(t, err)
					return events.WatchOptions{Checkpoint: cp, Interval: 30 * time.Second, Budget: 120, Logger: slog.New(slog.DiscardHandler)}
				}
				ctx, cancel := context.WithTimeout(t.Context(), 45*time.Minute)
				defer cancel()

				// The first run records the world as it is (its first poll), then
				// the faults and the changes begin.
				firstCtx, stopFirst := context.WithTimeout(ctx, 20*time.Second)
				first := watch(firstCtx, w.feed, opts(), nil)
				stopFirst()
				require.Empty(t, first.events)
				require.Empty(t, first.errs)
				for _, m := range w.lists {
					w.faults.Chance(0.08, m, sim.RateLimit(""))
					w.faults.Chance(0.08, m, sim.Unavailable(503))
				}
				h, wait := scenario(w, 1, 25*time.Minute)

				var all feed
				for _, stopAfter := range []int{15, 30, 0} {
					time.Sleep(45 * time.Second) // the feed is down; the changes go on
					f := watch(ctx, w.feed, opts(), func(n int, _ events.Event) bool { return n == stopAfter })
					if stopAfter > 0 {
						require.Len(t, f.events, stopAfter, "stopped in the middle")
					}
					all.events = append(all.events, f.events...)
					all.errs = append(all.errs, f.errs...)
				}
				wait()

				byID := map[string]int{}
				for _, ev := range all.events {
					byID[ev.DeliveryID]++
				}
				for id, n := range byID {
					assert.Equal(t, 1, n, "DeliveryID %s", id)
				}
				got := &history{messages: map[string]string{}, statuses: map[string][]support.ConversationStatus{}}
				texts := map[string]int{}
				for _, ev := range all.events {
					switch ev.Kind {
					case events.KindMessageReceived:
						texts[ev.Message.Text]++
						got.messages[ev.Message.Text] = ev.ConversationID
					case events.KindConversationStatusChanged:
						got.statuses[ev.ConversationID] = append(got.statuses[ev.ConversationID], ev.Conversation.Status)
					default:
						t.Errorf("unexpected event %s", ev.DeliveryID)
					}
				}
				for text, n := range texts {
					assert.Equal(t, 1, n, "message %q", text)
				}
				assert.Equal(t, h.messages, got.messages, "every message sent in, once, in its conversation")
				assert.Equal(t, h.statuses, got.statuses, "every status change, once, in order")
				require.Greater(t, len(h.messages), 30)
				require.Greater(t, len(h.statuses), 3)
				require.NotEmpty(t, all.errs, "failed polls")
				counts := w.faults.Counts()
				assert.Positive(t, counts[sim.KindRateLimit])
				assert.Positive(t, counts[sim.KindUnavailable])
				t.Logf("%d events, %d messages, %d conversations changed status; faults %v; %d failed polls", len(all.events), len(h.messages), len(h.statuses), counts, len(all.errs))
			})
		})
	}
}

// A first poll does not read the messages of a closed conversation whose
// UpdatedAt covers them (TidySupport's lastMessageAt): when it reopens
// with a reply, only the reply is new.
func TestWatchFirstPollSkipsClosedConversations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := tidyWorld(t, 2)
		closed := w.convs[0]
		w.status(closed, support.StatusClosed)
		time.Sleep(time.Second)
		wait := at(map[time.Duration]func(){30 * time.Second: func() {
			w.status(closed, support.StatusOpen)
			w.reply(closed, "Me again")
		}})
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		f := watch(ctx, w.feed, events.WatchOptions{Interval: time.Minute, Budget: 600}, nil)
		require.Empty(t, f.errs)
		require.Empty(t, f.events)
		assert.Equal(t, 1, w.stats.Count(tidysupporttest.RouteListMessages), "only the open conversation's messages are read")

		ctx, cancel = context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		f = watch(ctx, w.feed, events.WatchOptions{Interval: time.Minute, Budget: 600}, nil)
		wait()
		require.Empty(t, f.errs)
		require.Equal(t, []events.Kind{events.KindConversationStatusChanged, events.KindMessageReceived}, f.kinds())
		assert.Equal(t, "Me again", f.events[1].Message.Text)
	})
}

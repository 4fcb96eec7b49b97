package events

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// pageSize is the page size a poll asks for (see Watch).
const pageSize = 100

// snapshot is what one poll listed.
type snapshot struct {
	at            time.Time // when the listing ended, in UTC
	contacts      []support.Contact
	conversations []support.Conversation
	// messages are the messages of the conversations read, by
	// conversation ID, oldest first.
	messages map[string][]support.Message
}

// gather lists what the poll needs. Any failure fails the whole poll.
func (w *watcher) gather(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{messages: map[string][]support.Message{}}
	var err error
	if w.contacts {
		snap.contacts, err = listAll(ctx, w, func(ctx context.Context, cursor string) (support.Page[support.Contact], error) {
			return w.c.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: cursor, Limit: pageSize}})
		})
		if err != nil {
			return nil, fmt.Errorf("events: watch: listing contacts: %w", err)
		}
		snap.contacts = uniq(snap.contacts, func(c support.Contact) string { return c.ID })
	}
	if w.conversations {
		snap.conversations, err = listAll(ctx, w, func(ctx context.Context, cursor string) (support.Page[support.Conversation], error) {
			return w.c.ListConversations(ctx, support.ConversationListOptions{ListOptions: support.ListOptions{Cursor: cursor, Limit: pageSize}})
		})
		if err != nil {
			return nil, fmt.Errorf("events: watch: listing conversations: %w", err)
		}
		snap.conversations = uniq(snap.conversations, func(c support.Conversation) string { return c.ID })
	}
	for _, cv := range snap.conversations {
		old, known := w.st.Conversations[cv.ID]
		if !w.readsMessages(old, known, cv) {
			continue
		}
		msgs, err := listAll(ctx, w, func(ctx context.Context, cursor string) (support.Page[support.Message], error) {
			return w.c.ListMessages(ctx, cv.ID, support.ListOptions{Cursor: cursor, Limit: pageSize})
		})
		if errors.Is(err, support.ErrNotFound) {
			// Gone since it was listed: its messages are read at the next
			// poll that lists it (convState.Unread).
			w.log.LogAttrs(ctx, slog.LevelDebug, "events: watch: a listed conversation has no messages to list",
				slog.String("conversation_id", cv.ID), slog.Any("error", err))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("events: watch: listing the messages of conversation %.40q: %w", cv.ID, err)
		}
		msgs = uniq(msgs, func(m support.Message) string { return m.ID })
		slices.SortStableFunc(msgs, func(a, b support.Message) int { return a.CreatedAt.Compare(b.CreatedAt) })
		snap.messages[cv.ID] = msgs
	}
	snap.at = time.Now().UTC().Round(0)
	return snap, nil
}

// listAll lists every page of a list within the budget.
func listAll[T any](ctx context.Context, w *watcher, fetch support.FetchFunc[T]) ([]T, error) {
	var items []T
	for p, err := range support.Pages(ctx, "", func(ctx context.Context, cursor string) (support.Page[T], error) {
		return call(ctx, w, func(ctx context.Context) (support.Page[T], error) { return fetch(ctx, cursor) })
	}) {
		if err != nil {
			return nil, err
		}
		items = append(items, p.Items...)
	}
	return items, nil
}

// uniq keeps the first item of each ID (a list whose items moved between
// pages may list one twice), and drops items without an ID.
func uniq[T any](items []T, id func(T) string) []T {
	seen := make(map[string]bool, len(items))
	return slices.DeleteFunc(items, func(it T) bool {
		k := id(it)
		dup := k == "" || seen[k]
		seen[k] = true
		return dup
	})
}

// readsMessages reports whether a poll reads the messages of cv, whose
// state is old (known false when the feed has none).
func (w *watcher) readsMessages(old convState, known bool, cv support.Conversation) bool {
	switch {
	case !w.messages:
		return false
	case w.skipsReading(old, known, cv):
		return false
	case !known || !old.MessagesRead || old.Unread:
		return true
	}
	return cv.Status != support.StatusClosed || cv.Status != old.Status ||
		assigneeKey(cv.Assignee) != old.Assignee || !cv.UpdatedAt.Equal(old.UpdatedAt)
}

// skipsReading reports whether cv's messages are recorded without being
// read: they would be recorded silently (a first poll without Backlog),
// and cv is closed with an UpdatedAt, which then covers them.
func (w *watcher) skipsReading(old convState, known bool, cv support.Conversation) bool {
	return w.messages && !w.emitsMessages(old, known) && cv.Status == support.StatusClosed && !cv.UpdatedAt.IsZero()
}

// emitsMessages reports whether the new messages of a conversation whose
// state is old are emitted, rather than recorded silently: they are
// unless the conversation is first seen on a first poll, or its messages
// were never read (Backlog emits them all the same).
func (w *watcher) emitsMessages(old convState, known bool) bool {
	if w.opts.Backlog {
		return true
	}
	if !known {
		return w.st.ConversationsRead
	}
	return old.MessagesRead
}

// change is one step of a poll: an event to hand on (nil for a silent
// change, or when its kind is not watched) and the change to the state
// that records it.
type change struct {
	event *Event
	apply func(st *watchState)
}

// diff returns the changes that snap shows against w.st, in the order
// they are handed on.
func (w *watcher) diff(snap *snapshot) []change {
	var out []change
	if w.contacts {
		out = append(out, w.contactChanges(snap)...)
	}
	if w.conversations {
		for _, cv := range snap.conversations {
			out = append(out, w.conversationChanges(snap, cv)...)
		}
		out = append(out, change{apply: func(st *watchState) { st.ConversationsRead = true }})
	}
	return out
}

func (w *watcher) contactChanges(snap *snapshot) []change {
	var out []change
	silent := !w.st.ContactsRead && !w.opts.Backlog
	listed := make(map[string]bool, len(snap.contacts))
	for _, ct := range snap.contacts {
		listed[ct.ID] = true
		fp := fingerprint(ct)
		old, known := w.st.Contacts[ct.ID]
		var ev *Event
		rec := contactState{Fingerprint: fp}
		switch {
		case !known:
			ev = w.event(KindContactCreated, firstTime(ct.CreatedAt, snap.at), ct.ID)
		case old.Fingerprint != fp:
			rec.Changes = old.Changes + 1
			ev = w.event(KindContactUpdated, snap.at, ct.ID, strconv.Itoa(rec.Changes), fp)
		default:
			continue
		}
		if silent {
			ev = nil
		} else {
			ev.ContactID, ev.Contact, ev.Raw = ct.ID, &ct, ct.Raw
		}
		id := ct.ID
		out = append(out, change{event: ev, apply: func(st *watchState) { st.Contacts[id] = rec }})
	}
	return append(out, change{apply: func(st *watchState) {
		for id := range st.Contacts {
			if !listed[id] {
				delete(st.Contacts, id)
			}
		}
		st.ContactsRead = true
	}})
}

func (w *watcher) conversationChanges(snap *snapshot, cv support.Conversation) []change {
	var out []change
	id, assignee := cv.ID, assigneeKey(cv.Assignee)
	old, known := w.st.Conversations[id]
	withConv := func(ev *Event) *Event {
		ev.ConversationID, ev.ContactID, ev.Conversation, ev.Raw = id, cv.ContactID, &cv, cv.Raw
		return ev
	}
	if !known {
		var ev *Event
		if w.st.ConversationsRead || w.opts.Backlog {
			ev = withConv(w.event(KindConversationCreated, firstTime(cv.CreatedAt, cv.UpdatedAt, snap.at), id))
		}
		rec := convState{Status: cv.Status, Assignee: assignee, UpdatedAt: cv.UpdatedAt,
			MessagesRead: w.messages && w.emitsMessages(old, known), Unread: w.messages}
		out = append(out, change{event: ev, apply: func(st *watchState) { st.Conversations[id] = rec }})
	} else {
		// A change's time: UpdatedAt when it moved, else the poll's.
		at := snap.at
		if cv.UpdatedAt.After(old.UpdatedAt) {
			at = cv.UpdatedAt
		}
		n := old.Changes
		if cv.Status != old.Status {
			n++
			ev := withConv(w.event(KindConversationStatusChanged, at, id, strconv.Itoa(n), string(cv.Status)))
			status, changes := cv.Status, n
			out = append(out, change{event: ev, apply: func(st *watchState) {
				r := st.Conversations[id]
				r.Status, r.Changes, r.Unread = status, changes, r.Unread || w.messages
				st.Conversations[id] = r
			}})
		}
		if assignee != old.Assignee {
			n++
			ev := withConv(w.event(KindConversationAssigned, at, id, strconv.Itoa(n), cmp.Or(assignee, "none")))
			changes := n
			out = append(out, change{event: ev, apply: func(st *watchState) {
				r := st.Conversations[id]
				r.Assignee, r.Changes, r.Unread = assignee, changes, r.Unread || w.messages
				st.Conversations[id] = r
			}})
		}
	}
	out = append(out, w.messageChanges(snap, cv, old, known)...)
	return out
}

// messageChanges returns the changes of cv's messages, and the last
// change, which records that they were read.
func (w *watcher) messageChanges(snap *snapshot, cv support.Conversation, old convState, known bool) []change {
	var out []change
	id, updatedAt := cv.ID, cv.UpdatedAt
	msgs, read := snap.messages[id]
	skipped := w.skipsReading(old, known, cv)
	if read {
		emit := w.emitsMessages(old, known)
		wm := old.watermark.clone()
		for _, m := range msgs {
			if wm.seen(m.ID, m.CreatedAt) {
				continue
			}
			wm.add(m.ID, m.CreatedAt)
			var ev *Event
			if emit {
				kind := messageKind(m)
				ev = w.event(kind, firstTime(m.CreatedAt, snap.at), id, m.ID)
				ev.ConversationID, ev.MessageID, ev.ContactID, ev.Message, ev.Raw = id, m.ID, cv.ContactID, &m, m.Raw
			}
			mid, at := m.ID, m.CreatedAt
			out = append(out, change{event: ev, apply: func(st *watchState) {
				r := st.Conversations[id]
				r.watermark = r.watermark.clone()
				r.add(mid, at)
				st.Conversations[id] = r
			}})
		}
	}
	// Messages wanted but not read (the conversation went missing) are
	// read at the next poll.
	missed := w.readsMessages(old, known, cv) && !read
	return append(out, change{apply: func(st *watchState) {
		r := st.Conversations[id]
		r.UpdatedAt = updatedAt
		switch {
		case read:
			r.MessagesRead, r.Unread = true, false
		case skipped:
			r.MessagesRead, r.Unread = true, false
			r.Floor, r.Latest = updatedAt, updatedAt
		case missed:
			r.Unread = true
		}
		st.Conversations[id] = r
	}})
}

// messageKind is the kind of event a new message is.
func messageKind(m support.Message) Kind {
	switch {
	case m.Internal:
		return KindNoteAdded
	case m.Direction == support.Inbound || (m.Direction != support.Outbound && m.AuthorKind == support.AuthorContact):
		return KindMessageReceived
	}
	return KindMessageSent
}

// event returns an event of kind at at, whose DeliveryID is made of the
// kind and ids.
func (w *watcher) event(kind Kind, at time.Time, ids ...string) *Event {
	var b strings.Builder
	b.WriteString("poll:" + string(kind))
	for _, id := range ids {
		b.WriteString("/" + url.PathEscape(id))
	}
	return &Event{Kind: kind, Vendor: w.c.Vendor(), OccurredAt: at.UTC(), DeliveryID: b.String()}
}

// assigneeKey names a conversation's assignee in the state: "" when
// unassigned.
func assigneeKey(a *support.Assignee) string {
	if a == nil || (a.ID == "" && a.Email == "") {
		return ""
	}
	return string(a.Kind) + ":" + cmp.Or(a.ID, "email:"+a.Email)
}

// fingerprint is a hash of a contact's neutral fields (not Raw), with its
// tags in order.
func fingerprint(c support.Contact) string {
	c.Raw = nil
	c.Tags = slices.Sorted(slices.Values(c.Tags))
	data, err := json.Marshal(c) // maps encode with sorted keys
	if err != nil {
		panic("events: encoding a contact: " + err.Error()) // strings and times always encode
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}

// firstTime returns the first of ts that is not zero.
func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

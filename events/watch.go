package events

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// Defaults of WatchOptions.
const (
	// DefaultWatchInterval is the pause between the end of one poll and the
	// start of the next.
	DefaultWatchInterval = 30 * time.Second
	// DefaultWatchBudget is the requests a minute a change feed may send
	// when WatchOptions.Budget is 0: a third of Tidio's Plus limit of 60
	// [D T-rl], so that the app's own calls keep the rest.
	DefaultWatchBudget = 20
)

// lateWindow is how far before the newest message of a conversation the
// feed still looks for messages it has not seen (see Watch).
const lateWindow = 5 * time.Minute

// WatchOptions configures Watch. The zero value watches every kind the
// client's vendor can reveal, polls every DefaultWatchInterval, spends at
// most DefaultWatchBudget requests a minute and keeps its checkpoint in
// memory.
type WatchOptions struct {
	// Checkpoint stores what the feed has seen, so that a new Watch
	// resumes where an earlier one stopped; nil means a new
	// MemoryCheckpoint, which does not survive the process.
	Checkpoint Checkpoint
	// Kinds are the kinds to emit; nil (or empty) means PolledKinds of the
	// client's capabilities. A kind the vendor's lists cannot reveal is an
	// error. Leaving out the contact kinds saves a listing of every
	// contact per poll; leaving out the message kinds saves a listing of
	// messages per conversation.
	Kinds []Kind
	// Interval is the pause between the end of one poll and the next; 0
	// means DefaultWatchInterval.
	Interval time.Duration
	// Budget is the number of requests a minute the feed may send to the
	// vendor, retries included; 0 means DefaultWatchBudget. The feed waits
	// rather than go over it (see Watch for the burst it allows).
	Budget int
	// Backlog makes the first poll from an empty checkpoint emit what
	// already exists (every contact and conversation as created, every
	// message as received or sent). By default the first poll records it
	// silently, and only what changes after is emitted. It applies as well
	// to a list the checkpoint has not read yet (a kind added to Kinds
	// since it was saved).
	Backlog bool
	// Logger receives the feed's waits (Debug) and failed polls (Warn);
	// nil means slog.Default().
	Logger *slog.Logger
}

// Checkpoint keeps the state of a change feed between runs. The data is
// opaque to the store.
type Checkpoint interface {
	// Load returns the data last saved, or nil and no error when nothing
	// was saved yet.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the data.
	Save(ctx context.Context, data []byte) error
}

// Watch returns the change feed of the platform behind c: it polls c's
// lists and emits an Event for each change it finds, for the kinds of
// opts.Kinds. It runs until ctx ends or the loop stops. Errors are yielded
// and the feed goes on with the next poll; break to stop on one.
//
// Each event is emitted once: the checkpoint is saved after each event is
// handed on and before the next is produced, so a Watch started from the
// same checkpoint after a stop, a cancellation or a crash emits neither an
// event handed on before nor skips one that was not. Only a crash inside
// the loop body, between receiving an event and the save, can hand it on
// again; it then carries the same DeliveryID, which a Dedup recognises.
//
// # What a poll does
//
// A poll lists every contact (for the contact kinds), every conversation
// (for the conversation and message kinds), and the messages of each
// conversation that is new, has changed (UpdatedAt, status or assignee),
// or is not closed: vendors do not document that UpdatedAt moves when a
// message arrives, and respond.io has none. A message added to a closed
// conversation whose listing shows no change is therefore found when the
// conversation next changes or reopens, not before. Where a poll emits:
//
//   - a contact not seen before: KindContactCreated; one whose neutral
//     fields changed (a hash of them, not of Raw): KindContactUpdated;
//   - a conversation not seen before: KindConversationCreated; a new
//     status: KindConversationStatusChanged; a new assignee:
//     KindConversationAssigned;
//   - a message not seen before: KindNoteAdded when Internal,
//     KindMessageReceived when inbound or written by the contact,
//     KindMessageSent otherwise.
//
// The events of a poll come contacts first, then conversation by
// conversation in listing order (its own events, then its messages oldest
// first). Each carries Vendor, the IDs involved, the neutral object as
// listed (Contact, Conversation, Message; a message event carries the
// conversation's ContactID), its Raw, and no Topic (the vendor has none
// for it). OccurredAt, in UTC, is a message's CreatedAt; a contact's
// CreatedAt when it was created; a conversation's CreatedAt when it was
// created (else its UpdatedAt); for the other changes the conversation's
// UpdatedAt when it moved since the poll before, else (and for an updated
// contact) the time of the poll that saw the change. A poll's time comes
// after the change, but that is all the lists say.
//
// DeliveryIDs are "poll:" followed by the kind and the IDs, the same when
// an event is emitted again: "poll:message.received/<conversation
// ID>/<message ID>", "poll:contact.created/<contact ID>",
// "poll:conversation.created/<conversation ID>", and for the changes of
// an object a change number and the new value
// ("poll:conversation.status_changed/<ID>/<n>/closed",
// "poll:contact.updated/<ID>/<n>/<fingerprint>"), so that a later change
// to the same value has a new ID.
//
// Polls see states, not changes: a change undone before the next poll
// (a conversation closed and reopened in between) is not seen, and
// several changes to one contact are one update. The first poll from an
// empty checkpoint records what exists without emitting it, unless
// opts.Backlog. A contact that is no longer listed is
// forgotten (if it comes back it is created again, with the same
// DeliveryID); a conversation is kept, since vendors hide some (an
// archived TidySupport thread) and show them again. The checkpoint holds,
// per contact, a hash; per conversation, its status, assignee, UpdatedAt
// and message watermark (below); it is written whole after each event.
//
// # Messages and their timestamps
//
// A conversation's state keeps the newest CreatedAt the feed has seen in
// it and the IDs of the messages of the five minutes before it, not every
// message ID. A listed message is new when it is not among those IDs and
// is no more than five minutes older than the newest: messages the
// vendor lists a little late, or with a clock a little behind, are still
// emitted once. A message listed for the first time with a CreatedAt more
// than five minutes before the newest one already seen in its
// conversation (backdated, such as an import, or listed very late) is
// taken as seen and not emitted. On the first poll a closed conversation
// with an UpdatedAt is not read: its messages up to that time are taken
// as seen.
//
// # Budget
//
// Every request the feed's calls send is counted (support.RequestCounts),
// retries included, against a token bucket that fills at opts.Budget a
// minute and holds at most a sixth of it (ten seconds' worth, at least
// one request). A call waits until the bucket holds a request; its
// requests are taken from the bucket when it returns, so the retries of
// the call in flight may take it below zero, and the next call waits for
// that too. Over any stretch of a run the feed sends at most Budget a
// minute plus a burst: max(1, Budget/6) requests, and the requests of one
// call beyond its first (the adapter's MaxAttempts-1 retries, 3 by
// default, or 2*MaxAttempts-1 when a list's empty last page is read
// again). Lists are asked for pages of 100 (respond.io's largest; vendors
// with fixed pages ignore it), so that a poll sends few requests.
//
// # Errors
//
// A kind of opts.Kinds that the vendor's lists cannot reveal (not in
// PolledKinds) is yielded once, matching support.ErrUnsupported, and the
// feed stops; so does a checkpoint that cannot be read (ErrBadCheckpoint:
// malformed, of another version, vendor or account). A poll that fails (a
// list failed after the Client's own retries, or cannot be read to its
// end: nothing is taken from half a list) is yielded and changes nothing: the next poll, after opts.Interval, starts from the same state,
// so nothing is skipped or emitted twice. A Checkpoint that cannot Load
// is yielded and tried again at the next poll. A Save that fails is
// yielded, the event before it is not taken as handed on (it is emitted
// again, with the same DeliveryID, by the next poll) and the rest of the
// poll is dropped. When ctx ends the feed saves what it has and returns
// without an error.
func Watch(ctx context.Context, c *support.Client, opts WatchOptions) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		w, err := newWatcher(c, opts)
		if err != nil {
			yield(Event{}, err)
			return
		}
		w.run(ctx, yield)
	}
}

// PolledKinds returns the kinds of event the change feed can reveal on a
// vendor with these capabilities, sorted: contact kinds where contacts can
// be listed, conversation kinds where conversations can be listed, message
// kinds where their messages can be listed too (notes where they are
// listed with messages, Capabilities.ListsNotes).
func PolledKinds(caps support.Capabilities) []Kind {
	var kinds []Kind
	if caps.Supports(support.OpListContacts) {
		kinds = append(kinds, KindContactCreated, KindContactUpdated)
	}
	if caps.Supports(support.OpListConversations) {
		kinds = append(kinds, KindConversationCreated, KindConversationAssigned, KindConversationStatusChanged)
		if caps.Supports(support.OpListMessages) {
			kinds = append(kinds, KindMessageReceived, KindMessageSent)
			if caps.ListsNotes() {
				kinds = append(kinds, KindNoteAdded)
			}
		}
	}
	slices.Sort(kinds)
	return kinds
}

// watcher is one running change feed.
type watcher struct {
	c    *support.Client
	opts WatchOptions
	log  *slog.Logger
	// kinds are the kinds emitted; contacts, conversations and messages
	// say which lists a poll reads.
	kinds                             map[Kind]bool
	contacts, conversations, messages bool

	budget *bucket
	counts support.RequestCounts
	spent  int64 // the requests of counts already taken from the budget

	st    *watchState // nil until the checkpoint is loaded
	saved []byte      // what the checkpoint holds: the last data saved or loaded
}

func newWatcher(c *support.Client, opts WatchOptions) (*watcher, error) {
	if c == nil {
		return nil, errors.New("events: Watch needs a client")
	}
	if opts.Interval < 0 || opts.Budget < 0 {
		return nil, fmt.Errorf("events: Watch: negative Interval (%s) or Budget (%d)", opts.Interval, opts.Budget)
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultWatchInterval
	}
	if opts.Budget == 0 {
		opts.Budget = DefaultWatchBudget
	}
	if opts.Checkpoint == nil {
		opts.Checkpoint = &MemoryCheckpoint{}
	}
	w := &watcher{c: c, opts: opts, log: opts.Logger, kinds: map[Kind]bool{}, budget: newBucket(opts.Budget)}
	if w.log == nil {
		w.log = slog.Default()
	}
	polled := PolledKinds(c.Capabilities())
	kinds := opts.Kinds
	if len(kinds) == 0 {
		kinds = polled
	}
	for _, k := range kinds {
		if !slices.Contains(polled, k) {
			return nil, fmt.Errorf("events: Watch: %s cannot reveal %q events by polling (its lists reveal %v): %w", c.Vendor(), k, polled, support.ErrUnsupported)
		}
		w.kinds[k] = true
	}
	w.contacts = w.kinds[KindContactCreated] || w.kinds[KindContactUpdated]
	w.messages = w.kinds[KindMessageReceived] || w.kinds[KindMessageSent] || w.kinds[KindNoteAdded]
	w.conversations = w.messages || w.kinds[KindConversationCreated] || w.kinds[KindConversationAssigned] || w.kinds[KindConversationStatusChanged]
	return w, nil
}

// run polls until ctx ends or yield returns false.
func (w *watcher) run(ctx context.Context, yield func(Event, error) bool) {
	for w.poll(ctx, yield) {
		t := time.NewTimer(w.opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// poll runs one poll and reports whether the feed goes on.
func (w *watcher) poll(ctx context.Context, yield func(Event, error) bool) bool {
	if w.st == nil {
		if err := w.load(ctx); err != nil {
			if ctx.Err() != nil {
				return false
			}
			return yield(Event{}, err) && !errors.Is(err, ErrBadCheckpoint)
		}
	}
	snap, err := w.gather(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		w.log.LogAttrs(ctx, slog.LevelWarn, "events: watch: poll failed; the next one starts from the same state",
			slog.String("vendor", w.c.Vendor()), slog.Duration("in", w.opts.Interval), slog.Any("error", err))
		return yield(Event{}, err)
	}
	for _, ch := range w.diff(snap) {
		if ch.event == nil || !w.kinds[ch.event.Kind] {
			ch.apply(w.st)
			continue
		}
		more := yield(*ch.event, nil)
		ch.apply(w.st)
		if err := w.save(ctx); err != nil {
			w.revert()
			if !more {
				w.log.LogAttrs(ctx, slog.LevelError, "events: watch: the last event handed on could not be saved; the next Watch emits it again",
					slog.String("delivery_id", ch.event.DeliveryID), slog.Any("error", err))
				return false
			}
			return yield(Event{}, err)
		}
		if !more || ctx.Err() != nil {
			return false
		}
	}
	if err := w.save(ctx); err != nil {
		w.revert()
		return ctx.Err() == nil && yield(Event{}, err)
	}
	return ctx.Err() == nil
}

// load reads the checkpoint into w.st.
func (w *watcher) load(ctx context.Context) error {
	data, err := w.opts.Checkpoint.Load(ctx)
	if err != nil {
		return fmt.Errorf("events: watch: loading the checkpoint: %w", err)
	}
	if len(data) == 0 {
		w.st, w.saved = newWatchState(w.c.Vendor(), w.c.Account()), nil
		return nil
	}
	st, err := decodeWatchState(data)
	if err == nil {
		err = st.check(w.c.Vendor(), w.c.Account())
	}
	if err != nil {
		return err
	}
	w.st, w.saved = st, data
	return nil
}

// save stores w.st in the checkpoint, unless it holds it already. When ctx
// has ended it saves all the same, so that a cancelled feed keeps what it
// handed on.
func (w *watcher) save(ctx context.Context) error {
	data := w.st.encode()
	if w.saved != nil && string(data) == string(w.saved) {
		return nil
	}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if err := w.opts.Checkpoint.Save(ctx, data); err != nil {
		return fmt.Errorf("events: watch: saving the checkpoint: %w", err)
	}
	w.saved = data
	return nil
}

// revert sets w.st back to what the checkpoint holds.
func (w *watcher) revert() {
	if w.saved == nil {
		w.st = newWatchState(w.c.Vendor(), w.c.Account())
		return
	}
	st, err := decodeWatchState(w.saved)
	if err != nil {
		w.st = nil // cannot happen (the data was encoded or checked here); load again
		return
	}
	w.st = st
}

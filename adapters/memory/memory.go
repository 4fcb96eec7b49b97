// Package memory is an in-process [support.Platform] that supports every
// operation, with no HTTP and no vendor behind it.
//
// It is meant for tests: an application's own unit tests can run against it
// instead of a vendor, and deskbridge's conformance suite runs against it to
// prove the suite itself. It keeps everything in memory, is safe for
// concurrent use, and is deterministic: IDs are counters ("ctc_1", "conv_1",
// "msg_1") and times come from Config.Now.
//
// # Semantics
//
//   - CreateContact always stores a new contact, even for a known email
//     (Capabilities.CreateDedup is DedupNone), like Tidio.
//   - Refs: an ID Ref matches the contact's ID exactly; an email Ref matches
//     case-insensitively; a phone Ref matches contacts whose stored phone has
//     the same E.164 form (support.NormalizePhone). Phones are stored as
//     given, so a phone that does not normalize is kept but never matched.
//     When several contacts match, the earliest created wins.
//   - UpsertContact tries the match keys in order (external ID, email, phone
//     by default). On a match, every non-empty input field overwrites the
//     stored one, tags are replaced when the input has some, and custom
//     fields are merged; the outcome is Updated, or Unchanged when nothing
//     differed (emails compared ignoring case, phones in E.164). Otherwise it
//     creates, with the outcome Created.
//   - UpdateContact has patch semantics (nil: untouched, "": cleared; a nil
//     custom field value deletes that field). An update that would leave the
//     contact with no email, phone or name fails with ErrInvalid.
//   - CreateConversation resolves its contact Ref; an email or phone Ref that
//     matches no one creates the contact on the fly (as Tidio and TidySupport
//     do), named after NewConversation.Name. The first message is stored as
//     an inbound message from the contact.
//   - Conversations can be open, pending or closed, and assigned to a seeded
//     agent or team, by ID (or by email, for agents).
//   - Lists are ordered oldest first. Cursors are opaque and stable: they name
//     the last item seen, so a saved cursor resumes correctly even after
//     items were added or deleted. A cursor that was not made by the same
//     kind of list fails with ErrInvalid.
//   - Every error is a *support.Error with Vendor "memory" and Op set.
//     Invalid input fails with ErrInvalid before anything is looked up; a
//     missing object fails with ErrNotFound; a cancelled context fails with
//     an error matching the context's error.
//   - Returned values are copies: changing them never changes the store. Raw
//     holds a JSON rendering of the stored record.
//
// # Registry
//
// The package registers itself as "memory", so support.Open(ctx, "memory",
// map[string]any{"pagesize": 20}) works once the package is imported. The map
// is decoded with support.DecodeConfig into Config.
package memory

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/support"
)

// Vendor is the adapter name, in Capabilities and in every error.
const Vendor = "memory"

const (
	defaultPageSize = 50
	// MaxPageSize is the largest page a list returns, whatever the Limit.
	MaxPageSize = 1000
)

func init() {
	support.RegisterConfig(Vendor, func(cfg Config) (*Platform, error) { return New(cfg), nil })
}

// Config configures a Platform. The zero value works.
type Config struct {
	// PageSize is the number of items per page when ListOptions.Limit is 0;
	// default 50. A Limit overrides it. Both are capped at MaxPageSize.
	PageSize int
	// Agents are the agents and teams conversations can be assigned to, in
	// listing order. An empty Kind means KindAgent. Default: two agents,
	// "agt_1" and "agt_2", and one team, "team_1".
	Agents []support.Agent
	// Now is the clock used for CreatedAt and UpdatedAt (stored in UTC);
	// default time.Now.
	Now func() time.Time
}

// DefaultAgents returns the agents and team a Platform has when
// Config.Agents is empty.
func DefaultAgents() []support.Agent {
	return []support.Agent{
		{ID: "agt_1", Kind: support.KindAgent, Name: "Alex Morgan", Email: "alex.morgan@example.com", Role: "admin", Active: true},
		{ID: "agt_2", Kind: support.KindAgent, Name: "Sam Rivera", Email: "sam.rivera@example.com", Role: "agent", Active: true},
		{ID: "team_1", Kind: support.KindTeam, Name: "Support", Active: true},
	}
}

// Platform is an in-memory support platform. It is safe for concurrent use.
// Build it with New.
type Platform struct {
	pageSize int
	now      func() time.Time

	mu          sync.Mutex
	agents      []*agentRecord
	contacts    []*contactRecord // in creation order
	contactByID map[string]*contactRecord
	// Lookup indexes, each list oldest first, so that lookups and upserts
	// stay cheap with many contacts (migration tests upsert thousands).
	byEmail    map[string][]*contactRecord // key: support.EmailKey(email)
	byPhone    map[string][]*contactRecord // key: E.164
	byExternal map[string][]*contactRecord
	convs      []*convRecord // in creation order
	convByID   map[string]*convRecord
	nextCtc    int
	nextConv   int
	nextMsg    int
}

var _ support.Platform = (*Platform)(nil)

// New returns an empty Platform, with the agents of cfg.
func New(cfg Config) *Platform {
	p := &Platform{
		pageSize:    cfg.PageSize,
		now:         cfg.Now,
		contactByID: map[string]*contactRecord{},
		byEmail:     map[string][]*contactRecord{},
		byPhone:     map[string][]*contactRecord{},
		byExternal:  map[string][]*contactRecord{},
		convByID:    map[string]*convRecord{},
	}
	if p.pageSize <= 0 {
		p.pageSize = defaultPageSize
	}
	p.pageSize = min(p.pageSize, MaxPageSize)
	if p.now == nil {
		p.now = time.Now
	}
	agents := cfg.Agents
	if len(agents) == 0 {
		agents = DefaultAgents()
	}
	for i, a := range agents {
		if a.Kind == "" {
			a.Kind = support.KindAgent
		}
		a.Raw = nil // rendered from the record on every read
		p.agents = append(p.agents, &agentRecord{seq: i + 1, a: a})
	}
	return p
}

// Capabilities reports every operation: the memory platform can do them all.
func (p *Platform) Capabilities() support.Capabilities {
	return support.Capabilities{
		Vendor:      Vendor,
		Operations:  support.Operations(),
		CreateDedup: support.DedupNone,
		MaxBatch:    MaxPageSize,
		Statuses:    []support.ConversationStatus{support.StatusOpen, support.StatusPending, support.StatusClosed},
		AssignTeams: true,
	}
}

// clock returns the current time in UTC.
func (p *Platform) clock() time.Time { return p.now().UTC() }

// fail returns an error of kind for op.
func fail(op support.Operation, kind error, format string, args ...any) error {
	return support.Errorf(Vendor, op, kind, format, args...)
}

// withOp turns an error from support's validators (which know neither the
// vendor nor the operation) into this platform's error for op.
func withOp(err error, op support.Operation) error {
	return support.Attribute(err, Vendor, op)
}

// checkCtx reports a cancelled or expired context as an error for op.
func checkCtx(ctx context.Context, op support.Operation) error {
	if err := ctx.Err(); err != nil {
		return &support.Error{Vendor: Vendor, Op: op, Message: "call abandoned", Err: err}
	}
	return nil
}

// checkID validates a conversation ID before anything is looked up.
func checkID(op support.Operation, what, id string) error {
	if id == "" {
		return fail(op, support.ErrInvalid, "empty %s ID", what)
	}
	if err := support.ID(id).Validate(); err != nil {
		return withOp(err, op)
	}
	return nil
}

// listStart checks what every list call starts with: the page size, the
// cursor (which must belong to list), and the context. It returns the page
// size and the position to list after.
func (p *Platform) listStart(ctx context.Context, op support.Operation, list string, opts support.ListOptions) (limit, after int, err error) {
	if limit, err = p.pageLimit(op, opts.Limit); err != nil {
		return 0, 0, err
	}
	if after, err = decodeCursor(op, list, opts.Cursor); err != nil {
		return 0, 0, err
	}
	return limit, after, checkCtx(ctx, op)
}

// pageLimit returns the page size for opts.Limit.
func (p *Platform) pageLimit(op support.Operation, limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, fail(op, support.ErrInvalid, "negative page limit %d", limit)
	case limit == 0:
		return p.pageSize, nil
	}
	return min(limit, MaxPageSize), nil
}

// Cursors are base64url("<list>:<n>"), n being the sequence number of the last
// item returned. Naming the last item rather than an offset keeps a saved
// cursor correct when items are added or deleted before it is used.
func encodeCursor(list string, n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.Itoa(n)))
}

func decodeCursor(op support.Operation, list, cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		// The last colon: a list name may hold an ID ("messages/conv_1").
		i := strings.LastIndexByte(string(raw), ':')
		n, err := strconv.Atoi(string(raw[i+1:]))
		if i >= 0 && string(raw[:i]) == list && err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, fail(op, support.ErrInvalid, "cursor %q is not a cursor of the %s list", clip(cursor), list)
}

// pageOf returns the items with a sequence number above after, at most limit
// of them, and the cursor of the next page ("" when there is none). items are
// in ascending sequence order.
func pageOf[T any](list string, items []T, seq func(T) int, after, limit int) ([]T, string) {
	// Binary search: a list may hold millions of items (migration tests).
	start := sort.Search(len(items), func(i int) bool { return seq(items[i]) > after })
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = encodeCursor(list, seq(items[end-1]))
	}
	return items[start:end], next
}

// clip shortens caller input quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

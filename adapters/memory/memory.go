// Package memory is an in-process support platform with every operation
// and no HTTP or vendor behind it: [Driver] is its [support.Driver], and
// [New] returns the [*support.Client] over it that apps call. It registers
// itself as "memory": support.Open(ctx, "memory", map[string]any{"pagesize":
// 20}) decodes the map into Config.
//
// It is meant for tests: an application's own unit tests can run against it
// instead of a vendor, and deskbridge's conformance suite runs against it to
// prove the suite itself. It is safe for concurrent use and deterministic:
// IDs are counters ("ctc_1", "conv_1", "msg_1") and times come from
// Config.Now. It is also the smallest complete driver (docs/adapters.md
// says how to write one): every optional interface, no wire protocol, and
// none of the vendor-neutral rules, which the Client applies here as on
// every vendor (validation, Ref resolution, upserts and the identity rule,
// capability and context checks, errors naming "memory" and the operation).
//
// # Semantics
//
//   - CreateContact always stores a new contact, even for a known email
//     (DedupNone), like Tidio; CreateContacts stores, and PatchContacts
//     changes (all or nothing), up to MaxPageSize per call. PrepareContact
//     keeps every field as given, without a warning. ListContactFields
//     lists the custom field names the stored contacts have.
//   - FindContacts serves all three match keys from indexes, earliest
//     created first: an email case-insensitively (support.EmailKey), a
//     phone by its E.164 form, an external ID exactly. A stored phone that
//     does not normalize is kept but never found.
//   - CreateConversation resolves its contact Ref itself; an email or phone
//     Ref that matches no one creates the contact (as Tidio and TidySupport
//     do), named NewConversation.Name. Text may not be empty: it is the
//     first message, inbound from the contact.
//   - Conversations are open, pending or closed (a closing note, in any
//     category, is kept in Raw), of any priority (normal when created), in
//     a seeded team when started in one (Departments), and assigned to a
//     seeded agent or team, by ID (or email, for agents). A message's
//     author must be a seeded agent, and it has no channel or subject; a
//     missing contact, conversation, message or agent is ErrNotFound.
//   - The passthrough (Send) serves GET of the records' renderings at
//     contacts/<id>, conversations/<id> and …/messages/<id>.
//   - Lists are oldest first. A cursor names the last item seen, so a saved
//     one resumes correctly after items were added or deleted; a cursor of
//     another list is ErrInvalid.
//   - Each primitive counts as the request it stands for in the context's
//     support.RequestCounts: lists and lookups as a GET, writes as a POST,
//     PATCH or DELETE, a batch as one POST or PATCH, a passthrough as its
//     method.
//   - Returned values are copies; Raw is a JSON rendering of the record.
//     No call blocks, so none watches the context after the Client's check.
package memory

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// Vendor is the adapter name, in Capabilities and in every error.
const Vendor = "memory"

// MaxPageSize is the largest page a list returns, whatever the Limit, and
// the largest batch CreateContacts and PatchContacts take
// (Capabilities.MaxBatch, MaxBatchUpdate).
const MaxPageSize = 1000

func init() {
	support.RegisterConfig(Vendor, func(c Config) (*support.Client, error) { return New(c), nil })
}

// Config configures a memory platform. The zero value works.
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

// DefaultAgents returns the agents and team a platform has when
// Config.Agents is empty.
func DefaultAgents() []support.Agent {
	return []support.Agent{
		{ID: "agt_1", Kind: support.KindAgent, Name: "Alex Morgan", Email: "alex.morgan@example.com", Role: "admin", Active: true},
		{ID: "agt_2", Kind: support.KindAgent, Name: "Sam Rivera", Email: "sam.rivera@example.com", Role: "agent", Active: true},
		{ID: "team_1", Kind: support.KindTeam, Name: "Support", Active: true},
	}
}

// Driver is the in-memory support.Driver. It is safe for concurrent use.
// Build it with NewDriver, or build the Client over it with New.
type Driver struct {
	pageSize int
	now      func() time.Time // the clock, in UTC

	mu          sync.Mutex
	agents      []*agentRecord
	contacts    []*contactRecord // in creation order
	contactByID map[string]*contactRecord
	byKey       map[string][]*contactRecord // FindContacts' indexes (see indexKey), each list oldest first
	convs       []*convRecord               // in creation order
	convByID    map[string]*convRecord

	nextCtc, nextConv, nextMsg int // the last ID of each kind
}

// New returns the Client of an empty memory platform with the agents of cfg.
func New(cfg Config) *support.Client { return support.NewClient(NewDriver(cfg)) }

// NewDriver returns an empty memory Driver with the agents of cfg, for
// tests that wrap the driver before support.NewClient (to inject faults,
// say).
func NewDriver(cfg Config) *Driver {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Driver{pageSize: 50, now: func() time.Time { return cfg.Now().UTC() },
		contactByID: map[string]*contactRecord{}, byKey: map[string][]*contactRecord{}, convByID: map[string]*convRecord{}}
	if cfg.PageSize > 0 {
		d.pageSize = min(cfg.PageSize, MaxPageSize)
	}
	agents := cfg.Agents
	if len(agents) == 0 {
		agents = DefaultAgents()
	}
	for i, a := range agents {
		a.Kind = cmp.Or(a.Kind, support.KindAgent)
		d.agents = append(d.agents, &agentRecord{seq: seq(i + 1), a: a})
	}
	return d
}

// Capabilities reports every operation: the memory platform can do them
// all, and store every contact field.
func (d *Driver) Capabilities() support.Capabilities {
	statuses := []support.ConversationStatus{support.StatusOpen, support.StatusPending, support.StatusClosed}
	priorities := []support.Priority{support.PriorityLow, support.PriorityNormal, support.PriorityHigh, support.PriorityUrgent}
	return support.Capabilities{Vendor: Vendor, Operations: slices.Clone(memoryOps), CreateDedup: support.DedupNone,
		MaxBatch: MaxPageSize, MaxBatchUpdate: MaxPageSize, Priorities: priorities, Departments: true,
		Statuses: statuses, AssignTeams: true, LooksUpExternalID: true}
}

// lock takes d.mu for a primitive, counted as the request of method it
// stands for (support.CountRequest); the caller defers the unlock returned.
func (d *Driver) lock(ctx context.Context, method string) (unlock func()) {
	support.CountRequest(ctx, method, 1)
	d.mu.Lock()
	return d.mu.Unlock
}

// fail returns an error of kind; the Client names the operation.
func fail(kind error, format string, args ...any) error {
	return support.Errorf(Vendor, "", kind, format, args...)
}

// Cursors are base64url("<list>:<n>"), n being the sequence number of the last
// item returned. Naming the last item rather than an offset keeps a saved
// cursor correct when items are added or deleted before it is used.
func encodeCursor(list string, n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.Itoa(n)))
}

func decodeCursor(list, cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	rest, ok := strings.CutPrefix(string(raw), list+":")
	n, nerr := strconv.Atoi(rest)
	if err != nil || !ok || nerr != nil || n < 0 {
		return 0, fail(support.ErrInvalid, "cursor %.40q is not a cursor of the %s list", cursor, list)
	}
	return n, nil
}

// seq is a stored record's sequence number: its place in its list, which
// is creation order.
type seq int

func (s seq) num() int { return int(s) }

// list returns the page of recs (in ascending sequence order) that opts asks
// for, each rendered by out, with the cursor of the next page ("" on the
// last). The caller holds d.mu.
func list[R interface{ num() int }, T any](d *Driver, name string, opts support.ListOptions, recs []R, out func(R) T) (support.Page[T], error) {
	after, err := decodeCursor(name, opts.Cursor)
	if err != nil {
		return support.Page[T]{}, err
	}
	limit := d.pageSize
	if opts.Limit > 0 {
		limit = min(opts.Limit, MaxPageSize)
	}
	// Binary search: a list may hold millions of items (migration tests).
	start := sort.Search(len(recs), func(i int) bool { return recs[i].num() > after })
	end := min(start+limit, len(recs))
	p := support.Page[T]{Items: make([]T, 0, end-start)}
	for _, r := range recs[start:end] {
		p.Items = append(p.Items, out(r))
	}
	if end < len(recs) {
		p.Next = encodeCursor(name, recs[end-1].num())
	}
	return p, nil
}

// get returns the record id of m, or ErrNotFound. The caller holds d.mu.
func get[R any](m map[string]*R, what, id string) (*R, error) {
	if r := m[id]; r != nil {
		return r, nil
	}
	return nil, fail(support.ErrNotFound, "no %s %.40q", what, id)
}

// memoryOps are the operations the driver declares.
var memoryOps = []support.Operation{
	support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone,
	support.OpCreateContact, support.OpCreateContacts, support.OpUpsertContact, support.OpUpdateContact,
	support.OpUpdateContacts, support.OpDeleteContact, support.OpListContactFields,
	support.OpListConversations, support.OpGetConversation, support.OpCreateConversation,
	support.OpSetStatus, support.OpAssignConversation, support.OpUnassignConversation,
	support.OpSetPriority, support.OpListClosingCategories, support.OpListMessages, support.OpGetMessage,
	support.OpSendMessage, support.OpSendNote, support.OpListAgents, support.OpPassthrough,
}

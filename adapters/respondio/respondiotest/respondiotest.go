// Package respondiotest is an in-memory simulator of respond.io's Developer
// API v2, served over HTTP, for tests, examples, recordings and the offline
// demo. It speaks HTTP like the real vendor and imports nothing of the
// respondio adapter, so that it catches adapter mistakes instead of sharing
// them.
//
// What it does, as the vendor documents it (docs/vendors.md, "## respond.io",
// with the source tags used there):
//
//   - Auth: every request needs "Authorization: Bearer <Token>"; anything else
//     is a 401 [D R-docs].
//   - Paths: the real ones, under /v2 [S R-SDK]: contacts by identifier
//     (GET, POST create, PUT, DELETE /contact/{identifier}), upsert
//     (POST /contact/create_or_update/{identifier}), search
//     (POST /contact/list?limit=&cursorId= with {search, timezone, filter}),
//     merge (POST /contact/merge), tags (POST and DELETE
//     /contact/{identifier}/tag), conversation status and assignee
//     (POST /contact/{identifier}/conversation/status and …/assignee),
//     messages (POST /contact/{identifier}/message, GET …/message/list,
//     GET …/message/{messageId}), comments (POST /contact/{identifier}/comment),
//     a contact's channels (GET …/channels), its lifecycle
//     (POST …/lifecycle/update {name}, null clears), users (GET /space/user,
//     GET /space/user/{id}), custom field definitions
//     (GET /space/custom_field), closing notes (GET /space/closing_notes)
//     and workspace tags (POST and DELETE /space/tag).
//   - Identifiers: id:{number}, email:{address} (matched case-insensitively
//     [D R-chg]) and phone:{+E164} (spaces, dashes, dots and parentheses
//     are stripped; a number without its country code is a 400 [D R-chg]).
//     Each is one path segment, percent-decoded once; nothing is cleaned.
//   - Paging: limit 1–100, default 10; cursorId is the ID of the last item
//     of the page before; responses carry pagination.next and
//     pagination.previous as full URLs, "" at either end [S R-SDK tests].
//   - Create vs create_or_update: plain create addresses the contact by
//     email: or phone: (id: is a 400), needs firstName, answers
//     {code, message} and refuses an existing contact with a 409;
//     create_or_update creates or updates and answers {contactId}.
//     Emails and phones are unique among contacts (a 409 otherwise).
//   - One conversation per contact, with status open or close and an
//     assignee (a user ID, a user's email, or null). A new contact has no
//     conversation until it is opened (its status is absent).
//   - Message history per contact, oldest first (ascending messageId), and
//     internal comments (at most 1000 characters), which are not messages
//     and do not appear in the history.
//   - Rate limits per method (one fixed window per route, Options.RateLimit
//     per Options.RateWindow), with X-RateLimit-Limit and
//     X-RateLimit-Remaining on every answer while a limit is set, and
//     Retry-After on a 429 [D R-docs; the 5/s figure, DocumentedRateLimit,
//     is AE-R only].
//   - Errors: {"code": <status>, "message": "…"} for every failure, unknown
//     routes (404), wrong methods (405) and malformed JSON (400) included
//     [S R-SDK types/common.ts].
//
// Where respond.io's behaviour is UNKNOWN (docs/vendors.md), the simulator
// makes one choice and says so: a plain create of an existing contact is a
// 409; an unknown assignee is a 400; a custom field the workspace does not
// define (DefineField) is a 400 naming it, on every write; closing with a
// category that is not a closing note's is a 400; any lifecycle name is
// taken; messages are listed oldest first; sending needs no channel (no
// channelId: the simulator does not model the last-interacted one), and a
// channelId must be one of the contact's channels (Contact.Channels,
// SeedChannel), an email channel (gmail, other_email) for an email; every
// message carries one status entry with its time ("sent" outgoing,
// "delivered" incoming); workspace tags are a list of their own, which a
// contact's tags need not be in. The contact filter supports isEqualTo,
// isNotEqualTo, exists and doesNotExist on contact fields, hasAnyOf,
// hasAllOf and hasNoneOf on tags, and isEqualTo on the lifecycle; other
// operators are a 400.
//
// The simulator is deterministic (IDs from a seeded sequence, a manual clock
// at sim.Epoch unless Options.RealTime), inspectable (Contacts,
// Conversations, Messages, Comments, Users, FieldDefs, Tags, Stats) and
// fault-injecting (Faults, from internal/sim: 429s, 5xx, resets before and
// after the change is committed, slow and malformed answers).
package respondiotest

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// Test credentials and vendor constants.
const (
	// Token is the API access token the simulator accepts.
	Token = "sim-rsp-7c41e9d2f0a84b6e"
	// BasePath is where the API lives on the simulator's host, as on
	// api.respond.io.
	BasePath = "/v2"
	// InProcessURL is a base URL for clients from InProcess (the host is
	// ignored; it is loopback so that adapters accept plain http).
	InProcessURL = "http://localhost" + BasePath
	// DefaultPageSize is the page size without a limit parameter.
	DefaultPageSize = 10
	// MaxPageSize is the largest limit accepted.
	MaxPageSize = 100
	// DocumentedRateLimit is the "5 requests per second per method" of the
	// seed profile (AE-R), which respond.io's own pages do not confirm.
	DocumentedRateLimit = 5
	// MaxCommentLength is the longest comment, in characters.
	MaxCommentLength = 1000
	// MaxTagLength is the longest tag name; MaxTagsPerRequest the most tags
	// one tag request may carry.
	MaxTagLength      = 255
	MaxTagsPerRequest = 10
)

// Options configures a Simulator. The zero value works: no rate limit,
// a manual clock, page size 10, the DefaultUsers and the
// DefaultClosingNotes.
type Options struct {
	// Seed selects the fault-injection draws (Faults.Seed). Contact,
	// message and user IDs are sequences (1, 2, 3, ...), as respond.io's
	// integers are.
	Seed uint64
	// PageSize is the page size when a request has no limit; default 10.
	PageSize int
	// RateLimit is how many requests each method (route) may make per
	// RateWindow; 0 means no limit. DocumentedRateLimit is the seed
	// profile's figure.
	RateLimit int
	// RateWindow is the rate-limit window; default one second.
	RateWindow time.Duration
	// RealTime makes the clock follow the wall clock (or a synctest
	// bubble's fake time) instead of standing at sim.Epoch until advanced.
	// Rate-limit windows only end when the clock moves.
	RealTime bool
	// RequireClosingNote makes closing a conversation without a category
	// and a summary a 400, as respond.io's official MCP server says it is.
	RequireClosingNote bool
	// NoDefaultUsers starts the workspace without users; by default it has
	// DefaultUsers.
	NoDefaultUsers bool
}

// Simulator is a respond.io workspace in memory, served by ServeHTTP through
// the internal/sim middleware (Stats, then Faults). It is safe for
// concurrent use.
type Simulator struct {
	// Clock stamps created_at and message times, and drives the rate-limit
	// windows.
	Clock *sim.Clock
	// Stats counts requests per route ("POST /v2/contact/list"), per status
	// and writes (POST /contact/list is a read).
	Stats *sim.Stats
	// Faults injects failures; its Respond writes respond.io's error shape.
	Faults *sim.Faults

	opts    Options
	stack   *sim.Stack
	router  *router
	limiter *sim.Limiter

	// mu makes each request's lookups and writes one step, so that
	// uniqueness checks and merges cannot interleave.
	mu       sync.Mutex
	contacts sim.Store[Contact]
	// order holds the live contact IDs in ascending order, which is the
	// listing order, for paging backwards (pagination.previous).
	order       []int64
	lastContact int64 // the highest contact ID ever stored
	nextMessage int64 // the last message ID given
	messages    map[int64][]Message
	comments    map[int64][]Comment
	users       []User
	// The workspace: custom field definitions (by ID), closing notes,
	// channels (by ID) and tags.
	fieldDefs    []FieldDef
	lastFieldDef int64
	closingNotes []ClosingNote
	channels     []Channel
	spaceTags    []Tag
	lastTag      int64
}

// New returns a Simulator, not yet served: use NewServer for a loopback
// server, or InProcess inside a testing/synctest bubble.
func New(opts Options) *Simulator {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	opts.PageSize = min(opts.PageSize, MaxPageSize)
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Second
	}
	s := &Simulator{
		opts:         opts,
		messages:     map[int64][]Message{},
		comments:     map[int64][]Comment{},
		closingNotes: DefaultClosingNotes(),
	}
	if opts.RealTime {
		s.Clock = sim.RealClock()
	} else {
		s.Clock = sim.NewClock(time.Time{})
	}
	s.limiter = &sim.Limiter{Limit: opts.RateLimit, Window: opts.RateWindow, Clock: s.Clock}
	s.contacts.Index(indexEmail, func(c Contact) []string { return []string{foldEmail(c.Email)} })
	s.contacts.Index(indexPhone, func(c Contact) []string { return []string{c.Phone} })
	s.router = s.routes()
	s.stack = sim.NewStack(s.router)
	s.Stats, s.Faults = s.stack.Stats, s.stack.Faults
	s.Faults.Seed = opts.Seed
	s.Faults.Respond = func(w http.ResponseWriter, r *http.Request, f sim.Fault) {
		writeError(w, f.Status, cmp.Or(f.Message, http.StatusText(f.Status)))
	}
	s.Stats.IsWrite = isWrite
	if !opts.NoDefaultUsers {
		for _, u := range DefaultUsers() {
			s.SeedUser(u)
		}
	}
	return s
}

// isWrite reports whether r may change the workspace: every method but GET,
// except the contact search, which lists with POST.
func isWrite(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return false
	}
	return !(r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/contact/list"))
}

// ServeHTTP serves r through Stats, Faults and the vendor routes.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.stack.ServeHTTP(w, r) }

// InProcess returns a client served by the simulator in the calling
// goroutine, without a network, for tests inside a testing/synctest bubble.
// Use it with InProcessURL as the base URL.
func (s *Simulator) InProcess() *http.Client { return s.stack.InProcess() }

// Requests returns how many requests were made to route, such as
// "POST /v2/contact/create_or_update/{identifier}".
func (s *Simulator) Requests(route string) int { return s.Stats.Count(route) }

// Writes returns how many write requests were made, whatever their outcome.
func (s *Simulator) Writes() int { return s.Stats.Writes() }

// Server is a Simulator served over loopback HTTP/1.1.
type Server struct {
	*Simulator
	// HTTP is the underlying test server.
	HTTP *httptest.Server
}

// NewServer starts a Simulator on a loopback address. Close it when done.
func NewServer(opts Options) *Server {
	s := New(opts)
	return &Server{Simulator: s, HTTP: httptest.NewServer(s)}
}

// URL returns the API base URL to give an adapter: the server's address
// followed by BasePath.
func (s *Server) URL() string { return s.HTTP.URL + BasePath }

// Client returns an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.HTTP.Client() }

// Close shuts the server down.
func (s *Server) Close() { s.HTTP.Close() }

// apiError is respond.io's error body [S R-SDK types/common.ts].
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// writeError answers status with respond.io's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	sim.WriteJSON(w, status, apiError{Code: status, Message: message})
}

// auth checks the Bearer token.
func auth(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == Token
}

// limit applies the per-method rate limit to the route, writing the
// rate-limit headers, and the 429 when the window is used up.
func (s *Simulator) limit(w http.ResponseWriter, route string) bool {
	d := s.limiter.Allow(route)
	if d.Limit == 0 {
		return true
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(d.RetryAfterSeconds()))
		writeError(w, http.StatusTooManyRequests, "Too many requests, please retry after "+strconv.Itoa(d.RetryAfterSeconds())+" second(s)")
		return false
	}
	return true
}

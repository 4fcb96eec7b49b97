// Package tidysupporttest is an in-memory simulator of TidySupport's REST API,
// for tests, examples and offline demos of the tidysupport adapter.
//
// It speaks HTTP exactly as the adapter's users would see the vendor, and
// imports nothing of the adapter, so that it catches the adapter's mistakes
// instead of sharing them. What it does follows what is publicly known of the
// vendor (the project's docs/vendors.md, and the seed Contacts API page); where
// nothing is known it makes a plain choice and says so below.
//
// # What it serves
//
//	GET  /v1/workspaces/{workspaceId}/support/inbox/customers              {customers:{items:[{contact, latestThread, threadCount}], hasMore}}
//	GET  /v1/workspaces/{workspaceId}/support/inbox/contacts/{contactId}   {contact:{…}}
//	POST /v1/workspaces/{workspaceId}/support/inbox/contacts               {email, name, phone} → {contact:{…}}
//	GET  /v1/workspaces/{workspaceId}/support/inbox/search?q=&limit=       {results:{contacts, conversations, messages}}
//	GET  /v1/workspaces/{workspaceId}/support/inbox/conversations?status=&limit=
//	                                                                       {conversations:{items:[…], hasMore}}
//	POST /v1/workspaces/{workspaceId}/support/inbox/conversations          {email, name, subject, contentText} →
//	                                                                       {conversation:{id}, contact:{id}, message:{id, contentPreview, status}}
//	GET  /v1/workspaces/{workspaceId}/support/inbox/conversations/{conversationId}/messages?limit=
//	                                                                       {thread:{conversation, contact, channel, messages:{items, hasMore}}}
//	GET  /v1/customers?status=&limit=&cursor=                              {items:[…], cursor, hasMore} (api_user keys only)
//	POST /v1/customers                                                     {externalId, email, name, metadata} → the customer (api_user)
//	GET  /v1/customers/lookup?externalId=                                  the customer, or 404 (api_user)
//	GET  /v1/workspaces/{workspaceId}/knowledge/articles?limit=&offset=    {articles:[…], total}
//
// # Behaviour
//
//   - Auth: "Authorization: Bearer <key>". APIKey has the api_user scope,
//     UserKey the user scope (refused by /v1/customers with 403), and the
//     widget's PublishableKey is refused everywhere (401), as is any other key.
//   - Workspaces: the keys belong to WorkspaceID; an inbox path naming any
//     other workspace is answered 404 "Workspace not found.".
//   - Contacts are deduplicated by email on create, ignoring case: a known
//     email returns the existing contact unchanged, with status 200 (a new one
//     is 201; the real vendor's status codes are not documented). The email is
//     required: the seed's Contact Object has it as a non-nullable string.
//   - Customers are the contacts, with an externalId and metadata
//     [D TS-cust]: POST /v1/customers stores both, /v1/customers lists them
//     and the lookup finds a customer by externalId; the inbox endpoints
//     show neither. The externalId must be unique [D TS-cust]; what the
//     vendor does with a taken one, or with a known email, is not public,
//     so both are a 409 here (nothing is overwritten or merged).
//     Customers have no phone.
//   - IDs are "ctc_", "thd_", "msg_", "chn_" and "ka_" followed by 24 base62
//     characters, generated from Options.Seed: the same seed gives the same IDs.
//   - Search: a query that contains "@" matches contacts whose email equals it
//     (ignoring case), through an index so that it stays fast with many
//     contacts; any other query matches names, emails and phones containing it.
//     Conversations match on subject, messages on text. limit (default 10)
//     applies to each group.
//   - Lists are in creation order. The inbox lists (customers, conversations,
//     messages) page with limit and answer hasMore, but no cursor: the
//     vendor's next-page parameter is not publicly known, so none is invented.
//     /v1/customers pages with its documented cursor. A limit above
//     Options.MaxPageSize is lowered to it; a limit that is not a positive
//     integer is a 400.
//   - The conversations list hides ARCHIVED conversations unless asked for
//     status=ARCHIVED, as the vendor's inbox does.
//   - Creating a conversation finds or creates the contact by email, and
//     "sends" the first message as an outbound email (counted by EmailsSent).
//   - Errors, all of them (bad key, unknown route or method, bad JSON,
//     validation, rate limit, injected 5xx), have the seed's shape:
//     {"statusCode": 404, "error": "Not Found", "message": "Contact not found."}.
//     Request bodies are read strictly: an unknown field is a 400, as a
//     validating vendor would answer, so an adapter that sends fields the
//     vendor does not take finds out.
//   - Rate limits: none are published. Options.RateLimit sets a fixed window
//     per API key; a denied request gets 429 with a Retry-After header.
//   - The knowledge base lists articles (SeedArticle) by limit and offset,
//     with their total [D TS-kb].
//   - Agents: no endpoint that lists or assigns them is known, so the
//     simulator has none to serve; SeedConversation's AssignedToID, or
//     SimulateAssign, sets the assignee a conversation reads back with.
//   - Webhooks: with Options.Webhooks.URL set, every change queues an event
//     on Simulator.Webhooks (TidySupport does not say that API changes are
//     silent, so they send events too): CONTACT_CREATED (a contact or
//     customer created through the API), CONVERSATION_CREATED and the
//     first message's MESSAGE_CREATED, CONVERSATION_CLOSED and
//     CONVERSATION_REOPENED (SetConversationStatus; archiving is
//     CONVERSATION_UPDATED), and the inspection methods SimulateCustomerReply
//     (MESSAGE_CREATED, inbound) and SimulateAssign (CONVERSATION_ASSIGNED).
//     Seeding (Seed*) and EditContact queue nothing. Flush sends them (or
//     Run, in the background). The body is the envelope of the vendor's only
//     sample, {event, version: 1, timestamp, payload: {conversation: {id,
//     workspaceId, contactId}}} [D TS-wh-mkt], with the API docs' event
//     names [D TS-wh]; payload.message and payload.contact, in the shape of
//     the API's message and contact objects, are the simulator's choice.
//     TidySupport documents no signature: each delivery carries
//     Options.WebhookSecret in WebhookSecretHeader, the simulator's
//     convention, and a BadSignatures fault sends a wrong one.
//   - Time comes from a manual sim.Clock at sim.Epoch unless Options.RealTime
//     or Options.Clock says otherwise, so responses are the same on every run.
//
// The store can be read and seeded directly (Contacts, SeedContact, ...), the
// requests counted (Stats) and faults injected (Faults): see internal/sim.
package tidysupporttest

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// The simulator's credentials and workspace. They are test values, but
// recordings scrub them like real ones.
const (
	// APIKey is a secret key with the api_user scope: every endpoint.
	APIKey = "ts_sk_test_Sim0ApiUser0Key0000000000001"
	// UserKey is a secret key with the user scope: inbox endpoints only.
	UserKey = "ts_sk_test_Sim0User0Key00000000000000002"
	// PublishableKey is a widget key; the REST API refuses it.
	PublishableKey = "pk_test_Sim0Widget0Key000000000000000003"
	// WorkspaceID is the workspace the keys belong to.
	WorkspaceID = "wrk_sim0workspace01"
)

// Routes, as counted by Stats (sim.Stats.Count).
const (
	RouteInboxCustomers     = "GET " + inboxPrefix + "/customers"
	RouteGetContact         = "GET " + inboxPrefix + "/contacts/{contactId}"
	RouteCreateContact      = "POST " + inboxPrefix + "/contacts"
	RouteSearch             = "GET " + inboxPrefix + "/search"
	RouteListConversations  = "GET " + inboxPrefix + "/conversations"
	RouteCreateConversation = "POST " + inboxPrefix + "/conversations"
	RouteListMessages       = "GET " + inboxPrefix + "/conversations/{conversationId}/messages"
	RouteListCustomers      = "GET /v1/customers"
	RouteCreateCustomer     = "POST /v1/customers"
	RouteLookupCustomer     = "GET /v1/customers/lookup"
	RouteListArticles       = "GET /v1/workspaces/{workspaceId}/knowledge/articles"
)

const inboxPrefix = "/v1/workspaces/{workspaceId}/support/inbox"

// Options configures a Simulator. The zero value works.
type Options struct {
	// PageSize is the page size of lists requested without a limit;
	// default 20.
	PageSize int
	// MaxPageSize is the largest page; a larger limit is lowered to it.
	// Default 100.
	MaxPageSize int
	// SearchLimit is the number of results per group when a search gives no
	// limit; default 10.
	SearchLimit int
	// RateLimit is the number of requests allowed per API key and
	// RateWindow; 0 is unlimited.
	RateLimit int
	// RateWindow is the rate-limit window; default one minute.
	RateWindow time.Duration
	// Seed selects the generated IDs.
	Seed uint64
	// RealTime makes the clock follow the wall clock (sim.RealClock), for
	// rate limits enforced in real time; by default it is manual.
	RealTime bool
	// Clock, when set, is the clock to use (and RealTime is ignored).
	Clock *sim.Clock
	// Webhooks configures the webhook deliveries (see the package doc);
	// without a URL none are sent.
	Webhooks sim.WebhookOptions
	// WebhookSecret is sent in WebhookSecretHeader on every delivery;
	// default WebhookSecret.
	WebhookSecret string
}

// Simulator is TidySupport's API in memory, as an http.Handler. Build it
// with New (in-process, for testing/synctest) or NewServer (on loopback).
// It is safe for concurrent use.
type Simulator struct {
	// Clock is the simulator's time: CreatedAt of new records, rate-limit
	// windows, and injected slowness.
	Clock *sim.Clock
	// Stats counts requests per route (see the Route constants) and writes.
	Stats *sim.Stats
	// Faults injects failures; their responses have the vendor's error shape.
	Faults *sim.Faults
	// Webhooks queues and sends the events (see the package doc); always
	// set, and sending nothing without Options.Webhooks.URL.
	Webhooks *sim.Webhooks

	opts     Options
	stack    *sim.Stack
	mux      *http.ServeMux
	limiter  *sim.Limiter
	ids      sim.IDs
	contacts sim.Store[Contact]
	convs    sim.Store[Conversation]
	msgs     sim.Store[Message]
	articles sim.Store[Article]
	channel  Channel
	emails   atomic.Int64
}

// New returns an empty Simulator, not yet serving. Serve it with
// InProcess, or through an httptest.Server (see NewServer).
func New(opts Options) *Simulator {
	if opts.PageSize <= 0 {
		opts.PageSize = 20
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 100
	}
	if opts.SearchLimit <= 0 {
		opts.SearchLimit = 10
	}
	clock := opts.Clock
	if clock == nil {
		if opts.RealTime {
			clock = sim.RealClock()
		} else {
			clock = sim.NewClock(time.Time{})
		}
	}
	s := &Simulator{Clock: clock, opts: opts, mux: http.NewServeMux(), Webhooks: newWebhooks(opts, clock)}
	s.ids.Seed = opts.Seed
	s.limiter = &sim.Limiter{Limit: opts.RateLimit, Window: opts.RateWindow, Clock: clock}
	s.contacts.Index(byEmail, func(c Contact) []string { return []string{foldEmail(c.Email)} })
	s.contacts.Index(byExternalID, func(c Contact) []string { return []string{c.ExternalID} })
	s.convs.Index(byContact, func(c Conversation) []string { return []string{c.ContactID} })
	s.msgs.Index(byConversation, func(m Message) []string { return []string{m.ConversationID} })
	s.channel = Channel{ID: s.ids.Prefixed("chn_"), Name: "Support", Email: "support@example.com"}
	s.routes()

	s.stack = sim.NewStack(http.HandlerFunc(s.serveVendor))
	s.Stats, s.Faults = s.stack.Stats, s.stack.Faults
	s.Stats.Mux = s.mux // the mux behind the auth check names the routes
	s.Faults.Seed = opts.Seed
	s.Faults.Respond = func(w http.ResponseWriter, r *http.Request, f sim.Fault) {
		writeError(w, f.Status, cmp.Or(f.Message, faultMessage(f.Status)))
	}
	s.Faults.Sleep = clock.Sleep
	return s
}

// ServeHTTP serves r through the simulator's middleware (Stats, then Faults)
// and the vendor API.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.stack.ServeHTTP(w, r) }

// InProcess returns a client that serves requests in the calling goroutine,
// without a network: for tests inside a testing/synctest bubble. Any host in
// the request URL reaches the simulator.
func (s *Simulator) InProcess() *http.Client { return s.stack.InProcess() }

// Server is a Simulator served over loopback HTTP/1.1. Its URL is the base
// URL to give the adapter; Client returns a client for it. Close it when done.
type Server struct {
	*httptest.Server
	*Simulator
}

// NewServer starts a Simulator on a loopback address.
func NewServer(opts Options) *Server {
	s := New(opts)
	return &Server{Server: httptest.NewServer(s), Simulator: s}
}

// EmailsSent returns how many outbound emails the simulator "sent": one per
// conversation created through the API.
func (s *Simulator) EmailsSent() int { return int(s.emails.Load()) }

// keys are the credentials the simulator knows, with their scope.
var keys = map[string]string{APIKey: scopeAPIUser, UserKey: scopeUser}

const (
	scopeAPIUser = "api_user"
	scopeUser    = "user"
)

// serveVendor checks the key and the rate limit, then routes.
func (s *Simulator) serveVendor(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	scope, known := keys[token]
	if !ok || !known {
		writeError(w, http.StatusUnauthorized, "Invalid API key. Please double-check and try again.")
		return
	}
	if d := s.limiter.Allow(token); !d.Allowed {
		w.Header().Set("Retry-After", itoa(d.RetryAfterSeconds()))
		writeError(w, http.StatusTooManyRequests, "Rate limit exceeded. Please retry later.")
		return
	}
	if scope != scopeAPIUser && strings.HasPrefix(r.URL.Path, "/v1/customers") {
		writeError(w, http.StatusForbidden, "This endpoint requires an API key with the api_user scope.")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// errorBody is the vendor's error shape (seed 002_0168389bc6ba4e91).
type errorBody struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
}

// writeError answers status with the vendor's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	sim.WriteJSON(w, status, errorBody{StatusCode: status, Error: http.StatusText(status), Message: message})
}

// faultMessage is the message of an injected error status.
func faultMessage(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "Rate limit exceeded. Please retry later."
	case status >= 500:
		return "The service is temporarily unavailable. Please try again."
	}
	return http.StatusText(status)
}

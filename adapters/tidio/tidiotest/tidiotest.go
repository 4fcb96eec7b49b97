// Package tidiotest is an in-memory simulator of Tidio's OpenAPI (REST), for
// tests, examples, the offline demo and the conformance recordings.
//
// It speaks HTTP like the real vendor and imports nothing of the tidio
// adapter, so it catches the adapter's mistakes instead of sharing them. What
// it does follows the vendor facts in the project's docs/vendors.md (its
// Tidio section; source tags in brackets):
//
//   - Auth: both X-Tidio-Openapi-Client-Id (prefix "ci_") and
//     X-Tidio-Openapi-Client-Secret (prefix "cs_") must match the configured
//     credentials [D T-auth], else 401. The Accept header must be
//     "application/json; version=1" [D T-ver], else 406.
//   - Paging: an opaque cursor (base64 of "id__<id>"), meta.cursor null on
//     the last page, meta.limit the page size (Options.PageSize, default 100;
//     Tidio documents no request-side page size) [D T-ref]. A bad cursor is
//     a 400.
//   - Contacts: GET /contacts with the exact-address email filter (matched
//     without regard to case: an assumption, the docs do not say), GET, POST
//     (always a new contact, never deduplicated [D T-post]), PATCH (absent
//     field untouched, null clears; distinct_id cannot be cleared
//     [D T-patch, S MCP-T]), DELETE, POST /contacts/batch (1 to 100,
//     all-or-nothing, a 422 naming each bad record as "contacts.<i>.<field>")
//     [AE], and PATCH /contacts/batch {contacts: [{id, ...}]} (1 to 100,
//     each record validated as PATCH /contacts/{id}, all or nothing, 204;
//     developers.tidio.com/reference/patch_contacts-batch). The fields
//     written are email, first_name, last_name, phone, email_consent
//     (subscribed or unsubscribed), distinct_id and properties [D T-post,
//     D T-patch]; language, country and city are read only. Validation: at
//     least one of email, first_name, last_name, phone;
//     email syntax; first_name and last_name ≤ 127, phone ≤ 155 [AE],
//     distinct_id ≤ 55, property names ≤ 128 and values ≤ 1000 characters
//     [D T-post]; a property must be defined (SeedProperty) and its value
//     must fit its type [D T-patch].
//   - Contact properties: GET /contact-properties lists the definitions
//     {name, label, type}, paged like every list [S MCP-T, AE];
//     SeedProperty and DeleteProperty change them.
//   - Tickets: list (no messages), get (with messages, body in
//     "message_content" [S MCP-T tests]), PATCH status (open, pending,
//     solved), priority (low, normal, urgent) and assigned (null
//     unassigns), POST /tickets/as-contact with the MCP body
//     {contact_email, subject, message_content, assigned_department_id?},
//     POST /tickets/{id}/reply (operator replies need operator_id; public or
//     internal), DELETE [S MCP-T, AE].
//   - Operators (paged) and departments (not paged), the default "General"
//     department always present [S MCP-T, AE].
//   - Rate limit: one fixed window per project (Options.RateLimit per
//     Options.RateWindow), x-ratelimit-limit and x-ratelimit-remaining on
//     every authenticated response, and Tidio's 429 body without Retry-After
//     [D T-rl].
//   - Errors: every failure, unknown routes (404), wrong methods (405) and
//     malformed JSON (400) included, has Tidio's body
//     {"errors":[{"code":"…","message":"…"}]} [D T-ref, D T-rl].
//   - Webhooks (Options.Webhooks; Server.Webhooks sends them): what a
//     person does in Tidio's panel or chat widget, through the Simulate
//     methods, queues the delivery Tidio sends for it; changes made through
//     the OpenAPI send none, as Tidio says [D T-wh-ev]. A delivery is a POST
//     with content-type application/json, user-agent "Tidio Webhook" and
//     X-Tidio-Signature t=<unix>,s=<hex>, one s per secret
//     (Options.WebhookSecrets), s the lower-case hex HMAC-SHA256 of
//     body + "_" + t under that secret [D T-wh, D T-wh-sig]. The body is the
//     envelope {created_at, project_public_key, topic, version (1),
//     webhook_id (a UUID), content} [D T-wh]. contact.created
//     (SimulateVisitor) and contact.updated (SimulateContactEdit) carry
//     Tidio's contact content {id, email, phone, first_name, last_name,
//     distinct_id, properties: [{name, value}]} [D T-wh-ev].
//
// Where the sources leave a behaviour open, the simulator picks one and says
// so here:
//
//   - POST /contacts/batch answers 201 with {"contacts":[{"id":"…"},…]} in
//     request order (AE documents no body; Options.BatchWithoutIDs sends
//     none).
//   - POST /tickets/as-contact reuses the earliest contact with the email, or
//     creates one with only that email, and answers 201 {"id": <int>}
//     [S MCP-T tests]. Tickets start open, priority normal, in the General
//     department (or assigned_department_id) with no operator.
//   - PATCH /tickets/{id} with "assigned": {"type":"operator"} sets the
//     operator and keeps the department; {"type":"department"} moves the
//     ticket to that department with no operator; null removes the operator
//     and returns the ticket to the General department. An unknown operator
//     or department is a 422.
//   - A property value of null in a PATCH clears that property.
//   - A contact created without email_consent has "unsubscribed"; a PATCH
//     with email_consent null clears it, and it then reads as null.
//   - A record of PATCH /contacts/batch naming no stored contact is a 422
//     problem "contacts.<i>.id" (Tidio's answer is not documented).
//   - GET /contact-properties lists the seeded properties only; Tidio's
//     own listing also holds its default ones [AE], which contacts carry
//     as fields, not as properties. Values are checked by type as follows:
//     number parses as a float, email as an address with a dotted domain,
//     url as an absolute http(s) URL without whitespace; text and phone take
//     any text.
//   - 401 and 406 bodies use the codes "unauthorized" and "not_acceptable".
//   - Tidio documents no content for ticket.contact_replied [3P rollout]
//     (SimulateContactReply) nor for conversation.solved_by_operator
//     [D T-wh-ev] (SimulateOperatorSolve). The simulator sends {ticket_id,
//     contact_id, message} (the message as GET /tickets/{id} shows it) and
//     {ticket_id, contact_id, operator_id} (operator_id left out when no
//     operator is assigned); as it has no live chats, a conversation topic
//     names a ticket. A receiver can rely on none of these fields: the tidio
//     adapter keeps them in Event.Raw only.
//   - created_at is when the event was queued and t when the attempt is
//     signed, both by the simulator's clock; solving a solved ticket sends
//     nothing.
//
// The simulator is deterministic: IDs come from a seeded generator
// (Options.Seed) and times from a manual clock at sim.Epoch unless
// Options.RealTime is set. Tests inspect it (Contacts, Tickets, Stats),
// seed it directly (SeedContact, SeedOperator, ...), act as a person would
// (SimulateVisitor, SimulateContactEdit, SimulateContactReply,
// SimulateOperatorSolve), and inject faults through Faults (see
// internal/sim): 429 with and without Retry-After, 5xx, resets before
// processing, and changes committed whose response is lost; webhook faults
// (duplicates, reordering, bad signatures) are in Options.Webhooks.
package tidiotest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// Test credentials the simulator accepts by default. They carry the prefixes
// Tidio's keys always have [D T-auth].
const (
	ClientID     = "ci_tidiotest0000000000000000000"
	ClientSecret = "cs_tidiotest0000000000000000000"
)

// Limits of the simulated API.
const (
	// DefaultPageSize is the page size when Options.PageSize is 0. Tidio's
	// examples show 100 [3P T-py].
	DefaultPageSize = 100
	// MaxBatch is the most contacts POST /contacts/batch accepts [AE].
	MaxBatch = 100
	// PlusRateLimit and PremiumRateLimit are Tidio's per-minute limits by
	// plan [D T-rl], for Options.RateLimit.
	PlusRateLimit    = 60
	PremiumRateLimit = 120
)

// Options configures a simulator. The zero value is a simulator with the
// test credentials, pages of 100, no rate limit and a manual clock.
type Options struct {
	// ClientID and ClientSecret are the accepted credentials; default the
	// ClientID and ClientSecret constants.
	ClientID, ClientSecret string
	// PageSize is the number of items per list page; default 100.
	PageSize int
	// RateLimit is the number of requests the project may make per
	// RateWindow (PlusRateLimit, PremiumRateLimit, or any number to scale a
	// test); 0 or less means no limit. Windows follow the simulator's clock,
	// so with the manual clock they end only when the test moves it.
	RateLimit int
	// RateWindow is the rate-limit window; default one minute.
	RateWindow time.Duration
	// RealTime makes the clock follow the wall clock (inside a
	// testing/synctest bubble, the bubble's clock) instead of standing at
	// sim.Epoch until moved.
	RealTime bool
	// Seed seeds IDs and the faults' chance draws.
	Seed uint64
	// DisableBatch serves no POST /contacts/batch, as a Tidio without the
	// endpoint would: the path then matches /contacts/{id}, which has no
	// POST, so it answers 405.
	DisableBatch bool
	// BatchWithoutIDs makes POST /contacts/batch answer 201 with an empty
	// body, for clients that must cope with a batch response without IDs.
	BatchWithoutIDs bool
	// Webhooks configures webhook deliveries (URL, client, faults); without
	// a URL none are sent. Only the Simulate methods queue them.
	Webhooks sim.WebhookOptions
	// WebhookSecrets are the secrets deliveries are signed with, one s per
	// secret as during a rotation; default []string{WebhookSecret}.
	WebhookSecrets []string
}

// Server is a running simulator. Its fields are ready to use after
// NewServer or NewInProcess; set fault rules on Faults at any time.
type Server struct {
	// URL is the base URL to give the adapter: the loopback server's, or
	// "http://localhost" for an in-process simulator (whose client ignores
	// the host).
	URL string
	// Stats counts requests per "METHOD pattern" route, per status, and
	// writes (every method but GET, HEAD and OPTIONS).
	Stats *sim.Stats
	// Faults injects failures; its Respond hook writes Tidio's error bodies.
	Faults *sim.Faults
	// Clock is the simulator's clock: move it to end a rate-limit window.
	Clock *sim.Clock
	// Webhooks queues and sends the deliveries of the Simulate methods
	// (Flush sends them now); never nil, it sends nothing without
	// Options.Webhooks.URL.
	Webhooks *sim.Webhooks

	v     *vendor
	stack *sim.Stack
	hs    *httptest.Server
}

// NewServer starts a simulator on a loopback address. Close it when done.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	s.hs = httptest.NewServer(s.stack)
	s.URL = s.hs.URL
	return s
}

// NewInProcess returns a simulator that serves requests in the calling
// goroutine, without a network: its Client works inside a testing/synctest
// bubble, where no real listener can be used. Its URL is "http://localhost".
func NewInProcess(opts Options) *Server {
	s := newServer(opts)
	s.URL = "http://localhost"
	return s
}

func newServer(opts Options) *Server {
	clock := sim.NewClock(time.Time{})
	if opts.RealTime {
		clock = sim.RealClock()
	}
	v := newVendor(opts, clock)
	st := sim.NewStack(v)
	st.Stats.Mux = v.mux
	st.Faults.Seed = opts.Seed
	st.Faults.Respond = v.respondFault
	st.Faults.Sleep = clock.Sleep
	return &Server{Stats: st.Stats, Faults: st.Faults, Clock: clock, Webhooks: newWebhooks(opts, clock), v: v, stack: st}
}

// Client returns an HTTP client for the simulator: the loopback server's
// client, or one that serves requests in process.
func (s *Server) Client() *http.Client {
	if s.hs != nil {
		return s.hs.Client()
	}
	return s.stack.InProcess()
}

// Close stops the loopback server, if any.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// ServeHTTP serves r through the simulator's middleware (stats, faults) and
// its Tidio handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.stack.ServeHTTP(w, r) }

// Requests returns how many requests reached route, a "METHOD pattern" key
// such as "POST /contacts/batch" or "GET /contacts/{id}".
func (s *Server) Requests(route string) int { return s.Stats.Count(route) }

// Writes returns how many write requests (POST, PATCH, PUT, DELETE) were
// received, whatever their outcome.
func (s *Server) Writes() int { return s.Stats.Writes() }

// Contacts returns every stored contact, oldest first.
func (s *Server) Contacts() []Contact {
	vs := s.v.contacts.Values()
	for i := range vs {
		vs[i].Properties = slices.Clone(vs[i].Properties)
	}
	return vs
}

// Contact returns the stored contact with id.
func (s *Server) Contact(id string) (Contact, bool) {
	c, ok := s.v.contacts.Get(id)
	c.Properties = slices.Clone(c.Properties)
	return c, ok
}

// ContactsByEmail returns the stored contacts with the email address
// (compared without regard to case), oldest first.
func (s *Server) ContactsByEmail(email string) []Contact {
	var out []Contact
	for _, e := range s.v.contacts.LookupAll(emailIndex, emailKey(email)) {
		c := e.Value
		c.Properties = slices.Clone(c.Properties)
		out = append(out, c)
	}
	return out
}

// Tickets returns every stored ticket with its messages, oldest first.
func (s *Server) Tickets() []Ticket {
	vs := s.v.tickets.Values()
	for i := range vs {
		vs[i].Messages = slices.Clone(vs[i].Messages)
	}
	return vs
}

// Ticket returns the stored ticket with id.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	t, ok := s.v.tickets.Get(ticketKey(id))
	t.Messages = slices.Clone(t.Messages)
	return t, ok
}

// Operators returns the operators, in listing order.
func (s *Server) Operators() []Operator { return s.v.operators.Values() }

// Departments returns the departments, the default "General" first.
func (s *Server) Departments() []Department { return s.v.departments.Values() }

// DefaultDepartment returns the "General" department, which every
// simulator has and where new and unassigned tickets go.
func (s *Server) DefaultDepartment() Department {
	d, _ := s.v.departments.Get(s.v.generalID)
	return d
}

// SeedContact stores c directly, without a request, and returns it as
// stored. An empty ID gets a generated UUID, a zero CreatedAt the clock's
// time, an empty EmailConsent "unsubscribed". It does not validate c, so
// tests can also store what the API would refuse.
func (s *Server) SeedContact(c Contact) Contact {
	c = s.v.newContact(c)
	s.v.contacts.Put(c.ID, c)
	return c
}

// SeedOperator stores an operator and returns it; an empty ID gets a
// generated UUID and an empty Role "chat_agent".
func (s *Server) SeedOperator(o Operator) Operator {
	if o.ID == "" {
		o.ID = s.v.ids.UUID("operator")
	}
	if o.Role == "" {
		o.Role = "chat_agent"
	}
	s.v.operators.Put(o.ID, o)
	return o
}

// SeedDepartment stores a department and returns it; an empty ID gets a
// generated UUID.
func (s *Server) SeedDepartment(d Department) Department {
	if d.ID == "" {
		d.ID = s.v.ids.UUID("department")
	}
	s.v.departments.Put(d.ID, d)
	return d
}

// SeedProperty defines a custom contact property, so that contacts may set
// it. Type is one of text, email, number, phone, url ("" is text)
// [S MCP-T, AE].
func (s *Server) SeedProperty(p PropertyDef) PropertyDef {
	if p.Type == "" {
		p.Type = "text"
	}
	if p.Label == "" {
		p.Label = p.Name
	}
	s.v.properties.Put(p.Name, p)
	return p
}

// DeleteProperty removes a property definition, as deleting it in Tidio's
// panel would, and reports whether it existed. Contacts keep the values
// they have; writing the property is then a 422.
func (s *Server) DeleteProperty(name string) bool { return s.v.properties.Delete(name) }

// emailKey is the email index key: Tidio's filter takes a full address; the
// simulator matches it without regard to case.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

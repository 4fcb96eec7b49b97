// Package tidio is the deskbridge adapter for Tidio's OpenAPI (REST):
// [Driver] is its [support.Driver], over Tidio's contacts, contact
// properties, tickets, operators and departments, and [New] returns the
// [*support.Client] over it that apps call.
//
//	client, err := tidio.New(tidio.Config{
//		ClientID:     support.Secret(os.Getenv("TIDIO_CLIENT_ID")),     // ci_…
//		ClientSecret: support.Secret(os.Getenv("TIDIO_CLIENT_SECRET")), // cs_…
//	})
//
// The package registers itself as "tidio", so support.Open(ctx, "tidio",
// map[string]any{"clientid": …, "clientsecret": …}) works once it is
// imported. Tidio's OpenAPI needs the Plus or Premium plan; keys are made in
// Panel > Developer > OpenAPI by the project owner or an admin [D T-auth].
//
// Source tags ([D T-post], [S MCP-T], [AE], ...) refer to the vendor facts in
// the project's docs/vendors.md (its Tidio section): D is a Tidio
// documentation page, S the Tidio-side MCP server, 3P third-party code, AE
// the api-evangelist profile (the seed OpenAPI file). Tests hold the driver
// to Tidio's own example payloads, in testdata/vendor.
//
// # Mapping
//
//	neutral                      Tidio
//	Contact.ID                   contact id (UUID)
//	Contact.FirstName/LastName   first_name / last_name (≤ 127 characters [AE])
//	Contact.Email                email (the list's exact-address filter)
//	Contact.Phone                phone, free text, not normalized (≤ 155 [AE])
//	Contact.EmailConsent         email_consent, subscribed or unsubscribed
//	                             [D T-ref]; cleared (null) by an update to ""
//	Contact.Language/Country/    language / country / city: read only, no
//	  City                       create or update field [D T-post, D T-patch]
//	Contact.ExternalID           distinct_id (≤ 55 characters [D T-post])
//	Contact.CustomFields         properties [{name ≤ 128, value ≤ 1000}], only
//	                             those defined in the project, with a value
//	                             that can be of their type [D T-patch]; the
//	                             others warn and are not sent (see below)
//	Contact.Tags                 none
//	Contact.CreatedAt            created_at
//	FieldDefinition              contact property definition {name, label,
//	                             type} [S MCP-T, AE]
//	Conversation                 ticket (integer id) [S MCP-T, AE]
//	Conversation.Status          open ↔ open, pending ↔ pending, closed ↔ solved
//	Conversation.Assignee        assigned_operator_id → agent; else
//	                             assigned_department_id → team, except the
//	                             default "General" department, where new and
//	                             unassigned tickets sit → nil
//	Conversation.Channel         custom_channel_id, or "email"
//	Conversation.Priority        priority: low, normal, urgent [AE, S MCP-T]
//	Conversation.Department,     assigned_department_id, "" for the default
//	  NewConversation.Department department
//	Message                      ticket message (ULID id), body in
//	                             message_content [S MCP-T tests]
//	Message.Internal             message_type internal
//	Agent (KindAgent)            operator (GET /operators, paged)
//	Agent (KindTeam)             department (GET /departments), but the
//	                             default one
//
// # Driver primitives
//
//	PrepareContact      Tidio's field limits, property definitions (GET /contact-properties)
//	ListContacts        GET    /contacts?cursor=
//	GetContact          GET    /contacts/{id}
//	FindContacts        GET    /contacts?email=&cursor=, every page (email only)
//	CreateContact       POST   /contacts
//	CreateContacts      POST   /contacts/batch (at most 100)
//	PatchContact        PATCH  /contacts/{id} (204)
//	PatchContacts       PATCH  /contacts/batch (at most 100, 204)
//	DeleteContact       DELETE /contacts/{id}
//	ListContactFields   GET    /contact-properties?cursor=, every page
//	ListConversations   GET    /tickets?cursor=
//	GetConversation     GET    /tickets/{id}
//	CreateConversation  POST   /tickets/as-contact, then GET /tickets/{id}
//	SetStatus, Assign,  PATCH  /tickets/{id}
//	  Unassign,
//	  SetPriority
//	ListMessages        GET    /tickets/{id} (its messages)
//	SendMessage         POST   /tickets/{id}/reply
//	ListAgents          GET    /operators?cursor=, then GET /departments
//	Send                any request below the base URL (Client.Passthrough)
//
// The Client builds the rest from these, as for every vendor: validation,
// GetContact and UpdateContact by email, UpsertContact (matching by email,
// the only key Tidio can look up, under the identity rule), the read
// before a create and the lookup after one whose outcome is unknown,
// CreateContacts' and UpdateContacts' chunks of 100, bisection of a refused
// batch and the one-by-one fallback, the warnings on fields Tidio cannot
// write (language, country, city, tags: Capabilities.ContactFields), and
// the search of a ticket for a reply whose outcome is unknown.
//
// # Capabilities
//
// Every operation but contacts.get_by_phone, conversations.closing_categories
// and messages.get. Tidio has no phone lookup (the contact list filters by
// email only [D T-ref]) and the driver does not scan every contact instead,
// nor by distinct_id (LooksUpExternalID is false): a scan would cost a page
// per 100 contacts for every upsert. A solved ticket has no closing note,
// and a message is read with its ticket only. CreateDedup is none: "using
// this method will always add new contacts ... even if it includes the
// email or a distinct_id" [D T-post], so a create is always a new contact,
// whatever exists already. MaxBatch is 100 (POST /contacts/batch [AE]), and
// so is MaxBatchUpdate (PATCH /contacts/batch,
// developers.tidio.com/reference/patch_contacts-batch). ContactFields are
// first_name, last_name, email, phone, email_consent, external_id and
// custom_fields, the body fields of Tidio's create and update
// [D T-post, D T-patch]. Priorities are low, normal and urgent; a ticket
// can be created in a department (Departments). Statuses are open, pending
// and closed; tickets can be assigned to operators and to departments
// (AssignTeams). Notes are listed with the ticket's messages.
// AnonymousContacts: only id and created_at are required, every name field
// may be null [AE, D T-patch].
//
// # Behaviour
//
//   - Lookups: FindContacts by email reads GET /contacts?email= to its last
//     page and keeps the contacts with that address (ignoring case),
//     earliest created first (Tidio's order among equal times, those
//     without a time last). Because Tidio can look up emails only, upsert
//     matches by email alone: an input without an email is always created,
//     beside any contact with the same phone or distinct_id, and a lost
//     create of such an input is not sent again (support.ErrOutcomeUnknown).
//     The phone and the external ID still tell two people apart (the
//     identity rule): with the default keys, a contact found by email whose
//     distinct_id differs from the input's is a support.IdentityConflict,
//     never updated.
//   - Writes: POST /contacts, POST /contacts/batch, POST /tickets/as-contact,
//     POST …/reply and DELETE are sent once; an ambiguous failure (the
//     connection broke after sending, 502/504, a lost response, or a 201
//     whose body has no id) is support.ErrOutcomeUnknown: the Client looks
//     a contact create up by email and reads the ticket for a reply; a
//     ticket create (Tidio has no ticket search) and a DELETE (sent again
//     it answers 404) reach the caller as such. PATCHes set fields to
//     values, so internal/rest retries them.
//   - PatchContact sends only the fields set; "" is sent as null, which
//     clears the field, and so is a nil custom field value [D T-patch].
//     distinct_id cannot be cleared [S MCP-T]: asking to is ErrInvalid.
//     Tidio answers 204, so the result is the ID and what was sent (no
//     Raw). An update left with nothing to send (its custom fields not
//     defined properties) reads the contact (GET /contacts/{id}) and is
//     Unchanged.
//   - PatchContacts: one PATCH /contacts/batch per 100 updates, all or
//     nothing; a refused batch is ErrInvalid, which the Client bisects. A
//     record with a custom field that is not a defined property is
//     refused before any request: a batch cannot report a field left out.
//   - CreateContacts: the batch is all-or-nothing, so a 400 or 422 for it is
//     ErrInvalid, which the Client bisects until each bad record is alone
//     and reported with Tidio's message. A 404 or 405 to POST
//     /contacts/batch (the endpoint is known only from a third-party
//     profile) is ErrUnsupported: the Client then creates one by one for
//     the rest of its life. The batch response's body is not documented:
//     IDs are read from {"contacts":[{"id"}]}, {"data":[{"id"}]} or
//     {"ids":[…]}; a 201 without them is ErrOutcomeUnknown, and the Client
//     looks the records up by email.
//   - Custom fields: Tidio refuses a contact whose properties name one the
//     project does not define, or hold a value of the wrong type
//     [D T-patch], and one such record makes it refuse a whole batch. So
//     the first write with custom fields reads the definitions (GET
//     /contact-properties, every page [S MCP-T, AE]; once per Driver,
//     concurrent calls sharing the read), and PrepareContact (and
//     PatchContact) leave out each field that is not a defined property
//     (names compared exactly), with the warning "custom_fields.<name>: not
//     a property defined in this Tidio project; not stored". Values that no
//     validator could take for their property's type are left out and
//     warned about too: a number strconv.ParseFloat cannot read, an email
//     address without text on both sides of an @ or with white space, a
//     URL that is empty or has white space. Other values (text, phone,
//     which Tidio stores as written, and doubtful addresses and URLs) are
//     Tidio's to judge, by its 422. Names and values are checked against
//     Tidio's lengths whether or not they are sent. When Tidio refuses a
//     property all the same (a 400 or 422 whose message speaks of a
//     property: the definitions changed since they were read), they are
//     read again, once per Driver, and the write, which certainly did not
//     take effect, is sent again if that leaves out more fields. Fields
//     PrepareContact left out stay out of that write; later writes see
//     the definitions as read again, and nothing later. A long-lived
//     process that needs later definitions makes a new Client. When GET
//     /contact-properties answers 404, 403 or 405 (not on the plan),
//     custom fields are sent as given, for Tidio to judge, the endpoint is
//     not asked again, and the Logger gets a Debug record; another failure
//     to read them fails the write, and the next write reads them again.
//   - ListConversations lists GET /tickets and filters by status and
//     contact on the client (Tidio documents no filter), so a page may hold
//     fewer tickets than Tidio's page size, or none, with more to come.
//   - CreateConversation posts /tickets/as-contact with the Tidio-side MCP's
//     body {contact_email, subject, message_content} [S MCP-T] (an id: Ref is
//     first read for its email; a phone: Ref is ErrInvalid) and reads the
//     ticket back. Tidio finds or creates the contact from the email;
//     NewConversation.Name is not sent (the body has no name). Subject and
//     Text are required.
//   - ListMessages reads GET /tickets/{id}, which returns every message:
//     one page, Limit ignored, oldest first; a cursor is ErrInvalid.
//   - SendMessage posts /tickets/{id}/reply as an operator: NewMessage.AuthorID,
//     else Config.DefaultOperatorID. With neither it fails with ErrInvalid
//     before any request: a customer-visible reply is never signed by an
//     operator picked by Tidio's listing order. HTML goes out as the
//     content of public replies; internal notes must be plain text
//     [S MCP-T]. Tidio's reply takes no attachments (ErrInvalid).
//   - Ticket IDs are positive integers [S MCP-T, AE]: any other is
//     ErrInvalid before any request. Assignees are addressed by ID only.
//   - Which department is the default one is Config.DefaultDepartmentID or
//     else the department named "General", read once from GET /departments
//     when first needed.
//
// # Rate limits
//
// One bucket per Driver: create one Client per Tidio project. Tidio allows
// 60 requests a minute on Plus and 120 on Premium [D T-rl]
// (Config.RequestsPerMinute). The driver paces itself at
// (RequestsPerMinute−1) requests per 61 seconds, a margin of one request
// and one second, so that its own traffic never empties a window however
// Tidio's window is aligned: 58 a minute on Plus, 117 on Premium, about 97%
// of the limit. When x-ratelimit-remaining says 0 (another client is
// spending the quota) or a 429 arrives, the bucket pauses for a whole
// minute: Tidio sends no Retry-After and no reset time [D T-rl], so the
// window is taken as 60 s. A 429 is retried after the pause, within
// Config.MaxAttempts and the retry budget (see internal/rest), then fails
// with ErrRateLimited.
//
// # Errors
//
// Tidio's {"errors":[{"code","message"}]} body [D T-ref] becomes a
// *support.Error with the first code and every message; the kind follows
// the status (Tidio's codes too_many_requests and not_found override it):
// 400 and 422 ErrInvalid, 401 ErrUnauthorized, 403 ErrForbidden, 404
// ErrNotFound, 409 ErrConflict, 429 ErrRateLimited, 5xx ErrUnavailable.
// 401 and 403 bodies are not documented; a top-level "message" is read
// too [3P]. A 2xx body the driver cannot use is an error of no kind.
//
// # Testing
//
// Package tidiotest is a simulator of this API (an httptest server, or an
// in-process one for testing/synctest) that deskbridge's own tests, the
// conformance recordings and the offline demo run against. The conformance
// suite replays testdata/conformance by default; `DESKBRIDGE_RECORD=1 go
// test ./adapters/tidio -run 'TestConformance$'` records it again against
// the simulator, or against a live Tidio project when TIDIO_CLIENT_ID and
// TIDIO_CLIENT_SECRET are set (an empty project with two active operators
// and a department besides "General"; TIDIO_PAGE_SIZE is its page size,
// default 100). Recordings never hold credentials.
//
// # Divergences from the seed documents
//
// The seeds are a third-party OpenAPI profile [AE] and an article. Where they
// disagree with Tidio's own material, the driver follows Tidio:
//
//   - Host: the profile and the article say https://api.tidio.co (the
//     article adds /v1); Tidio's docs and every other client use
//     https://api.tidio.com, with no version in the path [D T-auth].
//   - Auth: the article's "Authorization: Bearer" is wrong; Tidio wants the
//     X-Tidio-Openapi-Client-Id and X-Tidio-Openapi-Client-Secret headers
//     [D T-auth].
//   - Versioning: every request must send "Accept: application/json;
//     version=1", or Tidio answers with an error [D T-ver]; the profile
//     never mentions it.
//   - Paging: the article's {"data", "meta":{"total","page"}} is wrong;
//     lists are {"<things>":[…], "meta":{"cursor","limit"}} with an opaque
//     cursor, null on the last page [D T-ref].
//   - Rate limits: the article calls them generous; they are 60 or 120 a
//     minute by plan, and other plans have no OpenAPI at all [D T-rl].
//   - POST /contacts/batch and GET /contacts/{id}/messages are known only from
//     the profile. The driver uses the batch endpoint, answering
//     ErrUnsupported when it is missing (above), and never the contact
//     messages (live chat is not a REST resource; conversations are
//     tickets).
//   - Creating a ticket: the profile's body {subject, contact_id, content}
//     and UUID response differ from the Tidio-side MCP's {contact_email,
//     subject, message_content} and integer id [S MCP-T]; the driver sends
//     the MCP's and reads either id.
//   - Ticket messages: the profile has no body field; the MCP's fixtures use
//     message_content [S MCP-T tests], and content is read too.
//   - PATCH /contacts/batch answers 204 (Tidio's reference,
//     developers.tidio.com/reference/patch_contacts-batch); the profile
//     says 200 [AE]; the driver takes any 2xx. The profile's batch records carry no
//     id; the driver sends each record's id beside its fields, as PATCH
//     /contacts/{id} takes the id in its path.
//   - city is read, never written: the profile lists it among the contact's
//     fields, but neither Tidio's create nor its update has a city field
//     [D T-post, D T-patch].
//   - PATCH /contacts/{id} answers 204 [D T-patch], not the profile's 200;
//     first_name, last_name and phone lengths (127, 155) come from the
//     profile only and are enforced before sending all the same.
//   - GET /contact-properties: the profile shows an unpaged list of
//     {name, type} [AE]; Tidio's reference counts it among the cursor-paged
//     lists [D T-ref] and the MCP reads labels too [S MCP-T]. The driver
//     follows meta.cursor while there is one. Tidio's wording of a refused
//     property is not documented; the driver recognizes one by the word
//     "property" in a 400 or 422 message.
//   - Whether Tidio refuses a create without distinct_id is unknown (the
//     reference marks it required, the profile optional [D T-post, AE]); the
//     driver sends it only when ExternalID is set.
package tidio

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/internal/fielddefs"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Vendor is the adapter's name, in Capabilities and in every error.
const Vendor = "tidio"

// DefaultBaseURL is Tidio's API root [D T-auth].
const DefaultBaseURL = "https://api.tidio.com"

// DefaultRequestsPerMinute is Tidio's limit on the Plus plan [D T-rl].
const DefaultRequestsPerMinute = 60

// Tidio's limits, enforced before any request.
const (
	// MaxBatch is the most contacts POST /contacts/batch takes [AE], and
	// PATCH /contacts/batch (see Driver.PatchContacts).
	MaxBatch = 100
	// MaxNameLength bounds first_name and last_name, in characters [AE].
	MaxNameLength = 127
	// MaxPhoneLength bounds phone, in characters [AE].
	MaxPhoneLength = 155
	// MaxExternalIDLength bounds distinct_id, in characters [D T-post].
	MaxExternalIDLength = 55
	// MaxPropertyNameLength and MaxPropertyValueLength bound a custom
	// property, in characters [D T-post].
	MaxPropertyNameLength  = 128
	MaxPropertyValueLength = 1000
)

// acceptHeader is the media type with the API version Tidio requires on
// every request [D T-ver].
const acceptHeader = "application/json; version=1"

// rateWindow is how long the bucket pauses when Tidio's quota is spent:
// Tidio sends no Retry-After or reset time [D T-rl].
const rateWindow = time.Minute

func init() {
	support.RegisterConfig(Vendor, New)
}

// Config configures a Driver. Only the credentials are required; every
// other zero value works.
type Config struct {
	// ClientID is the OpenAPI client ID ("ci_…") [D T-auth].
	ClientID support.Secret
	// ClientSecret is the OpenAPI client secret ("cs_…") [D T-auth].
	ClientSecret support.Secret
	// BaseURL is the API root; default DefaultBaseURL. It must be https, or
	// http to a loopback host (a simulator).
	BaseURL string
	// RequestsPerMinute is the project's rate limit: 60 on Plus (the
	// default), 120 on Premium [D T-rl]. The driver paces itself just under
	// it (see the package documentation). Negative turns client-side pacing
	// off, for tests and for callers that pace requests themselves.
	RequestsPerMinute int
	// HTTPClient sends the requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives a Debug record per attempt, a Warn per retry and a
	// Debug record when Tidio does not serve the contact property
	// definitions, never with credentials; nil is silent.
	Logger *slog.Logger
	// RateLimiter paces the requests, shared by every Client that uses it;
	// nil means a limiter in this process. Give one from
	// ratelimit/redislimit to share the vendor's quota between processes
	// (replicas, a migration beside the app). Its buckets are keyed by
	// vendor, Client.Account (never a credential) and bucket name.
	RateLimiter support.RateLimiter
	// MaxWait caps any single wait (rate-limit pause, backoff); default 60 s.
	// A negative one is refused.
	MaxWait time.Duration
	// MaxAttempts is the number of tries per request; default 4. A call,
	// attempts and waits together, lasts at most 90 s (see internal/rest).
	// A negative number is refused.
	MaxAttempts int
	// DefaultDepartmentID is the department whose tickets count as
	// unassigned; "" looks up the department named "General" once.
	DefaultDepartmentID string
	// DefaultOperatorID is the operator replies are sent as when
	// NewMessage.AuthorID is empty. When both are empty, SendMessage fails
	// with ErrInvalid: Tidio signs every reply with an operator, visibly to
	// the customer, so the library does not pick one.
	DefaultOperatorID string
}

// Driver is Tidio as a support.Driver. It is safe for concurrent use. Build
// the Client over it with New, or the Driver alone with NewDriver (to wrap
// it before support.NewClient, say). It prints as its base URL only,
// whatever the verb.
type Driver struct {
	rest *rest.Client
	cfg  settings
	*learned
}

// settings are the fields of Config a Driver keeps: never the credentials,
// which only its rest.Client holds, so that no rendering of a Driver (even
// fmt's, walking the fields of a support.Client) can show them.
type settings struct {
	BaseURL, DefaultDepartmentID, DefaultOperatorID string
	Logger                                          *slog.Logger
	// account is Account's answer, a fingerprint of the client ID.
	account string
}

// learned is what a Driver learns from Tidio as it goes, shared by copies.
type learned struct {
	// props are the contact property definitions writes are checked against.
	props *fielddefs.Cache[*propertyDefs]

	mu          sync.Mutex
	deptKnown   bool
	defaultDept string
}

var (
	_ support.Driver              = (*Driver)(nil)
	_ support.BatchCreator        = (*Driver)(nil)
	_ support.ContactPatcher      = (*Driver)(nil)
	_ support.ContactDeleter      = (*Driver)(nil)
	_ support.ConversationReader  = (*Driver)(nil)
	_ support.ConversationCreator = (*Driver)(nil)
	_ support.BatchPatcher        = (*Driver)(nil)
	_ support.ContactFieldLister  = (*Driver)(nil)
	_ support.PrioritySetter      = (*Driver)(nil)
	_ support.Requester           = (*Driver)(nil)
	_ support.StatusSetter        = (*Driver)(nil)
	_ support.Assigner            = (*Driver)(nil)
	_ support.MessageReader       = (*Driver)(nil)
	_ support.MessageSender       = (*Driver)(nil)
	_ support.AgentLister         = (*Driver)(nil)
)

// New returns the Client of a Tidio project: NewDriver(cfg) under
// support.NewClient.
func New(cfg Config) (*support.Client, error) {
	d, err := NewDriver(cfg)
	if err != nil {
		return nil, err
	}
	return support.NewClient(d), nil
}

// NewDriver returns the Driver for cfg. A missing or malformed credential
// or base URL, or a negative MaxWait or MaxAttempts, fails with ErrInvalid
// naming the field, never quoting a credential.
func NewDriver(cfg Config) (*Driver, error) {
	for _, f := range []struct {
		name, prefix string
		v            support.Secret
	}{{"ClientID", "ci_", cfg.ClientID}, {"ClientSecret", "cs_", cfg.ClientSecret}} {
		switch s := f.v.Reveal(); {
		case s == "":
			return nil, fail(support.ErrInvalid, "Config.%s is required (Panel > Developer > OpenAPI)", f.name)
		case !strings.HasPrefix(s, f.prefix):
			return nil, fail(support.ErrInvalid, "Config.%s must start with %q, as Tidio's always do", f.name, f.prefix)
		case strings.ContainsAny(s, "\r\n"):
			return nil, fail(support.ErrInvalid, "Config.%s contains a line break", f.name)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.RequestsPerMinute == 0 {
		cfg.RequestsPerMinute = DefaultRequestsPerMinute
	}
	account := support.AccountFingerprint(cfg.BaseURL, cfg.ClientID.Reveal())
	rc, err := rest.New(rest.Config{
		Vendor:     Vendor,
		BaseURL:    cfg.BaseURL,
		HTTPClient: cfg.HTTPClient,
		Logger:     cfg.Logger,
		Header: http.Header{
			"X-Tidio-Openapi-Client-Id":     {cfg.ClientID.Reveal()},
			"X-Tidio-Openapi-Client-Secret": {cfg.ClientSecret.Reveal()},
			"Accept":                        {acceptHeader},
		},
		Secrets:         []string{cfg.ClientID.Reveal(), cfg.ClientSecret.Reveal()},
		MaxWait:         cfg.MaxWait,
		MaxAttempts:     cfg.MaxAttempts,
		RateLimit:       pace(cfg.RequestsPerMinute),
		Burst:           1,
		RateWindow:      rateWindow,
		RemainingHeader: "X-Ratelimit-Remaining",
		LimitHeader:     "X-Ratelimit-Limit",
		RateLimiter:     cfg.RateLimiter,
		Account:         account,
		DecodeError:     decodeError,
	})
	if err != nil {
		return nil, err
	}
	kept := settings{BaseURL: cfg.BaseURL, DefaultDepartmentID: cfg.DefaultDepartmentID, DefaultOperatorID: cfg.DefaultOperatorID, Logger: cfg.Logger,
		account: account}
	d := &Driver{rest: rc, cfg: kept, learned: &learned{}}
	d.props = fielddefs.New(fielddefs.Source[*propertyDefs]{Vendor: Vendor, What: "contact property definitions", Logger: cfg.Logger,
		Read: d.readProperties, Check: (*propertyDefs).check, Refused: propertyRefused})
	return d, nil
}

// pace is the client-side rate for a limit of perMinute requests a minute:
// perMinute−1 requests per 61 s, so that no 60 s window, however aligned,
// sees more than perMinute−1 of them. Negative means no pacing.
func pace(perMinute int) rate.Limit {
	if perMinute < 0 {
		return 0
	}
	return rate.Limit(float64(max(perMinute-1, 1)) / 61)
}

// String shows the base URL only, never the credentials. The formatting
// methods have value receivers so that a dereferenced Driver prints safely
// too: fmt would otherwise walk the fields, credentials included.
func (d Driver) String() string { return "tidio.Driver{BaseURL: " + d.cfg.BaseURL + "}" }

// GoString is String, for %#v.
func (d Driver) GoString() string { return d.String() }

// Format writes String for every verb.
func (d Driver) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", d.String())
		return
	}
	_, _ = io.WriteString(f, d.String())
}

// LogValue logs the vendor and base URL only.
func (d Driver) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vendor", Vendor), slog.String("base_url", d.cfg.BaseURL))
}

// Account names the Tidio project: the base URL and a fingerprint of the
// client ID (Tidio's OpenAPI names no project ID), never the ID itself.
func (d *Driver) Account() string { return d.cfg.account }

// Capabilities reports what Tidio can do; see the package documentation.
func (d *Driver) Capabilities() support.Capabilities {
	return support.Capabilities{
		Vendor: Vendor,
		Operations: []support.Operation{
			support.OpListContacts, support.OpGetContact, support.OpGetByEmail,
			support.OpCreateContact, support.OpCreateContacts, support.OpUpsertContact,
			support.OpUpdateContact, support.OpUpdateContacts, support.OpDeleteContact, support.OpListContactFields,
			support.OpListConversations, support.OpGetConversation, support.OpCreateConversation,
			support.OpSetStatus, support.OpAssignConversation, support.OpUnassignConversation, support.OpSetPriority,
			support.OpListMessages, support.OpSendMessage, support.OpSendNote,
			support.OpListAgents, support.OpPassthrough,
		},
		CreateDedup:    support.DedupNone,
		MaxBatch:       MaxBatch,
		MaxBatchUpdate: MaxBatch,
		// Language, country and city are read only, and contacts have no
		// tags [D T-post, D T-patch].
		ContactFields:     []string{"first_name", "last_name", "email", "phone", "email_consent", "external_id", "custom_fields"},
		Priorities:        slices.Clone(priorities),
		Departments:       true,
		Statuses:          []support.ConversationStatus{support.StatusOpen, support.StatusPending, support.StatusClosed},
		AssignTeams:       true,
		AnonymousContacts: true,
	}
}

// Send is the passthrough (support.Requester): r below the base URL, with
// the Driver's credentials, pacing and error decoding (see rest.Client.Send).
func (d *Driver) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	return d.rest.Send(ctx, r)
}

// get sends a GET and returns the response, whose body the caller decodes
// (keeping each item's payload for Raw).
func (d *Driver) get(ctx context.Context, op support.Operation, path rest.Path, query url.Values) (*rest.Response, error) {
	return d.rest.Do(ctx, rest.Request{Op: op, Path: path, Query: query}, nil)
}

// send sends a write. Tidio's PATCHes set fields to values, so sending one
// twice has the effect of once: they are retried like GETs. POSTs create
// and DELETEs answer 404 the second time, so neither is resent after an
// ambiguous failure: that is support.ErrOutcomeUnknown, for the Client.
func (d *Driver) send(ctx context.Context, op support.Operation, method string, path rest.Path, body any) (*rest.Response, error) {
	idem := rest.NotIdempotent
	if method == http.MethodPatch {
		idem = rest.Idempotent
	}
	return d.rest.Do(ctx, rest.Request{Op: op, Method: method, Path: path, Body: body, Idempotency: idem}, nil)
}

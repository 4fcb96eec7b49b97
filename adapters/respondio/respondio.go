// Package respondio is the deskbridge adapter for respond.io's Developer API
// v2 (https://api.respond.io/v2): [Driver] is its [support.Driver], and [New]
// returns the [*support.Client] over it that apps call.
//
// Build it with New (or support.Open(ctx, "respondio", map[string]any{"token":
// …})). Every request carries "Authorization: Bearer <Token>" and goes
// through internal/rest, which retries, waits, caps bodies and redacts the
// token. The facts below come from respond.io's own SDK, integrations and
// pages, tagged as in docs/vendors.md, "## respond.io" ([D] docs page, [S]
// official SDK or connector, [3P] third party, [AE] the seed profile).
//
// # Mapping
//
//	neutral                      respond.io
//	Contact.ID                   contact id (a number), as a decimal string
//	Ref id:/email:/phone:        identifier id:{id} / email:{email} / phone:{+E164}
//	Contact.FirstName, LastName  firstName, lastName
//	Contact.Email, Phone         email, phone (E.164; normalized before use)
//	Contact.Language, Country    language (ISO 639-1), countryCode (ISO 3166-1)
//	Contact.Lifecycle            lifecycle (written with POST …/lifecycle/update {name})
//	Contact.AvatarURL            profilePic (an http(s) URL)
//	Contact.Tags                 tags (written with POST/DELETE …/tag)
//	Contact.CustomFields         custom_fields [{name, value}] (customFields read too)
//	Contact.CreatedAt            created_at, Unix seconds (created read too)
//	Contact.ExternalID, City,    none: the Client leaves them out with a Warning
//	EmailConsent                 (Capabilities.ContactFields)
//	FieldDefinition              custom field {name, dataType} (Name and Label: name)
//	Conversation.ID, ContactID   the contact's id: one conversation per contact
//	Conversation.Status          status: open → open, close (closed, done) → closed,
//	                             snoozed/unsnoozed → open; absent: no conversation
//	Conversation.Assignee        assignee {id, email, …} → agent (an email string is read too)
//	StatusChange.Category, Summary  category, summary of the closing note
//	ClosingCategory              closing note {category, description}
//	Message.ID                   messageId
//	Message.ChannelID            channelId (NewMessage.ChannelID sends it, a number)
//	Message.Subject              message.subject of an email (NewMessage.Subject
//	                             sends {type: "email", text, subject, attachments})
//	Message.Direction            traffic incoming → inbound, outgoing → outbound
//	Message.AuthorKind           incoming → contact; sender.source user, echo, api →
//	                             agent (AuthorID = userId); ai_agent, workflow → bot;
//	                             broadcast → system
//	Message.Text, Attachments    message.text (or title); message.attachment, attachments
//	Message.CreatedAt            earliest status[].timestamp (timestamp read too)
//	Message.Internal (a note)    a comment {text}, answered {contactId, text, created_at}:
//	                             ConversationID = contactId, CreatedAt = created_at,
//	                             AuthorKind agent, no ID; never listed
//	Agent                        space user {id, firstName, lastName, email, role}
//
// Each Driver method's doc names the endpoints it calls. The Client builds
// the rest from them: GetContact by email or phone and UpsertContact from
// FindContacts, CreateContacts one by one (respond.io has no batch
// endpoint), UpdateContact from PatchContact.
//
// # respond.io only: Client.As
//
// Merge (POST /contact/merge) and Comment (POST /contact/{identifier}/comment,
// which takes an email or phone Ref too) exist on respond.io alone. They are
// methods of *Driver, which apps reach through the Client:
//
//	var d *respondio.Driver
//	if client.As(&d) { merged, err := d.Merge(ctx, "1", "2", support.ContactInput{}) }
//
// # Capabilities
//
// Every operation (support.Operations) but SetPriority: respond.io
// conversations have no priority. CreateDedup is "identifier": respond.io
// addresses a new contact by email: or phone:, and the Client refuses a
// create of one it already has (ErrConflict; the simulator's 409 for a
// duplicate phone is a choice, what respond.io answers is UNKNOWN).
// MaxBatch is 1 and there is no batch update: the Client sends
// UpdateContacts one contact at a time. Statuses are open and closed;
// conversations are assigned to users only (AssignTeams false), and have no
// department. External IDs cannot be looked up. ContactFields lists what
// respond.io stores (no external ID, city or email consent). ChoosesChannel
// and MessageSubjects are true. Passthrough (Client.Passthrough) sends any
// request below the base URL with the token; Example_passthrough makes and
// deletes a workspace tag.
//
// SplitsAttachments: a respond.io message is text or one attachment [S R-SDK
// types/message.ts], so the Client sends the text and each attachment as
// messages of their own, in order; a failure after the first is a
// *support.PartialSendError saying what was sent. An email (NewMessage with
// a Subject) carries its attachments itself, and the driver sends them in
// the one email message; the Client still splits them off today, so they
// go as attachment messages of their own, on the contact's last-interacted
// channel.
//
// NotesOutsideHistory: an internal note (SendMessage with Internal) is a
// respond.io comment [S R-MCP, R-n8n types] on the contact's conversation,
// but GET …/message/list returns messages only [S R-SDK types/message.ts] and
// no endpoint lists comments: ListMessages never returns a note, and an app
// that needs its notes keeps its own copy. Comments are plain text of at most
// MaxCommentLength (1000) characters, checked before any request; a note with
// attachments, or with HTML and no Text, is refused (ErrInvalid);
// NewMessage.AuthorID is not sent.
//
// # Behaviour worth knowing
//
//   - Creates need a first name (required by the official SDK type and MCP
//     server) and an email or a phone; a phone without its country code is
//     refused before any request [D R-chg]. Emails match case-insensitively.
//     Language is stored in lower case, the country in upper case.
//   - CreateContact sends create_or_update, which answers the new contact's
//     ID (the plain create answers {code, message} only, and a read back per
//     contact would load the GET endpoint, a migration's busiest). The one
//     race left: another client creating the same identifier between the
//     Client's read and the create, whose contact this create then updates.
//     A create or patch returns the contact as written (Raw nil).
//   - Creates, deletes, merges, message sends and comments are not
//     idempotent: the driver never resends one whose answer was lost, and the
//     error matches support.ErrOutcomeUnknown (the Client settles a create by
//     a lookup, a message by reading the history; a comment cannot be looked
//     up). create_or_update where the contact was just found missing, PUT,
//     status, assignee and tag changes and the contact search are idempotent
//     and retried as such; so is any request shown not to have been acted on
//     (429, never written).
//   - Custom fields the workspace does not define (GET /space/custom_field)
//     are left out before any write, with a Warning each; PrepareContact
//     says so too, so a plan shows them. The definitions are read when a
//     custom field is first written, and read again once per Driver when
//     respond.io refuses a custom field they allowed (a 400 speaking of a
//     custom field; respond.io's wording is UNKNOWN), the write then sent
//     again without it. Definitions respond.io does not serve (404, 403,
//     405) leave custom fields unchecked.
//   - Paging: limit 1–100 (0, and larger limits, ask for 100: respond.io's
//     own default is 10, ten times the requests) and cursorId, read from
//     pagination.next (a full URL, never followed) or the seed's {cursorId,
//     hasMore}; Page.Next is that cursorId.
//   - ListConversations filters by status on the client, so a page may hold
//     fewer conversations than the limit (or none) and still have a Next;
//     contacts without a conversation are left out.
//   - Messages are listed in the vendor's order, which respond.io does not
//     document (UNKNOWN); the simulator lists oldest first. SendMessage sends
//     plain text (HTML alone is refused, HTML beside Text is not sent) on the
//     channel NewMessage.ChannelID names (a positive number, else ErrInvalid
//     before sending), or else the contact's last-interacted one;
//     NewMessage.AuthorID is not sent (API messages have sender.source
//     "api"). Conversations have no subject: NewConversation.Subject is not
//     stored (logged at Warn).
//
// # Rate limits
//
// respond.io limits requests per organization and per endpoint, with
// X-RateLimit-Limit, X-RateLimit-Remaining and, on 429, Retry-After [D
// R-docs]; the figure of 5 requests per second per method comes from the seed
// profile only (AE-R) and is unconfirmed. So each endpoint ("GET
// /contact/{identifier}") has its own bucket: Config.RateLimit requests per
// second (default 5), a pause when X-RateLimit-Remaining reaches 0 (for
// Config.RateWindow: by default one request's interval, the time left in
// respond.io's one-second window when requests are spaced by the limit) and
// after a 429 (for Retry-After), each capped by Config.MaxWait. Endpoints
// never wait for each other.
//
// # Divergences from the seed profile
//
// The seed (a third-party OpenAPI profile, AE-R) differs from respond.io's
// own material, which this adapter follows (seed shapes are read too):
//
//   - Create is POST /contact/{email:|phone:} answering {code, message}, not
//     POST /contact answering a Contact [S R-SDK, R-n8n; 3P repat].
//   - The contact list is POST /contact/list with {search, timezone, filter}
//     and the paging in the query, not GET [S R-SDK, R-n8n, R-MCP; 3P repat].
//   - Pages carry pagination {next, previous} URLs, not {cursorId, hasMore}
//     [S R-SDK tests, R-n8n; 3P repat].
//   - Custom fields are custom_fields (written), not customFields [S R-SDK;
//     3P AP].
//   - A contact's creation time is created_at, not created; its status is the
//     conversation status (open, close), not a lifecycle stage; its assignee
//     is a user object, not a string [S R-SDK, R-n8n types].
//   - Update, upsert, delete, tags and merge answer {contactId}, not a
//     Contact [S R-SDK]. Merge takes {contactIds: [primary, secondary],
//     fields…}, not {primaryContactId, secondaryContactId} [S R-SDK, R-MCP].
//   - Opening and closing is POST …/conversation/status {status, category,
//     summary}, not POST …/conversation {status, closingNoteId}; the assignee
//     is a user ID (number), an email, or null, not only an email [S R-SDK,
//     R-n8n, R-MCP; 3P AP].
//   - Message history is GET …/message/list, which the seed lacks [S R-SDK
//     1.1.0]; a message's status is a list of {value, timestamp} and it has a
//     sender, where the seed has a status string and a timestamp; a send
//     answers {messageId} only.
//   - Errors are {code, message}, not {message, status} [S R-SDK].
//   - Channels, tags, custom field definitions and closing notes live under
//     /contact/…/channels and /space/… rather than the seed's /channel, /tag
//     and /custom_field [S R-SDK]; the adapter reads /space/custom_field and
//     /space/closing_notes.
//   - The 5 requests per second per method is the seed's figure only; it is
//     the default of a setting, not a fact.
//
// # Recording against the live vendor
//
// The conformance recordings under testdata/conformance are made against the
// simulator. With RESPONDIO_TOKEN set (and RESPONDIO_BASE_URL, optionally),
// `DESKBRIDGE_RECORD=1 go test ./adapters/respondio -run 'TestConformance$'`
// records against that workspace instead; it must be empty but for at least
// two users.
package respondio

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/internal/fielddefs"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Vendor is the adapter's name: in Capabilities, in every error, and in the
// registry.
const Vendor = "respondio"

// Defaults of Config.
const (
	// DefaultBaseURL is respond.io's API root [D R-docs].
	DefaultBaseURL = "https://api.respond.io/v2"
	// DefaultRateLimit is the requests per second per endpoint the client
	// keeps to: the seed profile's "5 requests per second per method"
	// (AE-R, unconfirmed by respond.io's own pages).
	DefaultRateLimit = 5
	// DefaultRateWindow is how long an endpoint pauses when
	// X-RateLimit-Remaining reaches 0 without a Retry-After, when the
	// client-side limit is off; with it, the pause is one request's interval
	// (200 ms at 5 per second): requests spaced by the limit reach 0 one
	// interval before the vendor's one-second window ends.
	DefaultRateWindow = time.Second
)

// Limits respond.io sets on fields, enforced before any request.
const (
	// MaxPageSize is the largest page respond.io returns [S R-SDK common.ts].
	MaxPageSize = 100
	// MaxCommentLength is the longest comment, in characters [S R-MCP].
	MaxCommentLength = 1000
	// MaxTagLength is the longest tag name [S R-SDK contact.ts].
	MaxTagLength = 255
	// maxTagsPerRequest is how many tags one tag request carries.
	maxTagsPerRequest = 10
	// MaxCustomFieldName is the longest custom field name [S R-SDK space.ts,
	// R-MCP].
	MaxCustomFieldName = 50
)

func init() {
	support.RegisterConfig(Vendor, New)
}

// Config configures a Driver. Only Token is required; every zero value
// works.
type Config struct {
	// Token is the API access token (Settings > Integrations > Developer
	// API). It formats as "[REDACTED]".
	Token support.Secret
	// BaseURL is the API root; default DefaultBaseURL. It must be https,
	// or http to a loopback host (a simulator).
	BaseURL string
	// HTTPClient sends the requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives a Debug record per attempt and a Warn per retry, with
	// the token redacted; nil is silent.
	Logger *slog.Logger
	// RateLimiter paces the requests, shared by every Client that uses it;
	// nil means a limiter in this process. Give one from
	// ratelimit/redislimit to share the vendor's quota between processes
	// (replicas, a migration beside the app). Its buckets are keyed by
	// vendor, Client.Account (never a credential) and bucket name.
	RateLimiter support.RateLimiter
	// RateLimit is how many requests per second each endpoint may send;
	// 0 is DefaultRateLimit, a negative value or +Inf turns the client-side
	// limit off (the vendor's 429s and headers are still honoured). NaN is
	// refused.
	RateLimit float64
	// Burst is how many requests an endpoint may send at once; default 1.
	// A negative number is refused.
	Burst int
	// RateWindow is how long an endpoint pauses when the vendor says no
	// request is left (X-RateLimit-Remaining: 0) without a Retry-After;
	// default one request's interval at RateLimit (200 ms at 5 per second),
	// or DefaultRateWindow when the client-side limit is off. A negative one
	// is refused.
	RateWindow time.Duration
	// MaxWait caps any single wait (Retry-After, backoff, a paused
	// endpoint); default 60 s. A negative one is refused.
	MaxWait time.Duration
	// MaxAttempts is the number of tries per request; default 4. A call,
	// attempts and waits together, lasts at most 90 s (see internal/rest).
	// A negative number is refused.
	MaxAttempts int
	// RetryBudget is the client-wide retry budget (see internal/rest);
	// default 10, negative disables retries. NaN and +Inf are refused.
	RetryBudget float64
	// MaxBodyBytes caps a response body; default 10 MiB. A negative size is
	// refused.
	MaxBodyBytes int64
}

// Driver is a respond.io workspace as a support.Driver. It is safe for
// concurrent use. Build the Client over it with New, or the Driver alone
// with NewDriver (to wrap it before support.NewClient, say); apps reach it
// from the Client with Client.As for Merge and Comment.
type Driver struct {
	rc      *rest.Client
	log     *slog.Logger
	account string                            // Account's answer
	fields  *fielddefs.Cache[map[string]bool] // the custom field names writes are checked against
}

// Account names the respond.io workspace by the base URL and a fingerprint
// of the token (the API names no workspace ID); a new token changes it.
func (d *Driver) Account() string { return d.account }

var _ support.Driver = (*Driver)(nil)

// New returns the Client of a respond.io workspace: NewDriver(cfg) under
// support.NewClient.
func New(cfg Config) (*support.Client, error) {
	d, err := NewDriver(cfg)
	if err != nil {
		return nil, err
	}
	return support.NewClient(d), nil
}

// NewDriver returns the Driver for cfg. A missing or malformed token, a
// base URL that is not https (loopback http excepted), or a number of Config
// out of its range (a negative Burst, RateWindow, MaxWait, MaxAttempts or
// MaxBodyBytes, a NaN RateLimit, a NaN or +Inf RetryBudget) fails with
// ErrInvalid naming the field.
func NewDriver(cfg Config) (*Driver, error) {
	token := cfg.Token.Reveal()
	if token == "" {
		return nil, support.Errorf(Vendor, "", support.ErrInvalid, "Config.Token is required")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, support.Errorf(Vendor, "", support.ErrInvalid, "Config.Token contains spaces or control characters")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	limit := rate.Limit(cfg.RateLimit)
	switch {
	case cfg.RateLimit == 0:
		limit = DefaultRateLimit
	case cfg.RateLimit < 0, math.IsInf(cfg.RateLimit, 1):
		limit = 0 // rest: unlimited
	}
	if cfg.RateWindow == 0 { // a negative one is internal/rest's to refuse
		cfg.RateWindow = DefaultRateWindow
		if limit > 0 {
			cfg.RateWindow = time.Duration(float64(time.Second) / float64(limit))
		}
	}
	rc, err := rest.New(rest.Config{
		Vendor:          Vendor,
		BaseURL:         cfg.BaseURL,
		HTTPClient:      cfg.HTTPClient,
		Logger:          cfg.Logger,
		Header:          http.Header{"Authorization": {"Bearer " + token}},
		Secrets:         []string{token},
		MaxBodyBytes:    cfg.MaxBodyBytes,
		MaxAttempts:     cfg.MaxAttempts,
		MaxWait:         cfg.MaxWait,
		RetryBudget:     cfg.RetryBudget,
		RateLimit:       limit,
		Burst:           cfg.Burst,
		RateWindow:      cfg.RateWindow,
		RemainingHeader: "X-RateLimit-Remaining",
		LimitHeader:     "X-RateLimit-Limit",
		RateLimiter:     cfg.RateLimiter,
		Account:         support.AccountFingerprint(cfg.BaseURL, token),
		DecodeError:     decodeError,
	})
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{rc: rc, log: log, account: support.AccountFingerprint(cfg.BaseURL, token)}
	d.fields = fielddefs.New(fielddefs.Source[map[string]bool]{Vendor: Vendor, What: "custom field definitions", Logger: log,
		Read: d.readFields, Check: fieldDefined, Refused: fieldRefused})
	return d, nil
}

// Send sends a request of the caller's making (Client.Passthrough) below
// the base URL, with the token, the rate limiter (one bucket for every
// passthrough request), body cap and redaction (see rest.Client.Send).
func (d *Driver) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	return d.rc.Send(ctx, r)
}

// String shows the base URL only.
func (d Driver) String() string { return fmt.Sprintf("respondio.Driver{BaseURL: %q}", d.rc.BaseURL()) }

// Format writes String for every verb, so that no verb walks the fields.
// It has a value receiver so that formatting a dereferenced Driver is safe too.
func (d Driver) Format(f fmt.State, verb rune) { fmt.Fprint(f, d.String()) }

// LogValue logs the vendor and base URL only.
func (d Driver) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vendor", Vendor), slog.String("base_url", d.rc.BaseURL()))
}

// Capabilities reports what respond.io can do through this adapter: every
// operation but SetPriority, with text and attachments sent as messages of
// their own, and internal notes stored as comments that ListMessages does
// not return (see the package documentation).
func (d *Driver) Capabilities() support.Capabilities {
	return support.Capabilities{
		Vendor:      Vendor,
		Operations:  respondioOps,
		CreateDedup: support.DedupIdentifier,
		MaxBatch:    1,
		ContactFields: []string{"first_name", "last_name", "email", "phone", "language", "country", "lifecycle",
			"avatar_url", "tags", "custom_fields"},
		ChoosesChannel:      true,
		MessageSubjects:     true,
		Statuses:            []support.ConversationStatus{support.StatusOpen, support.StatusClosed},
		SplitsAttachments:   true,
		NotesOutsideHistory: true,
	}
}

// respondioOps are the operations the driver declares.
var respondioOps = []support.Operation{
	support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone,
	support.OpCreateContact, support.OpCreateContacts, support.OpUpsertContact, support.OpUpdateContact,
	support.OpUpdateContacts, support.OpDeleteContact, support.OpListContactFields,
	support.OpListConversations, support.OpGetConversation, support.OpCreateConversation, support.OpSetStatus,
	support.OpAssignConversation, support.OpUnassignConversation, support.OpListClosingCategories,
	support.OpListMessages, support.OpGetMessage, support.OpSendMessage, support.OpSendNote,
	support.OpListAgents, support.OpPassthrough,
}

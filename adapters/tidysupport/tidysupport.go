// Package tidysupport is the deskbridge adapter for TidySupport's REST API
// (https://tidysupport.com/docs/api): [Driver] is its [support.Driver], and
// [New] returns the [*support.Client] over it that apps call.
//
// Build it with New, or with support.Open(ctx, "tidysupport",
// map[string]any{"apiKey": …, "workspaceID": …}) once this package is
// imported. Every request goes through internal/rest: Bearer auth, retries
// by idempotency, a rate limiter, capped bodies, and TidySupport's error
// bodies decoded into *support.Error. Sources are tagged as in the project's
// docs/vendors.md ([D TS-contacts] is the vendor's Contacts docs page,
// [D TS-cust] its Customers page, [seed] the seed Contacts API page
// 002_0168389bc6ba4e91).
//
// # Mapping
//
//	neutral                          TidySupport
//	-------                          -----------
//	Contact.ID                       contact id ("ctc_…")
//	Contact.FirstName, LastName      name: written first + " " + last (trimmed, one space; either alone when the
//	                                 other is empty), read split before its last word (support.SplitName): a
//	                                 one-word name is a first name alone
//	Contact.Email                    email (required to create a contact: the Contact Object's email is not nullable [seed])
//	Contact.Phone                    phone, as stored (free text: the docs' example is "+1-555-0123"); written in E.164
//	                                 when it normalizes; not with an external ID (the Customers API has no phone)
//	Contact.ExternalID               externalId of the Customers API: written by POST /v1/customers, read from
//	                                 /v1/customers and its lookup (the inbox contact has none) [D TS-cust]
//	Contact.CustomFields             metadata of the Customers API, both ways: written as strings with an external ID
//	                                 (without one they cannot be stored: a Warning each); read strings as they are,
//	                                 other values as their JSON text, nulls left out [D TS-cust]
//	Contact.AvatarURL                avatarUrl (read only: no create takes it)
//	Contact.CreatedAt                createdAt (RFC 3339, in UTC)
//	Contact.Language, Country, City, not stored: Capabilities.ContactFields leaves them out, so the Client removes them
//	EmailConsent, Lifecycle, Tags    with a Warning per field
//	Conversation.ID                  thread id ("thd_…")
//	Conversation.ContactID           contact.id
//	Conversation.Status              OPEN → open; CLOSED → closed; ARCHIVED → closed (Raw keeps "ARCHIVED")
//	Conversation.Assignee            assignedToId ("agt_…") as an agent; null → nil
//	Conversation.Channel             source, lower case ("email", "chat")
//	Conversation.UpdatedAt           updatedAt if sent, else lastMessageAt (the only time the list documents)
//	Conversation.CreatedAt           createdAt if sent; zero otherwise (the list does not document it)
//	Message.Direction                INBOUND → inbound; OUTBOUND → outbound; SYSTEM → ""
//	Message.AuthorKind, AuthorID     senderType CUSTOMER → contact (the thread's contact id), AGENT → agent (agentId),
//	                                 SYSTEM → system
//	Message.Text, HTML               contentText, contentHtml
//	Message.CreatedAt                createdAt, else sentAt
//	Message.Internal                 always false: how notes are flagged is not public
//	Message.Attachments              not mapped (their shape is not public); Raw keeps them
//
// Every read model keeps the vendor's object in Raw.
//
// # Driver primitives
//
//	ListContacts        GET  /v1/customers?limit=&cursor=   (Config.ContactList "inbox": GET …/inbox/customers?limit=)
//	GetContact          GET  /v1/workspaces/{workspaceId}/support/inbox/contacts/{contactId}
//	FindContacts        email: GET …/inbox/search?q=&limit=, exact matches, then GET …/inbox/contacts/{contactId} each;
//	                    external ID: GET /v1/customers/lookup?externalId= [D TS-cust]
//	CreateContact       POST …/inbox/contacts {email, name, phone}; with an external ID,
//	                    POST /v1/customers {externalId, email, name, metadata} [D TS-cust]
//	ListConversations   GET  …/inbox/conversations?status=&limit=
//	GetConversation     none: sends nothing (support.ConversationReader pairs it with ListConversations; never called)
//	CreateConversation  POST …/inbox/conversations (this emails the contact)
//	ListMessages        GET  …/inbox/conversations/{conversationId}/messages?limit=
//	Send                the passthrough (Client.Passthrough): any request below the base URL
//
// The Client builds the rest from these: GetContact by email, CreateContact's
// read before it writes, and UpsertContact from FindContacts (external ID
// first, then email), CreateContacts one by one (no batch endpoint:
// MaxBatch 1).
//
// Capabilities: contacts.list, contacts.get, contacts.get_by_email,
// contacts.create, contacts.create_batch (MaxBatch 1), contacts.upsert,
// conversations.list, conversations.create, messages.list, passthrough.
// CreateDedup is email; statuses are open and closed; no team assignment;
// external IDs are looked up (LooksUpExternalID). ContactFields: first_name,
// last_name, email, phone, external_id, custom_fields. ListOmits: no list
// has the phone, /v1/customers no avatar, the inbox list no creation time;
// GetContact has them [D TS-cust, TS-contacts] (ContactListOptions.Complete
// reads them, as migrate does). Only the Customers API has externalId and
// metadata; GetContact has neither, and Complete keeps them as listed.
//
// # Passthrough
//
// Client.Passthrough reaches what the neutral API does not cover, such as
// the knowledge base (GET /v1/workspaces/{workspaceId}/knowledge/articles,
// paged by limit and offset [D TS-kb]; see the example), with the
// adapter's key, rate limiter, body cap, redaction and error decoding.
//
// # TidySupport only: Client.As
//
// Archived conversations, which TidySupport hides from its default inbox,
// are listed by the Driver's own ListConversations with Status
// StatusArchived (the Client accepts only Capabilities.Statuses):
//
//	var d *tidysupport.Driver
//	if client.As(&d) { page, err := d.ListConversations(ctx, support.ConversationListOptions{Status: tidysupport.StatusArchived}) }
//
// ErrIncomplete is the cause of a list or lookup the vendor cut short; a
// list returns the items it read with it.
//
// # Not supported
//
// The Client answers these with support.ErrUnsupported, because TidySupport
// publishes no endpoint for them and this adapter does not invent one:
//
//   - contacts.update, contacts.delete: no contact update or delete endpoint
//     is documented [D TS-contacts]. UpsertContact therefore matches but
//     never updates, and warns about each field it could not change.
//   - contacts.get_by_phone: search is not documented to cover phones, and no
//     list carries them.
//   - conversations.get: no endpoint reads one conversation with its
//     assignee; ListConversations and ListMessages carry what is known.
//   - conversations.set_status: a PUT …/inbox/conversations/… exists, but its
//     path suffix and body are not public [D TS-conv].
//   - conversations.assign, conversations.unassign: assignedToId is readable,
//     but no assign endpoint could be confirmed [D TS-conv, TS-wh].
//   - messages.send, messages.send_note: the Messages page mentions replies and
//     internal notes, but the reply endpoint, its body and the note flag are
//     not public [D TS-msg].
//   - agents.list: no agents or users listing is known ("Users" exists in the
//     docs' menu, without a known endpoint).
//
// # Behaviour
//
//   - Dedup: POST …/inbox/contacts returns the existing contact for a known
//     email [seed], and its answer does not say whether it created one, so
//     CreateContact reports every create it sends as Created. The Client
//     reads the email first (FindContacts): a known email is returned with
//     the outcome Matched (and warnings for the fields that differ) and no
//     write. Between the read and the create another client could create the
//     same email; TidySupport then returns that contact, reported as Created.
//   - UpsertContact: the external ID is looked up first, then the email;
//     TidySupport's inbox create matches by email whatever
//     UpsertOptions.MatchKeys says. The phone cannot be looked up and is
//     skipped (but still tells two people apart: with phone before email in
//     MatchKeys, a contact found by email whose phone differs is a
//     support.IdentityConflict, never updated). A contact found by email
//     shows no external ID (the inbox contact has none), so it is never
//     contradicted by one. A match is Unchanged when the prepared input
//     holds nothing the contact lacks, else Matched with a Warning per
//     differing field, since nothing can be updated (an external ID cannot
//     be added to a contact made without one).
//   - External IDs: the Customers API's externalId is unique in the
//     workspace [D TS-cust]; what a create with one already taken does is
//     not public. The Client reads the email first, so a known email is
//     Matched without a write. A 409 is looked up by the external ID: the
//     customer with the same email is Matched (a create sent again after
//     a lost answer meets its first send so, since the email lookup cannot
//     show external IDs); an external ID another contact has is
//     support.ErrConflict. The Customers API needs a key with the
//     api_user scope: with a user-scope key, creates and upserts with an
//     external ID fail with ErrForbidden.
//   - Safe creates (R3): a contact create whose outcome is unknown (a reset
//     after sending, a 502, a garbled 2xx) fails with
//     support.ErrOutcomeUnknown; the Client looks the email up and sends it
//     once more only if it is not there, which the vendor's email dedup makes
//     safe. A conversation create is never resent: it emails the contact, and
//     nothing documented finds a conversation by what was sent.
//   - Paging: a page without its list, or not JSON, is ErrUnavailable,
//     never an empty last page. /v1/customers pages with its documented
//     cursor (sent back as cursor=) and hasMore [D TS-cust]. The inbox
//     lists (customers, conversations, messages) document hasMore but no
//     cursor [D TS-contacts, TS-conv]: a cursor the vendor sends is
//     followed, and a page with hasMore but none is returned with its items
//     and an ErrIncomplete error saying that the next page cannot be
//     requested, never taken for the end of the list (support.Pages yields
//     the items, then the error). A larger Limit or a status filter fits a
//     list in one page (the vendor's largest limit is not public).
//   - Email lookups ask search for Config.SearchLimit results (default 25)
//     and keep the exact (case-insensitive) matches, earliest created first
//     (the vendor dedups emails, so there is at most one). If search fills
//     the limit without an exact match, the answer may be beyond it: that
//     fails with ErrIncomplete rather than claiming no match.
//   - ListConversations filters by ContactID on the client (no documented
//     parameter), so its pages may hold fewer items than Limit. Status ""
//     lists the vendor's default inbox, which hides archived conversations;
//     StatusArchived lists them. Filtering by closed lists CLOSED only.
//   - CreateConversation takes an email Ref, or an ID Ref that it resolves to
//     the contact's email first (a phone Ref is ErrInvalid), and needs a
//     Text. It sends an email to the contact, and creates the contact if the
//     email is new.
//   - The workspace: inbox paths carry Config.WorkspaceID (validated, and
//     escaped as one path segment); an unknown workspace is answered 404,
//     reported as support.ErrNotFound naming the workspace. /v1/customers
//     takes the workspace from the key [D TS-cust]: ListContacts fails with
//     ErrNotFound if it lists contacts of another workspace than
//     Config.WorkspaceID, rather than show them. It needs a key with the
//     api_user scope; a user-scope key gets ErrForbidden (use ContactList
//     "inbox").
//   - Errors: TidySupport's {statusCode, error, message} [seed] becomes a
//     *support.Error with Code = error and Message = message, its kind from
//     the status (404 ErrNotFound, 401 ErrUnauthorized, 400 ErrInvalid, ...).
//   - Field limits: none are published; the Client checks the email (RFC
//     5322, 254 bytes) and that text is valid UTF-8 without control
//     characters.
//
// # Webhooks
//
// NewWebhookHandler receives TidySupport's webhooks as neutral events
// (WebhookKinds lists their kinds). TidySupport documents no signature, so
// the handler requires WebhookConfig.Verify (such as events.HeaderSecret),
// and no delivery ID, so redeliveries are recognised by a hash of the body.
// It reads the API docs' event names (CONVERSATION_CREATED, …) and the
// marketing sample's dotted ones (conversation.created, …), which disagree
// [D TS-wh, TS-wh-mkt].
//
// # Rate limits
//
// TidySupport publishes none. The driver sends at most Config.RateLimit
// requests per second (DefaultRateLimit, 2, when zero; rate.Inf for no
// limit), one at a time. A 429 is retried after its Retry-After (or, without
// one, after a pause of Config.RateWindow, one minute by default), never
// waiting more than Config.MaxWait (60 s by default) at a time.
//
// # Divergences from the seed
//
//   - The seed lists contacts with the inbox customers list; this adapter
//     lists them with /v1/customers by default, because that list has a
//     documented cursor and the inbox list does not [D TS-cust]. The inbox
//     list stays available (Config.ContactList "inbox"); each list's answer
//     is read in its own shape.
//   - The seed's error shape could not be confirmed from any public source
//     [docs/vendors.md]; bodies that do not have it are reported with the HTTP
//     status text.
//   - External IDs and custom fields: the seed's contacts have neither;
//     this adapter writes and looks them up with the Customers API [D
//     TS-cust].
//   - Search: docs/vendors.md lists its path and parameters as unknown; the
//     seed documents GET …/inbox/search?q=&limit=, which this adapter uses.
//     Its matching rules are not public, so matches are filtered on the
//     client, and a full page without a match is not taken for a miss.
//
// # Live recordings
//
// The conformance recordings under testdata are made against the simulator
// (tidysupporttest). With TIDYSUPPORT_API_KEY and TIDYSUPPORT_WORKSPACE_ID in
// the environment, `DESKBRIDGE_RECORD=1 go test ./adapters/tidysupport -run
// 'TestConformance$'` records against the live vendor instead; such
// recordings carry the live workspace ID in their paths, so they are for
// checking the adapter, not for committing.
package tidysupport

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// Vendor is the adapter name, in Capabilities and in every error.
const Vendor = "tidysupport"

// Defaults applied by New to zero fields of Config.
const (
	// DefaultBaseURL is TidySupport's API root [D TS-api].
	DefaultBaseURL = "https://api.tidysupport.com"
	// DefaultRateLimit is the request rate when Config.RateLimit is zero:
	// conservative, since TidySupport publishes no limit.
	DefaultRateLimit rate.Limit = 2
	// DefaultSearchLimit is the number of search results an email lookup
	// asks for.
	DefaultSearchLimit = 25
)

// Contact list sources (Config.ContactList).
const (
	// ListCustomers lists contacts with GET /v1/customers: cursor paged,
	// with externalId and createdAt; needs the api_user scope.
	ListCustomers = "customers"
	// ListInbox lists contacts with GET …/inbox/customers: any key scope,
	// with each contact's latest thread in Raw, but one page only (no
	// documented cursor; more fails with ErrIncomplete).
	ListInbox = "inbox"
)

// maxWorkspaceID bounds Config.WorkspaceID.
const maxWorkspaceID = 128

func init() {
	support.RegisterConfig(Vendor, New)
}

// Config configures a Driver. Only APIKey and WorkspaceID are required;
// zero values of the other fields get the defaults noted.
type Config struct {
	// APIKey is a secret key ("ts_sk_…"). ListContacts with the default
	// ContactList needs the api_user scope. Publishable keys ("pk_…") are
	// refused: they are for the widget only [D TS-widget].
	APIKey support.Secret
	// WorkspaceID is the workspace of the inbox paths ("wrk_…").
	WorkspaceID string
	// BaseURL is the API root; default DefaultBaseURL. It must be https
	// (http only to a loopback host, for simulators).
	BaseURL string
	// HTTPClient sends the requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives a Debug record per request and a Warn per retry,
	// never with credentials; nil is silent.
	Logger *slog.Logger
	// RateLimiter paces the requests, shared by every Client that uses it;
	// nil means a limiter in this process. Give one from
	// ratelimit/redislimit to share the vendor's quota between processes
	// (replicas, a migration beside the app). Its buckets are keyed by
	// vendor, Client.Account (never a credential) and bucket name.
	RateLimiter support.RateLimiter
	// RateLimit is the most requests per second; 0 is DefaultRateLimit and
	// rate.Inf is unlimited. A negative rate and NaN are refused.
	RateLimit rate.Limit
	// Burst is how many requests may go at once within RateLimit; default 1.
	// A negative number is refused.
	Burst int
	// RateWindow is how long requests pause after a 429 without
	// Retry-After; default one minute (capped by MaxWait). A negative one is
	// refused.
	RateWindow time.Duration
	// MaxWait caps any single wait (Retry-After, backoff, rate limiter);
	// default 60 s. A negative one is refused.
	MaxWait time.Duration
	// MaxAttempts is the number of tries per request; default 4. A call,
	// attempts and waits together, lasts at most 90 s (see internal/rest).
	// A negative number is refused.
	MaxAttempts int
	// RetryBudget bounds retries across all calls: each retry spends one
	// token, each success refunds a tenth, and with less than one token left
	// nothing is retried. Default 10; negative turns retries off. NaN and
	// +Inf are refused.
	RetryBudget float64
	// MaxBodyBytes caps how much of a response is read; default 10 MiB. A
	// negative size is refused.
	MaxBodyBytes int64
	// ContactList is where ListContacts reads: ListCustomers (default) or
	// ListInbox.
	ContactList string
	// SearchLimit is the number of search results an email lookup asks for;
	// default DefaultSearchLimit. A negative number is refused.
	SearchLimit int
}

// Driver is TidySupport as a support.Driver. It is safe for concurrent use.
// Build the Client over it with New, or the Driver alone with NewDriver (to
// wrap it before support.NewClient, say); apps reach it from the Client with
// Client.As to list archived conversations.
type Driver struct {
	rest        *rest.Client
	baseURL     string
	workspace   string
	contactList string
	searchLimit int
}

var _ support.Driver = (*Driver)(nil)

// Account names the TidySupport workspace by base URL and workspace ID.
func (d *Driver) Account() string { return d.baseURL + " workspace:" + d.workspace }

// New returns the Client of a TidySupport workspace: NewDriver(cfg) under
// support.NewClient.
func New(cfg Config) (*support.Client, error) {
	d, err := NewDriver(cfg)
	if err != nil {
		return nil, err
	}
	return support.NewClient(d), nil
}

// NewDriver returns the Driver for cfg. A missing or malformed APIKey or
// WorkspaceID, an unknown ContactList, a number of Config out of its range
// (a negative or NaN RateLimit, a negative SearchLimit, Burst, RateWindow,
// MaxWait, MaxAttempts or MaxBodyBytes, a NaN or +Inf RetryBudget) or a
// base URL that is not https fails with support.ErrInvalid, naming the
// field but never its value.
func NewDriver(cfg Config) (*Driver, error) {
	key := cfg.APIKey.Reveal()
	switch {
	case key == "":
		return nil, fail(support.ErrInvalid, "Config.APIKey is required")
	case strings.HasPrefix(key, "pk_"):
		return nil, fail(support.ErrInvalid, "Config.APIKey is a publishable (widget) key; the API needs a secret key (ts_sk_…)")
	case !printable(key):
		return nil, fail(support.ErrInvalid, "Config.APIKey contains spaces or control characters")
	}
	if err := checkWorkspace(cfg.WorkspaceID); err != nil {
		return nil, err
	}
	list := cfg.ContactList
	switch list {
	case "":
		list = ListCustomers
	case ListCustomers, ListInbox:
	default:
		return nil, fail(support.ErrInvalid, "Config.ContactList is %.60q; want %q or %q", list, ListCustomers, ListInbox)
	}
	if err := checkNumbers(cfg); err != nil {
		return nil, err
	}
	rc, err := rest.New(rest.Config{
		Vendor:       Vendor,
		BaseURL:      cmp.Or(cfg.BaseURL, DefaultBaseURL),
		HTTPClient:   cfg.HTTPClient,
		Logger:       cfg.Logger,
		Header:       http.Header{"Authorization": {"Bearer " + key}},
		Secrets:      []string{key},
		RateLimit:    cmp.Or(cfg.RateLimit, DefaultRateLimit),
		Burst:        cfg.Burst,
		RateWindow:   cfg.RateWindow,
		MaxWait:      cfg.MaxWait,
		MaxAttempts:  cfg.MaxAttempts,
		RetryBudget:  cfg.RetryBudget,
		MaxBodyBytes: cfg.MaxBodyBytes,
		RateLimiter:  cfg.RateLimiter,
		Account:      cmp.Or(cfg.BaseURL, DefaultBaseURL) + " workspace:" + cfg.WorkspaceID,
		DecodeError:  decodeError,
	})
	if err != nil {
		return nil, err
	}
	return &Driver{rest: rc, baseURL: cmp.Or(cfg.BaseURL, DefaultBaseURL), workspace: cfg.WorkspaceID, contactList: list, searchLimit: cmp.Or(cfg.SearchLimit, DefaultSearchLimit)}, nil
}

// checkNumbers refuses the numbers of cfg that are TidySupport's own: a
// negative RateLimit (documented as refused) or SearchLimit. internal/rest
// refuses the rest (negative durations and counts, NaN, an infinite
// budget), naming the same Config fields.
func checkNumbers(cfg Config) error {
	switch {
	case cfg.RateLimit < 0:
		return fail(support.ErrInvalid, "Config.RateLimit is negative")
	case cfg.SearchLimit < 0:
		return fail(support.ErrInvalid, "Config.SearchLimit is negative")
	}
	return nil
}

// checkWorkspace validates a workspace ID: it goes into every inbox path.
func checkWorkspace(id string) error {
	switch {
	case id == "":
		return fail(support.ErrInvalid, "Config.WorkspaceID is required")
	case len(id) > maxWorkspaceID:
		return fail(support.ErrInvalid, "Config.WorkspaceID is longer than %d bytes", maxWorkspaceID)
	case !printable(id):
		return fail(support.ErrInvalid, "Config.WorkspaceID %.60q contains spaces, control characters or invalid UTF-8", id)
	}
	return nil
}

// printable reports whether s is valid UTF-8 without spaces or control
// characters.
func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// String shows the vendor, base URL and workspace; never the key. The
// formatting methods have value receivers so that a dereferenced Driver
// prints safely too: fmt would otherwise walk into the HTTP client's headers.
func (d Driver) String() string {
	base := ""
	if d.rest != nil {
		base = d.rest.BaseURL()
	}
	return fmt.Sprintf("tidysupport.Driver{BaseURL: %q, WorkspaceID: %q}", base, d.workspace)
}

// Format writes String for every verb, so that no verb walks the fields.
func (d Driver) Format(f fmt.State, _ rune) { fmt.Fprint(f, d.String()) }

// Capabilities reports what TidySupport's public API allows; the package
// documentation says why the rest is unsupported.
func (d *Driver) Capabilities() support.Capabilities {
	omits := map[string][]string{ListCustomers: {"phone", "avatar_url"}, ListInbox: {"phone", "created_at"}}[d.contactList]
	return support.Capabilities{
		Vendor: Vendor,
		Operations: []support.Operation{
			support.OpListContacts, support.OpGetContact, support.OpGetByEmail,
			support.OpCreateContact, support.OpCreateContacts, support.OpUpsertContact,
			support.OpListConversations, support.OpCreateConversation, support.OpListMessages,
			support.OpPassthrough,
		},
		CreateDedup:       support.DedupEmail,
		MaxBatch:          1,
		ContactFields:     []string{"first_name", "last_name", "email", "phone", "external_id", "custom_fields"},
		Statuses:          []support.ConversationStatus{support.StatusOpen, support.StatusClosed},
		LooksUpExternalID: true,
		ListOmits:         omits,
	}
}

// Send is the passthrough (support.Requester): r goes below the base URL
// with the key, rate limiter, body cap, redaction and error decoding of
// the adapter's own calls.
func (d *Driver) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	return d.rest.Send(ctx, r)
}

// inbox returns the path of an inbox endpoint of the workspace, every
// element one escaped segment (S3).
func (d *Driver) inbox(segs ...string) rest.Path {
	return rest.Segments(append([]string{"v1", "workspaces", d.workspace, "support", "inbox"}, segs...)...)
}

// call sends req and decodes the 2xx body with decode. A body decode cannot
// read is a *support.Error without a kind; for a POST it also matches
// ErrOutcomeUnknown, since the request took effect but its result is lost.
func call[T any](ctx context.Context, d *Driver, req rest.Request, decode func(body []byte) (T, error)) (T, error) {
	var raw jsonBody
	var v T
	res, err := d.rest.Do(ctx, req, &raw)
	if err != nil {
		return v, d.explain(err)
	}
	if v, err = decode(raw); err != nil {
		return v, &support.Error{
			Vendor: Vendor, Op: req.Op, Status: res.Status,
			Message: "unexpected response: " + err.Error(), Err: err,
			OutcomeUnknown: req.Method == http.MethodPost,
		}
	}
	return v, nil
}

// explain adds the workspace to a "workspace not found" error, the one
// mistake in Config that only the vendor can detect.
func (d *Driver) explain(err error) error {
	se, ok := err.(*support.Error)
	if ok && se.Status == http.StatusNotFound && strings.Contains(strings.ToLower(se.Message), "workspace") {
		se.Message += fmt.Sprintf(" (Config.WorkspaceID %.60q is not a workspace of this API key)", d.workspace)
	}
	return err
}

// jsonBody keeps a response body as it is (rest checks that it is JSON).
type jsonBody []byte

// UnmarshalJSON keeps data.
func (b *jsonBody) UnmarshalJSON(data []byte) error {
	*b = append((*b)[:0], data...)
	return nil
}

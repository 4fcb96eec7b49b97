// Package support is deskbridge's vendor-neutral API for customer-support
// platforms.
//
// It has two sides, in the shape of go-cloud's portable types over their
// drivers:
//
//   - [Client] is what applications call. Every adapter's New returns one
//     (tidio.New, respondio.New, tidysupport.New, memory.New), and so does
//     [Open]. It owns, once for every vendor, the rules that used to be
//     copied into each adapter: input validation, capability checks before
//     any request, [Ref] resolution, upsert matching with the identity rule,
//     the diff that patches only what differs, batch chunking and fallback,
//     the lookup before a write whose outcome is unknown is sent again,
//     partial-send reporting, and errors that name the vendor and the
//     operation.
//   - [Driver] and its optional interfaces ([BatchCreator],
//     [ContactPatcher], [MessageSender], ...) are what adapters implement:
//     a vendor's primitives and nothing else, each documented with what it
//     may assume and which error kind it returns. docs/adapters.md says how
//     to write one.
//
// The package also holds what the two sides share: the models ([Contact],
// [Conversation], [Message], [Agent]) and the inputs that create or change
// them; [Ref], the one way to address a contact (by ID, email or phone);
// [Capabilities], which says in advance what a platform can do, and
// [ErrUnsupported] for what it cannot; [Page] and the iterators [Items] and
// [Pages], which turn any paged call into an iter.Seq2 that can be stopped
// and resumed from a saved cursor; [Error] and the error kinds
// ([ErrNotFound], [ErrRateLimited], ...); and the adapter registry
// ([Register], [RegisterConfig], [Open], [Adapters]).
//
// # Dedup is explicit, and two people are never merged
//
// [Client.CreateContact] does what the vendor does with a duplicate, and
// [Capabilities.CreateDedup] says what that is. [Client.UpsertContact]
// behaves the same on every vendor: it matches an existing contact by
// external ID, then email, then phone (configurable with [UpsertOptions]),
// creates or updates, and reports which happened in [ContactResult.Outcome].
// A contact found by a later key that an earlier key contradicts (the phone
// matches, the emails differ) is another person: the outcome is [Conflict],
// nothing is written, and the error is an [IdentityConflict].
//
// # What the neutral API does not cover: the passthrough
//
// [Client.Passthrough] sends a [RawRequest] of the caller's making to the
// vendor, as unified APIs' passthroughs do, with everything the adapter's
// own calls get: its credentials and base URL, its rate limiter, the body
// cap, redaction of every secret in the answer and in errors, and its
// error decoding (a vendor's 404 is ErrNotFound, with Status and the
// vendor's code). The path is given as segments, each escaped on its own,
// so an identifier cannot reach another path; a header that would carry
// credentials is refused; and only idempotent requests (GET, HEAD, PUT,
// DELETE, or a request marked [RawRequest.Idempotent]) are retried. Each
// adapter's package documentation has an example (respond.io's tags,
// Tidio's contact properties, TidySupport's knowledge base).
//
// Fields and operations that only some vendors have are declared in
// [Capabilities] too: the contact fields a vendor can write
// ([Capabilities.ContactFields]; the Client leaves the others out of every
// write with a warning), batch updates ([Capabilities.MaxBatchUpdate],
// [Client.UpdateContacts]), conversation priorities and departments, the
// channel and subject of a message. A field set on a vendor that cannot
// honour it fails with ErrUnsupported, or is reported back as a warning,
// and is never dropped silently.
//
// # Which layer retries what
//
// internal/rest, under every HTTP adapter, retries requests that certainly
// did not take effect (429, 5xx answered before processing, refused
// connections) within its attempts and retry budget, honouring Retry-After.
// It never resends a non-idempotent write after an ambiguous failure: that
// is ErrOutcomeUnknown, which the Client settles by looking the write up (a
// contact) or by reading the conversation (a message, which is never sent
// twice); a contact create is sent at most [MaxWriteRounds] times. The
// Client itself never retries a rate limit or an outage: a caller that
// wants to ride one out retries the call (migrate does, a bounded number of
// times per record, then stops to be resumed).
//
// # Errors
//
// Every error the Client returns for a failed call is a *[Error] naming
// the vendor and the operation (or, for batches and partial sends, an error
// that wraps them). Match its kind with errors.Is and reach the details with
// errors.As:
//
//	c, err := client.GetContact(ctx, support.Email("ada@example.com"))
//	if errors.Is(err, support.ErrNotFound) { ... }
//	var e *support.Error
//	if errors.As(err, &e) { log.Print(e.Status, e.Code, e.RetryAfter) }
//
// No error string, log line or formatted config ever contains a credential;
// credentials are held in [Secret], which formats as "[REDACTED]".
//
// # Examples
//
// The package's runnable examples, each against the in-memory driver or a
// vendor simulator and checked by its output (go test -run Example
// ./support; go doc -http ./support shows them with their code): Example
// (the README's quickstart), ExampleClient_UpsertContact,
// ExampleClient_UpdateContact, ExampleClient_CreateContacts,
// ExampleAllContacts, ExampleClient_SendMessage, ExampleClient_Passthrough,
// ExampleError, ExampleIdentityConflict and ExampleOpen.
package support

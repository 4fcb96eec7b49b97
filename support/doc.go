// Package support is deskbridge's vendor-neutral API for customer-support
// platforms.
//
// Applications program against [Platform]; adapters (in adapters/...) implement
// it for one vendor each. The package holds everything those two sides share:
//
//   - the models ([Contact], [Conversation], [Message], [Agent]) and the inputs
//     that create or change them;
//   - [Ref], the one way to address a contact: by ID, email or phone;
//   - [Capabilities], which says in advance what a platform can do, and
//     [ErrUnsupported] for what it cannot;
//   - [Page] and the iterators [Items] and [Pages], which turn any paged call
//     into an iter.Seq2 that can be stopped and resumed from a saved cursor;
//   - [Error] and the error kinds ([ErrNotFound], [ErrRateLimited], ...);
//   - the adapter registry ([Register], [Open], [Adapters]).
//
// # Dedup is explicit
//
// [ContactsAPI.CreateContact] does what the vendor does with a duplicate, and
// [Capabilities.CreateDedup] says what that is. [ContactsAPI.UpsertContact]
// behaves the same on every vendor: it matches an existing contact by external
// ID, then email, then phone (configurable with [UpsertOptions]), creates or
// updates, and reports which happened in [ContactResult.Outcome].
//
// # Errors
//
// Every error an adapter returns for a failed vendor call is a *[Error]. Match
// its kind with errors.Is and reach the details with errors.As:
//
//	c, err := p.GetContact(ctx, support.Email("ada@example.com"))
//	if errors.Is(err, support.ErrNotFound) { ... }
//	var e *support.Error
//	if errors.As(err, &e) { log.Print(e.Status, e.Code, e.RetryAfter) }
//
// No error string, log line or formatted config ever contains a credential;
// credentials are held in [Secret], which formats as "[REDACTED]".
package support

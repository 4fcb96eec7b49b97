// Package migrate copies contacts from one support platform to another
// without losing, duplicating or merging anyone, and can be stopped and
// resumed at any point.
//
//	src, err := tidio.New(tidio.Config{...})   // a *support.Client
//	dst, err := respondio.New(respondio.Config{...})
//	st, err := migrate.OpenState("tidio-to-respondio.db")
//	...
//	defer st.Close()
//	rep, err := migrate.Run(ctx, src, dst, migrate.Options{State: st})
//
// The source and the target are *support.Client values, so everything the
// Client does on every vendor holds here too: input validated before any
// request, errors that name the vendor and the operation, capabilities
// checked first, the identity rule on upsert, the lookup before an
// ambiguous create is sent again. migrate adds what a whole migration
// needs: the ID map, batching across source pages, crash safety, resume,
// and the report.
//
// # Algorithm
//
// The source is streamed page by page (support.Pages), so memory stays flat
// whatever its size. A source whose list leaves fields out
// (Capabilities.ListOmits: TidySupport's has no phone) is read contact by
// contact with GetContact, Concurrency at a time, so that every field it
// holds is carried (Report.SourceReads counts those reads). Each source
// contact is mapped (Options.Map, DefaultMap by default), given its
// fingerprint (a hash of the mapped input) and its normalized keys
// (external ID, email lower-cased, phone in E.164), and validated for the
// target as the Client will validate it (support.ContactInput.Validate,
// then the target driver's PrepareContact: what it can hold, with
// warnings), so that a contact the target would refuse costs no request and
// matching compares what the target would store. Contacts already in the
// ID map are skipped, unless they changed (see "Resume and re-runs"). The
// others are deduplicated at the target with
// upsert semantics, keys tried in Options.MatchKeys order, by one of two
// strategies chosen from the target's capabilities:
//
//   - StrategyBatch, for targets with a batch create (Tidio). The target is
//     listed once into the State's index (key → target contact, on disk for a
//     FileState). A source contact whose key is indexed is matched (under
//     the identity rule below): the fields it sets that differ are sent
//     (Updated), or nothing is sent (Unchanged); a target that cannot
//     update reports Matched, with a warning per differing field. The
//     unmatched are created with CreateContacts in full batches of
//     Options.BatchSize (the target's MaxBatch): batches span source
//     pages, so 10,000 contacts take 100 write calls. The updates go the
//     same way, in full batches of UpdateContacts, where the target has a
//     batch update (Capabilities.MaxBatchUpdate > 1: Tidio's PATCH
//     /contacts/batch), so 10,000 changed contacts take 100 write calls
//     too; otherwise one UpdateContact each. The source contacts of one
//     target contact are updated in order, one per batch. Within the source, the
//     first contact with a key is created and the later ones with the same
//     key (two spellings of one email, say) wait for it and then match it,
//     as they would a contact that was in the target.
//   - StrategyUpsert, otherwise (respond.io, TidySupport). Each contact is
//     sent with UpsertContact, Options.Concurrency at a time; contacts of a
//     page that share a key are sent one after the other, so that the
//     target matches the second to the first instead of racing to create
//     two.
//
// A dry run plans with the batch strategy's index whatever the target,
// and writes nothing. For StrategyUpsert it matches as the Client's upsert
// will (only by the keys the target can look up) and compares with its
// rules, a matched contact of a target whose list omits fields is read
// before it is compared, and a contact changed since an earlier run is
// compared with its target contact read by ID, as the run reads it, so
// that its counts and PlannedWriteCalls are the run's. The batches of
// updates it plans are the run's too. A rule that the target applies only when it creates (respond.io's
// first name: support.Client.CheckCreate) is applied to every contact the
// plan or the run would create, before any write; with
// Options.FirstNameFrom, a contact it refuses for want of a first name is
// given one instead (see FirstNameSource), in the plan as in the run.
//
// # The identity rule
//
// Matching never merges two people. A target contact found by a match key
// is the source contact's only if no earlier key (in Options.MatchKeys
// order) contradicts it: both have a value for that key and the values
// differ (emails compared without regard to case, phones in E.164,
// external IDs exactly). A contradicted contact is a conflict: nothing is
// written, later keys are not tried, and the source contact is counted in
// Counts.Conflicts (not in Failed) and listed in Report.IdentityConflicts
// with the target contact found, the key that found it and the key that
// contradicts it. With the default keys, two people who share a phone but
// have different emails are a conflict, never an update of one by the
// other. StrategyUpsert gets the rule from support.Client.UpsertContact
// (its *support.IdentityConflict); StrategyBatch and dry runs apply the
// same rule to the State's index. The index keeps the earliest target
// contact with each key, so where the target already holds several
// contacts with one phone only the earliest is judged: the batch strategy
// may then report a conflict where UpsertContact, seeing them all, would
// have matched a later one. It errs towards a conflict, never a merge.
//
// A conflict is a contact not migrated, as a failure is: a complete run
// (Report.Complete) with conflicts or failures is complete with contacts
// left out (Report.NotMigrated); a run that stopped returns an error and is
// not Complete. A conflict's entry in the ID map has the outcome Conflict,
// and the next run judges it again: unless the source or the target
// changed, it is a conflict again, for the cost of its reads and no write.
//
// Per-record refusals (support.ErrInvalid and the like, with the vendor's
// message) are reported in Report.Failures and the run goes on. A refused
// contact is remembered with the fingerprint of its mapped input and the
// refusal (reason, kind, HTTP status, vendor code): the next run reports it
// again (Failure.Remembered, with those) without sending it, unless its
// source record changed or Options.RetryFailed is set, so that a finished
// migration run again sends no write. A phone
// number that cannot be normalized is sent as written; if the target
// refuses the contact, it is sent once more without the phone, with a
// warning. Fields the target could not hold are reported as warnings: those
// of Map and those the adapter returns.
//
// Rate limits and outages that outlast the adapter's own retries are
// tried again a few times (see Retries). Beyond that, and on
// support.ErrUnauthorized, support.ErrForbidden, a cancelled context, a
// source that cannot be listed or a State that cannot be written, the run
// stops and returns the error with the report so far; running it again
// resumes.
//
// # Retries
//
// Each layer retries one thing, so that their retries do not multiply:
//
//   - internal/rest (under every HTTP adapter) sends again a request that
//     certainly did not take effect: a 408 or 429, a 5xx the vendor
//     documents as not processed, a connection refused before anything was
//     written, and any failure of an idempotent request. It waits
//     Retry-After (or a jittered backoff), makes at most 4 attempts per
//     request by default, and a client-wide retry budget makes it fail fast
//     during a long outage.
//   - support.Client never retries a rate limit or an outage. It sends a
//     create whose outcome is unknown (support.ErrOutcomeUnknown) again only
//     after a lookup found that it did not take effect, at most
//     support.MaxWriteRounds times.
//   - migrate retries what outlasted both: a call that still failed with
//     support.ErrRateLimited or support.ErrUnavailable is tried again after
//     a longer pause (Retry-After, or exponential backoff with full jitter
//     from 500 ms, never longer than Options.MaxWait), at most
//     Options.MaxAttempts times in all (3 by default). For a record's write
//     (an upsert, an update, a record of a batch refused for a rate limit,
//     which is sent again in a later batch) the count is the record's, over
//     every round of the run: one record costs at most MaxAttempts write
//     calls per run, whatever made them fail. Reads (list pages, lookups)
//     are counted per call.
//
// So under a storm of 429s one record costs at most MaxAttempts × 4
// requests (12 by default; it was 8 × 4 = 32 when migrate retried every call
// 8 times), then the run stops, and running it again resumes: a test counts
// them on the wire, with internal/rest's bound on a call's total time off
// (that bound, 90 s by default, cuts a call's retries short, and so the
// count: 6 with its default waits). A call cut by that bound is
// support.ErrUnavailable and is retried as an outage, never taken for the
// end of the run's own context. A migration that should ride out a long rate-limit
// window rather than stop can raise MaxAttempts.
//
// # Crash safety
//
// The State is changed only by commits, each atomic and durable (one bbolt
// transaction, synced to disk, for a FileState):
//
//  1. Before a create (a CreateContacts batch, or an upsert that is really a
//     create because the contact has no email or phone the target can match
//     and look up), an intent is committed: an entry with outcome Pending,
//     the kind of write (Entry.Write: WriteCreate or WriteUpsert) and the
//     keys the contact can be found by.
//  2. After the writes, one commit stores every finished contact's entry
//     (source ID → target ID, outcome, warnings), its keys in the index, and
//     the source cursor past the last page whose contacts are all finished.
//  3. When a later run resolves the intents left pending, each one is
//     committed as soon as its lookup settles it (those settled meanwhile
//     together): mapped (see below for the outcome), dropped, or marked
//     Unresolved. A run stopped while resolving keeps what it learnt, so
//     that runs interrupted again and again still make progress.
//
// A write whose response is lost is never sent again blindly. Within a
// call the Client settles it itself where it can (it looks the contact up
// by email, phone or external ID before sending a create again, and for a
// lost batch reports each record it finds as Created, with a warning on
// "id"). What reaches migrate is what the Client could not settle
// (support.ErrOutcomeUnknown: no key to look the contact up by, or the
// lookup failed; a context cut short mid-call; a response without the
// contact's ID, as a Tidio batch answer may be) and the intents left by a
// run that stopped or was killed. Each intent carries the prepared input
// the write sends (Entry.Input), so that every one of them can be settled:
//
//   - The contact is first looked up in the target by email and by phone,
//     as the target allows. Found, it is mapped to the contact found
//     (counted in Report.Resolved, Entry.Resolved set) and, within a run,
//     brought up to date if it still differs. A lookup that finds no
//     contact at all with its email or phone proves that the write did
//     not take effect, and it is sent again.
//   - The contacts that these lookups cannot settle (the target cannot look
//     them up: a name only, or a name and a phone on Tidio, which finds
//     contacts by email alone; or it returns only another contact with
//     that email or phone, the earliest one) are looked for in one listing
//     of the whole target, shared by all of them. A listed contact is
//     taken for a contact's write only when it holds exactly its
//     identifying fields (names, email ignoring case, phone in E.164,
//     external ID: each set on both or on neither) and its custom fields,
//     when it is new (StrategyBatch: the State's index, which holds every
//     target contact listed when the pass began and every one the pass
//     mapped since, does not hold it; nor does another contact of the
//     window), and when it is the only one: contacts with the same
//     identifying fields share the new contacts found for them, each
//     write having stored one, so with no more new contacts than such
//     writes each one is a write's (found, resolved) and the writes left
//     over provably did not take effect (sent again).
//   - Only a contact whose fields more new contacts hold than there are such
//     writes (another writer created look-alikes meanwhile; or, for
//     StrategyUpsert, which keeps no index, look-alikes that were there
//     before) is marked Unresolved (see below), and so is one whose target
//     can neither look it up nor list its contacts; an upsert matching by
//     the email or phone looked up is sent again instead, as it matches the
//     same contact.
//
// Its outcome is what the evidence supports: a lost create (StrategyBatch
// creates only contacts its index showed absent) is Created, even when it
// is then updated; a lost upsert is Upserted, because the target shows the
// contact only as it is after the write, so whether the upsert created it,
// updated it or found it up to date cannot be told (not even by the
// contact's creation time, as another writer may have created it), or
// Updated when the contact found still differed and was then updated. This
// assumes that a target's lookups and listings see a stored contact at
// once; a vendor whose search lagged behind its writes could make "not
// found" wrong. Updates (patches) and reads are idempotent and simply
// retried: a batch of updates refused for a rate limit or an outage, or
// lost, is sent again, and one sent again after a crash changes nothing
// more. Writes stay batched (a lost batch costs its lookups and at most
// one listing, not a write per contact).
//
// If the process dies at any point, what the disk holds is one of: nothing
// of the current window (its pages are listed again, from the saved cursor);
// intents (the next run settles each of them as above before anything
// else, so a create that took effect is mapped, not repeated); or finished
// entries (the contacts are skipped when listed again). No state leads to a
// second create of a contact, whether or not it has a key the target can
// look up. An Unresolved contact is reported as a failure on every run and
// is never sent again automatically, since it may be in the target
// already. Intents stored by an earlier version carry no input: those
// without a key are found by a listing only if they have no other field
// either.
//
// # Resume and re-runs
//
// Running again with the same State continues the interrupted pass: pending
// intents are resolved, then indexing or listing continues from the saved
// cursor. A State remembers the source and target vendors and accounts
// (support.Client.Account: vendor, base URL, workspace or a credential
// fingerprint, never a credential) and the strategy of its pass, and
// refuses others with ErrStateMismatch: a state file reused against another
// workspace would skip everyone. A State written before accounts were
// recorded adopts the accounts of its next run.
//
// Running a finished migration again starts a new pass (delta sync): the
// target is indexed afresh (StrategyBatch), the whole source is listed, and
// a contact in the ID map whose fingerprint is unchanged is skipped, so a
// pass over an unchanged source sends no write at all. One whose source
// record changed is brought up to date: its target contact (from the index,
// or one GetContact by ID) is compared with the new input and the fields
// that differ are sent, in batches as above (Counts.Changed); none if the
// target has them already. Contacts added to the source since are migrated.
// Mapped contacts that a complete pass did not list were deleted in the
// source: they are reported (Report.Deleted, DeletedInSource), never
// deleted in the target. Entries written by an earlier version carry no
// fingerprint: their first re-run adopts the current one without a write,
// as it cannot tell whether they changed (a change made before that run is
// not sent; later ones are).
//
// The ID map is trusted: a contact mapped by an earlier run is skipped even
// if its target contact has since been deleted, because checking would cost
// one read per contact on every run. Verify checks (all or a sample of)
// them and, with VerifyOptions.Forget, drops the missing ones so that the
// next run migrates them again.
//
// A FileState never panics and never writes to a damaged file: damage that
// bbolt reports (as an error or a panic) fails OpenState or the call with
// ErrCorruptState, naming the file; restore it from a backup or start a new
// state file (the target keeps what was written, and a new state matches
// those contacts instead of creating them again).
//
// # The report
//
// Every source contact listed by a run is counted once in Report.Counts:
// Created, Updated (matched and changed), Unchanged (matched, nothing to
// change), Matched (matched, the target cannot update), Upserted (an
// upsert's response was lost and the contact found: mapped, but created,
// updated or unchanged cannot be told), Skipped (mapped by an earlier run),
// Failed (refused, or unresolved; each listed in Failures with the vendor's
// message, status and code) or Conflicts (the identity rule; each listed in
// IdentityConflicts). Failed and Conflicts together are the contacts not
// migrated (Report.NotMigrated). Created is never a guess: a contact is counted
// Created only when the target said it created it, or when a lost create of
// a contact that the index showed absent is found. Resolved counts the lost
// writes settled by a lookup, by the Client within its call
// (support.ContactResult.Resolved) or by migrate.
// Changed counts the mapped contacts updated because their source record
// changed. Warnings lists the fields that did not make it as given.
// WriteCalls counts the write requests the target saw (support.RequestCounts:
// a batch is one, each request once however often it was retried) and
// WriteRate their rate; Retries counts the requests the adapters sent again
// and RetriedCalls the calls migrate tried again; ReadCalls the read
// requests, SourceReads among them. A dry run counts what it would do and
// PlannedWriteCalls what it would send, and writes nothing, to the target
// or to the State. FirstNamesFilled counts the contacts given a first name
// by Options.FirstNameFrom. Counts are the run's own: a resumed run counts
// what it did, and Report.Overall totals the whole migration from the
// State (once complete, what one run in one go would have counted).
//
// Report is JSON-serializable, with snake_case keys throughout (the
// contacts' inputs in Failures and IdentityConflicts have the keys of
// support.ContactInput: "first_name", "email", ...; empty fields left
// out).
//
// A FileState's ID map can be exported with FileState.ExportCSV, for the
// user's own systems; its outcome and resolved columns carry the same
// outcomes (upserted included) and Entry.Resolved.
package migrate

package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// Strategy is how contacts are written to the target.
type Strategy string

// Strategies. StrategyAuto picks StrategyBatch for targets with a batch
// create endpoint (Capabilities.MaxBatch > 1) and StrategyUpsert otherwise.
const (
	StrategyAuto Strategy = ""
	// StrategyBatch indexes the target once (every contact's keys, kept in
	// the State), then updates the source contacts that match an indexed
	// one and creates the others with CreateContacts, in batches.
	StrategyBatch Strategy = "batch"
	// StrategyUpsert sends one UpsertContact per source contact, several at
	// a time, and lets the target match.
	StrategyUpsert Strategy = "upsert"
)

// Options controls Run. The zero value works: an in-memory State, the
// default match keys, mapping and batch size.
type Options struct {
	// State keeps the ID map, the target index and the checkpoints. Run
	// with the same State again to resume. nil is an in-memory State for
	// this run only (no resume, and memory that grows with the number of
	// contacts); use OpenState for anything large.
	State State
	// DryRun plans the whole migration and sends no write: the report's
	// counts say what would be created, updated, matched or skipped, and
	// PlannedWriteCalls how many write calls that would take. Reads are
	// made (the target is listed); State is not changed.
	DryRun bool
	// MatchKeys is the order in which a source contact is matched to a
	// target contact; nil is support.DefaultMatchKeys (external ID, email,
	// phone).
	MatchKeys []support.MatchKey
	// Concurrency is how many per-record writes (upserts, updates) and
	// lookups are in flight at once; 0 is 4. The target adapter's rate
	// limiter paces them.
	Concurrency int
	// BatchSize is how many contacts one CreateContacts call carries; 0 is
	// the target's Capabilities.MaxBatch, which is also the upper bound.
	// It bounds the batches of updates too (UpdateContacts, up to the
	// target's Capabilities.MaxBatchUpdate).
	BatchSize int
	// Strategy forces a write strategy; StrategyAuto chooses from the
	// target's capabilities. A resumed migration keeps the strategy it was
	// started with.
	Strategy Strategy
	// Map turns a source contact into the target's input, with warnings for
	// what it could not carry over; nil is DefaultMap.
	Map func(support.Contact) (support.ContactInput, []support.Warning)
	// Progress, when set, is called after each source contact is handled
	// (and after each indexed page of the target), from one goroutine.
	Progress func(Progress)
	// Logger receives the run's events; nil discards them.
	Logger *slog.Logger
	// PageSize is the page size asked of the source and target lists; 0 is
	// each vendor's default.
	PageSize int
	// MaxAttempts bounds how many times one call, or one contact's write,
	// is tried when the vendor is still rate limited or unavailable after
	// the adapter's own retries (internal/rest's, 4 requests by default);
	// 0 is 3. Beyond it the run stops, to be resumed later. See "Retries"
	// in the package documentation for what each layer retries.
	MaxAttempts int
	// MaxWait caps each wait between attempts, whatever a vendor's
	// Retry-After says; 0 is 60 seconds.
	MaxWait time.Duration
	// ReportLimit caps how many failures, identity conflicts, warnings and
	// contacts deleted in the source are listed in the Report (all are
	// counted, and FileState.ExportCSV lists the entries); 0 is 1000,
	// negative is no limit.
	ReportLimit int
	// RetryFailed sends again the contacts that the target refused in an
	// earlier run although their mapped input has not changed since (their
	// Entry.Fingerprint). Without it they are reported as failed again,
	// with the reason of their refusal, and cost no write.
	RetryFailed bool
	// FirstNameFrom fills in the first name of a contact that has none,
	// where the target refuses to create a contact without one
	// (respond.io): see FirstNameSource. FirstNameOff, the default, leaves
	// such contacts to be refused.
	FirstNameFrom FirstNameSource
}

// FirstNameSource says where Run takes a first name from for a contact
// that has none, when the target requires one to create a contact.
//
// The fallback applies only to a contact that the run creates (or, with
// StrategyUpsert, whose upsert finds no contact to update), whose prepared
// input has no first name, and that the target would refuse to create
// without one while it accepts it with the filled name
// (support.Client.CheckCreate fails without it and passes with it): a
// target without such a rule, a contact that has a first name and a
// contact matched to an existing one (whose first name is left as it is)
// are never changed. The filled name then goes through the target's rules
// like any other (support.Client.PrepareContact: its length limits). Each
// contact filled is counted in Report.FirstNamesFilled and gets a warning
// on "first_name" that quotes the name given; the target contact holds
// it, so a re-run compares with it and writes nothing.
//
// A dry run fills the same contacts as the run. With a fallback set, the
// fingerprint of a contact without a first name (Entry.Fingerprint) is
// that of its input with the filled name, so that turning the option on
// sends again the contacts an earlier run had refused for want of one,
// and turning it off or on later is a change (compared, written only
// where the target differs).
type FirstNameSource string

// First name sources.
const (
	// FirstNameOff fills nothing: a contact without a first name is sent
	// as it is, and refused by a target that requires one.
	FirstNameOff FirstNameSource = ""
	// FirstNameFromEmail takes the local part of the contact's email (what
	// comes before the last "@"), up to its first "+" (a sub-address), as
	// written, clipped to MaxFilledFirstName characters:
	// "ada.lovelace+news@example.com" gives "ada.lovelace". A contact
	// without an email, or whose local part gives nothing, is not filled.
	FirstNameFromEmail FirstNameSource = "email"
	// FirstNamePlaceholder fills in PlaceholderFirstName.
	FirstNamePlaceholder FirstNameSource = "placeholder"
)

// PlaceholderFirstName is the first name FirstNamePlaceholder fills in.
const PlaceholderFirstName = "Unknown"

// MaxFilledFirstName is how many characters of an email's local part
// FirstNameFromEmail keeps: the length RFC 5321 allows a local part (in
// octets), and less than tidio.MaxNameLength. The filled name still goes
// through the target's own rules, its limits included.
const MaxFilledFirstName = 64

// Counts are the outcomes of the source contacts handled by a run
// (Report.Counts), or of a whole migration (Report.Overall).
type Counts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Matched   int `json:"matched"`
	// Upserted counts the lost upserts found in the target: mapped, but
	// whether each created, updated or left its contact cannot be told.
	Upserted int `json:"upserted"`
	Skipped  int `json:"skipped"`
	Failed   int `json:"failed"`
	// Changed counts the contacts mapped by an earlier run that changed in
	// the source since (their Fingerprint differs) and were brought up to
	// date, carrying only the fields that differ from the target contact
	// (one UpdateContact each, or in batches where the target has a batch
	// update). Those whose target contact already had the new values are
	// counted in Skipped, with no write.
	Changed int `json:"changed"`
	// Conflicts counts the source contacts not migrated because the target
	// contact a match key found for them is another person (the identity
	// rule: an earlier match key has a different, non-empty value on both
	// sides). Each is listed in Report.IdentityConflicts; none is counted
	// in Failed.
	Conflicts int `json:"conflicts"`
}

// Phase is what a run is doing.
type Phase string

// Phases of a run, in order.
const (
	// PhaseResolve: looking up the contacts whose create was in flight when
	// an earlier run stopped.
	PhaseResolve Phase = "resolve"
	// PhaseIndex: listing the target's contacts into the State
	// (StrategyBatch and dry runs).
	PhaseIndex Phase = "index"
	// PhaseMigrate: listing, matching and writing the source's contacts.
	PhaseMigrate Phase = "migrate"
	// PhaseDone: the source was listed to its end.
	PhaseDone Phase = "done"
)

// Progress is a snapshot of a running migration, for progress bars.
type Progress struct {
	Phase Phase `json:"phase"`
	// Processed is how many source contacts this run has handled.
	Processed int `json:"processed"`
	// Total is about how many source contacts this run will handle (the
	// number that Processed ends at), an estimate, or -1 when unknown. None
	// of the vendors' lists says how many contacts there are, so it is
	// known from the State only: how many source contacts the last
	// complete pass with this State listed (as many as its Processed, over
	// every run of that pass), less, in a resumed run, those on the pages
	// this pass had finished before (they are not listed again). Contacts
	// added to or deleted from the source since make Processed end above
	// or below it: show it as "about". It is -1 on a State's first pass
	// (the first run, and its resumptions), with a nil Options.State, and
	// with a State written before it was recorded until one pass has
	// completed. It does not change during a run.
	Total int `json:"total"`
	// Indexed is how many target contacts were indexed.
	Indexed int `json:"indexed"`
	Counts
	// WriteCalls is how many write calls were made so far.
	WriteCalls int `json:"write_calls"`
}

// Report is what a run did. Every source contact listed by the run is
// counted once in Counts; Processed is their total.
type Report struct {
	// Source and Target are the vendors' adapter names.
	Source string `json:"source"`
	Target string `json:"target"`
	// Strategy is the write strategy used.
	Strategy Strategy `json:"strategy"`
	// DryRun is true when nothing was written and Counts are a plan.
	DryRun bool `json:"dry_run"`
	// Resumed is true when the run continued an interrupted one.
	Resumed bool `json:"resumed"`
	// Complete is true when the source was listed to its end: every source
	// contact is mapped, failed (Failures says why), a conflict
	// (IdentityConflicts says with whom), or unresolved. A complete run may
	// still have left contacts out: see NotMigrated.
	Complete bool `json:"complete"`
	Counts
	// Processed is how many source contacts the run handled.
	Processed int `json:"processed"`
	// Indexed is how many target contacts were listed into the index.
	Indexed int `json:"indexed"`
	// Resolved is how many writes whose response was lost (in this run, or
	// in flight when an earlier run stopped) were confirmed by looking the
	// contact up, by the Client within its call (support.ContactResult.
	// Resolved) or by migrate.
	// Those of this run are also counted in Counts: a lost
	// create (StrategyBatch, of a contact the index showed absent) as
	// Created; a lost upsert as Upserted (whether it created, updated or
	// left the contact cannot be told), or as Updated when the contact
	// found still differed and was updated; Matched or Unchanged never. Those
	// of an earlier run are mapped now, with the same outcomes in the ID
	// map, and counted as Skipped when listed again.
	Resolved int `json:"resolved"`
	// Failures lists the contacts counted in Failed (refused or
	// unresolved), at most Options.ReportLimit of them; FailuresOmitted
	// counts the rest. Identity conflicts are listed apart, in
	// IdentityConflicts.
	Failures        []Failure `json:"failures,omitempty"`
	FailuresOmitted int       `json:"failures_omitted,omitempty"`
	// IdentityConflicts lists the contacts counted in Conflicts, at most
	// Options.ReportLimit of them; IdentityConflictsOmitted counts the
	// rest.
	IdentityConflicts        []IdentityConflict `json:"identity_conflicts,omitempty"`
	IdentityConflictsOmitted int                `json:"identity_conflicts_omitted,omitempty"`
	// Warnings lists the fields the target could not hold as given, at most
	// Options.ReportLimit of them; WarningsOmitted counts the rest and
	// WarningCounts counts them all by field.
	Warnings        []RecordWarning `json:"warnings,omitempty"`
	WarningsOmitted int             `json:"warnings_omitted,omitempty"`
	WarningCounts   map[string]int  `json:"warning_counts,omitempty"`
	// WriteCalls is how many write requests the target was sent, as the
	// vendor sees them (support.RequestCounts): a CreateContacts or
	// UpdateContacts batch is one, each request counted once however often
	// it was retried (see Retries), the Client's own requests (a batch
	// split in halves) included. For a target driver that counts no request, it is the
	// write calls migrate made.
	WriteCalls int `json:"write_calls"`
	// PlannedWriteCalls is, in a dry run, how many write requests the real
	// run would send without faults: WriteCalls of that run.
	PlannedWriteCalls int `json:"planned_write_calls,omitempty"`
	// ReadCalls is how many read requests (list pages, lookups, the source
	// reads of SourceReads) the source and the target were sent, first
	// attempts only, counted as WriteCalls is.
	ReadCalls int `json:"read_calls"`
	// SourceReads is how many source contacts were read one by one
	// (GetContact) because the source's list leaves out fields the target
	// can hold (Capabilities.ListOmits): one read each, also in ReadCalls.
	// A dry run makes them too (the plan needs the fields) and counts them.
	SourceReads int `json:"source_reads"`
	// Retries is how many requests the adapters sent again (after a rate
	// limit, an outage, a connection reset), to the source and the target.
	Retries int `json:"retries"`
	// RetriedCalls is how many calls migrate itself tried again after the
	// adapter's retries were spent (see "Retries" in the package
	// documentation); their requests are counted in WriteCalls and
	// ReadCalls as new ones.
	RetriedCalls int `json:"retried_calls"`
	// Deleted is how many mapped contacts a complete pass did not find in
	// the source (deleted there since they were migrated). They are
	// reported, never deleted in the target; DeletedInSource lists them, at
	// most Options.ReportLimit, and DeletedOmitted counts the rest.
	Deleted         int              `json:"deleted_in_source"`
	DeletedInSource []MissingContact `json:"deleted_in_source_contacts,omitempty"`
	DeletedOmitted  int              `json:"deleted_in_source_omitted,omitempty"`
	// Elapsed is the run's wall time, in nanoseconds in JSON.
	Elapsed time.Duration `json:"elapsed_ns"`
	// WriteRate is WriteCalls per second of Elapsed.
	WriteRate float64 `json:"write_calls_per_second"`
	// FirstNamesFilled is how many of the contacts this run created (or,
	// in a dry run, would create) got a first name from
	// Options.FirstNameFrom; each also has a warning on "first_name".
	FirstNamesFilled int `json:"first_names_filled"`
	// Overall is the whole migration so far, across every run with this
	// State: each source contact of the State's ID map counted once, by
	// what is recorded for it now. Created, Updated, Unchanged, Matched
	// and Upserted count the mapped contacts by how they were mapped (a
	// later run that skips one, or brings it up to date, does not change
	// that: Skipped and Changed are always 0 here); Failed, those refused
	// or unresolved as of the last run that listed them, and those whose
	// write is pending (the next run resolves them); Conflicts, the
	// identity conflicts as of the last run that listed them. A contact
	// refused by one run and migrated by the next is counted once, as
	// migrated. So a migration interrupted and resumed has, once complete,
	// the Overall that its Counts would be had it run in one go. Contacts
	// deleted in the source since they were mapped are still counted
	// (Deleted says how many a complete pass missed). It costs one pass
	// over the ID map at the end of each run; nil when Options.State is
	// nil (each run is then the whole migration) or the run stopped before
	// it could use the State (another migration's, say). In a dry run it
	// is what the State would hold after the real run.
	Overall *Counts `json:"overall,omitempty"`
}

// Failure is a source contact that was not migrated because the target
// refused it or its write could not be resolved.
type Failure struct {
	// SourceID is the contact's ID on the source platform.
	SourceID string `json:"source_id"`
	// Index is the contact's position in this run's listing of the source.
	Index int `json:"index"`
	// Input is what was (or would have been) written.
	Input support.ContactInput `json:"input"`
	// Reason is the vendor's message, or this package's explanation.
	Reason string `json:"reason"`
	// Kind is the error kind ("invalid input", "conflict", ...), when known.
	Kind string `json:"kind,omitempty"`
	// Status and Code are the vendor's HTTP status and error code, when known.
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	// Remembered is true when the target refused the contact in an earlier
	// run and its mapped input has not changed since: it was not sent again
	// (Options.RetryFailed sends it), and Reason, Kind, Status and Code are
	// that refusal's, as stored in the State (Entry.Kind; a refusal stored
	// by an earlier version has a Reason only).
	Remembered bool `json:"remembered,omitempty"`
}

// NotMigrated returns how many of the source contacts the run handled were
// not migrated: those that failed (Failed, unresolved ones included) and
// the identity conflicts (Conflicts). A complete run with NotMigrated() > 0
// finished the source but left those contacts out. Running again tries the
// refused ones and the conflicts again; an unresolved one is never sent
// again automatically (see Unresolved).
func (r *Report) NotMigrated() int { return r.Failed + r.Conflicts }

// IdentityConflict is a source contact that was not migrated because the
// target contact found for it by one match key (Key) has a different,
// non-empty value for an earlier match key (Contradicted): the two are
// different people, so nothing was written (see support.Client.UpsertContact's
// identity rule, which migrate applies to its own index too). It names
// both contacts and both keys, and quotes no value of the target contact.
type IdentityConflict struct {
	// SourceID is the contact's ID on the source platform.
	SourceID string `json:"source_id"`
	// Index is the contact's position in this run's listing of the source.
	Index int `json:"index"`
	// TargetID is the ID of the target contact the key found. In a dry
	// run it may be a "dry-run-N" placeholder: a contact the plan creates
	// from another source contact.
	TargetID string `json:"target_id"`
	// Key is the match key that found the target contact.
	Key support.MatchKey `json:"key"`
	// Contradicted is the earlier match key whose values differ.
	Contradicted support.MatchKey `json:"contradicted"`
	// Input is what would have been written, as in Failure.
	Input support.ContactInput `json:"input"`
	// Reason says the same in words.
	Reason string `json:"reason"`
}

// RecordWarning is a field of one source contact that the target could not
// hold as given.
type RecordWarning struct {
	// SourceID is the contact's ID on the source platform.
	SourceID string `json:"source_id"`
	// Field and Message are those of the support.Warning.
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Run migrates the contacts of src to dst; see the package documentation
// for the algorithm. It returns the report and, when the run stopped early
// (the context ended, the credentials were refused, the source could not be
// listed, the target stayed unavailable, the State failed), the error that
// stopped it, with the report so far. Running again with the same State
// resumes.
func Run(ctx context.Context, src, dst *support.Client, opts Options) (*Report, error) {
	start := time.Now()
	r, err := newRunner(src, dst, opts)
	if err != nil {
		return &Report{DryRun: opts.DryRun}, err
	}
	err = r.run(ctx)
	r.finish(time.Since(start))
	if err != nil {
		r.log.Warn("migrate: stopped", "err", err, "processed", r.rep.Processed)
		return r.rep, err
	}
	r.log.Info("migrate: finished", "processed", r.rep.Processed, "created", r.rep.Created,
		"updated", r.rep.Updated, "failed", r.rep.Failed, "conflicts", r.rep.Conflicts, "write_calls", r.rep.WriteCalls)
	return r.rep, nil
}

func newRunner(src, dst *support.Client, opts Options) (*runner, error) {
	if src == nil || dst == nil {
		return nil, support.Errorf("", "", support.ErrInvalid, "migrate: source and target platforms are required")
	}
	o := opts
	if o.MatchKeys == nil {
		o.MatchKeys = support.DefaultMatchKeys
	}
	for _, k := range o.MatchKeys {
		if !slices.Contains(support.DefaultMatchKeys, k) {
			return nil, support.Errorf("", "", support.ErrInvalid, "migrate: unknown match key %q", k)
		}
	}
	if err := validFirstNameSource(o.FirstNameFrom); err != nil {
		return nil, err
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = defaultMaxAttempts
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 60 * time.Second
	}
	if o.ReportLimit == 0 {
		o.ReportLimit = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &runner{
		src: src, dst: dst, scaps: src.Capabilities(), dcaps: dst.Capabilities(), o: o,
		dry: o.DryRun, log: o.Logger, dropped: map[string]bool{},
		bySource: map[string]*task{}, overlay: map[string]*Target{}, byID: map[string]*Target{},
	}
	r.rep = &Report{Source: r.scaps.Vendor, Target: r.dcaps.Vendor, DryRun: o.DryRun, WarningCounts: map[string]int{}}
	if !r.scaps.Supports(support.OpListContacts) {
		return nil, support.Unsupported(r.scaps.Vendor, support.OpListContacts, "migrate: the source cannot list its contacts")
	}
	r.st = o.State
	if r.st == nil {
		r.st = newMemState()
	}
	if r.dry {
		if !r.dcaps.Supports(support.OpListContacts) {
			return nil, support.Unsupported(r.dcaps.Vendor, support.OpListContacts, "migrate: a dry run lists the target's contacts to plan")
		}
		r.st = newOverlay(r.st)
	}
	return r, nil
}

// chooseStrategy settles the strategy: the one a resumed pass started with,
// or the requested one, or the best the target supports.
func (r *runner) chooseStrategy(saved Strategy) error {
	want := r.o.Strategy
	switch {
	case saved != "" && want != "" && want != saved:
		return support.Errorf("", "", support.ErrInvalid,
			"migrate: the interrupted migration uses strategy %q, not %q; finish it first", saved, want)
	case saved != "":
		want = saved
	case want == "":
		if r.dcaps.Supports(support.OpCreateContacts) && r.dcaps.MaxBatch > 1 && r.dcaps.Supports(support.OpListContacts) {
			want = StrategyBatch
		} else {
			want = StrategyUpsert
		}
	}
	var need []support.Operation
	switch want {
	case StrategyBatch:
		need = []support.Operation{support.OpCreateContacts, support.OpListContacts}
	case StrategyUpsert:
		need = []support.Operation{support.OpUpsertContact}
	default:
		return support.Errorf("", "", support.ErrInvalid, "migrate: unknown strategy %q", want)
	}
	for _, op := range need {
		if !r.dcaps.Supports(op) {
			return support.Unsupported(r.dcaps.Vendor, op, fmt.Sprintf("migrate: strategy %q needs it", want))
		}
	}
	r.strategy = want
	r.rep.Strategy = want
	r.batch, r.updBatch = 1, 1
	if want == StrategyBatch {
		r.batch = r.batchSize(r.dcaps.MaxBatch)
		// Batched updates where the Client sends them in batches: the
		// target's batch update (support.BatchPatcher) of more than one.
		var bp support.BatchPatcher
		if r.dcaps.Supports(support.OpUpdateContact) && r.dcaps.Supports(support.OpUpdateContacts) && r.dst.As(&bp) {
			r.updBatch = r.batchSize(r.dcaps.MaxBatchUpdate)
		}
	}
	return nil
}

// batchSize is the size of a batch for a target that takes up to largest
// records in one: largest, or Options.BatchSize when smaller; at least 1.
func (r *runner) batchSize(largest int) int {
	n := largest
	if r.o.BatchSize > 0 {
		n = min(n, r.o.BatchSize)
	}
	return max(n, 1)
}

func (r *runner) finish(elapsed time.Duration) {
	r.rep.Processed = r.processed
	r.rep.Indexed = r.indexed
	r.rep.WriteCalls = r.writeCalls()
	r.rep.ReadCalls = counted(&r.srcN, r.srcN.Reads(), r.srcReads.Load()) + counted(&r.dstN, r.dstN.Reads(), r.reads.Load()-r.srcReads.Load())
	r.rep.Retries = int(r.srcN.Retries() + r.dstN.Retries())
	r.rep.RetriedCalls = int(r.retries.Load())
	r.rep.SourceReads = int(r.sourceReads.Load())
	r.rep.Elapsed = elapsed
	if s := elapsed.Seconds(); s > 0 {
		r.rep.WriteRate = float64(r.rep.WriteCalls) / s
	}
	if r.dry {
		r.rep.PlannedWriteCalls = int(r.planned.Load())
	}
	if r.o.State != nil && r.strategy != "" {
		// Only once the State was found to be this migration's.
		o, err := r.overall()
		if err != nil {
			r.log.Warn("migrate: could not count the whole migration", "err", err)
		}
		r.rep.Overall = o
	}
}

// on returns ctx for a call to p (the source or the target), counting its
// requests in that platform's RequestCounts.
func (r *runner) on(ctx context.Context, p *support.Client) context.Context {
	if p == r.src {
		return support.WithRequestCounts(ctx, &r.srcN)
	}
	return support.WithRequestCounts(ctx, &r.dstN)
}

// writeCalls is the number of write requests the target was sent.
func (r *runner) writeCalls() int { return counted(&r.dstN, r.dstN.Writes(), r.writes.Load()) }

// counted returns what a platform's RequestCounts say (n), or, when its
// driver counts no request at all (support.CountRequest), the calls
// migrate made (calls), so that the report still says something.
func counted(c *support.RequestCounts, n, calls int64) int {
	if c.Reads()+c.Writes()+c.Retries() == 0 {
		return int(calls)
	}
	return int(n)
}

// errorDetails extracts what a vendor said from err.
func errorDetails(err error) (reason, kind string, status int, code string) {
	if err == nil {
		return "", "", 0, ""
	}
	reason = err.Error()
	var se *support.Error
	if errors.As(err, &se) {
		if se.Message != "" {
			reason = se.Message
		}
		if se.Kind != nil {
			kind = se.Kind.Error()
		}
		status, code = se.Status, se.Code
	}
	return reason, kind, status, code
}

package migrate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/deskbridge/deskbridge/support"
)

// maxWindowPages bounds how many source pages wait for a full batch before a
// partial batch is sent, so that memory stays bounded when most contacts
// match existing ones.
const maxWindowPages = 16

// taskState is where a source contact is in the current run.
type taskState int

const (
	// tTodo: to be written; known not to be in the target from this run.
	tTodo taskState = iota
	// tLookup: a write's outcome is unknown; look it up before anything.
	tLookup
	// tMatched: the target contact is known (target); update it if needed.
	tMatched
	// tChanged: mapped by an earlier run and changed in the source since;
	// its target contact (targetID) is read next, to become tMatched.
	tChanged
	// Terminal states.
	tDone
	tFailed
	tSkipped
)

// task is one source contact on its way to the target.
type task struct {
	page     *pageRef
	index    int
	sourceID string
	in       support.ContactInput
	keys     []string
	warns    []support.Warning
	fp       string // fingerprint of in, as mapped

	// prev is, for a contact mapped by an earlier run, its entry: kept
	// (with the new fingerprint once it is up to date) instead of one built
	// from the task.
	prev *Entry
	// delta: prev's contact changed in the source and is being brought up
	// to date (Counts.Changed).
	delta bool
	// remembered: refused by an earlier run with the same input, not sent.
	remembered bool
	// prepared: in has had the target's rules applied (prepareWindow).
	prepared bool

	st       taskState
	outcome  Outcome
	targetID string
	target   *Target // tMatched: the target contact and what it holds
	// newTarget is what the index learns when the task is done.
	newTarget *Target
	resolved  bool
	// write is the write sent (or about to be) for the contact, which
	// decides what a lost one found in the target is recorded as.
	write  Write
	intent bool // a Pending entry is committed
	// intentIn, when set, is the input an intent stores instead of in: the
	// one with a first name filled in, which the upsert sends should the
	// target refuse in (see fillFirstName).
	intentIn *support.ContactInput
	// filled: in has a first name from Options.FirstNameFrom.
	filled   bool
	attempts int
	noPhone  bool // sent again without its phone, which the target refused
	// conflict is, for a Conflict, the target contact found and the keys
	// (its TargetID, Key and Contradicted).
	conflict *IdentityConflict
	err      error
	reason   string
	// kind, status and code are, for a refusal remembered from an earlier
	// run (err is nil then), those stored with it (Entry.Kind, ...).
	kind     string
	status   int
	code     string
	commit   bool // the entry must be stored
	absorbed bool // newTarget is in the window's overlay
	settled  bool // counted in the report
}

func (t *task) terminal() bool { return t.st >= tDone }

func (t *task) done(o Outcome, targetID string) {
	t.st, t.outcome, t.targetID, t.commit = tDone, o, targetID, true
}

func (t *task) fail(o Outcome, reason string, err error) {
	t.st, t.outcome, t.reason, t.err, t.commit = tFailed, o, reason, err, true
}

// conflicts marks t a Conflict: the target contact targetID, found by key,
// has another value for the earlier key contradicted, so it is another
// person and nothing is written. err is the Client's error, if it told.
func (t *task) conflicts(targetID string, key, contradicted support.MatchKey, err error) {
	reason := fmt.Sprintf("the target contact %s found by %s has a different %s, so it is another person; nothing was written",
		targetID, key, contradicted)
	t.fail(Conflict, reason, err)
	t.conflict = &IdentityConflict{TargetID: targetID, Key: key, Contradicted: contradicted}
}

func (t *task) entry() Entry {
	if t.prev != nil {
		e := *t.prev
		if t.st == tDone || t.st == tSkipped {
			e.Fingerprint = t.fp
		}
		if t.st == tDone {
			e.TargetID, e.Warnings = t.targetID, t.warns
			if t.outcome == Created {
				e.Outcome = Created // its target contact was gone: created again
			}
		}
		return e
	}
	e := Entry{
		SourceID: t.sourceID, Outcome: t.outcome, Keys: t.keys, Warnings: t.warns,
		Resolved: t.resolved, Reason: t.reason, Fingerprint: t.fp,
	}
	switch {
	case t.st == tDone:
		e.TargetID = t.targetID
	case t.outcome == Failed:
		e.Kind, e.Status, e.Code = t.details()
	}
	return e
}

// details returns the error kind, HTTP status and vendor code of a failed
// t: its error's, or, for a refusal remembered from an earlier run, those
// stored with it.
func (t *task) details() (kind string, status int, code string) {
	if t.err == nil {
		return t.kind, t.status, t.code
	}
	_, kind, status, code = errorDetails(t.err)
	return kind, status, code
}

// pageRef is a source page whose cursor is saved once its open contacts are
// all done.
type pageRef struct {
	next string
	open int
	// items is how many source contacts the page held.
	items int
}

type runner struct {
	src, dst     *support.Client
	scaps, dcaps support.Capabilities
	o            Options
	strategy     Strategy
	dry          bool
	st           State
	log          *slog.Logger
	rep          *Report
	phase        Phase

	// batch is the size of a create batch; updBatch, of an update batch
	// (1: one UpdateContact each).
	batch, updBatch int

	// writes, reads and retries count the calls migrate makes (and tries
	// again); srcN and dstN, the requests the vendors see (see finish).
	writes, reads, retries, planned, srcReads, sourceReads atomic.Int64
	srcN, dstN                                             support.RequestCounts

	mu      sync.Mutex
	dropped map[string]bool // fields the target said it cannot hold

	// The window: the source contacts listed and not yet committed.
	tasks    []*task
	pages    []*pageRef
	bySource map[string]*task
	// overlay and byID hold the target contacts established in the window
	// and not yet committed to the State.
	overlay map[string]*Target
	byID    map[string]*Target

	processed, listed, indexed, dryIDs int
	// total is Progress.Total; passListed, the checkpoint cpPassListed as
	// this run moves it.
	total, passListed int
}

// indexes reports whether the run keeps an index of the target.
func (r *runner) indexes() bool { return r.strategy == StrategyBatch || r.dry }

func (r *runner) run(ctx context.Context) error {
	var cp [8]string
	for i, name := range []string{cpPhase, cpSourceVendor, cpTargetVendor, cpStrategy, cpSourceAcct, cpTargetAcct, cpPassListed, cpSourceTotal} {
		v, err := r.st.Checkpoint(name)
		if err != nil {
			return fmt.Errorf("migrate: read state: %w", err)
		}
		cp[i] = v
	}
	phase, srcVendor, dstVendor, saved := cp[0], cp[1], cp[2], Strategy(cp[3])
	srcAcct, dstAcct := r.src.Account(), r.dst.Account()
	// The intents left pending were written by the saved pass's strategy.
	pass := saved
	if (srcVendor != "" && srcVendor != r.scaps.Vendor) || (dstVendor != "" && dstVendor != r.dcaps.Vendor) {
		return mismatch(srcVendor, dstVendor, r.scaps.Vendor, r.dcaps.Vendor)
	}
	// A state made before accounts were recorded adopts the current ones.
	if (cp[4] != "" && cp[4] != srcAcct) || (cp[5] != "" && cp[5] != dstAcct) {
		return mismatch(cmp.Or(cp[4], srcAcct), cmp.Or(cp[5], dstAcct), srcAcct, dstAcct)
	}
	resume := !r.dry && (phase == phaseIndex || phase == phaseCopy)
	if !resume {
		saved = ""
	}
	if err := r.chooseStrategy(saved); err != nil {
		return err
	}
	r.total = count(cp[7])
	if resume {
		// The pages this pass finished before are not listed again.
		r.passListed = max(count(cp[6]), 0)
		if r.total >= 0 {
			r.total = max(r.total-r.passListed, 0)
		}
	}
	r.log.Info("migrate: start", "source", r.scaps.Vendor, "target", r.dcaps.Vendor,
		"strategy", r.strategy, "dry_run", r.dry, "resume", resume, "batch", r.batch)
	if resume {
		r.rep.Resumed = true
		if cp[4] == "" || cp[5] == "" {
			if err := r.st.Commit(&Commit{Checkpoints: map[string]string{cpSourceAcct: srcAcct, cpTargetAcct: dstAcct}}); err != nil {
				return err
			}
		}
	} else {
		// A new pass: a finished migration run again lists everything
		// (skipping what is mapped) against a fresh index of the target.
		phase = phaseCopy
		if r.indexes() {
			phase = phaseIndex
		}
		c := &Commit{ResetIndex: r.indexes(), ResetSeen: true, Checkpoints: map[string]string{
			cpPhase: phase, cpSourceCursor: "", cpIndexCursor: "", cpPassListed: "0",
			cpSourceVendor: r.scaps.Vendor, cpTargetVendor: r.dcaps.Vendor, cpStrategy: string(r.strategy),
			cpSourceAcct: srcAcct, cpTargetAcct: dstAcct,
		}}
		if err := r.st.Commit(c); err != nil {
			return err
		}
	}
	if !r.dry {
		if err := r.resolvePending(ctx, pass); err != nil {
			return err
		}
	}
	if phase == phaseIndex {
		if err := r.index(ctx); err != nil {
			return err
		}
	}
	return r.migrate(ctx)
}

// ErrStateMismatch is matched (errors.Is) by the error of a Run whose State
// was made for other accounts (or vendors) than its source and target: the
// ID map would skip contacts that are not in this target at all. The error
// names both pairs; use a new state file for the new migration. It also
// matches support.ErrInvalid.
var ErrStateMismatch = errors.New("the state belongs to another migration")

// mismatch is the error of a State made for the accounts (or vendors)
// wasSrc → wasDst used with src → dst.
func mismatch(wasSrc, wasDst, src, dst string) error {
	return fmt.Errorf("migrate: %w (%w): it was made for the migration from %q to %q, not from %q to %q; "+
		"use a new state file for this migration (nothing was sent)", ErrStateMismatch, support.ErrInvalid, wasSrc, wasDst, src, dst)
}

// count parses a count checkpoint; -1 when there is none (or it is not a
// count).
func count(cp string) int {
	n, err := strconv.Atoi(cp)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// progress reports a snapshot to Options.Progress.
func (r *runner) progress() {
	if r.o.Progress == nil {
		return
	}
	r.o.Progress(Progress{
		Phase: r.phase, Processed: r.processed, Total: r.total, Indexed: r.indexed,
		Counts: r.rep.Counts, WriteCalls: r.writeCalls(),
	})
}

// list returns a FetchFunc over p's contacts that retries rate limits and
// outages.
func (r *runner) list(p *support.Client) support.FetchFunc[support.Contact] {
	return func(ctx context.Context, cursor string) (support.Page[support.Contact], error) {
		var page support.Page[support.Contact]
		err := r.retry(ctx, true, nil, func() error {
			r.reads.Add(1)
			if p == r.src {
				r.srcReads.Add(1)
			}
			var err error
			page, err = p.ListContacts(r.on(ctx, p), support.ContactListOptions{
				ListOptions: support.ListOptions{Cursor: cursor, Limit: r.o.PageSize},
			})
			return err
		})
		return page, err
	}
}

// index lists the target's contacts into the State, one commit per page
// with the cursor, so that an interrupted indexing resumes.
func (r *runner) index(ctx context.Context) error {
	r.phase = PhaseIndex
	cursor, err := r.st.Checkpoint(cpIndexCursor)
	if err != nil {
		return fmt.Errorf("migrate: read state: %w", err)
	}
	for p, err := range support.Pages(ctx, cursor, r.list(r.dst)) {
		if err != nil {
			return fmt.Errorf("migrate: index the target's contacts: %w", err)
		}
		c := &Commit{Checkpoints: map[string]string{cpIndexCursor: p.Next}}
		// A target whose list leaves fields out: its indexed contacts are
		// read before they are compared (see rounds.go); marked only there.
		omits := len(r.dcaps.ListOmits) > 0
		for _, tc := range p.Items {
			// Every contact, those without a key too (stored by ID only):
			// the index also says which target contacts were there before
			// this pass wrote anything (see scan).
			if in := tc.Input(); tc.ID != "" {
				c.Targets = append(c.Targets, Target{ID: tc.ID, Keys: keysOf(&in), Fields: in, listed: omits})
			}
		}
		if p.Next == "" {
			c.Checkpoints[cpPhase] = phaseCopy
		}
		if err := r.st.Commit(c); err != nil {
			return err
		}
		r.indexed += len(p.Items)
		r.progress()
	}
	r.log.Info("migrate: target indexed", "contacts", r.indexed)
	return nil
}

// resolvePending settles the writes that were in flight when an earlier
// run stopped: found in the target, they are mapped (Created for a create,
// Upserted for an upsert, whose effect cannot be told); not found, their
// intent is dropped and they are written when their page is listed again
// (the source cursor was not saved past it); when the target cannot tell,
// they are unresolved. Each step is committed as soon as it is known, so
// that runs stopped while resolving still make progress instead of looking
// up the same contacts again and again. pass is the strategy of the pass
// that stored the intents, for those stored without their Write.
func (r *runner) resolvePending(ctx context.Context, pass Strategy) error {
	pend, err := r.st.Pending()
	if err != nil {
		return fmt.Errorf("migrate: read state: %w", err)
	}
	if len(pend) == 0 {
		return nil
	}
	r.phase = PhaseResolve
	r.log.Info("migrate: resolving interrupted writes", "count", len(pend))
	tasks := make([]*task, len(pend))
	for i, e := range pend {
		// settled: these are counted when their page is listed again.
		w := e.Write
		if w == "" {
			w = WriteUpsert // unknown: never claim a create
			if pass == StrategyBatch {
				w = WriteCreate // that strategy's intents are all creates
			}
		}
		in := inputFromKeys(e.Keys)
		if e.Input != nil {
			in = *e.Input
		}
		tasks[i] = &task{sourceID: e.SourceID, keys: e.Keys, in: in, warns: e.Warnings, st: tLookup, settled: true, write: w, fp: e.Fingerprint}
	}
	return r.resolve(ctx, tasks, r.commitResolved)
}

// commitResolved commits what resolvePending learnt of tasks.
func (r *runner) commitResolved(tasks []*task) error {
	c := &Commit{}
	found := 0
	for _, t := range tasks {
		switch t.st {
		case tMatched:
			c.Entries = append(c.Entries, Entry{
				SourceID: t.sourceID, TargetID: t.target.ID, Outcome: t.resolvedOutcome(), Keys: t.keys,
				Warnings: t.warns, Resolved: true, Fingerprint: t.fp,
			})
			if r.indexes() {
				c.Targets = append(c.Targets, *t.target)
			}
			found++
		case tTodo:
			c.Drop = append(c.Drop, t.sourceID)
		case tFailed:
			c.Entries = append(c.Entries, t.entry())
		}
	}
	if c.empty() {
		return nil
	}
	if err := r.st.Commit(c); err != nil {
		return err
	}
	r.rep.Resolved += found
	return nil
}

// migrate streams the source from the saved cursor through the window.
func (r *runner) migrate(ctx context.Context) error {
	r.phase = PhaseMigrate
	cursor, err := r.st.Checkpoint(cpSourceCursor)
	if err != nil {
		return fmt.Errorf("migrate: read state: %w", err)
	}
	// The cursors this pass followed before a resume are in the state
	// (commitWindow), so that a loop back into them is caught too.
	followed := func(c string) (bool, error) { return r.st.Seen(cursorMark(c)) }
	next, stop := iter.Pull2(support.PagesAfter(ctx, cursor, followed, r.list(r.src)))
	defer stop()
	eof := false
	for {
		for !eof && r.wantMore() {
			p, err, ok := next()
			if !ok {
				eof = true
				break
			}
			if err != nil {
				r.salvage()
				return fmt.Errorf("migrate: list the source's contacts: %w", err)
			}
			if err := r.complete(ctx, &p); err != nil {
				r.salvage()
				return err
			}
			if err := r.addPage(p); err != nil {
				return err
			}
			eof = p.Next == ""
		}
		err := r.process(ctx, eof)
		if err == nil && !eof && !r.wantMore() {
			// The window is full and waiting (leaders short of a batch,
			// their followers waiting for them): send a partial batch.
			err = r.process(ctx, true)
		}
		if err != nil {
			r.salvage()
			return err
		}
		if err := r.commitWindow(); err != nil {
			return err
		}
		if eof {
			if len(r.pages) > 0 {
				return fmt.Errorf("migrate: %d source contacts could not be handled", len(r.tasks))
			}
			return r.findDeleted()
		}
	}
}

// cursorMark is how the state remembers, among the source IDs the pass
// listed (Commit.Seen), a source cursor the pass followed: a NUL, which no
// ID holds, and a hash of the cursor.
func cursorMark(cursor string) string {
	sum := sha256.Sum256([]byte(cursor))
	return "\x00cursor:" + hex.EncodeToString(sum[:12])
}

// wantMore reports whether the window should take another source page: the
// batch strategy waits for a full batch (of creates or of updates); the
// upsert one takes a page at a time.
func (r *runner) wantMore() bool {
	open := 0
	for _, t := range r.tasks {
		if !t.terminal() {
			open++
		}
	}
	if len(r.pages) >= maxWindowPages {
		return false // commit what is done first, so memory stays bounded
	}
	size := max(r.batch, r.updBatch)
	if size <= 1 {
		return open == 0
	}
	return open < size
}

// addPage turns a source page into tasks: mapped, validated, and skipped
// when already migrated.
func (r *runner) addPage(p support.Page[support.Contact]) error {
	pg := &pageRef{next: p.Next, items: len(p.Items)}
	r.pages = append(r.pages, pg)
	for _, c := range p.Items {
		t := &task{page: pg, index: r.listed, sourceID: c.ID}
		r.listed++
		pg.open++
		r.tasks = append(r.tasks, t)
		if r.o.Map == nil {
			var e164 bool
			t.in, t.warns, e164 = defaultMap(c)
			t.keys = keysFor(&t.in, e164)
		} else {
			t.in, t.warns = r.o.Map(c)
			t.keys = keysOf(&t.in)
		}
		t.fp = fingerprint(r.withFilledName(t.in))
		if c.ID == "" {
			t.st, t.outcome, t.reason = tFailed, Failed, "the source contact has no ID"
			continue
		}
		if _, dup := r.bySource[c.ID]; dup {
			// A source whose pages shifted listed it twice.
			t.st, t.outcome = tSkipped, Skipped
			continue
		}
		r.bySource[c.ID] = t
		e, ok, err := r.st.Entry(c.ID)
		if err != nil {
			return fmt.Errorf("migrate: read state: %w", err)
		}
		switch {
		case ok && e.Outcome.mapped() && e.Fingerprint != "" && e.Fingerprint != t.fp:
			// Changed in the source since: brought up to date (below).
			t.st, t.targetID, t.prev, t.delta = tChanged, e.TargetID, &e, true
		case ok && e.Outcome.mapped():
			t.st, t.outcome, t.targetID = tSkipped, Skipped, e.TargetID
			if e.Fingerprint == "" {
				// Written by an earlier version: whether it changed since
				// cannot be told, so its current fingerprint is adopted
				// without a write.
				t.prev, t.commit = &e, true
			}
			continue
		case ok && e.Outcome == Failed && e.Fingerprint == t.fp && !r.o.RetryFailed:
			// Refused before, and the same input would be refused again.
			t.st, t.outcome, t.reason, t.remembered = tFailed, Failed, e.Reason, true
			t.kind, t.status, t.code = e.Kind, e.Status, e.Code
			continue
		case ok && (e.Outcome == Unresolved || e.Outcome == Pending):
			// Never written again: it may be in the target already.
			reason := e.Reason
			if reason == "" {
				reason = "a write of this contact was interrupted and is resolved by the next real run"
			}
			t.st, t.outcome, t.reason = tFailed, e.Outcome, reason
			continue
		}
		if err := t.in.Validate(); err != nil {
			reason, _, _, _ := errorDetails(err)
			t.fail(Failed, reason, err)
		}
	}
	return nil
}

// complete reads again, with GetContact, every contact of a source page
// when the source's list leaves fields out (Capabilities.ListOmits: a
// TidySupport list has no phone), Concurrency at a time, so that the
// mapping, the fingerprint and the plan see every field. Each read is
// counted in Report.SourceReads; a dry run makes them too.
func (r *runner) complete(ctx context.Context, p *support.Page[support.Contact]) error {
	if len(r.scaps.ListOmits) == 0 || !r.scaps.Supports(support.OpGetContact) {
		return nil
	}
	groups := make([][]*task, 0, len(p.Items))
	for i := range p.Items {
		if p.Items[i].ID != "" {
			groups = append(groups, []*task{{index: i}})
		}
	}
	var mu sync.Mutex
	return r.each(ctx, groups, func(ctx context.Context, t *task) error {
		c := p.Items[t.index]
		var got *support.Contact
		err := r.retry(ctx, true, nil, func() error {
			r.reads.Add(1)
			r.srcReads.Add(1)
			r.sourceReads.Add(1)
			var err error
			got, err = r.src.GetContact(r.on(ctx, r.src), support.ID(c.ID))
			return err
		})
		switch {
		case errors.Is(err, support.ErrNotFound):
			return nil // deleted since it was listed: as listed
		case err != nil:
			return fmt.Errorf("migrate: read source contact %q: %w", c.ID, err)
		}
		mu.Lock()
		// Only the fields the list left out come from the read: a vendor's
		// get may lack what its list has (TidySupport's, external IDs).
		p.Items[t.index] = support.MergeOmitted(c, *got, r.scaps.ListOmits)
		mu.Unlock()
		return nil
	}, nil)
}

// prepareWindow applies the target's rules to the input of every task
// about to be matched and written, as the Client does before it writes
// (support.Client.PrepareContact): ContactInput.Validate, the fields the
// target cannot write (Capabilities.ContactFields) removed, then the
// driver's own rules (what the target can hold), with warnings. Matching, diffs and the dry run's plan then see
// what the target would store, and a refusal fails the contact before any
// write, in a real run and a dry run alike. A phone the target refuses is
// dropped as in a write (retryWithoutPhone). The Client applies the same
// rules again when it writes, which changes nothing more.
func (r *runner) prepareWindow(ctx context.Context) {
	for _, t := range r.tasks {
		if t.prepared || (t.st != tTodo && t.st != tChanged) {
			continue
		}
		t.prepared = true
		for {
			p, ws, err := r.dst.PrepareContact(ctx, t.in)
			if err == nil {
				t.in = p
				r.learn(ws)
				t.warns = append(t.warns, ws...)
				break
			}
			st := t.st
			if r.retryWithoutPhone(t, err) {
				t.st = st
				continue
			}
			reason, _, _, _ := errorDetails(err)
			t.fail(Failed, reason, err)
			break
		}
	}
}

// changed is the report outcome of a delta: a mapped contact changed in
// the source and updated in the target (Counts.Changed). Never stored.
const changed Outcome = "changed"

// fetchChanged finds the target contacts of the window's tChanged tasks:
// in the index (StrategyBatch, whose index is fresh), else with one
// GetContact by ID each, in a dry run too, so that it compares with what
// the run will read (a vendor's get may lack what its list has). Found,
// the task is matched to it, and what differs is sent; gone from the
// target, the contact is migrated again like a new one.
func (r *runner) fetchChanged(ctx context.Context) error {
	var ts [][]*task
	for _, t := range r.tasks {
		if t.st == tChanged {
			ts = append(ts, []*task{t})
		}
	}
	if len(ts) == 0 {
		return nil
	}
	return r.each(ctx, ts, func(ctx context.Context, t *task) error {
		var tgt *Target
		if r.strategy == StrategyBatch {
			if fresh, ok := r.byID[t.targetID]; ok {
				tgt = fresh.clone()
			} else if got, ok, err := r.st.Target(t.targetID); err != nil {
				return fmt.Errorf("migrate: read state: %w", err)
			} else if ok {
				tgt = &got
			}
		} else {
			var c *support.Contact
			err := r.retry(ctx, true, nil, func() error {
				r.reads.Add(1)
				var err error
				c, err = r.dst.GetContact(r.on(ctx, r.dst), support.ID(t.targetID))
				if errors.Is(err, support.ErrNotFound) {
					c, err = nil, nil
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("migrate: read target contact %q: %w", t.targetID, err)
			}
			if c != nil {
				in := c.Input()
				tgt = &Target{ID: c.ID, Keys: unionKeys(t.keys, keysOf(&in)), Fields: in}
			}
		}
		if tgt == nil {
			t.st = tTodo
			return nil
		}
		t.st, t.target = tMatched, tgt
		return nil
	}, nil)
}

// findDeleted counts (and lists, up to ReportLimit) the mapped contacts
// that this complete pass did not list: deleted in the source since they
// were migrated. Nothing is deleted in the target.
func (r *runner) findDeleted() error {
	return mappedEntries(r.st, func(e Entry) error {
		seen, err := r.st.Seen(e.SourceID)
		if err != nil || seen {
			return err
		}
		r.rep.Deleted++
		if r.o.ReportLimit < 0 || len(r.rep.DeletedInSource) < r.o.ReportLimit {
			r.rep.DeletedInSource = append(r.rep.DeletedInSource, MissingContact{SourceID: e.SourceID, TargetID: e.TargetID})
		} else {
			r.rep.DeletedOmitted++
		}
		return nil
	})
}

// process runs rounds over the window until nothing more can be done
// without more source pages (or, with flush, until every task is done).
func (r *runner) process(ctx context.Context, flush bool) error {
	r.prepareWindow(ctx)
	if err := r.fetchChanged(ctx); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("migrate: stopped: %w", err)
		}
		var did bool
		var err error
		if r.strategy == StrategyUpsert && !r.dry {
			did, err = r.roundUpsert(ctx)
		} else {
			did, err = r.roundBatch(ctx, flush)
		}
		r.absorb()
		if err != nil || !did {
			return err
		}
	}
}

// absorb settles the finished tasks and makes the target contacts they
// established visible to the rest of the window.
func (r *runner) absorb() {
	for _, t := range r.tasks {
		r.settle(t)
		if t.st != tDone || t.absorbed || t.newTarget == nil || !r.indexes() {
			continue
		}
		t.absorbed = true
		tgt := t.newTarget
		r.byID[tgt.ID] = tgt
		for _, k := range tgt.Keys {
			if cur, ok := r.overlay[k]; ok && cur.ID != tgt.ID {
				continue // the first contact with a key keeps it
			}
			if cur, ok, err := r.st.Lookup(k); err == nil && ok && cur.ID != tgt.ID {
				continue
			}
			r.overlay[k] = tgt
		}
	}
}

// settle counts a finished task in the report, once.
func (r *runner) settle(t *task) {
	if t.settled || !t.terminal() {
		return
	}
	t.settled = true
	if t.page != nil {
		t.page.open--
	}
	r.processed++
	out := t.outcome
	if t.delta {
		switch out {
		case Updated:
			out = changed
		case Unchanged:
			out = Skipped // the target had the new values already
		}
	}
	switch out {
	case changed:
		r.rep.Changed++
	case Created:
		r.rep.Created++
	case Updated:
		r.rep.Updated++
	case Unchanged:
		r.rep.Unchanged++
	case Matched:
		r.rep.Matched++
	case Upserted:
		r.rep.Upserted++
	case Skipped:
		r.rep.Skipped++
	case Conflict:
		r.rep.Conflicts++
		if r.o.ReportLimit < 0 || len(r.rep.IdentityConflicts) < r.o.ReportLimit {
			c := IdentityConflict{SourceID: t.sourceID, Index: t.index, Input: t.in, Reason: t.reason}
			if t.conflict != nil {
				c.TargetID, c.Key, c.Contradicted = t.conflict.TargetID, t.conflict.Key, t.conflict.Contradicted
			}
			r.rep.IdentityConflicts = append(r.rep.IdentityConflicts, c)
		} else {
			r.rep.IdentityConflictsOmitted++
		}
	default:
		r.rep.Failed++
		kind, status, code := t.details()
		if t.outcome == Unresolved || t.outcome == Pending {
			kind = string(t.outcome)
		}
		if r.o.ReportLimit < 0 || len(r.rep.Failures) < r.o.ReportLimit {
			r.rep.Failures = append(r.rep.Failures, Failure{
				SourceID: t.sourceID, Index: t.index, Input: t.in, Reason: t.reason,
				Kind: kind, Status: status, Code: code, Remembered: t.remembered,
			})
		} else {
			r.rep.FailuresOmitted++
		}
	}
	if t.resolved {
		r.rep.Resolved++
	}
	if t.filled && t.st == tDone {
		r.rep.FirstNamesFilled++
	}
	if out != Skipped {
		for _, w := range t.warns {
			r.rep.WarningCounts[w.Field]++
			if r.o.ReportLimit < 0 || len(r.rep.Warnings) < r.o.ReportLimit {
				r.rep.Warnings = append(r.rep.Warnings, RecordWarning{SourceID: t.sourceID, Field: w.Field, Message: w.Message})
			} else {
				r.rep.WarningsOmitted++
			}
		}
	}
	r.progress()
}

// commitWindow stores the finished tasks and the cursor after the last page
// whose tasks are all finished, in one commit, and drops them from the
// window.
func (r *runner) commitWindow() error {
	c := &Commit{}
	for _, t := range r.tasks {
		if !t.terminal() {
			continue
		}
		r.settle(t)
		if t.commit {
			c.Entries = append(c.Entries, t.entry())
		}
		if t.newTarget != nil && r.indexes() {
			c.Targets = append(c.Targets, *t.newTarget)
		}
		if t.sourceID != "" {
			c.Seen = append(c.Seen, t.sourceID)
		}
	}
	n, finished, listed := 0, false, r.passListed
	for _, p := range r.pages {
		if p.open > 0 {
			break
		}
		n++
		finished = p.next == ""
		listed += p.items
		c.Checkpoints = map[string]string{cpSourceCursor: p.next}
		if !finished {
			c.Seen = append(c.Seen, cursorMark(p.next))
		}
	}
	if n > 0 {
		c.Checkpoints[cpPassListed] = strconv.Itoa(listed)
	}
	if finished {
		c.Checkpoints[cpPhase] = phaseDone
		c.Checkpoints[cpSourceTotal] = strconv.Itoa(listed)
	}
	if !c.empty() {
		if err := r.st.Commit(c); err != nil {
			return err
		}
	}
	r.passListed = listed
	r.tasks = slices.DeleteFunc(r.tasks, func(t *task) bool {
		if t.terminal() {
			if r.bySource[t.sourceID] == t {
				delete(r.bySource, t.sourceID)
			}
			return true
		}
		return false
	})
	r.pages = r.pages[n:]
	clear(r.overlay)
	clear(r.byID)
	if finished {
		r.rep.Complete = true
		r.phase = PhaseDone
		r.progress()
	}
	return nil
}

// salvage, when a run stops early, stores what is known (the finished tasks,
// and the intents of creates known not to have been stored) without moving
// the cursor. Creates whose outcome is unknown stay pending. It is best
// effort: when the State itself failed, the next run still resolves every
// pending intent.
func (r *runner) salvage() {
	if r.dry {
		return
	}
	c := &Commit{}
	for _, t := range r.tasks {
		switch {
		case t.terminal():
			if t.commit {
				c.Entries = append(c.Entries, t.entry())
			}
			if t.newTarget != nil && r.indexes() {
				c.Targets = append(c.Targets, *t.newTarget)
			}
		case t.st == tTodo && t.intent:
			c.Drop = append(c.Drop, t.sourceID)
		}
	}
	if c.empty() {
		return
	}
	if err := r.st.Commit(c); err != nil {
		r.log.Warn("migrate: could not save the partial results; the next run resolves them", "err", err)
		return
	}
	for _, t := range r.tasks {
		if t.terminal() {
			r.settle(t)
			t.commit = false
		} else if t.st == tTodo {
			t.intent = false
		}
	}
}

// commitIntents stores a Pending entry for every task about to be written
// that has none yet, before the write is sent, with the kind of write
// (task.write, set by the caller).
func (r *runner) commitIntents(tasks []*task) error {
	c := &Commit{}
	for _, t := range tasks {
		if !t.intent {
			in := t.in
			if t.intentIn != nil {
				in = *t.intentIn
			}
			c.Entries = append(c.Entries, Entry{SourceID: t.sourceID, Outcome: Pending, Write: t.write, Keys: t.keys, Warnings: t.warns, Fingerprint: t.fp, Input: &in})
		}
	}
	if len(c.Entries) == 0 {
		return nil
	}
	if err := r.st.Commit(c); err != nil {
		return err
	}
	for _, t := range tasks {
		t.intent = true
	}
	return nil
}

// attempt counts one more write of t, failing the run when t has had too
// many: the target keeps failing it, and a later run can try again.
func (r *runner) attempt(t *task) error {
	if t.attempts >= r.o.MaxAttempts {
		last := t.err
		if last == nil {
			last = errors.New("no result")
		}
		return fmt.Errorf("migrate: contact %q: the target failed it %d times: %w", t.sourceID, t.attempts, last)
	}
	t.attempts++
	return nil
}

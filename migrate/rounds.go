package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/deskbridge/deskbridge/support"
)

// roundBatch is one round of the batch strategy (and of every dry run):
// match, update the matched, create the unmatched in batches, resolve the
// lost. Unless flush, creates and batched updates short of a full batch
// wait for more source pages. It reports whether it did anything.
func (r *runner) roundBatch(ctx context.Context, flush bool) (bool, error) {
	matched, leaders, err := r.plan()
	if err != nil {
		return false, err
	}
	if !flush {
		leaders = leaders[:len(leaders)/r.batch*r.batch]
	}
	if len(matched)+len(leaders) == 0 {
		return false, nil
	}
	did, err := r.updateMatched(ctx, matched, flush)
	if err != nil {
		return true, err
	}
	if !did && len(leaders) == 0 {
		return false, nil
	}
	for chunk := range slices.Chunk(leaders, r.batch) {
		if err := r.createBatch(ctx, chunk); err != nil {
			return true, err
		}
	}
	return true, r.resolveWindow(ctx)
}

// plan sorts the window's open tasks: those matching a known target contact
// (matched), and the first of each set of source contacts sharing a match key
// (leaders, to be created). The others (followers) wait for their leader and
// match its contact in a later round, so that source duplicates never
// create two contacts.
func (r *runner) plan() (matched, leaders []*task, err error) {
	claimed := map[string]bool{}
	claim := func(t *task) {
		for _, k := range t.keys {
			if slices.Contains(r.o.MatchKeys, keyKind(k)) {
				claimed[k] = true
			}
		}
	}
	for _, t := range r.tasks {
		if t.st == tMatched || t.st == tLookup {
			claim(t)
		}
	}
	for _, t := range r.tasks {
		switch t.st {
		case tMatched:
			matched = append(matched, t)
			continue
		case tTodo:
		default:
			continue
		}
		tgt, conflict, err := r.match(t)
		if err != nil {
			return nil, nil, err
		}
		if conflict != nil {
			// Another person: nothing is written, and its keys claim
			// nothing, as it creates nothing.
			t.conflicts(conflict.TargetID, conflict.Key, conflict.Contradicted, nil)
			continue
		}
		if tgt != nil {
			t.st, t.target = tMatched, tgt
			matched = append(matched, t)
			claim(t)
			continue
		}
		if slices.ContainsFunc(t.keys, func(k string) bool { return claimed[k] }) {
			continue
		}
		claim(t)
		leaders = append(leaders, t)
	}
	return matched, leaders, nil
}

// match finds the target contact of t by its keys in MatchKeys order: first
// among those established in the window, then in the State. It applies the
// identity rule as support.Client.UpsertContact does: a contact found by a
// key is t's only if no earlier key contradicts it (both have a value for
// that key and the values differ). A contradicted one is a conflict
// (returned with its TargetID, Key and Contradicted set) and later keys are
// not tried. It returns nil, nil when no key finds a contact.
//
// The index keeps the earliest target contact with each key (as the
// target's own lookups return it), so where the target already holds
// several contacts with one phone, only the earliest is judged: a conflict
// then may be one that UpsertContact, seeing them all, would have matched
// to a later one. It errs towards a conflict, never towards a merge.
//
// A dry run of StrategyUpsert matches as the Client's UpsertContact will:
// only by the keys the target can look contacts up by (Capabilities.CanFind).
func (r *runner) match(t *task) (*Target, *IdentityConflict, error) {
	for i, kind := range r.o.MatchKeys {
		if r.strategy == StrategyUpsert && !r.dcaps.CanFind(kind) {
			continue
		}
		for _, k := range t.keys {
			if keyKind(k) != kind {
				continue
			}
			tgt, err := r.known(k)
			if err != nil {
				return nil, nil, err
			}
			if tgt == nil {
				continue
			}
			have := support.Contact{Email: tgt.Fields.Email, Phone: tgt.Fields.Phone, ExternalID: tgt.Fields.ExternalID}
			if c := support.Contradicts(r.o.MatchKeys[:i], t.in, have); c != "" {
				return nil, &IdentityConflict{TargetID: tgt.ID, Key: kind, Contradicted: c}, nil
			}
			return tgt, nil, nil
		}
	}
	return nil, nil, nil
}

// known returns the target contact with key k: the one established in
// the window, else the State's, as fresh as the window knows it; nil when
// there is none.
func (r *runner) known(k string) (*Target, error) {
	if tgt, ok := r.overlay[k]; ok {
		return r.byID[tgt.ID], nil
	}
	tgt, ok, err := r.st.Lookup(k)
	if err != nil {
		return nil, fmt.Errorf("migrate: read state: %w", err)
	}
	if !ok {
		return nil, nil
	}
	if fresh, ok := r.byID[tgt.ID]; ok {
		return fresh, nil
	}
	return &tgt, nil
}

// createBatch creates the leaders of chunk in one CreateContacts call. A
// leader the target would not create (support.Client.CheckCreate: a rule
// for new contacts only, such as respond.io's first name) is given a first
// name from Options.FirstNameFrom where that lifts the refusal
// (fillFirstName), and otherwise fails first, with no write, as the Client
// would refuse it before sending: so a dry run, which plans every create
// here whatever the strategy, predicts those refusals and those names.
func (r *runner) createBatch(ctx context.Context, chunk []*task) error {
	chunk = slices.DeleteFunc(slices.Clone(chunk), func(t *task) bool {
		err := r.dst.CheckCreate(t.in)
		if err == nil || r.fillFirstName(ctx, t) {
			return false
		}
		reason, _, _, _ := errorDetails(err)
		t.fail(Failed, reason, err)
		r.settle(t)
		return true
	})
	if len(chunk) == 0 {
		return nil
	}
	for _, t := range chunk {
		if err := r.attempt(t); err != nil {
			return err
		}
	}
	if r.dry {
		if r.strategy == StrategyUpsert {
			r.planned.Add(int64(len(chunk)))
		} else {
			r.planned.Add(1)
		}
		for _, t := range chunk {
			r.dryIDs++
			id := fmt.Sprintf("dry-run-%d", r.dryIDs)
			t.done(Created, id)
			t.newTarget = &Target{ID: id, Keys: t.keys, Fields: t.in}
		}
		return nil
	}
	for _, t := range chunk {
		t.write = WriteCreate // the index and the window showed it absent
	}
	if err := r.commitIntents(chunk); err != nil {
		return err
	}
	ins := make([]support.ContactInput, len(chunk))
	for i, t := range chunk {
		ins[i] = t.in
	}
	var res *support.BatchResult
	err := r.retry(ctx, false, nil, func() error {
		r.writes.Add(1)
		var err error
		res, err = r.dst.CreateContacts(r.on(ctx, r.dst), ins)
		if res != nil && len(res.Items) == len(ins) {
			return nil // per-record results, handled below
		}
		return err
	})
	items := make([]*support.BatchItem, len(chunk))
	if res != nil {
		for i := range res.Items {
			if it := &res.Items[i]; it.Index >= 0 && it.Index < len(items) {
				items[it.Index] = it
			}
		}
	}
	var fatal, limited error
	attempts := 0
	for i, t := range chunk {
		it := items[i]
		if it == nil {
			if e := r.applyWrite(ctx, t, &support.ContactResult{}, callErr(err), false); e != nil && fatal == nil {
				fatal = e
			}
			continue
		}
		itemErr := it.Err
		if itemErr == nil && it.Outcome == support.Failed {
			itemErr = errors.New("the target reported the record failed, without a reason")
		}
		if e := r.applyWrite(ctx, t, &support.ContactResult{Contact: it.Contact, Outcome: it.Outcome, Warnings: it.Warnings, Resolved: it.Resolved}, itemErr, true); e != nil && fatal == nil {
			fatal = e
		}
		if t.st == tTodo && classify(ctx, itemErr, false) == cTransient {
			limited, attempts = itemErr, max(attempts, t.attempts)
		}
	}
	for _, t := range chunk {
		r.settle(t)
	}
	if fatal == nil && limited != nil {
		// Records refused for a rate limit or an outage go in a later
		// batch; wait as a retry of the call would.
		fatal = r.pause(ctx, attempts, limited)
	}
	return fatal
}

// callErr is the error a record gets when its whole call failed without a
// result for it.
func callErr(err error) error {
	if err == nil {
		return errors.New("the target returned no result for the record")
	}
	return err
}

// applyWrite records the result (never nil) of a create or upsert of t.
// It returns an error when the run must stop. perItem says the error is
// one record's in a batch, so that a rate limit on it is retried in a
// later round rather than stopping the run. A result the Client settled
// by a lookup after its answer was lost counts as resolved.
func (r *runner) applyWrite(ctx context.Context, t *task, res *support.ContactResult, err error, perItem bool) error {
	t.err = err
	c, o, warns := res.Contact, res.Outcome, res.Warnings
	switch classify(ctx, err, false) {
	case cOK:
		t.resolved = t.resolved || res.Resolved
		if c == nil || c.ID == "" {
			// Stored, presumably, but under an ID the target did not say.
			t.st = tLookup
			return nil
		}
		r.learn(warns)
		t.warns = append(t.warns, warns...)
		out := Created
		switch o {
		case support.Updated:
			out = Updated
		case support.Unchanged:
			out = Unchanged
		case support.Matched:
			out = Matched
		}
		t.done(out, c.ID)
		t.newTarget = &Target{ID: c.ID, Keys: unionKeys(t.keys, keysOfContact(c, &t.in)), Fields: t.in}
		return nil
	case cUnknown:
		t.st = tLookup
		return nil
	case cStop:
		t.st = tLookup
		return stopped(ctx, err)
	case cTransient:
		t.st = tTodo
		if perItem {
			return nil
		}
		return fmt.Errorf("migrate: the target stayed unavailable: %w", err)
	case cFatal:
		t.st = tTodo
		return fmt.Errorf("migrate: write to the target: %w", err)
	default:
		var ic *support.IdentityConflict
		if errors.As(err, &ic) {
			// The upsert found another person (the identity rule): nothing
			// was written.
			t.conflicts(ic.Existing.ID, ic.Key, ic.Contradicted, err)
			return nil
		}
		if r.retryWithoutPhone(t, err) {
			return nil
		}
		reason, _, _, _ := errorDetails(err)
		t.fail(Failed, reason, err)
		return nil
	}
}

// stopped is the error of a run stopped by its context while a call failed
// with err. It matches the context's error (context.Canceled or
// context.DeadlineExceeded) even when err does not: a batch cut short
// reports each record's own error, and classify calls any failure a stop
// once the context has ended.
func stopped(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("migrate: stopped: %w: %w", cerr, err)
	}
	return fmt.Errorf("migrate: stopped: %w", err)
}

// retryWithoutPhone handles a target refusing a phone number that could not
// be normalized: the task is written again without it, with a warning.
func (r *runner) retryWithoutPhone(t *task, err error) bool {
	if !errors.Is(err, support.ErrInvalid) || t.noPhone || t.in.Phone == "" {
		return false
	}
	if _, perr := support.NormalizePhone(t.in.Phone); perr == nil {
		return false
	}
	in := t.in
	in.Phone = ""
	if in.IsEmpty() {
		return false
	}
	reason, _, _, _ := errorDetails(err)
	t.warns = append(t.warns, support.Warning{
		Field:   "phone",
		Message: fmt.Sprintf("dropped %q: the target refused it (%s)", t.in.Phone, reason),
	})
	t.in, t.noPhone = in, true
	if t.st != tMatched {
		t.st = tTodo
	}
	return true
}

// keysOfContact returns the normalized keys of a contact stored from in,
// which differ from in's when the target rewrote an identifying field.
func keysOfContact(c *support.Contact, in *support.ContactInput) []string {
	if c.Email == in.Email && c.Phone == in.Phone && c.ExternalID == in.ExternalID {
		return nil
	}
	stored := c.Input()
	return keysOf(&stored)
}

// learn remembers the fields a target reported it cannot hold, so that they
// do not make every matched contact look changed.
func (r *runner) learn(warns []support.Warning) {
	if len(warns) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range warns {
		r.dropped[w.Field] = true
	}
}

func (r *runner) isDropped(field string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped[field]
}

// updateMatched brings the matched tasks' target contacts up to date, the
// tasks of one target contact in order: in batches (updateBatches) where
// the target has a batch update, else one UpdateContact each, different
// contacts concurrently. It reports whether it did anything.
func (r *runner) updateMatched(ctx context.Context, matched []*task, flush bool) (bool, error) {
	var groups [][]*task
	at := map[string]int{}
	for _, t := range matched {
		i, ok := at[t.target.ID]
		if !ok {
			i = len(groups)
			at[t.target.ID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], t)
	}
	for _, g := range groups {
		// One shared copy, so that each task sees its predecessors' updates.
		tgt := *g[0].target
		for _, t := range g {
			t.target = &tgt
		}
	}
	if r.updBatch > 1 {
		return r.updateBatches(ctx, groups, flush)
	}
	return len(groups) > 0, r.each(ctx, groups, r.updateOne, nil)
}

// updateOne updates t's target contact with what differs, if anything.
func (r *runner) updateOne(ctx context.Context, t *task) error {
	if err := r.readOmitted(ctx, t); err != nil {
		return err
	}
	for {
		u, ok := r.pendingUpdate(t)
		if !ok {
			return nil
		}
		if r.dry {
			r.planned.Add(1)
			r.updated(t, u, nil)
			return nil
		}
		if err := r.attempt(t); err != nil {
			return err
		}
		var res *support.ContactResult
		err := r.retry(ctx, true, t, func() error {
			r.writes.Add(1)
			var err error
			res, err = r.dst.UpdateContact(r.on(ctx, r.dst), support.ID(t.target.ID), u)
			return err
		})
		t.err = err
		switch classify(ctx, err, true) {
		case cOK:
			var warns []support.Warning
			if res != nil {
				warns = res.Warnings
			}
			r.updated(t, u, warns)
			return nil
		case cRecord:
			if r.refusedUpdate(t, err) {
				continue
			}
			return nil
		case cFatal:
			return fmt.Errorf("migrate: write to the target: %w", err)
		case cStop:
			return stopped(ctx, err)
		default:
			return fmt.Errorf("migrate: the target stayed unavailable: %w", err)
		}
	}
}

// readOmitted reads t's target contact when the index has it as the
// target's list shows it and that list leaves fields out, so that the
// comparison sees them: only those come from the read
// (support.MergeOmitted), as a vendor's get may lack what its list has.
func (r *runner) readOmitted(ctx context.Context, t *task) error {
	tgt := t.target
	if !tgt.listed || len(r.dcaps.ListOmits) == 0 {
		return nil
	}
	var c *support.Contact
	err := r.retry(ctx, true, nil, func() error {
		r.reads.Add(1)
		var err error
		c, err = r.dst.GetContact(r.on(ctx, r.dst), support.ID(tgt.ID))
		return err
	})
	if err != nil && !errors.Is(err, support.ErrNotFound) {
		return fmt.Errorf("migrate: read target contact %q: %w", tgt.ID, err)
	}
	if c != nil {
		merged := support.MergeOmitted(asContact(tgt.Fields), *c, r.dcaps.ListOmits)
		tgt.Fields = merged.Input()
	}
	tgt.listed = false
	return nil
}

// pendingUpdate returns the update that t's target contact needs, and
// true; or, when it needs none or the target cannot update contacts,
// finishes t (Unchanged, or Matched with a warning per differing field)
// and returns false.
func (r *runner) pendingUpdate(t *task) (support.ContactUpdate, bool) {
	tgt := t.target
	u, fields := diff(t.in, tgt.Fields, r.isDropped)
	if r.dry && r.strategy == StrategyUpsert && !t.delta {
		// The run's UpsertContact sends what its own rules find different.
		u, fields = upsertDiff(tgt.Fields, t.in)
	}
	canUpdate := r.dcaps.Supports(support.OpUpdateContact)
	if !u.IsEmpty() && canUpdate {
		return u, true
	}
	o := Unchanged
	if !u.IsEmpty() {
		for _, f := range fields {
			t.warns = append(t.warns, support.Warning{Field: f, Message: "differs in the target, which cannot update contacts; left as it is"})
		}
		o = Matched
	}
	if t.resolved {
		o = t.resolvedOutcome()
	}
	t.done(o, tgt.ID)
	tgt.Keys = unionKeys(tgt.Keys, t.keys)
	t.newTarget = tgt.clone()
	return support.ContactUpdate{}, false
}

// updated finishes t, whose target contact took the update u (with the
// target's warnings warns).
func (r *runner) updated(t *task, u support.ContactUpdate, warns []support.Warning) {
	r.learn(warns)
	t.warns = append(t.warns, warns...)
	tgt := t.target
	tgt.Fields = apply(tgt.Fields, u)
	tgt.Keys = unionKeys(tgt.Keys, t.keys)
	o := Updated
	if t.resolved && t.write == WriteCreate {
		o = Created // then brought up to date
	}
	t.done(o, tgt.ID)
	t.newTarget = tgt.clone()
}

// refusedUpdate handles the target refusing t's update with err: it
// reports true when t is to be sent again without its phone
// (retryWithoutPhone), and otherwise fails t with the target's reason.
func (r *runner) refusedUpdate(t *task, err error) bool {
	if r.retryWithoutPhone(t, err) {
		return true
	}
	reason, _, _, _ := errorDetails(err)
	if errors.Is(err, support.ErrNotFound) {
		reason = fmt.Sprintf("target contact %q no longer exists: %s", t.target.ID, reason)
	}
	t.fail(Failed, reason, err)
	return false
}

// updateBatches brings groups' target contacts up to date with
// UpdateContacts calls of up to updBatch contacts, one task per target
// contact at a time (each group in order, its next task once the one
// before is finished). Unless flush, the updates short of a full batch
// wait, their tasks matched, for a later round. It reports whether it did
// anything.
func (r *runner) updateBatches(ctx context.Context, groups [][]*task, flush bool) (bool, error) {
	if len(r.dcaps.ListOmits) > 0 {
		if err := r.each(ctx, groups, r.readOmitted, nil); err != nil {
			return true, err
		}
	}
	did := false
	for {
		var send []*task
		var us []support.ContactUpdate
		finished := false
		for i, g := range groups {
			for len(g) > 0 && g[0].terminal() {
				g = g[1:]
			}
			groups[i] = g
			if len(g) == 0 {
				continue
			}
			u, ok := r.pendingUpdate(g[0])
			if !ok {
				r.settle(g[0])
				finished = true
				continue
			}
			send, us = append(send, g[0]), append(us, u)
		}
		if finished {
			did = true
			continue // the next tasks of those groups
		}
		n := len(send)
		if !flush {
			n = n / r.updBatch * r.updBatch
		}
		if n == 0 {
			return did, nil
		}
		did = true
		for i := 0; i < n; i += r.updBatch {
			end := min(i+r.updBatch, n)
			if err := r.updateChunk(ctx, send[i:end], us[i:end]); err != nil {
				return true, err
			}
		}
	}
}

// updateChunk sends the updates us of the tasks ts (one each, to distinct
// target contacts) in one UpdateContacts call, and maps each result as
// updateOne maps its UpdateContact's. The tasks the target refused for a
// rate limit or an outage (the whole call, or the part the Client did not
// send once it stopped) stay matched and are sent again in the next
// batch, after a pause: an update is idempotent. It returns an error when
// the run must stop.
func (r *runner) updateChunk(ctx context.Context, ts []*task, us []support.ContactUpdate) error {
	if r.dry {
		r.planned.Add(1)
		for i, t := range ts {
			r.updated(t, us[i], nil)
			r.settle(t)
		}
		return nil
	}
	patches := make([]support.ContactPatch, len(ts))
	for i, t := range ts {
		if err := r.attempt(t); err != nil {
			return err
		}
		patches[i] = support.ContactPatch{ID: t.target.ID, Update: us[i]}
	}
	r.writes.Add(1)
	res, err := r.dst.UpdateContacts(r.on(ctx, r.dst), patches)
	var stop, limited error
	attempts := 0
	for i, t := range ts {
		itemErr, warns := err, []support.Warning(nil)
		if res != nil && i < len(res.Items) {
			it := res.Items[i]
			itemErr, warns = it.Err, it.Warnings
			if itemErr == nil && it.Outcome == support.Failed {
				itemErr = errors.New("the target reported the update failed, without a reason")
			}
		}
		t.err = itemErr
		switch classify(ctx, itemErr, true) {
		case cOK:
			r.updated(t, us[i], warns)
		case cRecord:
			r.refusedUpdate(t, itemErr)
		case cTransient:
			limited, attempts = itemErr, max(attempts, t.attempts)
		case cFatal:
			stop = cmp.Or(stop, fmt.Errorf("migrate: write to the target: %w", itemErr))
		default:
			stop = cmp.Or(stop, stopped(ctx, itemErr))
		}
		r.settle(t)
	}
	switch {
	case stop != nil:
		return stop
	case limited == nil:
		return nil
	case attempts >= r.o.MaxAttempts:
		return fmt.Errorf("migrate: the target stayed unavailable: %w", limited)
	}
	return r.pause(ctx, attempts, limited)
}

// resolvedOutcome is the outcome of a write whose response was lost and
// whose contact was found in the target, when no later update of this run
// changed it. A create stored it: the batch strategy creates only the
// contacts that the index and the window showed absent. An upsert may have
// created the contact, updated it or found it up to date, and the target
// shows it only as it is after the write: not even its CreatedAt tells
// (another writer may have created it during the run), so it is Upserted
// rather than a guess.
func (t *task) resolvedOutcome() Outcome {
	if t.write == WriteCreate {
		return Created
	}
	return Upserted
}

func (t *Target) clone() *Target {
	c := *t
	c.Keys = slices.Clone(t.Keys)
	return &c
}

// roundUpsert is one round of the upsert strategy over the window (one
// source page): every open task is upserted, tasks sharing a key in order,
// the others concurrently; lost ones are resolved.
func (r *runner) roundUpsert(ctx context.Context) (bool, error) {
	var open, intents []*task
	for _, t := range r.tasks {
		if t.st == tTodo || t.st == tMatched {
			open = append(open, t)
			if t.st == tTodo {
				t.write = WriteUpsert
			}
			if t.st == tTodo && !r.idempotent(t) {
				intents = append(intents, t)
				// The upsert may end up sending it with a first name
				// filled in (upsertOne): that is the create to find again.
				if p, _, ok := r.firstNameFill(ctx, t.in); ok && !t.intent {
					t.intentIn = &p
				}
			}
		}
	}
	if len(open) == 0 {
		return false, nil
	}
	// An upsert that cannot match the contact by a key the target can also
	// look it up by is a plain create: it gets an intent like one.
	if err := r.commitIntents(intents); err != nil {
		return true, err
	}
	if err := r.each(ctx, connected(open), r.upsertOne, nil); err != nil {
		return true, err
	}
	return true, r.resolveWindow(ctx)
}

// idempotent reports whether upserting t twice cannot store two contacts:
// it has a key that the upsert matches on and that the target can look up.
func (r *runner) idempotent(t *task) bool {
	for _, k := range t.keys {
		kind := keyKind(k)
		if !slices.Contains(r.o.MatchKeys, kind) {
			continue
		}
		if (kind == support.MatchEmail && r.dcaps.Supports(support.OpGetByEmail)) ||
			(kind == support.MatchPhone && r.dcaps.Supports(support.OpGetByPhone)) {
			return true
		}
	}
	return false
}

func (r *runner) upsertOne(ctx context.Context, t *task) error {
	if t.st == tMatched {
		return r.updateOne(ctx, t)
	}
	if err := r.attempt(t); err != nil {
		return err
	}
	upsert := func() (res *support.ContactResult, err error) {
		err = r.retry(ctx, false, t, func() error {
			r.writes.Add(1)
			var err error
			res, err = r.dst.UpsertContact(r.on(ctx, r.dst), t.in, support.UpsertOptions{MatchKeys: r.o.MatchKeys})
			return err
		})
		return res, err
	}
	res, err := upsert()
	if err != nil && r.refusedForFirstName(t, err) && r.fillFirstName(ctx, t) {
		// The upsert found no contact to update, and the Client refused to
		// create it without a first name, before sending anything: sent
		// again with one, as the same attempt.
		r.writes.Add(-1)
		res, err = upsert()
	}
	if res == nil {
		res = &support.ContactResult{}
	}
	return r.applyWrite(ctx, t, res, err, false)
}

// connected groups tasks that share a key, in order, so that two source
// contacts of one person are never upserted at the same time (which could
// make two target contacts).
func connected(tasks []*task) [][]*task {
	parent := make([]int, len(tasks))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, t := range tasks {
		for _, k := range t.keys {
			if j, ok := owner[k]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[k] = i
			}
		}
	}
	at := map[int]int{}
	var groups [][]*task
	for i, t := range tasks {
		root := find(i)
		g, ok := at[root]
		if !ok {
			g = len(groups)
			at[root] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], t)
	}
	return groups
}

// maxGroupCommit bounds how many finished tasks each passes to after at
// once, so that each commit stays small.
const maxGroupCommit = 100

// each runs fn over the tasks of groups, up to Concurrency groups at a
// time, the tasks of one group in order. Finished tasks are settled from
// this goroutine as they finish and, when after is not nil, passed to it
// from this goroutine too: those finished meanwhile together (up to
// maxGroupCommit), so that a caller committing each step commits as often
// as it can without making fn wait. On the first
// error (of fn or after) no new task is started; it returns that error once
// every started one has returned and, unless after failed, every finished
// one was passed to after.
func (r *runner) each(ctx context.Context, groups [][]*task, fn func(context.Context, *task) error, after func([]*task) error) error {
	if len(groups) == 0 {
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		stop  atomic.Bool
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		stop.Store(true)
	}
	sem := make(chan struct{}, r.o.Concurrency)
	buffer := r.o.Concurrency
	if after != nil {
		// Room for every task, so that no lookup waits for a commit: the
		// tasks finished during one commit go together in the next.
		buffer = max(buffer, len(groups))
	}
	finished := make(chan *task, buffer)
	go func() {
		defer close(finished)
		for _, g := range groups {
			sem <- struct{}{}
			if stop.Load() {
				break
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for _, t := range g {
					if stop.Load() {
						return
					}
					if err := fn(ctx, t); err != nil {
						fail(err)
						return
					}
					finished <- t
				}
			}()
		}
		wg.Wait()
	}()
	var done []*task
	flush := func() {
		if len(done) == 0 {
			return
		}
		if err := after(done); err != nil {
			fail(err)
			after = nil // a failed State takes nothing more
		}
		done = nil
	}
	for t := range finished {
		r.settle(t)
		if after == nil {
			continue
		}
		done = append(done, t)
		if len(finished) == 0 || len(done) >= maxGroupCommit {
			flush()
		}
	}
	if after != nil {
		flush()
	}
	return first
}

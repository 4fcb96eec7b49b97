package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/deskbridge/deskbridge/support"
)

// resolveWindow resolves the window's tasks whose write outcome is unknown.
// Their results are committed with the window.
func (r *runner) resolveWindow(ctx context.Context) error {
	var lost []*task
	for _, t := range r.tasks {
		if t.st == tLookup {
			lost = append(lost, t)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	r.log.Debug("migrate: resolving writes with lost responses", "count", len(lost))
	return r.resolve(ctx, lost, nil)
}

// resolve looks up, in the target, contacts whose write may or may not have
// taken effect, and never writes. A task found becomes tMatched with
// resolved set (the found contact is the one written); one known not to be
// in the target becomes tTodo (the write did not take effect, so sending it
// again is safe); one that cannot be settled fails as Unresolved.
//
// Email and phone are looked up with GetContact, concurrently. A lookup
// that finds no contact with one of the task's keys settles it: a contact
// stored by the write would have that key. The contacts that these lookups
// cannot settle (the target cannot look them up, or finds only other
// contacts with their email or phone) are looked for by their fields in
// one listing of the target shared by all of them (see scan).
//
// settled, when not nil, is called from this goroutine with the tasks whose
// fate is known, a few at a time as they are settled, so that a caller can
// record each step before the next (a run stopped halfway keeps what it
// learnt). It is never called with a task still in tLookup. An error from
// it stops the resolution and is returned.
func (r *runner) resolve(ctx context.Context, tasks []*task, settled func([]*task) error) error {
	groups := make([][]*task, len(tasks))
	for i, t := range tasks {
		groups[i] = []*task{t}
	}
	var mu sync.Mutex
	var scan []*task
	canScan := r.dcaps.Supports(support.OpListContacts)
	lookedUp := func(ts []*task) error {
		ts = dropLookups(ts)
		if settled == nil || len(ts) == 0 {
			return nil
		}
		return settled(ts)
	}
	err := r.each(ctx, groups, func(ctx context.Context, t *task) error {
		c, absent, shadowed, err := r.lookup(ctx, t)
		if err != nil {
			return err
		}
		switch {
		case c != nil:
			r.found(t, c)
		case absent:
			t.st = tTodo
		case shadowed && r.strategy == StrategyUpsert && r.idempotent(t):
			// Sent again, the upsert matches the contact it finds by that
			// key, as it did the first time if it took effect.
			t.st = tTodo
		case canScan:
			mu.Lock()
			scan = append(scan, t)
			mu.Unlock()
		default:
			t.fail(Unresolved, "the write's response was lost and the target can neither look the contact up nor list its contacts; "+
				"it may be in the target: check before migrating it again", t.err)
		}
		return nil
	}, lookedUp)
	if err != nil || len(scan) == 0 {
		return err
	}
	return r.scan(ctx, scan, settled)
}

// dropLookups returns ts without the tasks still in tLookup, reusing its
// array.
func dropLookups(ts []*task) []*task {
	out := ts[:0]
	for _, t := range ts {
		if t.st != tLookup {
			out = append(out, t)
		}
	}
	return out
}

// found makes t the resolved match of the target contact c.
func (r *runner) found(t *task, c *support.Contact) {
	in := c.Input()
	t.st, t.resolved = tMatched, true
	t.target = &Target{ID: c.ID, Keys: unionKeys(t.keys, keysOf(&in)), Fields: in}
}

// lookup finds t's contact in the target by email, then phone. absent says
// a lookup found no contact at all with one of t's keys; shadowed, that a
// lookup found only another contact (GetContact returns the earliest contact
// with a key), which says nothing of t's own.
func (r *runner) lookup(ctx context.Context, t *task) (c *support.Contact, absent, shadowed bool, err error) {
	for _, k := range t.keys {
		var ref support.Ref
		value := k[strings.IndexByte(k, ':')+1:]
		switch keyKind(k) {
		case support.MatchEmail:
			if !r.dcaps.Supports(support.OpGetByEmail) {
				continue
			}
			ref = support.Email(value)
		case support.MatchPhone:
			if !r.dcaps.Supports(support.OpGetByPhone) {
				continue
			}
			ref = support.Phone(value)
		default:
			continue
		}
		var got *support.Contact
		err := r.retry(ctx, true, nil, func() error {
			r.reads.Add(1)
			var err error
			got, err = r.dst.GetContact(r.on(ctx, r.dst), ref)
			if errors.Is(err, support.ErrNotFound) {
				got, err = nil, nil
			}
			return err
		})
		switch {
		case err != nil:
			return nil, false, false, fmt.Errorf("migrate: look up %s in the target: %w", ref, err)
		case got == nil:
			absent = true
		case got.ID != "" && sameIdentity(got, &t.in):
			return got, false, false, nil
		default:
			shadowed = true
		}
	}
	return nil, absent, shadowed, nil
}

// scan settles the tasks that the lookups could not (the target cannot
// look them up by any of their keys, or returns another contact with their
// email or phone) by one listing of the whole target, shared by all of
// them. A listed contact is a candidate for a task when it holds exactly
// the task's identifying fields (names, email ignoring case, phone in
// E.164, external ID: each set on both or on neither) and its custom
// fields (support.HasFields), and when it is new: not a contact that the
// index shows was in the target before this pass wrote anything or that
// the pass mapped since (StrategyBatch), and not one that another task of
// the window holds. The tasks with the same identifying fields share their
// candidates: each write stores one contact, so with no more candidates
// than tasks each candidate is one task's write (found, resolved) and the
// tasks left over are provably absent (sent again); more candidates than
// tasks (another writer, or contacts that were there before a pass
// without an index) cannot be told apart, and those tasks are Unresolved.
// settled is as in resolve.
func (r *runner) scan(ctx context.Context, tasks []*task, settled func([]*task) error) error {
	groups := map[string][]*task{}
	var order []string
	for _, t := range tasks {
		k := identity(t.in)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	held := r.heldInWindow(tasks)
	candidates := map[string][]support.Contact{}
	for p, err := range support.Pages(ctx, "", r.list(r.dst)) {
		if err != nil {
			return fmt.Errorf("migrate: look for contacts with lost writes in a listing of the target: %w", err)
		}
		for _, c := range p.Items {
			k := identity(c.Input())
			g := groups[k]
			if len(g) == 0 || c.ID == "" || held[c.ID] || !support.HasFields(c, g[0].in) {
				continue
			}
			before, err := r.inIndex(c.ID)
			if err != nil {
				return err
			}
			if !before {
				candidates[k] = append(candidates[k], c)
			}
		}
	}
	for _, k := range order {
		g, cs := groups[k], candidates[k]
		for i, t := range g {
			switch {
			case len(cs) > len(g):
				t.fail(Unresolved, fmt.Sprintf("the write's response was lost and the target holds %d new contacts with the same fields "+
					"for %d such writes, so which one is this contact's cannot be told; check before migrating it again", len(cs), len(g)), t.err)
			case i < len(cs):
				r.found(t, &cs[i])
			default:
				t.st = tTodo // not in the target: the write did not take effect
			}
		}
	}
	if settled != nil {
		return settled(tasks)
	}
	return nil
}

// identity is the identifying fields of a contact's input, normalized as
// the target's lookups compare them: names as they are, the email
// case-folded, the phone in E.164 when it normalizes, the external ID.
func identity(in support.ContactInput) string {
	email, phone := in.Email, in.Phone
	if email != "" {
		email = support.EmailKey(email)
	}
	if p, err := support.NormalizePhone(phone); err == nil {
		phone = p
	}
	return strings.Join([]string{in.FirstName, in.LastName, email, phone, in.ExternalID}, "\x00")
}

// heldInWindow returns the IDs of the target contacts that tasks of the
// window (and tasks, being resolved) are known to hold: they are no other
// task's lost write.
func (r *runner) heldInWindow(tasks []*task) map[string]bool {
	held := map[string]bool{}
	for id := range r.byID {
		held[id] = true
	}
	for _, ts := range [][]*task{r.tasks, tasks} {
		for _, t := range ts {
			if t.st == tDone && t.targetID != "" {
				held[t.targetID] = true
			}
			if t.st == tMatched && t.target != nil {
				held[t.target.ID] = true
			}
		}
	}
	return held
}

// inIndex reports whether the State's index holds the target contact id:
// it was listed when the pass indexed the target, or stored by the pass
// since. Without an index (StrategyUpsert) nothing is known.
func (r *runner) inIndex(id string) (bool, error) {
	if !r.indexes() {
		return false, nil
	}
	_, ok, err := r.st.Target(id)
	if err != nil {
		return false, fmt.Errorf("migrate: read state: %w", err)
	}
	return ok, nil
}

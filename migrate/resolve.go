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
// stored by the write would have that key. External IDs have no Ref: only
// the contacts that these lookups cannot settle (the target cannot look
// them up, or finds only other contacts with their email or phone) are
// matched by external ID, in one listing of the target shared by all of
// them, which ends once every one of them is found.
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
		case canScan && t.in.ExternalID != "":
			mu.Lock()
			scan = append(scan, t)
			mu.Unlock()
		case shadowed && r.strategy == StrategyUpsert && r.idempotent(t):
			// Sent again, the upsert matches the contact it finds by that
			// key, as it did the first time if it took effect.
			t.st = tTodo
		case shadowed:
			t.fail(Unresolved, "the write's response was lost and the target's lookups by the contact's email or phone "+
				"return another contact (the earliest with it), so whether it was stored cannot be told; "+
				"it may be in the target: check before migrating it again", t.err)
		default:
			t.fail(Unresolved, "the write's response was lost and the contact has no email or phone the target can look it up by; "+
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

// scan lists the target and matches the tasks by external ID (and
// identity), stopping once all are found; the ones not found did not take
// effect. settled is as in resolve.
func (r *runner) scan(ctx context.Context, tasks []*task, settled func([]*task) error) error {
	want := map[string][]*task{}
	for _, t := range tasks {
		want[t.in.ExternalID] = append(want[t.in.ExternalID], t)
	}
	left := len(tasks)
	for p, err := range support.Pages(ctx, "", r.list(r.dst)) {
		if err != nil {
			return fmt.Errorf("migrate: look up contacts by external ID in the target: %w", err)
		}
		var got []*task
		for i := range p.Items {
			c := &p.Items[i]
			for _, t := range want[c.ExternalID] {
				if t.st == tLookup && sameIdentity(c, &t.in) {
					r.found(t, c)
					got = append(got, t)
				}
			}
		}
		left -= len(got)
		if settled != nil && len(got) > 0 {
			if err := settled(got); err != nil {
				return err
			}
		}
		if left == 0 {
			return nil
		}
	}
	var gone []*task
	for _, t := range tasks {
		if t.st == tLookup {
			t.st = tTodo
			gone = append(gone, t)
		}
	}
	if settled != nil {
		return settled(gone)
	}
	return nil
}

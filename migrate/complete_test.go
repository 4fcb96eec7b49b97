package migrate

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// omitting is a platform whose list leaves the phone out (as TidySupport's
// does) and says so in Capabilities.ListOmits; GetContact has it.
type omitting struct{ *store }

func (o omitting) Capabilities() support.Capabilities {
	caps := o.store.Capabilities()
	caps.ListOmits = []string{"phone"}
	return caps
}

func (o omitting) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	p, err := o.store.ListContacts(ctx, opts)
	for i := range p.Items {
		p.Items[i].Phone = ""
	}
	return p, err
}

// Item 3: a source whose list omits the phone is read contact by contact,
// so every phone reaches the target; the reads are counted, and the dry run
// makes and counts them too.
func TestCompleteSourceReads(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	ps := people(40) // every tenth has a phone
	src.seed(ps...)
	phones := 0
	for _, p := range ps {
		if p.Phone != "" {
			phones++
		}
	}
	require.Positive(t, phones)

	plan, err := Run(context.Background(), client(omitting{src}), client(dst), Options{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, 40, plan.SourceReads)

	gets := src.gets.Load()
	rep := run(t, omitting{src}, dst, Options{})
	assert.Equal(t, plan.Counts, rep.Counts)
	assert.Equal(t, 40, rep.SourceReads)
	assert.EqualValues(t, 40, src.gets.Load()-gets, "one read per contact")
	got := 0
	for _, c := range dst.all() {
		if c.Phone != "" {
			got++
		}
	}
	assert.Equal(t, phones, got, "phones in the target")
}

// Item 4: a target whose list omits the phone: the dry run reads a matched
// contact before comparing it, so it plans what the run does (up to date,
// no write) instead of a difference in the phone. With either strategy and
// with a FileState too, whose index once forgot that a contact came from
// the list: the batch strategy's run then compared without reading, and
// sent the phones the target had.
func TestPlanReadsWhatTheTargetListOmits(t *testing.T) {
	for _, maxBatch := range []int{1, 100} {
		for _, file := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/file=%v", strategyName(maxBatch), file), func(t *testing.T) {
				src, inner := newStore("src", 1), newStore("dst", maxBatch)
				ps := people(20)
				src.seed(ps...)
				for _, p := range ps {
					p.ID = ""
					inner.seed(p)
				}
				dst := omitting{inner}
				state := func() State {
					if file {
						return openState(t)
					}
					return nil
				}
				plan := run(t, src, dst, Options{DryRun: true, State: state()})
				rep := run(t, src, dst, Options{State: state()})
				assert.Equal(t, Counts{Unchanged: 20}, rep.Counts)
				assert.Equal(t, rep.Counts, plan.Counts, "the plan is the run")
				assert.Equal(t, rep.WriteCalls, plan.PlannedWriteCalls)
			})
		}
	}
}

// brokenLater is a source whose pages after the first fail, as a page
// without its list key does once support.Pages refuses it (ErrUnavailable).
type brokenLater struct{ *store }

func (b brokenLater) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	if opts.Cursor != "" {
		return support.Page[support.Contact]{}, &support.Error{Kind: support.ErrUnavailable, Message: "page without its list"}
	}
	return b.store.ListContacts(ctx, opts)
}

// R7: a migration whose source listing failed on a later page is never
// reported complete, and the next run resumes it.
func TestFailedSourceListingIsNeverComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, dst := newStore("src", 1), newStore("dst", 100)
		src.pageSize = 10
		src.seed(people(30)...)
		st := newMemState()
		rep, err := Run(context.Background(), client(brokenLater{src}), client(dst), Options{State: st})
		require.Error(t, err)
		assert.ErrorIs(t, err, support.ErrUnavailable)
		assert.False(t, rep.Complete)
		assert.Zero(t, rep.Deleted, "no deletion is inferred from an incomplete pass")
		again := run(t, src, dst, Options{State: st})
		assert.True(t, again.Complete)
		assert.Len(t, dst.all(), 30)
	})
}

// inboxLike is a target whose list omits the phone and whose GetContact
// lacks the external ID that its list and lookups have (TidySupport's
// inbox contact has no externalId, its Customers API has), and that
// updates contacts only with update.
type inboxLike struct {
	omitting
	update bool
}

func (o inboxLike) Capabilities() support.Capabilities {
	caps := o.omitting.Capabilities()
	if !o.update {
		caps = without(caps, caps.MaxBatch, support.OpUpdateContact)
	}
	return caps
}

func (o inboxLike) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	c, err := o.store.GetContact(ctx, id)
	if c != nil {
		c.ExternalID = ""
	}
	return c, err
}

// A matched contact read because the target's list omits fields takes
// only those fields from the read (support.MergeOmitted), not the
// external ID that the read lacks: the plan is the run (up to date).
func TestPlanTakesOnlyTheOmittedFieldsFromARead(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	ps := people(20)
	src.seed(ps...)
	for _, p := range ps {
		p.ID = ""
		inner.seed(p)
	}
	dst := inboxLike{omitting{inner}, true}
	plan := run(t, src, dst, Options{DryRun: true})
	rep := run(t, src, dst, Options{})
	assert.Equal(t, Counts{Unchanged: 20}, rep.Counts)
	assert.Equal(t, rep.Counts, plan.Counts, "the plan is the run")
	assert.Equal(t, rep.WriteCalls, plan.PlannedWriteCalls)
}

// A dry run of StrategyUpsert compares a contact changed in the source
// with its target contact read by ID, as the run does, not with the
// listing: its counts are the run's whatever the target's get lacks.
func TestPlanOfAChangeReadsLikeTheRun(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(people(10)...)
	dst := inboxLike{omitting{inner}, false}
	st := openState(t)
	first := run(t, src, dst, Options{State: st})
	require.Equal(t, 10, first.Created)
	// Changed in the source, and in the target alike.
	src.edit("src_000000", support.ContactUpdate{LastName: support.Ptr("Both")})
	for _, c := range inner.all() {
		if c.Email == person(0).Email {
			inner.edit(c.ID, support.ContactUpdate{LastName: support.Ptr("Both")})
		}
	}

	plan := run(t, src, dst, Options{State: st, DryRun: true})
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, rep.Counts, plan.Counts, "the plan is the run")
	assert.Equal(t, 9, rep.Skipped)
}

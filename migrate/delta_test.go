package migrate

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// Item 13: contacts changed in the source after they were migrated are
// brought up to date, one write each carrying only what differs, counted in
// Changed; the dry run predicts it; nothing changed sends nothing; contacts
// deleted in the source are reported, never deleted in the target.
func TestDeltaSync(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(fmt.Sprintf("batch=%d", maxBatch), func(t *testing.T) {
			ctx := context.Background()
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			src.seed(people(30)...)
			st := openState(t)
			first := run(t, src, dst, Options{State: st})
			require.Equal(t, 30, first.Created)

			for i := range 5 {
				src.edit(fmt.Sprintf("src_%06d", i*3), support.ContactUpdate{LastName: support.Ptr(fmt.Sprintf("Edited%d", i))})
			}
			require.NoError(t, client(src).DeleteContact(ctx, support.ID("src_000029")))
			require.NoError(t, client(src).DeleteContact(ctx, support.ID("src_000028")))

			plan := run(t, src, dst, Options{State: st, DryRun: true})
			assert.Equal(t, Counts{Changed: 5, Skipped: 23}, plan.Counts, "plan")
			assert.Equal(t, 5, plan.PlannedWriteCalls)

			before := dst.writes()
			patches := dst.updates.Load()
			delta := run(t, src, dst, Options{State: st})
			assert.Equal(t, plan.Counts, delta.Counts, "the plan is the run")
			assert.Equal(t, 5, delta.WriteCalls)
			assert.EqualValues(t, 5, dst.writes()-before, "writes the target saw")
			assert.EqualValues(t, 5, dst.updates.Load()-patches, "one update each")
			assert.Equal(t, 2, delta.Deleted, "deleted in the source")
			require.Len(t, delta.DeletedInSource, 2)
			assert.Equal(t, "src_000028", delta.DeletedInSource[0].SourceID)
			assert.Len(t, dst.all(), 30, "nothing is deleted in the target")
			last := map[string]bool{}
			for _, c := range dst.all() {
				last[c.LastName] = true
			}
			for i := range 5 {
				assert.True(t, last[fmt.Sprintf("Edited%d", i)], "Edited%d in the target", i)
			}

			before = dst.writes()
			again := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Skipped: 28}, again.Counts)
			assert.Zero(t, again.WriteCalls)
			assert.Equal(t, before, dst.writes())
		})
	}
}

// Item 13: an ID map written by an earlier version has no fingerprints:
// its first re-run adopts the current ones and sends nothing (it cannot
// tell what changed), and later changes are sent.
func TestDeltaAdoptsMissingFingerprints(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(10)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	es, err := st.Entries("", 100)
	require.NoError(t, err)
	for i := range es {
		es[i].Fingerprint = ""
	}
	require.NoError(t, st.Commit(&Commit{Entries: es}))
	src.edit("src_000001", support.ContactUpdate{LastName: support.Ptr("Before")})

	before := dst.writes()
	adopt := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Skipped: 10}, adopt.Counts)
	assert.Equal(t, before, dst.writes())
	e, _, _ := st.Entry("src_000001")
	assert.Equal(t, fingerprint(mapped(t, src, "src_000001")), e.Fingerprint, "adopted")

	src.edit("src_000001", support.ContactUpdate{LastName: support.Ptr("After")})
	delta := run(t, src, dst, Options{State: st})
	assert.Equal(t, Counts{Changed: 1, Skipped: 9}, delta.Counts)
	assert.Equal(t, 1, delta.WriteCalls)
}

// mapped returns DefaultMap of the source contact id.
func mapped(t *testing.T, s *store, id string) support.ContactInput {
	t.Helper()
	c, err := client(s).GetContact(context.Background(), support.ID(id))
	require.NoError(t, err)
	in, _ := DefaultMap(*c)
	return in
}

// Issue 11: a change of city, email consent, lifecycle or avatar URL in
// the source reaches the target (migrate's own diff compares them); the
// first run carries them too.
func TestNewContactFieldsAreMigrated(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(fmt.Sprintf("batch=%d", maxBatch), func(t *testing.T) {
			src, dst := newStore("src", 1), newStore("dst", maxBatch)
			c := person(1)
			c.City, c.EmailConsent, c.Lifecycle, c.AvatarURL = "Paris", support.ConsentSubscribed, "Lead", "https://example.com/1.png"
			src.seed(c, person(2))
			st := openState(t)
			first := run(t, src, dst, Options{State: st})
			require.Equal(t, 2, first.Created)
			byEmail := func() support.Contact {
				for _, got := range dst.all() {
					if got.Email == c.Email {
						return got
					}
				}
				t.Fatalf("%s is not in the target", c.Email)
				return support.Contact{}
			}
			got := byEmail()
			assert.Equal(t, []string{"Paris", "subscribed", "Lead", "https://example.com/1.png"},
				[]string{got.City, string(got.EmailConsent), got.Lifecycle, got.AvatarURL})

			src.edit("src_000001", support.ContactUpdate{City: support.Ptr("Lyon"), EmailConsent: support.Ptr(support.ConsentUnsubscribed),
				Lifecycle: support.Ptr("Customer"), AvatarURL: support.Ptr("https://example.com/2.png")})
			plan := run(t, src, dst, Options{State: st, DryRun: true})
			delta := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Changed: 1, Skipped: 1}, delta.Counts)
			assert.Equal(t, plan.Counts, delta.Counts, "the plan is the run")
			assert.Equal(t, 1, delta.WriteCalls)
			got = byEmail()
			assert.Equal(t, []string{"Lyon", "unsubscribed", "Customer", "https://example.com/2.png"},
				[]string{got.City, string(got.EmailConsent), got.Lifecycle, got.AvatarURL})
		})
	}
}

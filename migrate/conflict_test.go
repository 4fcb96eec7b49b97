package migrate

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// The identity rule: two source people who share a phone but have
// different emails are never merged. The first is migrated; the second is
// a Conflict, counted apart from the failures and listed with the target
// contact its phone found, in both strategies and in the dry run, whether
// the first is created by the run or was in the target already. The next
// run tries it again: a conflict again, and no write.
func TestSharedPhoneIsAConflictNotAMerge(t *testing.T) {
	const phone = "+442079460958"
	ann := support.Contact{ID: "ann", FirstName: "Ann", Email: "ann@example.com", Phone: phone}
	bea := support.Contact{ID: "bea", FirstName: "Bea", Email: "bea@example.com", Phone: phone}
	for _, maxBatch := range []int{100, 1} {
		for _, there := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ann in the target=%v", strategyName(maxBatch), there), func(t *testing.T) {
				src, dst := newStore("src", 1), newStore("dst", maxBatch)
				src.seed(ann, bea, person(1))
				want := Counts{Created: 2, Conflicts: 1}
				if there {
					old := ann
					old.ID, old.FirstName = "", "Old"
					dst.seed(old)
					want = Counts{Created: 1, Updated: 1, Conflicts: 1}
				}
				st := openState(t)
				plan := run(t, src, dst, Options{State: st, DryRun: true})
				require.Zero(t, dst.writes(), "the dry run wrote")
				rep := run(t, src, dst, Options{State: st})
				assert.Equal(t, want, plan.Counts, "plan")
				assert.Equal(t, want, rep.Counts, "run")
				assert.Equal(t, 1, rep.NotMigrated())
				assert.True(t, rep.Complete)

				// Nothing merged: Ann's contact is Ann's, and Bea has none.
				got := dst.all()
				require.Len(t, got, 2)
				var annT support.Contact
				for _, c := range got {
					assert.NotEqual(t, bea.Email, c.Email, "Bea was written")
					if c.Email == ann.Email {
						annT = c
					}
				}
				assert.Equal(t, "Ann", annT.FirstName)
				assert.Equal(t, phone, annT.Phone)

				for name, r := range map[string]*Report{"plan": plan, "run": rep} {
					assert.Empty(t, r.Failures, name)
					require.Len(t, r.IdentityConflicts, 1, name)
					c := r.IdentityConflicts[0]
					assert.Equal(t, "bea", c.SourceID, name)
					assert.Equal(t, 1, c.Index, name)
					assert.Equal(t, support.MatchPhone, c.Key, name)
					assert.Equal(t, support.MatchEmail, c.Contradicted, name)
					assert.Equal(t, bea.Email, c.Input.Email, name)
					assert.Contains(t, c.Reason, "another person", name)
					assert.NotEmpty(t, c.TargetID, name)
				}
				assert.Equal(t, annT.ID, rep.IdentityConflicts[0].TargetID)
				if there {
					assert.Equal(t, annT.ID, plan.IdentityConflicts[0].TargetID)
				}

				e, ok, err := st.Entry("bea")
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, Conflict, e.Outcome)
				assert.Empty(t, e.TargetID)
				assert.Contains(t, e.Reason, annT.ID)

				writes := dst.writes()
				again := run(t, src, dst, Options{State: st})
				assert.Equal(t, Counts{Skipped: 2, Conflicts: 1}, again.Counts, "re-run")
				assert.Equal(t, writes, dst.writes(), "re-run wrote")
				assert.Len(t, dst.all(), 2)
			})
		}
	}
}

// An earlier key that contradicts a match is any of the match keys, in the
// order given: an external ID contradicts an email match, and with the
// phone before the email, a shared phone matches even when the emails
// differ (the caller said the phone comes first).
func TestIdentityRuleFollowsTheMatchKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []support.MatchKey
		in   support.Contact
		want Counts
		key  support.MatchKey
		by   support.MatchKey
	}{
		{"external ID contradicts the email", nil,
			support.Contact{ID: "b", FirstName: "Bea", Email: "ann@example.com", ExternalID: "crm-2"},
			Counts{Conflicts: 1}, support.MatchEmail, support.MatchExternalID},
		{"phone first matches", []support.MatchKey{support.MatchPhone, support.MatchEmail},
			support.Contact{ID: "b", FirstName: "Bea", Email: "bea@example.com", Phone: "+442079460958"},
			Counts{Updated: 1}, "", ""},
		{"email case and phone format agree", nil,
			support.Contact{ID: "b", FirstName: "Ann", Email: "ANN@example.com", Phone: "+44 20 7946 0958", ExternalID: "crm-1"},
			Counts{Unchanged: 1}, "", ""},
	} {
		for _, maxBatch := range []int{100, 1} {
			t.Run(tc.name+"/"+strategyName(maxBatch), func(t *testing.T) {
				src, dst := newStore("src", 1), newStore("dst", maxBatch)
				src.seed(tc.in)
				dst.seed(support.Contact{FirstName: "Ann", Email: "ann@example.com", Phone: "+442079460958", ExternalID: "crm-1"})
				opts := Options{MatchKeys: tc.keys}
				plan := run(t, src, dst, Options{MatchKeys: tc.keys, DryRun: true})
				rep := run(t, src, dst, opts)
				assert.Equal(t, tc.want, plan.Counts, "plan")
				assert.Equal(t, tc.want, rep.Counts, "run")
				assert.Len(t, dst.all(), 1)
				if tc.key == "" {
					assert.Empty(t, rep.IdentityConflicts)
					return
				}
				require.Len(t, rep.IdentityConflicts, 1)
				assert.Equal(t, tc.key, rep.IdentityConflicts[0].Key)
				assert.Equal(t, tc.by, rep.IdentityConflicts[0].Contradicted)
				assert.Equal(t, "Ann", dst.all()[0].FirstName, "merged")
			})
		}
	}
}

// Conflicts are capped in the report like failures, and named in its JSON
// apart from the count.
func TestConflictsInTheReport(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	dst.seed(support.Contact{FirstName: "Ann", Email: "ann@example.com", Phone: "+442079460958"})
	for i := range 3 {
		src.seed(support.Contact{ID: fmt.Sprint("p", i), Email: fmt.Sprintf("p%d@example.com", i), Phone: "+442079460958"})
	}
	rep := run(t, src, dst, Options{ReportLimit: 2})
	assert.Equal(t, Counts{Conflicts: 3}, rep.Counts)
	assert.Len(t, rep.IdentityConflicts, 2)
	assert.Equal(t, 1, rep.IdentityConflictsOmitted)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, 3.0, m["conflicts"])
	assert.Len(t, m["identity_conflicts"], 2)
	assert.Equal(t, 1.0, m["identity_conflicts_omitted"])
	first := m["identity_conflicts"].([]any)[0].(map[string]any)
	for _, k := range []string{"source_id", "index", "target_id", "key", "contradicted", "input", "reason"} {
		assert.Contains(t, first, k)
	}
}

package migrate

import (
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// With no fault at all, a Tidio whose batch answer carries no IDs (its body
// is not documented) stores every contact once: the Client finds those
// with an email by looking them up, and migrate finds the others (a name
// only, a name and a phone: Tidio looks contacts up by email alone) in a
// listing of the target, as new contacts with their fields. None is
// reported failed, and a re-run sends nothing.
func TestBatchAnswerWithoutIDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := tidiotest.NewInProcess(tidiotest.Options{Seed: 1, BatchWithoutIDs: true})
		dst, err := tidio.New(tidio.Config{
			ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret, BaseURL: "http://localhost",
			HTTPClient: &http.Client{Transport: &sim.Transport{Handler: s}}, RequestsPerMinute: -1,
		})
		require.NoError(t, err)
		src := newStore("src", 1)
		cs := people(150)
		keyless := 0
		for i := range cs {
			cs[i].Tags = nil
			switch i % 10 {
			case 4: // a name only
				cs[i].Email, cs[i].Phone, cs[i].ExternalID = "", "", ""
				keyless++
			case 7: // a name and a phone
				cs[i].Email, cs[i].ExternalID, cs[i].Phone = "", "", fmt.Sprintf("+44207946%04d", i)
				keyless++
			}
		}
		src.seed(cs...)
		st := openState(t)
		rep, err := Run(t.Context(), client(src), dst, Options{State: st})
		require.NoError(t, err)
		assert.Equal(t, Counts{Created: 150}, rep.Counts)
		assert.Empty(t, rep.Failures)
		assert.Equal(t, 150, rep.Resolved, "every answer was without IDs")
		stored := s.Contacts()
		assert.Len(t, stored, 150, "each contact once")
		assert.Equal(t, 2, s.Stats.Counts()["POST /contacts/batch"], "batches: none sent again")
		for _, c := range src.all() {
			e, ok, err := st.Entry(c.ID)
			require.NoError(t, err)
			require.True(t, ok, c.ID)
			assert.Equal(t, Created, e.Outcome, c.ID)
		}
		assert.Equal(t, 30, keyless)
		again, err := Run(t.Context(), client(src), dst, Options{State: st})
		require.NoError(t, err)
		assert.Equal(t, Counts{Skipped: 150}, again.Counts, "re-run")
		assert.Zero(t, again.WriteCalls, "re-run")
	})
}

// firstNameToCreate is a target with a rule for new contacts only, as
// respond.io's first name (support.CreateChecker).
type firstNameToCreate struct{ contactDriver }

func (firstNameToCreate) CheckCreate(in support.ContactInput) error {
	if in.FirstName == "" {
		return &support.Error{Kind: support.ErrInvalid, Message: "a first name is needed to create a contact"}
	}
	return nil
}

// A dry run predicts the refusals of a rule that the target applies only
// when it creates (support.Client.CheckCreate): its counts and planned
// writes are the run's, with either strategy. A matched contact without a
// first name is updated, not refused; a new one is refused, costing no
// write.
func TestPlanAppliesTheCreateRule(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", maxBatch)
			src.seed(
				support.Contact{ID: "new", FirstName: "Ann", Email: "ann@example.com"},
				support.Contact{ID: "nameless", Email: "nobody@example.com"},
				support.Contact{ID: "known", Email: "known@example.com", Language: "fr"},
			)
			inner.seed(support.Contact{FirstName: "Kim", Email: "known@example.com"})
			dst := firstNameToCreate{inner}
			st := openState(t)
			plan := run(t, src, dst, Options{State: st, DryRun: true})
			want := Counts{Created: 1, Updated: 1, Failed: 1}
			assert.Equal(t, want, plan.Counts, "plan")
			got := run(t, src, dst, Options{State: st})
			assert.Equal(t, want, got.Counts, "run")
			assert.Equal(t, plan.PlannedWriteCalls, got.WriteCalls, "planned writes, and those sent")
			require.Len(t, got.Failures, 1)
			assert.Equal(t, "nameless", got.Failures[0].SourceID)
			assert.Contains(t, got.Failures[0].Reason, "first name")
			assert.Len(t, inner.all(), 2)
		})
	}
}

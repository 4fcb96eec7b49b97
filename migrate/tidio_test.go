package migrate

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/demodata"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// tidioProject starts an in-process Tidio simulator for project n (its own
// credentials) that defines the property "plan", and returns it with a
// Client of it.
func tidioProject(t *testing.T, n int) (*tidiotest.Server, *support.Client) {
	t.Helper()
	id, secret := fmt.Sprintf("ci_tidiotest%019d", n), fmt.Sprintf("cs_tidiotest%019d", n)
	s := tidiotest.NewInProcess(tidiotest.Options{Seed: uint64(n), ClientID: id, ClientSecret: secret})
	s.SeedProperty(tidiotest.PropertyDef{Name: "plan", Label: "plan", Type: "text"})
	c, err := tidio.New(tidio.Config{
		ClientID: support.Secret(id), ClientSecret: support.Secret(secret), BaseURL: "http://localhost",
		HTTPClient: &http.Client{Transport: &sim.Transport{Handler: s}}, RequestsPerMinute: -1,
	})
	require.NoError(t, err)
	return s, c
}

// A migration between two Tidio projects into a target it filled before,
// with a fresh state (a new state file, as after losing the old one, or to
// check): the plan is the run, and as the target holds every contact as the
// source has it, nothing is updated and no update is sent. Tidio stores an
// email consent on every contact ("unsubscribed" unless set), so an index
// of the target that forgot it (a FileState once kept only some of a
// target's fields) took every matched contact for changed: the run sent
// ~200 updates that changed nothing, where the plan, indexed in memory,
// had none. The contacts known by name only have no key to match them by,
// so each fresh state creates them again, in the plan as in the run.
func TestTidioToTidioFreshStatePlanIsRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srcSim, src := tidioProject(t, 1)
		dstSim, dst := tidioProject(t, 2)
		data := demodata.New(200, 1, false)
		for _, in := range data.Source {
			c := tidiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
				DistinctID: in.ExternalID, Language: in.Language, Country: in.Country}
			if len(in.Email)%3 == 0 {
				// Some subscribed (the others get Tidio's "unsubscribed"),
				// both spellings of one person alike.
				c.EmailConsent = "subscribed"
			}
			for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
				c.Properties = append(c.Properties, tidiotest.Property{Name: k, Value: in.CustomFields[k]})
			}
			srcSim.SeedContact(c)
		}
		first, err := Run(t.Context(), src, dst, Options{State: openState(t)})
		require.NoError(t, err, "the first run")
		require.True(t, first.Complete)
		require.NotZero(t, first.Created)
		before := dstSim.Contacts()

		plan, err := Run(t.Context(), src, dst, Options{State: openState(t), DryRun: true})
		require.NoError(t, err, "plan")
		writes, patches := dstSim.Writes(), dstSim.Requests("PATCH /contacts/batch")+dstSim.Requests("PATCH /contacts/{id}")
		got, err := Run(t.Context(), src, dst, Options{State: openState(t)})
		require.NoError(t, err, "run")

		assert.Equal(t, plan.Counts, got.Counts, "the plan is the run")
		assert.Equal(t, plan.PlannedWriteCalls, got.WriteCalls, "planned writes, and those sent")
		assert.Zero(t, got.Updated, "nothing differs in the target")
		assert.Zero(t, dstSim.Requests("PATCH /contacts/batch")+dstSim.Requests("PATCH /contacts/{id}")-patches,
			"no update on the wire")
		assert.Equal(t, data.NameOnly, got.Created, "only the contacts known by name only are created again")
		assert.Equal(t, 1, dstSim.Writes()-writes, "one batch create, of those")
		after := dstSim.Contacts()
		require.Len(t, after, len(before)+data.NameOnly)
		assert.Equal(t, before, after[:len(before)], "the contacts there before are as they were")
		for _, c := range after[len(before):] {
			assert.Empty(t, c.Email+c.Phone+c.DistinctID, "created again: %s %s, known by name only", c.FirstName, c.LastName)
		}
	})
}

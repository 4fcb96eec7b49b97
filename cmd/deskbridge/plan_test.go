package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/demodata"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// directions are the six migrations between the three vendors, and one
// between two accounts of one vendor: two Tidio projects (the sandbox's
// tidio-1 and tidio-2).
var directions = [][2]string{
	{"tidio", "respondio"}, {"respondio", "tidio"}, {"tidio", "tidysupport"},
	{"tidysupport", "tidio"}, {"respondio", "tidysupport"}, {"tidysupport", "respondio"},
	{"tidio", "tidio"},
}

// planCounts are the report fields a plan must predict.
type planCounts struct {
	Complete          bool `json:"complete"`
	Created           int  `json:"created"`
	Updated           int  `json:"updated"`
	Unchanged         int  `json:"unchanged"`
	Matched           int  `json:"matched"`
	Upserted          int  `json:"upserted"`
	Skipped           int  `json:"skipped"`
	Failed            int  `json:"failed"`
	Conflicts         int  `json:"conflicts"`
	Changed           int  `json:"changed"`
	WriteCalls        int  `json:"write_calls"`
	PlannedWriteCalls int  `json:"planned_write_calls"`
}

func (p planCounts) outcomes() [8]int {
	return [8]int{p.Created, p.Updated, p.Unchanged, p.Matched, p.Upserted, p.Skipped, p.Failed, p.Conflicts}
}

// sandboxPair starts fresh source and target simulators seeded as
// 'deskbridge sandbox' seeds them (every person of data in each, as far as
// the vendor can hold them), without rate limits, and returns the
// environment that points the CLI at them. Two of one vendor are two
// Tidio projects, the target the second, with a config file naming them
// tidio-1 and tidio-2 (as 'deskbridge sandbox --config-file' does) in the
// environment: see accountFlags.
func sandboxPair(t *testing.T, data *demodata.Data, from, to string) (env map[string]string, src, dst *simulator) {
	t.Helper()
	env = map[string]string{}
	var config strings.Builder
	config.WriteString("accounts:\n")
	for i, name := range []string{from, to} {
		project := 1
		if i == 1 && from == to {
			project = 2
		}
		s, err := startSimulator(name, simOptions{Seed: uint64(i + 1), Unlimited: true, Project: project})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		s.define("plan")
		for _, in := range data.Source {
			s.seed(in)
		}
		fmt.Fprintf(&config, "  %s-%d:\n    vendor: %s\n", name, project, name)
		for _, e := range s.vendor.env {
			val, ok := s.env[e.name]
			if !ok {
				continue
			}
			env[s.exportName(e)] = val
			if e.secret {
				fmt.Fprintf(&config, "    %s: {env: %s}\n", snakeCase(e.key), s.exportName(e))
			} else {
				fmt.Fprintf(&config, "    %s: %s\n", snakeCase(e.key), strconv.Quote(val))
			}
		}
		if i == 0 {
			src = s
		} else {
			dst = s
		}
	}
	if from == to {
		env[configEnv] = writeConfig(t, config.String())
	}
	return env, src, dst
}

// accountFlags are the --from and --to flags of the migration from one
// vendor to another, or between the two accounts of one vendor that
// sandboxPair names.
func accountFlags(from, to string) []string {
	if from == to {
		return []string{"--from", from + "-1", "--to", to + "-2"}
	}
	return []string{"--from", from, "--to", to}
}

// migrateJSON runs 'deskbridge migrate' with args and --json, decodes the
// report, and checks that the run was complete and exited as a complete
// run with these counts does.
func migrateJSON(t *testing.T, a *testApp, args ...string) planCounts {
	t.Helper()
	code := a.exec(context.Background(), append([]string{"migrate", "--json"}, args...)...)
	var p planCounts
	require.NoError(t, json.Unmarshal(a.out.Bytes(), &p), "exit %d: %s\n%s", code, a.out.String(), a.errOut.String())
	require.True(t, p.Complete, "deskbridge migrate %v: %s", args, a.errOut.String())
	require.Equal(t, exitFor(p), code, "deskbridge migrate %v: %s", args, a.errOut.String())
	return p
}

// exitFor is the exit code a complete run with these counts has.
func exitFor(p planCounts) int {
	if p.Failed+p.Conflicts > 0 {
		return exitNotMigrated
	}
	return exitOK
}

// R10 on the demo data, in all six directions and between two Tidio
// projects: the dry run's counts are the run's, and its planned write
// calls are the writes the target receives; a finished migration run
// again sends no write, rejected records included; after 100 source
// contacts change, the next run sends exactly one write for each of them.
// Between two accounts of one vendor, a migration with a fresh state into
// the filled target updates nothing, and plans as much.
func TestPlanIsTheRun(t *testing.T) {
	const n = 3000
	data := demodata.New(n, 7, false)
	for _, dir := range directions {
		t.Run(dir[0]+"_to_"+dir[1], func(t *testing.T) {
			t.Parallel()
			env, src, dst := sandboxPair(t, data, dir[0], dir[1])
			a := realApp(env)
			from := accountFlags(dir[0], dir[1])

			plan := migrateJSON(t, a, append(from, "--dry-run")...)
			writes := dst.stats.Writes()
			state := t.TempDir() + "/m.db"
			run := migrateJSON(t, a, append(from, "--state", state)...)
			assert.Equal(t, plan.outcomes(), run.outcomes(),
				"dry run (created, updated, unchanged, matched, upserted, skipped, failed, conflicts) %+v, run %+v", plan, run)
			assert.Equal(t, plan.PlannedWriteCalls, dst.stats.Writes()-writes, "planned write calls, and the writes the target saw")
			assert.Equal(t, run.WriteCalls, dst.stats.Writes()-writes, "the report's write calls are the writes the target saw")

			t.Logf("%s → %s: plan = run: created %d, updated %d, unchanged %d, matched %d, failed %d, conflicts %d; %d write requests planned and seen",
				dir[0], dir[1], run.Created, run.Updated, run.Unchanged, run.Matched, run.Failed, run.Conflicts, run.WriteCalls)

			if dir[0] == dir[1] {
				// Migrate again with a fresh state: the target holds every
				// source contact it accepts, each as the source has it (the
				// same people were seeded in both projects, and the run
				// created those it could not match), so nothing is planned
				// or sent as an update. The contacts without a key (a name
				// only) cannot be matched: each fresh state creates them
				// again, and the plan says how many.
				fresh := t.TempDir() + "/fresh.db"
				freshPlan := migrateJSON(t, a, append(from, "--state", fresh, "--dry-run")...)
				writes = dst.stats.Writes()
				freshRun := migrateJSON(t, a, append(from, "--state", fresh)...)
				assert.Equal(t, freshPlan.outcomes(), freshRun.outcomes(), "dry run %+v, run %+v", freshPlan, freshRun)
				assert.Equal(t, freshPlan.PlannedWriteCalls, dst.stats.Writes()-writes, "planned write calls, and the writes the target saw")
				assert.Equal(t, freshRun.WriteCalls, dst.stats.Writes()-writes, "the report's write calls are the writes the target saw")
				assert.Zero(t, freshPlan.Updated, "a fresh state into a filled target plans no update")
				assert.Zero(t, freshRun.Updated, "a fresh state into a filled target sends no update")
				assert.Equal(t, data.NameOnly, freshRun.Created, "the contacts with a name only, created again")
				t.Logf("%s → %s with a fresh state: created %d, updated %d, unchanged %d, matched %d, failed %d; %d write requests planned and seen",
					dir[0], dir[1], freshRun.Created, freshRun.Updated, freshRun.Unchanged, freshRun.Matched, freshRun.Failed, freshRun.WriteCalls)
			}

			// Run again: nothing changed, nothing is sent.
			writes = dst.stats.Writes()
			again := migrateJSON(t, a, append(from, "--state", state)...)
			assert.Zero(t, dst.stats.Writes()-writes, "a finished migration run again sends no write")
			assert.Zero(t, again.WriteCalls)
			assert.Equal(t, run.Failed, again.Failed, "rejected records stay reported")

			// Change 100 migrated contacts in the source: the next run
			// sends exactly their writes, one each (none where the target
			// cannot update contacts), and its dry run plans them. Where
			// the target has a batch update they go in batches: one for
			// up to 100, and one more for the source contacts that share
			// a target contact with another (duplicates in the source),
			// which are updated in order, one batch later.
			edited := editSource(t, a, src, dir[0], state, 100)
			changed, want, extra := edited, edited, 0
			switch caps := targetCaps(t, dst, dir[1]); {
			case !caps.Supports(support.OpUpdateContact):
				changed, want = 0, 0
			case caps.Supports(support.OpUpdateContacts) && caps.MaxBatchUpdate > 1:
				want, extra = (edited+caps.MaxBatchUpdate-1)/caps.MaxBatchUpdate, 1
			}
			deltaPlan := migrateJSON(t, a, append(from, "--state", state, "--dry-run")...)
			writes = dst.stats.Writes()
			delta := migrateJSON(t, a, append(from, "--state", state)...)
			assert.Equal(t, deltaPlan.outcomes(), delta.outcomes(), "dry run %+v, run %+v", deltaPlan, delta)
			assert.Equal(t, deltaPlan.Changed, delta.Changed, "dry run and run: changed")
			assert.Equal(t, deltaPlan.PlannedWriteCalls, dst.stats.Writes()-writes, "planned write calls, and the writes the target saw")
			assert.Equal(t, delta.WriteCalls, dst.stats.Writes()-writes, "the report's write calls are the writes the target saw")
			assert.GreaterOrEqual(t, delta.WriteCalls, want, "the writes of the changed contacts")
			assert.LessOrEqual(t, delta.WriteCalls, want+extra, "the writes of the changed contacts")
			assert.Equal(t, changed, delta.Changed)
			t.Logf("%s → %s: re-run %d writes; after editing %d source contacts, %d writes", dir[0], dir[1], again.WriteCalls, edited, delta.WriteCalls)
		})
	}
}

// targetCaps returns the Capabilities of the adapter of simulator s.
func targetCaps(t *testing.T, s *simulator, vendorName string) support.Capabilities {
	t.Helper()
	cfg, err := s.config()
	require.NoError(t, err)
	c, err := support.Open(context.Background(), vendorName, cfg)
	require.NoError(t, err)
	return c.Capabilities()
}

// editSource changes the last name of up to n contacts of the source that
// the state maps, and returns how many it changed.
func editSource(t *testing.T, a *testApp, src *simulator, vendorName, statePath string, n int) int {
	t.Helper()
	cfg, err := src.config()
	require.NoError(t, err)
	c, err := support.Open(context.Background(), vendorName, cfg)
	require.NoError(t, err)
	if !c.Capabilities().Supports(support.OpUpdateContact) {
		require.NotNil(t, src.edit, "%s: no way to change a source contact", vendorName)
	}
	st, err := migrate.OpenState(statePath)
	require.NoError(t, err)
	defer st.Close()
	edited := 0
	for ct, err := range support.AllContacts(context.Background(), c, support.ContactListOptions{}) {
		require.NoError(t, err)
		e, ok, err := st.Entry(ct.ID)
		require.NoError(t, err)
		if !ok || e.TargetID == "" || (e.Outcome != migrate.Created && e.Outcome != migrate.Updated && e.Outcome != migrate.Unchanged) {
			continue
		}
		last := fmt.Sprintf("Edited%d", edited)
		if src.edit != nil {
			require.True(t, src.edit(ct.ID, last))
		} else {
			_, err := c.UpdateContact(context.Background(), support.ID(ct.ID), support.ContactUpdate{LastName: &last})
			require.NoError(t, err)
		}
		if edited++; edited == n {
			break
		}
	}
	require.Equal(t, n, edited, "migrated contacts to edit")
	return edited
}

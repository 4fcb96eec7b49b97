package migrate

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
)

func TestFilledFirstName(t *testing.T) {
	long := strings.Repeat("é", MaxFilledFirstName+10)
	for _, tc := range []struct {
		src   FirstNameSource
		email string
		want  string
	}{
		{FirstNameFromEmail, "ada.lovelace+news@example.com", "ada.lovelace"},
		{FirstNameFromEmail, "Grace@example.com", "Grace"},
		{FirstNameFromEmail, "a+b+c@example.com", "a"},
		{FirstNameFromEmail, "+news@example.com", ""},
		{FirstNameFromEmail, "", ""},
		{FirstNameFromEmail, long + "@example.com", long[:2*MaxFilledFirstName]},
		{FirstNamePlaceholder, "ada@example.com", PlaceholderFirstName},
		{FirstNamePlaceholder, "", PlaceholderFirstName},
		{FirstNameOff, "ada@example.com", ""},
	} {
		got := filledFirstName(tc.src, &support.ContactInput{Email: tc.email})
		assert.Equal(t, tc.want, got, "%s %q", tc.src, tc.email)
	}
}

func TestUnknownFirstNameSource(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(person(1))
	_, err := Run(t.Context(), client(src), client(dst), Options{FirstNameFrom: "surname"})
	require.ErrorIs(t, err, support.ErrInvalid)
	assert.Contains(t, err.Error(), `"surname"`)
	assert.Zero(t, dst.writes())
}

// firstNameSeed is a source of four contacts: two without a first name and
// not in the target (one with an email, one with a phone only), one without
// a first name that the target holds under another name, and one with a
// first name.
func firstNameSeed(maxBatch int) (src, inner *store) {
	src, inner = newStore("src", 1), newStore("dst", maxBatch)
	src.seed(
		support.Contact{ID: "ada", LastName: "Lovelace", Email: "ada.lovelace+news@example.com"},
		support.Contact{ID: "phone", Phone: "+442079460958"},
		support.Contact{ID: "known", Email: "known@example.com", Language: "fr"},
		support.Contact{ID: "ann", FirstName: "Ann", Email: "ann@example.com"},
	)
	inner.seed(support.Contact{FirstName: "Kim", Email: "known@example.com"})
	return src, inner
}

// Issue 13, item 7: with a first name source, the contacts a target
// refuses to create for want of a first name are created with one, in
// both strategies; a contact matched to an existing one keeps its name; the
// dry run plans the same; each one filled is counted and warned about; and
// a re-run compares with the filled name and writes nothing.
func TestFirstNameFallback(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		for _, tc := range []struct {
			src       FirstNameSource
			want      Counts
			filled    int
			adaName   string
			phoneName string
		}{
			{FirstNameFromEmail, Counts{Created: 2, Updated: 1, Failed: 1}, 1, "ada.lovelace", ""},
			{FirstNamePlaceholder, Counts{Created: 3, Updated: 1}, 2, PlaceholderFirstName, PlaceholderFirstName},
		} {
			t.Run(strategyName(maxBatch)+"/"+string(tc.src), func(t *testing.T) {
				src, inner := firstNameSeed(maxBatch)
				dst := firstNameToCreate{inner}
				st := openState(t)
				opts := Options{State: st, FirstNameFrom: tc.src}
				plan := run(t, src, dst, Options{State: st, DryRun: true, FirstNameFrom: tc.src})
				got := run(t, src, dst, opts)
				for name, r := range map[string]*Report{"plan": plan, "run": got} {
					assert.Equal(t, tc.want, r.Counts, name)
					assert.Equal(t, tc.filled, r.FirstNamesFilled, name)
					assert.Equal(t, tc.filled, r.WarningCounts["first_name"], name)
				}
				assert.Equal(t, plan.PlannedWriteCalls, got.WriteCalls, "planned writes, and those sent")
				if tc.want.Failed > 0 {
					require.Len(t, got.Failures, 1)
					assert.Equal(t, "phone", got.Failures[0].SourceID, "no email to take a name from")
				}
				var ada *RecordWarning
				for i, w := range got.Warnings {
					if w.SourceID == "ada" && w.Field == "first_name" {
						ada = &got.Warnings[i]
					}
				}
				require.NotNil(t, ada, "warning for ada: %+v", got.Warnings)
				assert.Contains(t, ada.Message, `"`+tc.adaName+`"`)

				names := map[string]string{}
				for _, c := range inner.all() {
					names[c.Email+c.Phone] = c.FirstName
				}
				assert.Equal(t, tc.adaName, names["ada.lovelace+news@example.com"], "ada")
				assert.Equal(t, "Kim", names["known@example.com"], "the matched contact keeps its name")
				assert.Equal(t, "Ann", names["ann@example.com"])
				if tc.phoneName != "" {
					assert.Equal(t, tc.phoneName, names["+442079460958"], "phone only")
				} else {
					assert.NotContains(t, names, "+442079460958", "phone only")
				}
				e, _, err := st.Entry("ada")
				require.NoError(t, err)
				assert.Equal(t, Created, e.Outcome)

				writes := inner.writes()
				again := run(t, src, dst, opts)
				assert.Zero(t, again.WriteCalls, "re-run")
				assert.Equal(t, writes, inner.writes(), "re-run")
				assert.Zero(t, again.FirstNamesFilled, "re-run")
				assert.Equal(t, tc.want.Created+tc.want.Updated, again.Skipped, "re-run")

				// Turned off, nothing is written either: the target has
				// every value the source gives.
				off := run(t, src, dst, Options{State: st})
				assert.Equal(t, writes, inner.writes(), "re-run without the fallback")
				assert.Zero(t, off.WriteCalls, "re-run without the fallback")
			})
		}
	}
}

// The contacts refused for want of a first name by a run without the
// fallback are sent again, by themselves, once it is turned on (their
// fingerprint is that of the input with the name).
func TestFirstNameFallbackRetriesTheRefused(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := firstNameSeed(maxBatch)
			dst := firstNameToCreate{inner}
			st := openState(t)
			before := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Created: 1, Updated: 1, Failed: 2}, before.Counts)
			again := run(t, src, dst, Options{State: st})
			assert.Equal(t, Counts{Skipped: 2, Failed: 2}, again.Counts, "remembered")

			on := run(t, src, dst, Options{State: st, FirstNameFrom: FirstNamePlaceholder})
			assert.Equal(t, Counts{Created: 2, Skipped: 2}, on.Counts)
			assert.Equal(t, 2, on.FirstNamesFilled)
			assert.Equal(t, &Counts{Created: 3, Updated: 1}, on.Overall)
			assert.Len(t, inner.all(), 4)
		})
	}
}

// A target without a rule on first names is sent contacts as they are,
// with or without a fallback.
func TestFirstNameFallbackOnlyWhereNeeded(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := firstNameSeed(maxBatch)
			got := run(t, src, inner, Options{FirstNameFrom: FirstNamePlaceholder})
			assert.Equal(t, Counts{Created: 3, Updated: 1}, got.Counts)
			assert.Zero(t, got.FirstNamesFilled)
			for _, c := range inner.all() {
				assert.NotEqual(t, PlaceholderFirstName, c.FirstName, c.Email+c.Phone)
			}
		})
	}
}

// With respond.io's simulator as the target, its own rule (a first name to
// create a contact): without the fallback the nameless contacts fail; with
// it, every contact is migrated and the names are respond.io's, and a
// re-run sends no write.
func TestFirstNameFallbackOnRespondIO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := respondiotest.New(respondiotest.Options{})
		dst, err := respondio.New(respondio.Config{
			Token: respondiotest.Token, BaseURL: respondiotest.InProcessURL,
			HTTPClient: s.InProcess(), RateLimit: -1,
		})
		require.NoError(t, err)
		src := newStore("src", 1)
		cs := people(40)
		for i := range cs {
			if i%4 == 0 {
				cs[i].FirstName = ""
			}
		}
		src.seed(cs...)
		st := openState(t)
		without, err := Run(t.Context(), client(src), dst, Options{State: st})
		require.NoError(t, err)
		assert.Equal(t, Counts{Created: 30, Failed: 10}, without.Counts)
		assert.Contains(t, without.Failures[0].Reason, "first name")

		writes := s.Writes()
		with, err := Run(t.Context(), client(src), dst, Options{State: st, FirstNameFrom: FirstNameFromEmail})
		require.NoError(t, err)
		assert.Equal(t, Counts{Created: 10, Skipped: 30}, with.Counts)
		assert.Equal(t, 10, with.FirstNamesFilled)
		assert.Equal(t, &Counts{Created: 40}, with.Overall)
		assert.Greater(t, s.Writes(), writes)
		byEmail := map[string]string{}
		for _, c := range s.Contacts() {
			byEmail[c.Email] = c.FirstName
		}
		require.Len(t, byEmail, 40)
		assert.Equal(t, "person0", byEmail["person0@example.com"])
		assert.Equal(t, "First1", byEmail["person1@example.com"])

		writes = s.Writes()
		again, err := Run(t.Context(), client(src), dst, Options{State: st, FirstNameFrom: FirstNameFromEmail})
		require.NoError(t, err)
		assert.Equal(t, Counts{Skipped: 40}, again.Counts)
		assert.Equal(t, writes, s.Writes(), "re-run")
	})
}

// A contact that the target cannot look up (a phone only, on a target
// that finds contacts by email alone) and that the upsert strategy creates
// with a filled first name has an intent holding that name: a process
// killed after the create finds it again by its fields, and creates no
// second one.
func TestFilledIntentIsFoundAfterACrash(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 1)
	src.seed(support.Contact{ID: "phone", Phone: "+442079460958"}, person(1))
	dst := firstNameToCreate{capsOverride{inner, without(inner.caps, 1, support.OpGetByPhone)}}
	st := openState(t)
	opts := Options{FirstNameFrom: FirstNamePlaceholder}
	// Commit 1 starts the pass, 2 records the intent; the process dies
	// before recording the result.
	opts.State = &killState{State: st, left: 2}
	_, err := Run(t.Context(), client(src), client(dst), opts)
	require.ErrorIs(t, err, errKilled)
	require.Len(t, inner.all(), 2)
	p, err := st.Pending()
	require.NoError(t, err)
	require.Len(t, p, 1)
	require.NotNil(t, p[0].Input)
	assert.Equal(t, PlaceholderFirstName, p[0].Input.FirstName, "the intent's input")

	opts.State = st
	rep := run(t, src, dst, opts)
	assert.Equal(t, 1, rep.Resolved)
	assert.Empty(t, rep.Failures)
	assert.Len(t, inner.all(), 2, "no contact created twice")
	e, _, err := st.Entry("phone")
	require.NoError(t, err)
	assert.Equal(t, Upserted, e.Outcome)
}

package migrate

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/deskbridge/deskbridge/support"
)

// snakeKey is what every key of a report's JSON looks like.
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// jsonKeys returns the object keys of a decoded JSON value, at any depth,
// with the path to each; the keys of maps that hold data (custom fields,
// warning counts by field) are not names and are left out.
func jsonKeys(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out[path+"."+k] = k
			if k == "custom_fields" || k == "warning_counts" {
				continue
			}
			jsonKeys(x, path+"."+k, out)
		}
	case []any:
		for _, x := range v {
			jsonKeys(x, path+"[]", out)
		}
	}
}

// Issue 13, item 4: a report's JSON has one key casing, snake_case, down to
// the inputs of its failures and conflicts and the warnings they carry.
func TestReportJSONIsSnakeCase(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(
		support.Contact{ID: "nameless", LastName: "Lovelace", Email: "ada@example.com", ExternalID: "crm-1",
			AvatarURL: "https://example.com/a.png", EmailConsent: support.ConsentSubscribed, CustomFields: map[string]string{"Plan Tier": "gold"}},
		support.Contact{ID: "bea", FirstName: "Bea", Email: "bea@example.com", Phone: "+442079460958"},
	)
	inner.seed(support.Contact{FirstName: "Ann", Email: "ann@example.com", Phone: "+442079460958"})
	st := openState(t)
	rep := run(t, src, firstNameToCreate{inner}, Options{State: st})
	require.Equal(t, Counts{Failed: 1, Conflicts: 1}, rep.Counts)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	keys := map[string]string{}
	jsonKeys(m, "", keys)
	for path, k := range keys {
		assert.Regexp(t, snakeKey, k, "key %s of %s", path, b)
	}
	in := m["failures"].([]any)[0].(map[string]any)["input"].(map[string]any)
	assert.Equal(t, map[string]any{
		"last_name": "Lovelace", "email": "ada@example.com", "external_id": "crm-1", "avatar_url": "https://example.com/a.png",
		"email_consent": "subscribed", "custom_fields": map[string]any{"Plan Tier": "gold"},
	}, in, "the input, without its empty fields")
	assert.Contains(t, keys, ".identity_conflicts[].input.first_name")
	assert.Contains(t, keys, ".overall.created")
	assert.Contains(t, keys, ".first_names_filled")
}

// legacyEntry is an Entry as versions before support.ContactInput had json
// tags stored it: the input and the warnings keyed by their Go field names,
// every field of the input present.
type legacyEntry struct {
	Outcome  Outcome                           `json:"outcome"`
	Write    Write                             `json:"write,omitempty"`
	Keys     []string                          `json:"keys,omitempty"`
	Warnings []struct{ Field, Message string } `json:"warnings,omitempty"`
	Input    *legacyInput                      `json:"input,omitempty"`
	FP       string                            `json:"fp,omitempty"`
}

// A state file written before the json tags is read as it was written: an
// intent's input (names, consent, avatar, external ID, tags, custom
// fields) and its warnings. The bytes are what that version wrote.
func TestStateWrittenBeforeJSONTags(t *testing.T) {
	const old = `{"outcome":"pending","write":"create",` +
		`"warnings":[{"Field":"custom_fields.plan","Message":"Tidio has no such property; dropped"}],` +
		`"input":{"FirstName":"Ada","LastName":"Lovelace","Email":"","Phone":"+442079460958","Language":"","Country":"",` +
		`"City":"","EmailConsent":"subscribed","Lifecycle":"","AvatarURL":"https://example.com/ada.png","ExternalID":"crm-1",` +
		`"Tags":["vip"],"CustomFields":{"plan":"gold"}},"fp":"abc"}`
	st := openState(t)
	require.NoError(t, st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketEntries).Put([]byte("ada"), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket(bucketPending).Put([]byte("ada"), nil)
	}))
	want := Entry{
		SourceID: "ada", Outcome: Pending, Write: WriteCreate, Fingerprint: "abc",
		Warnings: []support.Warning{{Field: "custom_fields.plan", Message: "Tidio has no such property; dropped"}},
		Input: &support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Phone: "+442079460958", EmailConsent: support.ConsentSubscribed,
			AvatarURL: "https://example.com/ada.png", ExternalID: "crm-1", Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "gold"}},
	}
	e, ok, err := st.Entry("ada")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, e, "Entry")
	p, err := st.Pending()
	require.NoError(t, err)
	assert.Equal(t, []Entry{want}, p, "Pending")

	// Written again, it has the new keys, and reads back the same.
	require.NoError(t, st.Commit(&Commit{Entries: []Entry{want}}))
	require.NoError(t, st.db.View(func(tx *bolt.Tx) error {
		v := string(tx.Bucket(bucketEntries).Get([]byte("ada")))
		assert.Contains(t, v, `"first_name":"Ada"`)
		assert.Contains(t, v, `"field":"custom_fields.plan"`)
		assert.NotContains(t, v, `"FirstName"`)
		return nil
	}))
	e, _, err = st.Entry("ada")
	require.NoError(t, err)
	assert.Equal(t, want, e, "Entry written again")
}

// The intents a process killed mid-batch left in an older state file are
// resolved from their stored input: the contact with a name only (no key
// to look it up by) is found by its name in a listing of the target, not
// created a second time.
func TestLegacyIntentsResolvedOnResume(t *testing.T) {
	src, inner := newStore("src", 1), newStore("dst", 100)
	src.seed(
		support.Contact{ID: "a", FirstName: "Ann", ExternalID: "crm-1"},
		support.Contact{ID: "b", FirstName: "Bob", Email: "bob@example.com"},
		support.Contact{ID: "c", FirstName: "Cy", LastName: "Young"},
	)
	st := openState(t)
	_, err := Run(context.Background(), client(src), client(inner), Options{State: &killState{State: st, left: 3}})
	require.ErrorIs(t, err, errKilled)
	require.Len(t, inner.all(), 3)
	// The intents, as the earlier version wrote them.
	require.NoError(t, st.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEntries)
		for _, id := range []string{"a", "b", "c"} {
			var e Entry
			require.NoError(t, decodeEntry(id, b.Get([]byte(id)), &e))
			require.NotNil(t, e.Input, id)
			in := e.Input
			old := legacyEntry{Outcome: e.Outcome, Write: e.Write, Keys: e.Keys, FP: e.Fingerprint, Input: &legacyInput{
				FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone, ExternalID: in.ExternalID, Tags: in.Tags,
			}}
			v, err := json.Marshal(old)
			require.NoError(t, err)
			require.Contains(t, string(v), `"FirstName":`)
			if err := b.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return nil
	}))
	rep := run(t, src, inner, Options{State: st})
	assert.Equal(t, 3, rep.Resolved)
	assert.Equal(t, Counts{Skipped: 3}, rep.Counts)
	assert.Empty(t, rep.Failures)
	assert.Len(t, inner.all(), 3, "no contact created twice")
	for _, id := range []string{"a", "b", "c"} {
		e, _, err := st.Entry(id)
		require.NoError(t, err)
		assert.Equal(t, Created, e.Outcome, id)
	}
}

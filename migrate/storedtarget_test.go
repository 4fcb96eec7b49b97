package migrate

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/deskbridge/deskbridge/support"
)

// A FileState's index keeps every field of a target contact, so that the
// run compares a matched contact with all that the target holds, as a dry
// run (indexed in memory) does. Every field of support.ContactInput is set
// here, found by reflection, so that a field added to it later and not
// stored fails this test; and whether the fields are as the target's list
// gave them.
func TestFileStateKeepsEveryTargetField(t *testing.T) {
	var in support.ContactInput
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("value of " + v.Type().Field(i).Name)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"a", "b"}))
		case reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{"plan": "pro"}))
		default:
			t.Fatalf("ContactInput.%s: a %s, which this test does not fill", v.Type().Field(i).Name, f.Kind())
		}
	}
	// listed too: a contact as a list that omits fields gave it is read
	// before it is compared (readOmitted).
	tgt := Target{ID: "t1", Keys: []string{"email:ada@example.com"}, Fields: in, listed: true}
	st := openState(t)
	require.NoError(t, st.Commit(&Commit{Targets: []Target{tgt}}))
	got, ok, err := st.Target("t1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, tgt, got, "by ID")
	got, ok, err = st.Lookup("email:ada@example.com")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, tgt, got, "by key")
}

// A target stored by a version that kept only some fields (no city, email
// consent, lifecycle or avatar URL) still reads, with those fields empty.
func TestFileStateReadsTargetsOfEarlierVersions(t *testing.T) {
	st := openState(t)
	old := `{"keys":["email:ada@example.com"],"first_name":"Ada","last_name":"Lovelace","email":"Ada@example.com",` +
		`"phone":"+442079460018","language":"en","country":"GB","external_id":"crm-1","tags":["vip"],"custom_fields":{"plan":"pro"}}`
	require.NoError(t, st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketTargets).Put([]byte("t1"), []byte(old)); err != nil {
			return err
		}
		return tx.Bucket(bucketKeys).Put([]byte("email:ada@example.com"), []byte("t1"))
	}))
	got, ok, err := st.Lookup("email:ada@example.com")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Target{ID: "t1", Keys: []string{"email:ada@example.com"}, Fields: support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "Ada@example.com", Phone: "+442079460018", Language: "en",
		Country: "GB", ExternalID: "crm-1", Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "pro"},
	}}, got)
}

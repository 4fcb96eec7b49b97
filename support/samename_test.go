package support

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDiffTakesAnotherSplitOfTheSameNameAsUnchanged(t *testing.T) {
	for _, tc := range []struct {
		stored Contact
		in     ContactInput
	}{
		{Contact{LastName: "Torvalds26"}, ContactInput{FirstName: "Torvalds26"}},
		{Contact{FirstName: "Torvalds26"}, ContactInput{LastName: "Torvalds26"}},
		{Contact{FirstName: "Ada King", LastName: "Lovelace"}, ContactInput{FirstName: "Ada", LastName: "King Lovelace"}},
		{Contact{FirstName: "Ada ", LastName: " Lovelace"}, ContactInput{FirstName: "Ada", LastName: "Lovelace"}},
	} {
		u, _ := Diff(tc.stored, tc.in)
		assert.True(t, u.IsEmpty(), "%+v against %+v: %+v", tc.in, tc.stored, u)
	}
	u, _ := Diff(Contact{LastName: "Torvalds"}, ContactInput{FirstName: "Linus"})
	assert.Equal(t, Ptr("Linus"), u.FirstName, "a different name is still a change")
	assert.Nil(t, u.LastName)
}

func TestLostCreateIsLookedUpByExternalID(t *testing.T) {
	f := newFake()
	f.lost = 1
	var keys []MatchKey
	f.onFind = func(k MatchKey) error { keys = append(keys, k); return nil }
	res, err := NewClient(f).CreateContact(t.Context(), ContactInput{Email: "ada@example.com", ExternalID: "crm-1"})
	if assert.NoError(t, err) {
		assert.True(t, res.Resolved)
	}
	assert.Equal(t, 1, f.calls["create"], "found, not sent again")
	assert.Equal(t, []MatchKey{MatchEmail, MatchExternalID}, keys, "read before by email, the lost create looked up by external ID")
}

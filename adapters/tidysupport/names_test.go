package tidysupport_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

// TidySupport stores one name. It is written joined (first + " " + last,
// trimmed, one space; either alone when the other is empty) and read split
// (the last word is the last name, the words before it the first name, a
// single word a first name alone), one way each: what is stored reads back
// as what was prepared, so nothing differs on the next upsert.
func TestNamesJoinAndSplitOneWay(t *testing.T) {
	for _, tc := range []struct {
		first, last  string
		stored       string
		gotF, gotL   string
		nameWarnings bool
		withExternal bool
	}{
		{"Ada", "Lovelace", "Ada Lovelace", "Ada", "Lovelace", false, false},
		{"Ada King", "Lovelace", "Ada King Lovelace", "Ada King", "Lovelace", false, false},
		{"Ada", "King Lovelace", "Ada King Lovelace", "Ada King", "Lovelace", true, false},
		{"  Ada ", "", "Ada", "Ada", "", true, false},
		{"", " Lovelace", "Lovelace", "Lovelace", "", true, false},
		{"Ada   Mary", " Lovelace ", "Ada Mary Lovelace", "Ada Mary", "Lovelace", true, false},
		{"Torvalds26", "", "Torvalds26", "Torvalds26", "", false, false},
		{"", "Torvalds26", "Torvalds26", "Torvalds26", "", true, false},
		{"Torvalds26", "", "Torvalds26", "Torvalds26", "", false, true},
		{"Ada", "Lovelace", "Ada Lovelace", "Ada", "Lovelace", false, true},
	} {
		name := tc.first + "|" + tc.last
		srv, c := newSim(t, tidysupporttest.Options{})
		in := support.ContactInput{FirstName: tc.first, LastName: tc.last, Email: "a@example.com"}
		if tc.withExternal {
			in.ExternalID, name = "crm-1", name+" (customers)"
		}
		r, err := c.CreateContact(t.Context(), in)
		require.NoError(t, err, name)
		require.Len(t, srv.Contacts(), 1, name)
		assert.Equal(t, tc.stored, srv.Contacts()[0].Name, name)
		assert.Equal(t, [2]string{tc.gotF, tc.gotL}, [2]string{r.Contact.FirstName, r.Contact.LastName}, "%s: created", name)
		if tc.nameWarnings {
			assert.Equal(t, []string{"first_name", "last_name"}, fields(r.Warnings), name)
		} else {
			assert.Empty(t, r.Warnings, name)
		}
		got, err := c.GetContact(t.Context(), support.ID(r.Contact.ID))
		require.NoError(t, err, name)
		assert.Equal(t, [2]string{tc.gotF, tc.gotL}, [2]string{got.FirstName, got.LastName}, "%s: read back", name)
	}
}

// Issue 11 point 2: a one-word name merged into an existing contact came
// out as "Torvalds26 Torvalds26". Created, read and upserted again, the
// one word stays one name, once, and nothing differs.
func TestOneWordNameRoundTrip(t *testing.T) {
	for _, in := range []support.ContactInput{
		{FirstName: "Torvalds26", Email: "linus@example.com"},
		{LastName: "Torvalds26", Email: "linus@example.com"},
		{FirstName: "Torvalds26", Email: "linus@example.com", ExternalID: "crm-26"},
	} {
		srv, c := newSim(t, tidysupporttest.Options{})
		ctx := t.Context()
		created, err := c.CreateContact(ctx, in)
		require.NoError(t, err)
		got, err := c.GetContact(ctx, support.ID(created.Contact.ID))
		require.NoError(t, err)
		assert.Equal(t, "Torvalds26", got.Name())
		assert.Equal(t, [2]string{"Torvalds26", ""}, [2]string{got.FirstName, got.LastName}, "a one-word name is a first name")

		again := support.ContactInput{FirstName: "Torvalds26", Email: "linus@example.com", ExternalID: in.ExternalID}
		r, err := c.UpsertContact(ctx, again, support.UpsertOptions{})
		require.NoError(t, err)
		assert.Equal(t, support.Unchanged, r.Outcome, "input %+v: warnings %v", in, r.Warnings)
		assert.Equal(t, created.Contact.ID, r.Contact.ID)
		assert.Equal(t, "Torvalds26", r.Contact.Name())
		require.Len(t, srv.Contacts(), 1)
		assert.Equal(t, "Torvalds26", srv.Contacts()[0].Name, "the stored name")
	}
}

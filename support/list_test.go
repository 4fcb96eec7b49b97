package support

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// omitting is a fake whose list leaves out the phone and custom fields,
// which GetContact has, and whose GetContact lacks the external ID, which
// the list has (TidySupport's /v1/customers against its inbox contact).
type omitting struct {
	*fake
	getErr map[string]error // GetContact's error by ID
}

func (o *omitting) ListContacts(ctx context.Context, opts ContactListOptions) (Page[Contact], error) {
	p, err := o.fake.ListContacts(ctx, opts)
	for i := range p.Items {
		p.Items[i].Phone, p.Items[i].CustomFields = "", nil
	}
	p.Next = "more"
	return p, err
}

func (o *omitting) GetContact(ctx context.Context, id string) (*Contact, error) {
	if err := o.getErr[id]; err != nil {
		o.count("get")
		return nil, err
	}
	ct, err := o.fake.GetContact(ctx, id)
	if ct != nil {
		ct.ExternalID = ""
		ct.Raw = []byte(`{"from":"get"}`)
	}
	return ct, err
}

func newOmitting(omits ...string) *omitting {
	f := newFake()
	f.caps.ListOmits = omits
	when := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	f.seed(
		Contact{ID: "c1", Email: "ada@example.com", Phone: "+15550100", ExternalID: "x1", CreatedAt: when, CustomFields: map[string]string{"plan": "pro"}, Raw: []byte(`{"from":"list"}`)},
		Contact{ID: "c2", Email: "grace@example.com", Phone: "+15550101", ExternalID: "x2", CreatedAt: when},
		Contact{ID: "c3", Email: "alan@example.com", Phone: "+15550102", ExternalID: "x3", CreatedAt: when},
	)
	return &omitting{fake: f, getErr: map[string]error{}}
}

func TestListContactsComplete(t *testing.T) {
	o := newOmitting("phone", "custom_fields")
	c := NewClient(o)
	ctx := context.Background()

	p, err := c.ListContacts(ctx, ContactListOptions{})
	require.NoError(t, err)
	require.Len(t, p.Items, 3)
	for _, ct := range p.Items {
		assert.Empty(t, ct.Phone, "without Complete the list is as the vendor sent it")
	}
	assert.Equal(t, 0, o.calls["get"], "a list without Complete read contacts")

	p, err = c.ListContacts(ctx, ContactListOptions{Complete: true})
	require.NoError(t, err)
	require.Len(t, p.Items, 3)
	assert.Equal(t, 3, o.calls["get"], "Complete reads each listed contact once")
	assert.Equal(t, "more", p.Next)
	assert.False(t, p.Filtered)
	for i, want := range []string{"+15550100", "+15550101", "+15550102"} {
		ct := p.Items[i]
		assert.Equal(t, want, ct.Phone, "contact %d: the omitted phone was not completed", i)
		assert.Equal(t, "x"+string(rune('1'+i)), ct.ExternalID, "contact %d: a field of the list was lost", i)
	}
	assert.Equal(t, map[string]string{"plan": "pro"}, p.Items[0].CustomFields)
	assert.JSONEq(t, `{"from":"list"}`, string(p.Items[0].Raw), "Raw is not the listed item")
}

func TestListContactsCompleteDropsDeleted(t *testing.T) {
	o := newOmitting("phone")
	o.getErr["c2"] = Errorf("", "", ErrNotFound, "gone")
	p, err := NewClient(o).ListContacts(context.Background(), ContactListOptions{Complete: true})
	require.NoError(t, err)
	require.Len(t, p.Items, 2)
	assert.Equal(t, []string{"c1", "c3"}, []string{p.Items[0].ID, p.Items[1].ID}, "order or the dropped contact is wrong")
	assert.True(t, p.Filtered, "a page that dropped a contact is not Filtered")
	assert.Equal(t, "+15550102", p.Items[1].Phone)
}

func TestListContactsCompleteFailsOnReadError(t *testing.T) {
	o := newOmitting("phone")
	o.getErr["c2"] = Errorf("", "", ErrUnavailable, "down")
	p, err := NewClient(o).ListContacts(context.Background(), ContactListOptions{Complete: true})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnavailable)
	var se *Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, OpListContacts, se.Op)
	assert.Empty(t, p.Items)
	assert.Equal(t, 2, o.calls["get"], "reads went on after a failure")
}

func TestListContactsCompleteWithoutOmissionsReadsNothing(t *testing.T) {
	o := newOmitting() // declares no omissions
	p, err := NewClient(o).ListContacts(context.Background(), ContactListOptions{Complete: true})
	require.NoError(t, err)
	assert.Len(t, p.Items, 3)
	assert.Equal(t, 0, o.calls["get"])
}

func TestMergeOmitted(t *testing.T) {
	when := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	listed := Contact{ID: "c1", FirstName: "Ada", Email: "ada@example.com", ExternalID: "x1",
		CustomFields: map[string]string{"plan": "pro"}, Raw: []byte(`{"from":"list"}`)}
	full := Contact{ID: "c1", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+15550100",
		Language: "en", Country: "GB", Tags: []string{"vip"}, CreatedAt: when, Raw: []byte(`{"from":"get"}`)}

	got := MergeOmitted(listed, full, []string{"phone", "created_at"})
	want := listed
	want.Phone, want.CreatedAt = "+15550100", when
	assert.Equal(t, want, got, "only the omitted fields are taken from the read")

	got = MergeOmitted(listed, full, []string{"last_name", "language", "country", "tags", "custom_fields", "external_id"})
	assert.Equal(t, "Lovelace", got.LastName)
	assert.Equal(t, "en", got.Language)
	assert.Equal(t, "GB", got.Country)
	assert.Equal(t, []string{"vip"}, got.Tags)
	assert.Nil(t, got.CustomFields, "custom_fields omitted by the list are the read's")
	assert.Empty(t, got.ExternalID)
	assert.JSONEq(t, `{"from":"list"}`, string(got.Raw))
	assert.Equal(t, listed, MergeOmitted(listed, full, nil))
}

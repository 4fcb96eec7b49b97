package support

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a fake that records what reaches the driver: the inputs
// PrepareContact, CreateContact and CreateContacts get, and the updates
// PatchContact gets.
type recorder struct {
	*fake
	prepared, created []ContactInput
	patched           []ContactUpdate
}

func newRecorder(fields []string) *recorder {
	f := newFake()
	f.caps.ContactFields = fields
	return &recorder{fake: f}
}

func (r *recorder) PrepareContact(ctx context.Context, in ContactInput) (ContactInput, []Warning, error) {
	r.mu.Lock()
	r.prepared = append(r.prepared, in)
	r.mu.Unlock()
	return r.fake.PrepareContact(ctx, in)
}

func (r *recorder) CreateContact(ctx context.Context, in ContactInput) (*ContactResult, error) {
	r.mu.Lock()
	r.created = append(r.created, in)
	r.mu.Unlock()
	return r.fake.CreateContact(ctx, in)
}

func (r *recorder) CreateContacts(ctx context.Context, in []ContactInput) (*BatchResult, error) {
	r.mu.Lock()
	r.created = append(r.created, in...)
	r.mu.Unlock()
	return r.fake.CreateContacts(ctx, in)
}

func (r *recorder) PatchContact(ctx context.Context, id string, u ContactUpdate) (*ContactResult, error) {
	r.mu.Lock()
	r.patched = append(r.patched, u)
	r.mu.Unlock()
	return r.fake.PatchContact(ctx, id, u)
}

// allFields are the names of Capabilities.ContactFields, in the order of
// the Client's warnings.
var allFields = []string{"first_name", "last_name", "email", "phone", "language", "country", "city",
	"email_consent", "lifecycle", "avatar_url", "external_id", "tags", "custom_fields"}

// fullInput sets every contact field.
func fullInput() ContactInput {
	return ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+14155550100",
		Language: "en", Country: "GB", City: "London", EmailConsent: ConsentSubscribed, Lifecycle: "customer",
		AvatarURL: "https://example.com/ada.png", ExternalID: "x1", Tags: []string{"vip"},
		CustomFields: map[string]string{"tier": "gold", "plan": "pro"}}
}

// fullUpdate sets every contact field.
func fullUpdate() ContactUpdate {
	return ContactUpdate{FirstName: Ptr("Ada"), LastName: Ptr("Lovelace"), Email: Ptr("ada@example.com"),
		Phone: Ptr("+14155550100"), Language: Ptr("en"), Country: Ptr("GB"), City: Ptr("London"),
		EmailConsent: Ptr(ConsentSubscribed), Lifecycle: Ptr("customer"), AvatarURL: Ptr("https://example.com/ada.png"),
		ExternalID: Ptr("x1"), Tags: Ptr([]string{"vip"}),
		CustomFields: map[string]*string{"tier": Ptr("gold"), "plan": Ptr("pro")}}
}

// without returns in with the field named name cleared, written out field
// by field so that it does not share the Client's table.
func without(in ContactInput, name string) ContactInput {
	switch name {
	case "first_name":
		in.FirstName = ""
	case "last_name":
		in.LastName = ""
	case "email":
		in.Email = ""
	case "phone":
		in.Phone = ""
	case "language":
		in.Language = ""
	case "country":
		in.Country = ""
	case "city":
		in.City = ""
	case "email_consent":
		in.EmailConsent = ""
	case "lifecycle":
		in.Lifecycle = ""
	case "avatar_url":
		in.AvatarURL = ""
	case "external_id":
		in.ExternalID = ""
	case "tags":
		in.Tags = nil
	case "custom_fields":
		in.CustomFields = nil
	}
	return in
}

// withoutUpdate returns u with the field named name cleared, as without
// does for an input.
func withoutUpdate(u ContactUpdate, name string) ContactUpdate {
	switch name {
	case "first_name":
		u.FirstName = nil
	case "last_name":
		u.LastName = nil
	case "email":
		u.Email = nil
	case "phone":
		u.Phone = nil
	case "language":
		u.Language = nil
	case "country":
		u.Country = nil
	case "city":
		u.City = nil
	case "email_consent":
		u.EmailConsent = nil
	case "lifecycle":
		u.Lifecycle = nil
	case "avatar_url":
		u.AvatarURL = nil
	case "external_id":
		u.ExternalID = nil
	case "tags":
		u.Tags = nil
	case "custom_fields":
		u.CustomFields = nil
	}
	return u
}

func warningFields(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

func notStored(field string) []string {
	if field == "custom_fields" {
		return []string{"custom_fields.plan", "custom_fields.tier"}
	}
	return []string{field}
}

// TestContactFieldsStripEachField leaves each field in turn out of
// Capabilities.ContactFields: every write drops exactly that field, with
// one warning (custom fields by name), and the driver never sees it.
func TestContactFieldsStripEachField(t *testing.T) {
	ctx := context.Background()
	for _, name := range allFields {
		t.Run(name, func(t *testing.T) {
			fields := slices.DeleteFunc(slices.Clone(allFields), func(f string) bool { return f == name })
			want := without(fullInput(), name)
			wantWarn := notStored(name)

			r := newRecorder(fields)
			c := NewClient(r)
			res, err := c.CreateContact(ctx, fullInput())
			require.NoError(t, err)
			assert.Equal(t, wantWarn, warningFields(res.Warnings), "create")
			require.Len(t, r.created, 1)
			assert.Equal(t, want, r.created[0], "create: the driver got a field the vendor cannot write")
			assert.Equal(t, want, r.prepared[0], "PrepareContact got a field the vendor cannot write")

			r = newRecorder(fields)
			res, err = NewClient(r).UpsertContact(ctx, fullInput(), UpsertOptions{})
			require.NoError(t, err)
			assert.Equal(t, Created, res.Outcome)
			assert.Equal(t, wantWarn, warningFields(res.Warnings), "upsert")
			require.Len(t, r.created, 1)
			assert.Equal(t, want, r.created[0], "upsert")

			r = newRecorder(fields)
			second := fullInput()
			second.Email, second.Phone, second.ExternalID = "grace@example.com", "+14155550101", "x2"
			br, err := NewClient(r).CreateContacts(ctx, []ContactInput{fullInput(), second})
			require.NoError(t, err)
			require.Len(t, br.Items, 2)
			for i, it := range br.Items {
				assert.Equal(t, wantWarn, warningFields(it.Warnings), "batch record %d", i)
			}
			require.Len(t, r.created, 2)
			assert.Equal(t, want, r.created[0], "batch")
			assert.Equal(t, without(second, name), r.created[1], "batch")

			r = newRecorder(fields)
			r.seed(Contact{Email: "old@example.com"})
			ures, err := NewClient(r).UpdateContact(ctx, ID("c1"), fullUpdate())
			require.NoError(t, err)
			assert.Equal(t, wantWarn, warningFields(ures.Warnings), "update")
			require.Len(t, r.patched, 1)
			assert.Equal(t, withoutUpdate(fullUpdate(), name), r.patched[0], "update: the driver got a field the vendor cannot write")
		})
	}
}

func TestContactFieldsStripMany(t *testing.T) {
	ctx := context.Background()
	r := newRecorder([]string{"email", "first_name", "tags"})
	c := NewClient(r)
	in := fullInput()
	res, err := c.CreateContact(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, []string{"last_name", "phone", "language", "country", "city", "email_consent", "lifecycle",
		"avatar_url", "external_id", "custom_fields.plan", "custom_fields.tier"}, warningFields(res.Warnings))
	for _, w := range res.Warnings {
		assert.Equal(t, "not stored: fake has no field to write it", w.Message, w.Field)
	}
	assert.Equal(t, ContactInput{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"vip"}}, r.created[0])
	assert.Equal(t, fullInput(), in, "the caller's input was changed")

	r.seed(Contact{Email: "old@example.com"})
	u := fullUpdate()
	ures, err := c.UpdateContact(ctx, ID(r.contacts[len(r.contacts)-1].ID), u)
	require.NoError(t, err)
	assert.Len(t, ures.Warnings, 11)
	assert.Equal(t, ContactUpdate{FirstName: Ptr("Ada"), Email: Ptr("ada@example.com"), Tags: Ptr([]string{"vip"})}, r.patched[0])
	assert.Equal(t, fullUpdate(), u, "the caller's update was changed")
}

// TestContactFieldsNilStripsNothing: nil ContactFields means every field.
func TestContactFieldsNilStripsNothing(t *testing.T) {
	ctx := context.Background()
	r := newRecorder(nil)
	c := NewClient(r)
	res, err := c.CreateContact(ctx, fullInput())
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	assert.Equal(t, fullInput(), r.created[0])

	ures, err := c.UpdateContact(ctx, ID("c1"), fullUpdate())
	require.NoError(t, err)
	assert.Empty(t, ures.Warnings)
	assert.Equal(t, fullUpdate(), r.patched[0])
}

// TestContactFieldsUpdateLeftEmpty: an update of fields the vendor cannot
// write sends nothing; it is Unchanged, with the warnings.
func TestContactFieldsUpdateLeftEmpty(t *testing.T) {
	r := newRecorder([]string{"email"})
	r.seed(Contact{Email: "ada@example.com"})
	res, err := NewClient(r).UpdateContact(context.Background(), ID("c1"), ContactUpdate{City: Ptr("Paris")})
	require.NoError(t, err)
	assert.Equal(t, Unchanged, res.Outcome)
	assert.Equal(t, []string{"city"}, warningFields(res.Warnings))
	assert.Empty(t, r.patched, "an update left empty was sent")
}

func TestNewFieldsValidate(t *testing.T) {
	base := func(mod func(*ContactInput)) ContactInput {
		in := ContactInput{Email: "ada@example.com"}
		mod(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		in    ContactInput
		field string // "" when valid
	}{
		{"no consent", base(func(in *ContactInput) {}), ""},
		{"subscribed", base(func(in *ContactInput) { in.EmailConsent = ConsentSubscribed }), ""},
		{"unsubscribed", base(func(in *ContactInput) { in.EmailConsent = ConsentUnsubscribed }), ""},
		{"unknown consent", base(func(in *ContactInput) { in.EmailConsent = "yes" }), "email consent"},
		{"consent in capitals", base(func(in *ContactInput) { in.EmailConsent = "SUBSCRIBED" }), "email consent"},
		{"city", base(func(in *ContactInput) { in.City = "Zürich" }), ""},
		{"city control", base(func(in *ContactInput) { in.City = "Lon\x00don" }), "city"},
		{"lifecycle control", base(func(in *ContactInput) { in.Lifecycle = "lead\x1b" }), "lifecycle"},
		{"avatar not UTF-8", base(func(in *ContactInput) { in.AvatarURL = "https://example.com/\xff" }), "avatar URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			u := ContactUpdate{City: ptrIf(tc.in.City), Lifecycle: ptrIf(tc.in.Lifecycle), AvatarURL: ptrIf(tc.in.AvatarURL)}
			if tc.in.EmailConsent != "" {
				u.EmailConsent = Ptr(tc.in.EmailConsent)
			}
			uerr := u.Validate()
			if tc.field == "" {
				assert.NoError(t, err)
				assert.NoError(t, uerr)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.field)
			require.ErrorIs(t, uerr, ErrInvalid, "ContactUpdate.Validate")
			assert.Contains(t, uerr.Error(), tc.field)
		})
	}
	assert.NoError(t, (&ContactUpdate{EmailConsent: Ptr(Consent(""))}).Validate(), "\"\" clears the consent")
}

func ptrIf(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func TestNewFieldsUpdate(t *testing.T) {
	for name, u := range map[string]ContactUpdate{
		"city":          {City: Ptr("")},
		"email_consent": {EmailConsent: Ptr(Consent(""))},
		"lifecycle":     {Lifecycle: Ptr("")},
		"avatar_url":    {AvatarURL: Ptr("")},
	} {
		assert.False(t, u.IsEmpty(), "an update of %s is empty", name)
	}
	assert.True(t, (&ContactUpdate{}).IsEmpty())

	stored := Contact{ID: "c1", Email: "ada@example.com", City: "London", EmailConsent: ConsentSubscribed,
		Lifecycle: "lead", AvatarURL: "https://example.com/a.png", Raw: []byte(`{}`)}
	set := ContactUpdate{City: Ptr("Paris"), EmailConsent: Ptr(ConsentUnsubscribed), Lifecycle: Ptr("customer"),
		AvatarURL: Ptr("https://example.com/b.png")}
	got := set.Apply(stored)
	want := Contact{ID: "c1", Email: "ada@example.com", City: "Paris", EmailConsent: ConsentUnsubscribed,
		Lifecycle: "customer", AvatarURL: "https://example.com/b.png"}
	assert.Equal(t, want, got)
	clear := ContactUpdate{City: Ptr(""), EmailConsent: Ptr(Consent("")), Lifecycle: Ptr(""), AvatarURL: Ptr("")}
	assert.Equal(t, Contact{ID: "c1", Email: "ada@example.com"}, clear.Apply(stored), "\"\" clears")
	assert.Equal(t, "London", stored.City, "Apply changed its argument")
}

func TestNewFieldsDiff(t *testing.T) {
	stored := Contact{Email: "ada@example.com", City: "London", EmailConsent: ConsentSubscribed,
		Lifecycle: "lead", AvatarURL: "https://example.com/a.png"}

	u, ws := Diff(stored, stored.Input())
	assert.True(t, u.IsEmpty(), "the same fields differ: %+v", u)
	assert.Empty(t, ws)

	u, _ = Diff(stored, ContactInput{Email: "ada@example.com"})
	assert.True(t, u.IsEmpty(), "empty fields of the input are not sent")

	in := ContactInput{Email: "ada@example.com", City: "Paris", EmailConsent: ConsentUnsubscribed,
		Lifecycle: "customer", AvatarURL: "https://example.com/b.png"}
	u, _ = Diff(stored, in)
	assert.Equal(t, ContactUpdate{City: Ptr("Paris"), EmailConsent: Ptr(ConsentUnsubscribed),
		Lifecycle: Ptr("customer"), AvatarURL: Ptr("https://example.com/b.png")}, u)
	assert.Equal(t, []string{"city", "email_consent", "lifecycle", "avatar_url"}, warningFields(Differences(stored, in)))
}

func TestNewFieldsInputAndMergeOmitted(t *testing.T) {
	ct := Contact{ID: "c1", Email: "ada@example.com", City: "London", EmailConsent: ConsentSubscribed,
		Lifecycle: "lead", AvatarURL: "https://example.com/a.png", CreatedAt: time.Unix(1, 0), Raw: []byte(`{}`)}
	assert.Equal(t, ContactInput{Email: "ada@example.com", City: "London", EmailConsent: ConsentSubscribed,
		Lifecycle: "lead", AvatarURL: "https://example.com/a.png"}, ct.Input())

	listed := Contact{ID: "c1", Email: "ada@example.com"}
	got := MergeOmitted(listed, ct, []string{"city", "email_consent", "lifecycle", "avatar_url"})
	assert.Equal(t, Contact{ID: "c1", Email: "ada@example.com", City: "London", EmailConsent: ConsentSubscribed,
		Lifecycle: "lead", AvatarURL: "https://example.com/a.png"}, got)
}

func TestContactFieldsStripLeavingNoName(t *testing.T) {
	f := newFake()
	f.caps.ContactFields = []string{"email"}
	_, err := NewClient(f).CreateContact(t.Context(), ContactInput{Phone: "+14155550100"})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "names no one")
	assert.Zero(t, f.calls["create"], "nothing sent")
}

func TestUpdateContactsNeedsUpdateContact(t *testing.T) {
	f := newFake()
	f.caps.Operations = append(slices.DeleteFunc(slices.Clone(f.caps.Operations), func(op Operation) bool { return op == OpUpdateContact }), OpUpdateContacts)
	assert.Panics(t, func() { NewClient(f) })
}

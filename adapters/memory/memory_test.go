package memory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

var ctx = context.Background()

// at is the fixed clock of these tests, deliberately not in UTC.
var at = time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func testConfig(cfg memory.Config) memory.Config {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return at }
	}
	return cfg
}

func newPlatform(cfg memory.Config) *support.Client { return memory.New(testConfig(cfg)) }

func create(t *testing.T, p *support.Client, in support.ContactInput) *support.Contact {
	t.Helper()
	r, err := p.CreateContact(ctx, in)
	require.NoError(t, err, "CreateContact(%+v)", in)
	return r.Contact
}

// wantErr checks err's kind and that it names the vendor and op.
func wantErr(t *testing.T, err error, kind error, op support.Operation) {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, memory.Vendor, se.Vendor, "vendor of %v", err)
	assert.Equal(t, op, se.Op, "op of %v", err)
}

func ids(cs []support.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func all(t *testing.T, p *support.Client) []support.Contact {
	t.Helper()
	var out []support.Contact
	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		require.NoError(t, err)
		out = append(out, c)
	}
	return out
}

func TestDeterministicIDsAndUTCClock(t *testing.T) {
	p := newPlatform(memory.Config{})
	a := create(t, p, support.ContactInput{Email: "a@example.com"})
	b := create(t, p, support.ContactInput{Email: "b@example.com"})
	assert.Equal(t, []string{"ctc_1", "ctc_2"}, []string{a.ID, b.ID})
	assert.True(t, a.CreatedAt.Equal(at))
	assert.Equal(t, time.UTC, a.CreatedAt.Location())
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(a.ID), Text: "Hi"})
	require.NoError(t, err)
	m, err := p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Hello"})
	require.NoError(t, err)
	assert.Equal(t, "conv_1", c.ID)
	assert.Equal(t, "msg_2", m.ID, "msg_1 is the conversation's first message")
	assert.Equal(t, time.UTC, c.UpdatedAt.Location())
	assert.Equal(t, time.UTC, m.CreatedAt.Location())
}

func TestPageSizes(t *testing.T) {
	p := newPlatform(memory.Config{})
	batch := make([]support.ContactInput, 1001)
	for i := range batch {
		batch[i] = support.ContactInput{FirstName: fmt.Sprint("C", i)}
	}
	_, err := p.CreateContacts(ctx, batch)
	require.NoError(t, err)
	for _, tc := range []struct{ limit, want int }{{0, 50}, {7, 7}, {1000, 1000}, {5000, 1000}} {
		page, err := p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: tc.limit}})
		require.NoError(t, err)
		assert.Len(t, page.Items, tc.want, "Limit %d", tc.limit)
		assert.NotEmpty(t, page.Next, "Limit %d", tc.limit)
	}
	small := newPlatform(memory.Config{PageSize: 2})
	for range 3 {
		create(t, small, support.ContactInput{FirstName: "X"})
	}
	page, err := small.ListContacts(ctx, support.ContactListOptions{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2, "Config.PageSize 2")
	_, err = p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: -1}})
	wantErr(t, err, support.ErrInvalid, support.OpListContacts)
}

func TestCursors(t *testing.T) {
	p := newPlatform(memory.Config{PageSize: 2})
	for i := range 5 {
		create(t, p, support.ContactInput{FirstName: fmt.Sprint("C", i+1)})
	}
	first, err := p.ListContacts(ctx, support.ContactListOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"ctc_1", "ctc_2"}, ids(first.Items))
	saved := first.Next

	// The cursor names the last item seen, so deleting it or items before it,
	// and adding new ones, leaves the rest of the listing right.
	for _, id := range []string{"ctc_1", "ctc_2", "ctc_4"} {
		require.NoError(t, p.DeleteContact(ctx, support.ID(id)))
	}
	create(t, p, support.ContactInput{FirstName: "C6"})
	var rest []string
	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: saved}}) {
		require.NoError(t, err)
		rest = append(rest, c.ID)
	}
	assert.Equal(t, []string{"ctc_3", "ctc_5", "ctc_6"}, rest)

	conv, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_3"), Text: "Hi"})
	require.NoError(t, err)
	other, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_5"), Text: "Hi"})
	require.NoError(t, err)
	for range 2 {
		_, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Text: "more"})
		require.NoError(t, err)
	}
	msgs, err := p.ListMessages(ctx, conv.ID, support.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, msgs.Next)
	bad := []struct {
		name string
		call func() error
		op   support.Operation
	}{
		{"garbage", func() error {
			_, err := p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: "!!garbage!!"}})
			return err
		}, support.OpListContacts},
		{"negative", func() error {
			_, err := p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: "Y29udGFjdHM6LTE"}}) // contacts:-1
			return err
		}, support.OpListContacts},
		{"contacts cursor on conversations", func() error {
			_, err := p.ListConversations(ctx, support.ConversationListOptions{ListOptions: support.ListOptions{Cursor: saved}})
			return err
		}, support.OpListConversations},
		{"another conversation's cursor", func() error {
			_, err := p.ListMessages(ctx, other.ID, support.ListOptions{Cursor: msgs.Next})
			return err
		}, support.OpListMessages},
		{"contacts cursor on agents", func() error {
			_, err := p.ListAgents(ctx, support.ListOptions{Cursor: saved})
			return err
		}, support.OpListAgents},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.call(), support.ErrInvalid, tc.op) })
	}
}

func TestReturnedValuesAreCopies(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{Email: "a@example.com", Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "pro"}})
	c.Tags[0] = "changed"
	c.CustomFields["plan"] = "changed"
	c.Raw[0] = 'X'
	got, err := p.GetContact(ctx, support.ID(c.ID))
	require.NoError(t, err)
	assert.Equal(t, []string{"vip"}, got.Tags)
	assert.Equal(t, "pro", got.CustomFields["plan"])
	assert.True(t, json.Valid(got.Raw))

	conv, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(c.ID), Text: "Hi"})
	require.NoError(t, err)
	require.NoError(t, p.Assign(ctx, conv.ID, support.Assignee{ID: "agt_1"}))
	gotConv, err := p.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	gotConv.Assignee.ID = "changed"
	m, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Attachments: []support.Attachment{{URL: "https://example.com/a.png"}}})
	require.NoError(t, err)
	m.Attachments[0].URL = "changed"
	again, err := p.GetConversation(ctx, conv.ID)
	require.NoError(t, err)
	msgs, err := p.ListMessages(ctx, conv.ID, support.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, "agt_1", again.Assignee.ID)
	assert.Equal(t, "https://example.com/a.png", msgs.Items[1].Attachments[0].URL)
}

func TestRaw(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{FirstName: "Ada", Email: "ada@example.com", CustomFields: map[string]string{"plan": "pro"}})
	assert.JSONEq(t, `{"id":"ctc_1","first_name":"Ada","email":"ada@example.com","custom_fields":{"plan":"pro"},"created_at":"2025-03-14T14:09:26Z"}`, string(c.Raw))
	agents, err := p.ListAgents(ctx, support.ListOptions{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"team_1","kind":"team","name":"Support","active":true}`, string(agents.Items[2].Raw))
}

func TestLookups(t *testing.T) {
	p := newPlatform(memory.Config{})
	first := create(t, p, support.ContactInput{Email: "Ada@Example.com", Phone: "+44 20 7946 0958"})
	create(t, p, support.ContactInput{Email: "ada@example.com", Phone: "0044 20 7946 0958"})
	odd := create(t, p, support.ContactInput{FirstName: "Odd", Phone: "123 456 789"})
	for _, ref := range []support.Ref{support.Email("ADA@EXAMPLE.COM"), support.Phone("+442079460958")} {
		got, err := p.GetContact(ctx, ref)
		require.NoError(t, err, "GetContact(%s)", ref)
		assert.Equal(t, first.ID, got.ID, "GetContact(%s): the earliest created", ref)
	}
	got, err := p.GetContact(ctx, support.ID(odd.ID))
	require.NoError(t, err)
	assert.Equal(t, "123 456 789", got.Phone, "a phone that does not normalize is stored as given")
	_, err = p.GetContact(ctx, support.Email("nobody@example.com"))
	wantErr(t, err, support.ErrNotFound, support.OpGetByEmail)
	_, err = p.GetContact(ctx, support.Phone("+1 202 555 0199"))
	wantErr(t, err, support.ErrNotFound, support.OpGetByPhone)
	_, err = p.GetContact(ctx, support.Phone("123 456 789"))
	wantErr(t, err, support.ErrInvalid, support.OpGetByPhone)
	_, err = p.GetContact(ctx, support.ID("ctc_404"))
	wantErr(t, err, support.ErrNotFound, support.OpGetContact)
}

// The Driver itself, as the Client calls it: every match of each key,
// earliest first; patches that change nothing are Unchanged.
func TestDriver(t *testing.T) {
	d := memory.NewDriver(testConfig(memory.Config{}))
	var made []string
	for _, in := range []support.ContactInput{
		{Email: "Ada@Example.com", Phone: "+44 20 7946 0958", ExternalID: "x1"},
		{Email: "ada@example.com", Phone: "0044 20 7946 0958", ExternalID: "x1"},
		{Email: "other@example.com", Phone: "+1 415 555 0100", ExternalID: "X1"},
	} {
		p, ws, err := d.PrepareContact(ctx, in)
		require.NoError(t, err)
		assert.Empty(t, ws)
		assert.Equal(t, in, p, "PrepareContact keeps the input as it is")
		r, err := d.CreateContact(ctx, p)
		require.NoError(t, err)
		made = append(made, r.Contact.ID)
	}
	for _, tc := range []struct {
		key   support.MatchKey
		value string
		want  []string
	}{
		{support.MatchEmail, "ADA@example.com", made[:2]},
		{support.MatchPhone, "+442079460958", made[:2]},
		{support.MatchExternalID, "x1", made[:2]},
		{support.MatchExternalID, "X1", made[2:]},
		{support.MatchEmail, "nobody@example.com", nil},
	} {
		found, err := d.FindContacts(ctx, tc.key, tc.value)
		require.NoError(t, err)
		assert.NotNil(t, found, "an empty slice, not nil")
		assert.Equal(t, tc.want, ids(found), "FindContacts(%s, %s)", tc.key, tc.value)
	}
	r, err := d.PatchContact(ctx, made[0], support.ContactUpdate{Email: support.Ptr("Ada@Example.com")})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	r, err = d.PatchContact(ctx, made[0], support.ContactUpdate{Email: support.Ptr("ada@example.com")})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome, "values are compared as stored")
	_, err = d.PatchContact(ctx, "ctc_404", support.ContactUpdate{FirstName: support.Ptr("X")})
	assert.ErrorIs(t, err, support.ErrNotFound)
}

func TestUpsert(t *testing.T) {
	p := newPlatform(memory.Config{})
	byExt := create(t, p, support.ContactInput{FirstName: "Ext", ExternalID: "u-1"})
	byEmail := create(t, p, support.ContactInput{FirstName: "Mail", Email: "ada@example.com", Tags: []string{"a"}})
	byPhone := create(t, p, support.ContactInput{FirstName: "Tel", Phone: "+1 415 555 0100", CustomFields: map[string]string{"plan": "free", "seats": "1"}})

	for _, tc := range []struct {
		name    string
		in      support.ContactInput
		keys    []support.MatchKey
		wantID  string
		outcome support.Outcome
	}{
		{"then email, ignoring case", support.ContactInput{Email: "ADA@example.com", FirstName: "Mail"}, nil, byEmail.ID, support.Unchanged},
		{"then phone, in E.164", support.ContactInput{Phone: "001 415 555 0100", FirstName: "Tel"}, nil, byPhone.ID, support.Unchanged},
		{"keys in the given order", support.ContactInput{Email: "ada@example.com", Phone: "+14155550100", FirstName: "Tel"}, []support.MatchKey{support.MatchPhone, support.MatchEmail}, byPhone.ID, support.Updated},
		{"no key matches", support.ContactInput{Email: "new@example.com", ExternalID: "u-2"}, nil, "ctc_4", support.Created},
		{"tags replaced", support.ContactInput{Email: "ada@example.com", Tags: []string{"b"}}, nil, byEmail.ID, support.Updated},
		{"custom fields merged", support.ContactInput{Phone: "+14155550100", CustomFields: map[string]string{"plan": "pro"}}, nil, byPhone.ID, support.Updated},
		// Last: it gives the first contact the others' email and phone.
		{"external ID first", support.ContactInput{ExternalID: "u-1", Email: "ada@example.com", Phone: "+14155550100"}, nil, byExt.ID, support.Updated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := p.UpsertContact(ctx, tc.in, support.UpsertOptions{MatchKeys: tc.keys})
			require.NoError(t, err)
			assert.Equal(t, tc.wantID, r.Contact.ID)
			assert.Equal(t, tc.outcome, r.Outcome)
		})
	}
	got, err := p.GetContact(ctx, support.ID(byEmail.ID))
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, got.Tags)
	assert.Equal(t, "ada@example.com", got.Email, "the stored case")
	got, err = p.GetContact(ctx, support.ID(byPhone.ID))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"plan": "pro", "seats": "1"}, got.CustomFields)
	assert.Equal(t, "+1 415 555 0100", got.Phone)
	_, err = p.UpsertContact(ctx, support.ContactInput{Email: "x@example.com"}, support.UpsertOptions{MatchKeys: []support.MatchKey{"name"}})
	wantErr(t, err, support.ErrInvalid, support.OpUpsertContact)
}

// The identity rule: a contact found by phone whose email differs is
// another person. Nothing is written, nothing is created.
func TestUpsertIdentityConflict(t *testing.T) {
	p := newPlatform(memory.Config{})
	a := create(t, p, support.ContactInput{FirstName: "A", Email: "a@x.com", Phone: "+14155550100"})
	r, err := p.UpsertContact(ctx, support.ContactInput{FirstName: "B", Email: "b@x.com", Phone: "+14155550100"}, support.UpsertOptions{})
	require.Error(t, err)
	require.NotNil(t, r)
	assert.Equal(t, support.Conflict, r.Outcome)
	wantErr(t, err, support.ErrConflict, support.OpUpsertContact)
	var ic *support.IdentityConflict
	require.ErrorAs(t, err, &ic)
	assert.Equal(t, support.MatchPhone, ic.Key)
	assert.Equal(t, support.MatchEmail, ic.Contradicted)
	assert.Equal(t, a.ID, ic.Existing.ID)
	assert.Equal(t, "b@x.com", ic.Input.Email)
	assert.Equal(t, []support.Contact{*a}, all(t, p), "A unchanged, no contact created")
}

// lostCreate is a memory driver whose creates fail with an unknown outcome
// (the answer was lost) and whose lookups after such a create find the
// context cancelled, as a caller giving up during the lookup would.
type lostCreate struct {
	*memory.Driver
	cancel          context.CancelFunc
	creates, finds  int
	findsAfterWrite int
}

func (d *lostCreate) CreateContact(context.Context, support.ContactInput) (*support.ContactResult, error) {
	d.creates++
	return nil, &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset after the request was sent"}
}

func (d *lostCreate) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	d.finds++
	if d.creates == 0 {
		return d.Driver.FindContacts(ctx, key, value) // the read before the create
	}
	d.findsAfterWrite++
	d.cancel()
	return nil, fmt.Errorf("looking up %s: %w", key, ctx.Err())
}

func TestCancelledLookupAfterAmbiguousCreate(t *testing.T) {
	for _, call := range []struct {
		name string
		run  func(context.Context, *support.Client) error
	}{
		{"create", func(ctx context.Context, c *support.Client) error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "a@example.com"})
			return err
		}},
		{"upsert", func(ctx context.Context, c *support.Client) error {
			_, err := c.UpsertContact(ctx, support.ContactInput{Email: "a@example.com"}, support.UpsertOptions{})
			return err
		}},
	} {
		t.Run(call.name, func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			d := &lostCreate{Driver: memory.NewDriver(testConfig(memory.Config{})), cancel: cancel}
			err := call.run(cctx, support.NewClient(d))
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, err, support.ErrOutcomeUnknown, "still unknown: nothing settled it")
			var se *support.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, memory.Vendor, se.Vendor)
			assert.Equal(t, 1, d.creates, "never sent again")
			assert.Equal(t, 1, d.findsAfterWrite)
			page, err := d.ListContacts(ctx, support.ContactListOptions{})
			require.NoError(t, err)
			assert.Empty(t, page.Items)
		})
	}
}

func TestUpdatePatchSemantics(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Tags: []string{"vip"},
		CustomFields: map[string]string{"plan": "pro", "seats": "3"},
	})
	r, err := p.UpdateContact(ctx, support.ID(c.ID), support.ContactUpdate{
		LastName: support.Ptr(""), Tags: &[]string{}, CustomFields: map[string]*string{"plan": nil, "team": support.Ptr("core")},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	got := r.Contact
	assert.Equal(t, "Ada", got.FirstName)
	assert.Empty(t, got.LastName)
	assert.Equal(t, "ada@example.com", got.Email)
	assert.Nil(t, got.Tags)
	assert.Equal(t, map[string]string{"seats": "3", "team": "core"}, got.CustomFields)

	r, err = p.UpdateContact(ctx, support.Email("ADA@example.com"), support.ContactUpdate{FirstName: support.Ptr("Ada")})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome, "an update that changes nothing")
	_, err = p.UpdateContact(ctx, support.ID(c.ID), support.ContactUpdate{FirstName: support.Ptr(""), Email: support.Ptr("")})
	wantErr(t, err, support.ErrInvalid, support.OpUpdateContact)
	// Input is checked before the contact is looked up.
	_, err = p.UpdateContact(ctx, support.ID("ctc_404"), support.ContactUpdate{Email: support.Ptr("bad")})
	wantErr(t, err, support.ErrInvalid, support.OpUpdateContact)
	_, err = p.UpdateContact(ctx, support.ID("ctc_404"), support.ContactUpdate{CustomFields: map[string]*string{"": nil}})
	wantErr(t, err, support.ErrInvalid, support.OpUpdateContact)
	_, err = p.UpdateContact(ctx, support.ID("ctc_404"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantErr(t, err, support.ErrNotFound, support.OpUpdateContact)
}

func TestBatch(t *testing.T) {
	p := newPlatform(memory.Config{})
	r, err := p.CreateContacts(ctx, []support.ContactInput{{Email: "a@example.com"}, {}, {Email: "b@example.com"}, {Email: "bad"}})
	require.NotNil(t, r)
	assert.Equal(t, 2, r.Count(support.Created))
	assert.Equal(t, 2, r.Count(support.Failed))
	var item *support.BatchItemError
	require.ErrorAs(t, err, &item)
	assert.Equal(t, 1, item.Index)
	assert.ErrorIs(t, err, support.ErrInvalid)
	for _, i := range []int{1, 3} {
		wantErr(t, r.Items[i].Err, support.ErrInvalid, support.OpCreateContacts)
	}
	r, err = p.CreateContacts(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, r.Items)
}

func TestConversations(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Name: "Grace Brewster Hopper", Subject: "Hi", Text: "Hello"})
	require.NoError(t, err)
	contact, err := p.GetContact(ctx, support.ID(c.ContactID))
	require.NoError(t, err, "contact created on the fly")
	assert.Equal(t, "Grace Brewster", contact.FirstName)
	assert.Equal(t, "Hopper", contact.LastName)
	assert.Equal(t, "grace@example.com", contact.Email)
	again, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("GRACE@example.com"), Text: "Again"})
	require.NoError(t, err)
	assert.Equal(t, c.ContactID, again.ContactID, "an email Ref finds the contact")
	byPhone, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Phone("+1 415 555 0100"), Text: "Hello"})
	require.NoError(t, err)
	contact, err = p.GetContact(ctx, support.ID(byPhone.ContactID))
	require.NoError(t, err)
	assert.Equal(t, "+14155550100", contact.Phone, "contact created by phone")
	_, err = p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_404"), Text: "Hello"})
	wantErr(t, err, support.ErrNotFound, support.OpCreateConversation)
	_, err = p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(c.ContactID), Text: " "})
	wantErr(t, err, support.ErrInvalid, support.OpCreateConversation)

	require.NoError(t, p.SetStatus(ctx, again.ID, support.StatusChange{Status: support.StatusPending}))
	require.NoError(t, p.SetStatus(ctx, c.ID, support.StatusChange{Status: support.StatusClosed, Category: "Resolved", Summary: "Done"}))
	got, err := p.GetConversation(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, support.StatusClosed, got.Status)
	var raw struct {
		ClosingNote struct{ Category, Summary string } `json:"closing_note"`
	}
	require.NoError(t, json.Unmarshal(got.Raw, &raw))
	assert.Equal(t, "Resolved", raw.ClosingNote.Category)
	for _, tc := range []struct {
		opts support.ConversationListOptions
		want []string
	}{
		{support.ConversationListOptions{}, []string{c.ID, again.ID, byPhone.ID}},
		{support.ConversationListOptions{Status: support.StatusOpen}, []string{byPhone.ID}},
		{support.ConversationListOptions{Status: support.StatusClosed, ContactID: c.ContactID}, []string{c.ID}},
		{support.ConversationListOptions{ContactID: "ctc_404"}, nil},
	} {
		page, err := p.ListConversations(ctx, tc.opts)
		require.NoError(t, err)
		var got []string
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		assert.Equal(t, tc.want, got, "ListConversations(%+v)", tc.opts)
	}
	err = p.SetStatus(ctx, c.ID, support.StatusChange{Status: "snoozed"})
	wantErr(t, err, support.ErrInvalid, support.OpSetStatus)
	err = p.SetStatus(ctx, "conv_404", support.StatusChange{Status: support.StatusOpen})
	wantErr(t, err, support.ErrNotFound, support.OpSetStatus)
}

func TestAssignAndAuthors(t *testing.T) {
	p := newPlatform(memory.Config{Agents: []support.Agent{
		{ID: "u1", Name: "Una", Email: "una@example.com"},
		{ID: "t1", Kind: support.KindTeam, Name: "Billing"},
	}})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi"})
	require.NoError(t, err)
	for _, tc := range []struct {
		to   support.Assignee
		want *support.Assignee
		kind error
	}{
		{support.Assignee{Email: "UNA@example.com"}, &support.Assignee{Kind: support.KindAgent, ID: "u1", Email: "una@example.com"}, nil},
		{support.Assignee{Kind: support.KindTeam, ID: "t1"}, &support.Assignee{Kind: support.KindTeam, ID: "t1"}, nil},
		{support.Assignee{Kind: support.KindAgent, ID: "t1"}, nil, support.ErrNotFound},
		{support.Assignee{ID: "u2"}, nil, support.ErrNotFound},
		{support.Assignee{Kind: "robot", ID: "u1"}, nil, support.ErrInvalid},
		{support.Assignee{}, nil, support.ErrInvalid},
	} {
		err := p.Assign(ctx, c.ID, tc.to)
		if tc.kind != nil {
			wantErr(t, err, tc.kind, support.OpAssignConversation)
			continue
		}
		require.NoError(t, err, "Assign(%+v)", tc.to)
		got, err := p.GetConversation(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got.Assignee, "Assign(%+v)", tc.to)
	}
	require.NoError(t, p.Unassign(ctx, c.ID))
	got, err := p.GetConversation(ctx, c.ID)
	require.NoError(t, err)
	assert.Nil(t, got.Assignee)
	require.NoError(t, p.Unassign(ctx, c.ID), "unassigning an unassigned conversation")

	agents, err := p.ListAgents(ctx, support.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.KindAgent, agents.Items[0].Kind, "an agent configured without Kind")
	m, err := p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Noted", Internal: true, AuthorID: "u1"})
	require.NoError(t, err)
	assert.True(t, m.Internal)
	assert.Equal(t, "u1", m.AuthorID)
	assert.Equal(t, support.AuthorAgent, m.AuthorKind)
	assert.Equal(t, support.Outbound, m.Direction)
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Hi", AuthorID: "t1"})
	wantErr(t, err, support.ErrNotFound, support.OpSendMessage)
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Internal: true})
	wantErr(t, err, support.ErrInvalid, support.OpSendNote)
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Attachments: []support.Attachment{{Name: "no URL"}}})
	wantErr(t, err, support.ErrInvalid, support.OpSendMessage)
	_, err = p.SendMessage(ctx, "conv_404", support.NewMessage{Text: "Hi"})
	wantErr(t, err, support.ErrNotFound, support.OpSendMessage)
}

func TestCancelledContext(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := p.CreateContact(c, support.ContactInput{Email: "a@example.com"})
	require.ErrorIs(t, err, context.Canceled)
	wantErr(t, err, context.Canceled, support.OpCreateContact)
	assert.Empty(t, all(t, p), "a cancelled create stored nothing")
}

func TestConcurrentUse(t *testing.T) {
	p := newPlatform(memory.Config{PageSize: 7})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				email := fmt.Sprintf("w%d.c%d@example.com", w, i)
				if _, err := p.UpsertContact(ctx, support.ContactInput{Email: email}, support.UpsertOptions{}); err != nil {
					t.Error(err)
					return
				}
				// The same person again: no duplicate.
				if _, err := p.UpsertContact(ctx, support.ContactInput{Email: email, FirstName: "Again"}, support.UpsertOptions{}); err != nil {
					t.Error(err)
					return
				}
				for _, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
					if err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	assert.Len(t, all(t, p), workers*each)
}

func TestOpen(t *testing.T) {
	p, err := support.Open(ctx, "memory", map[string]any{"pagesize": "2"})
	require.NoError(t, err)
	for range 3 {
		_, err := p.CreateContact(ctx, support.ContactInput{FirstName: "X"})
		require.NoError(t, err)
	}
	page, err := p.ListContacts(ctx, support.ContactListOptions{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2, "page size from the config map")
	var d *memory.Driver
	assert.True(t, p.As(&d), "Client.As reaches the memory Driver")
	_, err = support.Open(ctx, "memory", map[string]any{"page_size": 2})
	require.ErrorIs(t, err, support.ErrInvalid, "unknown config key")
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, memory.Vendor, se.Vendor)
}

// Lookups use an index; it must agree with support.EqualEmail, the rule
// every adapter follows, including on Unicode case folding.
func TestEmailIndexFollowsEqualEmail(t *testing.T) {
	for _, tc := range []struct{ stored, looked string }{
		{"ada@example.com", " ADA@Example.COM "},
		{"ſam@example.com", "SAM@example.com"},            // long s folds to s
		{"kelvin@example.com", "\u212Aelvin@example.com"}, // Kelvin sign folds to k
		{"straße@example.com", "STRASSE@example.com"},     // not equal: ß does not simple-fold to ss
	} {
		require.NoError(t, support.ValidateEmail(tc.stored))
		p := newPlatform(memory.Config{})
		c := create(t, p, support.ContactInput{Email: tc.stored})
		want := support.EqualEmail(tc.stored, tc.looked)
		got, err := p.GetContact(ctx, support.Email(tc.looked))
		assert.Equal(t, want, err == nil && got.ID == c.ID, "GetContact(email:%s) with %s stored (%v)", tc.looked, tc.stored, err)
		r, err := p.UpsertContact(ctx, support.ContactInput{Email: tc.looked}, support.UpsertOptions{})
		if err == nil {
			assert.Equal(t, want, r.Contact.ID == c.ID, "UpsertContact(%s) with %s stored", tc.looked, tc.stored)
		}
	}
}

// Changing a contact's email, phone or external ID moves it in the lookup
// indexes; deleting it removes it.
func TestIndexesFollowChanges(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{Email: "old@example.com", Phone: "+1 415 555 0100", ExternalID: "x1"})
	_, err := p.UpdateContact(ctx, support.ID(c.ID), support.ContactUpdate{
		Email: support.Ptr("new@example.com"), Phone: support.Ptr("+44 20 7946 0958"), ExternalID: support.Ptr("x2"),
	})
	require.NoError(t, err)
	for _, ref := range []support.Ref{support.Email("old@example.com"), support.Phone("+14155550100")} {
		_, err := p.GetContact(ctx, ref)
		assert.ErrorIs(t, err, support.ErrNotFound, "GetContact(%s) after the change", ref)
	}
	for _, ref := range []support.Ref{support.Email("NEW@example.com"), support.Phone("+442079460958")} {
		got, err := p.GetContact(ctx, ref)
		require.NoError(t, err, "GetContact(%s) after the change", ref)
		assert.Equal(t, c.ID, got.ID)
	}
	r, err := p.UpsertContact(ctx, support.ContactInput{ExternalID: "x2", FirstName: "X"}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, c.ID, r.Contact.ID, "upsert by the new external ID")
	assert.Equal(t, support.Updated, r.Outcome)
	require.NoError(t, p.DeleteContact(ctx, support.Email("new@example.com")))
	r, err = p.UpsertContact(ctx, support.ContactInput{ExternalID: "x2", FirstName: "X"}, support.UpsertOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, c.ID, r.Contact.ID, "upsert by the external ID of a deleted contact")
	assert.Equal(t, support.Created, r.Outcome)
}

// TestRequestCounts: each primitive counts as the one request it stands
// for, reads as GET and writes as POST, PATCH or DELETE, a batch of three
// as one write; a call through the Client counts what the Client asks of
// the driver, and a context without RequestCounts counts nothing.
func TestRequestCounts(t *testing.T) {
	d := memory.NewDriver(testConfig(memory.Config{}))
	var n support.RequestCounts
	cctx := support.WithRequestCounts(ctx, &n)
	check := func(reads, writes int64, after string) {
		t.Helper()
		assert.Equal(t, reads, n.Reads(), "reads after %s", after)
		assert.Equal(t, writes, n.Writes(), "writes after %s", after)
		assert.Zero(t, n.Retries(), "retries after %s", after)
	}

	_, _, err := d.PrepareContact(cctx, support.ContactInput{Email: "a@example.com"})
	require.NoError(t, err)
	check(0, 0, "PrepareContact (no request)")
	c, err := d.CreateContact(cctx, support.ContactInput{Email: "a@example.com"})
	require.NoError(t, err)
	check(0, 1, "CreateContact")
	_, err = d.CreateContacts(cctx, []support.ContactInput{{Email: "b@example.com"}, {Email: "c@example.com"}, {Email: "d@example.com"}})
	require.NoError(t, err)
	check(0, 2, "CreateContacts of 3")
	_, err = d.ListContacts(cctx, support.ContactListOptions{})
	require.NoError(t, err)
	_, err = d.GetContact(cctx, c.Contact.ID)
	require.NoError(t, err)
	_, err = d.FindContacts(cctx, support.MatchEmail, "b@example.com")
	require.NoError(t, err)
	check(3, 2, "three reads")
	_, err = d.PatchContact(cctx, c.Contact.ID, support.ContactUpdate{FirstName: support.Ptr("Ada")})
	require.NoError(t, err)
	require.NoError(t, d.DeleteContact(cctx, c.Contact.ID))
	check(3, 4, "a patch and a delete")

	conv, err := d.CreateConversation(cctx, support.NewConversation{Contact: support.Email("b@example.com"), Text: "hi"})
	require.NoError(t, err)
	_, err = d.SendMessage(cctx, conv.ID, support.NewMessage{Text: "hello"})
	require.NoError(t, err)
	require.NoError(t, d.SetStatus(cctx, conv.ID, support.StatusChange{Status: support.StatusClosed}))
	require.NoError(t, d.Assign(cctx, conv.ID, support.Assignee{Kind: support.KindAgent, ID: "agt_1"}))
	require.NoError(t, d.Unassign(cctx, conv.ID))
	check(3, 9, "five conversation writes")
	_, err = d.ListConversations(cctx, support.ConversationListOptions{})
	require.NoError(t, err)
	_, err = d.GetConversation(cctx, conv.ID)
	require.NoError(t, err)
	_, err = d.ListMessages(cctx, conv.ID, support.ListOptions{})
	require.NoError(t, err)
	_, err = d.ListAgents(cctx, support.ListOptions{})
	require.NoError(t, err)
	check(7, 9, "four conversation reads")
	require.NoError(t, second(d.PatchContacts(cctx, []support.ContactPatch{
		{ID: "ctc_2", Update: support.ContactUpdate{FirstName: support.Ptr("B")}},
		{ID: "ctc_3", Update: support.ContactUpdate{FirstName: support.Ptr("C")}},
	})))
	require.NoError(t, d.SetPriority(cctx, conv.ID, support.PriorityHigh))
	check(7, 11, "a batch update of 2 and a priority change")
	_, err = d.ListContactFields(cctx)
	require.NoError(t, err)
	_, err = d.ListClosingCategories(cctx)
	require.NoError(t, err)
	_, err = d.GetMessage(cctx, conv.ID, "msg_1")
	require.NoError(t, err)
	_, err = d.Send(cctx, support.RawRequest{Method: "GET", Path: []string{"contacts", "ctc_2"}})
	require.NoError(t, err)
	check(11, 11, "three reads and a passthrough GET")

	_, err = d.CreateContact(ctx, support.ContactInput{Email: "e@example.com"})
	require.NoError(t, err)
	check(11, 11, "a call without counts in its context")

	var viaClient support.RequestCounts
	p := support.NewClient(d)
	_, err = p.GetContact(support.WithRequestCounts(ctx, &viaClient), support.Email("e@example.com"))
	require.NoError(t, err)
	assert.Equal(t, int64(1), viaClient.Reads(), "a lookup by email is one FindContacts")
	assert.Zero(t, viaClient.Writes())
}

// The contact fields of issue 11 are stored, rendered in Raw and cleared
// by a patch; ListContactFields lists the custom field names the stored
// contacts have.
func TestNewFieldsAndContactFields(t *testing.T) {
	p := newPlatform(memory.Config{})
	defs, err := p.ListContactFields(ctx)
	require.NoError(t, err)
	assert.Empty(t, defs, "no contact, no field")
	in := support.ContactInput{Email: "ada@example.com", City: "London", EmailConsent: support.ConsentSubscribed,
		Lifecycle: "Customer", AvatarURL: "https://example.com/ada.png", CustomFields: map[string]string{"seats": "3", "plan": "pro"}}
	r, err := p.CreateContact(ctx, in)
	require.NoError(t, err)
	assert.Empty(t, r.Warnings, "memory stores every field")
	got, err := p.GetContact(ctx, support.ID(r.Contact.ID))
	require.NoError(t, err)
	assert.Equal(t, in, got.Input())
	assert.JSONEq(t, `{"id":"ctc_1","email":"ada@example.com","city":"London","email_consent":"subscribed","lifecycle":"Customer",
		"avatar_url":"https://example.com/ada.png","custom_fields":{"plan":"pro","seats":"3"},"created_at":"2025-03-14T14:09:26Z"}`, string(got.Raw))
	create(t, p, support.ContactInput{Email: "grace@example.com", CustomFields: map[string]string{"plan": "free", "team": "core"}})

	u, err := p.UpdateContact(ctx, support.ID(got.ID), support.ContactUpdate{City: support.Ptr(""), EmailConsent: support.Ptr(support.ConsentUnsubscribed), Lifecycle: support.Ptr("")})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, u.Outcome)
	assert.Empty(t, u.Contact.City)
	assert.Empty(t, u.Contact.Lifecycle)
	assert.Equal(t, support.ConsentUnsubscribed, u.Contact.EmailConsent)

	defs, err = p.ListContactFields(ctx)
	require.NoError(t, err)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
		assert.Equal(t, "text", d.Type)
		assert.JSONEq(t, `{"name":"`+d.Name+`","type":"text"}`, string(d.Raw))
	}
	assert.Equal(t, []string{"plan", "seats", "team"}, names, "each name once, sorted")
	require.NoError(t, p.DeleteContact(ctx, support.ID(got.ID)))
	defs, err = p.ListContactFields(ctx)
	require.NoError(t, err)
	require.Len(t, defs, 2, "the deleted contact's own field is gone")
	assert.Equal(t, "team", defs[1].Name)
}

// PatchContacts is all or nothing; through the Client, a batch update of
// good patches is one request, and a patch of a missing contact fails
// alone.
func TestBatchUpdate(t *testing.T) {
	d := memory.NewDriver(testConfig(memory.Config{}))
	p := support.NewClient(d)
	a, b := create(t, p, support.ContactInput{FirstName: "Ada"}), create(t, p, support.ContactInput{FirstName: "Grace"})
	_, err := d.PatchContacts(ctx, []support.ContactPatch{
		{ID: a.ID, Update: support.ContactUpdate{LastName: support.Ptr("Lovelace")}},
		{ID: "ctc_404", Update: support.ContactUpdate{LastName: support.Ptr("Nobody")}},
	})
	require.ErrorIs(t, err, support.ErrInvalid, "a refused batch, for the Client to split")
	assert.Contains(t, err.Error(), "record 1")
	_, err = d.PatchContacts(ctx, []support.ContactPatch{{ID: "ctc_404", Update: support.ContactUpdate{LastName: support.Ptr("Nobody")}}})
	require.ErrorIs(t, err, support.ErrNotFound, "a batch of one names the missing contact")
	got, err := p.GetContact(ctx, support.ID(a.ID))
	require.NoError(t, err)
	assert.Empty(t, got.LastName, "a refused batch changes nothing")

	var n support.RequestCounts
	res, err := p.UpdateContacts(support.WithRequestCounts(ctx, &n), []support.ContactPatch{
		{ID: a.ID, Update: support.ContactUpdate{LastName: support.Ptr("Lovelace")}},
		{ID: b.ID, Update: support.ContactUpdate{LastName: support.Ptr("Hopper")}},
	})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Count(support.Updated))
	assert.Equal(t, int64(1), n.Writes(), "one batch request")
	for id, want := range map[string]string{a.ID: "Lovelace", b.ID: "Hopper"} {
		got, err := p.GetContact(ctx, support.ID(id))
		require.NoError(t, err)
		assert.Equal(t, want, got.LastName)
	}

	res, err = p.UpdateContacts(ctx, []support.ContactPatch{
		{ID: a.ID, Update: support.ContactUpdate{FirstName: support.Ptr("Augusta")}},
		{ID: "ctc_404", Update: support.ContactUpdate{FirstName: support.Ptr("Nobody")}},
	})
	require.Error(t, err)
	assert.Equal(t, support.Updated, res.Items[0].Outcome, "the good patch, once the batch is split: %v", res.Items[0].Err)
	wantErr(t, res.Items[1].Err, support.ErrNotFound, support.OpUpdateContacts)
	got, err = p.GetContact(ctx, support.ID(a.ID))
	require.NoError(t, err)
	assert.Equal(t, "Augusta", got.FirstName)
}

// Conversations have a priority (normal when created) and, when started in
// one, a seeded team as their department.
func TestPriorityAndDepartment(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi"})
	require.NoError(t, err)
	assert.Equal(t, support.PriorityNormal, c.Priority)
	assert.Empty(t, c.Department, "the default department")
	require.NoError(t, p.SetPriority(ctx, c.ID, support.PriorityUrgent))
	got, err := p.GetConversation(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, support.PriorityUrgent, got.Priority)
	assert.Contains(t, string(got.Raw), `"priority":"urgent"`)
	wantErr(t, p.SetPriority(ctx, c.ID, "critical"), support.ErrInvalid, support.OpSetPriority)
	wantErr(t, p.SetPriority(ctx, "conv_404", support.PriorityLow), support.ErrNotFound, support.OpSetPriority)

	in, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi", Department: "team_1"})
	require.NoError(t, err)
	got, err = p.GetConversation(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, "team_1", got.Department)
	assert.Contains(t, string(got.Raw), `"department":"team_1"`)
	for _, dept := range []string{"agt_1", "team_9"} {
		_, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi", Department: dept})
		wantErr(t, err, support.ErrNotFound, support.OpCreateConversation)
	}
	convs, err := p.ListConversations(ctx, support.ConversationListOptions{})
	require.NoError(t, err)
	assert.Len(t, convs.Items, 2, "a refused department starts nothing")
}

func TestGetMessageAndClosingCategories(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi"})
	require.NoError(t, err)
	other, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("b@example.com"), Text: "Hello"})
	require.NoError(t, err)
	sent, err := p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Hello, Ada", AuthorID: "agt_1"})
	require.NoError(t, err)
	got, err := p.GetMessage(ctx, c.ID, sent.ID)
	require.NoError(t, err)
	assert.Equal(t, sent, got)
	first, err := p.GetMessage(ctx, c.ID, "msg_1")
	require.NoError(t, err)
	assert.Equal(t, "Hi", first.Text)
	assert.Equal(t, support.Inbound, first.Direction)
	_, err = p.GetMessage(ctx, other.ID, sent.ID)
	wantErr(t, err, support.ErrNotFound, support.OpGetMessage)
	_, err = p.GetMessage(ctx, "conv_404", "msg_1")
	wantErr(t, err, support.ErrNotFound, support.OpGetMessage)

	cats, err := p.ListClosingCategories(ctx)
	require.NoError(t, err)
	require.Len(t, cats, 3)
	assert.Equal(t, "Resolved", cats[0].Name)
	assert.JSONEq(t, `{"category":"Resolved","description":"`+cats[0].Description+`"}`, string(cats[0].Raw))
}

// The passthrough serves GET of the records' renderings: what Raw holds.
func TestPassthrough(t *testing.T) {
	p := newPlatform(memory.Config{})
	ct := create(t, p, support.ContactInput{Email: "a@example.com"})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(ct.ID), Text: "Hi"})
	require.NoError(t, err)
	msgs, err := p.ListMessages(ctx, c.ID, support.ListOptions{})
	require.NoError(t, err)
	for _, tc := range []struct {
		path []string
		want json.RawMessage
	}{
		{[]string{"contacts", ct.ID}, ct.Raw},
		{[]string{"conversations", c.ID}, c.Raw},
		{[]string{"conversations", c.ID, "messages", msgs.Items[0].ID}, msgs.Items[0].Raw},
	} {
		resp, err := p.Passthrough(ctx, support.RawRequest{Path: tc.path})
		require.NoError(t, err, "GET %q", tc.path)
		assert.Equal(t, 200, resp.Status)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.JSONEq(t, string(tc.want), string(resp.Body), "GET %q", tc.path)
	}
	for _, path := range [][]string{{"contacts", "ctc_404"}, {"contacts", ct.ID, "x"}, {"conversations", c.ID, "messages", "msg_404"},
		{"conversations", "conv_404", "messages", "msg_1"}, {"agents"}, {"contacts/" + ct.ID}} {
		resp, err := p.Passthrough(ctx, support.RawRequest{Path: path})
		wantErr(t, err, support.ErrNotFound, support.OpPassthrough)
		var se *support.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 404, se.Status, "GET %q", path)
		require.NotNil(t, resp, "the answer comes with the error")
		assert.Equal(t, 404, resp.Status)
		assert.Contains(t, string(resp.Body), `"error":"no record at`)
	}
	resp, err := p.Passthrough(ctx, support.RawRequest{Method: "delete", Path: []string{"contacts", ct.ID}})
	var se *support.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 405, se.Status)
	assert.Nil(t, se.Kind, "a 405 has no kind")
	assert.Equal(t, 405, resp.Status)
	_, err = p.GetContact(ctx, support.ID(ct.ID))
	require.NoError(t, err, "a refused DELETE deletes nothing")
}

// second returns the error of a call's two results.
func second[T any](_ T, err error) error { return err }

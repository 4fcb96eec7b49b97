package support

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fake is a small driver with hooks, for the Client's own tests.
type fake struct {
	caps Capabilities

	mu       sync.Mutex
	contacts []Contact
	next     int
	calls    map[string]int

	// Hooks, called before the store is touched; an error is returned as
	// the call's.
	onCreate func(in ContactInput) error
	onFind   func(key MatchKey) error
	onBatch  func(in []ContactInput) error
	onSend   func(m NewMessage) error
	// lost makes a create store the contact and then fail ambiguously.
	lost int
	sent []NewMessage
}

func newFake() *fake {
	return &fake{caps: Capabilities{
		Vendor: "fake",
		Operations: []Operation{OpListContacts, OpGetContact, OpGetByEmail, OpGetByPhone, OpCreateContact,
			OpCreateContacts, OpUpsertContact, OpUpdateContact, OpListMessages, OpSendMessage},
		CreateDedup: DedupNone, MaxBatch: 3, LooksUpExternalID: true,
	}, calls: map[string]int{}}
}

func (f *fake) count(name string) {
	f.mu.Lock()
	f.calls[name]++
	f.mu.Unlock()
}

func (f *fake) Capabilities() Capabilities { return f.caps }

func (f *fake) PrepareContact(_ context.Context, in ContactInput) (ContactInput, []Warning, error) {
	return in, nil, nil
}

func (f *fake) ListContacts(context.Context, ContactListOptions) (Page[Contact], error) {
	f.count("list")
	f.mu.Lock()
	defer f.mu.Unlock()
	return Page[Contact]{Items: slices.Clone(f.contacts)}, nil
}

func (f *fake) GetContact(_ context.Context, id string) (*Contact, error) {
	f.count("get")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.contacts {
		if c.ID == id {
			return &c, nil
		}
	}
	return nil, Errorf("", "", ErrNotFound, "no contact %s", id)
}

func (f *fake) FindContacts(ctx context.Context, key MatchKey, value string) ([]Contact, error) {
	f.count("find")
	if f.onFind != nil {
		if err := f.onFind(key); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Contact
	for _, c := range f.contacts {
		if (key == MatchEmail && c.Email != "" && EqualEmail(c.Email, value)) ||
			(key == MatchPhone && c.Phone != "" && SamePhone(c.Phone, value)) ||
			(key == MatchExternalID && c.ExternalID == value) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fake) store(in ContactInput) Contact {
	f.next++
	c := Contact{ID: "c" + strconv.Itoa(f.next), FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Phone: in.Phone, ExternalID: in.ExternalID, Tags: in.Tags, CustomFields: in.CustomFields}
	f.contacts = append(f.contacts, c)
	return c
}

func (f *fake) CreateContact(_ context.Context, in ContactInput) (*ContactResult, error) {
	f.count("create")
	if f.onCreate != nil {
		if err := f.onCreate(in); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.store(in)
	if f.lost > 0 {
		f.lost--
		return nil, &Error{Kind: ErrUnavailable, Status: 502, OutcomeUnknown: true, Message: "answer lost"}
	}
	return &ContactResult{Contact: &c, Outcome: Created}, nil
}

func (f *fake) CreateContacts(_ context.Context, in []ContactInput) (*BatchResult, error) {
	f.count("batch")
	if f.onBatch != nil {
		if err := f.onBatch(in); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &BatchResult{Items: make([]BatchItem, len(in))}
	for i, ci := range in {
		c := f.store(ci)
		res.Items[i] = BatchItem{Index: i, Contact: &c, Outcome: Created}
	}
	return res, nil
}

func (f *fake) PatchContact(_ context.Context, id string, u ContactUpdate) (*ContactResult, error) {
	f.count("patch")
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.contacts {
		if f.contacts[i].ID == id {
			c := &f.contacts[i]
			if u.Email != nil {
				c.Email = *u.Email
			}
			if u.Phone != nil {
				c.Phone = *u.Phone
			}
			if u.FirstName != nil {
				c.FirstName = *u.FirstName
			}
			out := *c
			return &ContactResult{Contact: &out, Outcome: Updated}, nil
		}
	}
	return nil, Errorf("", "", ErrNotFound, "no contact %s", id)
}

func (f *fake) ListMessages(context.Context, string, ListOptions) (Page[Message], error) {
	f.count("messages")
	f.mu.Lock()
	defer f.mu.Unlock()
	var p Page[Message]
	for i, m := range f.sent {
		p.Items = append(p.Items, Message{ID: strconv.Itoa(i), Direction: Outbound, Text: m.Text, Attachments: m.Attachments})
	}
	return p, nil
}

func (f *fake) SendMessage(_ context.Context, _ string, m NewMessage) (*Message, error) {
	f.count("send")
	if f.onSend != nil {
		if err := f.onSend(m); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return &Message{ID: strconv.Itoa(len(f.sent) - 1), Direction: Outbound, Text: m.Text, Attachments: m.Attachments}, nil
}

func (f *fake) seed(cs ...Contact) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		f.next++
		c.ID = "c" + strconv.Itoa(f.next)
		f.contacts = append(f.contacts, c)
	}
}

func TestIdentityRule(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		stored Contact
		in     ContactInput
		keys   []MatchKey
		want   Outcome
		by     MatchKey // the key that found the stored contact, on Conflict
		contra MatchKey
	}{
		{"shared phone, different emails", Contact{Email: "ada@example.com", Phone: "+14155550100"},
			ContactInput{Email: "grace@example.com", Phone: "+1 415 555 0100"}, nil, Conflict, MatchPhone, MatchEmail},
		{"same email, different external IDs", Contact{Email: "ada@example.com", ExternalID: "x1"},
			ContactInput{Email: "ADA@example.com", ExternalID: "x2"}, nil, Conflict, MatchEmail, MatchExternalID},
		{"shared phone, stored email empty", Contact{Phone: "+14155550100", FirstName: "Ada"},
			ContactInput{Email: "ada@example.com", Phone: "+14155550100", FirstName: "Ada"}, nil, Updated, "", ""},
		{"shared phone, same email in other case", Contact{Email: "Ada@Example.com", Phone: "+14155550100"},
			ContactInput{Email: "ada@example.com", Phone: "+14155550100"}, nil, Unchanged, "", ""},
		{"phone only as key: no earlier key contradicts", Contact{Email: "ada@example.com", Phone: "+14155550100"},
			ContactInput{Email: "grace@example.com", Phone: "+14155550100"}, []MatchKey{MatchPhone}, Updated, "", ""},
		{"email first, phone differs: a changed phone", Contact{Email: "ada@example.com", Phone: "+14155550100"},
			ContactInput{Email: "ada@example.com", Phone: "+14155550199"}, nil, Updated, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.seed(tc.stored)
			c := NewClient(f)
			res, err := c.UpsertContact(ctx, tc.in, UpsertOptions{MatchKeys: tc.keys})
			require.NotNil(t, res)
			assert.Equal(t, tc.want, res.Outcome)
			if tc.want != Conflict {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrConflict)
			var ic *IdentityConflict
			require.ErrorAs(t, err, &ic)
			assert.Equal(t, tc.by, ic.Key)
			assert.Equal(t, tc.contra, ic.Contradicted)
			assert.Equal(t, "c1", ic.Existing.ID)
			assert.Equal(t, tc.in.Email, ic.Input.Email)
			var se *Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "fake", se.Vendor)
			assert.Equal(t, OpUpsertContact, se.Op)
			assert.Zero(t, f.calls["patch"]+f.calls["create"], "a conflict writes nothing")
			assert.Len(t, f.contacts, 1)
			assert.Equal(t, tc.stored.Email, f.contacts[0].Email, "the stored contact is unchanged")
		})
	}
}

// A key that finds several contacts picks one no earlier key contradicts,
// preferring the one that agrees on an earlier key.
func TestUpsertPrefersAgreeingCandidate(t *testing.T) {
	f := newFake()
	f.caps.LooksUpExternalID = false // as Tidio: email lookups only
	f.seed(Contact{Email: "ada@example.com", ExternalID: "other"},
		Contact{Email: "ada@example.com"},
		Contact{Email: "ada@example.com", ExternalID: "x1", FirstName: "Ada"})
	res, err := NewClient(f).UpsertContact(context.Background(),
		ContactInput{Email: "ada@example.com", ExternalID: "x1", FirstName: "Ada"}, UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, Unchanged, res.Outcome)
	assert.Equal(t, "c3", res.Contact.ID)
}

func TestCreateLostIsLookedUpNotResent(t *testing.T) {
	f := newFake()
	f.lost = 1
	f.seed(Contact{Email: "ada@example.com", FirstName: "Ada"}) // an identical contact that existed before
	res, err := NewClient(f).CreateContact(context.Background(), ContactInput{Email: "ada@example.com", FirstName: "Ada"})
	require.NoError(t, err)
	assert.Equal(t, Created, res.Outcome)
	assert.Equal(t, "c2", res.Contact.ID, "the contact found is the new one, not the one that existed before")
	assert.True(t, res.Resolved, "found by the lookup")
	assert.Equal(t, 1, f.calls["create"], "not sent again")
	assert.Equal(t, 2, f.calls["find"], "one read before, one lookup after")
}

func TestCreateLostAndNotStoredIsResentAtMostMaxWriteRounds(t *testing.T) {
	f := newFake()
	f.onCreate = func(ContactInput) error {
		return &Error{Kind: ErrUnavailable, Status: 504, OutcomeUnknown: true}
	}
	_, err := NewClient(f).CreateContact(context.Background(), ContactInput{Email: "ada@example.com"})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, MaxWriteRounds, f.calls["create"])
	assert.Equal(t, 1+MaxWriteRounds, f.calls["find"])
}

func TestCreateLostWithoutLookupKey(t *testing.T) {
	f := newFake()
	f.lost = 1
	_, err := NewClient(f).CreateContact(context.Background(), ContactInput{FirstName: "Ada"})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, 1, f.calls["create"])
	assert.Zero(t, f.calls["find"])
}

// A cancelled lookup after an ambiguous create leaves the outcome unknown
// and matches the context's error, with the write's own cause reachable.
func TestCancelledLookupAfterLostCreate(t *testing.T) {
	for _, op := range []string{"create", "upsert", "batch"} {
		t.Run(op, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := newFake()
			cause := errors.New("connection reset after the request was written")
			f.onCreate = func(ContactInput) error {
				return &Error{Kind: ErrUnavailable, OutcomeUnknown: true, Err: cause}
			}
			f.onBatch = func([]ContactInput) error { return &Error{Kind: ErrUnavailable, OutcomeUnknown: true, Err: cause} }
			finds := 0
			f.onFind = func(MatchKey) error {
				if finds++; (op == "batch" && finds == 1) || finds == 2 {
					cancel()
					return &Error{Message: "lookup abandoned", Err: context.Canceled}
				}
				return nil
			}
			c := NewClient(f)
			in := ContactInput{Email: "ada@example.com"}
			var err error
			switch op {
			case "create":
				_, err = c.CreateContact(ctx, in)
			case "upsert":
				_, err = c.UpsertContact(ctx, in, UpsertOptions{})
			case "batch":
				_, err = c.CreateContacts(ctx, []ContactInput{in, {Email: "b@example.com"}})
			}
			require.ErrorIs(t, err, context.Canceled)
			require.ErrorIs(t, err, ErrOutcomeUnknown)
			if op != "batch" {
				require.ErrorIs(t, err, cause)
			}
		})
	}
}

func TestBatchChunksAndBisects(t *testing.T) {
	f := newFake()
	refuse := func(in ...ContactInput) error {
		for _, ci := range in {
			if ci.FirstName == "bad" {
				return &Error{Kind: ErrInvalid, Status: 422, Message: "refused"}
			}
		}
		return nil
	}
	f.onBatch = func(in []ContactInput) error { return refuse(in...) }
	f.onCreate = func(in ContactInput) error { return refuse(in) }
	var in []ContactInput
	for i := range 7 {
		name := "ok"
		if i == 4 {
			name = "bad"
		}
		in = append(in, ContactInput{FirstName: name, Email: fmt.Sprintf("p%d@example.com", i)})
	}
	in = append(in, ContactInput{Email: "not an email"})
	res, err := NewClient(f).CreateContacts(context.Background(), in)
	require.Error(t, err)
	require.Len(t, res.Items, 8)
	assert.Equal(t, 6, res.Count(Created))
	assert.Equal(t, Failed, res.Items[4].Outcome)
	assert.ErrorIs(t, res.Items[4].Err, ErrInvalid)
	assert.Equal(t, Failed, res.Items[7].Outcome, "invalid before any request")
	assert.Len(t, f.contacts, 6)
	// Chunks of 3: [0 1 2] ok; [3 4 5] refused, split to [3] and [4 5],
	// refused, split to [4] (refused) and [5]; [6]. A lone record goes
	// as a single create.
	assert.Equal(t, 3, f.calls["batch"])
	assert.Equal(t, 4, f.calls["create"])
}

func TestBatchStopsOnAccountErrors(t *testing.T) {
	f := newFake()
	f.caps.MaxBatch = 1
	n := 0
	f.onCreate = func(ContactInput) error {
		if n++; n == 2 {
			return &Error{Kind: ErrUnauthorized, Status: 401}
		}
		return nil
	}
	in := []ContactInput{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com"}}
	res, err := NewClient(f).CreateContacts(context.Background(), in)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, Created, res.Items[0].Outcome)
	assert.Equal(t, Failed, res.Items[1].Outcome)
	assert.Equal(t, Failed, res.Items[2].Outcome)
	assert.ErrorIs(t, res.Items[2].Err, ErrUnauthorized)
	assert.Equal(t, 2, f.calls["create"], "the third record is never sent")
}

func TestBatchLostIsLookedUpPerRecord(t *testing.T) {
	f := newFake()
	lost := true
	f.onBatch = func(in []ContactInput) error {
		if lost {
			lost = false
			f.mu.Lock()
			f.store(in[0]) // only the first reached the store: the second must be sent again
			f.mu.Unlock()
			return &Error{Kind: ErrUnavailable, OutcomeUnknown: true}
		}
		return nil
	}
	res, err := NewClient(f).CreateContacts(context.Background(),
		[]ContactInput{{Email: "a@example.com"}, {Email: "b@example.com"}, {FirstName: "nokey"}})
	require.Error(t, err, "the record without a key cannot be settled")
	assert.Equal(t, Created, res.Items[0].Outcome)
	assert.Contains(t, res.Items[0].Warnings, resolvedWarning)
	assert.True(t, res.Items[0].Resolved, "found by the lookup")
	assert.Equal(t, Created, res.Items[1].Outcome)
	assert.False(t, res.Items[1].Resolved, "sent again and answered")
	assert.Equal(t, Failed, res.Items[2].Outcome)
	assert.ErrorIs(t, res.Items[2].Err, ErrOutcomeUnknown)
	assert.Len(t, f.contacts, 2)
}

func TestPartialSend(t *testing.T) {
	f := newFake()
	f.caps.SplitsAttachments = true
	f.onSend = func(m NewMessage) error {
		if len(m.Attachments) > 0 {
			return &Error{Kind: ErrInvalid, Status: 400, Message: "attachment refused"}
		}
		return nil
	}
	_, err := NewClient(f).SendMessage(context.Background(), "conv1", NewMessage{Text: "hello",
		Attachments: []Attachment{{URL: "https://example.com/a.png"}, {URL: "https://example.com/b.png"}}})
	var pe *PartialSendError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Sent, 1)
	assert.Equal(t, "hello", pe.Sent[0].Text)
	assert.Equal(t, 2, pe.Unsent)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, 2, f.calls["send"], "the text once, the first attachment once")
}

func TestUnknownSendIsFoundNotResent(t *testing.T) {
	f := newFake()
	f.onSend = func(m NewMessage) error {
		f.mu.Lock()
		f.sent = append(f.sent, m)
		f.mu.Unlock()
		return &Error{Kind: ErrUnavailable, OutcomeUnknown: true}
	}
	m, err := NewClient(f).SendMessage(context.Background(), "conv1", NewMessage{Text: "hello"})
	require.NoError(t, err)
	assert.Equal(t, "hello", m.Text)
	assert.Equal(t, 1, f.calls["send"])
	f.onSend = func(NewMessage) error { return &Error{Kind: ErrUnavailable, OutcomeUnknown: true} }
	_, err = NewClient(f).SendMessage(context.Background(), "conv1", NewMessage{Text: "lost"})
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	assert.Equal(t, 2, f.calls["send"], "never resent")
}

func TestCapabilityCheckedBeforeAnyRequest(t *testing.T) {
	f := newFake()
	f.caps.Operations = slices.DeleteFunc(f.caps.Operations, func(op Operation) bool { return op == OpGetByPhone })
	c := NewClient(f)
	_, err := c.GetContact(context.Background(), Phone("+14155550100"))
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = c.UpdateContact(context.Background(), Phone("+14155550100"), ContactUpdate{FirstName: Ptr("x")})
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = c.ListConversations(context.Background(), ConversationListOptions{})
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Empty(t, f.calls)
}

func TestNewClientPanicsOnUndeclaredInterface(t *testing.T) {
	f := newFake()
	f.caps.Operations = append(f.caps.Operations, OpListAgents)
	assert.Panics(t, func() { NewClient(f) })
	assert.Panics(t, func() { NewClient(nil) })
	var nilFake *fake
	assert.Panics(t, func() { NewClient(nilFake) })
}

func TestUpdateRefusesToNameNoOne(t *testing.T) {
	f := newFake()
	f.seed(Contact{Email: "ada@example.com"})
	c := NewClient(f)
	_, err := c.UpdateContact(context.Background(), Email("ada@example.com"), ContactUpdate{Email: Ptr("")})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Zero(t, f.calls["patch"])
	res, err := c.UpdateContact(context.Background(), ID("c1"), ContactUpdate{})
	require.NoError(t, err)
	assert.Equal(t, Unchanged, res.Outcome)
	res, err = c.UpdateContact(context.Background(), ID("c1"), ContactUpdate{Email: Ptr(""), FirstName: Ptr("Ada")})
	require.NoError(t, err)
	assert.Equal(t, Updated, res.Outcome)
}

func TestUpdateReadsOnlyWhenItCouldNameNoOne(t *testing.T) {
	f := newFake()
	f.seed(Contact{Email: "ada@example.com", LastName: "Lovelace"})
	c := NewClient(f)
	_, err := c.UpdateContact(context.Background(), ID("c1"), ContactUpdate{LastName: Ptr(""), Phone: Ptr("+441234567890")})
	require.NoError(t, err)
	assert.Zero(t, f.calls["get"], "an update that sets a phone cannot leave the contact nameless")

	f.caps.AnonymousContacts = true
	c = NewClient(f)
	_, err = c.UpdateContact(context.Background(), ID("c1"), ContactUpdate{Email: Ptr(""), Phone: Ptr(""), LastName: Ptr("")})
	require.NoError(t, err)
	assert.Zero(t, f.calls["get"], "a vendor that keeps anonymous contacts is not asked first")
	assert.Equal(t, 2, f.calls["patch"])
}

func TestErrorsAreAttributed(t *testing.T) {
	f := newFake()
	f.onFind = func(MatchKey) error { return &Error{Kind: ErrRateLimited, Status: 429} }
	_, err := NewClient(f).UpsertContact(context.Background(), ContactInput{Email: "a@example.com"}, UpsertOptions{})
	var se *Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "fake", se.Vendor)
	assert.Equal(t, OpUpsertContact, se.Op)
	assert.ErrorIs(t, err, ErrRateLimited)
	f.onFind = func(MatchKey) error { return errors.New("plain") }
	_, err = NewClient(f).GetContact(context.Background(), Email("a@example.com"))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, OpGetByEmail, se.Op)
	assert.Nil(t, se.Kind)
}

func TestAs(t *testing.T) {
	f := newFake()
	c := NewClient(f)
	var got *fake
	require.True(t, c.As(&got))
	assert.Same(t, f, got)
	var p ContactPatcher
	assert.True(t, c.As(&p))
	var s *string
	assert.False(t, c.As(&s))
	assert.False(t, c.As(nil))
}

func TestValidateIsDeterministic(t *testing.T) {
	in := ContactInput{Email: "a@example.com", CustomFields: map[string]string{}}
	for i := range 20 {
		in.CustomFields[fmt.Sprintf("f%02d", i)] = "bad\x01value"
	}
	in.Language = "e\x02n"
	first := in.Validate()
	require.ErrorIs(t, first, ErrInvalid)
	assert.Contains(t, first.Error(), "language", "the fixed order checks language before custom fields")
	delete(in.CustomFields, "")
	in.Language = ""
	want := in.Validate().Error()
	assert.Contains(t, want, "f00")
	for range 50 {
		assert.Equal(t, want, in.Validate().Error())
	}
}

func TestContactUpdateValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    ContactUpdate
		ok   bool
	}{
		{"empty", ContactUpdate{}, true},
		{"clear email", ContactUpdate{Email: Ptr("")}, true},
		{"bad email", ContactUpdate{Email: Ptr("nope")}, false},
		{"control character", ContactUpdate{LastName: Ptr("a\x00b")}, false},
		{"empty tag", ContactUpdate{Tags: &[]string{"vip", ""}}, false},
		{"empty field name", ContactUpdate{CustomFields: map[string]*string{"": Ptr("x")}}, false},
		{"clear field", ContactUpdate{CustomFields: map[string]*string{"plan": nil}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.u.Validate()
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalid)
			}
		})
	}
}

func TestStopsBatch(t *testing.T) {
	for _, tc := range []struct {
		err  error
		stop bool
	}{
		{nil, false},
		{&Error{Kind: ErrInvalid}, false},
		{&Error{Kind: ErrConflict}, false},
		{&Error{Kind: ErrNotFound}, false},
		{&Error{Message: "malformed"}, false},
		{unresolved(&Error{Kind: ErrUnavailable, OutcomeUnknown: true}, errNoLookup), false},
		{&Error{Kind: ErrUnauthorized}, true},
		{&Error{Kind: ErrForbidden}, true},
		{&Error{Kind: ErrRateLimited}, true},
		{&Error{Kind: ErrUnavailable}, true},
		{&Error{Err: context.Canceled}, true},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), true},
	} {
		assert.Equal(t, tc.stop, StopsBatch(tc.err), "%v", tc.err)
	}
}

// Contradicts is the identity rule's test: the first key on which both
// sides have a value and the values differ.
func TestContradicts(t *testing.T) {
	all := DefaultMatchKeys
	have := Contact{Email: "Ann@Example.com", Phone: "+442079460958", ExternalID: "crm-1"}
	for _, tc := range []struct {
		name string
		keys []MatchKey
		in   ContactInput
		want MatchKey
	}{
		{"same values, other spellings", all, ContactInput{Email: "ann@example.COM", Phone: "+44 20 7946 0958", ExternalID: "crm-1"}, ""},
		{"empty on one side", all, ContactInput{FirstName: "Ann"}, ""},
		{"external IDs compare exactly", all, ContactInput{ExternalID: "CRM-1"}, MatchExternalID},
		{"first key that differs", all, ContactInput{Email: "bea@example.com", Phone: "+15550100"}, MatchEmail},
		{"only the keys given", []MatchKey{MatchPhone}, ContactInput{Email: "bea@example.com"}, ""},
		{"no earlier keys", nil, ContactInput{Email: "bea@example.com"}, ""},
	} {
		assert.Equal(t, tc.want, Contradicts(tc.keys, tc.in, have), tc.name)
	}
	assert.Empty(t, Contradicts(all, have.Input(), Contact{}), "a stored contact without keys")
}

// checkingFake refuses to create contacts without a first name, as
// respond.io does.
type checkingFake struct{ *fake }

func (c checkingFake) CheckCreate(in ContactInput) error {
	if in.FirstName == "" {
		return &Error{Kind: ErrInvalid, Message: "a first name is needed to create a contact"}
	}
	return nil
}

func TestCreateCheckerRefusesBeforeSending(t *testing.T) {
	f := newFake()
	f.caps.MaxBatch = 10
	c := NewClient(checkingFake{f})
	nameless := ContactInput{LastName: "Lovelace", Email: "ada@example.com"}
	require.ErrorIs(t, c.CheckCreate(nameless), ErrInvalid)
	require.NoError(t, c.CheckCreate(ContactInput{FirstName: "Ada"}))

	_, err := c.CreateContact(context.Background(), nameless)
	require.ErrorIs(t, err, ErrInvalid)
	_, err = c.UpsertContact(context.Background(), nameless, UpsertOptions{})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Zero(t, f.calls["create"], "nothing refused is sent")

	r, err := c.CreateContacts(context.Background(), []ContactInput{nameless, {FirstName: "Grace", Email: "grace@example.com"}})
	require.Error(t, err)
	assert.Equal(t, Failed, r.Items[0].Outcome)
	assert.ErrorIs(t, r.Items[0].Err, ErrInvalid)
	assert.Equal(t, Created, r.Items[1].Outcome)

	p, ws, err := c.PrepareContact(context.Background(), ContactInput{FirstName: "Ada", Email: "ADA@example.com"})
	require.NoError(t, err)
	assert.Empty(t, ws)
	assert.Equal(t, "Ada", p.FirstName)
	_, _, err = c.PrepareContact(context.Background(), ContactInput{})
	assert.ErrorIs(t, err, ErrInvalid)
}

package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

var ctx = context.Background()

// at is the fixed clock of these tests, deliberately not in UTC.
var at = time.Date(2025, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func newPlatform(cfg memory.Config) *memory.Platform {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return at }
	}
	return memory.New(cfg)
}

func create(t *testing.T, p *memory.Platform, in support.ContactInput) *support.Contact {
	t.Helper()
	r, err := p.CreateContact(ctx, in)
	if err != nil {
		t.Fatalf("CreateContact(%+v): %v", in, err)
	}
	return r.Contact
}

// wantErr checks err's kind and that it names the vendor and op.
func wantErr(t *testing.T, err error, kind error, op support.Operation) {
	t.Helper()
	var se *support.Error
	switch {
	case !errors.Is(err, kind):
		t.Errorf("got error %v, want %v", err, kind)
	case !errors.As(err, &se):
		t.Errorf("error %v is a %T, want *support.Error", err, err)
	case se.Vendor != memory.Vendor || se.Op != op:
		t.Errorf("error %v has vendor %q, op %q; want %q, %q", err, se.Vendor, se.Op, memory.Vendor, op)
	}
}

func ids(cs []support.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestDeterministicIDsAndUTCClock(t *testing.T) {
	p := newPlatform(memory.Config{})
	a := create(t, p, support.ContactInput{Email: "a@example.com"})
	b := create(t, p, support.ContactInput{Email: "b@example.com"})
	if a.ID != "ctc_1" || b.ID != "ctc_2" {
		t.Errorf("contact IDs %q, %q; want ctc_1, ctc_2", a.ID, b.ID)
	}
	if !a.CreatedAt.Equal(at) || a.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", a.CreatedAt, at)
	}
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(a.ID), Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	// msg_1 is the conversation's first message.
	if c.ID != "conv_1" || m.ID != "msg_2" || c.UpdatedAt.Location() != time.UTC || m.CreatedAt.Location() != time.UTC {
		t.Errorf("conversation %q (%v), message %q (%v); want conv_1, msg_2, in UTC", c.ID, c.UpdatedAt, m.ID, m.CreatedAt)
	}
}

func TestPageSizes(t *testing.T) {
	p := newPlatform(memory.Config{})
	batch := make([]support.ContactInput, 1001)
	for i := range batch {
		batch[i] = support.ContactInput{FirstName: fmt.Sprint("C", i)}
	}
	if _, err := p.CreateContacts(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ limit, want int }{{0, 50}, {7, 7}, {1000, 1000}, {5000, 1000}} {
		page, err := p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: tc.limit}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != tc.want || page.Next == "" {
			t.Errorf("Limit %d: %d items, next %q; want %d and a next page", tc.limit, len(page.Items), page.Next, tc.want)
		}
	}
	small := newPlatform(memory.Config{PageSize: 2})
	for range 3 {
		create(t, small, support.ContactInput{FirstName: "X"})
	}
	if page, _ := small.ListContacts(ctx, support.ContactListOptions{}); len(page.Items) != 2 {
		t.Errorf("Config.PageSize 2: first page has %d items", len(page.Items))
	}
	_, err := p.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: -1}})
	wantErr(t, err, support.ErrInvalid, support.OpListContacts)
}

func TestCursors(t *testing.T) {
	p := newPlatform(memory.Config{PageSize: 2})
	for i := range 5 {
		create(t, p, support.ContactInput{FirstName: fmt.Sprint("C", i+1)})
	}
	first, err := p.ListContacts(ctx, support.ContactListOptions{})
	if err != nil || !slices.Equal(ids(first.Items), []string{"ctc_1", "ctc_2"}) {
		t.Fatalf("first page %v, %v", ids(first.Items), err)
	}
	saved := first.Next

	// The cursor names the last item seen, so deleting it or items before it,
	// and adding new ones, leaves the rest of the listing right.
	for _, id := range []string{"ctc_1", "ctc_2", "ctc_4"} {
		if err := p.DeleteContact(ctx, support.ID(id)); err != nil {
			t.Fatal(err)
		}
	}
	create(t, p, support.ContactInput{FirstName: "C6"})
	var rest []string
	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: saved}}) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, c.ID)
	}
	if want := []string{"ctc_3", "ctc_5", "ctc_6"}; !slices.Equal(rest, want) {
		t.Errorf("resumed listing %q, want %q", rest, want)
	}

	conv, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_3"), Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_5"), Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Text: "more"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := p.ListMessages(ctx, conv.ID, support.ListOptions{})
	if err != nil || msgs.Next == "" {
		t.Fatalf("messages page: next %q, %v", msgs.Next, err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if got.Tags[0] != "vip" || got.CustomFields["plan"] != "pro" || !json.Valid(got.Raw) {
		t.Errorf("changing a returned contact changed the store: %+v", got)
	}

	conv, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(c.ID), Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Assign(ctx, conv.ID, support.Assignee{ID: "agt_1"}); err != nil {
		t.Fatal(err)
	}
	gotConv, _ := p.GetConversation(ctx, conv.ID)
	gotConv.Assignee.ID = "changed"
	m, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Attachments: []support.Attachment{{URL: "https://example.com/a.png"}}})
	if err != nil {
		t.Fatal(err)
	}
	m.Attachments[0].URL = "changed"
	again, _ := p.GetConversation(ctx, conv.ID)
	msgs, _ := p.ListMessages(ctx, conv.ID, support.ListOptions{})
	if again.Assignee.ID != "agt_1" || msgs.Items[1].Attachments[0].URL != "https://example.com/a.png" {
		t.Errorf("changing returned values changed the store: assignee %+v, attachments %+v", again.Assignee, msgs.Items[1].Attachments)
	}
}

func TestRaw(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{FirstName: "Ada", Email: "ada@example.com", CustomFields: map[string]string{"plan": "pro"}})
	var raw map[string]any
	if err := json.Unmarshal(c.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": "ctc_1", "first_name": "Ada", "email": "ada@example.com",
		"custom_fields": map[string]any{"plan": "pro"}, "created_at": "2025-03-14T14:09:26Z",
	}
	if fmt.Sprint(raw) != fmt.Sprint(want) {
		t.Errorf("Raw = %s, want %v", c.Raw, want)
	}
	agents, _ := p.ListAgents(ctx, support.ListOptions{})
	if string(agents.Items[2].Raw) != `{"id":"team_1","kind":"team","name":"Support","active":true}` {
		t.Errorf("team Raw = %s", agents.Items[2].Raw)
	}
}

func TestLookups(t *testing.T) {
	p := newPlatform(memory.Config{})
	first := create(t, p, support.ContactInput{Email: "Ada@Example.com", Phone: "+44 20 7946 0958"})
	create(t, p, support.ContactInput{Email: "ada@example.com", Phone: "0044 20 7946 0958"})
	odd := create(t, p, support.ContactInput{FirstName: "Odd", Phone: "123 456 789"})
	for _, ref := range []support.Ref{support.Email("ADA@EXAMPLE.COM"), support.Phone("+442079460958")} {
		got, err := p.GetContact(ctx, ref)
		if err != nil || got.ID != first.ID {
			t.Errorf("GetContact(%s) = %v, %v; want the earliest created, %s", ref, got, err, first.ID)
		}
	}
	if got, err := p.GetContact(ctx, support.ID(odd.ID)); err != nil || got.Phone != "123 456 789" {
		t.Errorf("a phone that does not normalize is stored as given: %+v, %v", got, err)
	}
	_, err := p.GetContact(ctx, support.Email("nobody@example.com"))
	wantErr(t, err, support.ErrNotFound, support.OpGetByEmail)
	_, err = p.GetContact(ctx, support.Phone("+1 202 555 0199"))
	wantErr(t, err, support.ErrNotFound, support.OpGetByPhone)
	_, err = p.GetContact(ctx, support.Phone("123 456 789"))
	wantErr(t, err, support.ErrInvalid, support.OpGetByPhone)
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
			if err != nil {
				t.Fatal(err)
			}
			if r.Contact.ID != tc.wantID || r.Outcome != tc.outcome {
				t.Errorf("got %s, %s; want %s, %s", r.Contact.ID, r.Outcome, tc.wantID, tc.outcome)
			}
		})
	}
	got, _ := p.GetContact(ctx, support.ID(byEmail.ID))
	if !slices.Equal(got.Tags, []string{"b"}) || got.Email != "ada@example.com" {
		t.Errorf("after upserts: tags %q, email %q; want [b], the stored case", got.Tags, got.Email)
	}
	got, _ = p.GetContact(ctx, support.ID(byPhone.ID))
	if got.CustomFields["plan"] != "pro" || got.CustomFields["seats"] != "1" || got.Phone != "+1 415 555 0100" {
		t.Errorf("after upserts: custom fields %v, phone %q", got.CustomFields, got.Phone)
	}
	_, err := p.UpsertContact(ctx, support.ContactInput{Email: "x@example.com"}, support.UpsertOptions{MatchKeys: []support.MatchKey{"name"}})
	wantErr(t, err, support.ErrInvalid, support.OpUpsertContact)
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
	if err != nil {
		t.Fatal(err)
	}
	got := r.Contact
	if r.Outcome != support.Updated || got.FirstName != "Ada" || got.LastName != "" || got.Email != "ada@example.com" ||
		got.Tags != nil || fmt.Sprint(got.CustomFields) != "map[seats:3 team:core]" {
		t.Errorf("after the update: %s %+v", r.Outcome, got)
	}
	r, err = p.UpdateContact(ctx, support.Email("ADA@example.com"), support.ContactUpdate{FirstName: support.Ptr("Ada")})
	if err != nil || r.Outcome != support.Unchanged {
		t.Errorf("an update that changes nothing: %v, %v; want unchanged", r, err)
	}
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
	if r.Count(support.Created) != 2 || r.Count(support.Failed) != 2 {
		t.Fatalf("outcomes: %+v", r.Items)
	}
	var item *support.BatchItemError
	if !errors.As(err, &item) || item.Index != 1 || !errors.Is(err, support.ErrInvalid) {
		t.Errorf("error %v, want records 1 and 3 invalid", err)
	}
	for _, i := range []int{1, 3} {
		wantErr(t, r.Items[i].Err, support.ErrInvalid, support.OpCreateContacts)
	}
	if r, err := p.CreateContacts(ctx, nil); err != nil || len(r.Items) != 0 {
		t.Errorf("empty batch: %+v, %v", r, err)
	}
}

func TestConversations(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Name: "Grace Brewster Hopper", Subject: "Hi", Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	contact, err := p.GetContact(ctx, support.ID(c.ContactID))
	if err != nil || contact.FirstName != "Grace Brewster" || contact.LastName != "Hopper" || contact.Email != "grace@example.com" {
		t.Errorf("contact created on the fly: %+v, %v", contact, err)
	}
	byPhone, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Phone("+1 415 555 0100"), Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	if contact, _ := p.GetContact(ctx, support.ID(byPhone.ContactID)); contact.Phone != "+14155550100" {
		t.Errorf("contact created by phone: %+v", contact)
	}
	_, err = p.CreateConversation(ctx, support.NewConversation{Contact: support.ID("ctc_404"), Text: "Hello"})
	wantErr(t, err, support.ErrNotFound, support.OpCreateConversation)
	_, err = p.CreateConversation(ctx, support.NewConversation{Contact: support.ID(c.ContactID), Text: " "})
	wantErr(t, err, support.ErrInvalid, support.OpCreateConversation)

	if err := p.SetStatus(ctx, c.ID, support.StatusChange{Status: support.StatusClosed, Category: "Resolved", Summary: "Done"}); err != nil {
		t.Fatal(err)
	}
	got, _ := p.GetConversation(ctx, c.ID)
	var raw struct {
		ClosingNote struct{ Category, Summary string } `json:"closing_note"`
	}
	if err := json.Unmarshal(got.Raw, &raw); err != nil || got.Status != support.StatusClosed || raw.ClosingNote.Category != "Resolved" {
		t.Errorf("closed conversation: %s, Raw %s", got.Status, got.Raw)
	}
	for _, tc := range []struct {
		opts support.ConversationListOptions
		want []string
	}{
		{support.ConversationListOptions{}, []string{c.ID, byPhone.ID}},
		{support.ConversationListOptions{Status: support.StatusOpen}, []string{byPhone.ID}},
		{support.ConversationListOptions{Status: support.StatusClosed, ContactID: c.ContactID}, []string{c.ID}},
		{support.ConversationListOptions{ContactID: "ctc_404"}, nil},
	} {
		page, err := p.ListConversations(ctx, tc.opts)
		var got []string
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ListConversations(%+v) = %q, %v; want %q", tc.opts, got, err, tc.want)
		}
	}
	err = p.SetStatus(ctx, c.ID, support.StatusChange{Status: "snoozed"})
	wantErr(t, err, support.ErrInvalid, support.OpSetStatus)
}

func TestAssignAndAuthors(t *testing.T) {
	p := newPlatform(memory.Config{Agents: []support.Agent{
		{ID: "u1", Name: "Una", Email: "una@example.com"},
		{ID: "t1", Kind: support.KindTeam, Name: "Billing"},
	}})
	c, err := p.CreateConversation(ctx, support.NewConversation{Contact: support.Email("a@example.com"), Text: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
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
		got, _ := p.GetConversation(ctx, c.ID)
		if err != nil || got.Assignee == nil || *got.Assignee != *tc.want {
			t.Errorf("Assign(%+v): %v, assignee %+v; want %+v", tc.to, err, got.Assignee, tc.want)
		}
	}
	if agents, _ := p.ListAgents(ctx, support.ListOptions{}); agents.Items[0].Kind != support.KindAgent {
		t.Errorf("an agent configured without Kind is listed as %q", agents.Items[0].Kind)
	}
	m, err := p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Noted", Internal: true, AuthorID: "u1"})
	if err != nil || !m.Internal || m.AuthorID != "u1" || m.AuthorKind != support.AuthorAgent || m.Direction != support.Outbound {
		t.Errorf("note: %+v, %v", m, err)
	}
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Text: "Hi", AuthorID: "t1"})
	wantErr(t, err, support.ErrNotFound, support.OpSendMessage)
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Internal: true})
	wantErr(t, err, support.ErrInvalid, support.OpSendNote)
	_, err = p.SendMessage(ctx, c.ID, support.NewMessage{Attachments: []support.Attachment{{Name: "no URL"}}})
	wantErr(t, err, support.ErrInvalid, support.OpSendMessage)
}

func TestCancelledContext(t *testing.T) {
	p := newPlatform(memory.Config{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := p.CreateContact(c, support.ContactInput{Email: "a@example.com"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CreateContact with a cancelled context: %v", err)
	}
	var se *support.Error
	if !errors.As(err, &se) || se.Vendor != memory.Vendor || se.Op != support.OpCreateContact {
		t.Errorf("error %v does not name vendor and op", err)
	}
	if all, _ := p.ListContacts(ctx, support.ContactListOptions{}); len(all.Items) != 0 {
		t.Errorf("a cancelled create stored %d contacts", len(all.Items))
	}
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
				// The same person again, by another worker's hand: no duplicate.
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
	n := 0
	for _, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != workers*each {
		t.Errorf("%d contacts after concurrent upserts, want %d", n, workers*each)
	}
}

func TestOpen(t *testing.T) {
	p, err := support.Open(ctx, "memory", map[string]any{"pagesize": "2"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: "X"}); err != nil {
			t.Fatal(err)
		}
	}
	if page, _ := p.ListContacts(ctx, support.ContactListOptions{}); len(page.Items) != 2 {
		t.Errorf("page size from the config map: %d items, want 2", len(page.Items))
	}
	_, err = support.Open(ctx, "memory", map[string]any{"page_size": 2})
	var se *support.Error
	if !errors.Is(err, support.ErrInvalid) || !errors.As(err, &se) || se.Vendor != memory.Vendor {
		t.Errorf("unknown config key: %v, want ErrInvalid from memory", err)
	}
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
		if err := support.ValidateEmail(tc.stored); err != nil {
			t.Fatalf("%q: %v", tc.stored, err)
		}
		p := newPlatform(memory.Config{})
		c := create(t, p, support.ContactInput{Email: tc.stored})
		got, err := p.GetContact(ctx, support.Email(tc.looked))
		found := err == nil && got.ID == c.ID
		if want := support.EqualEmail(tc.stored, tc.looked); found != want {
			t.Errorf("GetContact(email:%s) with %s stored: found %v (%v), EqualEmail says %v", tc.looked, tc.stored, found, err, want)
		}
		r, err := p.UpsertContact(ctx, support.ContactInput{Email: tc.looked}, support.UpsertOptions{})
		if err == nil && (r.Contact.ID == c.ID) != support.EqualEmail(tc.stored, tc.looked) {
			t.Errorf("UpsertContact(%s) with %s stored matched %s", tc.looked, tc.stored, r.Contact.ID)
		}
	}
}

// Changing a contact's email, phone or external ID moves it in the lookup
// indexes; deleting it removes it.
func TestIndexesFollowChanges(t *testing.T) {
	p := newPlatform(memory.Config{})
	c := create(t, p, support.ContactInput{Email: "old@example.com", Phone: "+1 415 555 0100", ExternalID: "x1"})
	if _, err := p.UpdateContact(ctx, support.ID(c.ID), support.ContactUpdate{
		Email: support.Ptr("new@example.com"), Phone: support.Ptr("+44 20 7946 0958"), ExternalID: support.Ptr("x2"),
	}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []support.Ref{support.Email("old@example.com"), support.Phone("+14155550100")} {
		if _, err := p.GetContact(ctx, ref); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("GetContact(%s) after the change: %v, want not found", ref, err)
		}
	}
	for _, ref := range []support.Ref{support.Email("NEW@example.com"), support.Phone("+442079460958")} {
		if got, err := p.GetContact(ctx, ref); err != nil || got.ID != c.ID {
			t.Errorf("GetContact(%s) after the change: %v, %v", ref, got, err)
		}
	}
	r, err := p.UpsertContact(ctx, support.ContactInput{ExternalID: "x2", FirstName: "X"}, support.UpsertOptions{})
	if err != nil || r.Contact.ID != c.ID || r.Outcome != support.Updated {
		t.Errorf("upsert by the new external ID: %+v, %v", r, err)
	}
	if err := p.DeleteContact(ctx, support.Email("new@example.com")); err != nil {
		t.Fatal(err)
	}
	r, err = p.UpsertContact(ctx, support.ContactInput{ExternalID: "x2", FirstName: "X"}, support.UpsertOptions{})
	if err != nil || r.Contact.ID == c.ID || r.Outcome != support.Created {
		t.Errorf("upsert by the external ID of a deleted contact: %+v, %v", r, err)
	}
}

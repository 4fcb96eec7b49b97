package respondio_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

const fieldsRoute = "GET /v2/space/custom_field"

// Issue 11 (4): every list asks for pages of 100. Listing 1,000 contacts
// takes 10 requests (it took 100 at respond.io's default of 10), and so on
// for each list.
func TestListingsAskForFullPages(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{NoDefaultUsers: true})
	s := srv.Simulator
	for i := range 1000 {
		seed(t, s, respondiotest.Contact{FirstName: "P", Email: fmt.Sprintf("p%d@example.com", i), Status: "open"})
	}
	for i := range 250 {
		_, err := s.SeedMessage(respondiotest.Message{ContactID: 1, Text: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	for i := range 150 {
		s.SeedUser(respondiotest.User{FirstName: "U", Email: fmt.Sprintf("u%d@example.com", i), Role: "agent"})
		require.NoError(t, s.SeedClosingNote(respondiotest.ClosingNote{Category: fmt.Sprint("c", i)}))
		_, err := s.DefineField(respondiotest.FieldDef{Name: fmt.Sprint("f", i)})
		require.NoError(t, err)
	}
	count := func(seq func(func(int, error) bool)) int {
		n := 0
		for _, err := range seq {
			require.NoError(t, err)
			n++
		}
		return n
	}
	ctx := t.Context()
	for _, tc := range []struct {
		what, route   string
		list          func() int
		items, wantRq int
	}{
		{"contacts", "POST /v2/contact/list", func() int {
			return count(func(y func(int, error) bool) {
				for _, err := range support.AllContacts(ctx, c, support.ContactListOptions{}) {
					y(0, err)
				}
			})
		}, 1000, 10},
		{"conversations", "POST /v2/contact/list", func() int {
			return count(func(y func(int, error) bool) {
				for _, err := range support.AllConversations(ctx, c, support.ConversationListOptions{}) {
					y(0, err)
				}
			})
		}, 1000, 10},
		{"messages", "GET /v2/contact/{identifier}/message/list", func() int {
			return count(func(y func(int, error) bool) {
				for _, err := range support.AllMessages(ctx, c, "1", support.ListOptions{}) {
					y(0, err)
				}
			})
		}, 250, 3},
		{"agents", "GET /v2/space/user", func() int {
			return count(func(y func(int, error) bool) {
				for _, err := range support.AllAgents(ctx, c, support.ListOptions{}) {
					y(0, err)
				}
			})
		}, 150, 2},
		{"closing categories", "GET /v2/space/closing_notes", func() int {
			cats, err := c.ListClosingCategories(ctx)
			require.NoError(t, err)
			return len(cats)
		}, 151, 2},
		{"contact fields", fieldsRoute, func() int {
			fs, err := c.ListContactFields(ctx)
			require.NoError(t, err)
			return len(fs)
		}, 150, 2},
	} {
		before := s.Requests(tc.route)
		assert.Equal(t, tc.items, tc.list(), tc.what)
		assert.Equal(t, tc.wantRq, s.Requests(tc.route)-before, "%s: requests", tc.what)
	}
	cats, err := c.ListClosingCategories(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Resolved", cats[0].Name, "in the workspace's order")
	assert.Equal(t, "c149", cats[150].Name)
}

// Issue 11 (4): a message goes on the channel chosen, a number; a note has
// no channel. The channel is read back.
func TestSendOnAChosenChannel(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	wa := srv.SeedChannel(respondiotest.Channel{Name: "WhatsApp", Source: "whatsapp"})
	other := srv.SeedChannel(respondiotest.Channel{Name: "Telegram", Source: "telegram"})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open", Channels: []int64{wa.ID}})
	assert.True(t, c.Capabilities().ChoosesChannel)

	m, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "On WhatsApp", ChannelID: itoa(wa.ID)})
	require.NoError(t, err)
	assert.Equal(t, itoa(wa.ID), m.ChannelID)
	require.Len(t, srv.Messages(1), 1)
	assert.Equal(t, wa.ID, srv.Messages(1)[0].ChannelID)
	got, err := c.GetMessage(t.Context(), "1", m.ID)
	require.NoError(t, err)
	assert.Equal(t, itoa(wa.ID), got.ChannelID)
	page, err := c.ListMessages(t.Context(), "1", support.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, itoa(wa.ID), page.Items[0].ChannelID)

	for _, bad := range []string{"whatsapp", "0", "-2", "1.5"} {
		noRequest(t, srv, "channel "+bad, func() error {
			_, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "x", ChannelID: bad})
			return err
		})
	}
	noRequest(t, srv, "a note on a channel", func() error {
		_, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "x", ChannelID: itoa(wa.ID), Internal: true})
		return err
	})
	_, err = c.SendMessage(t.Context(), "1", support.NewMessage{Text: "x", ChannelID: itoa(other.ID)})
	wantKind(t, "a channel not the contact's", err, support.ErrInvalid)
	assert.Len(t, srv.Messages(1), 1, "nothing more was sent")
}

// Issue 11 (4): a message with a subject is an email: {type: "email",
// text, subject, attachments}, read back with its subject.
func TestSendEmailWithSubject(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	mail := srv.SeedChannel(respondiotest.Channel{Name: "Mail", Source: "other_email"})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open", Channels: []int64{mail.ID}})
	assert.True(t, c.Capabilities().MessageSubjects)

	m, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Your parcel ships today.", Subject: "Order 42", ChannelID: itoa(mail.ID)})
	require.NoError(t, err)
	assert.Equal(t, "Order 42", m.Subject)
	stored := srv.Messages(1)
	require.Len(t, stored, 1)
	assert.Equal(t, "email", stored[0].Type)
	assert.Equal(t, "Order 42", stored[0].Subject)
	got, err := c.GetMessage(t.Context(), "1", m.ID)
	require.NoError(t, err)
	assert.Equal(t, "Order 42", got.Subject)
	assert.Equal(t, "Your parcel ships today.", got.Text)

	// At the driver, an email carries its attachments: one request.
	d := driver(t, c)
	before := srv.Requests("POST /v2/contact/{identifier}/message")
	m, err = d.SendMessage(t.Context(), "1", support.NewMessage{Text: "Invoice attached.", Subject: "Invoice",
		Attachments: []support.Attachment{{URL: "https://example.com/files/inv-7.pdf", ContentType: "application/pdf"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Requests("POST /v2/contact/{identifier}/message")-before)
	assert.Len(t, m.Attachments, 1)
	assert.JSONEq(t, `{"type":"email","text":"Invoice attached.","subject":"Invoice","attachments":[{"type":"file","url":"https://example.com/files/inv-7.pdf","fileName":"inv-7.pdf"}]}`,
		string(srv.Messages(1)[1].Body), "the file name comes from the URL")
	noRequest(t, srv, "an email without text", func() error {
		_, err := d.SendMessage(t.Context(), "1", support.NewMessage{Subject: "S", Attachments: []support.Attachment{{URL: "https://example.com/a.pdf"}}})
		return err
	})
}

// Issue 11 (4): GetMessage reads one message by ID.
func TestGetMessage(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	seed(t, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	sent, err := c.SendMessage(t.Context(), "1", support.NewMessage{Text: "Hello"})
	require.NoError(t, err)
	got, err := c.GetMessage(t.Context(), "1", sent.ID)
	require.NoError(t, err)
	assert.Equal(t, sent.ID, got.ID)
	assert.Equal(t, "1", got.ConversationID)
	assert.Equal(t, "Hello", got.Text)
	assert.Equal(t, support.Outbound, got.Direction)
	assert.NotEmpty(t, got.Raw)
	_, err = c.GetMessage(t.Context(), "1", "999")
	wantKind(t, "a missing message", err, support.ErrNotFound)
	_, err = c.GetMessage(t.Context(), "2", sent.ID)
	wantKind(t, "a missing contact", err, support.ErrNotFound)
	noRequest(t, srv, "a message ID that is no number", func() error {
		_, err := c.GetMessage(t.Context(), "1", "msg-abc")
		return err
	})
}

// Issue 11 (4): the lifecycle and profilePic are read and written; city
// and email consent are warned about by the Client.
func TestLifecycleAndAvatar(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	in := support.ContactInput{FirstName: "Ada", Email: "ada@example.com", Lifecycle: "Hot Lead",
		AvatarURL: "https://example.com/ada.png", City: "London", EmailConsent: support.ConsentSubscribed}
	r, err := c.CreateContact(t.Context(), in)
	require.NoError(t, err)
	var fields []string
	for _, w := range r.Warnings {
		fields = append(fields, w.Field)
	}
	assert.Equal(t, []string{"city", "email_consent"}, fields)
	stored, _ := srv.Contact(1)
	assert.Equal(t, "Hot Lead", stored.Lifecycle)
	assert.Equal(t, "https://example.com/ada.png", stored.ProfilePic)
	got, err := c.GetContact(t.Context(), support.ID("1"))
	require.NoError(t, err)
	for _, ct := range []*support.Contact{r.Contact, got} {
		assert.Equal(t, "Hot Lead", ct.Lifecycle)
		assert.Equal(t, "https://example.com/ada.png", ct.AvatarURL)
	}
	in.City, in.EmailConsent = "", ""
	writes := srv.Writes()
	r, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome, "read back as written")
	assert.Equal(t, writes, srv.Writes())

	r, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{Lifecycle: support.Ptr("Customer"), AvatarURL: support.Ptr("")})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	stored, _ = srv.Contact(1)
	assert.Equal(t, "Customer", stored.Lifecycle)
	assert.Empty(t, stored.ProfilePic)
	_, err = c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{Lifecycle: support.Ptr("")})
	require.NoError(t, err)
	stored, _ = srv.Contact(1)
	assert.Empty(t, stored.Lifecycle, "cleared")

	noRequest(t, srv, "an avatar that is no http(s) URL", func() error {
		_, err := c.UpdateContact(t.Context(), support.ID("1"), support.ContactUpdate{AvatarURL: support.Ptr("ftp://example.com/a.png")})
		return err
	})

	// A lifecycle that fails after the create: Created, with a warning.
	srv.Faults.Next(1, sim.Match{Method: "POST", Path: "/v2/contact/id:2/lifecycle"}, sim.Unavailable(400))
	r, err = c.CreateContact(t.Context(), support.ContactInput{FirstName: "Grace", Email: "grace@example.com", Lifecycle: "Lead"})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	assert.Empty(t, r.Contact.Lifecycle)
	require.Len(t, r.Warnings, 1)
	assert.Equal(t, "lifecycle", r.Warnings[0].Field)
}

// Issue 11 (4): custom fields the workspace does not define are warned
// about and left out before anything is written; the definitions are read
// once, when a custom field is first written.
func TestUndefinedCustomFieldsAreLeftOut(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	s := srv.Simulator
	define(t, s, "plan")
	_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "A", Email: "a@example.com"})
	require.NoError(t, err)
	assert.Zero(t, s.Requests(fieldsRoute), "no custom field, no read")

	for i := range 3 {
		r, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "P", Email: fmt.Sprintf("p%d@example.com", i),
			CustomFields: map[string]string{"plan": "pro", "tier": "gold"}})
		require.NoError(t, err)
		assert.Equal(t, []support.Warning{{Field: "custom_fields.tier", Message: "not a custom field defined in this respond.io workspace; not stored"}}, r.Warnings)
		assert.Equal(t, map[string]string{"plan": "pro"}, r.Contact.CustomFields)
	}
	assert.Equal(t, 1, s.Requests(fieldsRoute), "definitions read once")
	stored, _ := s.Contact(2)
	require.Len(t, stored.CustomFields, 1)
	assert.Equal(t, "plan", stored.CustomFields[0].Name)

	// An update too, clearing included; only a defined field is sent.
	r, err := c.UpdateContact(t.Context(), support.ID("2"), support.ContactUpdate{CustomFields: map[string]*string{"tier": nil}})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	require.Len(t, r.Warnings, 1)
	assert.Equal(t, "custom_fields.tier", r.Warnings[0].Field)
	plan, ws, err := c.PrepareContact(t.Context(), support.ContactInput{FirstName: "X", Email: "x@example.com", CustomFields: map[string]string{"tier": "1"}})
	require.NoError(t, err)
	assert.Empty(t, plan.CustomFields, "a plan (PrepareContact) shows the field left out")
	assert.Len(t, ws, 1)
}

// The definitions are read again, once, when respond.io refuses a custom
// field they allowed (it was deleted since), and the write is sent again
// without it; a failed read is not kept; definitions respond.io does not
// serve leave custom fields unchecked.
func TestCustomFieldDefinitionsRefresh(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		srv, c := setup(t, respondiotest.Options{})
		s := srv.Simulator
		define(t, s, "plan", "tier")
		_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "A", Email: "a@example.com", CustomFields: map[string]string{"plan": "pro"}})
		require.NoError(t, err)
		s.UndefineField("plan")
		r, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "B", Email: "b@example.com",
			CustomFields: map[string]string{"plan": "pro", "tier": "gold"}})
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"tier": "gold"}, r.Contact.CustomFields)
		require.Len(t, r.Warnings, 1)
		assert.Equal(t, "custom_fields.plan", r.Warnings[0].Field)
		assert.Equal(t, 2, s.Requests(fieldsRoute), "read again once")
		assert.Equal(t, 2, s.ContactCount())

		// The re-read is spent: a second refusal is the vendor's error.
		s.UndefineField("tier")
		_, err = c.UpdateContact(t.Context(), support.ID("2"), support.ContactUpdate{CustomFields: map[string]*string{"tier": support.Ptr("x")}})
		wantKind(t, "a refusal after the re-read", err, support.ErrInvalid)
		assert.Equal(t, 2, s.Requests(fieldsRoute))
	})
	t.Run("failed read", func(t *testing.T) {
		srv := newServer(t, respondiotest.Options{})
		c := newClient(t, respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1, MaxAttempts: 1})
		define(t, srv.Simulator, "plan")
		srv.Faults.Next(1, sim.Match{Method: "GET", Path: "/v2/space/custom_field"}, sim.Unavailable(503))
		in := support.ContactInput{FirstName: "A", Email: "a@example.com", CustomFields: map[string]string{"plan": "pro"}}
		_, err := c.CreateContact(t.Context(), in)
		wantKind(t, "definitions unavailable", err, support.ErrUnavailable)
		assert.Zero(t, srv.ContactCount(), "nothing written unchecked")
		r, err := c.CreateContact(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"plan": "pro"}, r.Contact.CustomFields)
		assert.Equal(t, 2, srv.Requests(fieldsRoute))
	})
	t.Run("not served", func(t *testing.T) {
		srv, c := setup(t, respondiotest.Options{})
		define(t, srv.Simulator, "plan")
		srv.Faults.Next(1, sim.Match{Method: "GET", Path: "/v2/space/custom_field"}, sim.Unavailable(404))
		for i := range 2 {
			r, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "A", Email: fmt.Sprintf("a%d@example.com", i), CustomFields: map[string]string{"plan": "pro"}})
			require.NoError(t, err)
			assert.Empty(t, r.Warnings)
		}
		assert.Equal(t, 1, srv.Requests(fieldsRoute), "a 404 is kept")
		assert.Equal(t, 2, srv.ContactCount())
	})
}

// Concurrent writes share one read of the definitions.
func TestCustomFieldDefinitionsReadOnceConcurrently(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	define(t, srv.Simulator, "plan")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "P", Email: fmt.Sprintf("p%d@example.com", i), CustomFields: map[string]string{"plan": "pro"}})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, srv.Requests(fieldsRoute))
	assert.Equal(t, 8, srv.ContactCount())
}

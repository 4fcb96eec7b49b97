package tidysupport_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

// Done when: creating a known email twice yields one contact and the
// outcome "matched".
func TestCreateKnownEmailTwiceMatches(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{Seed: 7})
	ctx := t.Context()
	in := support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}
	first, err := c.CreateContact(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if first.Outcome != support.Created {
		t.Errorf("first create: outcome %q, want created", first.Outcome)
	}
	writes := srv.Stats.Writes()

	// The same person again, the email in another case, with a new phone.
	again := in
	again.Email, again.Phone = "ADA@Example.COM", "+1 415 555 0100"
	second, err := c.CreateContact(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if second.Outcome != support.Matched || second.Contact.ID != first.Contact.ID {
		t.Errorf("second create: outcome %q, contact %s; want matched, %s", second.Outcome, second.Contact.ID, first.Contact.ID)
	}
	if got := fields(second.Warnings); !slices.Equal(got, []string{"phone"}) {
		t.Errorf("second create warns about %v, want [phone] (the stored phone differs and cannot be updated)", got)
	}
	if second.Contact.Phone != "+442079460958" {
		t.Errorf("matched contact has phone %q, want the stored one", second.Contact.Phone)
	}
	if n := len(srv.Contacts()); n != 1 {
		t.Errorf("the vendor holds %d contacts, want 1", n)
	}
	if got := srv.Stats.Writes(); got != writes {
		t.Errorf("matching sent %d write(s), want none", got-writes)
	}
}

// fields lists the fields warned about.
func fields(ws []support.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Field)
	}
	return out
}

// Done when: listing every contact across many pages loses none and repeats
// none, also when contacts are added while the listing runs.
func TestListContactsAcrossManyPages(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{Seed: 3, MaxPageSize: 50})
	const n = 1000
	want := map[string]bool{}
	for i := range n {
		want[srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("p%04d@example.com", i), Name: "Person Paged"}).ID] = true
	}
	seen := map[string]int{}
	pages := 0
	// Limit 70 is above the simulator's largest page (50): pages come back
	// shorter than asked, and the listing must still go on.
	for page, err := range support.Pages(t.Context(), "", func(ctx context.Context, cursor string) (support.Page[support.Contact], error) {
		return c.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Cursor: cursor, Limit: 70}})
	}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, ct := range page.Items {
			seen[ct.ID]++
		}
		// Newcomers go to the end of the list: they are listed too, once.
		if pages%5 == 0 {
			nc := srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("late%d@example.com", pages)})
			want[nc.ID] = true
		}
	}
	if pages < n/50 {
		t.Errorf("%d pages for %d contacts at most 50 a page", pages, n)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("contact %s listed %d times, want once", id, seen[id])
		}
	}
	for id := range seen {
		if !want[id] {
			t.Errorf("contact %s listed but never stored", id)
		}
	}
}

// Done when: a wrong workspace ID is a clear not-found error.
func TestWrongWorkspaceIsNotFound(t *testing.T) {
	srv, good := newSim(t, tidysupporttest.Options{})
	ada, err := good.CreateContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := simulatorConfig(srv)
	cfg.WorkspaceID = "wrk_someone_else"
	c := mustNew(t, cfg)
	ctx := t.Context()

	calls := map[string]func() error{
		"GetContact": func() error { _, err := c.GetContact(ctx, support.ID(ada.Contact.ID)); return err },
		"GetContact by email": func() error {
			_, err := c.GetContact(ctx, support.Email("ada@example.com"))
			return err
		},
		"CreateContact": func() error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "grace@example.com"})
			return err
		},
		"ListContacts": func() error { _, err := c.ListContacts(ctx, support.ContactListOptions{}); return err },
		"ListConversations": func() error {
			_, err := c.ListConversations(ctx, support.ConversationListOptions{})
			return err
		},
		"CreateConversation": func() error {
			_, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("grace@example.com"), Text: "Hello"})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		var se *support.Error
		if !errors.Is(err, support.ErrNotFound) || !errors.As(err, &se) {
			t.Errorf("%s with a wrong workspace: %v; want ErrNotFound", name, err)
			continue
		}
		if !strings.Contains(se.Error(), "wrk_someone_else") || !strings.Contains(strings.ToLower(se.Error()), "workspace") {
			t.Errorf("%s with a wrong workspace: %q does not say which workspace is wrong", name, se.Error())
		}
	}
	if n := len(srv.Contacts()); n != 1 || srv.EmailsSent() != 0 {
		t.Errorf("the vendor holds %d contacts and sent %d emails; want 1 and 0", n, srv.EmailsSent())
	}
}

func TestUpsertOutcomes(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	in := support.ContactInput{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", Phone: "+1 415 555 0100"}
	r, err := c.UpsertContact(ctx, in, support.UpsertOptions{})
	if err != nil || r.Outcome != support.Created {
		t.Fatalf("first upsert: %+v, %v; want created", r, err)
	}
	id := r.Contact.ID
	for _, tc := range []struct {
		name     string
		in       support.ContactInput
		opts     support.UpsertOptions
		outcome  support.Outcome
		warnings []string
	}{
		{"same input", in, support.UpsertOptions{}, support.Unchanged, nil},
		{"email in another case", support.ContactInput{Email: "GRACE@example.com"}, support.UpsertOptions{}, support.Unchanged, nil},
		{"new last name", support.ContactInput{FirstName: "Grace", LastName: "Murray", Email: "grace@example.com"}, support.UpsertOptions{},
			support.Matched, []string{"last_name"}},
		{"fields TidySupport cannot store", support.ContactInput{
			Email: "grace@example.com", Language: "en", ExternalID: "crm-1", Tags: []string{"vip"},
			CustomFields: map[string]string{"plan": "pro", "seats": "3"},
		}, support.UpsertOptions{}, support.Matched, []string{"language", "external_id", "tags", "custom_fields.plan", "custom_fields.seats"}},
		// The vendor's create matches by email whatever the keys say.
		{"keys without email", in, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}}, support.Unchanged, nil},
	} {
		r, err := c.UpsertContact(ctx, tc.in, tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if r.Outcome != tc.outcome || r.Contact.ID != id || !slices.Equal(fields(r.Warnings), tc.warnings) {
			t.Errorf("%s: outcome %q, contact %s, warnings %v; want %q, %s, %v", tc.name, r.Outcome, r.Contact.ID, fields(r.Warnings), tc.outcome, id, tc.warnings)
		}
	}
	if n := len(srv.Contacts()); n != 1 {
		t.Errorf("the vendor holds %d contacts, want 1", n)
	}
	if got := srv.Stats.Count(tidysupporttest.RouteCreateContact); got != 1 {
		t.Errorf("%d creates sent, want 1", got)
	}
}

func TestCreateWarnsAboutWhatIsNotStored(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	r, err := c.CreateContact(t.Context(), support.ContactInput{
		FirstName: "Ada", LastName: "King Lovelace", Email: "ada@example.com", Country: "GB",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fields(r.Warnings), []string{"first_name", "last_name", "country"}; !slices.Equal(got, want) {
		t.Errorf("warnings on %v, want %v", got, want)
	}
	// What was stored: one name, split at the last space on the way back.
	if r.Contact.FirstName != "Ada King" || r.Contact.LastName != "Lovelace" {
		t.Errorf("read back as %q %q", r.Contact.FirstName, r.Contact.LastName)
	}
	if got := srv.Contacts()[0].Name; got != "Ada King Lovelace" {
		t.Errorf("stored name %q", got)
	}
}

func TestCreatePhoneIsSentInE164(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	for _, tc := range []struct{ email, in, stored string }{
		{"a@example.com", "+44 20 7946 0958", "+442079460958"},
		{"b@example.com", "0044 20 7946 0958", "+442079460958"},
		// Not a possible number: kept as typed (TidySupport's phone is free text).
		{"c@example.com", "+1-555-0123", "+1-555-0123"},
	} {
		if _, err := c.CreateContact(t.Context(), support.ContactInput{Email: tc.email, Phone: tc.in}); err != nil {
			t.Fatal(err)
		}
		if got := srv.ContactsByEmail(tc.email)[0].Phone; got != tc.stored {
			t.Errorf("phone %q stored as %q, want %q", tc.in, got, tc.stored)
		}
	}
}

func TestInvalidInputSendsNothing(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"create without email": func() error {
			_, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Phone: "+442079460958"})
			return err
		},
		"upsert without email": func() error {
			_, err := c.UpsertContact(ctx, support.ContactInput{Phone: "+442079460958"}, support.UpsertOptions{})
			return err
		},
		"create with a bad email": func() error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "ada@"})
			return err
		},
		"create with a control character": func() error {
			_, err := c.CreateContact(ctx, support.ContactInput{Email: "ada@example.com", FirstName: "A\x00da"})
			return err
		},
		"upsert with an unknown key": func() error {
			_, err := c.UpsertContact(ctx, support.ContactInput{Email: "ada@example.com"}, support.UpsertOptions{MatchKeys: []support.MatchKey{"nickname"}})
			return err
		},
		"get of a bad ID": func() error { _, err := c.GetContact(ctx, support.ID("ctc\n1")); return err },
		"negative limit": func() error {
			_, err := c.ListContacts(ctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: -1}})
			return err
		},
	} {
		err := call()
		var se *support.Error
		if !errors.Is(err, support.ErrInvalid) || !errors.As(err, &se) || se.Vendor != tidysupport.Vendor || se.Op == "" {
			t.Errorf("%s: %v; want ErrInvalid from tidysupport with an Op", name, err)
		}
	}
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestCreateContactsOneByOne(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	if _, err := c.CreateContact(ctx, support.ContactInput{Email: "known@example.com"}); err != nil {
		t.Fatal(err)
	}
	in := []support.ContactInput{
		{FirstName: "New", Email: "new@example.com"},
		{FirstName: "Broken", Email: "not-an-email"},
		{FirstName: "Known", Email: "KNOWN@example.com"},
		{FirstName: "Phone only", Phone: "+442079460958"},
		{FirstName: "New again", Email: "new@example.com"},
	}
	r, err := c.CreateContacts(ctx, in)
	if r == nil || len(r.Items) != len(in) {
		t.Fatalf("result %+v, %v", r, err)
	}
	want := []support.Outcome{support.Created, support.Failed, support.Matched, support.Failed, support.Matched}
	for i, it := range r.Items {
		if it.Index != i || it.Outcome != want[i] {
			t.Errorf("item %d: index %d, outcome %q; want %q", i, it.Index, it.Outcome, want[i])
		}
		if (it.Outcome == support.Failed) != (it.Err != nil) || (it.Outcome == support.Failed) != (it.Contact == nil) {
			t.Errorf("item %d: outcome %q with error %v and contact %v", i, it.Outcome, it.Err, it.Contact)
		}
	}
	var items []int
	for _, e := range unwrapAll(err) {
		var be *support.BatchItemError
		if errors.As(e, &be) && errors.Is(be, support.ErrInvalid) {
			items = append(items, be.Index)
		}
	}
	if !slices.Equal(items, []int{1, 3}) {
		t.Errorf("error %v names records %v, want 1 and 3 as invalid", err, items)
	}
	if n := len(srv.Contacts()); n != 2 {
		t.Errorf("the vendor holds %d contacts, want 2", n)
	}
	if got := srv.Stats.Count(tidysupporttest.RouteCreateContact); got != 2 {
		t.Errorf("%d create requests, want 2 (invalid and known records send none)", got)
	}
}

// unwrapAll returns the errors a multierror joins.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ WrappedErrors() []error }); ok {
		return j.WrappedErrors()
	}
	return nil
}

func TestCreateContactsStopsOnAccountFailure(t *testing.T) {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	t.Cleanup(srv.Close)
	cfg := simulatorConfig(srv)
	cfg.APIKey = "ts_sk_test_revoked"
	c := mustNew(t, cfg)
	r, err := c.CreateContacts(t.Context(), []support.ContactInput{{Email: "a@example.com"}, {Email: "b@example.com"}, {Email: "c@example.com"}})
	if !errors.Is(err, support.ErrUnauthorized) {
		t.Fatalf("error %v, want ErrUnauthorized", err)
	}
	for _, it := range r.Items {
		if it.Outcome != support.Failed || !errors.Is(it.Err, support.ErrUnauthorized) {
			t.Errorf("item %d: %q, %v; want failed, unauthorized", it.Index, it.Outcome, it.Err)
		}
	}
	if n := srv.Stats.Total(); n != 1 {
		t.Errorf("%d requests; after a 401 the others must not be tried", n)
	}
}

func TestEmailLookupKeepsExactMatchesOnly(t *testing.T) {
	search := `{"results":{"contacts":[
		{"id":"ctc_1","email":"jane@example.com.au","name":"Jane Au"},
		{"id":"ctc_2","email":"Jane@Example.com","name":"Jane Doe"}],"conversations":[],"messages":[]}}`
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/search":         {status: 200, body: search},
		"GET " + seedPath + "/contacts/ctc_2": {status: 200, body: `{"contact":{"id":"ctc_2","email":"Jane@Example.com","name":"Jane Doe","createdAt":"2025-01-15T10:00:00+02:00"}}`},
	})
	got, err := v.client().GetContact(t.Context(), support.Email("jane@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "ctc_2" || got.CreatedAt.Location() != time.UTC || got.CreatedAt.Hour() != 8 {
		t.Errorf("got %s created %v; want ctc_2, created 08:00 UTC", got.ID, got.CreatedAt)
	}
}

func TestEmailLookupRefusesATruncatedSearch(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"results":{"contacts":[`)
	for i := range 3 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"ctc_%d","email":"jane%d@example.com"}`, i, i)
	}
	b.WriteString(`]}}`)
	v := newStub(t, map[string]stubReply{"GET " + seedPath + "/search": {status: 200, body: b.String()}})
	c := v.client(func(cfg *tidysupport.Config) { cfg.SearchLimit = 3 })
	_, err := c.GetContact(t.Context(), support.Email("jane@example.com"))
	if !errors.Is(err, tidysupport.ErrIncomplete) || errors.Is(err, support.ErrNotFound) {
		t.Errorf("a full search page without the email: %v; want ErrIncomplete, not ErrNotFound", err)
	}
	// Fewer results than the limit, none exact: a clean miss.
	v = newStub(t, map[string]stubReply{"GET " + seedPath + "/search": {status: 200, body: b.String()}})
	_, err = v.client().GetContact(t.Context(), support.Email("jane@example.com"))
	if !errors.Is(err, support.ErrNotFound) {
		t.Errorf("a short search without the email: %v; want ErrNotFound", err)
	}
}

func TestListContactsRefusesAnotherWorkspace(t *testing.T) {
	body := `{"items":[{"id":"ctc_1","workspaceId":"wrk_other","email":"a@example.com","name":"A","status":"ACTIVE",
		"externalId":"crm-1","metadata":{},"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}],"cursor":null,"hasMore":false}`
	v := newStub(t, map[string]stubReply{"GET /v1/customers": {status: 200, body: body}})
	_, err := v.client().ListContacts(t.Context(), support.ContactListOptions{})
	if !errors.Is(err, support.ErrNotFound) || !strings.Contains(err.Error(), "wrk_other") {
		t.Errorf("listing another workspace's contacts: %v; want ErrNotFound naming it", err)
	}
	// The right workspace: externalId and createdAt are mapped.
	v = newStub(t, map[string]stubReply{"GET /v1/customers": {status: 200, body: strings.ReplaceAll(body, "wrk_other", "wrk_abc123")}})
	page, err := v.client().ListContacts(t.Context(), support.ContactListOptions{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ExternalID != "crm-1" || page.Items[0].CreatedAt.Year() != 2025 {
		t.Errorf("page %+v, %v", page, err)
	}
}

func TestListWithHasMoreButNoCursorFails(t *testing.T) {
	srv, _ := newSim(t, tidysupporttest.Options{})
	cfg := simulatorConfig(srv)
	cfg.ContactList = tidysupport.ListInbox
	c := mustNew(t, cfg)
	for i := range 4 {
		srv.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i)})
	}
	_, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 3}})
	if !errors.Is(err, tidysupport.ErrIncomplete) {
		t.Errorf("inbox list with more than a page: %v; want ErrIncomplete", err)
	}
	page, err := c.ListContacts(t.Context(), support.ContactListOptions{ListOptions: support.ListOptions{Limit: 4}})
	if err != nil || len(page.Items) != 4 || page.Next != "" {
		t.Errorf("inbox list that fits a page: %d items, next %q, %v", len(page.Items), page.Next, err)
	}
}

func TestUnsupportedContactOperations(t *testing.T) {
	srv, c := newSim(t, tidysupporttest.Options{})
	ctx := t.Context()
	_, errU := c.UpdateContact(ctx, support.ID("ctc_1"), support.ContactUpdate{FirstName: support.Ptr("A")})
	errD := c.DeleteContact(ctx, support.ID("ctc_1"))
	_, errP := c.GetContact(ctx, support.Phone("+442079460958"))
	for op, err := range map[support.Operation]error{
		support.OpUpdateContact: errU, support.OpDeleteContact: errD, support.OpGetByPhone: errP,
	} {
		var se *support.Error
		if !errors.Is(err, support.ErrUnsupported) || !errors.As(err, &se) || se.Op != op || !strings.Contains(se.Message, "TidySupport") {
			t.Errorf("%s: %v; want ErrUnsupported saying why", op, err)
		}
	}
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests for unsupported operations", n)
	}
}

// Vendor JSON of the wrong shape is a clear *support.Error, never a panic
// nor a silent zero value; after a create it also means the outcome is
// unknown, which the lookup settles.
func TestUnexpectedResponsesAreClearErrors(t *testing.T) {
	v := newStub(t, map[string]stubReply{
		"GET " + seedPath + "/contacts/ctc_1": {status: 200, body: `{"contact":{"id":1,"email":"a@example.com"}}`},
		"GET " + seedPath + "/conversations":  {status: 200, body: `{"items":[]}`},
	})
	c := v.client()
	_, err := c.GetContact(t.Context(), support.ID("ctc_1"))
	var se *support.Error
	if !errors.As(err, &se) || se.Kind != nil || se.OutcomeUnknown || !strings.Contains(se.Message, "unexpected response") || se.Status != 200 {
		t.Errorf("a contact with a numeric id: %+v", err)
	}
	if _, err := c.ListConversations(t.Context(), support.ConversationListOptions{}); err == nil || !strings.Contains(err.Error(), "conversations") {
		t.Errorf("a conversation list without \"conversations\": %v", err)
	}

	// A create answered 201 with a body of the wrong shape took effect: the
	// adapter looks the email up instead of failing or resending.
	found := `{"results":{"contacts":[{"id":"ctc_9","email":"ada@example.com"}]}}`
	searches := 0
	v = newStub(t, map[string]stubReply{
		"POST " + seedPath + "/contacts":      {status: 201, body: `{"contact":"ctc_9"}`},
		"GET " + seedPath + "/contacts/ctc_9": {status: 200, body: `{"contact":{"id":"ctc_9","email":"ada@example.com","createdAt":"2025-01-01T00:00:00Z"}}`},
	})
	v.routes["GET "+seedPath+"/search"] = stubReply{status: 200, body: `{"results":{"contacts":[]}}`}
	v.before = func(key string) {
		if key == "GET "+seedPath+"/search" {
			if searches++; searches == 2 {
				v.routes[key] = stubReply{status: 200, body: found}
			}
		}
	}
	c = v.client()
	r, err := c.CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"})
	if err != nil || r.Outcome != support.Created || r.Contact.ID != "ctc_9" {
		t.Fatalf("create with a garbled answer: %+v, %v", r, err)
	}
	var posts int
	for _, q := range v.requests() {
		if q.Method == "POST" {
			posts++
		}
	}
	if posts != 1 || searches != 2 {
		t.Errorf("%d creates and %d searches; want 1 and 2", posts, searches)
	}
}

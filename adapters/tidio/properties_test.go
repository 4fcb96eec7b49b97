package tidio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

var getProperties = sim.Match{Method: http.MethodGet, Path: "/contact-properties"}

// undefinedWarning is the warning on a custom field the project does not
// define.
func undefinedWarning(name string) support.Warning {
	return support.Warning{Field: "custom_fields." + name, Message: "not a property defined in this Tidio project; not stored"}
}

// TestCreateContactsUndefinedProperties: with 10% of the records carrying a
// property the project does not define, a migration costs one batch per
// 100 records and one read of the definitions, not a bisection per bad
// record; exactly the affected records are warned about, and stored
// without the undefined property.
func TestCreateContactsUndefinedProperties(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{PageSize: 2})
	// Definitions on two pages, the one used on the second.
	srv.SeedProperty(tidiotest.PropertyDef{Name: "a"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "b"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	const n = 2500
	in := people(n)
	for i := range in {
		in[i].CustomFields = map[string]string{"plan": "pro"}
		if i%10 == 0 {
			in[i].CustomFields["legacy_id"] = fmt.Sprint("L", i)
		}
	}

	r, err := c.CreateContacts(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateContacts: %v", err)
	}
	for i, it := range r.Items {
		var want []support.Warning
		if i%10 == 0 {
			want = []support.Warning{undefinedWarning("legacy_id")}
		}
		if it.Outcome != support.Created || !reflect.DeepEqual(it.Warnings, want) {
			t.Fatalf("item %d: %q, warnings %v; want created, warnings %v", i, it.Outcome, it.Warnings, want)
		}
		if !reflect.DeepEqual(it.Contact.CustomFields, map[string]string{"plan": "pro"}) {
			t.Fatalf("item %d returned custom fields %v, want plan only", i, it.Contact.CustomFields)
		}
	}
	if got, max := srv.Requests("POST /contacts/batch"), (n+tidio.MaxBatch-1)/tidio.MaxBatch; got > max {
		t.Errorf("%d batch writes, want at most %d", got, max)
	}
	if got := srv.Requests("GET /contact-properties"); got != 2 {
		t.Errorf("%d requests for the definitions, want 2 (one read of two pages)", got)
	}
	if got := srv.Writes(); got != srv.Requests("POST /contacts/batch") {
		t.Errorf("%d writes, want the batches only", got)
	}
	checkStoredOnce(t, srv, in)
	for _, ct := range srv.Contacts() {
		if !reflect.DeepEqual(ct.Properties, []tidiotest.Property{{Name: "plan", Value: "pro"}}) {
			t.Fatalf("%s stored with properties %v", ct.DistinctID, ct.Properties)
		}
	}

	// Read once per Client: a second call does not read them again.
	if _, err := c.CreateContacts(t.Context(), []support.ContactInput{{Email: "x@example.com", CustomFields: map[string]string{"plan": "x"}}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("GET /contact-properties"); got != 2 {
		t.Errorf("the definitions were read again: %d requests", got)
	}
}

// TestCreateContactNoCustomFields: a write without custom fields does not
// read the definitions.
func TestCreateContactNoCustomFields(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	c := newClient(t, srv, tidio.Config{})
	if _, err := c.CreateContact(t.Context(), person(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContacts(t.Context(), people(3)); err != nil {
		t.Fatal(err)
	}
	// CreateContact reads the contacts with its email before it writes.
	if got, gets := srv.Stats.Total(), srv.Requests("GET /contacts"); got != 3 || gets != 1 {
		t.Errorf("%d requests (%d GET /contacts), want the 2 writes and the 1 read of the email before the create", got, gets)
	}
}

// TestPropertiesReread: when Tidio refuses a property the definitions
// allowed (deleted since they were read), the definitions are read again
// and the contact, which was not stored, is sent again without the deleted
// one. A property defined meanwhile is left out of that write (it was
// prepared with the old definitions) and sent by the next. The re-read
// happens once per Client: a later refusal is returned as it is.
func TestPropertiesReread(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "tier"})
	c := newClient(t, srv, tidio.Config{})
	_, err := c.CreateContact(t.Context(), support.ContactInput{Email: "first@example.com", CustomFields: map[string]string{"plan": "pro"}})
	require.NoError(t, err)

	srv.DeleteProperty("tier")
	srv.SeedProperty(tidiotest.PropertyDef{Name: "region"})
	srv.Stats.Reset()
	in := support.ContactInput{Email: "ada@example.com", CustomFields: map[string]string{"plan": "pro", "tier": "gold", "region": "EU"}}
	r, err := c.CreateContact(t.Context(), in)
	require.NoError(t, err)
	assert.Equal(t, []support.Warning{undefinedWarning("region"), undefinedWarning("tier")}, r.Warnings)
	assert.Equal(t, map[string]string{"plan": "pro"}, r.Contact.CustomFields)
	stored, _ := srv.Contact(r.Contact.ID)
	assert.Equal(t, []tidiotest.Property{{Name: "plan", Value: "pro"}}, stored.Properties)
	assert.Equal(t, 2, srv.Requests("POST /contacts"), "the refused create and the one without tier")
	assert.Equal(t, 1, srv.Requests("GET /contact-properties"))

	// The next write sees the definitions as read again.
	in.Email = "grace@example.com"
	r, err = c.CreateContact(t.Context(), in)
	require.NoError(t, err)
	assert.Equal(t, []support.Warning{undefinedWarning("tier")}, r.Warnings)
	assert.Equal(t, map[string]string{"plan": "pro", "region": "EU"}, r.Contact.CustomFields)

	srv.DeleteProperty("plan")
	srv.Stats.Reset()
	_, err = c.CreateContact(t.Context(), support.ContactInput{Email: "bob@example.com", CustomFields: map[string]string{"plan": "pro"}})
	se := wantKind(t, err, support.ErrInvalid)
	assert.Equal(t, http.StatusUnprocessableEntity, se.Status)
	assert.Contains(t, se.Message, `"plan" does not exist`)
	assert.Equal(t, 1, srv.Requests("POST /contacts"))
	assert.Zero(t, srv.Requests("GET /contact-properties"), "the re-read is spent")
}

// TestCreateContactsPropertiesReread: a batch refused for a property
// deleted since the definitions were read goes again whole after one
// re-read, and the later batches are filtered by the new definitions: no
// bisection.
func TestCreateContactsPropertiesReread(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "tier"})
	c := newClient(t, srv, tidio.Config{})
	if _, err := c.CreateContact(t.Context(), support.ContactInput{Email: "first@example.com", CustomFields: map[string]string{"plan": "pro"}}); err != nil {
		t.Fatal(err)
	}
	srv.DeleteProperty("tier")
	srv.Stats.Reset()

	in := people(250)
	for i := range in {
		in[i].CustomFields = map[string]string{"plan": "pro", "tier": "gold"}
	}
	r, err := c.CreateContacts(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateContacts: %v", err)
	}
	for i, it := range r.Items {
		if it.Outcome != support.Created || !reflect.DeepEqual(it.Warnings, []support.Warning{undefinedWarning("tier")}) {
			t.Fatalf("item %d: %q, warnings %v", i, it.Outcome, it.Warnings)
		}
	}
	if b, g := srv.Requests("POST /contacts/batch"), srv.Requests("GET /contact-properties"); b != 4 || g != 1 {
		t.Errorf("%d batches and %d reads of the definitions, want 4 (one refused) and 1", b, g)
	}
	checkStoredOnce(t, srv, append([]support.ContactInput{{Email: "first@example.com"}}, in...))
}

// TestUpdateContactPropertiesReread: an update refused for a stale
// property is sent again once, without it.
func TestUpdateContactPropertiesReread(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "tier"})
	c := newClient(t, srv, tidio.Config{})
	ct := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	if _, err := c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{CustomFields: map[string]*string{"plan": support.Ptr("pro")}}); err != nil {
		t.Fatal(err)
	}
	srv.DeleteProperty("tier")
	srv.Stats.Reset()
	r, err := c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{
		LastName: support.Ptr("King"), CustomFields: map[string]*string{"tier": support.Ptr("gold")},
	})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, []support.Warning{undefinedWarning("tier")}, r.Warnings)
	stored, _ := srv.Contact(ct.ID)
	assert.Equal(t, "King", stored.LastName)
	assert.Equal(t, []tidiotest.Property{{Name: "plan", Value: "pro"}}, stored.Properties)
	assert.Equal(t, 2, srv.Requests("PATCH /contacts/{id}"), "the refused one and the one without tier")
	assert.Equal(t, 1, srv.Requests("GET /contact-properties"))
}

// TestUpsertContactProperties: an upsert sends only defined properties,
// both when it creates and when it updates; a match that differs only in
// undefined ones is Unchanged, with no write.
func TestUpsertContactProperties(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	in := support.ContactInput{Email: "ada@example.com", FirstName: "Ada", CustomFields: map[string]string{"plan": "pro", "legacy": "x"}}
	r, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Created, r.Outcome)
	assert.Equal(t, []support.Warning{undefinedWarning("legacy")}, r.Warnings)

	srv.Stats.Reset()
	r, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Unchanged, r.Outcome)
	assert.Equal(t, []support.Warning{undefinedWarning("legacy")}, r.Warnings)
	assert.Zero(t, srv.Writes())

	in.CustomFields["plan"] = "team"
	r, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	require.NoError(t, err)
	assert.Equal(t, support.Updated, r.Outcome)
	assert.Equal(t, map[string]string{"plan": "team"}, r.Contact.CustomFields)
	stored := srv.ContactsByEmail("ada@example.com")
	require.Len(t, stored, 1)
	assert.Equal(t, []tidiotest.Property{{Name: "plan", Value: "team"}}, stored[0].Properties)
	assert.Zero(t, srv.Requests("GET /contact-properties"), "the definitions were read again")
}

// TestPropertiesUnavailable: when Tidio does not serve the definitions
// (403 or 404: not on the plan), custom fields are sent as before, left
// for Tidio to judge, the endpoint is not asked again, and a Debug record
// says why.
func TestPropertiesUnavailable(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := tidiotest.NewInProcess(tidiotest.Options{})
			srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
			var logs bytes.Buffer
			c := newClient(t, srv, tidio.Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			// A status fault answers in Tidio's error shape, any status.
			srv.Faults.Next(1, getProperties, sim.Unavailable(status))

			in := people(10)
			for i := range in {
				in[i].CustomFields = map[string]string{"plan": "pro"}
			}
			in[4].CustomFields["legacy"] = "x"
			r, err := c.CreateContacts(t.Context(), in)
			var item *support.BatchItemError
			if !errors.As(err, &item) || item.Index != 4 || !errors.Is(err, support.ErrInvalid) {
				t.Fatalf("CreateContacts: %v, want record 4 refused by Tidio", err)
			}
			if r.Count(support.Created) != 9 || len(r.Items[4].Warnings) != 0 {
				t.Errorf("%d created, record 4 warnings %v", r.Count(support.Created), r.Items[4].Warnings)
			}
			_, err = c.CreateContact(t.Context(), support.ContactInput{Email: "x@example.com", CustomFields: map[string]string{"legacy": "x"}})
			wantKind(t, err, support.ErrInvalid)
			if got := srv.Requests("GET /contact-properties"); got != 1 {
				t.Errorf("the definitions were asked for %d times, want once", got)
			}
			line := ""
			for l := range strings.Lines(logs.String()) {
				if strings.Contains(l, "property definitions not available") {
					line = l
				}
			}
			if !strings.Contains(line, "level=DEBUG") || !strings.Contains(line, fmt.Sprint("status=", status)) {
				t.Errorf("no Debug record of the fallback in:\n%s", logs.String())
			}
		})
	}
}

// TestPropertiesReadFails: a read of the definitions that fails otherwise
// (here a malformed body) fails the write, sends nothing, and is not
// remembered: the next write reads them again.
func TestPropertiesReadFails(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	srv.Faults.Next(1, getProperties, sim.Malformed())
	in := support.ContactInput{Email: "ada@example.com", CustomFields: map[string]string{"plan": "pro"}}
	_, err := c.CreateContact(t.Context(), in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `malformed "properties" page`)
	if w := srv.Writes(); w != 0 {
		t.Errorf("%d writes after the definitions could not be read", w)
	}
	if _, err := c.CreateContact(t.Context(), in); err != nil {
		t.Fatalf("second CreateContact: %v", err)
	}
	if got := srv.Requests("GET /contact-properties"); got != 2 {
		t.Errorf("the definitions were read %d times, want 2", got)
	}
}

// TestPropertiesConcurrent (R6): goroutines sharing a fresh Client read
// the definitions once between them.
func TestPropertiesConcurrent(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			in := person(i)
			in.CustomFields = map[string]string{"plan": "pro", "legacy": "x"}
			r, err := c.CreateContact(context.Background(), in)
			if err == nil && !reflect.DeepEqual(r.Warnings, []support.Warning{undefinedWarning("legacy")}) {
				err = fmt.Errorf("warnings %v", r.Warnings)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.Requests("GET /contact-properties"); got != 1 {
		t.Errorf("the definitions were read %d times, want once", got)
	}
}

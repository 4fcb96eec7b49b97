package tidio_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// TestCreateContactNoDedup: Tidio stores a new contact every time, and the
// fields it cannot write come back as warnings.
func TestCreateContactNoDedup(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	c := newClient(t, srv, tidio.Config{})
	in := support.ContactInput{
		FirstName: "Ada", Email: "ada@example.com", ExternalID: "crm-1", Language: "en", Country: "GB",
		Tags: []string{"vip"}, CustomFields: map[string]string{"plan": "pro"},
	}
	var ids []string
	for range 2 {
		r, err := c.CreateContact(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != support.Created {
			t.Errorf("outcome %q, want created", r.Outcome)
		}
		var fields []string
		for _, w := range r.Warnings {
			fields = append(fields, w.Field)
		}
		if !reflect.DeepEqual(fields, []string{"language", "country", "tags"}) {
			t.Errorf("warnings on %v, want language, country, tags", fields)
		}
		ids = append(ids, r.Contact.ID)
	}
	if ids[0] == ids[1] {
		t.Fatal("the second create returned the first contact")
	}
	got := srv.ContactsByEmail("ada@example.com")
	if len(got) != 2 {
		t.Fatalf("%d contacts with the email, want 2", len(got))
	}
	for _, ct := range got {
		if ct.DistinctID != "crm-1" || ct.Language != "" || ct.Country != "" ||
			!reflect.DeepEqual(ct.Properties, []tidiotest.Property{{Name: "plan", Value: "pro"}}) {
			t.Errorf("stored %+v", ct)
		}
	}
}

// TestGetContact: by ID with every field mapped, by email (any case, the
// earliest created of several, across pages), not by phone.
func TestGetContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 2})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "score", Type: "number"})
	c := newClient(t, srv, tidio.Config{})
	t0 := time.Date(2025, 9, 6, 10, 30, 0, 0, time.UTC)
	// Listed in this order; the second was created first.
	srv.SeedContact(tidiotest.Contact{FirstName: "Later", Email: "dup@example.com", CreatedAt: t0.Add(time.Hour)})
	first := srv.SeedContact(tidiotest.Contact{
		FirstName: "Earlier", LastName: "Dup", Email: "Dup@Example.com", Phone: "123 456 789", Language: "en",
		Country: "PL", DistinctID: "ext-9", CreatedAt: t0, Properties: []tidiotest.Property{{Name: "score", Value: "42"}},
	})
	srv.SeedContact(tidiotest.Contact{FirstName: "Third", Email: "dup@example.com", CreatedAt: t0.Add(2 * time.Hour)})

	got, err := c.GetContact(t.Context(), support.Email("DUP@example.COM"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID {
		t.Errorf("GetContact(email) returned %s (%s), want the earliest created %s", got.ID, got.FirstName, first.ID)
	}
	want := support.Contact{
		ID: first.ID, FirstName: "Earlier", LastName: "Dup", Email: "Dup@Example.com", Phone: "123 456 789",
		Language: "en", Country: "PL", ExternalID: "ext-9", CustomFields: map[string]string{"score": "42"}, CreatedAt: t0,
	}
	got.Raw = nil
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("GetContact(email) = %+v\nwant %+v", *got, want)
	}
	byID, err := c.GetContact(t.Context(), support.ID(first.ID))
	if err != nil || byID.ID != first.ID || byID.CreatedAt.Location() != time.UTC || !strings.Contains(string(byID.Raw), `"messenger_id":null`) {
		t.Errorf("GetContact(id) = %+v, %v", byID, err)
	}

	srv.Stats.Reset()
	_, err = c.GetContact(t.Context(), support.Phone("+1 415 555 0100"))
	wantKind(t, err, support.ErrUnsupported)
	if !strings.Contains(err.Error(), "phone") {
		t.Errorf("error %q does not say why", err)
	}
	_, err = c.GetContact(t.Context(), support.Email("nobody@example.com"))
	wantKind(t, err, support.ErrNotFound)
	if n := srv.Stats.Total(); n != 1 {
		t.Errorf("%d requests, want 1 (the email lookup; none for the phone)", n)
	}
}

// TestUpdateContact: PATCH semantics (absent untouched, "" clears, nil
// custom field clears), by ID and by email, and what Tidio cannot do fails
// before any request.
func TestUpdateContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "seats", Type: "number"})
	c := newClient(t, srv, tidio.Config{})
	ct := srv.SeedContact(tidiotest.Contact{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958", DistinctID: "ext-1",
		Properties: []tidiotest.Property{{Name: "plan", Value: "pro"}, {Name: "seats", Value: "3"}},
	})

	r, err := c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{
		LastName: support.Ptr(""), FirstName: support.Ptr("Augusta"), Language: support.Ptr("fr"),
		CustomFields: map[string]*string{"plan": nil, "seats": support.Ptr("5")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != support.Updated || r.Contact.ID != ct.ID || r.Contact.FirstName != "Augusta" {
		t.Errorf("result %+v", r)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Field != "language" {
		t.Errorf("warnings %v, want one on language", r.Warnings)
	}
	stored, _ := srv.Contact(ct.ID)
	want := ct
	want.FirstName, want.LastName = "Augusta", ""
	want.Properties = []tidiotest.Property{{Name: "seats", Value: "5"}}
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("stored %+v\nwant   %+v", stored, want)
	}

	r, err = c.UpdateContact(t.Context(), support.Email("ADA@example.com"), support.ContactUpdate{Phone: support.Ptr("")})
	if err != nil || r.Contact.Email != "ada@example.com" || r.Contact.Phone != "" {
		t.Errorf("UpdateContact by email: %+v, %v", r, err)
	}
	if stored, _ := srv.Contact(ct.ID); stored.Phone != "" {
		t.Errorf("phone is %q after clearing it", stored.Phone)
	}

	srv.Stats.Reset()
	for name, u := range map[string]support.ContactUpdate{
		"clear external ID": {ExternalID: support.Ptr("")},
		"bad email":         {Email: support.Ptr("nope")},
		"long last name":    {LastName: support.Ptr(strings.Repeat("l", tidio.MaxNameLength+1))},
		"long property":     {CustomFields: map[string]*string{"plan": support.Ptr(strings.Repeat("v", tidio.MaxPropertyValueLength+1))}},
	} {
		_, err := c.UpdateContact(t.Context(), support.ID(ct.ID), u)
		if !errors.Is(err, support.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	_, err = c.UpdateContact(t.Context(), support.Phone("+44 20 7946 0958"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, err, support.ErrUnsupported)
	if n := srv.Stats.Total(); n != 0 {
		t.Errorf("%d requests sent for invalid updates", n)
	}

	// A property the project does not define is not sent, but warned
	// about; with nothing else to write, the contact is read, not patched.
	srv.Stats.Reset()
	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{CustomFields: map[string]*string{"undefined": support.Ptr("x")}})
	if err != nil || r.Outcome != support.Unchanged || srv.Writes() != 0 ||
		!reflect.DeepEqual(r.Warnings, []support.Warning{{Field: "custom_fields.undefined", Message: "not a property defined in this Tidio project; not stored"}}) {
		t.Errorf("update of an undefined property: %+v, %v, %d writes", r, err, srv.Writes())
	}
	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{
		FirstName: support.Ptr("Ada"), CustomFields: map[string]*string{"undefined": nil, "seats": support.Ptr("six")},
	})
	if err != nil || r.Outcome != support.Updated || r.Contact.FirstName != "Ada" || r.Contact.CustomFields != nil || len(r.Warnings) != 2 {
		t.Errorf("update with an undefined and a mistyped property: %+v, %v", r, err)
	}
	if stored, _ := srv.Contact(ct.ID); stored.FirstName != "Ada" || !reflect.DeepEqual(stored.Properties, []tidiotest.Property{{Name: "seats", Value: "5"}}) {
		t.Errorf("stored %+v", stored)
	}
	_, err = c.UpdateContact(t.Context(), support.ID("0f0f0f0f-0000-4000-8000-000000000000"), support.ContactUpdate{FirstName: support.Ptr("X")})
	wantKind(t, err, support.ErrNotFound)

	// Nothing Tidio can write: the contact is read, not patched.
	srv.Stats.Reset()
	r, err = c.UpdateContact(t.Context(), support.ID(ct.ID), support.ContactUpdate{Country: support.Ptr("FR")})
	if err != nil || r.Outcome != support.Unchanged || r.Contact.FirstName != "Ada" || len(r.Warnings) != 1 || srv.Writes() != 0 {
		t.Errorf("update of the country only: %+v, %v, %d writes", r, err, srv.Writes())
	}
	_, err = c.UpdateContact(t.Context(), support.ID("0f0f0f0f-0000-4000-8000-000000000000"), support.ContactUpdate{Tags: &[]string{"x"}})
	wantKind(t, err, support.ErrNotFound)
}

// TestUpsertContact: matching by email, preferring the external ID; only
// what differs is sent; no request when nothing does.
func TestUpsertContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	older := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-1"})
	newer := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-2", Phone: "+44 20 7946 0958"})

	// The external ID picks the second of two contacts with the email.
	in := support.ContactInput{FirstName: "Ada", LastName: "King", Email: "ADA@example.com", ExternalID: "crm-2", Phone: "+442079460958"}
	r, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	if err != nil || r.Outcome != support.Updated || r.Contact.ID != newer.ID {
		t.Fatalf("upsert by external ID: %+v, %v; want %s updated", r, err, newer.ID)
	}
	stored, _ := srv.Contact(newer.ID)
	if stored.LastName != "King" || stored.Email != "ada@example.com" || stored.Phone != "+44 20 7946 0958" {
		t.Errorf("stored %+v: only the last name differed", stored)
	}

	srv.Stats.Reset()
	r, err = c.UpsertContact(t.Context(), in, support.UpsertOptions{})
	if err != nil || r.Outcome != support.Unchanged || r.Contact.ID != newer.ID {
		t.Errorf("same upsert again: %+v, %v; want unchanged", r, err)
	}
	if w := srv.Writes(); w != 0 {
		t.Errorf("%d writes for an unchanged upsert", w)
	}

	// Email only: the earliest created.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "ada@example.com", LastName: "Byron"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchEmail}})
	if err != nil || r.Contact.ID != older.ID || r.Outcome != support.Updated {
		t.Errorf("upsert by email: %+v, %v; want %s updated", r, err, older.ID)
	}
	// An unknown external ID with MatchExternalID alone: a new contact.
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "ada@example.com", ExternalID: "crm-3"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}})
	if err != nil || r.Outcome != support.Created {
		t.Errorf("upsert of an unknown external ID: %+v, %v; want created", r, err)
	}
	// No email: nothing Tidio can look up, so a new contact each time.
	for range 2 {
		if r, err := c.UpsertContact(t.Context(), support.ContactInput{Phone: "+1 415 555 0100"}, support.UpsertOptions{}); err != nil || r.Outcome != support.Created {
			t.Errorf("upsert by phone: %+v, %v; want created", r, err)
		}
	}
	if n := len(srv.Contacts()); n != 5 {
		t.Errorf("%d contacts, want 5", n)
	}
	if _, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{MatchKeys: []support.MatchKey{"name"}}); !errors.Is(err, support.ErrInvalid) {
		t.Errorf("unknown match key: %v, want ErrInvalid", err)
	}
}

// TestUpsertKeepsOtherExternalID: with keys [external_id, email], no
// contact has the input's external ID but one with its email has another:
// that contact is updated by email, its distinct_id is kept, and the
// result warns naming both IDs. An empty distinct_id is still filled in.
func TestUpsertKeepsOtherExternalID(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	other := srv.SeedContact(tidiotest.Contact{FirstName: "Ada", Email: "ada@example.com", DistinctID: "crm-other"})
	keys := support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID, support.MatchEmail}}

	in := support.ContactInput{FirstName: "Ada", LastName: "King", Email: "ada@example.com", ExternalID: "crm-mine"}
	r, err := c.UpsertContact(t.Context(), in, keys)
	if err != nil || r.Outcome != support.Updated || r.Contact.ID != other.ID {
		t.Fatalf("upsert: %+v, %v; want %s updated", r, err, other.ID)
	}
	stored, _ := srv.Contact(other.ID)
	if stored.DistinctID != "crm-other" || stored.LastName != "King" {
		t.Errorf("stored %+v: want the last name updated and distinct_id crm-other kept", stored)
	}
	if r.Contact.ExternalID != "crm-other" {
		t.Errorf("result's external ID %q, want the kept crm-other", r.Contact.ExternalID)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Field != "external_id" ||
		!strings.Contains(r.Warnings[0].Message, "crm-other") || !strings.Contains(r.Warnings[0].Message, "crm-mine") {
		t.Errorf("warnings %+v: want one on external_id naming crm-other and crm-mine", r.Warnings)
	}

	// Nothing else differs: Unchanged, no write, and the warning again.
	srv.Stats.Reset()
	r, err = c.UpsertContact(t.Context(), in, keys)
	if err != nil || r.Outcome != support.Unchanged || len(r.Warnings) != 1 || srv.Writes() != 0 {
		t.Errorf("same upsert again: %+v, %v, %d writes; want unchanged with the warning and no write", r, err, srv.Writes())
	}

	// A contact without a distinct_id gets the input's.
	bare := srv.SeedContact(tidiotest.Contact{FirstName: "Bob", Email: "bob@example.com"})
	r, err = c.UpsertContact(t.Context(), support.ContactInput{Email: "bob@example.com", ExternalID: "crm-bob"}, keys)
	if stored, _ := srv.Contact(bare.ID); err != nil || r.Outcome != support.Updated || stored.DistinctID != "crm-bob" || len(r.Warnings) != 0 {
		t.Errorf("upsert onto an empty distinct_id: %+v, %v, stored %+v; want crm-bob set, no warning", r, err, stored)
	}
}

// TestUpsertExternalIDWithoutEmail: Tidio cannot filter by distinct_id, so
// an input with an external ID and no email never matches, even when a
// contact has that distinct_id: a new contact is created.
func TestUpsertExternalIDWithoutEmail(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	srv.SeedContact(tidiotest.Contact{FirstName: "Ext", DistinctID: "crm-1"})
	r, err := c.UpsertContact(t.Context(), support.ContactInput{FirstName: "Ext", ExternalID: "crm-1"}, support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchExternalID}})
	if err != nil || r.Outcome != support.Created {
		t.Fatalf("upsert: %+v, %v; want created", r, err)
	}
	if n := len(srv.Contacts()); n != 2 {
		t.Errorf("%d contacts, want 2", n)
	}
	if n := srv.Requests("GET /contacts"); n != 0 {
		t.Errorf("%d lookups for an input Tidio cannot look up", n)
	}
}

// TestDeleteContact: deleted once, then ErrNotFound; by email too.
func TestDeleteContact(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	a := srv.SeedContact(tidiotest.Contact{Email: "a@example.com"})
	srv.SeedContact(tidiotest.Contact{Email: "b@example.com"})
	if err := c.DeleteContact(t.Context(), support.ID(a.ID)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, c.DeleteContact(t.Context(), support.ID(a.ID)), support.ErrNotFound)
	if err := c.DeleteContact(t.Context(), support.Email("B@example.com")); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Contacts()); n != 0 {
		t.Errorf("%d contacts left", n)
	}
}

// TestPathSegments proves S3: whatever an ID holds, Tidio receives it as
// exactly one path segment.
func TestPathSegments(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"code":"not_found","message":"Contact not found"}]}`)
	}))
	defer srv.Close()
	c, err := tidio.New(tidio.Config{ClientID: canaryID, ClientSecret: canarySecret, BaseURL: srv.URL, HTTPClient: srv.Client(), RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"a/b", "..", ".", "x?y=1", "x#y", "100%", "with space", "ünï/cødé", "../../tickets"}
	for _, id := range ids {
		paths = nil
		_, err := c.GetContact(t.Context(), support.ID(id))
		wantKind(t, err, support.ErrNotFound)
		if len(paths) != 1 {
			t.Fatalf("%q: %d requests", id, len(paths))
		}
		segs := strings.Split(strings.TrimPrefix(paths[0], "/"), "/")
		if len(segs) != 2 || segs[0] != "contacts" {
			t.Errorf("%q went to %s", id, paths[0])
			continue
		}
		if got, err := url.PathUnescape(segs[1]); err != nil || got != id {
			t.Errorf("%q arrived as %q (%v)", id, got, err)
		}
	}
}

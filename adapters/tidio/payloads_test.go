package tidio_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// These tests hold the adapter to Tidio's own example payloads
// (testdata/vendor): served at their documented paths, or compared with
// what the adapter sends.

// planProperty defines the property the request payloads set.
const planProperty = `{"properties":[{"name":"plan","label":"Plan","type":"text"}],"meta":{"cursor":null}}`

// TestPayloadContactGet: every field of Tidio's contact is read, city and
// email_consent included.
func TestPayloadContactGet(t *testing.T) {
	const id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	f := newFakeTidio(t, map[string]answer{"GET /contacts/" + id: {http.StatusOK, payload(t, "contact_get.json")}})
	ct, err := f.client(t).GetContact(t.Context(), support.ID(id))
	require.NoError(t, err)
	assert.JSONEq(t, payload(t, "contact_get.json"), string(ct.Raw))
	ct.Raw = nil
	assert.Equal(t, support.Contact{
		ID: id, ExternalID: "ext_123456", FirstName: "Alice", LastName: "Johnson", Email: "alice@example.com",
		Phone: "+1234567890", Language: "en", Country: "US", City: "New York", EmailConsent: support.ConsentSubscribed,
		CustomFields: map[string]string{"company": "Acme Corp"}, CreatedAt: time.Date(2025, 9, 6, 10, 30, 0, 0, time.UTC),
	}, *ct)
}

// TestPayloadContactCreate: a create with every field Tidio writes, single
// or in a batch, sends the body of Tidio's example; the city, which Tidio's
// create has no field for [D T-post], is left out with the Client's
// warning.
func TestPayloadContactCreate(t *testing.T) {
	f := newFakeTidio(t, map[string]answer{
		"GET /contact-properties": {http.StatusOK, planProperty},
		"GET /contacts":           {http.StatusOK, `{"contacts":[],"meta":{"cursor":null}}`},
		"POST /contacts":          {http.StatusCreated, payload(t, "contact_create_201.json")},
		"POST /contacts/batch":    {http.StatusCreated, `{"contacts":[{"id":"535eb95e-107c-440a-8720-53649368a26a"},{"id":"7f14e5f9-1df0-439d-9b39-bd7e1e82fac5"}]}`},
	})
	c := f.client(t)
	in := support.ContactInput{
		ExternalID: "ext-123", Email: "john@example.com", Phone: "+1234567890", FirstName: "John", LastName: "Doe",
		EmailConsent: support.ConsentSubscribed, City: "Paris", CustomFields: map[string]string{"plan": "premium"},
	}
	r, err := c.CreateContact(t.Context(), in)
	require.NoError(t, err)
	assert.Equal(t, "535eb95e-107c-440a-8720-53649368a26a", r.Contact.ID)
	assert.Equal(t, support.ConsentSubscribed, r.Contact.EmailConsent)
	assert.Equal(t, []support.Warning{{Field: "city", Message: "not stored: tidio has no field to write it"}}, r.Warnings)
	sent := f.sent("POST /contacts")
	require.Len(t, sent, 1)
	assert.JSONEq(t, payload(t, "contact_create_request_all_fields.json"), sent[0])

	jane := support.ContactInput{FirstName: "Jane", Email: "jane@example.com", EmailConsent: support.ConsentUnsubscribed}
	b, err := c.CreateContacts(t.Context(), []support.ContactInput{in, jane})
	require.NoError(t, err)
	require.Len(t, b.Items, 2)
	assert.Equal(t, support.Created, b.Items[0].Outcome)
	assert.Equal(t, []string{"city"}, fields(b.Items[0].Warnings))
	sent = f.sent("POST /contacts/batch")
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{"contacts":[`+payload(t, "contact_create_request_all_fields.json")+
		`,{"first_name":"Jane","email":"jane@example.com","email_consent":"unsubscribed"}]}`, sent[0])
}

// TestPayloadContactPatch: updates send the bodies of Tidio's examples,
// "" as null, one by one (PATCH /contacts/{id}) or in a batch (PATCH
// /contacts/batch, each record with its id).
func TestPayloadContactPatch(t *testing.T) {
	const id, id2 = "535eb95e-107c-440a-8720-53649368a26a", "7f14e5f9-1df0-439d-9b39-bd7e1e82fac5"
	f := newFakeTidio(t, map[string]answer{
		"GET /contact-properties": {http.StatusOK, planProperty},
		"PATCH /contacts/" + id:   {http.StatusNoContent, ""},
		"PATCH /contacts/batch":   {http.StatusNoContent, ""},
		"PATCH /contacts/" + id2:  {http.StatusNoContent, ""},
	})
	c := f.client(t)
	all := support.ContactUpdate{
		Email: support.Ptr("john@example.com"), Phone: support.Ptr("+1234567890"), FirstName: support.Ptr("John"),
		LastName: support.Ptr("Doe"), EmailConsent: support.Ptr(support.ConsentSubscribed), ExternalID: support.Ptr("ext-123"),
		CustomFields: map[string]*string{"plan": support.Ptr("premium")},
	}
	setAndClear := support.ContactUpdate{Email: support.Ptr("new@x.com"), Phone: support.Ptr("")}
	noConsent := support.ContactUpdate{EmailConsent: support.Ptr(support.Consent(""))}
	for _, u := range []support.ContactUpdate{all, setAndClear, noConsent} {
		r, err := c.UpdateContact(t.Context(), support.ID(id), u)
		require.NoError(t, err)
		assert.Equal(t, support.Updated, r.Outcome)
		assert.Empty(t, r.Warnings)
	}
	sent := f.sent("PATCH /contacts/" + id)
	require.Len(t, sent, 3)
	assert.JSONEq(t, payload(t, "contact_patch_request_all_fields.json"), sent[0])
	assert.JSONEq(t, payload(t, "contact_patch_request_set_and_clear.json"), sent[1])
	assert.JSONEq(t, `{"email_consent":null}`, sent[2])

	res, err := c.UpdateContacts(t.Context(), []support.ContactPatch{{ID: id, Update: all}, {ID: id2, Update: setAndClear}})
	require.NoError(t, err)
	for _, it := range res.Items {
		assert.Equal(t, support.Updated, it.Outcome, "item %d", it.Index)
	}
	sent = f.sent("PATCH /contacts/batch")
	require.Len(t, sent, 1, "one request for both")
	var body struct{ Contacts []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(sent[0]), &body))
	require.Len(t, body.Contacts, 2)
	for i, want := range []struct{ id, payload string }{{id, "contact_patch_request_all_fields.json"}, {id2, "contact_patch_request_set_and_clear.json"}} {
		assert.Equal(t, want.id, body.Contacts[i]["id"])
		delete(body.Contacts[i], "id")
		got, _ := json.Marshal(body.Contacts[i])
		assert.JSONEq(t, payload(t, want.payload), string(got), "record %d", i)
	}
	assert.Empty(t, f.sent("PATCH /contacts/"+id2), "a patch sent alone")
}

// TestPayloadTicket: Tidio's ticket reads with its priority and department;
// SetPriority sends the priority as Tidio's update example does, and a
// ticket is created in a department with the body of Tidio's example.
func TestPayloadTicket(t *testing.T) {
	f := newFakeTidio(t, map[string]answer{
		"GET /tickets/10009":       {http.StatusOK, payload(t, "ticket_get_with_messages.json")},
		"GET /tickets/10010":       {http.StatusOK, payload(t, "ticket_get_with_messages.json")},
		"GET /departments":         {http.StatusOK, payload(t, "departments_list.json")},
		"PATCH /tickets/10009":     {http.StatusNoContent, ""},
		"POST /tickets/as-contact": {http.StatusCreated, payload(t, "ticket_create_as_contact_201.json")},
	})
	c := f.client(t)
	conv, err := c.GetConversation(t.Context(), "10009")
	require.NoError(t, err)
	assert.Equal(t, support.PriorityUrgent, conv.Priority)
	assert.Equal(t, "535eb95e-107c-440a-8720-53649368a26a", conv.Department)
	assert.Equal(t, &support.Assignee{Kind: support.KindAgent, ID: "fe7df646-6881-4d44-bcd5-639501a32bfe"}, conv.Assignee)

	require.NoError(t, c.SetPriority(t.Context(), "10009", support.PriorityUrgent))
	sent := f.sent("PATCH /tickets/10009")
	require.Len(t, sent, 1)
	var example map[string]any
	require.NoError(t, json.Unmarshal([]byte(payload(t, "ticket_update_request_all.json")), &example))
	want, _ := json.Marshal(map[string]any{"priority": example["priority"]})
	assert.JSONEq(t, string(want), sent[0])

	conv, err = c.CreateConversation(t.Context(), support.NewConversation{
		Contact: support.Email("customer@example.com"), Subject: "Test ticket with department",
		Text: "This is a test ticket with department assignment", Department: "535eb95e-107c-440a-8720-53649368a26a",
	})
	require.NoError(t, err)
	assert.Equal(t, "535eb95e-107c-440a-8720-53649368a26a", conv.Department)
	sent = f.sent("POST /tickets/as-contact")
	require.Len(t, sent, 1)
	assert.JSONEq(t, payload(t, "ticket_create_as_contact_request_with_department.json"), sent[0])
}

// TestPayloadContactFields: the property definitions are read from every
// page of GET /contact-properties, in Tidio's order.
func TestPayloadContactFields(t *testing.T) {
	f := newFakeTidio(t, map[string]answer{
		"GET /contact-properties":                          {http.StatusOK, payload(t, "contact_properties_page_with_cursor.json")},
		"GET /contact-properties?cursor=next_cursor_value": {http.StatusOK, payload(t, "contact_properties.json")},
	})
	defs, err := f.client(t).ListContactFields(t.Context())
	require.NoError(t, err)
	type def struct{ name, label, typ string }
	var got []def
	for _, d := range defs {
		assert.True(t, json.Valid(d.Raw), "Raw of %s", d.Name)
		got = append(got, def{d.Name, d.Label, d.Type})
	}
	assert.Equal(t, []def{
		{"custom_field", "Custom Field", "text"}, {"name", "Name", "text"}, {"email", "Email", "email"},
		{"phone", "Phone", "phone"}, {"company_size", "Company Size", "number"}, {"website", "Website", "url"},
	}, got)
	assert.Len(t, f.sent("GET /contact-properties"), 2)
}

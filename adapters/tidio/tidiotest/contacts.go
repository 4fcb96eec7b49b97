package tidiotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// Field limits, in characters: distinct_id and properties [D T-post],
// names and phone [AE].
const (
	maxName          = 127
	maxPhone         = 155
	maxDistinctID    = 55
	maxEmail         = 254
	maxPropertyName  = 128
	maxPropertyValue = 1000
)

// cursorPrefix is what Tidio's cursors hold before the position, base64
// encoded ("id__<uuid>") [AE, 3P].
const cursorPrefix = "id__"

// contactIn is the body of POST /contacts and of each batch item.
type contactIn struct {
	Email        *string      `json:"email"`
	FirstName    *string      `json:"first_name"`
	LastName     *string      `json:"last_name"`
	Phone        *string      `json:"phone"`
	EmailConsent *string      `json:"email_consent"`
	DistinctID   *string      `json:"distinct_id"`
	Properties   []propertyIn `json:"properties"`
}

type propertyIn struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// newContact fills in what the server assigns.
func (v *vendor) newContact(c Contact) Contact {
	if c.ID == "" {
		c.ID = v.ids.UUID("contact")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = v.clock.Now()
	}
	if c.EmailConsent == "" {
		c.EmailConsent = "unsubscribed"
	}
	return c
}

// build validates in and returns the contact it describes, or the
// problems, with field names under prefix ("contacts.3.").
func (v *vendor) build(in contactIn, prefix string) (Contact, []problem) {
	var ps []problem
	c := Contact{
		Email: strings.TrimSpace(deref(in.Email)), FirstName: deref(in.FirstName), LastName: deref(in.LastName),
		Phone: deref(in.Phone), EmailConsent: deref(in.EmailConsent), DistinctID: deref(in.DistinctID),
	}
	ps = append(ps, checkText(prefix+"first_name", c.FirstName, maxName)...)
	ps = append(ps, checkText(prefix+"last_name", c.LastName, maxName)...)
	ps = append(ps, checkText(prefix+"phone", c.Phone, maxPhone)...)
	ps = append(ps, checkText(prefix+"distinct_id", c.DistinctID, maxDistinctID)...)
	if c.Email != "" && !validEmail(c.Email) {
		ps = append(ps, problem{prefix + "email", "This value is not a valid email address."})
	}
	if c.EmailConsent != "" && c.EmailConsent != "subscribed" && c.EmailConsent != "unsubscribed" {
		ps = append(ps, problem{prefix + "email_consent", "must be subscribed or unsubscribed"})
	}
	for i, p := range in.Properties {
		value, clear, pps := v.checkProperty(fmt.Sprintf("%sproperties.%d.", prefix, i), p)
		ps = append(ps, pps...)
		if len(pps) == 0 && !clear {
			c.Properties = setProperty(c.Properties, p.Name, value)
		}
	}
	if c.Email == "" && c.FirstName == "" && c.LastName == "" && c.Phone == "" {
		ps = append(ps, problem{strings.TrimSuffix(prefix, "."), "At least one of email, first_name, last_name or phone is required."})
	}
	return c, ps
}

// checkText checks a text field's length and encoding.
func checkText(field, s string, max int) []problem {
	switch {
	case !utf8.ValidString(s):
		return []problem{{field, "is not valid UTF-8"}}
	case utf8.RuneCountInString(s) > max:
		return []problem{{field, fmt.Sprintf("This value is too long. It should have %d characters or less.", max)}}
	}
	return nil
}

// validEmail accepts a bare address with a dotted domain.
func validEmail(s string) bool {
	if len(s) > maxEmail {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// checkProperty checks one property: defined, of the right type and length
// [D T-patch]. It returns the value as text, and whether it is null (which
// clears the property in a PATCH).
func (v *vendor) checkProperty(prefix string, p propertyIn) (value string, clear bool, ps []problem) {
	if p.Name == "" {
		return "", false, []problem{{prefix + "name", "This value should not be blank."}}
	}
	if utf8.RuneCountInString(p.Name) > maxPropertyName {
		return "", false, []problem{{prefix + "name", fmt.Sprintf("This value is too long. It should have %d characters or less.", maxPropertyName)}}
	}
	def, ok := v.properties.Get(p.Name)
	if !ok {
		return "", false, []problem{{prefix + "name", fmt.Sprintf("Property %q does not exist.", p.Name)}}
	}
	raw := bytes.TrimSpace(p.Value)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", true, nil
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &value); err != nil {
			return "", false, []problem{{prefix + "value", "is not a valid string"}}
		}
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		value = string(raw)
	default:
		return "", false, []problem{{prefix + "value", "must be a string or a number"}}
	}
	if utf8.RuneCountInString(value) > maxPropertyValue {
		return "", false, []problem{{prefix + "value", fmt.Sprintf("This value is too long. It should have %d characters or less.", maxPropertyValue)}}
	}
	if msg := checkType(def.Type, value); msg != "" {
		return "", false, []problem{{prefix + "value", msg}}
	}
	return value, false, nil
}

// checkType checks a property value against its type.
func checkType(typ, value string) string {
	switch typ {
	case "number":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return "This value should be a number."
		}
	case "email":
		if !validEmail(value) {
			return "This value is not a valid email address."
		}
	case "url":
		// RFC 3986 has no whitespace in a URL; Go's parser lets some through.
		if u, err := url.ParseRequestURI(value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.ContainsFunc(value, unicode.IsSpace) {
			return "This value is not a valid URL."
		}
	}
	return ""
}

// setProperty sets (or adds) a property, keeping the others' order.
func setProperty(ps []Property, name, value string) []Property {
	ps = slices.Clone(ps)
	for i := range ps {
		if ps[i].Name == name {
			ps[i].Value = value
			return ps
		}
	}
	return append(ps, Property{Name: name, Value: value})
}

// listContacts serves GET /contacts?cursor=&email= [D T-ref].
func (v *vendor) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, ok := decodeCursor(w, q.Get("cursor"))
	if !ok {
		return
	}
	var page sim.Page[Contact]
	if email, filtered := q["email"]; filtered {
		addr := strings.TrimSpace(email[0])
		if !validEmail(addr) {
			writeValidation(w, []problem{{"email", "This value is not a valid email address."}})
			return
		}
		var err error
		if page, err = v.pageByEmail(after, addr); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
			return
		}
	} else {
		var err error
		if page, err = v.contacts.Page(after, v.pageSize, nil); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
			return
		}
	}
	out := struct {
		Contacts []contactJSON `json:"contacts"`
		Meta     metaJSON      `json:"meta"`
	}{Contacts: make([]contactJSON, 0, len(page.Items)), Meta: v.meta(page.Next)}
	for _, e := range page.Items {
		out.Contacts = append(out.Contacts, v.contactJSON(e.Value))
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

// pageByEmail pages through the contacts with an email, through the index
// so that a lookup stays cheap in a large store.
func (v *vendor) pageByEmail(after, email string) (sim.Page[Contact], error) {
	key := emailKey(email)
	all := v.contacts.LookupAll(emailIndex, key)
	start := 0
	if after != "" {
		i := slices.IndexFunc(all, func(e sim.Entry[Contact]) bool { return e.ID == after })
		if i < 0 {
			// The position left the filtered list (deleted or changed): page
			// the whole store from it instead.
			return v.contacts.Page(after, v.pageSize, func(_ string, c Contact) bool { return emailKey(c.Email) == key })
		}
		start = i + 1
	}
	end := min(start+v.pageSize, len(all))
	p := sim.Page[Contact]{Items: all[start:end]}
	if end < len(all) {
		p.Next = all[end-1].ID
	}
	return p, nil
}

// decodeCursor reads a cursor query parameter: absent, "" or "null" is the
// first page [D T-ref]; anything not made by the simulator is a 400.
func decodeCursor(w http.ResponseWriter, c string) (string, bool) {
	if c == "" || c == "null" {
		return "", true
	}
	after, err := sim.DecodeCursor(cursorPrefix, c)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
		return "", false
	}
	return after, true
}

// meta is a page's meta: the next cursor (null on the last page) and the
// page size.
func (v *vendor) meta(next string) metaJSON {
	m := metaJSON{Limit: v.pageSize}
	if next != "" {
		c := sim.EncodeCursor(cursorPrefix, next)
		m.Cursor = &c
	}
	return m
}

// createContact serves POST /contacts: always a new contact, 201 {id}
// [D T-post].
func (v *vendor) createContact(w http.ResponseWriter, r *http.Request) {
	var in contactIn
	if err := sim.ReadJSON(r, &in, sim.ReadOptions{}); err != nil {
		writeBodyError(w, err)
		return
	}
	c, ps := v.build(in, "")
	if len(ps) > 0 {
		writeValidation(w, ps)
		return
	}
	c = v.newContact(c)
	v.contacts.Put(c.ID, c)
	_ = sim.WriteJSON(w, http.StatusCreated, map[string]string{"id": c.ID})
}

// createContacts serves POST /contacts/batch: 1 to 100 contacts, all or
// nothing [AE].
func (v *vendor) createContacts(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Contacts []contactIn `json:"contacts"`
	}
	if err := sim.ReadJSON(r, &in, sim.ReadOptions{MaxBytes: 4 << 20}); err != nil {
		writeBodyError(w, err)
		return
	}
	if n := len(in.Contacts); n < 1 || n > MaxBatch {
		writeValidation(w, []problem{{"contacts", fmt.Sprintf("This collection should contain between 1 and %d elements.", MaxBatch)}})
		return
	}
	var ps []problem
	built := make([]Contact, len(in.Contacts))
	for i, ci := range in.Contacts {
		c, cps := v.build(ci, fmt.Sprintf("contacts.%d.", i))
		built[i], ps = c, append(ps, cps...)
	}
	if len(ps) > 0 {
		writeValidation(w, ps)
		return
	}
	ids := make([]map[string]string, len(built))
	v.contacts.Atomically(func(tx *sim.Tx[Contact]) {
		for i, c := range built {
			c = v.newContact(c)
			tx.Put(c.ID, c)
			ids[i] = map[string]string{"id": c.ID}
		}
	})
	if v.opts.BatchWithoutIDs {
		w.WriteHeader(http.StatusCreated)
		return
	}
	_ = sim.WriteJSON(w, http.StatusCreated, map[string]any{"contacts": ids})
}

// getContact serves GET /contacts/{id}.
func (v *vendor) getContact(w http.ResponseWriter, r *http.Request) {
	c, ok := v.contacts.Get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "Contact not found")
		return
	}
	_ = sim.WriteJSON(w, http.StatusOK, v.contactJSON(c))
}

// patchContact serves PATCH /contacts/{id}: absent fields are left as they
// are, null clears, 204 [D T-patch]; distinct_id cannot be cleared
// [S MCP-T].
func (v *vendor) patchContact(w http.ResponseWriter, r *http.Request) {
	var fields map[string]json.RawMessage
	if err := sim.ReadJSON(r, &fields, sim.ReadOptions{}); err != nil {
		writeBodyError(w, err)
		return
	}
	id := r.PathValue("id")
	status, ps := 0, []problem(nil)
	v.contacts.Atomically(func(tx *sim.Tx[Contact]) {
		c, ok := tx.Get(id)
		if !ok {
			status = http.StatusNotFound
			return
		}
		if c, ps = v.patch(c, fields); len(ps) > 0 {
			return
		}
		tx.Put(id, c)
		status = http.StatusNoContent
	})
	switch {
	case status == http.StatusNotFound:
		writeError(w, http.StatusNotFound, "not_found", "Contact not found")
	case len(ps) > 0:
		writeValidation(w, ps)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// patch applies a PATCH body to c.
func (v *vendor) patch(c Contact, fields map[string]json.RawMessage) (Contact, []problem) {
	var ps []problem
	text := func(name string, dst *string, max int, nullable bool) {
		raw, ok := fields[name]
		if !ok {
			return
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			if !nullable {
				ps = append(ps, problem{name, "This value cannot be cleared."})
				return
			}
			*dst = ""
			return
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			ps = append(ps, problem{name, "This value should be of type string."})
			return
		}
		if p := checkText(name, s, max); p != nil {
			ps = append(ps, p...)
			return
		}
		*dst = s
	}
	text("first_name", &c.FirstName, maxName, true)
	text("last_name", &c.LastName, maxName, true)
	text("phone", &c.Phone, maxPhone, true)
	text("distinct_id", &c.DistinctID, maxDistinctID, false)
	text("email", &c.Email, maxEmail, true)
	text("email_consent", &c.EmailConsent, len("unsubscribed"), true)
	if c.Email != "" && !validEmail(c.Email) {
		ps = append(ps, problem{"email", "This value is not a valid email address."})
	}
	if c.EmailConsent != "" && c.EmailConsent != "subscribed" && c.EmailConsent != "unsubscribed" {
		ps = append(ps, problem{"email_consent", "must be subscribed or unsubscribed"})
	}
	if raw, ok := fields["properties"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		var props []propertyIn
		if err := json.Unmarshal(raw, &props); err != nil {
			ps = append(ps, problem{"properties", "This value should be a list of {name, value}."})
		}
		for i, p := range props {
			value, clear, pps := v.checkProperty(fmt.Sprintf("properties.%d.", i), p)
			ps = append(ps, pps...)
			switch {
			case len(pps) > 0:
			case clear:
				c.Properties = slices.DeleteFunc(slices.Clone(c.Properties), func(q Property) bool { return q.Name == p.Name })
			default:
				c.Properties = setProperty(c.Properties, p.Name, value)
			}
		}
	}
	return c, ps
}

// patchContacts serves PATCH /contacts/batch {contacts: [{id, ...}]}: 1 to
// 100 records, each validated as PATCH /contacts/{id} validates its body
// (a missing contact is a problem of its record), all or nothing, 204
// (developers.tidio.com/reference/patch_contacts-batch). A contact named
// twice gets both records, in order.
func (v *vendor) patchContacts(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Contacts []map[string]json.RawMessage `json:"contacts"`
	}
	if err := sim.ReadJSON(r, &in, sim.ReadOptions{MaxBytes: 4 << 20}); err != nil {
		writeBodyError(w, err)
		return
	}
	if n := len(in.Contacts); n < 1 || n > MaxBatch {
		writeValidation(w, []problem{{"contacts", fmt.Sprintf("This collection should contain between 1 and %d elements.", MaxBatch)}})
		return
	}
	var ps []problem
	v.contacts.Atomically(func(tx *sim.Tx[Contact]) {
		patched, order := map[string]Contact{}, []string{}
		for i, fields := range in.Contacts {
			prefix := fmt.Sprintf("contacts.%d.", i)
			var id string
			if err := json.Unmarshal(fields["id"], &id); err != nil || id == "" {
				ps = append(ps, problem{prefix + "id", "This value should be a contact ID."})
				continue
			}
			c, ok := patched[id]
			if !ok {
				if c, ok = tx.Get(id); !ok {
					ps = append(ps, problem{prefix + "id", "Contact not found."})
					continue
				}
				order = append(order, id)
			}
			delete(fields, "id")
			c, cps := v.patch(c, fields)
			for _, p := range cps {
				ps = append(ps, problem{prefix + p.field, p.message})
			}
			patched[id] = c
		}
		if len(ps) > 0 {
			return
		}
		for _, id := range order {
			tx.Put(id, patched[id])
		}
	})
	if len(ps) > 0 {
		writeValidation(w, ps)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteContact serves DELETE /contacts/{id}: 204 [AE, 3P T-py].
func (v *vendor) deleteContact(w http.ResponseWriter, r *http.Request) {
	if !v.contacts.Delete(r.PathValue("id")) {
		writeError(w, http.StatusNotFound, "not_found", "Contact not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listProperties serves GET /contact-properties [S MCP-T, AE].
func (v *vendor) listProperties(w http.ResponseWriter, r *http.Request) {
	after, ok := decodeCursor(w, r.URL.Query().Get("cursor"))
	if !ok {
		return
	}
	page, err := v.properties.Page(after, v.pageSize, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
		return
	}
	out := struct {
		Properties []PropertyDef `json:"properties"`
		Meta       metaJSON      `json:"meta"`
	}{Properties: make([]PropertyDef, 0, len(page.Items)), Meta: v.meta(page.Next)}
	for _, e := range page.Items {
		out.Properties = append(out.Properties, e.Value)
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

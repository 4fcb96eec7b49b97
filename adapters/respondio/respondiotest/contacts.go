package respondiotest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/sim"
)

const (
	indexEmail = "email"
	indexPhone = "phone"
	// maxFieldNameLength is respond.io's custom field name limit
	// (/space/custom_field, S R-SDK).
	maxFieldNameLength = 50
)

// identifier is a parsed contact identifier.
type identifier struct {
	kind  string // "id", "email" or "phone"
	id    int64
	value string // the email, or the E.164 phone
}

// parseIdentifier reads id:{number}, email:{address} or phone:{+E164}.
func parseIdentifier(s string) (identifier, string) {
	kind, v, ok := strings.Cut(s, ":")
	if !ok {
		return identifier{}, "Invalid contact identifier: use id:{id}, email:{email} or phone:{phone}"
	}
	switch kind {
	case "id":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || strings.HasPrefix(v, "+") {
			return identifier{}, "Invalid contact identifier: the id must be a number"
		}
		return identifier{kind: kind, id: n}, ""
	case "email":
		if !validEmail(v) {
			return identifier{}, "Invalid contact identifier: not an email address"
		}
		return identifier{kind: kind, value: v}, ""
	case "phone":
		p, ok := normalizePhone(v)
		if !ok {
			return identifier{}, "Invalid contact identifier: the phone number must include its country code"
		}
		return identifier{kind: kind, value: p}, ""
	}
	return identifier{}, "Invalid contact identifier: use id:{id}, email:{email} or phone:{phone}"
}

// validEmail is a plain address check: something@domain.tld, no spaces.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || len(s) > 254 || !utf8.ValidString(s) {
		return false
	}
	domain := s[at+1:]
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// normalizePhone strips spaces, dashes, dots and parentheses and requires
// +<country code><number>, 8 to 15 digits [D R-chg].
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case '0' <= r && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	p := b.String()
	if len(p) < 9 || len(p) > 16 || p[1] == '0' {
		return "", false
	}
	return p, true
}

// key is the Store key of a contact ID.
func key(id int64) string { return strconv.FormatInt(id, 10) }

// resolveLocked finds the contact an identifier addresses; the caller holds
// s.mu.
func (s *Simulator) resolveLocked(id identifier) (Contact, bool) {
	switch id.kind {
	case "id":
		return s.contacts.Get(key(id.id))
	case "email":
		e, ok := s.contacts.Lookup(indexEmail, foldEmail(id.value))
		return e.Value, ok
	case "phone":
		e, ok := s.contacts.Lookup(indexPhone, id.value)
		return e.Value, ok
	}
	return Contact{}, false
}

// contactFor resolves the {identifier} path value, answering 400 or 404
// itself; the caller holds s.mu.
func (s *Simulator) contactFor(w http.ResponseWriter, r *http.Request) (Contact, bool) {
	id, msg := parseIdentifier(r.PathValue("identifier"))
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return Contact{}, false
	}
	c, ok := s.resolveLocked(id)
	if !ok {
		writeError(w, http.StatusNotFound, "Contact not found")
	}
	return c, ok
}

// optString is a JSON field that may be absent, null, or a string.
type optString struct {
	set, null bool
	v         string
}

func (o *optString) UnmarshalJSON(b []byte) error {
	o.set = true
	if bytes.Equal(b, []byte("null")) {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// cleared reports whether the field is set to nothing.
func (o optString) cleared() bool { return o.set && (o.null || o.v == "") }

// contactFields is the ContactFields body of create, update, upsert and
// merge [S R-SDK types/contact.ts].
type contactFields struct {
	FirstName    optString    `json:"firstName"`
	LastName     optString    `json:"lastName"`
	Phone        optString    `json:"phone"`
	Email        optString    `json:"email"`
	Language     optString    `json:"language"`
	ProfilePic   optString    `json:"profilePic"`
	CountryCode  optString    `json:"countryCode"`
	CustomFields *[]wireField `json:"custom_fields"`
}

// readBody decodes the request body, answering 400 itself.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	err := sim.ReadJSON(r, v, sim.ReadOptions{})
	if err == nil {
		return true
	}
	msg := "Invalid request body: " + err.Error()
	var be *sim.BodyError
	if errors.As(err, &be) && errors.Is(err, sim.ErrEmptyBody) {
		msg = "Request body is required"
	}
	writeError(w, http.StatusBadRequest, msg)
	return false
}

// applyLocked writes the fields of in onto c. It returns a 400 message for
// a field respond.io would refuse; the caller holds s.mu.
func (s *Simulator) applyLocked(c *Contact, in contactFields) string {
	if in.FirstName.cleared() {
		return "firstName is required"
	}
	if in.FirstName.set {
		c.FirstName = in.FirstName.v
	}
	if in.LastName.set {
		c.LastName = in.LastName.v
	}
	if in.Email.set {
		if !in.Email.cleared() && !validEmail(in.Email.v) {
			return "email is not a valid email address"
		}
		c.Email = in.Email.v
	}
	if in.Phone.set {
		c.Phone = ""
		if !in.Phone.cleared() {
			p, ok := normalizePhone(in.Phone.v)
			if !ok {
				return "phone must include the country code"
			}
			c.Phone = p
		}
	}
	if in.Language.set {
		v := strings.ToLower(in.Language.v)
		if !in.Language.cleared() && !twoLetters(v) {
			return "language must be an ISO 639-1 code"
		}
		c.Language = v
	}
	if in.CountryCode.set {
		v := strings.ToUpper(in.CountryCode.v)
		if !in.CountryCode.cleared() && !twoLetters(strings.ToLower(v)) {
			return "countryCode must be an ISO 3166-1 alpha-2 code"
		}
		c.CountryCode = v
	}
	if in.ProfilePic.set {
		if !in.ProfilePic.cleared() {
			u, err := url.Parse(in.ProfilePic.v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return "profilePic must be an http(s) URL"
			}
		}
		c.ProfilePic = in.ProfilePic.v
	}
	if in.CustomFields != nil {
		for _, f := range *in.CustomFields {
			if f.Name == "" || utf8.RuneCountInString(f.Name) > maxFieldNameLength {
				return "custom_fields: a field name must be 1 to 50 characters"
			}
			if !s.definedLocked(f.Name) {
				return "custom_fields: " + strconv.Quote(f.Name) + " is not a custom field of this workspace"
			}
			v := bytes.TrimSpace(f.Value)
			if len(v) == 0 || v[0] == '{' || v[0] == '[' {
				return "custom_fields: the value of " + strconv.Quote(f.Name) + " must be a string, number, boolean or null"
			}
			i := slices.IndexFunc(c.CustomFields, func(o CustomField) bool { return o.Name == f.Name })
			switch {
			case bytes.Equal(v, []byte("null")):
				if i >= 0 {
					c.CustomFields = slices.Delete(c.CustomFields, i, i+1)
				}
			case i >= 0:
				c.CustomFields[i].Value = slices.Clone(v)
			default:
				c.CustomFields = append(c.CustomFields, CustomField{Name: f.Name, Value: slices.Clone(v)})
			}
		}
	}
	return ""
}

func twoLetters(s string) bool {
	return len(s) == 2 && 'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z'
}

// conflictLocked returns a 409 message when c's email or phone belongs to
// another contact than c and ignore; the caller holds s.mu.
func (s *Simulator) conflictLocked(c Contact, ignore int64) string {
	other := func(id int64) bool { return id != c.ID && id != ignore }
	if c.Email != "" {
		if e, ok := s.contacts.Lookup(indexEmail, foldEmail(c.Email)); ok && other(e.Value.ID) {
			return "A contact with this email already exists"
		}
	}
	if c.Phone != "" {
		if e, ok := s.contacts.Lookup(indexPhone, c.Phone); ok && other(e.Value.ID) {
			return "A contact with this phone number already exists"
		}
	}
	return ""
}

// putLocked stores c, keeping the listing order; the caller holds s.mu.
func (s *Simulator) putLocked(c Contact) {
	s.lastContact = max(s.lastContact, c.ID)
	if s.contacts.Put(key(c.ID), c.clone()) {
		i, _ := slices.BinarySearch(s.order, c.ID)
		s.order = slices.Insert(s.order, i, c.ID)
	}
}

// nextContactID returns the ID the next contact gets (IDs are never
// reused, even after a delete); the caller holds s.mu.
func (s *Simulator) nextContactID() int64 { return s.lastContact + 1 }

// createLocked creates a contact addressed by id (email or phone) from in,
// returning the status and message of a refusal; the caller holds s.mu.
func (s *Simulator) createLocked(id identifier, in contactFields) (Contact, int, string) {
	if id.kind == "id" {
		return Contact{}, http.StatusBadRequest, "A contact is created by email: or phone: identifier, not id:"
	}
	// The identifier supplies its field; a body that names another is
	// contradicting it.
	switch id.kind {
	case "email":
		if in.Email.set && !in.Email.cleared() && foldEmail(in.Email.v) != foldEmail(id.value) {
			return Contact{}, http.StatusBadRequest, "email does not match the identifier"
		}
		if !in.Email.set || in.Email.cleared() {
			in.Email = optString{set: true, v: id.value}
		}
	case "phone":
		if in.Phone.set && !in.Phone.cleared() {
			if p, _ := normalizePhone(in.Phone.v); p != id.value {
				return Contact{}, http.StatusBadRequest, "phone does not match the identifier"
			}
		}
		if !in.Phone.set || in.Phone.cleared() {
			in.Phone = optString{set: true, v: id.value}
		}
	}
	if !in.FirstName.set || in.FirstName.cleared() {
		return Contact{}, http.StatusBadRequest, "firstName is required"
	}
	c := Contact{ID: s.nextContactID(), CreatedAt: s.Clock.Now()}
	if msg := s.applyLocked(&c, in); msg != "" {
		return Contact{}, http.StatusBadRequest, msg
	}
	if msg := s.conflictLocked(c, 0); msg != "" {
		return Contact{}, http.StatusConflict, msg
	}
	s.putLocked(c)
	return c, 0, ""
}

// POST /contact/{identifier}: create; answers {code, message} [S R-SDK].
func (s *Simulator) createContact(w http.ResponseWriter, r *http.Request) {
	id, msg := parseIdentifier(r.PathValue("identifier"))
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	var in contactFields
	if !readBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.resolveLocked(id); ok {
		writeError(w, http.StatusConflict, "Contact already exists")
		return
	}
	if _, status, msg := s.createLocked(id, in); status != 0 {
		writeError(w, status, msg)
		return
	}
	sim.WriteJSON(w, http.StatusOK, apiError{Code: http.StatusOK, Message: "Contact created successfully"})
}

// POST /contact/create_or_update/{identifier}: answers {contactId}.
func (s *Simulator) createOrUpdateContact(w http.ResponseWriter, r *http.Request) {
	id, msg := parseIdentifier(r.PathValue("identifier"))
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	var in contactFields
	if !readBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.resolveLocked(id)
	if !ok {
		if id.kind == "id" {
			writeError(w, http.StatusNotFound, "Contact not found")
			return
		}
		c, status, msg := s.createLocked(id, in)
		if status != 0 {
			writeError(w, status, msg)
			return
		}
		sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
		return
	}
	s.updateLocked(w, c, in)
}

// updateLocked applies in to c and answers {contactId}; the caller holds
// s.mu.
func (s *Simulator) updateLocked(w http.ResponseWriter, c Contact, in contactFields) {
	c = c.clone()
	if msg := s.applyLocked(&c, in); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if msg := s.conflictLocked(c, 0); msg != "" {
		writeError(w, http.StatusConflict, msg)
		return
	}
	s.putLocked(c)
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
}

// GET /contact/{identifier}.
func (s *Simulator) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	sim.WriteJSON(w, http.StatusOK, s.wire(c))
}

// PUT /contact/{identifier}: partial update; null or "" clears a field.
func (s *Simulator) updateContact(w http.ResponseWriter, r *http.Request) {
	var in contactFields
	if !readBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	s.updateLocked(w, c, in)
}

// DELETE /contact/{identifier}: deletes the contact, its conversation,
// messages and comments.
func (s *Simulator) deleteContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	s.deleteLocked(c.ID)
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
}

func (s *Simulator) deleteLocked(id int64) {
	s.contacts.Delete(key(id))
	if i, ok := slices.BinarySearch(s.order, id); ok {
		s.order = slices.Delete(s.order, i, i+1)
	}
	delete(s.messages, id)
	delete(s.comments, id)
}

// listBody is the body of POST /contact/list [S R-SDK types/contact.ts].
type listBody struct {
	Search   string      `json:"search"`
	Timezone string      `json:"timezone"`
	Filter   *filterBody `json:"filter"`
}

type filterBody struct {
	And []condition `json:"$and"`
	Or  []condition `json:"$or"`
}

type condition struct {
	Category string          `json:"category"`
	Field    *string         `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// POST /contact/list?limit=&cursorId=: search and filter, paged in ID order.
func (s *Simulator) listContacts(w http.ResponseWriter, r *http.Request) {
	p, ok := s.readPaging(w, r)
	if !ok {
		return
	}
	var in listBody
	if !readBody(w, r, &in) {
		return
	}
	if in.Timezone == "" {
		writeError(w, http.StatusBadRequest, "timezone is required")
		return
	}
	if in.Filter == nil {
		writeError(w, http.StatusBadRequest, "filter is required")
		return
	}
	for _, c := range slices.Concat(in.Filter.And, in.Filter.Or) {
		if msg := c.check(); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, pg := pageOf(r, s.order, p, func(id int64) bool {
		c, _ := s.contacts.Get(key(id))
		return matchesSearch(c, in.Search) && in.Filter.matches(c)
	})
	out := wirePage[wireContact]{Items: []wireContact{}, Pagination: pg}
	for _, id := range ids {
		c, _ := s.contacts.Get(key(id))
		out.Items = append(out.Items, s.wire(c))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// matchesSearch: free text over name, email and phone, ignoring case.
func matchesSearch(c Contact, q string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return true
	}
	for _, f := range []string{c.FirstName + " " + c.LastName, c.Email, c.Phone} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

var operators = map[string][]string{
	"contactField": {"isEqualTo", "isNotEqualTo", "exists", "doesNotExist"},
	"contactTag":   {"hasAnyOf", "hasAllOf", "hasNoneOf"},
	"lifecycle":    {"isEqualTo"},
}

// check returns a 400 message for a condition the simulator cannot run.
func (c condition) check() string {
	ops, ok := operators[c.Category]
	if !ok {
		return "filter: unknown category " + strconv.Quote(c.Category)
	}
	if !slices.Contains(ops, c.Operator) {
		return "filter: operator " + strconv.Quote(c.Operator) + " is not supported for " + c.Category + " by the simulator"
	}
	if c.Category == "contactField" && (c.Field == nil || *c.Field == "") {
		return "filter: a contactField condition needs a field"
	}
	return ""
}

func (f *filterBody) matches(c Contact) bool {
	for _, cond := range f.And {
		if !cond.matches(c) {
			return false
		}
	}
	if len(f.Or) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Or, func(cond condition) bool { return cond.matches(c) })
}

func (cond condition) matches(c Contact) bool {
	switch cond.Category {
	case "contactTag":
		var want []string
		if json.Unmarshal(cond.Value, &want) != nil {
			var one string
			if json.Unmarshal(cond.Value, &one) != nil {
				return false
			}
			want = []string{one}
		}
		n := 0
		for _, t := range want {
			if slices.Contains(c.Tags, t) {
				n++
			}
		}
		switch cond.Operator {
		case "hasAnyOf":
			return n > 0
		case "hasAllOf":
			return n == len(want)
		default: // hasNoneOf
			return n == 0
		}
	case "lifecycle":
		var v string
		return json.Unmarshal(cond.Value, &v) == nil && v == c.Lifecycle
	}
	got, present := fieldValue(c, *cond.Field)
	switch cond.Operator {
	case "exists":
		return present
	case "doesNotExist":
		return !present
	}
	var v any
	if json.Unmarshal(cond.Value, &v) != nil {
		return false
	}
	want := strings.Trim(string(cond.Value), `"`)
	if f, ok := v.(float64); ok {
		want = strconv.FormatFloat(f, 'f', -1, 64)
	}
	equal := got == want || (*cond.Field == "email" && foldEmail(got) == foldEmail(want))
	if cond.Operator == "isEqualTo" {
		return equal
	}
	return !equal
}

// fieldValue returns a contact field by its filter name.
func fieldValue(c Contact, field string) (string, bool) {
	var v string
	switch field {
	case "firstName":
		v = c.FirstName
	case "lastName":
		v = c.LastName
	case "email":
		v = c.Email
	case "phone":
		v = c.Phone
	case "language":
		v = c.Language
	case "countryCode":
		v = c.CountryCode
	case "status":
		v = c.Status
	case "assigneeUserId":
		if c.AssigneeID != 0 {
			v = itoa(c.AssigneeID)
		}
	default:
		for _, f := range c.CustomFields {
			if f.Name == field && string(f.Value) != "null" {
				return strings.Trim(string(f.Value), `"`), true
			}
		}
	}
	return v, v != ""
}

// POST and DELETE /contact/{identifier}/tag: a JSON array of 1 to 10 tag
// names, each at most 255 characters [S R-SDK contact.ts].
func (s *Simulator) tags(w http.ResponseWriter, r *http.Request) {
	var tags []string
	if !readBody(w, r, &tags) {
		return
	}
	if len(tags) < 1 || len(tags) > MaxTagsPerRequest {
		writeError(w, http.StatusBadRequest, "between 1 and 10 tags are required")
		return
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > MaxTagLength {
			writeError(w, http.StatusBadRequest, "a tag must be 1 to 255 characters")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	c = c.clone()
	for _, t := range tags {
		i := slices.Index(c.Tags, t)
		switch {
		case r.Method == http.MethodPost && i < 0:
			c.Tags = append(c.Tags, t)
		case r.Method == http.MethodDelete && i >= 0:
			c.Tags = slices.Delete(c.Tags, i, i+1)
		}
	}
	s.putLocked(c)
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
}

// mergeBody is the body of POST /contact/merge [S R-SDK types/contact.ts].
type mergeBody struct {
	ContactIDs []json.Number `json:"contactIds"`
	contactFields
}

// POST /contact/merge: the second contact is merged into the first, which
// keeps its fields (filling the empty ones from the second), gains the
// second's tags, custom fields, messages and comments, and then takes the
// fields given in the body. The second contact is deleted.
func (s *Simulator) mergeContacts(w http.ResponseWriter, r *http.Request) {
	var in mergeBody
	if !readBody(w, r, &in) {
		return
	}
	var ids []int64
	for _, n := range in.ContactIDs {
		id, err := n.Int64()
		if err != nil || id < 1 {
			break
		}
		ids = append(ids, id)
	}
	if len(ids) != 2 || len(in.ContactIDs) != 2 || ids[0] == ids[1] {
		writeError(w, http.StatusBadRequest, "contactIds must hold two different contact IDs: [primary, secondary]")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	primary, ok1 := s.contacts.Get(key(ids[0]))
	secondary, ok2 := s.contacts.Get(key(ids[1]))
	if !ok1 || !ok2 {
		writeError(w, http.StatusNotFound, "Contact not found")
		return
	}
	m := primary.clone()
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&m.LastName, secondary.LastName)
	fill(&m.Language, secondary.Language)
	fill(&m.ProfilePic, secondary.ProfilePic)
	fill(&m.CountryCode, secondary.CountryCode)
	fill(&m.Lifecycle, secondary.Lifecycle)
	// The secondary's email and phone move only once it is gone.
	email, phone := m.Email, m.Phone
	fill(&email, secondary.Email)
	fill(&phone, secondary.Phone)
	for _, t := range secondary.Tags {
		if !slices.Contains(m.Tags, t) {
			m.Tags = append(m.Tags, t)
		}
	}
	for _, f := range secondary.CustomFields {
		if !slices.ContainsFunc(m.CustomFields, func(o CustomField) bool { return o.Name == f.Name }) {
			m.CustomFields = append(m.CustomFields, f)
		}
	}
	m.Email, m.Phone = email, phone
	if msg := s.applyLocked(&m, in.contactFields); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	msgs := slices.Concat(s.messages[m.ID], s.messages[secondary.ID])
	for i := range msgs {
		msgs[i].ContactID = m.ID
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].ID < msgs[j].ID })
	comments := slices.Concat(s.comments[m.ID], s.comments[secondary.ID])
	for i := range comments {
		comments[i].ContactID = m.ID
	}
	if msg := s.conflictLocked(m, secondary.ID); msg != "" {
		writeError(w, http.StatusConflict, msg)
		return
	}
	s.deleteLocked(secondary.ID)
	s.putLocked(m)
	s.messages[m.ID], s.comments[m.ID] = msgs, comments
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": m.ID})
}

package support

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxWriteRounds is how many times the Client sends one create, each time
// only after a lookup found that the one before did not take effect. It is
// the one limit of the lookup-before-resend rule (docs/quality.md, R3), for every
// vendor; internal/rest's retries of requests that certainly did not take
// effect (429, 503 before processing, a refused connection) are within each
// round.
const MaxWriteRounds = 3

// errNoLookup is the cause of an ambiguous write that cannot be looked up.
var errNoLookup = errors.New("the contact has no key this vendor can look it up by, so it was not sent again")

// lookupKey returns the key a contact input is found again by: the first
// of email, phone and external ID that it has and the vendor can look up.
func (c *Client) lookupKey(in ContactInput) (MatchKey, string) {
	for _, k := range []MatchKey{MatchEmail, MatchPhone, MatchExternalID} {
		if v := keyValue(in, k); v != "" && c.caps.CanFind(k) {
			return k, v
		}
	}
	return "", ""
}

// keyValue returns in's value for match key k, a phone in E.164 ("" when
// it does not normalize).
func keyValue(in ContactInput, k MatchKey) string {
	switch k {
	case MatchEmail:
		return in.Email
	case MatchPhone:
		if in.Phone == "" {
			return ""
		}
		e164, err := NormalizePhone(in.Phone)
		if err != nil {
			return ""
		}
		return e164
	case MatchExternalID:
		return in.ExternalID
	}
	return ""
}

// createOne sends the create of p, never twice without a lookup in between
// finding that the attempt before did not take effect (at most
// MaxWriteRounds sends). before holds the contacts with p's lookup key read
// before the first send (read says whether they were); a contact found
// afterwards counts as this create only if it is not one of them and has
// every field sent. Without the read (a record of a batch, which does not
// read before it writes) a contact found is taken with resolvedWarning.
func (c *Client) createOne(ctx context.Context, op Operation, p ContactInput, key MatchKey, before []Contact, read bool) (*ContactResult, error) {
	if err := c.checkCreate(op, p); err != nil {
		return nil, err
	}
	existed := make(map[string]bool, len(before))
	for _, ct := range before {
		existed[ct.ID] = true
	}
	var err error
	for range MaxWriteRounds {
		if cerr := ctx.Err(); cerr != nil {
			if err != nil {
				return nil, unresolved(err, cerr)
			}
			return nil, cerr
		}
		var res *ContactResult
		res, err = c.d.CreateContact(ctx, p)
		if err == nil {
			if res.Outcome == Matched && read && res.Contact != nil && !existed[res.Contact.ID] && key == MatchEmail {
				// A resend after a lost create returned the contact the
				// first send made: nothing with this email existed before.
				res.Outcome = Created
			}
			return res, nil
		}
		if !errors.Is(err, ErrOutcomeUnknown) || ctx.Err() != nil {
			return nil, err
		}
		if key == "" {
			return nil, unresolved(err, errNoLookup)
		}
		lost := key
		if p.ExternalID != "" && c.caps.CanFind(MatchExternalID) {
			// Exact and unique where the vendor keeps it (TidySupport's
			// customers, whose email lookup cannot show it).
			lost = MatchExternalID
		}
		found, lerr := c.d.FindContacts(ctx, lost, keyValue(p, lost))
		if lerr != nil {
			return nil, unresolved(err, fmt.Errorf("looking the contact up failed: %w", lerr))
		}
		if ct := newest(found, existed, p); ct != nil {
			res := &ContactResult{Contact: ct, Outcome: Created, Resolved: true}
			if !read {
				res.Warnings = []Warning{resolvedWarning}
			}
			return res, nil
		}
	}
	return nil, err
}

// newest returns the newest of found that did not exist before and holds
// every field of in, or nil.
func newest(found []Contact, existed map[string]bool, in ContactInput) *Contact {
	for i := len(found) - 1; i >= 0; i-- {
		if ct := found[i]; !existed[ct.ID] && HasFields(ct, in) {
			return &ct
		}
	}
	return nil
}

// HasFields reports whether ct holds every field that in sets and that is
// compared when a lost write is looked up: names, email (ignoring case),
// phone (SamePhone), external ID and custom fields.
func HasFields(ct Contact, in ContactInput) bool {
	same := func(got, want string) bool { return want == "" || got == want }
	if !same(ct.FirstName, in.FirstName) || !same(ct.LastName, in.LastName) || !same(ct.ExternalID, in.ExternalID) ||
		(in.Email != "" && !EqualEmail(ct.Email, in.Email)) || (in.Phone != "" && !SamePhone(ct.Phone, in.Phone)) {
		return false
	}
	for k, v := range in.CustomFields {
		if ct.CustomFields[k] != v {
			return false
		}
	}
	return true
}

// unresolved is the error of an ambiguous write whose lookup could not
// settle it: still ErrOutcomeUnknown, with why. When the context stopped
// the lookup, the error matches its error (context.Canceled or
// context.DeadlineExceeded) too, and the write's own cause stays
// reachable.
func unresolved(orig, why error) error {
	e := &Error{Kind: ErrUnavailable}
	var se *Error
	if errors.As(orig, &se) {
		cp := *se
		e = &cp
		if e.Kind == nil {
			e.Kind = ErrUnavailable
		}
	} else {
		e.Err = orig
	}
	e.OutcomeUnknown = true
	if e.Message != "" {
		e.Message += "; " + why.Error()
	} else {
		e.Message = why.Error()
	}
	e.Err = &lookupFailure{cause: e.Err, lookup: why}
	return e
}

// lookupFailure is the cause of an ambiguous write whose lookup failed:
// the write's own cause (nil when there was none) and the lookup's error,
// both reachable with errors.Is and errors.As. It reads as the write's
// cause only: the message already says why the lookup failed.
type lookupFailure struct{ cause, lookup error }

func (l *lookupFailure) Error() string {
	if l.cause == nil {
		return ""
	}
	return l.cause.Error()
}

func (l *lookupFailure) Unwrap() []error {
	if l.cause == nil {
		return []error{l.lookup}
	}
	return []error{l.cause, l.lookup}
}

// Differences lists, as warnings, the fields of in that differ from the
// stored contact ct: what a Matched result did not write.
func Differences(ct Contact, in ContactInput) []Warning {
	u, _ := Diff(ct, in)
	return u.warnings("differs from the stored contact, which was not changed")
}

// warnings returns one warning per field u sets, in a fixed order.
func (u *ContactUpdate) warnings(msg string) []Warning {
	var ws []Warning
	add := func(name string, set bool) {
		if set {
			ws = append(ws, Warning{Field: name, Message: msg})
		}
	}
	add("first_name", u.FirstName != nil)
	add("last_name", u.LastName != nil)
	add("email", u.Email != nil)
	add("phone", u.Phone != nil)
	add("language", u.Language != nil)
	add("country", u.Country != nil)
	add("city", u.City != nil)
	add("email_consent", u.EmailConsent != nil)
	add("lifecycle", u.Lifecycle != nil)
	add("avatar_url", u.AvatarURL != nil)
	add("external_id", u.ExternalID != nil)
	add("tags", u.Tags != nil)
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		add("custom_fields."+k, true)
	}
	return ws
}

// Diff returns the update that makes stored contact ct hold in's fields
// (a name that is the same name split differently, SameName, is not a
// difference),
// the one UpsertContact sends to a matched contact (nothing to send is an
// empty update: Unchanged):
// each non-empty field of in that differs (emails ignoring case, phones by
// SamePhone, language and country ignoring case), in's tags when it has
// some and they are not ct's set, and each custom field whose value
// differs. A different non-empty external ID is never replaced (that would
// merge two identities): it is left out, with a warning.
func Diff(ct Contact, in ContactInput) (ContactUpdate, []Warning) {
	var u ContactUpdate
	var ws []Warning
	set := func(dst **string, stored, want string, same func(a, b string) bool) {
		if want != "" && !same(stored, want) {
			*dst = Ptr(want)
		}
	}
	exact := func(a, b string) bool { return a == b }
	if !SameName(ct.FirstName, ct.LastName, in.FirstName, in.LastName) {
		set(&u.FirstName, ct.FirstName, in.FirstName, exact)
		set(&u.LastName, ct.LastName, in.LastName, exact)
	}
	set(&u.Email, ct.Email, in.Email, EqualEmail)
	set(&u.Phone, ct.Phone, in.Phone, SamePhone)
	set(&u.Language, ct.Language, in.Language, strings.EqualFold)
	set(&u.Country, ct.Country, in.Country, strings.EqualFold)
	set(&u.City, ct.City, in.City, exact)
	set(&u.Lifecycle, ct.Lifecycle, in.Lifecycle, exact)
	set(&u.AvatarURL, ct.AvatarURL, in.AvatarURL, exact)
	if in.EmailConsent != "" && in.EmailConsent != ct.EmailConsent {
		u.EmailConsent = Ptr(in.EmailConsent)
	}
	switch {
	case in.ExternalID == "" || in.ExternalID == ct.ExternalID:
	case ct.ExternalID == "":
		u.ExternalID = Ptr(in.ExternalID)
	default:
		ws = append(ws, Warning{Field: "external_id", Message: fmt.Sprintf(
			"the matched contact has external ID %q, not %q; it was kept", clip(ct.ExternalID), clip(in.ExternalID))})
	}
	if len(in.Tags) > 0 && !sameSet(ct.Tags, in.Tags) {
		u.Tags = Ptr(slices.Clone(in.Tags))
	}
	for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
		if v, ok := ct.CustomFields[k]; !ok || v != in.CustomFields[k] {
			if u.CustomFields == nil {
				u.CustomFields = map[string]*string{}
			}
			u.CustomFields[k] = Ptr(in.CustomFields[k])
		}
	}
	return u, ws
}

// sameSet reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

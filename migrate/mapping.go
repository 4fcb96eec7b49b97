package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/support"
)

// DefaultMap turns a source contact into the input written to the target:
//
//   - every writable field is copied (support.Contact.Input);
//   - names have their white space collapsed; a full name held in the first
//     name alone ("Ada Lovelace", as sources with a single name field report
//     it) is split at its last space with support.SplitName, so targets with
//     two name fields get both (targets with one join them back);
//   - the email is trimmed (its case is kept: matching ignores case);
//   - a phone number is normalized to E.164 with support.NormalizePhone; one
//     that cannot be (no country code) is kept as written, for targets that
//     take free text. If the target refuses it, Run sends the contact again
//     once without the phone and reports that as a warning;
//   - language is lower-cased and country upper-cased; city, lifecycle,
//     avatar URL, external ID, tags and custom fields are trimmed, and
//     empty or repeated tags dropped; the email consent is kept as it is. A custom
//     field without a name cannot be written and is dropped with a warning.
//
// Fields the target cannot hold are reported by the target's adapter, and Run
// adds those warnings to the record's.
func DefaultMap(c support.Contact) (support.ContactInput, []support.Warning) {
	in, warns, _ := defaultMap(c)
	return in, warns
}

// defaultMap is DefaultMap, also saying whether the phone is in E.164 form
// (so that keysOf need not parse it again: libphonenumber is the costliest
// step of mapping a contact).
func defaultMap(c support.Contact) (in support.ContactInput, warns []support.Warning, e164 bool) {
	in = c.Input()
	in.FirstName = strings.Join(strings.Fields(in.FirstName), " ")
	in.LastName = strings.Join(strings.Fields(in.LastName), " ")
	if in.LastName == "" && strings.Contains(in.FirstName, " ") {
		in.FirstName, in.LastName = support.SplitName(in.FirstName)
	}
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Phone != "" {
		if p, err := support.NormalizePhone(in.Phone); err == nil {
			in.Phone, e164 = p, true
		}
	}
	in.Language = strings.ToLower(strings.TrimSpace(in.Language))
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	in.City = strings.TrimSpace(in.City)
	in.Lifecycle = strings.TrimSpace(in.Lifecycle)
	in.AvatarURL = strings.TrimSpace(in.AvatarURL)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if len(in.Tags) > 0 {
		tags := make([]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		in.Tags = tags
		if len(tags) == 0 {
			in.Tags = nil
		}
	}
	if len(in.CustomFields) > 0 {
		fields := make(map[string]string, len(in.CustomFields))
		for k, v := range in.CustomFields {
			name := strings.TrimSpace(k)
			if name == "" {
				warns = append(warns, support.Warning{Field: "custom_fields", Message: "a custom field without a name was dropped"})
				continue
			}
			fields[name] = strings.TrimSpace(v)
		}
		in.CustomFields = fields
	}
	return in, warns, e164
}

// Key prefixes, the MatchKey names: a key is "external_id:…", "email:…" or
// "phone:…".
const (
	keyExternalID = string(support.MatchExternalID) + ":"
	keyEmail      = string(support.MatchEmail) + ":"
	keyPhone      = string(support.MatchPhone) + ":"
)

// keysOf returns the normalized keys a contact is found by: its external ID
// as is, its email case-folded (support.EmailKey), its phone in E.164 (a phone that cannot be
// normalized gives no key: it could not be matched reliably).
func keysOf(in *support.ContactInput) []string { return keysFor(in, false) }

// keysFor is keysOf for an input whose phone, if e164 is set, is known to
// be normalized already.
func keysFor(in *support.ContactInput, e164 bool) []string {
	var keys []string
	if v := strings.TrimSpace(in.ExternalID); v != "" {
		keys = append(keys, keyExternalID+v)
	}
	if v := strings.TrimSpace(in.Email); v != "" {
		keys = append(keys, keyEmail+support.EmailKey(v))
	}
	switch {
	case in.Phone == "":
	case e164:
		keys = append(keys, keyPhone+in.Phone)
	default:
		if p, err := support.NormalizePhone(in.Phone); err == nil {
			keys = append(keys, keyPhone+p)
		}
	}
	return keys
}

// keyKind returns the MatchKey a normalized key is made of.
func keyKind(key string) support.MatchKey {
	kind, _, _ := strings.Cut(key, ":")
	return support.MatchKey(kind)
}

// inputFromKeys rebuilds the identifying fields of a contact from its keys,
// for looking up a contact whose intent survived a crash.
func inputFromKeys(keys []string) support.ContactInput {
	var in support.ContactInput
	for _, k := range keys {
		kind, v, _ := strings.Cut(k, ":")
		switch support.MatchKey(kind) {
		case support.MatchExternalID:
			in.ExternalID = v
		case support.MatchEmail:
			in.Email = v
		case support.MatchPhone:
			in.Phone = v
		}
	}
	return in
}

// diff returns the update that gives the target contact have the values of
// in, with upsert semantics: fields in leaves empty are left as they are,
// tags are added (never removed), custom fields are set one by one. Emails
// compare without case and phones by their E.164 form, as vendors store them
// differently. skip reports fields that the target is known not to hold, so
// they do not cause an update on every match. It also returns the names of
// the fields that differ.
func diff(in, have support.ContactInput, skip func(field string) bool) (support.ContactUpdate, []string) {
	var u support.ContactUpdate
	var fields []string
	set := func(field string, want, got string, eq func(a, b string) bool, dst **string) {
		if want == "" || eq(want, got) || skip(field) {
			return
		}
		*dst = support.Ptr(want)
		fields = append(fields, field)
	}
	exact := func(a, b string) bool { return a == b }
	fold := strings.EqualFold
	if !support.SameName(in.FirstName, in.LastName, have.FirstName, have.LastName) {
		set("first_name", in.FirstName, have.FirstName, exact, &u.FirstName)
		set("last_name", in.LastName, have.LastName, exact, &u.LastName)
	}
	set("email", in.Email, have.Email, support.EqualEmail, &u.Email)
	set("phone", in.Phone, have.Phone, support.SamePhone, &u.Phone)
	set("language", in.Language, have.Language, fold, &u.Language)
	set("country", in.Country, have.Country, fold, &u.Country)
	set("city", in.City, have.City, exact, &u.City)
	if c := in.EmailConsent; c != "" && c != have.EmailConsent && !skip("email_consent") {
		u.EmailConsent = support.Ptr(c)
		fields = append(fields, "email_consent")
	}
	set("lifecycle", in.Lifecycle, have.Lifecycle, exact, &u.Lifecycle)
	set("avatar_url", in.AvatarURL, have.AvatarURL, exact, &u.AvatarURL)
	set("external_id", in.ExternalID, have.ExternalID, exact, &u.ExternalID)
	if !skip("tags") {
		var missing []string
		for _, t := range in.Tags {
			if !slices.Contains(have.Tags, t) && !slices.Contains(missing, t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			tags := append(slices.Clone(have.Tags), missing...)
			u.Tags = &tags
			fields = append(fields, "tags")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
		v := in.CustomFields[k]
		field := "custom_fields." + k
		if got, ok := have.CustomFields[k]; (ok && got == v) || (!ok && v == "") || skip(field) {
			continue
		}
		if u.CustomFields == nil {
			u.CustomFields = map[string]*string{}
		}
		u.CustomFields[k] = support.Ptr(v)
		fields = append(fields, field)
	}
	return u, fields
}

// apply returns have with the update u applied (support.ContactUpdate.Apply).
func apply(have support.ContactInput, u support.ContactUpdate) support.ContactInput {
	c := u.Apply(asContact(have))
	return c.Input()
}

// asContact returns the contact that holds exactly the fields of in.
func asContact(in support.ContactInput) support.Contact {
	return support.Contact{
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, City: in.City, EmailConsent: in.EmailConsent,
		Lifecycle: in.Lifecycle, AvatarURL: in.AvatarURL, ExternalID: in.ExternalID,
		Tags: in.Tags, CustomFields: in.CustomFields,
	}
}

// sameIdentity reports whether a contact found in the target by one key can
// be the one in describes: no identifying field of both disagrees. A lookup
// by email on a target with duplicates may return someone else's contact
// with the same email but another external ID.
func sameIdentity(c *support.Contact, in *support.ContactInput) bool {
	if in.ExternalID != "" && c.ExternalID != "" && in.ExternalID != c.ExternalID {
		return false
	}
	if in.Email != "" && c.Email != "" && !support.EqualEmail(in.Email, c.Email) {
		return false
	}
	if in.Phone != "" && c.Phone != "" && !support.SamePhone(in.Phone, c.Phone) {
		return false
	}
	return true
}

// unionKeys returns a's keys followed by those of b it lacks.
func unionKeys(a, b []string) []string {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// fingerprint returns a stable hash of a mapped input, normalized so that
// spellings the target treats alike give one fingerprint: the email
// case-folded (support.EmailKey), the phone in E.164 when it normalizes,
// tags in order without repeats; custom fields by name. It is what
// Entry.Fingerprint stores.
func fingerprint(in support.ContactInput) string {
	n := fingerprinted{
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, City: in.City, EmailConsent: in.EmailConsent,
		Lifecycle: in.Lifecycle, AvatarURL: in.AvatarURL, ExternalID: in.ExternalID,
		Tags: slices.Compact(slices.Sorted(slices.Values(in.Tags))), CustomFields: in.CustomFields,
	}
	if n.Email != "" {
		n.Email = support.EmailKey(n.Email)
	}
	if p, err := support.NormalizePhone(n.Phone); err == nil {
		n.Phone = p
	}
	if len(n.Tags) == 0 {
		n.Tags = nil
	}
	if len(n.CustomFields) == 0 {
		n.CustomFields = nil
	}
	b, err := json.Marshal(n) // map keys in order
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// fingerprinted is what fingerprint hashes. The fields that ContactInput
// gained after fingerprints were first stored (city, email consent,
// lifecycle, avatar URL) are left out when empty, so that an entry stored
// before them keeps its fingerprint and is not taken for changed.
type fingerprinted struct {
	FirstName, LastName, Email, Phone, Language, Country string

	City         string          `json:",omitempty"`
	EmailConsent support.Consent `json:",omitempty"`
	Lifecycle    string          `json:",omitempty"`
	AvatarURL    string          `json:",omitempty"`

	ExternalID   string
	Tags         []string
	CustomFields map[string]string
}

// upsertDiff is the update support.Client.UpsertContact sends to a matched
// contact have for the prepared input in (support.Diff), with the names of
// the fields it sets, so that a dry run of StrategyUpsert plans what the
// run sends.
func upsertDiff(have, in support.ContactInput) (support.ContactUpdate, []string) {
	ct := asContact(have)
	u, _ := support.Diff(ct, in)
	var fields []string
	for _, w := range support.Differences(ct, in) {
		fields = append(fields, w.Field)
	}
	return u, fields
}

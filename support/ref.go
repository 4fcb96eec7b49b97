package support

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// RefKind says how a Ref addresses a contact.
type RefKind string

// The kinds of Ref.
const (
	RefID    RefKind = "id"
	RefEmail RefKind = "email"
	RefPhone RefKind = "phone"
)

// MaxEmailLength is the longest email address accepted (RFC 5321 path limit).
const MaxEmailLength = 254

// MaxPhoneDigits is the most digits an E.164 number has, country code
// included.
const MaxPhoneDigits = 15

// Ref addresses one contact: by the vendor's ID, by email address, or by phone
// number. Its string form is "id:…", "email:…" or "phone:…" (respond.io's
// identifiers, generalized).
//
// A Ref is built with ID, Email, Phone or ParseRef and checked with Validate;
// every adapter validates a Ref before sending any request, so an invalid Ref
// fails with ErrInvalid and costs no quota. The zero Ref is invalid.
type Ref struct {
	kind  RefKind
	value string
}

// ID addresses a contact by the vendor's own identifier.
func ID(id string) Ref { return Ref{kind: RefID, value: id} }

// Email addresses a contact by email address. Addresses are matched
// case-insensitively by every adapter; the Ref keeps the case it was given.
func Email(email string) Ref { return Ref{kind: RefEmail, value: strings.TrimSpace(email)} }

// Phone addresses a contact by phone number. The number must include its
// country code ("+44 20 7946 0958", "0044…"); it is normalized to E.164
// ("+442079460958"). A number that cannot be normalized makes an invalid Ref.
func Phone(phone string) Ref {
	if e164, err := NormalizePhone(phone); err == nil {
		return Ref{kind: RefPhone, value: e164}
	}
	return Ref{kind: RefPhone, value: phone}
}

// ParseRef parses the string form of a Ref: "id:…", "email:…" or "phone:…".
// The result is validated; an invalid one fails with ErrInvalid.
func ParseRef(s string) (Ref, error) {
	kind, value, ok := strings.Cut(s, ":")
	if !ok {
		return Ref{}, Errorf("", "", ErrInvalid, "ref %q: want id:…, email:… or phone:…", clip(s))
	}
	var r Ref
	switch RefKind(kind) {
	case RefID:
		r = ID(value)
	case RefEmail:
		r = Email(value)
	case RefPhone:
		r = Phone(value)
	default:
		return Ref{}, Errorf("", "", ErrInvalid, "ref %q: unknown kind %q, want id, email or phone", clip(s), clip(kind))
	}
	if err := r.Validate(); err != nil {
		return Ref{}, err
	}
	return r, nil
}

// Kind returns how the Ref addresses the contact.
func (r Ref) Kind() RefKind { return r.kind }

// Value returns the ID, the email address or the E.164 phone number.
func (r Ref) Value() string { return r.value }

// Operation returns the operation a lookup by r is: OpGetByEmail,
// OpGetByPhone, or OpGetContact for an ID (and the zero Ref).
func (r Ref) Operation() Operation {
	switch r.kind {
	case RefEmail:
		return OpGetByEmail
	case RefPhone:
		return OpGetByPhone
	}
	return OpGetContact
}

// IsZero reports whether r is the zero Ref.
func (r Ref) IsZero() bool { return r == Ref{} }

// String returns the "kind:value" form, which ParseRef reads back.
func (r Ref) String() string {
	if r.IsZero() {
		return ""
	}
	return string(r.kind) + ":" + r.value
}

// Validate reports whether the Ref can address a contact. It fails with
// ErrInvalid for an empty Ref, an empty or control-character ID, a malformed
// email address and a phone number that NormalizePhone refuses.
func (r Ref) Validate() error {
	switch r.kind {
	case RefID:
		if r.value == "" {
			return Errorf("", "", ErrInvalid, "ref: empty id")
		}
		if !utf8.ValidString(r.value) || strings.ContainsFunc(r.value, isControl) {
			return Errorf("", "", ErrInvalid, "ref: id %q contains invalid characters", clip(r.value))
		}
		return nil
	case RefEmail:
		return ValidateEmail(r.value)
	case RefPhone:
		_, err := NormalizePhone(r.value)
		return err
	default:
		return Errorf("", "", ErrInvalid, "ref: empty ref")
	}
}

// ValidateEmail reports whether s is a bare email address (RFC 5322
// addr-spec, no display name, at most MaxEmailLength bytes, a domain with a
// dot). It fails with ErrInvalid.
func ValidateEmail(s string) error {
	if s == "" {
		return Errorf("", "", ErrInvalid, "email: empty address")
	}
	if len(s) > MaxEmailLength {
		return Errorf("", "", ErrInvalid, "email: address is %d bytes, longer than %d", len(s), MaxEmailLength)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return Errorf("", "", ErrInvalid, "email: %q is not a valid address", clip(s))
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.HasPrefix(domain, "[") {
		return Errorf("", "", ErrInvalid, "email: %q has no valid domain", clip(s))
	}
	return nil
}

// NormalizePhone returns the E.164 form of a phone number written with its
// country code ("+1 (415) 555-0100" → "+14155550100"). Spaces, dashes, dots and
// parentheses are allowed; an international "00" prefix is read as "+". A
// number without a country code, with a country calling code that does not
// exist, with a length its country's numbering plan does not allow, or with
// more than MaxPhoneDigits digits fails with ErrInvalid. It uses
// libphonenumber's metadata (github.com/nyaruka/phonenumbers), not a
// pattern, and checks possibility only: a well-formed number in an
// unassigned or fictional range (+1 415 555 0123, +44 7700 900123) is kept.
func NormalizePhone(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", Errorf("", "", ErrInvalid, "phone: empty number")
	}
	if len(t) > 64 {
		return "", Errorf("", "", ErrInvalid, "phone: number is %d bytes, too long", len(t))
	}
	if strings.HasPrefix(t, "00") {
		t = "+" + t[2:]
	}
	if strings.ContainsFunc(t[1:], func(r rune) bool { return !strings.ContainsRune("0123456789 -.()/", r) }) {
		return "", Errorf("", "", ErrInvalid, "phone: %q contains characters other than digits and - . ( ) /", clip(s))
	}
	if !strings.HasPrefix(t, "+") {
		return "", Errorf("", "", ErrInvalid, "phone: %q has no country code (write it as +<country code><number>)", clip(s))
	}
	// "ZZ": no default region, so only numbers with a country code parse.
	n, err := phonenumbers.Parse(t, "ZZ")
	if err != nil {
		return "", Errorf("", "", ErrInvalid, "phone: %q is not a phone number: %v", clip(s), err)
	}
	// IS_POSSIBLE only: a number that is possible only as a local number
	// ("+1-555-0123", seven digits in a ten-digit plan) lacks its area code.
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.TOO_LONG:
		return "", Errorf("", "", ErrInvalid, "phone: %q is too long for country code +%d", clip(s), n.GetCountryCode())
	default:
		return "", Errorf("", "", ErrInvalid, "phone: %q is not a complete number for country code +%d", clip(s), n.GetCountryCode())
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	// libphonenumber's plans allow some national numbers (Germany's, up to
	// 15 digits) that no international number can carry: E.164 has at most
	// 15 digits, country code included (ITU-T Recommendation E.164).
	if digits := len(e164) - 1; digits > MaxPhoneDigits {
		return "", Errorf("", "", ErrInvalid, "phone: %q has %d digits, more than E.164's %d", clip(s), digits, MaxPhoneDigits)
	}
	// The E.164 form must read back as itself. It does not when the library
	// dropped a national prefix after the country code ("+84 0…"): such input
	// is ambiguous, and normalizing must be idempotent for matching to work.
	if again, err := phonenumbers.Parse(e164, "ZZ"); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
		return "", Errorf("", "", ErrInvalid, "phone: %q is ambiguous (a national prefix after the country code?)", clip(s))
	}
	return e164, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// clip shortens user input quoted in error messages, so that a hostile
// megabyte-long identifier does not become a megabyte-long error.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…(%d bytes)", len(s))
}

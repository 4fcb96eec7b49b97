package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/support"
)

// validFirstNameSource checks Options.FirstNameFrom.
func validFirstNameSource(s FirstNameSource) error {
	switch s {
	case FirstNameOff, FirstNameFromEmail, FirstNamePlaceholder:
		return nil
	}
	return support.Errorf("", "", support.ErrInvalid, "migrate: unknown first name source %q (want %q or %q)",
		s, FirstNameFromEmail, FirstNamePlaceholder)
}

// filledFirstName returns the first name that src gives a contact whose
// input is in (see FirstNameSource), "" when it gives none.
func filledFirstName(src FirstNameSource, in *support.ContactInput) string {
	switch src {
	case FirstNameFromEmail:
		at := strings.LastIndexByte(in.Email, '@')
		if at < 0 {
			return ""
		}
		local, _, _ := strings.Cut(in.Email[:at], "+")
		local = strings.TrimSpace(local)
		if utf8.RuneCountInString(local) > MaxFilledFirstName {
			local = string([]rune(local)[:MaxFilledFirstName])
		}
		return local
	case FirstNamePlaceholder:
		return PlaceholderFirstName
	}
	return ""
}

// withFilledName returns in with the first name Options.FirstNameFrom gives
// it when it has none: what its fingerprint is taken of, so that turning
// the option on or off is a change of the contact.
func (r *runner) withFilledName(in support.ContactInput) support.ContactInput {
	if r.o.FirstNameFrom == FirstNameOff || strings.TrimSpace(in.FirstName) != "" {
		return in
	}
	if name := filledFirstName(r.o.FirstNameFrom, &in); name != "" {
		in.FirstName = name
	}
	return in
}

// fillFirstName gives t, about to be created, the first name of
// Options.FirstNameFrom when the target needs it (see firstNameFill), with
// a warning. It reports whether it did; t is unchanged otherwise.
func (r *runner) fillFirstName(ctx context.Context, t *task) bool {
	p, ws, ok := r.firstNameFill(ctx, t.in)
	if !ok {
		return false
	}
	r.learn(ws)
	for _, w := range ws {
		if !slices.Contains(t.warns, w) {
			t.warns = append(t.warns, w)
		}
	}
	how := "from the email"
	if r.o.FirstNameFrom == FirstNamePlaceholder {
		how = "a placeholder"
	}
	t.warns = append(t.warns, support.Warning{Field: "first_name", Message: fmt.Sprintf(
		"set to %q (%s): the contact had none, and the target needs one to create a contact", p.FirstName, how)})
	t.in, t.filled = p, true
	return true
}

// firstNameFill returns the prepared input in with the first name of
// Options.FirstNameFrom, prepared again by the target's rules
// (support.Client.PrepareContact), and the target's warnings, when in has
// no first name and the target would refuse to create it as it is but
// not with that name (support.Client.CheckCreate); ok is false otherwise.
func (r *runner) firstNameFill(ctx context.Context, in support.ContactInput) (p support.ContactInput, ws []support.Warning, ok bool) {
	if r.o.FirstNameFrom == FirstNameOff || strings.TrimSpace(in.FirstName) != "" || r.dst.CheckCreate(in) == nil {
		return in, nil, false
	}
	if in.FirstName = filledFirstName(r.o.FirstNameFrom, &in); in.FirstName == "" {
		return in, nil, false
	}
	p, ws, err := r.dst.PrepareContact(ctx, in)
	if err != nil || r.dst.CheckCreate(p) != nil {
		return in, nil, false
	}
	return p, ws, true
}

// refusedForFirstName reports whether err, the error of t's upsert, is the
// target's refusal to create t as it is (support.Client.CheckCreate), the
// Client's refusal before any create was sent, which a first name from
// Options.FirstNameFrom may lift.
func (r *runner) refusedForFirstName(t *task, err error) bool {
	if r.o.FirstNameFrom == FirstNameOff || !errors.Is(err, support.ErrInvalid) {
		return false
	}
	cerr := r.dst.CheckCreate(t.in)
	if cerr == nil {
		return false
	}
	got, _, _, _ := errorDetails(err)
	want, _, _, _ := errorDetails(cerr)
	return got == want
}

package support

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// utf8ValidNoControl reports whether s is valid UTF-8 without control
// characters other than tab and newline.
func utf8ValidNoControl(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
	})
}

// SplitName splits a display name into first and last name at the last space:
// "Ada King Lovelace" → ("Ada King", "Lovelace"). A single word is a first name.
func SplitName(name string) (first, last string) {
	name = strings.Join(strings.Fields(name), " ")
	i := strings.LastIndexByte(name, ' ')
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+1:]
}

// JoinName joins first and last name with one space, leaving out empty parts.
func JoinName(first, last string) string { return joinName(first, last) }

// EqualEmail reports whether two email addresses are the same address,
// ignoring case (as every supported vendor does when matching).
func EqualEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// EmailKey returns a key that is equal for two addresses exactly when
// EqualEmail says they are the same address, for use in maps and indexes.
// Each rune becomes one canonical member of its case-folding orbit (the set
// strings.EqualFold treats as equal): its lower-case member where it has
// one, so keys of ordinary addresses read as lower case. (strings.ToLower
// alone is not enough: it leaves "ſ" apart from "s", which EqualFold
// matches.)
func EmailKey(email string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(email) {
		b.WriteRune(foldCanonical(r))
	}
	return b.String()
}

// foldCanonical returns the same rune for every member of r's case-folding
// orbit: the lower case of the orbit's smallest rune when that is in the
// orbit, else the smallest rune.
func foldCanonical(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	l := unicode.ToLower(m)
	if l == m {
		return m
	}
	for f := unicode.SimpleFold(m); f != m; f = unicode.SimpleFold(f) {
		if f == l {
			return l
		}
	}
	return m
}

// SamePhone reports whether two phone numbers are the same number: equal in
// E.164 when both normalize (NormalizePhone), otherwise equal as written,
// ignoring surrounding space (vendors such as Tidio store free-text phones,
// and the same text is the same phone).
func SamePhone(a, b string) bool {
	na, errA := NormalizePhone(a)
	nb, errB := NormalizePhone(b)
	if errA == nil && errB == nil {
		return na == nb
	}
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

package support

import (
	"strings"
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

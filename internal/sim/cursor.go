package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrBadCursor reports a cursor a simulator cannot use: not produced by
// EncodeCursor with the expected prefix, or naming a position that never
// existed. Simulators answer it with their vendor's "invalid cursor" 400.
var ErrBadCursor = errors.New("invalid cursor")

// EncodeCursor makes an opaque cursor from a position key: the standard,
// padded base64 of prefix+key. With prefix "id__" and a contact's UUID as the
// key it looks like Tidio's cursors.
func EncodeCursor(prefix, key string) string {
	return base64.StdEncoding.EncodeToString([]byte(prefix + key))
}

// DecodeCursor returns the position key inside a cursor made by EncodeCursor
// with the same prefix. Anything else (bad base64, wrong prefix, empty key)
// fails with an error matching ErrBadCursor.
func DecodeCursor(prefix, cursor string) (string, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(cursor)
	// The decoder skips line breaks; only the exact encoding is a cursor.
	if err != nil || base64.StdEncoding.EncodedLen(len(raw)) != len(cursor) {
		return "", fmt.Errorf("%w: not base64", ErrBadCursor)
	}
	key, ok := strings.CutPrefix(string(raw), prefix)
	if !ok || key == "" {
		return "", fmt.Errorf("%w: no position key", ErrBadCursor)
	}
	return key, nil
}

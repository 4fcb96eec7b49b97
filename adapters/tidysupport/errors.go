package tidysupport

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// ErrIncomplete is the cause (support.Error.Err) of a call that stopped
// because TidySupport said there was more than it returned, without a
// documented way to request the rest. A list page with hasMore but no
// cursor comes back with its items and this error: the items read are
// kept, and the next page cannot be requested. A search that filled its
// limit without an exact match fails with it. Taking either for the whole
// answer would lose records silently.
var ErrIncomplete = errors.New("tidysupport: incomplete: the vendor has more than it sent and no documented way to request the rest (a list returns the items it read; its next page cannot be requested)")

// maxMessage bounds a vendor message kept in an error.
const maxMessage = 500

// decodeError reads the error body of the seed document,
// {"statusCode": 404, "error": "Not Found", "message": "Contact not found."}:
// error becomes the Code, message the Message. message may also be a list
// of strings (validation frameworks send one per field); they are joined.
// Anything else leaves both empty, so the HTTP status text is used. The kind
// follows the status (rest's table).
func decodeError(status int, _ http.Header, body []byte) rest.ErrorInfo {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return rest.ErrorInfo{}
	}
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return rest.ErrorInfo{}
	}
	return rest.ErrorInfo{Code: clipText(jsonString(e.Error)), Message: clipText(jsonMessage(e.Message))}
}

// jsonString returns raw as a string if it is one, else "".
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonMessage returns raw as a string, or its strings joined by "; " if it
// is a list of them, else "".
func jsonMessage(raw json.RawMessage) string {
	if s := jsonString(raw); s != "" {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return ""
	}
	var parts []string
	for _, item := range list {
		if s := jsonString(item); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// clipText keeps at most maxMessage bytes of s, cut at a rune boundary, with
// control characters replaced, so a vendor message cannot flood or forge
// log lines.
func clipText(s string) string {
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// fail returns an error of kind; the Client names the operation.
func fail(kind error, format string, args ...any) error {
	return support.Errorf(Vendor, "", kind, format, args...)
}

// incomplete is the error of a list or lookup that cannot go on
// (ErrIncomplete).
func incomplete(what string) error {
	return &support.Error{Vendor: Vendor, Message: what, Err: ErrIncomplete}
}

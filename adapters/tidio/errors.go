package tidio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// maxMessage bounds the vendor message kept in an error: a 422 for a
// batch of 100 can list hundreds of problems.
const maxMessage = 2000

// wireErrors is Tidio's error body, shared by every error
// {"errors":[{"code","message"}]} [D T-ref, D T-rl]. A top-level "message"
// (a third-party mock of a 401 [3P]) is read too.
type wireErrors struct {
	Errors []struct {
		Code    text `json:"code"`
		Message text `json:"message"`
	} `json:"errors"`
	Message text `json:"message"`
}

// decodeError is the rest.Config.DecodeError hook: it extracts the first
// error's code and every message, joined with "; ". The kind follows the
// status (400/422 invalid, 401, 403, 404, 409, 429, 5xx), except that
// Tidio's "too_many_requests" and "not_found" codes decide the kind
// whatever the status.
func decodeError(status int, _ http.Header, body []byte) rest.ErrorInfo {
	var info rest.ErrorInfo
	var w wireErrors
	if json.Unmarshal(body, &w) != nil {
		return info
	}
	var msgs []string
	for _, e := range w.Errors {
		if info.Code == "" {
			info.Code = clipText(string(e.Code), 100)
		}
		if e.Message != "" {
			msgs = append(msgs, string(e.Message))
		}
	}
	if len(msgs) == 0 && w.Message != "" {
		msgs = append(msgs, string(w.Message))
	}
	info.Message = clipText(strings.Join(msgs, "; "), maxMessage)
	switch info.Code {
	case "too_many_requests":
		info.Kind = support.ErrRateLimited
	case "not_found":
		if status < 500 {
			info.Kind = support.ErrNotFound
		}
	}
	return info
}

// clipText cuts s to at most max bytes, on a rune boundary, marking the cut.
func clipText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// fail returns an error of kind found before any request. The Client
// names the operation.
func fail(kind error, format string, args ...any) error {
	return support.Errorf(Vendor, "", kind, format, args...)
}

// malformed is the error for a 2xx response whose JSON the driver cannot
// use. It matches no kind, as support.Error documents; for a create
// (unknown true) it matches support.ErrOutcomeUnknown, since the write took
// effect but what it made is lost.
func malformed(status int, what string, err error, unknown bool) error {
	return &support.Error{Vendor: Vendor, Status: status, Message: "malformed " + what + " in Tidio's response", Err: err, OutcomeUnknown: unknown}
}

// statusOf returns the HTTP status of err, or 0.
func statusOf(err error) int {
	var se *support.Error
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

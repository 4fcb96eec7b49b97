package respondio

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// maxMessage is how much of a vendor error message is kept.
const maxMessage = 500

// decodeError reads respond.io's error body, {code, message} with a numeric
// code [S R-SDK types/common.ts], and the seed's {message, status} [AE]. The
// kind follows the status, as the official SDK's errors do (400 validation,
// 401 auth, 404 not found, 429 rate limit, 5xx server) [S R-SDK errors].
// A body that is not such an object leaves the HTTP status text.
func decodeError(status int, _ http.Header, body []byte) rest.ErrorInfo {
	var e struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return rest.ErrorInfo{}
	}
	return rest.ErrorInfo{Code: errorCode(e.Code), Message: clipMessage(jsonString(e.Message))}
}

// errorCode renders a code sent as a number or a string; "" otherwise.
func errorCode(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if s := jsonString(raw); s != "" {
		return clipMessage(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return clipMessage(n.String())
	}
	return ""
}

// jsonString returns raw as a string when it is a JSON string; "" otherwise.
func jsonString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func clipMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

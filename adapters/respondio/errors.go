package respondio

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

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
		Code    any `json:"code"`
		Message any `json:"message"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a code too large for an int64 is kept as written
	var info rest.ErrorInfo
	if dec.Decode(&e) != nil {
		return info
	}
	if m, ok := e.Message.(string); ok {
		info.Message = clipTo(m, maxMessage)
	}
	switch c := e.Code.(type) {
	case string:
		info.Code = clipTo(c, maxMessage)
	case json.Number:
		info.Code = clipTo(c.String(), maxMessage)
		if i, err := c.Int64(); err == nil {
			info.Code = strconv.FormatInt(i, 10)
		}
	}
	return info
}

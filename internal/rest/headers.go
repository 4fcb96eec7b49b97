package rest

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter parses a Retry-After header value: delay-seconds or an
// HTTP date (RFC 9110 section 10.2.3), relative to now. A negative, garbage
// or empty value, or a date that is not after now (a clock-skewed vendor),
// is reported as absent (0, false), so the caller falls back to backoff. A
// number of seconds too large to represent saturates at the largest
// Duration; callers cap it.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > uint64(math.MaxInt64/int64(time.Second)) {
			// All digits, so the only possible error is overflow.
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0, false
	}
	return t.Sub(now), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseRemaining parses a remaining-requests header value: a non-negative
// number ("0", "42", "0.0"), optionally followed by parameters or further
// values (", ..." or "; ...", as in the IETF RateLimit drafts), of which the
// first is used. ok is false for anything else.
func parseRemaining(v string) (remaining float64, ok bool) {
	if i := strings.IndexAny(v, ",;"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if v == "" || strings.Trim(v, "0123456789.") != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, false
	}
	return f, true
}

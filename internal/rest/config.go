package rest

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/support"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxAttempts  = 4
	DefaultMaxWait      = 60 * time.Second
	DefaultBaseDelay    = 500 * time.Millisecond
	DefaultMaxDelay     = 10 * time.Second
	DefaultRetryBudget  = 10
	DefaultRateWindow   = 60 * time.Second
	// DefaultMaxCallTime fits one wait of DefaultMaxWait (a vendor's rate
	// limit window) and one attempt of DefaultTimeout: a stalled vendor
	// fails a call after 90 s, not after DefaultMaxAttempts timeouts.
	DefaultMaxCallTime = 90 * time.Second
)

// Config configures a Client. Zero values get the defaults noted.
//
// A Config holds credentials (in Header and Secrets), so it never prints
// them: String, Format (every verb, %#v included) and LogValue show the
// vendor, the base URL and the header names only.
type Config struct {
	// Vendor is the adapter name, used in *support.Error.Vendor and logs.
	Vendor string
	// BaseURL is the vendor's API root, such as "https://api.tidio.com" or,
	// with a path prefix, "https://api.respond.io/v2". It must be https, or
	// http to a loopback host (127.0.0.0/8, ::1, "localhost").
	BaseURL string
	// HTTPClient sends the requests; nil is a client with a 30 s timeout. It
	// is never mutated: New copies it before installing the redirect policy.
	HTTPClient *http.Client
	// Logger receives one Debug record per attempt, one Warn per retry and
	// one Info per wait of more than a second before sending (see "Logging"
	// in the package documentation); nil is silent.
	Logger *slog.Logger
	// Header is sent on every request, including auth headers.
	Header http.Header
	// Secrets are credential values, replaced by "[REDACTED]" in every log
	// line, error string and vendor message, as they are and in their URL
	// and JSON escaped forms; so is any run of more than 8 characters that
	// starts or ends one (a vendor echoing a truncated credential). Values of
	// credential-looking headers (Authorization, *Key*, *Token*, *Secret*,
	// ...) are added automatically as a backstop; Secrets is the authority.
	Secrets []string
	// MaxBodyBytes caps how much of a response body is read; default 10 MiB.
	// New refuses a negative one, as it refuses every negative count and
	// duration below (except MaxCallTime), a NaN RateLimit and a NaN or
	// infinite RetryBudget, naming the field.
	MaxBodyBytes int64
	// MaxAttempts is the number of tries per call, default 4 (1 try + 3
	// retries).
	MaxAttempts int
	// MaxWait caps any single wait (Retry-After, backoff, bucket pause,
	// limiter), default 60 s.
	MaxWait time.Duration
	// MaxCallTime bounds one call (Client.Do) as a whole, all its attempts
	// and waits together; default 90 s (DefaultMaxCallTime), negative is no
	// bound. A wait that would end past it is not started: the call fails
	// at once with the failure it would have retried, or with
	// support.ErrRateLimited for a rate-limit wait. An attempt still under
	// way when it passes is cut short: the call fails with
	// support.ErrUnavailable, matching context.DeadlineExceeded (and
	// support.ErrOutcomeUnknown for a write that may have taken effect),
	// naming the time spent and the attempts made.
	MaxCallTime time.Duration
	// BaseDelay is the backoff base, default 500 ms. Retry n (from 0) waits
	// rand[0, min(MaxDelay, BaseDelay*2^n)) when the vendor gives no
	// Retry-After.
	BaseDelay time.Duration
	// MaxDelay is the backoff ceiling without Retry-After, default 10 s.
	MaxDelay time.Duration
	// RetryBudget is the client-wide retry budget in tokens, default 10. Each
	// retry spends one token and each success refunds 0.1 up to the maximum;
	// with less than one token left, nothing is retried. Negative disables
	// retries altogether.
	RetryBudget float64
	// RateLimit is the proactive request rate per bucket; 0 is unlimited.
	RateLimit rate.Limit
	// Burst is the limiter's burst, default 1.
	Burst int
	// RateWindow is how long a bucket pauses when RemainingHeader says 0, or
	// after a 429 without Retry-After; default 60 s (capped by MaxWait).
	RateWindow time.Duration
	// RemainingHeader names the vendor's remaining-requests header, such as
	// "X-RateLimit-Remaining"; "" is not read.
	RemainingHeader string
	// LimitHeader names the vendor's limit header, such as
	// "X-RateLimit-Limit", reported to the RateLimiter; "" is not read.
	LimitHeader string
	// RateLimiter paces the requests per bucket (RateLimit and Burst are
	// the rate it is given); nil means buckets in this process. A shared
	// limiter (ratelimit/redislimit) makes several processes share one
	// vendor quota.
	RateLimiter support.RateLimiter
	// Account names the vendor account in the RateLimiter's bucket keys
	// (support.RateBucket.Account); never a credential.
	Account string
	// DecodeError extracts the vendor's code and message from an error
	// response; nil uses the HTTP status text as the message. It is given
	// the header and body already redacted, so it may clip what it keeps;
	// what it returns is redacted again.
	DecodeError func(status int, header http.Header, body []byte) ErrorInfo
	// NotProcessed reports whether an error response is documented by the
	// vendor as "request not processed", which makes it safe to resend a
	// non-idempotent request (a create). nil: never.
	NotProcessed func(status int, header http.Header, body []byte) bool
	// Rand is the jitter source, returning values in [0,1); nil is
	// math/rand/v2. Tests set it to get exact waits.
	Rand func() float64
}

// String shows the vendor, base URL and header names, never header values
// or secrets.
func (c Config) String() string {
	names := make([]string, 0, len(c.Header))
	for k := range c.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "rest.Config{Vendor: %q, BaseURL: %q, Header: [", c.Vendor, c.BaseURL)
	for i, n := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s: %s", n, "[REDACTED]")
	}
	fmt.Fprintf(&b, "], Secrets: %d}", len(c.Secrets))
	return b.String()
}

// Format writes String for every verb (%v, %+v, %#v, %s, %q, %x...): without
// it, fmt would walk the struct and print Header and Secrets.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs the vendor and base URL only.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vendor", c.Vendor), slog.String("base_url", c.BaseURL))
}

// ErrorInfo is what an adapter's DecodeError hook extracts from a vendor
// error body.
type ErrorInfo struct {
	// Code is the vendor's own error code, if any.
	Code string
	// Message is the vendor's message; "" uses the HTTP status text.
	Message string
	// Kind is one of the support.Err* kinds; nil chooses by status: 400/422
	// ErrInvalid, 401 ErrUnauthorized, 403 ErrForbidden, 404/410
	// ErrNotFound, 409 ErrConflict, 429 ErrRateLimited, 408/5xx
	// ErrUnavailable.
	Kind error
}

// Idempotency says whether a request may be sent twice with the same effect
// as once, which decides what is retried after an ambiguous failure.
type Idempotency int

// Idempotency values.
const (
	// ByMethod: GET, HEAD, OPTIONS, PUT and DELETE are idempotent; POST and
	// PATCH are not.
	ByMethod Idempotency = iota
	// Idempotent: safe to resend whatever the method, such as respond.io's
	// POST /contact/list or create_or_update.
	Idempotent
	// NotIdempotent: never resent once it may have reached the vendor.
	NotIdempotent
)

// String names the value.
func (i Idempotency) String() string {
	switch i {
	case ByMethod:
		return "by-method"
	case Idempotent:
		return "idempotent"
	case NotIdempotent:
		return "not-idempotent"
	}
	return fmt.Sprintf("Idempotency(%d)", int(i))
}

// idempotent resolves ByMethod for method.
func (i Idempotency) idempotent(method string) bool {
	switch i {
	case Idempotent:
		return true
	case NotIdempotent:
		return false
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// kindForStatus is the error kind of an HTTP status, nil when none fits.
func kindForStatus(status int) error {
	switch {
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return support.ErrInvalid
	case status == http.StatusUnauthorized:
		return support.ErrUnauthorized
	case status == http.StatusForbidden:
		return support.ErrForbidden
	case status == http.StatusNotFound, status == http.StatusGone:
		return support.ErrNotFound
	case status == http.StatusConflict:
		return support.ErrConflict
	case status == http.StatusTooManyRequests:
		return support.ErrRateLimited
	case status == http.StatusRequestTimeout, status >= 500 && status <= 599:
		return support.ErrUnavailable
	}
	return nil
}

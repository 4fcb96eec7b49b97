package support

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds. Match them with errors.Is; every *Error matches exactly one kind
// (or none, for failures that fit no kind, such as a malformed vendor response).
var (
	// ErrNotFound: the addressed object does not exist (HTTP 404, or a lookup
	// by email or phone that matched nothing).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request conflicts with the vendor's state (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input was rejected, by this library before any request
	// or by the vendor (HTTP 400, 422).
	ErrInvalid = errors.New("invalid input")
	// ErrUnauthorized: the credentials are missing, wrong or expired (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the credentials are valid but not allowed to do this,
	// often because of the vendor plan (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: the vendor's rate limit was hit and retries did not get
	// through (HTTP 429). Error.RetryAfter says how long to wait, when known.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the vendor failed or could not be reached (HTTP 5xx,
	// network errors) and retries did not get through.
	ErrUnavailable = errors.New("vendor unavailable")
	// ErrUnsupported: the platform cannot do this operation at all. Which
	// operations are supported is known in advance from Capabilities.
	ErrUnsupported = errors.New("unsupported")
)

// ErrOutcomeUnknown is matched (in addition to the error's kind) by an *Error
// whose request may or may not have taken effect: a create whose connection
// broke after it was sent, or that got a 502 from a gateway. Such a request
// must not be sent again before looking up whether it took effect. Adapters
// do that lookup themselves where the vendor allows it; this error reaches the
// caller only when they cannot.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// Error is a failed operation on a vendor platform.
//
// It carries what the vendor said (Status, Code, Message) and what it means
// (Kind). Its Error string never contains a credential: adapters redact the
// vendor's message before it is stored here.
type Error struct {
	// Vendor is the adapter name ("tidio", "respondio", ...).
	Vendor string
	// Op is the neutral operation that failed, such as OpCreateContact.
	Op Operation
	// Status is the HTTP status code, or 0 when no response was received.
	Status int
	// Code is the vendor's own error code, when it sends one.
	Code string
	// Message is the vendor's error message, or this library's explanation.
	Message string
	// RetryAfter is how long the vendor asked to wait before trying again;
	// zero when it did not say.
	RetryAfter time.Duration
	// Kind is one of the Err* kinds above, or nil.
	Kind error
	// OutcomeUnknown is true when the request may have taken effect although
	// it failed; see ErrOutcomeUnknown.
	OutcomeUnknown bool
	// Err is the underlying cause (a network error, context.Canceled, a JSON
	// decoding error), if any. It is reached with errors.Is / errors.As.
	Err error
}

// Error renders the error as "vendor: op: kind: status: code: message: cause",
// leaving out the parts that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(e.Vendor)
	add(string(e.Op))
	if e.Kind != nil {
		add(e.Kind.Error())
	}
	if e.OutcomeUnknown {
		add(ErrOutcomeUnknown.Error())
	}
	if e.Status != 0 {
		add(fmt.Sprintf("HTTP %d", e.Status))
	}
	add(e.Code)
	add(e.Message)
	if e.Err != nil {
		add(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		add(fmt.Sprintf("retry after %s", e.RetryAfter))
	}
	if b.Len() == 0 {
		return "support: unknown error"
	}
	return b.String()
}

// Is reports whether target is the error's kind, or ErrOutcomeUnknown when
// the outcome is unknown.
func (e *Error) Is(target error) bool {
	if target == nil {
		return false
	}
	if target == ErrOutcomeUnknown {
		return e.OutcomeUnknown
	}
	return e.Kind == target
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message, for
// failures detected by this library before any request (invalid input,
// unsupported operations). vendor and op may be empty.
func Errorf(vendor string, op Operation, kind error, format string, args ...any) *Error {
	return &Error{Vendor: vendor, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Attribute returns err as the error of vendor's operation op. Support's
// validators (Ref.Validate, ContactInput.Validate, DecodeConfig) return
// errors that name neither; adapters pass them through Attribute. An *Error
// is copied whole with Vendor and Op set (its kind, cause, RetryAfter and
// OutcomeUnknown kept); any other error becomes ErrInvalid wrapping it; nil
// stays nil.
func Attribute(err error, vendor string, op Operation) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		cp := *se
		cp.Vendor, cp.Op = vendor, op
		return &cp
	}
	return &Error{Vendor: vendor, Op: op, Kind: ErrInvalid, Err: err}
}

// Unsupported returns an ErrUnsupported error for op, with the reason.
func Unsupported(vendor string, op Operation, reason string) *Error {
	return &Error{Vendor: vendor, Op: op, Kind: ErrUnsupported, Message: reason}
}

// Secret is a credential. It formats as "[REDACTED]" with every fmt verb, in
// slog and in JSON, so a Config holding one can be printed or logged safely.
// Convert it with string(s) (or Reveal) only where the credential is sent.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the credential itself.
func (s Secret) Reveal() string { return string(s) }

// String returns "[REDACTED]" (or "" when the secret is empty).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the same as String, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// Format writes the redacted form for every verb, so %x or %q cannot leak it.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' || (verb == 'v' && f.Flag('#')) {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalText renders the redacted form (used by encoding/json and slog).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

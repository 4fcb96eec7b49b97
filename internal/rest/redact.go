package rest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

const redactedText = "[REDACTED]"

// redactor replaces credential values in text bound for logs and errors.
type redactor struct {
	r *strings.Replacer // nil when there is nothing to redact
}

// newRedactor redacts secrets and the values of credential-looking headers.
// Longer values go first so that a secret containing another is replaced
// whole.
func newRedactor(secrets []string, h http.Header) redactor {
	var vals []string
	for _, s := range secrets {
		if s != "" {
			vals = append(vals, s)
		}
	}
	for name, vs := range h {
		if !credentialHeader(name) {
			continue
		}
		for _, v := range vs {
			if v == "" {
				continue
			}
			vals = append(vals, v)
			// "Bearer <token>": the token alone may be echoed too.
			if _, tok, ok := strings.Cut(v, " "); ok && strings.TrimSpace(tok) != "" {
				vals = append(vals, strings.TrimSpace(tok))
			}
		}
	}
	if len(vals) == 0 {
		return redactor{}
	}
	slices.SortFunc(vals, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	vals = slices.Compact(vals)
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, redactedText)
	}
	return redactor{r: strings.NewReplacer(pairs...)}
}

// credentialHeader reports whether a header's value is likely a credential.
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "key", "secret", "token", "cookie", "password", "session", "client-id", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func (r redactor) String(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// redactedError carries a cause whose text has been redacted; errors.Is and
// errors.As still reach the cause (context.Canceled, *net.OpError, ...).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// error wraps err so that its text is redacted.
func (r redactor) error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), err: err}
}

package rest

import (
	"cmp"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

const redactedText = "[REDACTED]"

// minLeak is the shortest run of a secret's characters that counts as a
// leak (S6: no prefix of a credential longer than 8 characters may show).
// A secret no longer than it is redacted only whole.
const minLeak = 9

// maxChain bounds how many errors of a chain are inspected.
const maxChain = 64

// redactor replaces credential values in text bound for logs and errors:
// every secret whole, and every run of more than 8 characters that is the
// start or the end of one, so that a vendor echoing a truncated credential,
// or a message clipped in the middle of one, shows none of it.
type redactor struct {
	// vals are the secrets and their escaped forms, longest first.
	vals []string
}

// newRedactor redacts secrets and the values of credential-looking headers,
// each also as URL query, URL path and JSON string escaping write it.
func newRedactor(secrets []string, h http.Header) *redactor {
	var vals []string
	add := func(v string) {
		if v == "" {
			return
		}
		vals = append(vals, v, url.QueryEscape(v), url.PathEscape(v))
		if b, err := json.Marshal(v); err == nil {
			vals = append(vals, string(b[1:len(b)-1]))
		}
	}
	for _, s := range secrets {
		add(s)
	}
	for name, vs := range h {
		if !credentialHeader(name) {
			continue
		}
		for _, v := range vs {
			// "Bearer <token>": the token is the secret. (The whole value's
			// first 9 bytes, "Bearer to", would redact "Bearer token
			// expired".)
			if _, tok, ok := strings.Cut(v, " "); ok {
				v = strings.TrimSpace(tok)
			}
			add(v)
		}
	}
	slices.SortFunc(vals, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return &redactor{vals: slices.Compact(vals)}
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

// span is a byte range [start, end) of text to redact.
type span struct{ start, end int }

// spans returns the ranges of s that show a secret, in no order: whole
// secrets, and runs of at least minLeak bytes that start or end one.
func (r *redactor) spans(s string) []span {
	var out []span
	for _, v := range r.vals {
		if len(v) < minLeak {
			for i := 0; ; {
				j := strings.Index(s[i:], v)
				if j < 0 {
					break
				}
				out = append(out, span{i + j, i + j + len(v)})
				i += j + len(v)
			}
			continue
		}
		// Prefixes: find the first minLeak bytes, extend while s matches.
		head := v[:minLeak]
		for i := 0; ; {
			j := strings.Index(s[i:], head)
			if j < 0 {
				break
			}
			start := i + j
			n := minLeak
			for n < len(v) && start+n < len(s) && s[start+n] == v[n] {
				n++
			}
			out = append(out, span{start, start + n})
			i = start + 1 // occurrences may overlap
		}
		// Suffixes: find the last minLeak bytes, extend backwards.
		tail := v[len(v)-minLeak:]
		for i := 0; ; {
			j := strings.Index(s[i:], tail)
			if j < 0 {
				break
			}
			end := i + j + minLeak
			n := minLeak
			for n < len(v) && end-n > 0 && s[end-n-1] == v[len(v)-n-1] {
				n++
			}
			out = append(out, span{end - n, end})
			i = i + j + 1
		}
	}
	return out
}

// String returns s with every leak (see spans) replaced by "[REDACTED]";
// overlapping and adjacent leaks become one.
func (r *redactor) String(s string) string {
	sp := r.spans(s)
	if len(sp) == 0 {
		return s
	}
	slices.SortFunc(sp, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for i := 0; i < len(sp); {
		cur := sp[i]
		for i++; i < len(sp) && sp[i].start <= cur.end; i++ {
			cur.end = max(cur.end, sp[i].end)
		}
		b.WriteString(s[at:cur.start])
		b.WriteString(redactedText)
		at = cur.end
	}
	b.WriteString(s[at:])
	return b.String()
}

// leaks reports whether s shows a secret.
func (r *redactor) leaks(s string) bool { return len(r.vals) > 0 && len(r.spans(s)) > 0 }

// bytes returns b redacted; b itself when it shows no secret.
func (r *redactor) bytes(b []byte) []byte {
	if len(r.vals) == 0 {
		return b
	}
	if s := string(b); r.leaks(s) {
		return []byte(r.String(s))
	}
	return b
}

// header returns h with its values redacted; h itself when none shows a
// secret.
func (r *redactor) header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if !r.leaks(v) {
				continue
			}
			if out == nil {
				out = h.Clone()
			}
			out[k][i] = r.String(v)
		}
	}
	if out == nil {
		return h
	}
	return out
}

// error returns err such that no error reachable from it shows a secret.
// An error whose whole chain (errors.Unwrap, both forms) is clean is
// returned as it is, so errors.As still finds *net.OpError,
// *tls.CertificateVerificationError and the like. Any other becomes a
// *redactedError: its text redacted, nothing behind it to unwrap (net/http
// quotes what the vendor sent, "bad Content-Length \"…\"", at every level),
// but errors.Is still matching what the original matched
// (context.Canceled, context.DeadlineExceeded, syscall.ECONNRESET,
// ErrRedirectRefused, ...), and a net.Error (its Timeout kept) when the
// original held one.
func (r *redactor) error(err error) error {
	if err == nil || !r.chainLeaks(err) {
		return err
	}
	re := redactedError{msg: r.String(err.Error()), cause: err}
	if ne := net.Error(nil); errors.As(err, &ne) {
		return &redactedNetError{redactedError: re, timeout: ne.Timeout()}
	}
	return &re
}

// chainLeaks reports whether err, or any error it wraps, shows a secret.
// A chain too long to inspect counts as leaking.
func (r *redactor) chainLeaks(err error) bool {
	if len(r.vals) == 0 {
		return false
	}
	todo := []error{err}
	for seen := 0; len(todo) > 0; seen++ {
		if seen == maxChain {
			return true
		}
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if r.leaks(e.Error()) {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			if w := u.Unwrap(); w != nil {
				todo = append(todo, w)
			}
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				if w != nil {
					todo = append(todo, w)
				}
			}
		}
	}
	return false
}

// redactedError is an error whose text showed a secret: it keeps the
// redacted text and hides the original, which errors.Is still consults.
type redactedError struct {
	msg   string
	cause error // never returned: its text, or a wrapped one's, shows a secret
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the hidden original matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// redactedNetError is a redactedError whose original held a net.Error, so
// that a timeout check (errors.As to net.Error, then Timeout) still works.
type redactedNetError struct {
	redactedError
	timeout bool
}

// Timeout reports whether the original was a timeout.
func (e *redactedNetError) Timeout() bool { return e.timeout }

// Temporary reports the same as Timeout (net.Error's deprecated method).
func (e *redactedNetError) Temporary() bool { return e.timeout }

// Package rest is the one HTTP layer every deskbridge adapter uses. Adapters
// describe a vendor in a [Config] (base URL, auth headers, secrets, rate
// limits, error decoding) and send [Request]s through [Client.Do]; they never
// reimplement auth, retries, limits, caps or error plumbing. Requests go out
// through resty on a copy of the caller's http.Client.
//
// # Retries (R3)
//
// Whether a failed attempt is sent again depends on whether the request is
// idempotent ([Idempotency]; by default GET, HEAD, OPTIONS, PUT and DELETE
// are) and on how it failed:
//
//	failure                                   idempotent   not idempotent
//	never written to the wire (dial, TLS)     retry        retry
//	408, 429                                  retry        retry
//	5xx that NotProcessed says was not acted  retry        retry
//	other 5xx                                 retry        OutcomeUnknown, no retry
//	reset, EOF, timeout after writing         retry        OutcomeUnknown, no retry
//	other 4xx, refused redirect, bad cert     no retry     no retry
//	context cancelled or past its deadline    no retry     no retry
//
// "Written" is tracked with net/http/httptrace: once the headers (or any of
// the request) may have left, a non-idempotent request is never resent
// blindly; it fails with support.ErrUnavailable and support.ErrOutcomeUnknown
// so that the adapter can look up whether it took effect. The body is
// JSON-encoded once, so every retry sends byte-identical bytes.
//
// # Waiting (R4)
//
// Before retry n (from 0) the client waits Retry-After when the vendor sent a
// usable one (seconds or an HTTP date, see [ParseRetryAfter]), else a full
// jitter backoff rand[0, min(MaxDelay, BaseDelay·2ⁿ)). No single wait exceeds
// MaxWait, whatever the vendor says, and every wait returns as soon as the
// context is done. A call makes at most MaxAttempts attempts.
//
// # Retry budget
//
// A client-wide token bucket bounds retries across calls: each retry spends
// one token, each success refunds a tenth of one, and with less than one
// token left failures are returned at once. During an outage the client
// therefore sends about one request per call instead of MaxAttempts, and
// recovers as calls succeed again.
//
// # Rate limits
//
// Each Request names a bucket ("" is the whole account); each bucket has its
// own golang.org/x/time/rate limiter (RateLimit, Burst), created on first
// use. When a response is a 429, or its RemainingHeader says 0, the bucket
// pauses for Retry-After or else RateWindow (at most MaxWait), and every
// request of that bucket, and only that bucket, waits it out. A limiter slot
// further away than MaxWait is not waited for: the call fails with
// support.ErrRateLimited instead.
//
// # Caps and paths (S3, S4)
//
// Response bodies are read through a limit (MaxBodyBytes, 10 MiB by default);
// a longer or endless body fails with [ErrBodyTooLarge] after reading at most
// the limit. Paths are built only with [Segments], which escapes every
// identifier as exactly one segment (including "." and "..").
//
// # Where credentials may go (S1, S2)
//
// The base URL must be https, or http to a loopback host. Redirects are
// followed only to the same host and port, never from https to http; any
// other redirect fails with [ErrRedirectRefused] before the new request is
// sent, because net/http would forward custom auth headers to it. Secrets
// (and the values of credential-looking headers) are replaced by
// "[REDACTED]" in every log line, error string and vendor message; Config
// and Client print only the vendor and base URL.
//
// # Logging
//
// Each attempt is logged at Debug (vendor, op, method, escaped path, status,
// attempt, duration) and each retry at Warn (with the wait and the reason).
// Headers, bodies and queries are never logged.
package rest

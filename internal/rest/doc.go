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
// # Time limit of a call
//
// A call's attempts and waits together last at most MaxCallTime (90 s by
// default, [DefaultMaxCallTime]: one full rate-limit wait plus one attempt
// of the default 30 s timeout), so a vendor that stalls fails a call after
// 90 s rather than after MaxAttempts timeouts. A wait that would end past
// the limit is not started: the call fails at once with the failure it
// would have retried (its message saying "not retried: waiting … would
// pass the call's time limit …"), or with support.ErrRateLimited for a
// paused bucket or limiter slot (RetryAfter says how long). An attempt
// still under way when the limit passes is cut short; the call fails with
// support.ErrUnavailable, matching context.DeadlineExceeded, its message
// naming the limit, the attempts and the time spent ("no answer within the
// call's time limit of 1m30s (3 attempts in 1m30s)"). The caller's own
// context still wins: when it ends first, the error is its error, of no
// kind, as without the limit.
//
// # Counting requests
//
// Every attempt sent is counted with support.CountRequest in the
// support.RequestCounts of the call's context, if any, by its method: the
// first attempt as a read (GET, HEAD) or a write, the others as retries. A
// request refused before sending (an invalid request, a rate-limit wait
// too long) is not counted.
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
// sent, because net/http would forward custom auth headers to it. Config
// and Client print only the vendor and base URL.
//
// Secrets (and the values of credential-looking headers) are replaced by
// "[REDACTED]" in every log line, error string and vendor message (S6):
// as they are, URL- or JSON-escaped, and any run of more than 8 characters
// that starts or ends one, so that a vendor echoing a truncated credential
// shows none of it. The hook that decodes a vendor's error (DecodeError) is
// given the body and header already redacted, so that clipping the message
// cannot cut a secret in two and leave its start; what it returns is
// redacted again. No error reachable from the returned one, by
// errors.Unwrap or errors.As, shows a secret either: a transport error
// whose text (or a wrapped error's) shows one, such as net/http's
// bad Content-Length "…", is replaced by an error with the redacted text
// and nothing to unwrap, which still matches with errors.Is what the
// original matched (context.Canceled, syscall.ECONNRESET,
// [ErrRedirectRefused], ...) and is a net.Error with the original's
// Timeout when the original held one. Transport errors without a secret
// are kept as they are, *net.OpError and all.
//
// # Logging
//
// The records and their attributes, for apps and the CLI to show progress:
//
//	level  message          attributes
//	Debug  "rest: attempt"  vendor, op, method, path (escaped), status,
//	                        attempt (from 1), duration, error (on failure)
//	Warn   "rest: retrying" vendor, op, method, path, attempt (the one that
//	                        failed), wait (before the next), reason (the error)
//	Info   "rest: waiting"  vendor, op, bucket, wait, reason: a wait of more
//	                        than a second before an attempt is sent
//
// The reason of "rest: waiting" is "vendor rate limit" (the bucket is paused
// after a 429 or a remaining count of 0, for Retry-After or RateWindow) or
// "client rate limit" (the limiter of RateLimit has no slot yet). A retry's
// own wait, Retry-After included, is in its "rest: retrying" record only.
// Headers, bodies and queries are never logged.
package rest

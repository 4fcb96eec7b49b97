package support

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter paces the requests an adapter sends to a vendor, per rate-limit
// bucket. Each HTTP adapter's Config has a RateLimiter field; nil means a
// limiter inside the process (golang.org/x/time/rate), which paces only
// that one Client. Apps that run several processes against one vendor
// account (replicas, a migration beside the app) share the vendor's quota
// through a shared limiter: package ratelimit/redislimit keeps the buckets
// in Redis.
//
// The adapter (through internal/rest) asks Reserve before each attempt and
// tells Observe what the vendor answered; the vendor's rules (which bucket a
// request counts against, its rate, how long to pause after a 429) stay in
// the adapter. Implementations must be safe for concurrent use.
type RateLimiter interface {
	// Reserve books the next free slot of bucket b for one request, if that
	// slot comes within maxWait, and says how long to wait for it (Wait 0:
	// send now). A slot further away is not booked: OK is false and Wait
	// says how far it is. While b is paused (Observe with a Pause), Reserve
	// books nothing and returns the rest of the pause with Paused set; the
	// caller waits and asks again.
	Reserve(ctx context.Context, b RateBucket, maxWait time.Duration) (RateReservation, error)
	// Observe reports what the vendor answered to a request of b. A
	// positive o.Pause (the vendor said no request is left: a 429, or a
	// remaining-requests header at 0) stops b for that long for every user
	// of the limiter; a pause already longer is kept.
	Observe(ctx context.Context, b RateBucket, o RateObservation) error
}

// RatePauses is implemented by a RateLimiter that can say whether a bucket
// is paused without booking anything. The adapters (internal/rest) ask it
// after waiting for a booked slot, just before sending: a pause that began
// during the wait (a 429 that another request, or another process, got)
// then holds that request too, instead of sending it into the vendor's
// refusal. A RateLimiter without it has its booked requests sent at their
// slots, pause or not.
type RatePauses interface {
	// PausedFor returns how long b stays paused from now; 0 when it is not
	// paused.
	PausedFor(ctx context.Context, b RateBucket) (time.Duration, error)
}

// RateBucket names one rate-limit bucket of one vendor account and says its
// rate. Implementations key their state by Vendor, Account and Name.
type RateBucket struct {
	// Vendor is the adapter name ("tidio").
	Vendor string
	// Account tells vendor accounts apart without holding a credential:
	// the base URL and the vendor's account ID, or AccountFingerprint.
	Account string
	// Name is the vendor's bucket ("" for the whole account; respond.io
	// limits each endpoint on its own).
	Name string
	// Limit is the proactive rate, in requests a second; 0 means no
	// proactive limit (only the vendor's pauses apply), rate.Inf none at
	// all.
	Limit rate.Limit
	// Burst is how many requests may go at once within Limit; at least 1.
	Burst int
}

// Key returns b's identity as one string, "vendor\x00account\x00name".
func (b RateBucket) Key() string { return b.Vendor + "\x00" + b.Account + "\x00" + b.Name }

// RateReservation is the answer of RateLimiter.Reserve.
type RateReservation struct {
	// Wait is how long to wait before sending (the slot booked), or before
	// asking again (a pause, or a slot too far to book).
	Wait time.Duration
	// OK reports that a slot was booked: send after Wait. When false, no
	// slot was taken.
	OK bool
	// Paused reports that Wait is the rest of a pause the vendor asked for.
	Paused bool
	// Cancel gives a booked slot back when the request will not be sent
	// after all (its context ended during the wait); nil when the
	// implementation cannot give slots back.
	Cancel func()
}

// RateObservation is what the vendor said about its rate limit in one
// response.
type RateObservation struct {
	// Status is the response's HTTP status.
	Status int
	// Remaining and Limit are the vendor's remaining-requests and limit
	// headers, -1 when not sent.
	Remaining, Limit int
	// Pause is how long the adapter decided the bucket must stop (a 429, or
	// Remaining 0: the vendor's Retry-After, else the adapter's window); 0
	// for none.
	Pause time.Duration
}

// Package redislimit is a support.RateLimiter that keeps its buckets in
// Redis, so that every process using one vendor account (replicas of an app,
// a migration running beside it) shares that account's quota instead of
// each process pacing itself alone. It is the only library package of
// deskbridge that imports go-redis: apps that do not use it do not build
// it. go-redis logs some failures (a failed dial) through its own global
// logger, on stderr by default; a program that wants them elsewhere sets
// redis.SetLogger, as the deskbridge CLI does.
//
//	lim, err := redislimit.NewFromURL("redis://localhost:6379/0", redislimit.Config{})
//	if err != nil { ... }
//	defer lim.Close()
//	client, err := tidio.New(tidio.Config{ ..., RateLimiter: lim })
//
// # Pacing: GCRA with booking
//
// Each bucket is paced with the generic cell rate algorithm (GCRA). Its
// state is one number, the theoretical arrival time TAT: when the next
// request would be due if requests went exactly at the bucket's rate. With
// T = 1/Limit (the emission interval, rounded up to a microsecond) and a
// tolerance τ = (Burst−1)·T, a Reserve at time now does, in one Lua script
// (atomic in Redis, so processes queue fairly):
//
//	tat  = max(TAT, now)          // an idle bucket starts from now
//	wait = max(0, tat − τ − now)  // up to Burst requests go at once
//	if wait > maxWait: refuse     // OK false, Wait = wait, nothing stored
//	else:              TAT = tat + T and send after wait
//
// So a Reserve books a slot in the future, as support.RateLimiter asks: the
// n-th of many concurrent callers is told to wait (n−Burst)·T, and no window
// of length W ever holds more than W/T + Burst − 1 requests, across every
// process sharing the Redis. A slot beyond maxWait is not booked, so a
// caller that gives up takes nothing.
//
// Cancel (the RateReservation's) gives a booked slot back only when it is
// still the last one booked (TAT is still the value the booking stored):
// then TAT −= T. When another request was booked after it, the slot is
// simply left unused, which errs on the safe side: giving it back then would
// let the next booking land on the later request's slot.
//
// Why not github.com/go-redis/redis_rate/v10: its Allow is GCRA too, but it
// answers only "allowed now" or "retry after d" and books nothing in the
// future, so concurrent callers that were refused race each other again
// after d instead of queueing; it has no shared pause and no way to give a
// slot back; and it reads Redis's clock only (tests here inject one).
//
// # Pauses
//
// A vendor's "no request left" (a 429, or a remaining-requests header at
// 0: Observe with a positive Pause) sets the bucket's pause key to the time
// the pause ends, with a TTL of the pause, unless a pause ending later is
// already in force (a shorter pause never shortens it). Reserve honours the
// pause first: while it lasts, it books nothing and returns the rest of it
// with Paused set, in every process. PausedFor (support.RatePauses) reads
// the pause without booking: the adapters ask it when a request has waited
// for its slot, so that a pause that began meanwhile holds that request
// too.
//
// # Keys
//
// For a bucket (Vendor, Account, Name) the keys are
//
//	<Prefix>{<vendor>:<account hash>:<name>}:tat    TAT, microseconds since 1970
//	<Prefix>{<vendor>:<account hash>:<name>}:pause  end of the pause, same unit
//
// with Prefix "deskbridge:ratelimit:" by default, the account hash the
// first 16 hex digits of the SHA-256 of RateBucket.Account (which never
// holds a credential anyway: support.AccountFingerprint), and vendor and
// name query-escaped (so neither holds a ":"). The braces are a Redis
// Cluster hash tag: both keys of a bucket live in one slot, which the
// Reserve script needs. Every key is written with a TTL (PX): the TAT until
// it is in the past, when an absent key means the same; the pause until it
// ends. An idle bucket leaves nothing in Redis.
//
// # Clock
//
// By default the scripts read Redis's clock (TIME), one clock for every
// process, so clocks that differ between machines do not matter; waits are
// durations, which each process sleeps on its own. Config.Now replaces it
// (for tests). Redis 5 or later is needed (scripts replicated by effects).
//
// # Redis unreachable
//
// With FallbackNone (the default) a Reserve or Observe that cannot reach
// Redis fails with an *UnreachableError ("redis at ADDR unreachable: …"),
// and the adapter's request fails with support.ErrUnavailable before
// anything is sent. With FallbackLocal the limiter paces each bucket in the
// process at LocalShare of its Limit (and Burst), logs one Warn record per
// outage, tries Redis again at most once a second (one request tries,
// within 250 ms, and the others pace locally meanwhile), and returns to
// Redis as soon as it answers (an Info record). A Redis that answers that
// it cannot serve for now (LOADING, READONLY, MASTERDOWN, TRYAGAIN,
// CLUSTERDOWN) is an outage too; any other error reply is returned. Slots booked locally are not carried over. A
// local share cannot know what other processes send: keep LocalShare at
// most 1/(number of processes).
//
// How long the first failing call takes is go-redis's: with its defaults, a
// Redis that refuses connections fails a call after about 1.7 s (4 tries of
// 5 dials); ?max_retries=-1 in the URL, or the Client's options, shorten it.
// A context's deadline bounds every call when the client has
// ContextTimeoutEnabled (NewFromURL sets it).
package redislimit

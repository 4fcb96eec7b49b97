package redislimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// DefaultPrefix starts every key the Limiter writes, unless Config.Prefix
// says otherwise.
const DefaultPrefix = "deskbridge:ratelimit:"

// DefaultLocalShare is the share of each bucket's Limit that FallbackLocal
// paces at while Redis is unreachable.
const DefaultLocalShare = 0.25

// retryEvery is how often, at most, a Limiter in a FallbackLocal outage
// tries Redis again; between tries it paces locally without asking.
const retryEvery = time.Second

// probeTimeout bounds those tries, so that the request that makes one
// waits at most that long more than the others. A variable for tests.
var probeTimeout = 250 * time.Millisecond

// cancelTimeout bounds the Redis call that gives a slot back: Cancel runs
// while the caller's context has already ended, and a slot not given back
// only goes unused.
const cancelTimeout = 250 * time.Millisecond

// maxInterval is the longest emission interval (1/Limit) a bucket may
// have: at most one request a week keeps the scripts' microsecond sums
// exact.
const maxInterval = 7 * 24 * time.Hour

// Fallback says what a Limiter does when Redis is unreachable.
type Fallback int

const (
	// FallbackNone fails the Reserve or Observe with an *UnreachableError;
	// the adapter then fails the request (support.ErrUnavailable) before
	// sending anything.
	FallbackNone Fallback = iota
	// FallbackLocal paces each bucket in this process at Config.LocalShare
	// of its Limit until Redis answers again, logging the outage.
	FallbackLocal
)

// Config configures a Limiter.
type Config struct {
	// Client reaches Redis (a *redis.Client, *redis.ClusterClient or
	// *redis.Ring); required by New, set by NewFromURL. The Limiter does
	// not close a Client it was given. Give it ContextTimeoutEnabled (as
	// NewFromURL does) so that a context's deadline bounds each Redis call,
	// the tries of Redis during a FallbackLocal outage included; go-redis's
	// own timeouts and retries (ReadTimeout, MaxRetries...) bound the rest.
	Client redis.UniversalClient
	// Prefix starts every key; default DefaultPrefix. Processes share a
	// bucket only when they use the same Prefix.
	Prefix string
	// Fallback is what happens while Redis is unreachable; default
	// FallbackNone.
	Fallback Fallback
	// LocalShare is the share (0 < share ≤ 1) of each bucket's Limit and
	// Burst that FallbackLocal paces at; default DefaultLocalShare.
	LocalShare float64
	// Logger receives the Warn record of each outage under FallbackLocal
	// and the Info record when Redis answers again; nil means
	// slog.Default().
	Logger *slog.Logger
	// Now replaces Redis's clock (the scripts are given its time), and is
	// the clock of the local fallback; nil means Redis's TIME for the
	// shared buckets and time.Now for the local ones. For tests.
	Now func() time.Time
}

// Limiter is a support.RateLimiter on Redis (see the package doc). It is
// safe for concurrent use.
type Limiter struct {
	client   redis.UniversalClient
	owned    bool // opened by NewFromURL: Close closes it
	addr     string
	prefix   string
	fallback Fallback
	log      *slog.Logger
	now      func() time.Time   // nil: Redis's TIME
	local    *rest.LocalLimiter // the FallbackLocal pacing

	mu        sync.Mutex
	down      bool      // a FallbackLocal outage is in progress
	downSince time.Time // its start
	lastTry   time.Time // the last failed try of Redis during it
}

var (
	_ support.RateLimiter = (*Limiter)(nil)
	_ support.RatePauses  = (*Limiter)(nil)
)

// New returns a Limiter on cfg.Client. It does not connect: the first
// Reserve or Observe does.
func New(cfg Config) (*Limiter, error) {
	if cfg.Client == nil {
		return nil, errors.New("redislimit: Config.Client is required (or use NewFromURL)")
	}
	if cfg.Fallback != FallbackNone && cfg.Fallback != FallbackLocal {
		return nil, fmt.Errorf("redislimit: unknown Fallback %d", cfg.Fallback)
	}
	share := cfg.LocalShare
	if share == 0 {
		share = DefaultLocalShare
	}
	if !(share > 0 && share <= 1) {
		return nil, fmt.Errorf("redislimit: LocalShare %v is not in (0, 1]", cfg.LocalShare)
	}
	l := &Limiter{
		client:   cfg.Client,
		addr:     addrOf(cfg.Client),
		prefix:   cfg.Prefix,
		fallback: cfg.Fallback,
		log:      cfg.Logger,
		now:      cfg.Now,
	}
	if l.prefix == "" {
		l.prefix = DefaultPrefix
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	l.local = &rest.LocalLimiter{Share: share, Now: l.clock}
	return l, nil
}

// ErrBadURL is matched by the error of NewFromURL for a URL it cannot use.
var ErrBadURL = errors.New("redislimit: bad Redis URL")

// NewFromURL returns a Limiter on a new client of the Redis at redisURL,
// redis://[user:password@]host[:port][/db] or rediss://… for TLS (parsed by
// redis.ParseURL, which also reads options such as ?dial_timeout=3s), with
// the rest of cfg as New takes it; cfg.Client must be nil. The client
// honours context deadlines (ContextTimeoutEnabled). Close closes it. It
// does not connect: the first Reserve, Observe or Ping does. Errors never
// repeat the URL, which may hold a password.
func NewFromURL(redisURL string, cfg Config) (*Limiter, error) {
	if cfg.Client != nil {
		return nil, errors.New("redislimit: NewFromURL opens its own client: leave Config.Client nil (or use New)")
	}
	opt, err := parseURL(redisURL)
	if err != nil {
		return nil, err
	}
	opt.ContextTimeoutEnabled = true
	cfg.Client = redis.NewClient(opt)
	l, err := New(cfg)
	if err != nil {
		_ = cfg.Client.Close()
		return nil, err
	}
	l.owned = true
	return l, nil
}

// parseURL parses redisURL with redis.ParseURL. Its errors never quote the
// URL's user information (user, password), which url.Parse's and
// go-redis's messages would: the URL is parsed first without it, so that
// their messages about the host, port, database or options can be given,
// and a problem in the user information itself gets a fixed message.
func parseURL(redisURL string) (*redis.Options, error) {
	scheme, rest, ok := strings.Cut(redisURL, "://")
	if !ok {
		return nil, badURL("no scheme")
	}
	if scheme != "redis" && scheme != "rediss" {
		if strings.ContainsAny(scheme, "@:/?#") {
			return nil, badURL("no scheme")
		}
		return nil, badURL("scheme " + strconv.Quote(scheme))
	}
	// The user information ends at the last "@" (a password may hold one).
	at := strings.LastIndex(rest, "@")
	safe := redisURL
	if at >= 0 {
		safe = scheme + "://" + rest[at+1:]
	}
	su, err := url.Parse(safe)
	if err != nil {
		reason := "unparsable"
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			reason = ue.Err.Error() // without the URL
		}
		return nil, badURL(reason)
	}
	if _, err := redis.ParseURL(safe); err != nil {
		return nil, badURL(err.Error())
	}
	if at < 0 {
		return redis.ParseURL(redisURL)
	}
	// With the user information, the host must stay the same: a "/", "?"
	// or "#" in a password that is not percent-encoded ends the host early.
	const malformed = "the user:password part is malformed (percent-encode any /, ?, #, @ or % in it)"
	u, err := url.Parse(redisURL)
	if err != nil || u.User == nil || u.Host != su.Host {
		return nil, badURL(malformed)
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, badURL(malformed)
	}
	return opt, nil
}

func badURL(reason string) error {
	return fmt.Errorf("%w (expected redis://[user:password@]host[:port][/db] or rediss://…): %s", ErrBadURL, reason)
}

// Close closes the Redis client that NewFromURL opened; a Client given to
// New is left open for its owner.
func (l *Limiter) Close() error {
	if !l.owned {
		return nil
	}
	return l.client.Close()
}

// Addr names the Redis server(s) the Limiter's client reaches (host:port,
// comma-separated for a cluster or ring), as its errors and logs do; never
// a password.
func (l *Limiter) Addr() string { return l.addr }

// Ping checks that Redis answers, with one PING, whatever Config.Fallback
// says: a program can call it at start to fail at once on a wrong address
// instead of at its first request. Its error is an *UnreachableError when
// Redis could not be reached.
func (l *Limiter) Ping(ctx context.Context) error {
	err := l.client.Ping(ctx).Err()
	if err == nil {
		return nil
	}
	if re := redis.Error(nil); errors.As(err, &re) && !unavailableReply(err) {
		// Redis answered, with an error (such as NOAUTH).
		return fmt.Errorf("redis at %s: %w", l.addr, err)
	}
	return &UnreachableError{Addr: l.addr, Err: err}
}

// UnreachableError is the error of a Reserve or Observe that could not reach
// Redis (under FallbackNone).
type UnreachableError struct {
	// Addr is the Redis address(es) the client was given.
	Addr string
	// Err is the client's error.
	Err error
}

func (e *UnreachableError) Error() string {
	return "redis at " + e.Addr + " unreachable: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Reserve implements support.RateLimiter.
func (l *Limiter) Reserve(ctx context.Context, b support.RateBucket, maxWait time.Duration) (support.RateReservation, error) {
	interval, err := intervalOf(b)
	if err != nil {
		return support.RateReservation{}, err
	}
	maxWait = max(maxWait, 0)
	rctx, stop, local := l.redisContext(ctx)
	defer stop()
	if local {
		return l.local.Reserve(ctx, b, maxWait)
	}
	tatKey, pauseKey := l.keys(b)
	tau := time.Duration(max(b.Burst, 1)-1) * interval
	res, err := reserveScript.Run(rctx, l.client, []string{tatKey, pauseKey},
		l.nowArg(), interval.Microseconds(), tau.Microseconds(), maxWait.Microseconds()).Int64Slice()
	if err == nil && len(res) != 3 {
		err = fmt.Errorf("reserve script answered %v", res)
	}
	if err != nil {
		if err := l.failed(ctx, "reserve", err); err != nil {
			return support.RateReservation{}, err
		}
		return l.local.Reserve(ctx, b, maxWait)
	}
	l.answered(ctx)
	wait := time.Duration(res[1]) * time.Microsecond
	switch res[0] {
	case resPaused:
		return support.RateReservation{Wait: wait, Paused: true}, nil
	case resRefused:
		return support.RateReservation{Wait: wait}, nil
	case resFree:
		return support.RateReservation{OK: true}, nil
	}
	booked := res[2]
	var once sync.Once
	cancel := func() { once.Do(func() { l.cancel(tatKey, booked, interval) }) }
	return support.RateReservation{Wait: wait, OK: true, Cancel: cancel}, nil
}

// cancel gives the slot that stored TAT booked back (see cancelScript).
func (l *Limiter) cancel(tatKey string, booked int64, interval time.Duration) {
	ctx, stop := context.WithTimeout(context.Background(), cancelTimeout)
	defer stop()
	err := cancelScript.Run(ctx, l.client, []string{tatKey}, l.nowArg(), booked, interval.Microseconds()).Err()
	if err != nil {
		l.log.Debug("redislimit: a booked slot was not given back", "addr", l.addr, "error", err)
	}
}

// Observe implements support.RateLimiter: a positive o.Pause pauses b for
// every process; the rest of o is not needed (the adapter turns a vendor's
// remaining 0 into a Pause).
func (l *Limiter) Observe(ctx context.Context, b support.RateBucket, o support.RateObservation) error {
	if o.Pause <= 0 {
		return nil
	}
	rctx, stop, local := l.redisContext(ctx)
	defer stop()
	if local {
		return l.local.Observe(ctx, b, o)
	}
	_, pauseKey := l.keys(b)
	pause := max(o.Pause.Microseconds(), 1)
	if err := pauseScript.Run(rctx, l.client, []string{pauseKey}, l.nowArg(), pause).Err(); err != nil {
		if err := l.failed(ctx, "pause", err); err != nil {
			return err
		}
		return l.local.Observe(ctx, b, o)
	}
	l.answered(ctx)
	return nil
}

// PausedFor implements support.RatePauses: how long b stays paused, for
// every process (one Redis call; during a FallbackLocal outage, the local
// pause). The adapters ask it after a request waited for its slot, so that
// a pause another process began meanwhile holds that request too.
func (l *Limiter) PausedFor(ctx context.Context, b support.RateBucket) (time.Duration, error) {
	rctx, stop, local := l.redisContext(ctx)
	defer stop()
	if local {
		return l.local.PausedFor(ctx, b)
	}
	_, pauseKey := l.keys(b)
	us, err := pausedScript.Run(rctx, l.client, []string{pauseKey}, l.nowArg()).Int64()
	if err != nil {
		if err := l.failed(ctx, "paused", err); err != nil {
			return 0, err
		}
		return l.local.PausedFor(ctx, b)
	}
	l.answered(ctx)
	return time.Duration(us) * time.Microsecond, nil
}

// intervalOf is b's emission interval T, rounded up to a microsecond; 0
// when b has no proactive limit (Limit 0, or rate.Inf).
func intervalOf(b support.RateBucket) (time.Duration, error) {
	if b.Limit <= 0 || b.Limit == rate.Inf {
		return 0, nil
	}
	us := math.Ceil(1e6 / float64(b.Limit))
	if us > float64(maxInterval/time.Microsecond) {
		return 0, fmt.Errorf("redislimit: bucket %q of %s: limit %v requests a second is below one a week", b.Name, b.Vendor, float64(b.Limit))
	}
	return time.Duration(us) * time.Microsecond, nil
}

// keys returns the TAT and pause keys of b (see the package doc).
func (l *Limiter) keys(b support.RateBucket) (tat, pause string) {
	sum := sha256.Sum256([]byte(b.Account))
	base := l.prefix + "{" + url.QueryEscape(b.Vendor) + ":" + hex.EncodeToString(sum[:8]) + ":" + url.QueryEscape(b.Name) + "}"
	return base + ":tat", base + ":pause"
}

// nowArg is the scripts' clock argument: Config.Now in microseconds, or ""
// for Redis's TIME.
func (l *Limiter) nowArg() string {
	if l.now == nil {
		return ""
	}
	return strconv.FormatInt(l.now().UnixMicro(), 10)
}

// clock is the local fallback's clock.
func (l *Limiter) clock() time.Time {
	if l.now == nil {
		return time.Now()
	}
	return l.now()
}

// redisContext says how to ask Redis: local is true during a FallbackLocal
// outage whose last try of Redis was less than retryEvery ago (pace
// locally, do not ask); after that the next call tries Redis within
// probeTimeout. stop releases the context.
func (l *Limiter) redisContext(ctx context.Context) (_ context.Context, stop func(), local bool) {
	if l.fallback != FallbackLocal {
		return ctx, func() {}, false
	}
	now := l.clock()
	l.mu.Lock()
	down, lastTry := l.down, l.lastTry
	probe := down && now.Sub(lastTry) >= retryEvery
	if probe {
		// This caller tries Redis; the others pace locally meanwhile.
		l.lastTry = now
	}
	l.mu.Unlock()
	if !down {
		return ctx, func() {}, false
	}
	if !probe {
		return ctx, func() {}, true
	}
	ctx, stop = context.WithTimeout(ctx, probeTimeout)
	return ctx, stop, false
}

// failed handles the error of a script run with (a context derived from)
// ctx: nil means pace locally (a FallbackLocal outage, logged when it
// starts); else the error to return.
func (l *Limiter) failed(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return err
	}
	if re := redis.Error(nil); errors.As(err, &re) && !unavailableReply(err) {
		// Redis answered, with an error: not an outage.
		return fmt.Errorf("redis at %s: %s script: %w", l.addr, what, err)
	}
	ue := &UnreachableError{Addr: l.addr, Err: err}
	if l.fallback != FallbackLocal {
		return ue
	}
	now := l.clock()
	l.mu.Lock()
	started := !l.down
	if started {
		l.down, l.downSince = true, now
	}
	l.lastTry = now
	l.mu.Unlock()
	if started {
		l.log.WarnContext(ctx, "redislimit: Redis unreachable; pacing each bucket in this process at a share of its limit until it answers",
			"addr", l.addr, "local_share", l.local.Share, "error", ue)
	}
	return nil
}

// unavailableReply tells whether err is a reply of a Redis that cannot
// serve for now: loading its data, a replica that cannot write, a cluster
// failing over. That is an outage, as an unreachable Redis is.
func unavailableReply(err error) bool {
	msg := err.Error()
	for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"} {
		if strings.HasPrefix(msg, p+" ") || msg == p {
			return true
		}
	}
	return false
}

// answered ends a FallbackLocal outage, if any, after Redis answered.
func (l *Limiter) answered(ctx context.Context) {
	if l.fallback != FallbackLocal {
		return
	}
	l.mu.Lock()
	was, since := l.down, l.downSince
	l.down = false
	l.mu.Unlock()
	if was {
		l.log.InfoContext(ctx, "redislimit: Redis answers again; buckets are shared again",
			"addr", l.addr, "outage", l.clock().Sub(since))
	}
}

// addrOf names the server(s) c reaches, for errors and logs.
func addrOf(c redis.UniversalClient) string {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().Addr
	case *redis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	case *redis.Ring:
		var addrs []string
		for _, a := range c.Options().Addrs {
			addrs = append(addrs, a)
		}
		slices.Sort(addrs)
		return strings.Join(addrs, ",")
	}
	return "the configured address"
}

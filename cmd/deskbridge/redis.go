package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
)

// redisEnv names the Redis whose rate limits a command shares, unless
// --redis-url says otherwise.
const redisEnv = "DESKBRIDGE_REDIS_URL"

// redisPingTimeout bounds the check that the Redis answers, before any
// account is read.
const redisPingTimeout = 10 * time.Second

// redisFlags are a command's flags for a shared rate limit.
type redisFlags struct {
	url   *string
	share *float64
}

// redisFlags adds --redis-url to fs, and --redis-local-share when
// withShare (for a command that sends requests for long).
func (a *app) redisFlags(fs *flag.FlagSet, withShare bool) redisFlags {
	f := redisFlags{
		url: fs.String("redis-url", "", "share each vendor account's rate limit with the other processes using it (apps, other migrations) through the Redis at `URL`: "+
			"redis://[user:password@]host[:port][/db], or rediss:// for TLS (default $"+redisEnv+")"),
		share: new(float64),
	}
	if withShare {
		fs.Float64Var(f.share, "redis-local-share", 0, "when the Redis stops answering during the run, pace each account in this process at this `share` of its limit (0 < share ≤ 1; keep it at most 1/number of processes) until it answers again, instead of failing the requests")
	}
	return f
}

// quietRedis keeps go-redis's own log lines (a failed dial, printed on
// stderr by the standard logger) off the screen: the limiter's errors say
// the same, once, where they matter.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// openRedis opens the shared rate limiter the flags (or DESKBRIDGE_REDIS_URL)
// name, checks that Redis answers, and makes every account opened after it
// pace its requests through it. Without a URL it does nothing: each
// account paces itself in this process. A bad URL or a Redis that does not
// answer is a configuration error (exit 2) naming where the URL was set,
// never the URL itself (it may hold a password). close closes the
// limiter's client.
func (a *app) openRedis(ctx context.Context, f redisFlags) (close func(), err error) {
	where, raw := "--redis-url", strings.TrimSpace(*f.url)
	if raw == "" {
		where, raw = redisEnv, strings.TrimSpace(a.getenv(redisEnv))
	}
	if *f.share != 0 && raw == "" {
		return nil, usagef("--redis-local-share needs --redis-url (or %s)", redisEnv)
	}
	if *f.share < 0 || *f.share > 1 {
		return nil, usagef("--redis-local-share must be above 0 and at most 1")
	}
	if raw == "" {
		return func() {}, nil
	}
	redis.SetLogger(quietRedis{})
	cfg := redislimit.Config{Logger: a.waits.logger()}
	if *f.share > 0 {
		cfg.Fallback, cfg.LocalShare = redislimit.FallbackLocal, *f.share
	}
	lim, err := redislimit.NewFromURL(raw, cfg)
	if err != nil {
		return nil, &configError{fmt.Errorf("%s: %w", where, err)}
	}
	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := lim.Ping(pctx); err != nil {
		_ = lim.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &configError{fmt.Errorf("the shared rate limit (%s): %w", where, err)}
	}
	a.rateLimiter, a.redisAddr = lim, lim.Addr()
	return func() {
		a.rateLimiter = nil
		_ = lim.Close()
	}, nil
}

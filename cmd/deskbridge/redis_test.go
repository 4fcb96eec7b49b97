package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/redistest"
	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

// With --redis-url, the CLI's requests are paced by the quota shared in
// Redis: another process's bookings of the Tidio project's slots hold back
// 'deskbridge check', which sends nothing and says the account is busy; without the flag the same check reads the account.
// DESKBRIDGE_REDIS_URL does the same as the flag.
func TestRedisSharesTheQuota(t *testing.T) {
	addr := redistest.Addr(t)
	var sent atomic.Int64
	sim, err := startSimulator("tidio", simOptions{Seed: 1, Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sent.Add(1)
			h.ServeHTTP(w, r)
		})
	}})
	require.NoError(t, err)
	defer sim.Close()

	// Another process, on the same project, has booked the next two hours
	// of it.
	other, err := redislimit.NewFromURL("redis://"+addr, redislimit.Config{})
	require.NoError(t, err)
	defer other.Close()
	bucket := support.RateBucket{Vendor: "tidio", Account: support.AccountFingerprint(sim.env["TIDIO_BASE_URL"], tidiotest.ClientID),
		Limit: 1.0 / 3600, Burst: 1}
	for range 2 {
		r, err := other.Reserve(t.Context(), bucket, 2*time.Hour)
		require.NoError(t, err)
		require.True(t, r.OK)
		t.Cleanup(r.Cancel) // the last booked first: the key goes
	}
	a := realApp(sim.env)
	require.Equal(t, exitOK, a.exec(t.Context(), "check", "tidio"), a.errOut.String())
	assert.Equal(t, checkOK, checkRows(a.out.String())["Tidio"][0], a.out.String())
	assert.EqualValues(t, 1, sent.Load(), "alone, the check reads the account")

	for _, how := range []string{"flag", "env"} {
		t.Run(how, func(t *testing.T) {
			sent.Store(0)
			env := map[string]string{}
			for k, v := range sim.env {
				env[k] = v
			}
			args := []string{"check", "tidio"}
			if how == "flag" {
				args = append(args, "--redis-url", "redis://"+addr)
			} else {
				env[redisEnv] = "redis://" + addr
			}
			a := realApp(env)
			require.Equal(t, exitOK, a.exec(t.Context(), args...), a.errOut.String())
			rows := checkRows(a.out.String())
			assert.Equal(t, [2]string{checkOK, addr}, rows["shared rate limit (Redis)"], a.out.String())
			assert.Equal(t, checkBusy, rows["Tidio"][0], "booked by the other process: %s", a.out.String())
			assert.Zero(t, sent.Load(), "nothing is sent while the other process holds the slots")
		})
	}
}

// A migration with --redis-url gives every account the shared limiter;
// a Redis that does not answer, or a URL that is not one, stops it before
// any account is read (exit 2), with a message that names where the URL was
// set and never repeats its password.
func TestMigrateRedisURL(t *testing.T) {
	addr := redistest.Addr(t)
	dir := t.TempDir()
	src, dst := seeded(t, people(5)), seeded(t, nil)
	platforms := map[string]*support.Client{"tidio": src, "respondio": dst}

	a := newTestApp(fullEnv, platforms)
	state := filepath.Join(dir, "m.db")
	require.Equal(t, exitOK, a.exec(t.Context(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state, "--redis-url", "redis://"+addr), a.errOut.String())
	for _, name := range []string{"tidio", "respondio"} {
		assert.IsType(t, &redislimit.Limiter{}, a.configs[name]["rateLimiter"], "%s is paced through Redis", name)
	}
	assert.Len(t, listAll(t, dst), 5)

	a = newTestApp(fullEnv, platforms)
	require.Equal(t, exitOK, a.exec(t.Context(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state), a.errOut.String())
	assert.NotContains(t, a.configs["tidio"], "rateLimiter", "without a URL each account paces itself")

	closed := closedPort(t)
	for _, c := range []struct {
		name, flag, env, want string
	}{
		// One try (go-redis's default is 4 tries of 5 dials, some 1.7 s).
		{"unreachable by flag", "redis://:hunter2@" + closed + "?max_retries=-1", "", "the shared rate limit (--redis-url): redis at " + closed + " unreachable: "},
		{"unreachable by env", "", "redis://:hunter2@" + closed + "?max_retries=-1", "the shared rate limit (" + redisEnv + "): redis at " + closed + " unreachable: "},
		{"not a Redis URL", "http://:hunter2@" + closed, "", `--redis-url: redislimit: bad Redis URL`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range fullEnv {
				env[k] = v
			}
			if c.env != "" {
				env[redisEnv] = c.env
			}
			a := newTestApp(env, platforms)
			args := []string{"migrate", "--from", "tidio", "--to", "respondio", "--state", filepath.Join(dir, c.name+".db")}
			if c.flag != "" {
				args = append(args, "--redis-url", c.flag)
			}
			assert.Equal(t, exitUsage, a.exec(t.Context(), args...))
			assert.Contains(t, a.errOut.String(), c.want)
			assert.NotContains(t, a.errOut.String(), "hunter2")
			assert.Empty(t, a.out.String())
			assert.Empty(t, a.configs, "no account opened")
			assert.NoFileExists(t, filepath.Join(dir, c.name+".db"))
		})
	}

	a = newTestApp(fullEnv, platforms)
	assert.Equal(t, exitUsage, a.exec(t.Context(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state, "--redis-local-share", "0.5"))
	assert.Contains(t, a.errOut.String(), "--redis-local-share needs --redis-url")
	assert.Equal(t, exitUsage, a.exec(t.Context(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state, "--redis-url", "redis://"+addr, "--redis-local-share", "2"))
	assert.Contains(t, a.errOut.String(), "--redis-local-share must be above 0 and at most 1")
}

// Under --redis-local-share, Redis going away is said on the display once,
// with where and what the process does meanwhile, and its coming back too:
// the real limiter's records through the CLI's handler.
func TestSharedLimitOutageIsShown(t *testing.T) {
	var w waits
	var notes []string
	defer w.to(func(s string) { notes = append(notes, s) })()

	c := redis.NewClient(&redis.Options{Addr: closedPort(t), MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	lim, err := redislimit.New(redislimit.Config{Client: c, Fallback: redislimit.FallbackLocal, LocalShare: 0.5, Logger: w.logger()})
	require.NoError(t, err)
	b := support.RateBucket{Vendor: "tidio", Account: "a", Limit: 1, Burst: 1}
	r, err := lim.Reserve(t.Context(), b, time.Minute)
	require.NoError(t, err, "paced locally")
	assert.True(t, r.OK)
	require.Len(t, notes, 1, "the outage, once")
	assert.Regexp(t, `^deskbridge: the shared rate limit's Redis at `+regexp.QuoteMeta(lim.Addr())+
		` is unreachable; pacing each account in this process at 0.5 of its limit until it answers \(.*connection refused\)$`, notes[0])

	// The record of its return, as redislimit logs it.
	w.logger().Info("redislimit: Redis answers again; buckets are shared again", "addr", "127.0.0.1:6379", "outage", 3*time.Second)
	w.logger().Warn("rest: the rate limiter did not take the vendor's answer", "vendor", "tidio", "error", "redis at 127.0.0.1:6379 unreachable: EOF")
	assert.Equal(t, []string{
		"deskbridge: the shared rate limit's Redis at 127.0.0.1:6379 answers again; the limits are shared again",
		"tidio: the vendor's pause could not be shared: redis at 127.0.0.1:6379 unreachable: EOF",
	}, notes[1:])
}

package redislimit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

// Redis out of reach with FallbackNone (the default): Reserve and Observe
// fail with an *UnreachableError naming the address.
func TestFallbackNoneUnreachable(t *testing.T) {
	addr := closedAddr(t)
	// One try, one dial: go-redis's defaults (4 tries of 5 dials) take 1.7 s.
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	l, err := redislimit.New(redislimit.Config{Client: c})
	require.NoError(t, err)
	b := bucket("", 10, 1)

	_, err = l.Reserve(t.Context(), b, time.Second)
	var ue *redislimit.UnreachableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, addr, ue.Addr)
	assert.True(t, strings.HasPrefix(err.Error(), "redis at "+addr+" unreachable: "), err.Error())
	assert.Contains(t, err.Error(), "connection refused")

	err = l.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: time.Second})
	require.ErrorAs(t, err, &ue)
	_, err = l.PausedFor(t.Context(), b)
	require.ErrorAs(t, err, &ue)
	assert.NoError(t, l.Observe(t.Context(), b, support.RateObservation{Status: 200, Remaining: 3, Limit: 60}),
		"nothing to tell Redis without a pause")
}

// An error Redis answers (here a key of another type) is no outage: it is
// returned, also under FallbackLocal, not hidden by local pacing.
func TestRedisErrorIsNotAnOutage(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now, Fallback: redislimit.FallbackLocal})
	b := bucket("", 10, 1)
	reserve(t, l, b, 0)
	keys := e.keys(t)
	require.Len(t, keys, 1)
	require.NoError(t, e.raw.Del(t.Context(), keys[0]).Err())
	require.NoError(t, e.raw.HSet(t.Context(), keys[0], "x", "1").Err())
	require.NoError(t, e.raw.PExpire(t.Context(), keys[0], time.Minute).Err())

	_, err := l.Reserve(t.Context(), b, time.Second)
	require.Error(t, err)
	assert.False(t, errors.As(err, new(*redislimit.UnreachableError)))
	assert.Contains(t, err.Error(), "redis at "+e.addr+": reserve script: ")
	assert.Contains(t, err.Error(), "WRONGTYPE")
}

// logBuffer collects JSON log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the level and message of each record.
func (b *logBuffer) records(t *testing.T) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for line := range strings.Lines(b.buf.String()) {
		var r struct{ Level, Msg, Addr string }
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		out = append(out, r.Level+" "+r.Addr+" "+r.Msg)
	}
	return out
}

// FallbackLocal: while Redis is out of reach the limiter paces locally at
// LocalShare of the limit (and takes pauses locally), with one Warn per
// outage and without asking Redis more than once a second; when Redis
// answers again the shared bucket is used again (an Info record).
func TestFallbackLocal(t *testing.T) {
	e := newEnv(t)
	p := newProxy(t, e.addr)
	clk := newClock()
	logs := &logBuffer{}
	// One try, one dial, so that the outage is quick to see.
	l := e.limiter(t, &redis.Options{Addr: p.addr(), MaxRetries: -1, DialerRetries: 1, ContextTimeoutEnabled: true}, redislimit.Config{
		Now: clk.Now, Fallback: redislimit.FallbackLocal,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	// Shared: 4 a minute, burst 4; the local share: 1 a minute, burst 1.
	// (Slow, so that the TAT key outlives the test's real time.)
	b := bucket("", 4.0/60, 4)
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Second))
	require.Len(t, e.keys(t), 1, "booked in Redis")
	tat, err := e.raw.Get(t.Context(), e.keys(t)[0]).Result()
	require.NoError(t, err)
	assert.Empty(t, logs.records(t))

	p.down()
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Second), "local: a burst of 1")
	require.Equal(t, int64(1), p.tries.Load(), "one try")
	assert.Equal(t, time.Minute, reserve(t, l, b, time.Hour), "local: 1 a minute, a quarter of 4")
	r, err := l.Reserve(t.Context(), b, 90*time.Second)
	require.NoError(t, err)
	assert.Equal(t, support.RateReservation{Wait: 2 * time.Minute}, r, "local: refused beyond maxWait")
	require.NoError(t, l.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: 5 * time.Second}))
	r, err = l.Reserve(t.Context(), b, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, support.RateReservation{Wait: 5 * time.Second, Paused: true}, r, "local pause")
	d, err := l.PausedFor(t.Context(), b)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, d, "the local pause, without asking Redis")
	assert.Equal(t, []string{"WARN " + p.addr() + " redislimit: Redis unreachable; pacing each bucket in this process at a share of its limit until it answers"},
		logs.records(t), "one Warn for the outage")
	assert.Equal(t, int64(1), p.tries.Load(), "Redis not asked again within a second")
	after, err := e.raw.Get(t.Context(), e.keys(t)[0]).Result()
	require.NoError(t, err)
	assert.Equal(t, tat, after, "nothing booked in Redis meanwhile")

	p.setUp()
	clk.Advance(time.Second)
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Second), "shared again: burst 4 there, and no pause")
	after, err = e.raw.Get(t.Context(), e.keys(t)[0]).Result()
	require.NoError(t, err)
	assert.NotEqual(t, tat, after, "booked in Redis")
	recs := logs.records(t)
	require.Len(t, recs, 2)
	assert.Equal(t, "INFO "+p.addr()+" redislimit: Redis answers again; buckets are shared again", recs[1])

	p.down()
	_, err = l.Reserve(t.Context(), b, time.Minute)
	require.NoError(t, err)
	recs = logs.records(t)
	require.Len(t, recs, 3, "a new outage, a new Warn")
	assert.True(t, strings.HasPrefix(recs[2], "WARN "), recs[2])
}

// During an outage, the try of Redis a request makes (once a second) is
// bounded: a Redis that accepts connections and never answers costs that
// request the probe's timeout, not the client's read timeout.
func TestFallbackLocalProbeIsBounded(t *testing.T) {
	e := newEnv(t)
	p := newProxy(t, e.addr)
	clk := newClock()
	logs := &logBuffer{}
	redislimit.SetProbeTimeout(t, 20*time.Millisecond)
	const readTimeout = 5 * time.Second
	l := e.limiter(t, &redis.Options{Addr: p.addr(), MaxRetries: -1, DialerRetries: 1,
		DialTimeout: readTimeout, ReadTimeout: readTimeout, ContextTimeoutEnabled: true},
		redislimit.Config{Now: clk.Now, Fallback: redislimit.FallbackLocal, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	b := bucket("", 1, 1)
	p.down()
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Minute), "local")

	p.hang.Store(true)
	clk.Advance(4 * time.Second) // the local share is 1 per 4 s
	start := time.Now()
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Minute), "local, after a try of Redis")
	assert.Less(t, time.Since(start), readTimeout/2, "the try was cut short")
	assert.Equal(t, int64(2), p.tries.Load(), "Redis was tried")
	assert.Len(t, logs.records(t), 1, "the same outage")

	// Many callers at once after the next second: one of them tries Redis,
	// the others pace locally without waiting for it.
	clk.Advance(time.Minute)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, err := l.Reserve(t.Context(), bucket("", 1000, 1000), time.Minute)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(3), p.tries.Load(), "one try of Redis in that second, not one per caller")
}

// NewFromURL's client honours the context's deadline: a Redis that never
// answers holds a Reserve until then, not for go-redis's read timeout.
func TestNewFromURLHonoursDeadlines(t *testing.T) {
	e := newEnv(t)
	p := newProxy(t, e.addr)
	p.hang.Store(true)
	p.down()
	l, err := redislimit.NewFromURL("redis://"+p.addr()+"/0?max_retries=-1", redislimit.Config{})
	require.NoError(t, err)
	defer l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = l.Reserve(ctx, bucket("", 1, 1), time.Second)
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "go-redis's read timeout is 3 s")
}

// Ping answers nil from a Redis that answers, an *UnreachableError from one
// out of reach (under either Fallback: a program checking at start wants to
// know), and Redis's own refusal, wrapped, from one that refuses.
func TestPing(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.limiter(t, nil, redislimit.Config{}).Ping(t.Context()))

	addr := closedAddr(t)
	for _, fb := range []redislimit.Fallback{redislimit.FallbackNone, redislimit.FallbackLocal} {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
		t.Cleanup(func() { _ = c.Close() })
		l, err := redislimit.New(redislimit.Config{Client: c, Fallback: fb})
		require.NoError(t, err)
		err = l.Ping(t.Context())
		var ue *redislimit.UnreachableError
		require.ErrorAs(t, err, &ue, "fallback %d", fb)
		assert.Equal(t, addr, ue.Addr)
		assert.Equal(t, addr, l.Addr())
	}

	// A user the server does not know: Redis answers WRONGPASS.
	l := e.limiter(t, &redis.Options{Addr: e.addr, Username: "nobody", Password: "not-the-password", MaxRetries: -1}, redislimit.Config{})
	err := l.Ping(t.Context())
	require.Error(t, err)
	var ue *redislimit.UnreachableError
	assert.False(t, errors.As(err, &ue), "an answer is not an outage: %v", err)
	assert.NotContains(t, err.Error(), "not-the-password")
}

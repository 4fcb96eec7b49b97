package redislimit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

const account = "https://api.tidio.com project:p-1"

func bucket(name string, limit rate.Limit, burst int) support.RateBucket {
	return support.RateBucket{Vendor: "tidio", Account: account, Name: name, Limit: limit, Burst: burst}
}

// reserve asks l for a slot of b and requires it booked, returning its wait.
func reserve(t *testing.T, l *redislimit.Limiter, b support.RateBucket, maxWait time.Duration) time.Duration {
	t.Helper()
	r, err := l.Reserve(t.Context(), b, maxWait)
	require.NoError(t, err)
	require.True(t, r.OK, "booked: %+v", r)
	require.False(t, r.Paused)
	return r.Wait
}

// The slots come one emission interval (1/Limit, rounded up to a
// microsecond) apart, booked in the future for callers that come at once;
// an idle bucket starts afresh.
func TestRate(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 10, 1)
	for i := range 4 {
		assert.Equal(t, time.Duration(i)*100*time.Millisecond, reserve(t, l, b, time.Second), "slot %d", i)
	}
	clk.Advance(time.Second) // past every slot booked
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Second))
	clk.Advance(40 * time.Millisecond)
	assert.Equal(t, 60*time.Millisecond, reserve(t, l, b, time.Second), "the rest of the interval")
	clk.Advance(time.Second)
	assert.Equal(t, time.Duration(0), reserve(t, l, b, 0), "a free slot needs no wait")

	// Tidio's pace, 59 requests per 61 s: 1,033,898.3 µs, rounded up.
	tidio := bucket("tidio-pace", rate.Limit(59.0/61), 1)
	assert.Equal(t, time.Duration(0), reserve(t, l, tidio, time.Minute))
	assert.Equal(t, 1033899*time.Microsecond, reserve(t, l, tidio, time.Minute))
}

// Burst requests go at once; then one per interval; an idle bucket refills
// its burst.
func TestBurst(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 2, 3)
	var waits []time.Duration
	for range 5 {
		waits = append(waits, reserve(t, l, b, time.Minute))
	}
	assert.Equal(t, []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second}, waits)
	clk.Advance(10 * time.Second)
	waits = waits[:0]
	for range 4 {
		waits = append(waits, reserve(t, l, b, time.Minute))
	}
	assert.Equal(t, []time.Duration{0, 0, 0, 500 * time.Millisecond}, waits)
	clk.Advance(1500 * time.Millisecond) // two intervals after the last slot: two of the burst back
	waits = waits[:0]
	for range 3 {
		waits = append(waits, reserve(t, l, b, time.Minute))
	}
	assert.Equal(t, []time.Duration{0, 0, 500 * time.Millisecond}, waits)
}

// A slot within maxWait is booked; one beyond is refused, with its distance
// and without booking anything.
func TestBookingWithinMaxWait(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 1, 1)
	assert.Equal(t, time.Duration(0), reserve(t, l, b, 1500*time.Millisecond))
	assert.Equal(t, time.Second, reserve(t, l, b, 1500*time.Millisecond))

	r, err := l.Reserve(t.Context(), b, 1500*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, support.RateReservation{Wait: 2 * time.Second}, r, "refused: the slot is 2 s away")
	r, err = l.Reserve(t.Context(), b, -time.Second)
	require.NoError(t, err)
	assert.Equal(t, support.RateReservation{Wait: 2 * time.Second}, r, "a negative maxWait books only a free slot")

	assert.Equal(t, 2*time.Second, reserve(t, l, b, 2*time.Second), "the refusals booked nothing")
	assert.Equal(t, 3*time.Second, reserve(t, l, b, 3*time.Second))
}

// A pause observed through one limiter stops the bucket for another (another
// client, as another process would have) for the rest of the pause, before
// any slot is booked; then the bucket books again.
func TestPauseShared(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	a := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	other := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("contacts", 10, 1)

	require.NoError(t, a.Observe(t.Context(), b, support.RateObservation{Status: 200, Remaining: 5, Limit: 60}))
	assert.Equal(t, time.Duration(0), reserve(t, other, b, time.Second), "no pause without Pause")

	d, err := other.PausedFor(t.Context(), b)
	require.NoError(t, err)
	assert.Zero(t, d, "not paused yet")
	require.NoError(t, a.Observe(t.Context(), b, support.RateObservation{Status: 429, Remaining: 0, Limit: 60, Pause: 10 * time.Second}))
	for _, l := range []*redislimit.Limiter{other, a} {
		d, err := l.PausedFor(t.Context(), b)
		require.NoError(t, err)
		assert.Equal(t, 10*time.Second, d, "PausedFor, booking nothing")
		r, err := l.Reserve(t.Context(), b, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, support.RateReservation{Wait: 10 * time.Second, Paused: true}, r)
	}
	clk.Advance(4 * time.Second)
	r, err := other.Reserve(t.Context(), b, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, support.RateReservation{Wait: 6 * time.Second, Paused: true}, r)
	d, err = other.PausedFor(t.Context(), b)
	require.NoError(t, err)
	assert.Equal(t, 6*time.Second, d)

	// Another bucket of the account is not paused.
	assert.Equal(t, time.Duration(0), reserve(t, other, bucket("messages", 10, 1), time.Second))

	clk.Advance(6 * time.Second)
	d, err = other.PausedFor(t.Context(), b)
	require.NoError(t, err)
	assert.Zero(t, d, "over")
	assert.Equal(t, time.Duration(0), reserve(t, other, b, time.Second), "the pause is over; the paused Reserves and PausedFor booked nothing")
	assert.Equal(t, 100*time.Millisecond, reserve(t, a, b, time.Second))
}

// A shorter pause never shortens the one in force; a longer one extends it.
func TestPauseNotShortened(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	a := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	other := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 1, 1)
	paused := func() time.Duration {
		t.Helper()
		r, err := a.Reserve(t.Context(), b, time.Minute)
		require.NoError(t, err)
		require.True(t, r.Paused, "%+v", r)
		return r.Wait
	}
	require.NoError(t, a.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: 10 * time.Second}))
	clk.Advance(time.Second)
	require.NoError(t, other.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: 2 * time.Second}))
	assert.Equal(t, 9*time.Second, paused(), "kept")
	require.NoError(t, other.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: 30 * time.Second}))
	assert.Equal(t, 30*time.Second, paused(), "extended")
}

// Without a proactive limit (Limit 0, or rate.Inf) every Reserve goes at once
// and nothing is stored, but pauses still apply; a limit below one request
// a week is refused.
func TestNoProactiveLimit(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	for _, limit := range []rate.Limit{0, rate.Inf} {
		b := bucket(fmt.Sprint(limit), limit, 1)
		for range 3 {
			r, err := l.Reserve(t.Context(), b, 0)
			require.NoError(t, err)
			assert.Equal(t, support.RateReservation{OK: true}, r)
		}
		assert.Empty(t, e.keys(t), "no state for an unlimited bucket")
		require.NoError(t, l.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: time.Second}))
		r, err := l.Reserve(t.Context(), b, 0)
		require.NoError(t, err)
		assert.Equal(t, support.RateReservation{Wait: time.Second, Paused: true}, r)
		clk.Advance(time.Second)
		e.raw.Del(t.Context(), e.keys(t)...)
	}
	_, err := l.Reserve(t.Context(), bucket("slow", 1e-7, 1), time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "below one a week")
}

// Cancel gives a slot back while it is still the last one booked; after
// another booking it gives nothing back; calling it twice gives back once.
func TestCancel(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 1, 1)
	book := func(want time.Duration) support.RateReservation {
		t.Helper()
		r, err := l.Reserve(t.Context(), b, time.Minute)
		require.NoError(t, err)
		require.True(t, r.OK)
		require.NotNil(t, r.Cancel)
		require.Equal(t, want, r.Wait)
		return r
	}
	book(0)
	r := book(time.Second)
	r.Cancel()
	r = book(time.Second) // the slot given back
	book(2 * time.Second)
	r.Cancel() // not the last one: nothing given back
	r = book(3 * time.Second)
	r.Cancel()
	r.Cancel()
	book(3 * time.Second)
	book(4 * time.Second)

	// A slot given back into the past leaves no state.
	b = bucket("idle", 1, 1)
	r, err := l.Reserve(t.Context(), b, 0)
	require.NoError(t, err)
	require.True(t, r.OK)
	require.Len(t, e.keys(t), 2)
	r.Cancel()
	assert.Len(t, e.keys(t), 1, "the idle bucket's TAT is deleted")
}

// Every key expires: the TAT when it is in the past, the pause when it ends.
func TestExpiry(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	b := bucket("", 1, 1)
	for range 3 {
		reserve(t, l, b, time.Minute)
	}
	require.NoError(t, l.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: 20 * time.Second}))
	keys := e.keys(t)
	require.Len(t, keys, 2)
	for _, k := range keys {
		ttl, err := e.raw.PTTL(t.Context(), k).Result()
		require.NoError(t, err)
		want := 3 * time.Second // TAT = now + 3 s
		if strings.HasSuffix(k, ":pause") {
			want = 20 * time.Second
		}
		assert.LessOrEqual(t, ttl, want, k)
		assert.Greater(t, ttl, want-time.Second, k)
	}
}

// The keys are prefix{vendor:hash:name}:tat and :pause, the hash 16 hex
// digits of the SHA-256 of the account, vendor and name escaped; nothing
// of the account is readable in keys or values.
func TestKeyLayout(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	l := e.limiter(t, nil, redislimit.Config{Now: clk.Now})
	const canary = "canary-7f3a9c1e55d24b80"
	acct := "https://api.example.com key:" + canary
	b := support.RateBucket{Vendor: "respondio", Account: acct, Name: "a b:c/d}", Limit: 5, Burst: 2}
	reserve(t, l, b, time.Minute)
	require.NoError(t, l.Observe(t.Context(), b, support.RateObservation{Status: 429, Pause: time.Minute}))

	sum := sha256.Sum256([]byte(acct))
	base := e.prefix + "{respondio:" + hex.EncodeToString(sum[:])[:16] + ":a+b%3Ac%2Fd%7D}"
	keys := e.keys(t)
	slices.Sort(keys)
	assert.Equal(t, []string{base + ":pause", base + ":tat"}, keys)
	for _, k := range keys {
		v, err := e.raw.Get(t.Context(), k).Result()
		require.NoError(t, err)
		assert.NotContains(t, k+v, "canary")
		assert.NotContains(t, k+v, "example.com")
	}

	// Names that could collide unescaped keep their own keys.
	reserve(t, l, support.RateBucket{Vendor: "respondio", Account: acct, Name: "a b:c/d}:pause", Limit: 5, Burst: 1}, time.Minute)
	assert.Len(t, e.keys(t), 3)
}

// Without Config.Now the scripts use Redis's clock: a second slot is one
// interval after the first, less the time between the calls.
func TestRedisClock(t *testing.T) {
	e := newEnv(t)
	l := e.limiter(t, nil, redislimit.Config{})
	b := bucket("", 1, 1)
	start := time.Now()
	assert.Equal(t, time.Duration(0), reserve(t, l, b, time.Minute))
	w := reserve(t, l, b, time.Minute)
	between := time.Since(start)
	assert.LessOrEqual(t, w, time.Second)
	assert.GreaterOrEqual(t, w, time.Second-between-time.Millisecond)
}

// Many goroutines on two limiters (two clients) at once: the slots booked
// are exactly the GCRA's, and no window of one second holds more than
// Limit + Burst − 1 of them.
func TestConcurrentLimitersNeverExceedTheRate(t *testing.T) {
	e := newEnv(t)
	clk := newClock()
	start := clk.Now()
	limiters := []*redislimit.Limiter{
		e.limiter(t, nil, redislimit.Config{Now: clk.Now}),
		e.limiter(t, nil, redislimit.Config{Now: clk.Now}),
	}
	const (
		limit      = 50 // T = 20 ms
		burst      = 5
		goroutines = 8 // per limiter
		calls      = 30
		maxWait    = 3 * time.Second
	)
	b := bucket("", limit, burst)
	var (
		mu    sync.Mutex
		sends []time.Duration // since start
	)
	phase := func() (booked int) {
		now := clk.Now().Sub(start)
		var wg sync.WaitGroup
		for _, l := range limiters {
			for range goroutines {
				wg.Go(func() {
					for range calls {
						r, err := l.Reserve(context.Background(), b, maxWait)
						if !assert.NoError(t, err) {
							return
						}
						if r.OK {
							mu.Lock()
							sends = append(sends, now+r.Wait)
							booked++
							mu.Unlock()
						} else {
							assert.Greater(t, r.Wait, maxWait, "refused within maxWait")
						}
					}
				})
			}
		}
		wg.Wait()
		return booked
	}

	// All at once: burst slots now, then one every 20 ms up to maxWait.
	assert.Equal(t, burst+int(maxWait/(20*time.Millisecond)), phase())
	slices.Sort(sends)
	for i, s := range sends {
		want := time.Duration(max(i-burst+1, 0)) * 20 * time.Millisecond
		require.Equal(t, want, s, "slot %d", i)
	}
	// Two seconds later, TAT is at 3.1 s and the first free slot at 3.02 s
	// (τ = 80 ms): slots from 3.02 s on, one every 20 ms up to 2 s + maxWait.
	clk.Advance(2 * time.Second)
	assert.Equal(t, int((5*time.Second-3020*time.Millisecond)/(20*time.Millisecond))+1, phase())

	slices.Sort(sends)
	most := 0
	for i, s := range sends {
		n, _ := slices.BinarySearch(sends, s+time.Second)
		most = max(most, n-i)
	}
	assert.LessOrEqual(t, most, limit+burst-1, "most slots in a window of 1 s")
	assert.Equal(t, limit+burst-1, most, "the first second holds the burst and the rate")
}

// New refuses what it cannot use, with a clear error.
func TestNewValidation(t *testing.T) {
	_, err := redislimit.New(redislimit.Config{})
	assert.ErrorContains(t, err, "Config.Client is required")
	l, err := redislimit.NewFromURL("redis://127.0.0.1:1/0", redislimit.Config{})
	require.NoError(t, err)
	defer l.Close()
	for _, share := range []float64{-0.1, 1.5} {
		_, err := redislimit.NewFromURL("redis://127.0.0.1:1/0", redislimit.Config{Fallback: redislimit.FallbackLocal, LocalShare: share})
		assert.ErrorContains(t, err, "LocalShare", "%v", share)
	}
	_, err = redislimit.NewFromURL("redis://127.0.0.1:1/0", redislimit.Config{Fallback: 7})
	assert.ErrorContains(t, err, "unknown Fallback 7")
}

// NewFromURL takes redis:// and rediss:// URLs; a bad one fails naming the
// schemes expected, and never repeats a password.
func TestNewFromURL(t *testing.T) {
	const canary = "pw-canary-9d1e4c7b"
	for _, bad := range []struct{ url, says string }{
		{"http://localhost:6379", `scheme "http"`},
		{"localhost:6379", "no scheme"},
		{"//localhost:6379", "no scheme"},
		{"redis://:" + canary + "@127.0.0.1:6379/notanumber", "invalid database number"},
		{"redis://:" + canary + "@127.0.0.1:6379/0/1", "invalid URL path"},
		{"redis://:" + canary + "@127.0.0.1:bad/0", "invalid port"},
		{"redis://:" + canary + "%zz@127.0.0.1:6379/0", "user:password part is malformed"},
		// Passwords that are not percent-encoded: url.Parse and go-redis
		// quote pieces of them.
		{"redis://:sec/" + canary + "@127.0.0.1:6390/0", "user:password part is malformed"},
		{"redis://:" + canary + "/abcd@127.0.0.1:6390", "user:password part is malformed"},
		{"redis://:sec#" + canary + "@127.0.0.1:6390", "user:password part is malformed"},
		{"redis://:sec?" + canary + "@127.0.0.1:6390", "user:password part is malformed"},
		{"redis://user:1#" + canary + "@127.0.0.1:6390", "user:password part is malformed"},
		{"redis://" + canary + ":pw@127.0.0.1:6379/x", "invalid database number"},
		{canary + ":pw@127.0.0.1:6379", "no scheme"},
	} {
		_, err := redislimit.NewFromURL(bad.url, redislimit.Config{})
		require.ErrorIs(t, err, redislimit.ErrBadURL, bad.url)
		assert.Contains(t, err.Error(), "expected redis://", bad.url)
		assert.Contains(t, err.Error(), bad.says, bad.url)
		for e := error(err); e != nil; e = unwrap(e) {
			assert.NotContains(t, e.Error(), canary, bad.url)
		}
	}

	l, err := redislimit.NewFromURL("rediss://user:"+canary+"@redis.example.com:6380/2", redislimit.Config{})
	require.NoError(t, err, "TLS; nothing is dialled yet")
	assert.NotContains(t, fmt.Sprintf("%+v %#v", l, l), canary)
	require.NoError(t, l.Close())

	_, err = redislimit.NewFromURL("redis://localhost", redislimit.Config{Client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})})
	assert.ErrorContains(t, err, "leave Config.Client nil")

	e := newEnv(t)
	l, err = redislimit.NewFromURL("redis://"+e.addr+"/0", redislimit.Config{Prefix: e.prefix})
	require.NoError(t, err)
	r, err := l.Reserve(t.Context(), bucket("", 1, 1), 0)
	require.NoError(t, err)
	assert.True(t, r.OK)
	assert.Len(t, e.keys(t), 1)
	require.NoError(t, l.Close())
	_, err = l.Reserve(t.Context(), bucket("", 1, 1), 0)
	assert.Error(t, err, "its client is closed")
}

func unwrap(err error) error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := u.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
		return nil
	}
	if u, ok := err.(interface{ Unwrap() error }); ok {
		return u.Unwrap()
	}
	return nil
}

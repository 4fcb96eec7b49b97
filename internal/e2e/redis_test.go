package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/redistest"
	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

// The shared-quota proof (TestSharedRateLimit): reader processes of this
// test binary against one Tidio simulator that enforces its limit per
// project in real time.
//
// Tidio's limit is per minute; here it is scaled up to sharedLimit per
// sharedWindow (60 a second), and every reader's adapter is told that
// quota as a user would configure it (RequestsPerMinute 3600). The adapter
// paces a bucket at (RequestsPerMinute−1) per 61 s: 472 requests in a
// window of 480, so requests may arrive some 130 ms late (a slow scheduler,
// a busy machine) before the window fills (x-ratelimit-remaining 0, which
// pauses the bucket for a window); Tidio's real minute allows a second.
// With 4 s windows (65 ms of slack) a machine busy with the rest of the
// test suite lost a window now and then; 8 s windows keep the slack above
// that.
//
// What the adapter cannot scale: its pause after a 429 or a remaining-0
// response is Tidio's window, a minute, capped by MaxWait; the readers set
// MaxWait to sharedWindow so that a pause lasts one scaled window, as it
// lasts one real window.
const (
	sharedWindow  = 8 * time.Second
	sharedLimit   = 480 // per sharedWindow
	sharedReaders = 4
	// sharedRun is how long the readers read; the proof runs in real time
	// by nature (the simulator's windows follow the wall clock), so each
	// variant lasts this long. The race detector changes nothing here: 60
	// requests a second are few.
	sharedRun = 16 * time.Second
	// sharedStartIn is how long after the readers are started they all
	// begin (readerSpec.Start), so that the run measures four running
	// processes, not their start-up one after the other.
	sharedStartIn = 2 * time.Second
)

// envReader, set in a reader process's environment, holds its readerSpec
// as JSON.
const envReader = "DESKBRIDGE_E2E_READER"

// readerSpec is what a reader process of TestSharedRateLimit does.
type readerSpec struct {
	// BaseURL is the simulator's; ContactID the contact read over and over.
	BaseURL, ContactID string
	// RedisURL is the shared limiter's Redis; "" uses the adapter's
	// in-process limiter (Config.RateLimiter nil). Prefix is the run's key
	// prefix in it.
	RedisURL, Prefix string
	// RequestsPerMinute and MaxWait go to tidio.Config.
	RequestsPerMinute int
	MaxWait           time.Duration
	// Start is when the reader sends its first request, Until when it
	// stops: it sends no request after it.
	Start, Until time.Time
}

// readerCounts is a reader's report, on its stdout as JSON.
type readerCounts struct {
	// OK calls succeeded; Limited failed with support.ErrRateLimited.
	OK, Limited int
}

// init makes this test binary a reader process when envReader is set
// (TestSharedRateLimit starts them). It runs before TestMain, which does
// the same for TestR2Killed's migrator.
func init() {
	if spec := os.Getenv(envReader); spec != "" {
		os.Exit(runReader(spec))
	}
}

// runReader reads one contact as fast as the adapter's limiter allows until
// spec.Until, prints its readerCounts and returns 0; any error but
// ErrRateLimited ends it with 1.
func runReader(spec string) int {
	var s readerSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		return 2
	}
	cfg := tidio.Config{ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret, BaseURL: s.BaseURL,
		RequestsPerMinute: s.RequestsPerMinute, MaxWait: s.MaxWait}
	if s.RedisURL != "" {
		l, err := redislimit.NewFromURL(s.RedisURL, redislimit.Config{Prefix: s.Prefix})
		if err != nil {
			fmt.Fprintln(os.Stderr, "reader:", err)
			return 2
		}
		defer l.Close()
		cfg.RateLimiter = l
	}
	c, err := tidio.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		return 2
	}
	var n readerCounts
	time.Sleep(time.Until(s.Start)) // a process of its own: the run is in real time
	for time.Now().Before(s.Until) {
		_, err := c.GetContact(context.Background(), support.ID(s.ContactID))
		switch {
		case err == nil:
			n.OK++
		case errors.Is(err, support.ErrRateLimited):
			n.Limited++
		default:
			fmt.Fprintln(os.Stderr, "reader:", err)
			return 1
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(n); err != nil {
		fmt.Fprintln(os.Stderr, "reader:", err)
		return 1
	}
	return 0
}

// arrivals stands in front of the simulator and records when each request
// arrived and its status. Once a request arrives at killAt or later, it
// calls kill (once) and notes when.
type arrivals struct {
	h      http.Handler
	killAt time.Time
	kill   func()

	mu       sync.Mutex
	killedAt time.Time
	seen     []arrival
}

// arrival is one request: when it reached the simulator and its status.
type arrival struct {
	at     time.Time
	status int
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	a.mu.Lock()
	var kill func()
	if a.kill != nil && a.killedAt.IsZero() && !now.Before(a.killAt) {
		kill, a.killedAt = a.kill, now
	}
	a.mu.Unlock()
	if kill != nil {
		kill()
	}
	sw := &statusOf{ResponseWriter: w}
	a.h.ServeHTTP(sw, r)
	a.mu.Lock()
	a.seen = append(a.seen, arrival{at: now, status: sw.status})
	a.mu.Unlock()
}

// perSecond is the number of requests answered 200 that arrived in
// [from, to), per second.
func (a *arrivals) perSecond(from, to time.Time) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, x := range a.seen {
		if x.status == http.StatusOK && !x.at.Before(from) && x.at.Before(to) {
			n++
		}
	}
	return float64(n) / to.Sub(from).Seconds()
}

// statusOf notes the status its handler answers with.
type statusOf struct {
	http.ResponseWriter
	status int
}

func (w *statusOf) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusOf) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// sharedResult is one variant's measurement.
type sharedResult struct {
	// whole, before and after are the requests answered 200 per second:
	// over the run, and before and after the kill (after is 0 without
	// one); the run is the readers' Start to Until.
	whole, before, after float64
	// n429 counts the simulator's 429 responses.
	n429 int
	// limited counts the calls that failed with ErrRateLimited in the
	// readers that finished.
	limited int
}

// runShared runs sharedReaders reader processes of exe against a fresh
// Tidio simulator, on the Redis limiter at redisURL ("" for the in-process
// one), killing the first reader (SIGKILL) halfway through when kill is
// set. Every other reader must finish.
func runShared(t *testing.T, exe, redisURL string, kill bool) sharedResult {
	k := newKit("tidio", kitOptions{RateLimit: sharedLimit, RateWindow: sharedWindow, RealTime: true})
	id, _ := k.seed(person(1))
	start := time.Now().Add(sharedStartIn)
	until := start.Add(sharedRun)
	rec := &arrivals{h: k.sim, killAt: start.Add(sharedRun / 2)}
	url := k.serve(t, rec)
	spec, err := json.Marshal(readerSpec{
		BaseURL: url, ContactID: id,
		RedisURL: redisURL, Prefix: fmt.Sprintf("deskbridge-e2e:%d:%d:", os.Getpid(), time.Now().UnixNano()),
		RequestsPerMinute: int(sharedLimit * time.Minute / sharedWindow), MaxWait: sharedWindow,
		Start: start, Until: until,
	})
	require.NoError(t, err)

	cmds := make([]*exec.Cmd, sharedReaders)
	outs := make([]*lockedBuffer, sharedReaders)
	errs := make([]*lockedBuffer, sharedReaders)
	var killed atomic.Bool
	for i := range cmds {
		cmds[i] = exec.Command(exe, "-test.run=^$")
		cmds[i].Env = append(os.Environ(), envReader+"="+string(spec))
		outs[i], errs[i] = &lockedBuffer{}, &lockedBuffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	t.Cleanup(func() { // readers left running by a failed check
		for _, c := range cmds {
			if c.Process != nil && c.ProcessState == nil {
				_ = c.Process.Kill()
				_ = c.Wait()
			}
		}
	})
	for _, c := range cmds {
		require.NoError(t, c.Start())
	}
	if kill {
		victim := cmds[0].Process
		rec.mu.Lock() // the simulator's goroutines read kill
		rec.kill = func() {
			killed.Store(true)
			_ = victim.Kill()
		}
		rec.mu.Unlock()
	}
	var res sharedResult
	for i, c := range cmds {
		err := c.Wait()
		if i == 0 && kill {
			require.True(t, killed.Load(), "no request came %v after the start", sharedRun/2)
			require.Error(t, err, "reader 0 was killed")
			continue
		}
		require.NoError(t, err, "reader %d: %s", i, errs[i].String())
		var n readerCounts
		require.NoError(t, json.Unmarshal([]byte(outs[i].String()), &n), "reader %d", i)
		res.limited += n.Limited
	}

	rec.mu.Lock()
	killedAt := rec.killedAt
	rec.mu.Unlock()
	res.whole = rec.perSecond(start, until)
	if kill {
		res.before, res.after = rec.perSecond(start, killedAt), rec.perSecond(killedAt, until)
	}
	res.n429 = k.stats.Statuses()[http.StatusTooManyRequests]
	return res
}

// TestSharedRateLimit is issue 14's proof that a quota shared through
// Redis holds across processes: four reader processes (this test binary,
// see init) share one Tidio simulator's per-project limit, scaled up (see
// sharedWindow), and read as fast as their limiters allow, side by side:
//
//   - on one Redis (ratelimit/redislimit), they sustain at least 95% of
//     the limit with 0 responses 429; one of them is killed (SIGKILL)
//     halfway through and the other three go on using the whole limit
//     (no slot of the dead one is lost for good): at least 95% of it after
//     the kill too;
//   - on their in-process limiters, each paces itself alone, and together
//     they exceed the limit: the simulator answers 429 (counted, and
//     reported with the throughput).
//
// It runs in real time by nature: the simulator's windows follow the wall
// clock, so each variant lasts sharedRun. The Redis server is at
// DESKBRIDGE_TEST_REDIS (host:port); without it the test skips, except
// under CI=true, where it fails.
func TestSharedRateLimit(t *testing.T) {
	addr := redistest.Addr(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	limit := float64(sharedLimit) / sharedWindow.Seconds()

	redis := runShared(t, exe, "redis://"+addr, true)
	local := runShared(t, exe, "", false)

	var table strings.Builder
	fmt.Fprintf(&table, "%d processes, one Tidio project limited to %d requests per %v (%.0f/s), %v each:\n",
		sharedReaders, sharedLimit, sharedWindow, limit, sharedRun)
	fmt.Fprintf(&table, "| limiter | sustained (req/s) | of the limit | 429s | calls failed (rate limited) |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&table, "| redislimit, one Redis (one process killed halfway) | %.1f (%.1f before the kill, %.1f after) | %.1f%% | %d | %d |\n",
		redis.whole, redis.before, redis.after, 100*redis.whole/limit, redis.n429, redis.limited)
	fmt.Fprintf(&table, "| in-process (RateLimiter nil) | %.1f | %.1f%% | %d | %d |\n",
		local.whole, 100*local.whole/limit, local.n429, local.limited)
	t.Log("\n" + table.String())

	assert.Zero(t, redis.n429, "responses 429 on the shared limiter")
	assert.GreaterOrEqual(t, redis.before/limit, 0.95, "share of the limit used by 4 processes on the shared limiter")
	assert.GreaterOrEqual(t, redis.after/limit, 0.95, "share of the limit used by the 3 left after the kill")
	assert.Zero(t, redis.limited, "calls failed with ErrRateLimited on the shared limiter")
	// The contrast: uncoordinated, the same processes overrun the limit.
	assert.Positive(t, local.n429, "responses 429 on in-process limiters")
}

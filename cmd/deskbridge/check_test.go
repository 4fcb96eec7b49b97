package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// checkRows splits check's output into its columns: title, result, detail.
func checkRows(out string) map[string][2]string {
	rows := map[string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		cols := regexp.MustCompile(`\s{2,}`).Split(line, 3)
		for len(cols) < 3 {
			cols = append(cols, "")
		}
		rows[cols[0]] = [2]string{cols[1], cols[2]}
	}
	return rows
}

// check checks every account configured and says, per account, ok,
// refused (with what to check) or unreachable (with the host and why).
func TestCheckSaysOkRefusedOrUnreachable(t *testing.T) {
	tidio, err := startSimulator("tidio", simOptions{Seed: 1, Unlimited: true})
	require.NoError(t, err)
	defer tidio.Close()
	respondio, err := startSimulator("respondio", simOptions{Seed: 2, Unlimited: true})
	require.NoError(t, err)
	defer respondio.Close()
	closed := closedPort(t)

	env := map[string]string{
		"RESPONDIO_TOKEN": "not-the-token", "RESPONDIO_BASE_URL": respondio.URL,
		"TIDYSUPPORT_API_KEY": "ts_sk_x", "TIDYSUPPORT_WORKSPACE_ID": "wrk_x", "TIDYSUPPORT_BASE_URL": "http://" + closed,
	}
	for k, v := range tidio.env {
		env[k] = v
	}
	a := realApp(env)
	code := a.check(context.Background())
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, map[string][2]string{
		"Tidio":       {"ok", tidio.URL},
		"respond.io":  {"refused", "check RESPONDIO_TOKEN"},
		"TidySupport": {"unreachable", "cannot reach " + closed + ": connection refused (check TIDYSUPPORT_BASE_URL)"},
	}, checkRows(a.out.String()))
	assert.Equal(t, "deskbridge check: 2 of 3 accounts cannot be used (see above)\n", a.errOut.String())

	// What migrate sees before it starts: configuration errors, their
	// chains kept.
	ctx := context.Background()
	for name, want := range map[string]error{"respondio": support.ErrUnauthorized, "tidysupport": support.ErrUnavailable} {
		ac, err := a.openAccount(ctx, "from", name)
		require.NoError(t, err)
		err = a.checkAccount(ctx, ac)
		var ce *configError
		assert.ErrorAs(t, err, &ce, name)
		assert.ErrorIs(t, err, want, name)
	}
	ac, err := a.openAccount(ctx, "from", "tidysupport")
	require.NoError(t, err)
	assert.EqualError(t, a.checkAccount(ctx, ac), "TidySupport: cannot reach "+closed+": connection refused (check TIDYSUPPORT_BASE_URL)")
	ac, err = a.openAccount(ctx, "from", "respondio")
	require.NoError(t, err)
	assert.Contains(t, a.checkAccount(ctx, ac).Error(), "respond.io refused the credentials (check RESPONDIO_TOKEN)")

	code = a.check(ctx, "--from", "tidio")
	assert.Equal(t, exitOK, code, a.errOut.String())
	assert.Equal(t, map[string][2]string{"Tidio": {"ok", tidio.URL}}, checkRows(a.out.String()))
}

// The check sends its request once: an answer that a migration would
// retry (503) fails the check at once, and a rate limit only says so.
func TestCheckSendsOneRequest(t *testing.T) {
	var requests atomic.Int32
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	a := realApp(map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "TIDIO_BASE_URL": srv.URL})

	code := a.check(context.Background(), "tidio")
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, int32(1), requests.Load(), "one attempt, not the adapter's four")
	row := checkRows(a.out.String())["Tidio"]
	assert.Equal(t, "failed", row[0])
	assert.Contains(t, row[1], "HTTP 503")

	status = http.StatusTooManyRequests
	requests.Store(0)
	code = a.check(context.Background(), "tidio")
	assert.Equal(t, exitOK, code, a.errOut.String())
	assert.Equal(t, int32(1), requests.Load())
	row = checkRows(a.out.String())["Tidio"]
	assert.Equal(t, "busy", row[0])
	assert.Contains(t, row[1], "rate limited right now, the credentials are not verified")
}

func TestCheckWithoutUsableAccounts(t *testing.T) {
	a := realApp(map[string]string{"TIDIO_CLIENT_ID": "ci_x"})
	assert.Equal(t, exitUsage, a.check(context.Background()))
	assert.Equal(t, map[string][2]string{
		"tidio": {"misconfigured", "Tidio needs the environment variable TIDIO_CLIENT_SECRET (see 'deskbridge migrate --help')"},
	}, checkRows(a.out.String()))

	assert.Equal(t, exitUsage, a.check(context.Background(), "zendesk"))
	assert.Equal(t, map[string][2]string{
		"zendesk": {"misconfigured", `unknown vendor "zendesk" (one of: tidio, respondio, tidysupport)`},
	}, checkRows(a.out.String()))

	a = realApp(map[string]string{})
	assert.Equal(t, exitUsage, a.check(context.Background()))
	assert.Contains(t, a.errOut.String(), "deskbridge check: no account to check")
}

// silentHost returns a loopback address that accepts connections and never
// answers, until the test ends.
func silentHost(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// firedAfter is an app.after whose timers have fired already, recording
// the durations asked for.
func firedAfter(asked *[]time.Duration, mu *sync.Mutex) func(time.Duration) <-chan time.Time {
	return func(d time.Duration) <-chan time.Time {
		mu.Lock()
		*asked = append(*asked, d)
		mu.Unlock()
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
}

// A host that accepts the connection and never answers is unreachable
// once the check's timeout is over (exit 2, the host and the variable to
// check named), and while the check waits for it, one line says so: for
// 'check', and for the checks migrate makes before it starts.
func TestCheckOfAHostThatNeverAnswers(t *testing.T) {
	host := silentHost(t)
	a := realApp(map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "TIDIO_BASE_URL": "http://" + host,
		"RESPONDIO_TOKEN": "tok"})
	a.checkTimeout = 50 * time.Millisecond // the test's; 15s by default
	var asked []time.Duration
	var mu sync.Mutex
	a.after = firedAfter(&asked, &mu)

	code := a.check(context.Background(), "tidio")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, map[string][2]string{
		"Tidio": {"unreachable", "cannot reach " + host + ": no answer within 50ms (check TIDIO_BASE_URL)"},
	}, checkRows(a.out.String()))
	assert.Equal(t, "deskbridge: waiting for Tidio at "+host+"…\n"+
		"deskbridge check: 1 of 1 account cannot be used (see above)\n", a.errOut.String())
	assert.Equal(t, []time.Duration{slowCheck}, asked)

	state := filepath.Join(t.TempDir(), "s.db")
	code = a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "deskbridge: waiting for Tidio at "+host+"…\n"+
		"deskbridge migrate: Tidio: cannot reach "+host+": no answer within 50ms (check TIDIO_BASE_URL)\n", a.errOut.String())
	assert.Empty(t, a.out.String())
	assert.NoFileExists(t, state)
}

// A check that answers before slowCheck prints nothing on stderr.
func TestCheckThatAnswersSaysNothingOfWaiting(t *testing.T) {
	tidio, err := startSimulator("tidio", simOptions{Seed: 1, Unlimited: true})
	require.NoError(t, err)
	defer tidio.Close()
	a := realApp(tidio.env)
	pending := make(chan time.Time) // never fires
	a.after = func(time.Duration) <-chan time.Time { return pending }
	assert.Equal(t, exitOK, a.check(context.Background(), "tidio"))
	assert.Empty(t, a.errOut.String())
}

package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// countingBody encodes differently on every MarshalJSON call, so a retry that
// re-encoded the body would send different bytes.
type countingBody struct{ calls *atomic.Int32 }

func (b countingBody) MarshalJSON() ([]byte, error) {
	n := b.calls.Add(1)
	return fmt.Appendf(nil, `{"name":"Ada","encoding":%d}`, n), nil
}

func transportErr(written bool, err error) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) {
		if written {
			wrote(req)
		}
		return nil, err
	}
}

// halfWritten fires WroteHeaders only, then fails: part of the request may
// be on the wire.
func halfWritten(req *http.Request) (*http.Response, error) {
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil && tr.WroteHeaders != nil {
		tr.WroteHeaders()
	}
	return nil, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestRetryDecisionTable is R3: for every (idempotency, outcome) pair, whether
// the request is sent again and whether the error says the outcome is
// unknown.
func TestRetryDecisionTable(t *testing.T) {
	type verdict struct{ retry, unknown bool }
	var (
		retry   = verdict{retry: true}
		final   = verdict{}
		unknown = verdict{unknown: true}
	)
	outcomes := []struct {
		name         string
		step         func(*http.Request) (*http.Response, error)
		notProcessed bool
		kind         error // of the error when not retried
		idem, nonIdm verdict
	}{
		{"dial refused (never written)", transportErr(false, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), false, support.ErrUnavailable, retry, retry},
		{"DNS failure (never written)", transportErr(false, &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}), false, support.ErrUnavailable, retry, retry},
		{"write broke halfway", halfWritten, false, support.ErrUnavailable, retry, unknown},
		{"reset after write", transportErr(true, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), false, support.ErrUnavailable, retry, unknown},
		{"EOF after write", transportErr(true, io.ErrUnexpectedEOF), false, support.ErrUnavailable, retry, unknown},
		{"timeout after write", transportErr(true, &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}), false, support.ErrUnavailable, retry, unknown},
		{"deadline after write", transportErr(true, os.ErrDeadlineExceeded), false, support.ErrUnavailable, retry, unknown},
		{"bad certificate", transportErr(false, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false, support.ErrUnavailable, final, final},
		{"408", status(408, ""), false, support.ErrUnavailable, retry, retry},
		{"429", status(429, "", "Retry-After", "1"), false, support.ErrRateLimited, retry, retry},
		{"500", status(500, ""), false, support.ErrUnavailable, retry, unknown},
		{"502", status(502, ""), false, support.ErrUnavailable, retry, unknown},
		{"503", status(503, ""), false, support.ErrUnavailable, retry, unknown},
		{"504", status(504, ""), false, support.ErrUnavailable, retry, unknown},
		{"503 not processed", status(503, `{"error":"not_processed"}`), true, support.ErrUnavailable, retry, retry},
		{"500 not processed", status(500, `{"error":"not_processed"}`), true, support.ErrUnavailable, retry, retry},
		{"400", status(400, ""), false, support.ErrInvalid, final, final},
		{"400 not processed", status(400, `{"error":"not_processed"}`), true, support.ErrInvalid, final, final},
		{"401", status(401, ""), false, support.ErrUnauthorized, final, final},
		{"403", status(403, ""), false, support.ErrForbidden, final, final},
		{"404", status(404, ""), false, support.ErrNotFound, final, final},
		{"409", status(409, ""), false, support.ErrConflict, final, final},
		{"422", status(422, ""), false, support.ErrInvalid, final, final},
	}
	requests := []struct {
		method string
		idem   Idempotency
		isIdem bool
	}{
		{"GET", ByMethod, true},
		{"PUT", ByMethod, true},
		{"DELETE", ByMethod, true},
		{"POST", Idempotent, true},
		{"POST", ByMethod, false},
		{"PATCH", ByMethod, false},
		{"PUT", NotIdempotent, false},
	}
	for _, o := range outcomes {
		for _, r := range requests {
			want := o.nonIdm
			if r.isIdem {
				want = o.idem
			}
			t.Run(fmt.Sprintf("%s/%s %s", o.name, r.method, r.idem), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					cfg := Config{MaxAttempts: 2}
					if o.notProcessed {
						cfg.NotProcessed = func(status int, _ http.Header, body []byte) bool {
							return status >= 500 && bytes.Contains(body, []byte("not_processed"))
						}
					}
					c, rt := newFake(t, cfg, seq(o.step, ok(`{"id":"c1"}`)))
					var encodings atomic.Int32
					var body any
					if r.method != "GET" {
						body = countingBody{&encodings}
					}
					var out struct{ ID string }
					_, err := c.Do(t.Context(), Request{
						Op: support.OpCreateContact, Method: r.method, Path: Segments("contacts"),
						Body: body, Idempotency: r.idem,
					}, &out)

					if want.retry {
						if err != nil || rt.count() != 2 || out.ID != "c1" {
							t.Fatalf("want one retry then success; got err=%v attempts=%d out=%+v", err, rt.count(), out)
						}
						if a, b := rt.call(0).body, rt.call(1).body; !bytes.Equal(a, b) || (len(a) == 0) != (body == nil) {
							t.Fatalf("retried body differs: %q then %q", a, b)
						}
					} else {
						if rt.count() != 1 {
							t.Fatalf("want no retry; got %d attempts (err=%v)", rt.count(), err)
						}
						e := asError(t, err)
						if !errors.Is(err, o.kind) {
							t.Fatalf("kind: got %v, want %v", e.Kind, o.kind)
						}
						if e.OutcomeUnknown != want.unknown || errors.Is(err, support.ErrOutcomeUnknown) != want.unknown {
							t.Fatalf("OutcomeUnknown: got %v, want %v (%v)", e.OutcomeUnknown, want.unknown, err)
						}
						if e.Vendor != "fake" || e.Op != support.OpCreateContact {
							t.Fatalf("vendor/op not set: %+v", e)
						}
					}
					if n := encodings.Load(); body != nil && n != 1 {
						t.Fatalf("body encoded %d times, want once", n)
					}
				})
			})
		}
	}
}

// TestRetryAfterWaits is R4: exact virtual time waited for each Retry-After
// form and for backoff.
func TestRetryAfterWaits(t *testing.T) {
	// synctest's clock starts at 2000-01-01 00:00:00 UTC.
	future := time.Date(2000, 1, 1, 0, 0, 30, 0, time.UTC).Format(http.TimeFormat)
	past := time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	cases := []struct {
		name   string
		cfg    Config
		status int
		ra     string
		want   time.Duration
	}{
		{"seconds", Config{}, 503, "5", 5 * time.Second},
		{"zero", Config{}, 503, "0", 0},
		{"huge capped at MaxWait", Config{}, 503, "999999", DefaultMaxWait},
		{"overflowing capped at MaxWait", Config{}, 503, "99999999999999999999999", DefaultMaxWait},
		{"huge capped at custom MaxWait", Config{MaxWait: 2 * time.Second}, 503, "999999", 2 * time.Second},
		{"HTTP date", Config{}, 503, future, 30 * time.Second},
		{"HTTP date in the past: backoff", Config{}, 503, past, 250 * time.Millisecond},
		{"negative: backoff", Config{}, 503, "-5", 250 * time.Millisecond},
		{"garbage: backoff", Config{}, 503, "soon", 250 * time.Millisecond},
		{"absent: backoff", Config{}, 503, "", 250 * time.Millisecond},
		{"fraction: backoff", Config{}, 503, "1.5", 250 * time.Millisecond},
		{"429 seconds", Config{}, 429, "5", 5 * time.Second},
		{"429 huge", Config{}, 429, "999999", DefaultMaxWait},
		{"429 date", Config{}, 429, future, 30 * time.Second},
		{"429 without Retry-After waits RateWindow", Config{RateWindow: 7 * time.Second}, 429, "", 7 * time.Second},
		{"429 garbage waits RateWindow", Config{RateWindow: 7 * time.Second}, 429, "-1", 7 * time.Second},
		{"429 RateWindow capped at MaxWait", Config{RateWindow: time.Hour}, 429, "", DefaultMaxWait},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var kv []string
				if tc.ra != "" {
					kv = []string{"Retry-After", tc.ra}
				}
				c, rt := newFake(t, tc.cfg, seq(status(tc.status, "", kv...), ok(`{}`)))
				start := time.Now()
				if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err != nil {
					t.Fatal(err)
				}
				if got := time.Since(start); got != tc.want {
					t.Fatalf("waited %v, want %v", got, tc.want)
				}
				if rt.count() != 2 {
					t.Fatalf("attempts %d, want 2", rt.count())
				}
			})
		})
	}
}

// TestBackoffFullJitter checks rand[0, min(MaxDelay, BaseDelay*2^n)) with an
// injected jitter source.
func TestBackoffFullJitter(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		rand  float64
		waits []time.Duration
	}{
		{"defaults, half", Config{}, 0.5, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}},
		{"defaults, zero", Config{}, 0, []time.Duration{0, 0, 0}},
		{"ceiling", Config{BaseDelay: 4 * time.Second, MaxDelay: 5 * time.Second, MaxAttempts: 5}, 0.5,
			[]time.Duration{2 * time.Second, 2500 * time.Millisecond, 2500 * time.Millisecond, 2500 * time.Millisecond}},
		{"MaxWait caps backoff", Config{BaseDelay: time.Minute, MaxDelay: time.Hour, MaxWait: 3 * time.Second}, 0.9,
			[]time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := tc.rand
				tc.cfg.Rand = func() float64 { return r }
				c, rt := newFake(t, tc.cfg, seq(status(503, "")))
				_, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil)
				if !errors.Is(err, support.ErrUnavailable) {
					t.Fatalf("err %v", err)
				}
				if rt.count() != len(tc.waits)+1 {
					t.Fatalf("attempts %d, want %d", rt.count(), len(tc.waits)+1)
				}
				for i, w := range tc.waits {
					if got := rt.call(i + 1).at.Sub(rt.call(i).at); got != w {
						t.Fatalf("wait %d: %v, want %v", i, got, w)
					}
				}
			})
		})
	}
}

// TestBackoffNeverOverflows: for any retry number the ceiling stays within
// [0, MaxDelay], also where BaseDelay*2^n would overflow.
func TestBackoffNeverOverflows(t *testing.T) {
	for _, base := range []time.Duration{time.Nanosecond, 500 * time.Millisecond, time.Hour, 1 << 62} {
		c, _ := newFake(t, Config{BaseDelay: base, MaxDelay: 10 * time.Second, Rand: func() float64 { return 0.999999 }}, seq(ok(`{}`)))
		prev := time.Duration(0)
		for n := range 200 {
			d := c.backoff(n)
			if d < prev || d > 10*time.Second {
				t.Fatalf("base %v, retry %d: backoff %v after %v", base, n, d, prev)
			}
			prev = d
		}
		if prev < 9*time.Second {
			t.Fatalf("base %v: backoff never reached MaxDelay: %v", base, prev)
		}
	}
}

// TestExhaustedRetries: the final error carries kind, status and Retry-After.
func TestExhaustedRetries(t *testing.T) {
	cases := []struct {
		status int
		kind   error
	}{{503, support.ErrUnavailable}, {429, support.ErrRateLimited}, {408, support.ErrUnavailable}}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, rt := newFake(t, Config{}, seq(status(tc.status, "", "Retry-After", "7")))
				start := time.Now()
				res, err := c.Do(t.Context(), Request{Op: support.OpListContacts, Path: Segments("contacts")}, nil)
				e := asError(t, err)
				if !errors.Is(err, tc.kind) || e.Status != tc.status || e.RetryAfter != 7*time.Second {
					t.Fatalf("got %+v", e)
				}
				if res == nil || res.Status != tc.status {
					t.Fatalf("last response not returned: %+v", res)
				}
				if rt.count() != DefaultMaxAttempts {
					t.Fatalf("attempts %d, want %d", rt.count(), DefaultMaxAttempts)
				}
				if got := time.Since(start); got != 21*time.Second {
					t.Fatalf("elapsed %v, want 3 waits of 7s", got)
				}
			})
		})
	}
}

// TestCancelDuringWait: a cancelled context ends a Retry-After wait at once.
func TestCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{}, seq(status(503, "", "Retry-After", "30")))
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		done := make(chan error)
		go func() {
			_, err := c.Do(ctx, Request{Path: Segments("x")}, nil)
			done <- err
		}()
		time.Sleep(time.Second)
		cancel()
		err := <-done
		if got := time.Since(start); got != time.Second {
			t.Fatalf("returned after %v, want 1s", got)
		}
		asError(t, err)
		if !errors.Is(err, context.Canceled) || rt.count() != 1 {
			t.Fatalf("err %v, attempts %d", err, rt.count())
		}
	})
}

// TestDeadlineDuringWait: a deadline inside a wait ends it at the deadline.
func TestDeadlineDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := newFake(t, Config{}, seq(status(429, "", "Retry-After", "30")))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, Request{Path: Segments("x")}, nil)
		if got := time.Since(start); got != 5*time.Second {
			t.Fatalf("returned after %v, want 5s", got)
		}
		asError(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
	})
}

// TestCancelInFlight: cancelling during an attempt returns a *support.Error
// matching context.Canceled, marked outcome-unknown for a written create.
func TestCancelInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{}, func(_ int, req *http.Request) (*http.Response, error) {
			wrote(req)
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() {
			_, err := c.Do(ctx, Request{Method: "POST", Path: Segments("contacts"), Body: map[string]string{"a": "b"}}, nil)
			done <- err
		}()
		synctest.Wait()
		cancel()
		err := <-done
		e := asError(t, err)
		if !errors.Is(err, context.Canceled) || !e.OutcomeUnknown || rt.count() != 1 {
			t.Fatalf("err %v unknown=%v attempts=%d", err, e.OutcomeUnknown, rt.count())
		}
	})
}

// TestRetryBudget: retries spend the client-wide budget, successes refill it
// a tenth at a time, and an empty budget means no retries.
func TestRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fail atomic.Bool
		fail.Store(true)
		c, rt := newFake(t, Config{RetryBudget: 2, MaxAttempts: 10}, func(_ int, req *http.Request) (*http.Response, error) {
			if fail.Load() {
				return status(503, "")(req)
			}
			return ok(`{}`)(req)
		})
		call := func() (attempts int, err error) {
			before := rt.count()
			_, err = c.Do(t.Context(), Request{Path: Segments("x")}, nil)
			return rt.count() - before, err
		}
		if n, err := call(); n != 3 || err == nil {
			t.Fatalf("first failing call: %d attempts, want 3 (1 + budget of 2)", n)
		}
		if n, _ := call(); n != 1 {
			t.Fatalf("budget empty: %d attempts, want 1", n)
		}
		fail.Store(false)
		for range 9 {
			if _, err := call(); err != nil {
				t.Fatal(err)
			}
		}
		fail.Store(true)
		if n, _ := call(); n != 1 {
			t.Fatalf("after 9 successes (0.9 tokens): %d attempts, want 1", n)
		}
		fail.Store(false)
		for range 10 {
			if _, err := call(); err != nil {
				t.Fatal(err)
			}
		}
		fail.Store(true)
		if n, _ := call(); n != 2 {
			t.Fatalf("after 10 more successes (1 token): %d attempts, want 2", n)
		}
	})
}

func TestNegativeBudgetDisablesRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, rt := newFake(t, Config{RetryBudget: -1}, seq(status(503, "")))
		if _, err := c.Do(t.Context(), Request{Path: Segments("x")}, nil); err == nil || rt.count() != 1 {
			t.Fatalf("err %v attempts %d", err, rt.count())
		}
	})
}

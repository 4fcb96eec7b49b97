package respondio_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

var getContact = sim.Match{Method: "GET", Path: "/v2/contact/"}

// R4: a 429's Retry-After is waited out, but never longer than MaxWait,
// whatever it says.
func TestRetryAfterIsWaitedOutWithinTheCap(t *testing.T) {
	cases := []struct {
		retryAfter string
		want       time.Duration // the wait, exactly (0: at most MaxWait)
	}{
		{"7", 7 * time.Second},
		{"3600", 10 * time.Second}, // capped by MaxWait
		{"99999999999999999999", 10 * time.Second},
		{"Wed, 21 Oct 2065 07:28:00 GMT", 10 * time.Second},
		{"-5", 0},
		{"soon", 0},
	}
	for _, tc := range cases {
		t.Run(tc.retryAfter, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, respondiotest.Options{RealTime: true}, respondio.Config{RateLimit: -1, MaxWait: 10 * time.Second})
				seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
				s.Faults.Next(1, getContact, sim.RateLimit(tc.retryAfter))
				start := time.Now()
				if _, err := c.GetContact(t.Context(), support.ID("1")); err != nil {
					t.Fatalf("GetContact after a 429: %v", err)
				}
				waited := time.Since(start)
				switch {
				case tc.want != 0 && waited != tc.want:
					t.Errorf("waited %v, want %v", waited, tc.want)
				case waited > 10*time.Second:
					t.Errorf("waited %v, more than MaxWait", waited)
				}
				if n := s.Requests("GET /v2/contact/{identifier}"); n != 2 {
					t.Errorf("%d requests, want 2", n)
				}
			})
		})
	}
}

// A 429 that outlasts every retry is returned as ErrRateLimited, with the
// vendor's Retry-After.
func TestRateLimitedAfterTheRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1, MaxAttempts: 2})
		s.Faults.Next(2, getContact, sim.RateLimit("3"))
		_, err := c.GetContact(t.Context(), support.ID("1"))
		wantKind(t, "two 429s", err, support.ErrRateLimited)
		if se := asError(err); se == nil || se.RetryAfter != 3*time.Second || se.Status != 429 {
			t.Errorf("error %#v, want status 429 and RetryAfter 3s", se)
		}
	})
}

// respond.io limits each endpoint on its own, so one endpoint waiting out a
// 429 holds up neither the other endpoints nor other calls.
func TestEndpointsWaitIndependently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{RealTime: true}, respondio.Config{RateLimit: -1})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		s.Faults.Next(1, getContact, sim.RateLimit("30"))
		start := time.Now()
		var wg sync.WaitGroup
		var slow, again time.Duration
		wg.Go(func() {
			if _, err := c.GetContact(t.Context(), support.ID("1")); err != nil {
				t.Errorf("GetContact: %v", err)
			}
			slow = time.Since(start)
		})
		synctest.Wait() // the first GetContact got its 429 and waits
		wg.Go(func() {
			// The same endpoint: it waits for the pause too.
			if _, err := c.GetContact(t.Context(), support.Email("ada@example.com")); err != nil {
				t.Errorf("second GetContact: %v", err)
			}
			again = time.Since(start)
		})
		synctest.Wait()
		// Other endpoints go through at once.
		if _, err := c.ListAgents(t.Context(), support.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("other endpoints took %v during the pause, want no wait", d)
		}
		wg.Wait()
		if slow != 30*time.Second || again != 30*time.Second {
			t.Errorf("GetContact calls finished after %v and %v, want 30s both", slow, again)
		}
	})
}

// X-RateLimit-Remaining at 0 pauses that endpoint before the vendor says
// 429: the requests of a window's worth go through, the next one waits for
// the window, and no 429 is ever answered. With the client-side limit off
// (a negative RateLimit, or +Inf) the pause is DefaultRateWindow.
func TestRemainingZeroPausesTheEndpoint(t *testing.T) {
	for _, limit := range []float64{-1, math.Inf(1)} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) { testRemainingZeroPauses(t, limit) })
	}
}

// testRemainingZeroPauses is TestRemainingZeroPausesTheEndpoint with
// Config.RateLimit limit.
func testRemainingZeroPauses(t *testing.T, limit float64) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{RealTime: true, RateLimit: 2}, respondio.Config{RateLimit: limit})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		start := time.Now()
		for i := range 5 {
			if _, err := c.GetContact(t.Context(), support.ID("1")); err != nil {
				t.Fatalf("GetContact %d: %v", i, err)
			}
			if i == 1 {
				// The endpoint is paused now, the others are not.
				if _, err := c.ListAgents(t.Context(), support.ListOptions{}); err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d != 0 {
					t.Errorf("ListAgents waited %v for another endpoint's pause", d)
				}
			}
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("5 requests at 2 per second took %v, want 2s", d)
		}
		if n := s.Stats.Statuses()[429]; n != 0 {
			t.Errorf("%d 429s answered, want none", n)
		}
	})
}

// The client keeps each endpoint to Config.RateLimit (the documented 5 per
// second by default) on its own, so two endpoints together send twice as
// fast, and the simulator enforcing 5 per second per method answers no 429.
func TestClientRateLimitPerEndpoint(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{RealTime: true, RateLimit: respondiotest.DocumentedRateLimit}, respondio.Config{})
		seed(t, s, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
		start := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for range 10 {
					if _, err := c.GetContact(t.Context(), support.ID("1")); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Go(func() {
			for range 10 {
				if _, err := c.ListAgents(t.Context(), support.ListOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Wait()
		// 20 GetContacts at 5/s: the first at once, the last after 19/5 s;
		// the 10 ListAgents meanwhile, on their own bucket.
		if d := time.Since(start); d != 3800*time.Millisecond {
			t.Errorf("took %v, want 3.8s", d)
		}
		if n := s.Stats.Statuses()[429]; n != 0 {
			t.Errorf("%d 429s answered, want none", n)
		}
		if n := s.Stats.Total(); n != 30 {
			t.Errorf("%d requests, want 30", n)
		}
	})
}

func asError(err error) *support.Error {
	var se *support.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// R4: a call waiting out a 429 returns as soon as its context is done.
func TestCancelDuringAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, respondiotest.Options{}, respondio.Config{RateLimit: -1})
		s.Faults.Next(1, getContact, sim.RateLimit("30"))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.GetContact(ctx, support.ID("1"))
		if !errors.Is(err, context.DeadlineExceeded) || asError(err) == nil {
			t.Errorf("GetContact: %v, want a *support.Error matching context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("returned after %v, want 5s (the deadline)", d)
		}
	})
}

package tidio_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// TestPacing: at Tidio's own limit, the client sends close to it (at least
// 95%) and never gets a 429, whatever the plan.
func TestPacing(t *testing.T) {
	for _, limit := range []int{tidiotest.PlusRateLimit, tidiotest.PremiumRateLimit} {
		synctest.Test(t, func(t *testing.T) {
			srv := tidiotest.NewInProcess(tidiotest.Options{RealTime: true, RateLimit: limit})
			c := newClient(t, srv, tidio.Config{RequestsPerMinute: limit})
			const n = 300
			start := time.Now()
			for range n {
				if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			perMinute := float64(n-1) / time.Since(start).Minutes()
			if got := srv.Stats.Statuses()[http.StatusTooManyRequests]; got != 0 {
				t.Errorf("limit %d: %d responses were 429", limit, got)
			}
			if perMinute < 0.95*float64(limit) || perMinute > float64(limit) {
				t.Errorf("limit %d: sent %.1f requests a minute, want between 95%% and 100%% of it", limit, perMinute)
			}
			t.Logf("limit %d/min: %.1f/min sustained (%.1f%%)", limit, perMinute, 100*perMinute/float64(limit))
		})
	}
}

// TestRemainingHonoured: when x-ratelimit-remaining says 0 (another client
// spent the quota), the client waits for the window instead of running into
// a 429.
func TestRemainingHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := tidiotest.NewInProcess(tidiotest.Options{RealTime: true, RateLimit: 5})
		c := newClient(t, srv, tidio.Config{})
		other := newClient(t, srv, tidio.Config{})
		for range 4 {
			if _, err := other.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		for range 2 { // the first sees remaining 0; the second must wait
			if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < time.Minute {
			t.Errorf("the request after remaining 0 went out after %v, want a minute", d)
		}
		if got := srv.Stats.Statuses()[http.StatusTooManyRequests]; got != 0 {
			t.Errorf("%d responses were 429", got)
		}
	})
}

// TestTooManyRequests: Tidio's 429 has no Retry-After, so the client
// pauses a whole window (capped by MaxWait) and tries again; a Retry-After,
// if one ever comes, is honoured.
func TestTooManyRequests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter string
		maxWait    time.Duration
		want       time.Duration
	}{
		{"no Retry-After", "", 0, time.Minute},
		{"no Retry-After, MaxWait 5s", "", 5 * time.Second, 5 * time.Second},
		{"Retry-After 7", "7", 0, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := tidiotest.NewInProcess(tidiotest.Options{RealTime: true})
				c := newClient(t, srv, tidio.Config{MaxWait: tc.maxWait})
				srv.Faults.Next(1, sim.Match{}, sim.RateLimit(tc.retryAfter))
				start := time.Now()
				if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d != tc.want {
					t.Errorf("the retry went out after %v, want %v", d, tc.want)
				}
				if n := srv.Stats.Total(); n != 2 {
					t.Errorf("%d requests, want 2", n)
				}
			})
		})
	}
	// Retries exhausted: ErrRateLimited.
	synctest.Test(t, func(t *testing.T) {
		srv := tidiotest.NewInProcess(tidiotest.Options{RealTime: true})
		c := newClient(t, srv, tidio.Config{MaxAttempts: 2})
		srv.Faults.Next(2, sim.Match{}, sim.RateLimit(""))
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
		if se := wantKind(t, err, support.ErrRateLimited); se.Code != "too_many_requests" || se.Status != http.StatusTooManyRequests {
			t.Errorf("error %+v", se)
		}
	})
}

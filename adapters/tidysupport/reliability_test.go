package tidysupport_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// inProcess returns a simulator served in the calling goroutine and an
// adapter on it, for tests inside a synctest bubble (fake time, no sockets).
func inProcess(t *testing.T, opts tidysupporttest.Options, mod ...func(*tidysupport.Config)) (*tidysupporttest.Simulator, *tidysupport.Client) {
	t.Helper()
	s := tidysupporttest.New(opts)
	cfg := tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL: "http://127.0.0.1", HTTPClient: s.InProcess(), RateLimit: rate.Inf,
	}
	for _, m := range mod {
		m(&cfg)
	}
	return s, mustNew(t, cfg)
}

// R3: a contact create whose outcome is unknown is looked up before anything
// is sent again, and ends with exactly one contact.
func TestCreateContactSettlesAnUnknownOutcome(t *testing.T) {
	for _, tc := range []struct {
		fault sim.Fault
		// posts is how many creates reach the vendor: a lost create that took
		// effect is found by the lookup; one that did not is sent again.
		posts int
	}{
		{sim.CommittedThenLost(), 1},
		{sim.CommittedThen5xx(502), 1},
		{sim.CommittedThen5xx(504), 1},
		{sim.Malformed(), 1},
		{sim.ResetBeforeProcessing(), 2},
		{sim.Unavailable(503), 2},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, tidysupporttest.Options{})
				s.Faults.Next(1, sim.Match{Method: "POST"}, tc.fault)
				r, err := c.CreateContact(t.Context(), support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
				if err != nil {
					t.Fatal(err)
				}
				if r.Outcome != support.Created || r.Contact.Email != "ada@example.com" {
					t.Errorf("result %+v; want the contact, created", r)
				}
				if n := len(s.Contacts()); n != 1 {
					t.Errorf("the vendor holds %d contacts, want 1", n)
				}
				if got := s.Stats.Count(tidysupporttest.RouteCreateContact); got != tc.posts {
					t.Errorf("%d creates sent, want %d", got, tc.posts)
				}
				// Every resend came after a lookup that did not find the contact.
				if got, want := s.Stats.Count(tidysupporttest.RouteSearch), 2; got != want {
					t.Errorf("%d searches, want %d (before the create, and after the unknown outcome)", got, want)
				}
			})
		})
	}
}

// A lookup that fails after an unknown outcome leaves the outcome unknown:
// nothing is sent again.
func TestCreateContactKeepsTheOutcomeUnknownWhenTheLookupFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := tidysupporttest.New(tidysupporttest.Options{})
		// The create is lost after it took effect, and the search after it
		// fails: the fault for that search is scripted when the create goes.
		hook := &hookTransport{base: s.InProcess().Transport, before: func(r *http.Request) {
			if r.Method == http.MethodPost {
				s.Faults.Next(1, sim.Match{Method: "POST"}, sim.CommittedThenLost())
				s.Faults.Next(1, sim.Match{Method: "GET"}, sim.Unavailable(503))
			}
		}}
		c := mustNew(t, tidysupport.Config{
			APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
			BaseURL: "http://127.0.0.1", HTTPClient: &http.Client{Transport: hook}, RateLimit: rate.Inf, MaxAttempts: 1,
		})
		_, err := c.CreateContact(t.Context(), support.ContactInput{Email: "ada@example.com"})
		if !errors.Is(err, support.ErrOutcomeUnknown) {
			t.Errorf("error %v, want ErrOutcomeUnknown", err)
		}
		if got := s.Stats.Count(tidysupporttest.RouteCreateContact); got != 1 || len(s.Contacts()) != 1 {
			t.Errorf("%d creates, %d contacts; want 1 and 1", got, len(s.Contacts()))
		}
	})
}

// hookTransport calls before on each request, then sends it.
type hookTransport struct {
	base   http.RoundTripper
	before func(*http.Request)
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.before(r)
	return h.base.RoundTrip(r)
}

// R4: Retry-After is honoured, and never waited longer than MaxWait.
func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		maxWait    time.Duration
		want       time.Duration
	}{
		{"7", 0, 7 * time.Second},
		{"3600", 5 * time.Second, 5 * time.Second},
	} {
		t.Run(tc.retryAfter, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, c := inProcess(t, tidysupporttest.Options{}, func(cfg *tidysupport.Config) { cfg.MaxWait = tc.maxWait })
				s.Faults.Next(1, sim.Match{Method: "GET"}, sim.RateLimit(tc.retryAfter))
				start := time.Now()
				if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
					t.Fatal(err)
				}
				if waited := time.Since(start); waited != tc.want {
					t.Errorf("waited %v, want %v", waited, tc.want)
				}
				if got := s.Stats.Statuses()[429]; got != 1 {
					t.Errorf("%d responses 429, want 1", got)
				}
			})
		})
	}
}

// The simulator's rate limit (429 with Retry-After, per key and window) is
// waited out, and the call succeeds.
func TestSimulatorRateLimitIsWaitedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{RateLimit: 2, RateWindow: 10 * time.Second, RealTime: true})
		start := time.Now()
		for range 3 {
			if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 10*time.Second {
			t.Errorf("three calls at two per 10 s took %v, want 10s", waited)
		}
		if got := s.Stats.Statuses()[429]; got != 1 {
			t.Errorf("%d responses 429, want 1", got)
		}
	})
}

// With no limit published, the client paces itself: DefaultRateLimit
// requests per second unless configured otherwise.
func TestDefaultRateLimitPacesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := tidysupporttest.New(tidysupporttest.Options{})
		c := mustNew(t, tidysupport.Config{
			APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
			BaseURL: "http://127.0.0.1", HTTPClient: s.InProcess(),
		})
		start := time.Now()
		for range 5 {
			if _, err := c.ListContacts(t.Context(), support.ContactListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		// 5 requests at 2 per second, burst 1: the last goes 2 s after the first.
		if took, want := time.Since(start), 2*time.Second; took != want {
			t.Errorf("5 requests took %v, want %v", took, want)
		}
	})
}

// A 5xx on a read is retried; 4xx other than 408 and 429 are not.
func TestReadsRetryOnlyWhatMayPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{})
		s.Faults.Next(2, sim.Match{Method: "GET"}, sim.Unavailable(503))
		if _, err := c.ListConversations(t.Context(), support.ConversationListOptions{}); err != nil {
			t.Fatalf("after two 503s: %v", err)
		}
		before := s.Stats.Total()
		_, err := c.GetContact(t.Context(), support.ID("ctc_missing"))
		if !errors.Is(err, support.ErrNotFound) || s.Stats.Total() != before+1 {
			t.Errorf("404: %v after %d requests; want ErrNotFound after 1", err, s.Stats.Total()-before)
		}
	})
}

// A cancelled call returns promptly, even while waiting out a Retry-After.
func TestCancelStopsAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{})
		s.Faults.Next(1, sim.Match{Method: "GET"}, sim.RateLimit("30"))
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.ListContacts(ctx, support.ContactListOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Errorf("%v after %v; want the deadline's error after 2s", err, time.Since(start))
		}
	})
}

// A 429 without Retry-After pauses for Config.RateWindow.
func TestRateLimitWithoutRetryAfterPausesForTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{}, func(cfg *tidysupport.Config) { cfg.RateWindow = 3 * time.Second })
		s.Faults.Next(1, sim.Match{Method: "GET"}, sim.RateLimit(""))
		start := time.Now()
		if _, err := c.ListConversations(t.Context(), support.ConversationListOptions{}); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 3*time.Second {
			t.Errorf("waited %v, want the 3s window", waited)
		}
	})
}

// S4: a response over Config.MaxBodyBytes fails clearly.
func TestBodiesAreCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{}, func(cfg *tidysupport.Config) { cfg.MaxBodyBytes = 512 })
		for i := range 20 {
			s.SeedContact(tidysupporttest.Contact{Email: fmt.Sprintf("c%d@example.com", i), Name: "A Long Enough Name"})
		}
		_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
		if !errors.Is(err, rest.ErrBodyTooLarge) {
			t.Errorf("error %v, want rest.ErrBodyTooLarge", err)
		}
	})
}

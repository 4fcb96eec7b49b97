package tidysupport_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// inProcess returns a simulator served in the calling goroutine and an
// adapter on it, for tests inside a synctest bubble (fake time, no sockets).
func inProcess(t *testing.T, opts tidysupporttest.Options, mod ...func(*tidysupport.Config)) (*tidysupporttest.Simulator, *support.Client) {
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

// R3: a contact create whose outcome is unknown is looked up (by the
// Client) before anything is sent again, and ends with exactly one contact.
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
				require.NoError(t, err)
				assert.Equal(t, support.Created, r.Outcome)
				assert.Equal(t, "ada@example.com", r.Contact.Email)
				assert.Len(t, s.Contacts(), 1)
				assert.Equal(t, tc.posts, s.Stats.Count(tidysupporttest.RouteCreateContact), "creates sent")
				// Every resend came after a lookup that did not find the contact.
				assert.Equal(t, 2, s.Stats.Count(tidysupporttest.RouteSearch), "searches: before the create, and after the unknown outcome")
			})
		})
	}
}

// A lookup that fails after an unknown outcome leaves the outcome unknown:
// nothing is sent again, and the lookup's error is kept, not dropped.
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
		require.ErrorIs(t, err, support.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "looking the contact up failed")
		assert.Equal(t, 1, s.Stats.Count(tidysupporttest.RouteCreateContact))
		assert.Len(t, s.Contacts(), 1)
	})
}

// A create whose answer is lost, with the context cancelled while the
// Client looks it up (FindContacts): the error matches both
// context.Canceled and ErrOutcomeUnknown, and nothing is sent twice.
func TestCancelDuringTheLookupOfALostCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := tidysupporttest.New(tidysupporttest.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		posted := false
		hook := &hookTransport{base: s.InProcess().Transport, before: func(r *http.Request) {
			switch {
			case r.Method == http.MethodPost:
				posted = true
				s.Faults.Next(1, sim.Match{Method: "POST"}, sim.CommittedThenLost())
			case posted && strings.HasSuffix(r.URL.Path, "/search"):
				cancel() // the lookup after the lost create
			}
		}}
		c := mustNew(t, tidysupport.Config{
			APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID,
			BaseURL: "http://127.0.0.1", HTTPClient: &http.Client{Transport: hook}, RateLimit: rate.Inf,
		})
		_, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, support.ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "looking the contact up failed", "the lookup, not the create, was cancelled")
		assert.Equal(t, 1, s.Stats.Count(tidysupporttest.RouteCreateContact), "sent once")
		assert.Len(t, s.Contacts(), 1)
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
				_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
				require.NoError(t, err)
				assert.Equal(t, tc.want, time.Since(start), "waited")
				assert.Equal(t, 1, s.Stats.Statuses()[429], "responses 429")
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
			_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
			require.NoError(t, err)
		}
		assert.Equal(t, 10*time.Second, time.Since(start), "three calls at two per 10 s")
		assert.Equal(t, 1, s.Stats.Statuses()[429], "responses 429")
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
			_, err := c.ListContacts(t.Context(), support.ContactListOptions{})
			require.NoError(t, err)
		}
		// 5 requests at 2 per second, burst 1: the last goes 2 s after the first.
		assert.Equal(t, 2*time.Second, time.Since(start))
	})
}

// A 5xx on a read is retried; 4xx other than 408 and 429 are not.
func TestReadsRetryOnlyWhatMayPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{})
		s.Faults.Next(2, sim.Match{Method: "GET"}, sim.Unavailable(503))
		_, err := c.ListConversations(t.Context(), support.ConversationListOptions{})
		require.NoError(t, err, "after two 503s")
		before := s.Stats.Total()
		_, err = c.GetContact(t.Context(), support.ID("ctc_missing"))
		assert.ErrorIs(t, err, support.ErrNotFound)
		assert.Equal(t, before+1, s.Stats.Total(), "a 404 is not retried")
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
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 2*time.Second, time.Since(start))
	})
}

// A 429 without Retry-After pauses for Config.RateWindow.
func TestRateLimitWithoutRetryAfterPausesForTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inProcess(t, tidysupporttest.Options{}, func(cfg *tidysupport.Config) { cfg.RateWindow = 3 * time.Second })
		s.Faults.Next(1, sim.Match{Method: "GET"}, sim.RateLimit(""))
		start := time.Now()
		_, err := c.ListConversations(t.Context(), support.ConversationListOptions{})
		require.NoError(t, err)
		assert.Equal(t, 3*time.Second, time.Since(start), "the window")
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
		assert.ErrorIs(t, err, rest.ErrBodyTooLarge)
	})
}

package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// vendorRespond writes fault statuses in a vendor's error shape.
func vendorRespond(w http.ResponseWriter, r *http.Request, f sim.Fault) {
	sim.WriteJSON(w, f.Status, map[string]any{
		"errors": []map[string]string{{"code": "sim_" + string(f.Kind), "message": r.Method + " " + r.URL.Path}},
	})
}

// newNetwork starts the test vendor behind a Stack on loopback.
func newNetwork(t *testing.T) (*vendor, *sim.Server) {
	t.Helper()
	v := newVendor()
	st := sim.NewStack(v.mux)
	st.Faults.Respond = vendorRespond
	srv := sim.NewServer(st)
	t.Cleanup(srv.Close)
	// A safety net, never reached when the tests pass: a fault that fails
	// to close its connection fails the test instead of hanging it.
	srv.Client().Timeout = 10 * time.Second
	return v, srv
}

var postItems = sim.Match{Method: http.MethodPost, Path: "/items"}

// wantHangUp fails unless err is what a client sees when the server closes
// the connection without a response: a reset (or an EOF), not a timeout.
func wantHangUp(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	switch {
	case err == nil:
		t.Fatal("got a response; want the connection closed without one")
	case errors.As(err, &ne) && ne.Timeout():
		t.Fatalf("timed out (%v); want the connection closed at once", err)
	case !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		t.Fatalf("err = %v; want a connection reset", err)
	}
}

func TestFaultStatusesAreNotProcessed(t *testing.T) {
	v, srv := newNetwork(t)
	c := srv.Client()
	srv.Faults.Next(1, postItems, sim.RateLimit("7"))
	srv.Faults.Next(1, postItems, sim.RateLimit(""))
	srv.Faults.Next(1, postItems, sim.Unavailable(0))
	if srv.Faults.Pending() != 3 {
		t.Fatalf("Pending = %d", srv.Faults.Pending())
	}

	for _, want := range []struct {
		status     int
		retryAfter string
		code       string
	}{
		{429, "7", "sim_rate_limit"},
		{429, "", "sim_rate_limit"},
		{503, "", "sim_unavailable"},
	} {
		status, h, body, err := do(t, c, "POST", srv.URL+"/items", `{"email":"a@x"}`)
		if err != nil {
			t.Fatal(err)
		}
		var vb struct{ Errors []struct{ Code string } }
		mustJSON(t, body, &vb)
		if status != want.status || h.Get("Retry-After") != want.retryAfter || len(vb.Errors) != 1 || vb.Errors[0].Code != want.code {
			t.Fatalf("got %d Retry-After %q body %s; want %d %q %s", status, h.Get("Retry-After"), body, want.status, want.retryAfter, want.code)
		}
		if _, set := h["Retry-After"]; want.retryAfter == "" && set {
			t.Fatal("Retry-After sent although the fault has none")
		}
	}
	if v.items.Len() != 0 {
		t.Fatalf("a fault before processing stored %d items", v.items.Len())
	}
	if status, _, _, err := do(t, c, "POST", srv.URL+"/items", `{"email":"a@x"}`); err != nil || status != 201 {
		t.Fatalf("after the script: %d, %v", status, err)
	}
	if got := srv.Faults.Counts(); got[sim.KindRateLimit] != 2 || got[sim.KindUnavailable] != 1 || srv.Faults.Injected() != 3 || srv.Faults.Pending() != 0 {
		t.Fatalf("Counts = %v, Injected %d, Pending %d", got, srv.Faults.Injected(), srv.Faults.Pending())
	}
}

func TestFaultResetBeforeProcessing(t *testing.T) {
	v, srv := newNetwork(t)
	srv.Faults.Next(1, postItems, sim.ResetBeforeProcessing())
	_, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"a@x"}`)
	wantHangUp(t, err)
	if v.items.Len() != 0 {
		t.Fatal("reset before processing, yet the item was stored")
	}
	if got := srv.Stats.Statuses(); got[0] != 1 {
		t.Fatalf("Stats.Statuses = %v, want one request without response (0)", got)
	}
	// The server carries on.
	if status, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"a@x"}`); err != nil || status != 201 {
		t.Fatalf("next request: %d, %v", status, err)
	}
}

// TestFaultResetOfReplayableRequest pins the exception documented on
// Faults: on a reused connection, net/http resends a GET that was reset.
func TestFaultResetOfReplayableRequest(t *testing.T) {
	_, srv := newNetwork(t)
	c := srv.Client()
	if status, _, _, err := do(t, c, "GET", srv.URL+"/items", ""); err != nil || status != 200 {
		t.Fatalf("warm-up: %d, %v", status, err)
	}
	srv.Faults.Next(1, sim.Match{}, sim.ResetBeforeProcessing())
	status, _, _, err := do(t, c, "GET", srv.URL+"/items", "")
	if err != nil || status != 200 {
		t.Fatalf("reset GET on a reused connection: %d, %v; want net/http's silent resend to succeed", status, err)
	}
	if srv.Faults.Counts()[sim.KindResetBeforeProcessing] != 1 || srv.Stats.Count("GET /items") != 3 || srv.Stats.Statuses()[0] != 1 {
		t.Fatalf("faults %v, stats %v %v", srv.Faults.Counts(), srv.Stats.Counts(), srv.Stats.Statuses())
	}
}

func TestFaultCommittedThenLost(t *testing.T) {
	v, srv := newNetwork(t)
	srv.Faults.Next(1, postItems, sim.CommittedThenLost())
	_, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"lost@x"}`)
	wantHangUp(t, err)
	if _, ok := v.items.Find(func(_ string, it item) bool { return it.Email == "lost@x" }); !ok {
		t.Fatal("committed-then-lost did not commit: the store does not have the item")
	}
	if srv.Faults.Counts()[sim.KindCommittedThenLost] != 1 {
		t.Fatalf("Counts = %v", srv.Faults.Counts())
	}
}

func TestFaultCommittedThen5xx(t *testing.T) {
	v, srv := newNetwork(t)
	srv.Faults.Next(1, postItems, sim.CommittedThen5xx(0))
	srv.Faults.Next(1, postItems, sim.CommittedThen5xx(http.StatusGatewayTimeout))
	for _, want := range []int{502, 504} {
		status, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"a@x"}`)
		if err != nil || status != want {
			t.Fatalf("got %d, %v; want %d", status, err, want)
		}
	}
	if v.items.Len() != 2 {
		t.Fatalf("committed-then-5xx stored %d items, want 2", v.items.Len())
	}
}

func TestFaultMalformed(t *testing.T) {
	v, srv := newNetwork(t)
	srv.Faults.Next(1, postItems, sim.Malformed())
	srv.Faults.Next(1, sim.Match{Method: "PATCH"}, sim.Malformed())

	status, h, body, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"a@x"}`)
	if err != nil || status != 201 {
		t.Fatalf("got %d, %v", status, err)
	}
	if json.Valid(body) || len(body) == 0 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("malformed body %q (Content-Type %q) is valid JSON or empty", body, h.Get("Content-Type"))
	}
	if v.items.Len() != 1 {
		t.Fatal("malformed: the handler did not run")
	}
	// A bodiless 204 becomes a 200 carrying the garbage.
	status, _, body, err = do(t, srv.Client(), "PATCH", srv.URL+"/items/x", `{}`)
	if err != nil || status != 200 || json.Valid(body) || len(body) == 0 {
		t.Fatalf("malformed 204: %d %q %v", status, body, err)
	}
}

// sleeper records the delays asked of it, and fails them with err.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
	err    error
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return s.err
}

func TestFaultSlowUsesInjectedSleep(t *testing.T) {
	v, srv := newNetwork(t)
	sl := &sleeper{}
	srv.Faults.Sleep = sl.Sleep
	srv.Faults.Next(1, postItems, sim.Slow(3*time.Second))
	srv.Faults.Next(1, postItems, sim.SlowAfterCommit(4*time.Second))
	for range 2 {
		if status, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"a@x"}`); err != nil || status != 201 {
			t.Fatalf("slow: %d, %v", status, err)
		}
	}
	if !slices.Equal(sl.delays, []time.Duration{3 * time.Second, 4 * time.Second}) || v.items.Len() != 2 {
		t.Fatalf("delays %v, items %d", sl.delays, v.items.Len())
	}

	// The client gives up during the delay: before processing, nothing is
	// stored; after commit, the item is.
	sl.err = context.Canceled
	srv.Faults.Next(1, postItems, sim.Slow(time.Second))
	_, _, _, err := do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"before@x"}`)
	wantHangUp(t, err)
	srv.Faults.Next(1, postItems, sim.SlowAfterCommit(time.Second))
	_, _, _, err = do(t, srv.Client(), "POST", srv.URL+"/items", `{"email":"after@x"}`)
	wantHangUp(t, err)
	emails := map[string]bool{}
	for _, it := range v.items.Values() {
		emails[it.Email] = true
	}
	if emails["before@x"] || !emails["after@x"] {
		t.Fatalf("stored emails %v: want after@x (committed) but not before@x", emails)
	}
}

// TestFaultSlowNoticesClientHangUp: over a real connection, a client that
// gives up during a Slow delay cancels the request's context on the server,
// even for a POST whose body the handler has not read yet.
func TestFaultSlowNoticesClientHangUp(t *testing.T) {
	v, srv := newNetwork(t)
	sleeping := make(chan struct{})
	woke := make(chan error, 1)
	srv.Faults.Sleep = func(ctx context.Context, d time.Duration) error {
		close(sleeping)
		select {
		case <-ctx.Done():
			woke <- ctx.Err()
		case <-time.After(10 * time.Second): // safety net, never reached when the test passes
			woke <- nil
		}
		return ctx.Err()
	}
	srv.Faults.Next(1, postItems, sim.Slow(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-sleeping
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/items", strings.NewReader(`{"email":"gone@x"}`))
	if _, err := srv.Client().Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	if err := <-woke; !errors.Is(err, context.Canceled) {
		t.Fatalf("the server's delay ended with %v; want the request's context cancelled", err)
	}
	if v.items.Len() != 0 {
		t.Fatal("an abandoned slow request was processed")
	}
}

// TestFaultSlowHonoursContext uses the default sleep inside a synctest
// bubble, through the in-process transport: no real time passes.
func TestFaultSlowHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newVendor()
		st := sim.NewStack(v.mux)
		c := st.InProcess()

		st.Faults.Next(1, postItems, sim.Slow(2*time.Second))
		start := time.Now()
		if status, _, _, err := do(t, c, "POST", "http://sim/items", `{"email":"a@x"}`); err != nil || status != 201 {
			t.Fatalf("slow: %d, %v", status, err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("Slow(2s) took %v", d)
		}

		st.Faults.Next(1, postItems, sim.Slow(time.Hour))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://sim/items", strings.NewReader(`{"email":"late@x"}`))
		start = time.Now()
		_, err := c.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("Slow(1h) with a 1 s deadline: %v after %v", err, time.Since(start))
		}
		if v.items.Len() != 1 {
			t.Fatalf("%d items; the abandoned request must not be processed", v.items.Len())
		}
	})
}

func TestFaultMatch(t *testing.T) {
	v, srv := newNetwork(t)
	c := srv.Client()
	srv.Faults.Next(2, sim.Match{Method: "get", Path: "/items/"}, sim.Unavailable(500))
	// Neither POST /items nor GET /items matches "GET /items/...".
	if status, _, _, _ := do(t, c, "POST", srv.URL+"/items", `{"email":"a@x"}`); status != 201 {
		t.Fatalf("POST /items: %d", status)
	}
	if status, _, _, _ := do(t, c, "GET", srv.URL+"/items", ""); status != 200 {
		t.Fatalf("GET /items: %d", status)
	}
	id := v.items.Snapshot()[0].ID
	for i, want := range []int{500, 500, 200} {
		if status, _, _, _ := do(t, c, "GET", srv.URL+"/items/"+id, ""); status != want {
			t.Fatalf("GET /items/{id} #%d: %d, want %d", i, status, want)
		}
	}
	srv.Faults.Next(5, sim.Match{}, sim.Unavailable(500))
	srv.Faults.Clear()
	if status, _, _, _ := do(t, c, "GET", srv.URL+"/items", ""); status != 200 || srv.Faults.Pending() != 0 {
		t.Fatalf("after Clear: %d, Pending %d", status, srv.Faults.Pending())
	}
}

func TestFaultOverTLS(t *testing.T) {
	v := newVendor()
	st := sim.NewStack(v.mux)
	ts := httptest.NewUnstartedServer(st)
	ts.StartTLS()
	defer ts.Close()
	ts.Client().Timeout = 10 * time.Second // safety net, as in newNetwork
	st.Faults.Next(1, postItems, sim.CommittedThenLost())
	_, _, _, err := do(t, ts.Client(), "POST", ts.URL+"/items", `{"email":"a@x"}`)
	wantHangUp(t, err)
	if v.items.Len() != 1 {
		t.Fatal("committed-then-lost over TLS did not commit")
	}
}

// faultedSet sends requests (in the given order) through a fresh stack
// with chance rules and returns which request bodies were faulted.
func faultedSet(t *testing.T, seed uint64, bodies []string, rules func(f *sim.Faults)) map[string]sim.Kind {
	t.Helper()
	st := sim.NewStack(newVendor().mux)
	st.Faults.Seed = seed
	rules(st.Faults)
	c := st.InProcess()
	got := map[string]sim.Kind{}
	for _, b := range bodies {
		status, _, _, err := do(t, c, "POST", "http://sim/items", b)
		switch {
		case err != nil:
			got[b] = sim.KindResetBeforeProcessing
		case status == 429:
			got[b] = sim.KindRateLimit
		case status == 503:
			got[b] = sim.KindUnavailable
		case status != 201:
			t.Fatalf("status %d", status)
		}
	}
	return got
}

func TestFaultChanceIsDeterministic(t *testing.T) {
	var bodies []string
	for i := range 400 {
		bodies = append(bodies, fmt.Sprintf(`{"email":"u%d@x"}`, i))
	}
	rules := func(f *sim.Faults) {
		f.Chance(0.10, postItems, sim.RateLimit("1"))
		f.Chance(0.05, postItems, sim.Unavailable(0))
		f.Chance(0.05, postItems, sim.ResetBeforeProcessing())
		f.Chance(0.9, sim.Match{Method: "DELETE"}, sim.Unavailable(0)) // never matches
	}
	a := faultedSet(t, 7, bodies, rules)
	reversed := slices.Clone(bodies)
	slices.Reverse(reversed)
	b := faultedSet(t, 7, reversed, rules)
	if len(a) == 0 || !mapsEqual(a, b) {
		t.Fatalf("seed 7 faulted %d requests in order and %d reversed, or different ones", len(a), len(b))
	}
	if n := len(a); n < 40 || n > 120 {
		t.Fatalf("%d of 400 faulted at a combined 20%%", n)
	}
	perKind := map[sim.Kind]int{}
	for _, k := range a {
		perKind[k]++
	}
	if perKind[sim.KindRateLimit] <= perKind[sim.KindUnavailable] || perKind[sim.KindUnavailable] == 0 || perKind[sim.KindResetBeforeProcessing] == 0 {
		t.Fatalf("per kind %v: want about 10%%, 5%%, 5%%", perKind)
	}
	if c := faultedSet(t, 8, bodies, rules); mapsEqual(a, c) {
		t.Fatal("seeds 7 and 8 faulted the same requests")
	}
}

func TestFaultChanceRedrawsIdenticalRetries(t *testing.T) {
	st := sim.NewStack(newVendor().mux)
	st.Faults.Chance(0.5, sim.Match{}, sim.Unavailable(0))
	c := st.InProcess()
	outcomes := map[int]int{}
	for range 64 {
		status, _, _, err := do(t, c, "POST", "http://sim/items", `{"email":"same@x"}`)
		if err != nil {
			t.Fatal(err)
		}
		outcomes[status]++
	}
	if outcomes[201] == 0 || outcomes[503] == 0 {
		t.Fatalf("64 identical requests at p=0.5 all had one outcome: %v", outcomes)
	}
	if st.Faults.Counts()[sim.KindUnavailable] != outcomes[503] {
		t.Fatalf("Counts %v disagree with outcomes %v", st.Faults.Counts(), outcomes)
	}
}

func TestFaultScriptBeforeChance(t *testing.T) {
	st := sim.NewStack(newVendor().mux)
	st.Faults.Chance(1, sim.Match{}, sim.Unavailable(0))
	st.Faults.Next(1, sim.Match{}, sim.RateLimit(""))
	c := st.InProcess()
	for _, want := range []int{429, 503} {
		if status, _, _, _ := do(t, c, "GET", "http://sim/items", ""); status != want {
			t.Fatalf("got %d, want %d", status, want)
		}
	}
}

func TestFaultDefaultRespond(t *testing.T) {
	st := sim.NewStack(newVendor().mux)
	st.Faults.Next(1, sim.Match{}, sim.Fault{Kind: sim.KindRateLimit}) // literal: status defaults to 429
	status, h, body, err := do(t, st.InProcess(), "GET", "http://sim/items", "")
	if err != nil || status != 429 || h.Get("Content-Type") != "application/json" || !json.Valid(body) {
		t.Fatalf("default 429: %d %q %s %v", status, h.Get("Content-Type"), body, err)
	}
}

func TestFaultInProcessConnectionFaults(t *testing.T) {
	v := newVendor()
	st := sim.NewStack(v.mux)
	c := st.InProcess()
	st.Faults.Next(1, postItems, sim.ResetBeforeProcessing())
	st.Faults.Next(1, postItems, sim.CommittedThenLost())
	for i, wantItems := range []int{0, 1} {
		_, _, _, err := do(t, c, "POST", "http://sim/items", `{"email":"a@x"}`)
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("fault %d: err %v, want connection reset", i, err)
		}
		if v.items.Len() != wantItems {
			t.Fatalf("fault %d: %d items, want %d", i, v.items.Len(), wantItems)
		}
	}
	if got := st.Stats.Statuses()[0]; got != 2 {
		t.Fatalf("Stats counted %d responses-less requests, want 2", got)
	}
}

func TestFaultUnknownKindPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Next accepted a fault of unknown kind")
		}
	}()
	var f sim.Faults
	f.Next(1, sim.Match{}, sim.Fault{Kind: "typo"})
}

func TestFaultString(t *testing.T) {
	for f, want := range map[sim.Fault]string{
		sim.RateLimit("30"):                    "rate_limit 429 Retry-After=30",
		sim.SlowAfterCommit(2 * time.Second):   "slow 2s after-commit",
		sim.CommittedThen5xx(0):                "committed_then_5xx 502",
		sim.ResetBeforeProcessing():            "reset_before_processing",
		{Kind: sim.KindUnavailable}:            "unavailable",
		sim.Unavailable(http.StatusBadGateway): "unavailable 502",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", f, got, want)
		}
	}
}

func mapsEqual[K, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

package sim_test

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestStatsCountsRoutesStatusesAndWrites(t *testing.T) {
	v, srv := newNetwork(t)
	c := srv.Client()
	for range 3 {
		do(t, c, "POST", srv.URL+"/items", `{"email":"a@x"}`)
	}
	for _, e := range v.items.Snapshot() {
		do(t, c, "GET", srv.URL+"/items/"+e.ID, "")
		do(t, c, "PATCH", srv.URL+"/items/"+e.ID, "{}")
	}
	do(t, c, "GET", srv.URL+"/items/missing", "")
	do(t, c, "GET", srv.URL+"/nowhere", "")
	do(t, c, "GET", srv.URL+"/silent", "")
	srv.Faults.Next(1, postItems, sim.RateLimit(""))
	do(t, c, "POST", srv.URL+"/items", `{"email":"b@x"}`)

	wantRoutes := map[string]int{
		"POST /items":       4, // the 429 counts too
		"GET /items/{id}":   4, // one route whatever the ID
		"PATCH /items/{id}": 3,
		"GET /nowhere":      1, // no pattern: the path
		"GET /silent":       1,
	}
	if got := srv.Stats.Counts(); !maps.Equal(got, wantRoutes) {
		t.Fatalf("Counts = %v, want %v", got, wantRoutes)
	}
	if got := srv.Stats.Count("PATCH /items/{id}"); got != 3 {
		t.Fatalf("Count(PATCH) = %d", got)
	}
	wantStatuses := map[int]int{201: 3, 200: 4, 204: 3, 404: 2, 429: 1}
	if got := srv.Stats.Statuses(); !maps.Equal(got, wantStatuses) {
		t.Fatalf("Statuses = %v, want %v", got, wantStatuses)
	}
	if w, n := srv.Stats.Writes(), srv.Stats.Total(); w != 7 || n != 13 {
		t.Fatalf("Writes %d, Total %d; want 7 and 13", w, n)
	}
	srv.Stats.Reset()
	if srv.Stats.Total() != 0 || srv.Stats.Writes() != 0 || len(srv.Stats.Counts()) != 0 || len(srv.Stats.Statuses()) != 0 {
		t.Fatal("Reset left counts")
	}
}

func TestStatsIsWriteAndStandaloneWrap(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /contact/list", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /contact/{identifier}", func(w http.ResponseWriter, r *http.Request) {})
	stats := &sim.Stats{IsWrite: func(r *http.Request) bool {
		return r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/list")
	}}
	st := &sim.Stack{Vendor: stats.Wrap(mux)} // Stats used on its own, no Faults
	c := st.InProcess()
	do(t, c, "POST", "http://sim/contact/list", "{}")
	do(t, c, "POST", "http://sim/contact/email:a@x", "{}")
	if w := stats.Writes(); w != 1 {
		t.Fatalf("Writes = %d, want 1 (the list is a read)", w)
	}
	if got := stats.Counts(); got["POST /contact/list"] != 1 || got["POST /contact/{identifier}"] != 1 {
		t.Fatalf("Counts = %v", got)
	}
	// A vendor handler wrapping its mux: Mux names the routes.
	authed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) })
	st = &sim.Stack{Vendor: authed, Stats: &sim.Stats{Mux: mux}}
	do(t, st.InProcess(), "POST", "http://sim/contact/phone:+1555", "{}")
	if got := st.Stats.Counts(); got["POST /contact/{identifier}"] != 1 {
		t.Fatalf("with Mux set, Counts = %v", got)
	}

	var nilStats *sim.Stats
	if h := nilStats.Wrap(mux); h != http.Handler(mux) {
		t.Fatal("nil Stats.Wrap must return its handler")
	}
}

func TestStatsConcurrent(t *testing.T) {
	st := sim.NewStack(newVendor().mux)
	c := st.InProcess()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				do(t, c, "POST", "http://sim/items", `{"email":"a@x"}`)
			}
		})
	}
	wg.Wait()
	if st.Stats.Writes() != 200 || st.Stats.Count("POST /items") != 200 || st.Stats.Statuses()[201] != 200 {
		t.Fatalf("Writes %d, Counts %v, Statuses %v", st.Stats.Writes(), st.Stats.Counts(), st.Stats.Statuses())
	}
}

package sim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// TestServerNetworkAndInProcessShareState lists through both clients of one
// server, paging with cursors, and checks both see one store.
func TestServerNetworkAndInProcessShareState(t *testing.T) {
	v, srv := newNetwork(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not loopback", srv.URL)
	}
	net, local := srv.Client(), srv.InProcess()
	for i := range 5 {
		c := net
		if i%2 == 1 {
			c = local
		}
		if status, _, _, err := do(t, c, "POST", srv.URL+"/items", `{"email":"a@x"}`); err != nil || status != 201 {
			t.Fatalf("create %d: %d, %v", i, status, err)
		}
	}
	list := func(c *http.Client) []string {
		var got []string
		cursor := ""
		for {
			_, _, body, err := do(t, c, "GET", srv.URL+"/items?limit=2&cursor="+cursor, "")
			if err != nil {
				t.Fatal(err)
			}
			var page struct {
				Items  []item
				Cursor string
			}
			mustJSON(t, body, &page)
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if page.Cursor == "" {
				return got
			}
			cursor = page.Cursor
		}
	}
	want := ids(v.items.Snapshot())
	for name, c := range map[string]*http.Client{"network": net, "in-process": local} {
		if got := list(c); strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 5 {
			t.Fatalf("%s listing %v, want %v", name, got, want)
		}
	}
	if status, _, _, _ := do(t, net, "GET", srv.URL+"/items?cursor=garbage", ""); status != 400 {
		t.Fatalf("garbage cursor: %d", status)
	}
	if srv.Stats.Count("POST /items") != 5 {
		t.Fatalf("Stats saw %d creates through both clients, want 5", srv.Stats.Count("POST /items"))
	}
}

func TestStackWithoutStatsOrFaults(t *testing.T) {
	st := &sim.Stack{Vendor: newVendor().mux}
	if status, _, _, err := do(t, st.InProcess(), "POST", "http://sim/items", `{"email":"a@x"}`); err != nil || status != 201 {
		t.Fatalf("%d, %v", status, err)
	}
}

// TestDeterministicResponses runs the same scenario against two fresh
// simulators: IDs and cursors in the responses are byte-identical.
func TestDeterministicResponses(t *testing.T) {
	run := func() string {
		st := sim.NewStack(newVendor().mux)
		c := st.InProcess()
		var out strings.Builder
		for range 3 {
			_, _, body, _ := do(t, c, "POST", "http://sim/items", `{"email":"a@x"}`)
			out.Write(body)
		}
		_, _, body, _ := do(t, c, "GET", "http://sim/items?limit=2", "")
		out.Write(body)
		return out.String()
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, `"cursor":"aWRfX`) {
		t.Fatalf("two runs differ or have no cursor:\n%s\n%s", a, b)
	}
}

// BenchmarkStack measures one create through the whole chain (Stats, a
// Faults with a Chance rule that does not fire, the vendor), in-process and
// over loopback, to size the simulator's share of client-side benchmarks.
func BenchmarkStack(b *testing.B) {
	v := newVendor()
	st := sim.NewStack(v.mux)
	st.Faults.Chance(1e-9, sim.Match{}, sim.Unavailable(0))
	srv := sim.NewServer(st)
	defer srv.Close()
	for name, c := range map[string]*http.Client{"in-process": st.InProcess(), "loopback": srv.Client()} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := c.Post(srv.URL+"/items", "application/json", strings.NewReader(`{"email":"a@x"}`))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

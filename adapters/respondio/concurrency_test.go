package respondio_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
)

// R6: one client shared by many goroutines, over real sockets, under the
// race detector: every upsert lands once, and repeats change nothing.
func TestSharedClient(t *testing.T) {
	srv, c := setup(t, respondiotest.Options{})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				in := support.ContactInput{FirstName: "P", Email: fmt.Sprintf("p%d.%d@example.com", w, i)}
				for range 2 {
					if _, err := c.UpsertContact(t.Context(), in, support.UpsertOptions{}); err != nil {
						t.Error(err)
					}
				}
				if _, err := c.ListAgents(t.Context(), support.ListOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := srv.ContactCount(); n != workers*each {
		t.Errorf("%d contacts, want %d", n, workers*each)
	}
	if n := srv.Requests("POST /v2/contact/create_or_update/{identifier}"); n != workers*each {
		t.Errorf("%d upsert writes, want %d (repeats write nothing)", n, workers*each)
	}
}

// The adapter's overhead on a read, next to the same request made by hand
// with net/http and encoding/json, against the same loopback simulator.
func BenchmarkGetContact(b *testing.B) {
	srv, c := setup(b, respondiotest.Options{})
	seed(b, srv.Simulator, respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	b.Run("adapter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetContact(b.Context(), support.ID("1")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net/http", func(b *testing.B) {
		b.ReportAllocs()
		hc := srv.Client()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(b.Context(), "GET", srv.URL()+"/contact/id:1", nil)
			req.Header.Set("Authorization", "Bearer "+respondiotest.Token)
			req.Header.Set("Accept", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var v map[string]any
			err = jsonDecode(res, &v)
			if err != nil || v["id"] != float64(1) {
				b.Fatal(err, v)
			}
		}
	})
}

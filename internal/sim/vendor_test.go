package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// item is what the test vendor stores.
type item struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// vendor is a minimal simulator used by the tests: create, list (cursor
// paged), get and patch items.
type vendor struct {
	ids   sim.IDs
	items sim.Store[item]
	mux   *http.ServeMux
}

func newVendor() *vendor {
	v := &vendor{ids: sim.IDs{Seed: 1}, mux: http.NewServeMux()}
	v.mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		var in item
		if err := sim.ReadJSON(r, &in, sim.ReadOptions{Strict: true}); err != nil {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		in.ID = v.ids.Prefixed("itm_")
		v.items.Put(in.ID, in)
		sim.WriteJSON(w, http.StatusCreated, map[string]string{"id": in.ID})
	})
	v.mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		after := ""
		if c := r.URL.Query().Get("cursor"); c != "" {
			var err error
			if after, err = sim.DecodeCursor("id__", c); err != nil {
				sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid cursor"})
				return
			}
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		p, err := v.items.Page(after, limit, nil)
		if err != nil {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid cursor"})
			return
		}
		out := struct {
			Items  []item `json:"items"`
			Cursor string `json:"cursor"`
		}{Items: []item{}}
		for _, e := range p.Items {
			out.Items = append(out.Items, e.Value)
		}
		if p.Next != "" {
			out.Cursor = sim.EncodeCursor("id__", p.Next)
		}
		sim.WriteJSON(w, http.StatusOK, out)
	})
	v.mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		it, ok := v.items.Get(r.PathValue("id"))
		if !ok {
			sim.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
			return
		}
		sim.WriteJSON(w, http.StatusOK, it)
	})
	v.mux.HandleFunc("PATCH /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	v.mux.HandleFunc("GET /silent", func(w http.ResponseWriter, r *http.Request) {})
	return v
}

// do sends a request and returns status and body, or the transport error.
func do(t *testing.T, c *http.Client, method, url, body string) (int, http.Header, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return res.StatusCode, res.Header, b, nil
}

// mustJSON decodes b or fails the test.
func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
}

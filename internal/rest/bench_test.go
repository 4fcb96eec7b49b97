package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchContact is the small struct both sides decode into.
type benchContact struct {
	ID        string            `json:"id"`
	Email     string            `json:"email"`
	Name      string            `json:"name"`
	Phone     string            `json:"phone"`
	CreatedAt string            `json:"created_at"`
	Tags      []string          `json:"tags"`
	Fields    map[string]string `json:"fields"`
	Notes     string            `json:"notes"`
}

// benchBody is a JSON object of about 1 KiB.
var benchBody = func() []byte {
	b, _ := json.Marshal(benchContact{
		ID: "c_01HZX4T3K9", Email: "ada.lovelace@example.com", Name: "Ada Lovelace", Phone: "+441632960961",
		CreatedAt: "2026-03-01T12:00:00Z", Tags: []string{"vip", "newsletter", "beta"},
		Fields: map[string]string{"company": "Analytical Engines Ltd", "plan": "enterprise", "country": "GB"},
		Notes:  strings.Repeat("Met at the conference; interested in the batch API. ", 14),
	})
	return b
}()

// BenchmarkCallOverhead is P1: the same GET against the same loopback server
// with the same transport, written by hand with net/http + encoding/json
// and made through Client.Do.
func BenchmarkCallOverhead(b *testing.B) {
	if len(benchBody) < 900 || len(benchBody) > 1200 {
		b.Fatalf("body is %d bytes, want about 1 KiB", len(benchBody))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchBody)
	}))
	defer srv.Close()
	transport := func() *http.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16
		return &http.Client{Transport: tr}
	}
	header := http.Header{"Authorization": {"Bearer bench-token"}, "Accept": {"application/json"}}
	ctx := context.Background()

	b.Run("nethttp", func(b *testing.B) {
		hc := transport()
		defer hc.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/contacts/c_01HZX4T3K9", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header = header.Clone()
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(err, resp.StatusCode)
			}
			var out benchContact
			if err := json.Unmarshal(body, &out); err != nil || out.ID == "" {
				b.Fatal(err)
			}
		}
	})

	b.Run("rest", func(b *testing.B) {
		hc := transport()
		defer hc.CloseIdleConnections()
		c, err := New(Config{Vendor: "bench", BaseURL: srv.URL, HTTPClient: hc, Header: header, Secrets: []string{"bench-token"}})
		if err != nil {
			b.Fatal(err)
		}
		path := Segments("contacts", "c_01HZX4T3K9")
		b.ReportAllocs()
		for b.Loop() {
			var out benchContact
			if _, err := c.Do(ctx, Request{Path: path}, &out); err != nil || out.ID == "" {
				b.Fatal(err)
			}
		}
	})
}

// staticTransport answers every request with benchBody, without a network.
type staticTransport struct{}

func (staticTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(benchBody)), ContentLength: int64(len(benchBody)), Request: req,
	}, nil
}

// BenchmarkCallOverheadNoNetwork isolates the CPU cost the client adds over
// a hand-written call: both sides use a transport that answers from memory,
// so loopback noise (which dominates BenchmarkCallOverhead on a busy
// machine) drops out.
func BenchmarkCallOverheadNoNetwork(b *testing.B) {
	header := http.Header{"Authorization": {"Bearer bench-token"}, "Accept": {"application/json"}}
	ctx := context.Background()
	const base = "http://127.0.0.1:1"
	b.Run("nethttp", func(b *testing.B) {
		hc := &http.Client{Transport: staticTransport{}}
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/contacts/c_01HZX4T3K9", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header = header.Clone()
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out benchContact
			if err != nil || json.Unmarshal(body, &out) != nil || out.ID == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("rest", func(b *testing.B) {
		c, err := New(Config{Vendor: "bench", BaseURL: base, HTTPClient: &http.Client{Transport: staticTransport{}}, Header: header, Secrets: []string{"bench-token"}})
		if err != nil {
			b.Fatal(err)
		}
		path := Segments("contacts", "c_01HZX4T3K9")
		b.ReportAllocs()
		for b.Loop() {
			var out benchContact
			if _, err := c.Do(ctx, Request{Path: path}, &out); err != nil || out.ID == "" {
				b.Fatal(err)
			}
		}
	})
}

// ExampleSegments shows how an identifier is escaped into one segment.
func ExampleSegments() {
	fmt.Println(Segments("contacts", "a/b", ".."))
	fmt.Println(Segments("contact", "email:ada+x@example.com"))
	// Output:
	// /contacts/a%2Fb/%2E%2E
	// /contact/email:ada+x@example.com
}

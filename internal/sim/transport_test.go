package sim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func TestTransportServesInProcess(t *testing.T) {
	var seen *http.Request
	var seenBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
		w.Header().Set("X-Ratelimit-Remaining", "59")
		switch r.URL.Path {
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/text":
			io.WriteString(w, "<html>hi</html>")
		default:
			sim.WriteJSON(w, http.StatusCreated, map[string]string{"q": r.URL.Query().Get("q")})
			w.Header().Set("X-Late", "ignored") // after WriteHeader: not sent
		}
	})
	c := &http.Client{Transport: &sim.Transport{Handler: h}}

	req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://api.example.test/v1/a%2Fb?q=x%20y", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer t")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || res.Status != "201 Created" || string(body) != `{"q":"x y"}`+"\n" {
		t.Fatalf("response %s %q", res.Status, body)
	}
	if res.Header.Get("X-Ratelimit-Remaining") != "59" || res.Header.Get("Content-Length") != "12" || res.ContentLength != 12 || res.Header.Get("X-Late") != "" {
		t.Fatalf("response header %v, ContentLength %d", res.Header, res.ContentLength)
	}
	if seen.RequestURI != "/v1/a%2Fb?q=x%20y" || seen.URL.EscapedPath() != "/v1/a%2Fb" || seen.Host != "api.example.test" ||
		seen.Header.Get("Authorization") != "Bearer t" || seenBody != `{"a":1}` || seen.RemoteAddr == "" || seen.URL.Host != "" {
		t.Fatalf("server request: URI %q path %q host %q header %v body %q", seen.RequestURI, seen.URL.EscapedPath(), seen.Host, seen.Header, seenBody)
	}

	status, hdr, body, err := do(t, c, "GET", "http://x/empty", "")
	if err != nil || status != 204 || len(body) != 0 || hdr.Get("Content-Length") != "" {
		t.Fatalf("204: %d %q %v %v", status, body, hdr, err)
	}
	status, hdr, body, err = do(t, c, "GET", "http://x/text", "")
	if err != nil || status != 200 || string(body) != "<html>hi</html>" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("sniffed: %d %q %v %v", status, body, hdr, err)
	}
	status, _, body, err = do(t, c, "HEAD", "http://x/text", "")
	if err != nil || status != 200 || len(body) != 0 {
		t.Fatalf("HEAD: %d %q %v", status, body, err)
	}
}

func TestTransportContext(t *testing.T) {
	ran := false
	c := &http.Client{Transport: &sim.Transport{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true })}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled request: err %v, handler ran %v", err, ran)
	}

	// Cancelled while the handler runs: the handler finishes, the client
	// gets the context's error rather than the response.
	ctx, cancel = context.WithCancel(t.Context())
	c = &http.Client{Transport: &sim.Transport{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		w.WriteHeader(200)
	})}}
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://x/", nil)
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the handler: %v", err)
	}
}

func TestTransportPropagatesHandlerBugs(t *testing.T) {
	c := &http.Client{Transport: &sim.Transport{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("simulator bug")
	})}}
	defer func() {
		if p := recover(); p != "simulator bug" {
			t.Fatalf("recovered %v, want the handler's panic", p)
		}
	}()
	c.Get("http://x/")
	t.Fatal("the handler's panic was swallowed")
}

// A client must learn, as over a real connection, that the request was
// written before the handler ran: otherwise a create lost after commit looks
// unsent and gets resent.
func TestTransportReportsRequestWritten(t *testing.T) {
	var store sim.Store[string]
	st := sim.NewStack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		store.Put("c1", "x")
		w.WriteHeader(http.StatusCreated)
	}))
	st.Faults.Next(1, sim.Match{}, sim.CommittedThenLost())
	client := st.InProcess()

	var headers, request bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteHeaders: func() { headers = true },
		WroteRequest: func(httptrace.WroteRequestInfo) { request = true },
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://sim.invalid/contacts", strings.NewReader(`{"a":1}`))
	_, err := client.Do(req)
	if err == nil {
		t.Fatal("committed-then-lost: the client got a response")
	}
	if !headers || !request {
		t.Errorf("trace: WroteHeaders=%v WroteRequest=%v, want both", headers, request)
	}
	if store.Len() != 1 {
		t.Errorf("store has %d items, want the committed one", store.Len())
	}
}

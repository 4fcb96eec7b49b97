package rest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// fakeRT is an in-memory RoundTripper: no sockets, so it works inside a
// synctest bubble, where virtual time only advances while every goroutine is
// durably blocked (never on a real socket).
type fakeRT struct {
	// respond answers attempt n (from 0) of the whole client.
	respond func(n int, req *http.Request) (*http.Response, error)

	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	method, url string
	header      http.Header
	body        []byte
	at          time.Time
}

func (f *fakeRT) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, fakeCall{method: req.Method, url: req.URL.String(), header: req.Header.Clone(), body: body, at: time.Now()})
	f.mu.Unlock()
	return f.respond(n, req)
}

func (f *fakeRT) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeRT) call(i int) fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[i]
}

// reply builds a response with a status, a body and header pairs.
func reply(req *http.Request, status int, body string, kv ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// wrote fires the trace hooks net/http fires once a request is on the wire.
func wrote(req *http.Request) {
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil {
		if tr.WroteHeaders != nil {
			tr.WroteHeaders()
		}
		if tr.WroteRequest != nil {
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
	}
}

// seq answers attempt n with steps[n], repeating the last step.
func seq(steps ...func(*http.Request) (*http.Response, error)) func(int, *http.Request) (*http.Response, error) {
	return func(n int, req *http.Request) (*http.Response, error) {
		return steps[min(n, len(steps)-1)](req)
	}
}

func status(code int, body string, kv ...string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) {
		wrote(req)
		return reply(req, code, body, kv...), nil
	}
}

func ok(body string) func(*http.Request) (*http.Response, error) { return status(200, body) }

// newFake returns a Client over a fakeRT; cfg's BaseURL defaults to a
// loopback URL and Rand to 0.5, so backoff waits are exact. Of
// cfg.HTTPClient only the Timeout is kept.
func newFake(t *testing.T, cfg Config, respond func(int, *http.Request) (*http.Response, error)) (*Client, *fakeRT) {
	t.Helper()
	rt := &fakeRT{respond: respond}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:9"
	}
	if cfg.Vendor == "" {
		cfg.Vendor = "fake"
	}
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	var timeout time.Duration // a test may ask for a per-attempt timeout
	if cfg.HTTPClient != nil {
		timeout = cfg.HTTPClient.Timeout
	}
	cfg.HTTPClient = &http.Client{Transport: rt, Timeout: timeout}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

// asError returns err as a *support.Error, failing the test otherwise.
func asError(t *testing.T, err error) *support.Error {
	t.Helper()
	var e *support.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *support.Error", err, err)
	}
	return e
}

package sim

import (
	"bufio"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Stats counts a simulator's requests: per "METHOD route" key, per status
// sent, and writes. It is the outermost middleware (see Wrap and Stack), so
// it also counts requests that got an injected fault; a request answered
// with no response at all (a connection reset or abort) counts under status
// 0.
//
// The route is the pattern of the vendor's http.ServeMux that handles the
// request ("GET /contacts/{id}"), so counts do not split per ID; requests no
// pattern handles count under their path.
//
// Set IsWrite and Mux before serving. The zero Stats is ready to use. A Stats is
// safe for concurrent use.
type Stats struct {
	// IsWrite says which requests count as writes. Nil counts every method
	// but GET, HEAD and OPTIONS; a simulator whose vendor lists with POST
	// (respond.io's POST /contact/list) sets its own.
	IsWrite func(r *http.Request) bool
	// Mux names routes by its patterns. Nil uses the vendor handler when it
	// is itself an http.ServeMux; a simulator that wraps its mux (in an auth
	// check, say) sets Mux to the inner one.
	Mux *http.ServeMux

	mu       sync.Mutex
	routes   map[string]int
	statuses map[int]int
	writes   int
	total    int
}

// router is what Stats needs from a ServeMux to name routes.
type router interface {
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// Wrap returns next with its requests counted. Routes are named by the
// patterns of Mux, or else of next if it is an http.ServeMux (or has its
// Handler method). A nil *Stats returns next.
func (s *Stats) Wrap(next http.Handler) http.Handler {
	if s == nil {
		return next
	}
	rt, _ := next.(router)
	return s.wrap(next, rt)
}

func (s *Stats) wrap(next http.Handler, rt router) http.Handler {
	if s.Mux != nil {
		rt = s.Mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, write := routeOf(r, rt), s.isWrite(r)
		sw := &statusWriter{ResponseWriter: w, record: func(status int) { s.record(route, status, write) }}
		returned := false
		defer func() {
			switch {
			case !returned:
				sw.decide(0) // aborted (panicked): the client gets no response
			default:
				sw.decide(http.StatusOK) // what net/http sends for an empty handler
			}
		}()
		next.ServeHTTP(sw, r)
		returned = true
	})
}

func (s *Stats) isWrite(r *http.Request) bool {
	if s.IsWrite != nil {
		return s.IsWrite(r)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func (s *Stats) record(route string, status int, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.routes == nil {
		s.routes, s.statuses = map[string]int{}, map[int]int{}
	}
	s.routes[route]++
	s.statuses[status]++
	s.total++
	if write {
		s.writes++
	}
}

// routeOf names r's route "METHOD pattern", or "METHOD path" without one.
func routeOf(r *http.Request, rt router) string {
	var pattern string
	if rt != nil {
		_, pattern = rt.Handler(r)
	}
	if pattern == "" {
		return r.Method + " " + r.URL.Path
	}
	if strings.Contains(pattern, " ") {
		return pattern // the pattern names its method already
	}
	return r.Method + " " + pattern
}

// Counts returns the number of requests per "METHOD route" key.
func (s *Stats) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.routes)
}

// Count returns the number of requests counted under one "METHOD route" key,
// such as "POST /contacts/batch".
func (s *Stats) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routes[route]
}

// Statuses returns the number of responses per status code, 0 meaning no
// response.
func (s *Stats) Statuses() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.statuses)
}

// Writes returns the number of write requests (see IsWrite), whatever their
// outcome.
func (s *Stats) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Total returns the number of requests.
func (s *Stats) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Reset sets every count back to zero, such as between a setup phase and
// the part of a test that is measured.
func (s *Stats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes, s.statuses = nil, nil
	s.writes, s.total = 0, 0
}

// statusWriter counts its request as soon as the response is decided: when
// the status is written, or the connection hijacked. That is before any of
// the response reaches the client, so a test that has its response reads
// counts that include it. It exposes the underlying writer with Unwrap, so
// that http.ResponseController reaches Flush and deadlines through it.
type statusWriter struct {
	http.ResponseWriter
	record  func(status int)
	decided bool
}

// decide counts the request with status, once.
func (w *statusWriter) decide(status int) {
	if !w.decided {
		w.decided = true
		w.record(status)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if code >= 200 {
		w.decide(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.decide(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// Hijack counts the request as answered with no response (status 0) before
// handing over the connection, which the caller may close at once.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.decide(0)
	}
	return c, rw, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

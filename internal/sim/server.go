package sim

import (
	"net/http"
	"net/http/httptest"
)

// Stack is the middleware chain every simulator runs behind: request
// accounting (Stats), then fault injection (Faults), then the vendor
// handler. Nil Stats or Faults are skipped. Serve it over the network with
// NewServer, or in-process with InProcess.
type Stack struct {
	// Vendor is the simulator's own handler, usually an http.ServeMux whose
	// patterns name the routes Stats counts.
	Vendor http.Handler
	Stats  *Stats
	Faults *Faults
}

// NewStack returns a Stack around vendor with a fresh Stats and Faults.
func NewStack(vendor http.Handler) *Stack {
	return &Stack{Vendor: vendor, Stats: &Stats{}, Faults: &Faults{}}
}

// ServeHTTP serves r through the chain.
func (s *Stack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, _ := s.Vendor.(router)
	h := s.Faults.Wrap(s.Vendor)
	if s.Stats != nil {
		h = s.Stats.wrap(h, rt)
	}
	h.ServeHTTP(w, r)
}

// InProcess returns a client that serves every request through s in the
// calling goroutine, without a network (see Transport): for tests inside a
// testing/synctest bubble, where a real listener cannot be used. The
// request's host is ignored.
func (s *Stack) InProcess() *http.Client {
	return &http.Client{Transport: &Transport{Handler: s}}
}

// Server is a simulator served over loopback HTTP/1.1 by an httptest.Server,
// through its Stack. Its URL, Close and Client are those of the embedded
// httptest.Server; InProcess, Stats and Faults those of the Stack.
type Server struct {
	*httptest.Server
	*Stack
}

// NewServer starts serving st on a loopback address. Close it when done.
func NewServer(st *Stack) *Server {
	return &Server{Server: httptest.NewServer(st), Stack: st}
}

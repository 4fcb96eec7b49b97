package sim

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"syscall"
)

// Transport is an http.RoundTripper that serves each request by calling
// Handler in the calling goroutine, without a network. Responses are
// buffered, and faults behave as over a connection: a hijacked (reset)
// connection or an aborted handler makes RoundTrip fail with a
// "connection reset" error matching syscall.ECONNRESET, and a request whose
// context ends before the handler returns fails with the context's error.
type Transport struct {
	Handler http.Handler
}

// RoundTrip serves req with t.Handler.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sreq, err := serverRequest(req)
	if err != nil {
		return nil, err
	}
	// Over a connection the whole request is on the wire before the server
	// acts on it. Say so through the caller's client trace, as net/http's
	// transport does: clients (internal/rest) use WroteRequest to tell a
	// request that never left from one whose outcome is unknown, and a
	// create lost after commit must look like the latter here too.
	if body, err := io.ReadAll(sreq.Body); err != nil {
		return nil, err
	} else {
		sreq.Body = io.NopCloser(bytes.NewReader(body))
	}
	if trace := httptrace.ContextClientTrace(ctx); trace != nil {
		if trace.WroteHeaders != nil {
			trace.WroteHeaders()
		}
		if trace.WroteRequest != nil {
			trace.WroteRequest(httptrace.WroteRequestInfo{})
		}
	}
	w := &inProcessWriter{bufferWriter: newBufferWriter(sreq)}
	if aborted := serve(t.Handler, w, sreq); aborted || w.hijacked {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	status := w.finalStatus()
	res := &http.Response{
		Status:     strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.finalHeader(),
		Body:       http.NoBody,
		Request:    req,
	}
	if bodyAllowed(status) && req.Method != http.MethodHead {
		res.ContentLength = int64(w.body.Len())
		res.Body = io.NopCloser(bytes.NewReader(w.body.Bytes()))
	}
	return res, nil
}

// serve runs h and reports whether it aborted with http.ErrAbortHandler,
// which a real server answers by dropping the connection. Other panics are
// simulator bugs and propagate.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// serverRequest turns a client request into the request a server handler
// would see.
func serverRequest(req *http.Request) (*http.Request, error) {
	sreq := req.Clone(req.Context())
	u, err := url.ParseRequestURI(req.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	sreq.URL = u
	sreq.RequestURI = req.URL.RequestURI()
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	sreq.RemoteAddr = "192.0.2.1:1234" // TEST-NET-1, as httptest.NewRequest uses
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	sreq.GetBody = nil
	return sreq, nil
}

// inProcessWriter adds Hijack to bufferWriter, so that faults can "reset"
// an in-process connection.
type inProcessWriter struct {
	*bufferWriter
	hijacked bool
}

func (w *inProcessWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.hijacked = true
	// A pipe whose far end is already closed: writes fail at once rather
	// than blocking.
	c, far := net.Pipe()
	far.Close()
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

func (w *inProcessWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	return w.bufferWriter.Write(p)
}

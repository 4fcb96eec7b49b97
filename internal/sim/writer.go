package sim

import (
	"bytes"
	"net/http"
	"strconv"
)

// bufferWriter is an http.ResponseWriter that keeps the response in memory:
// for faults that let the vendor handler commit its change and then decide
// what the client sees, and for the in-process Transport.
type bufferWriter struct {
	header http.Header
	sent   http.Header // header as of WriteHeader, like net/http
	status int
	body   bytes.Buffer
	head   bool // response to HEAD: discard the body
}

func newBufferWriter(r *http.Request) *bufferWriter {
	return &bufferWriter{header: http.Header{}, head: r.Method == http.MethodHead}
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status != 0 || code < 200 {
		// Informational responses are not kept; only the final one counts.
		return
	}
	b.status = code
	b.sent = b.header.Clone()
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	if !bodyAllowed(b.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if b.head {
		return len(p), nil
	}
	return b.body.Write(p)
}

// Flush does nothing: the whole response is kept until the handler returns.
func (b *bufferWriter) Flush() {}

// finalStatus is the status the handler answered, 200 if it wrote nothing.
func (b *bufferWriter) finalStatus() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// finalHeader is the header as the client would see it, with the
// Content-Type and Content-Length net/http would add.
func (b *bufferWriter) finalHeader() http.Header {
	h := b.sent
	if h == nil {
		h = b.header.Clone()
	}
	if _, set := h["Content-Type"]; !set && b.body.Len() > 0 {
		h.Set("Content-Type", http.DetectContentType(b.body.Bytes()))
	}
	if bodyAllowed(b.finalStatus()) && !b.head && h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(b.body.Len()))
	}
	return h
}

// copyTo sends the kept response to w; status and body replace the
// handler's own when they are not zero and nil.
func (b *bufferWriter) copyTo(w http.ResponseWriter, status int, body []byte) {
	if status == 0 {
		status = b.finalStatus()
	}
	if body == nil {
		body = b.body.Bytes()
	}
	h := w.Header()
	for k, v := range b.finalHeader() {
		h[k] = v
	}
	switch {
	case !bodyAllowed(status):
		h.Del("Content-Length")
	case !b.head:
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if bodyAllowed(status) {
		w.Write(body)
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

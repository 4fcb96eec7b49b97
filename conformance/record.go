package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// RecordEnv is the environment variable that turns record mode on:
// `DESKBRIDGE_RECORD=1 go test ./adapters/tidio -run Conformance` rewrites
// the recordings. An environment variable rather than a -record flag, so
// that importing this package registers nothing on an importing program's
// command line.
const RecordEnv = "DESKBRIDGE_RECORD"

// Recording reports whether record mode is on (RecordEnv set to a true
// value: 1, t, true, ...).
func Recording() bool {
	on, err := strconv.ParseBool(os.Getenv(RecordEnv))
	return err == nil && on
}

// RecordOptions configures HTTPClient.
type RecordOptions struct {
	// Dir holds the recordings, one file per scenario; default
	// "testdata/conformance".
	Dir string
	// Upstream is where requests really go in record mode: a simulator's
	// transport (httptest.Server.Client().Transport) or, for the live vendor,
	// nil, which means http.DefaultTransport. Replay ignores it.
	Upstream http.RoundTripper
	// Secrets are credential values in use. They are replaced by "REDACTED"
	// wherever they appear in a recording (headers, path, query, bodies, also
	// URL- and JSON-escaped), and in replay they are scrubbed from requests
	// the same way before comparing them with the recording.
	Secrets []string
}

// Placeholders written into recordings.
const (
	// redacted replaces credentials.
	redacted = "REDACTED"
	// basePlaceholder replaces the upstream's scheme://host[:port], so that
	// recordings do not depend on the simulator's port; replay puts the
	// client's own base back.
	basePlaceholder = "{{base}}"
)

// HTTPClient returns the *http.Client a harness hands its adapter for the
// scenario test t (the t that Harness.New receives).
//
// In replay mode (the default) the client is served by an
// httpmock.MockTransport made for t, from the recording
// <Dir>/<scenario>.json: requests must come in the recorded order and match
// the recorded method, path, query and body (JSON bodies compared as JSON). A
// request that does not match fails t with a diff, and exchanges still unused
// when t ends fail it too. A missing recording fails t with the command that
// records it.
//
// In record mode (DESKBRIDGE_RECORD=1) the client sends requests to opts.Upstream and
// writes the recording when t ends, with credentials scrubbed: the values of
// Authorization and Cookie headers and of every header whose name contains
// "secret", "token", "key" or "client-id" become "REDACTED", as does every
// opts.Secrets value anywhere; the upstream's scheme://host becomes
// "{{base}}"; Date and Content-Length headers are dropped.
//
// The scenario's file name is t.Name() without its first element (the
// top-level test), with "/" written as "__": TestConformance/contacts/create
// records to contacts__create.json.
func HTTPClient(t *testing.T, opts RecordOptions) *http.Client {
	t.Helper()
	if Recording() {
		return recordClient(t, opts)
	}
	return replayClient(t, opts)
}

// reporter is the part of *testing.T that the record and replay machinery
// uses, so that tests can give it a fake and see the failures it reports.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
	Name() string
}

// recording is the file format: the HTTP exchanges of one scenario, in order.
// Fields are declared in alphabetical order, so the indented JSON has sorted
// keys throughout (maps are sorted by encoding/json).
type recording struct {
	Exchanges []exchange `json:"exchanges"`
}

type exchange struct {
	Request  recordedRequest  `json:"request"`
	Response recordedResponse `json:"response"`
}

type recordedRequest struct {
	// Body is the JSON body as JSON, or any other body as a JSON string.
	Body   json.RawMessage `json:"body,omitempty"`
	Header http.Header     `json:"header,omitempty"`
	Method string          `json:"method"`
	// Path is the escaped path (URL.EscapedPath).
	Path  string     `json:"path"`
	Query url.Values `json:"query,omitempty"`
}

type recordedResponse struct {
	Body   json.RawMessage `json:"body,omitempty"`
	Header http.Header     `json:"header,omitempty"`
	Status int             `json:"status"`
}

// requestCounts counts, per scenario test, the requests sent through the
// clients HTTPClient made for it, so that scenarios can check that invalid
// input is refused before any request.
var requestCounts sync.Map // reporter → *atomic.Int64

func countRequests(r reporter) *atomic.Int64 {
	n := new(atomic.Int64)
	requestCounts.Store(r, n)
	r.Cleanup(func() { requestCounts.Delete(r) })
	return n
}

// requestsSent returns how many requests the HTTPClient clients of t have
// sent; ok is false when t has none (live mode, or the memory adapter).
func requestsSent(t reporter) (n int64, ok bool) {
	v, ok := requestCounts.Load(t)
	if !ok {
		return 0, false
	}
	return v.(*atomic.Int64).Load(), true
}

// recordingPath returns the file that holds the recording of test name.
func recordingPath(dir, name string) string {
	if dir == "" {
		dir = filepath.Join("testdata", "conformance")
	}
	if _, rest, ok := strings.Cut(name, "/"); ok {
		name = rest
	}
	name = strings.ReplaceAll(name, "/", "__")
	// Keep file names portable whatever the subtest names hold.
	name = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, name)
	return filepath.Join(dir, name+".json")
}

// recordCommand returns the command that records test name's scenarios, run
// from the module root.
func recordCommand(name string) string {
	pkg := "."
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				if rel, err := filepath.Rel(dir, wd); err == nil && rel != "." {
					pkg = "./" + filepath.ToSlash(rel)
				}
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	top, _, _ := strings.Cut(name, "/")
	return fmt.Sprintf("DESKBRIDGE_RECORD=1 go test %s -run '^%s$'", pkg, top)
}

// scrubber removes credentials and the upstream base from recorded text.
type scrubber struct {
	// secrets holds every form of every secret, longest first, so that a
	// secret containing another is replaced whole.
	secrets []string
}

func newScrubber(secrets []string) scrubber {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		j, _ := json.Marshal(s) // a string always marshals
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s), string(j[1:len(j)-1]))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return scrubber{secrets: slices.Compact(forms)}
}

// text replaces secrets by "REDACTED" and base (when not empty) by "{{base}}".
func (s scrubber) text(v, base string) string {
	for _, sec := range s.secrets {
		v = strings.ReplaceAll(v, sec, redacted)
	}
	if base != "" {
		v = strings.ReplaceAll(v, base, basePlaceholder)
	}
	return v
}

// query parses a raw query with secrets scrubbed, both in the raw text (so
// that a secret is caught however it was escaped, or left unescaped) and in
// the decoded values.
func (s scrubber) query(rawQuery, base string) url.Values {
	q, _ := url.ParseQuery(s.text(rawQuery, base)) // keeps what parses, as URL.Query does
	if len(q) == 0 {
		return nil
	}
	out := make(url.Values, len(q))
	for k, vs := range q {
		k = s.text(k, base)
		for _, v := range vs {
			out[k] = append(out[k], s.text(v, base))
		}
	}
	return out
}

// header returns the recordable copy of h: sensitive headers redacted,
// volatile ones dropped, secrets and base scrubbed from the rest.
func (s scrubber) header(h http.Header, base string) http.Header {
	out := http.Header{}
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Date" || ck == "Content-Length" {
			continue
		}
		for _, v := range vs {
			if sensitiveHeader(ck) {
				v = redacted
			} else {
				v = s.text(v, base)
			}
			out[ck] = append(out[ck], v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sensitiveHeader reports whether a header carries credentials.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"authorization", "cookie", "secret", "token", "key", "client-id"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// encodeBody returns body as it is recorded: a JSON body as canonical JSON
// (object keys sorted, numbers kept as written), anything else as a JSON
// string holding the text. A body that is itself a JSON string is recorded as
// text too, quotes included, so that strings always mean "this text".
func encodeBody(body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	if v, ok := decodeJSON(body); ok {
		if _, isString := v.(string); !isString {
			return marshal(v)
		}
	}
	return marshal(string(body))
}

// decodeBody returns the bytes a recorded body stands for.
func decodeBody(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return []byte(s)
		}
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// decodeJSON decodes one JSON value, keeping numbers as written; ok is false
// when data is not exactly one JSON value.
func decodeJSON(data []byte) (v any, ok bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil, false
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

// marshal encodes v without HTML escaping, so recordings stay readable.
func marshal(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Unreachable: v holds only what encoding/json decoded, or a string.
		panic("conformance: encoding a body: " + err.Error())
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// baseOf returns scheme://host[:port] of u.
func baseOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// recorder is the record-mode transport: it forwards requests upstream and
// keeps the exchanges for the recording.
type recorder struct {
	r        reporter
	upstream http.RoundTripper
	scrub    scrubber
	sent     *atomic.Int64

	mu        sync.Mutex
	exchanges []exchange
}

func recordClient(r reporter, opts RecordOptions) *http.Client {
	r.Helper()
	rec := &recorder{r: r, upstream: opts.Upstream, scrub: newScrubber(opts.Secrets), sent: countRequests(r)}
	if rec.upstream == nil {
		rec.upstream = http.DefaultTransport
	}
	path := recordingPath(opts.Dir, r.Name())
	r.Cleanup(func() { rec.write(path) })
	return &http.Client{Transport: rec}
}

// RoundTrip sends req upstream and records the exchange.
func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err // a call abandoned before it was sent is not an exchange
	}
	rec.sent.Add(1)
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("conformance: reading the request body: %w", err)
		}
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	if body == nil {
		out.Body = nil
	}
	resp, err := rec.upstream.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("conformance: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	base := baseOf(req.URL)
	s := rec.scrub
	ex := exchange{
		Request: recordedRequest{
			Method: req.Method,
			Path:   s.text(req.URL.EscapedPath(), ""),
			Query:  s.query(req.URL.RawQuery, base),
			Header: s.header(req.Header, base),
			Body:   encodeBody([]byte(s.text(string(body), base))),
		},
		Response: recordedResponse{
			Status: resp.StatusCode,
			Header: s.header(resp.Header, base),
			Body:   encodeBody([]byte(s.text(string(respBody), base))),
		},
	}
	rec.mu.Lock()
	rec.exchanges = append(rec.exchanges, ex)
	rec.mu.Unlock()
	return resp, nil
}

// write saves the recording, with zero exchanges if the scenario sent no
// request, so that replay knows the scenario sends none.
func (rec *recorder) write(path string) {
	rec.mu.Lock()
	data := encodeRecording(recording{Exchanges: rec.exchanges})
	rec.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		rec.r.Errorf("conformance: writing the recording: %v", err)
		return
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		rec.r.Errorf("conformance: writing the recording: %v", err)
	}
}

// encodeRecording renders a recording as indented JSON with sorted keys.
func encodeRecording(rc recording) []byte {
	if rc.Exchanges == nil {
		rc.Exchanges = []exchange{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rc); err != nil {
		panic("conformance: encoding a recording: " + err.Error()) // unreachable: plain data
	}
	return b.Bytes()
}

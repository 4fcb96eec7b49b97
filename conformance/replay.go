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
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jarcoal/httpmock"
)

// errMismatch is what the adapter gets for a request that the recording does
// not have; the test itself fails with the details.
var errMismatch = errors.New("conformance: the request does not match the recording (see the test log)")

// replayer serves one scenario's recorded exchanges in order.
type replayer struct {
	r     reporter
	path  string
	scrub scrubber
	sent  *atomic.Int64
	hint  string // the command that re-records

	mu        sync.Mutex
	exchanges []exchange
	next      int
	// failed is set after the first mismatch: later requests fail without
	// more reports, and unused exchanges are not reported, since the
	// mismatch explains them.
	failed bool
}

func replayClient(r reporter, opts RecordOptions) *http.Client {
	r.Helper()
	rp := &replayer{
		r: r, path: recordingPath(opts.Dir, r.Name()), scrub: newScrubber(opts.Secrets),
		sent: countRequests(r), hint: recordCommand(r.Name()),
	}
	mt := httpmock.NewMockTransport()
	// One catch-all responder: the order of the exchanges, not the URL,
	// decides what is served.
	mt.RegisterNoResponder(rp.respond)
	data, err := os.ReadFile(rp.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		r.Errorf("conformance: no recording for %s at %s; record it with: %s", r.Name(), rp.path, rp.hint)
		rp.failed = true
	case err != nil:
		r.Errorf("conformance: reading the recording: %v", err)
		rp.failed = true
	default:
		var rc recording
		if err := json.Unmarshal(data, &rc); err != nil {
			r.Errorf("conformance: recording %s is not valid: %v; record it again with: %s", rp.path, err, rp.hint)
			rp.failed = true
		}
		rp.exchanges = rc.Exchanges
	}
	r.Cleanup(rp.checkUsed)
	return &http.Client{Transport: mt}
}

// respond serves the next recorded exchange if req matches it.
func (rp *replayer) respond(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err // abandoned before it was sent: not an exchange
	}
	rp.sent.Add(1)
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("conformance: reading the request body: %w", err)
		}
	}
	base := baseOf(req.URL)

	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.failed {
		return nil, errMismatch
	}
	if rp.next >= len(rp.exchanges) {
		rp.failed = true
		rp.r.Errorf("conformance: unexpected request %s %s: the %d recorded exchange(s) of %s are all used\n"+
			"if the adapter changed on purpose, record again with: %s", req.Method, req.URL.RequestURI(), len(rp.exchanges), rp.path, rp.hint)
		return nil, errMismatch
	}
	ex := rp.exchanges[rp.next]
	if diffs := rp.compare(ex.Request, req, body, base); len(diffs) > 0 {
		rp.failed = true
		rp.r.Errorf("conformance: request %d of %d does not match %s:\n  %s\nif the adapter changed on purpose, record again with: %s",
			rp.next+1, len(rp.exchanges), rp.path, strings.Join(diffs, "\n  "), rp.hint)
		return nil, errMismatch
	}
	rp.next++
	return rp.response(ex.Response, req, base), nil
}

// compare lists how req differs from the recorded request.
func (rp *replayer) compare(want recordedRequest, req *http.Request, body []byte, base string) []string {
	var diffs []string
	if want.Method != req.Method {
		diffs = append(diffs, fmt.Sprintf("method: want %s, got %s", want.Method, req.Method))
	}
	if path := rp.scrub.text(req.URL.EscapedPath(), ""); want.Path != path {
		diffs = append(diffs, fmt.Sprintf("path: want %s, got %s", want.Path, path))
	}
	if q := rp.scrub.query(req.URL.RawQuery, base); !equalQuery(want.Query, q) {
		diffs = append(diffs, fmt.Sprintf("query: want %q, got %q", encodeQuery(want.Query), encodeQuery(q)))
	}
	got := encodeBody([]byte(rp.scrub.text(string(body), base)))
	diffs = append(diffs, bodyDiff(want.Body, got)...)
	return diffs
}

func equalQuery(a, b url.Values) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func encodeQuery(q url.Values) string {
	s, err := url.QueryUnescape(q.Encode())
	if err != nil {
		return q.Encode()
	}
	return s
}

// bodyDiff compares two recorded bodies: as JSON values when both are JSON,
// as text otherwise. It names the JSON paths that differ (a few at most).
func bodyDiff(want, got json.RawMessage) []string {
	wv, wok := decodeJSON(want)
	gv, gok := decodeJSON(got)
	if len(bytes.TrimSpace(want)) == 0 {
		wv, wok = nil, true
	}
	if len(bytes.TrimSpace(got)) == 0 {
		gv, gok = nil, true
	}
	if wok && gok {
		var diffs []string
		jsonDiff("body", wv, gv, &diffs)
		return diffs
	}
	if !bytes.Equal(decodeBody(want), decodeBody(got)) {
		return []string{fmt.Sprintf("body: want %s, got %s", clip(string(want)), clip(string(got)))}
	}
	return nil
}

const maxDiffs = 8

// jsonDiff appends "path: want X, got Y" for each difference between two
// decoded JSON values.
func jsonDiff(path string, want, got any, diffs *[]string) {
	if len(*diffs) >= maxDiffs {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, dup := w[k]; !dup {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: want %s, got nothing", path, k, clip(string(marshal(wv)))))
			case !inW:
				*diffs = append(*diffs, fmt.Sprintf("%s.%s: want nothing, got %s", path, k, clip(string(marshal(gv)))))
			default:
				jsonDiff(path+"."+k, wv, gv, diffs)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		for i := range w {
			jsonDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
		return
	}
	if !reflect.DeepEqual(want, got) && len(*diffs) < maxDiffs {
		*diffs = append(*diffs, fmt.Sprintf("%s: want %s, got %s", path, clip(describe(want)), clip(describe(got))))
	}
}

func describe(v any) string {
	if v == nil {
		return "nothing"
	}
	return string(marshal(v))
}

// response builds the recorded response, with the client's base put back.
func (rp *replayer) response(rr recordedResponse, req *http.Request, base string) *http.Response {
	body := bytes.ReplaceAll(decodeBody(rr.Body), []byte(basePlaceholder), []byte(base))
	resp := httpmock.NewBytesResponse(rr.Status, body)
	for k, vs := range rr.Header {
		for _, v := range vs {
			resp.Header.Add(k, strings.ReplaceAll(v, basePlaceholder, base))
		}
	}
	resp.Request = req
	return resp
}

// checkUsed fails the test when recorded exchanges were left unused.
func (rp *replayer) checkUsed() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.failed || rp.next == len(rp.exchanges) {
		return
	}
	ex := rp.exchanges[rp.next].Request
	target := ex.Path
	if len(ex.Query) > 0 {
		target += "?" + encodeQuery(ex.Query)
	}
	rp.r.Errorf("conformance: %d of the %d recorded exchange(s) of %s were not used; the first unused one is %s %s\n"+
		"if the adapter changed on purpose, record again with: %s",
		len(rp.exchanges)-rp.next, len(rp.exchanges), rp.path, ex.Method, target, rp.hint)
}

// clip shortens values quoted in failure messages.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("…(%d bytes)", len(s))
}

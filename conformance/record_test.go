package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeT is a reporter that keeps the failures instead of failing, so that
// tests can check what the machinery reports.
type fakeT struct {
	name     string
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// finish runs the cleanups, last registered first, as testing does.
func (f *fakeT) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

func (f *fakeT) failures() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.errs, "\n")
}

// canary is a credential that must never reach a recording.
const canary = "cs_canary_5ecret/+value"

// upstream is a tiny vendor: it echoes credentials back (so that scrubbing
// of responses is tested too), and its pagination holds its own URL.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		base := "http://" + r.Host
		w.Header().Set("X-Ratelimit-Remaining", "9")
		w.Header().Set("X-Session-Token", canary)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/contacts":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{
				// Raw, so that the number is sent as written: 1.50.
				"items":      json.RawMessage(`[{"id":1,"email":"ada@example.com","score":1.50}]`),
				"pagination": map[string]any{"next": base + "/contacts?cursor=" + r.URL.Query().Get("cursor") + "0"},
				"echo_auth":  r.Header.Get("Authorization"),
			})
		case r.Method == http.MethodPost && r.URL.Path == "/contacts":
			var in map[string]any
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Location", base+"/contacts/2")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"id": 2, "received": in})
		case r.URL.Path == "/health":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "ok from %s", base)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// reply is what a client saw of one response.
type reply struct {
	Status   int
	Location string
	Body     string
}

// exercise sends the same three requests any scenario might: a GET with a
// query and credentials, a POST with a JSON body, and a plain-text GET.
func exercise(t *testing.T, hc *http.Client, base string) []reply {
	t.Helper()
	var out []reply
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodGet, "/contacts?cursor=1&limit=2&api_token=" + canary, ""},
		{http.MethodPost, "/contacts", `{"email":"ada@example.com","name":"Ada","token":"` + canary + `"}`},
		{http.MethodGet, "/health", ""},
	} {
		r, err := sendRequest(hc, rq.method, base+rq.path, rq.body)
		if err != nil {
			t.Fatalf("%s %s: %v", rq.method, rq.path, err)
		}
		out = append(out, r)
	}
	return out
}

func sendRequest(hc *http.Client, method, url, body string) (reply, error) {
	return sendRequestContext(context.Background(), hc, method, url, body)
}

func sendRequestContext(ctx context.Context, hc *http.Client, method, url, body string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+canary)
	req.Header.Set("X-Tidio-Openapi-Client-Id", "ci_visible_id")
	req.Header.Set("Accept", "application/json; version=1")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b)}, err
}

// recordOnce records exercise against a fresh upstream into dir as the
// scenario name, and returns what the client saw and the upstream's base.
func recordOnce(t *testing.T, dir, name string) ([]reply, string) {
	t.Helper()
	srv, _ := upstream(t)
	ft := &fakeT{name: name}
	hc := recordClient(ft, RecordOptions{Dir: dir, Upstream: srv.Client().Transport, Secrets: []string{canary}})
	got := exercise(t, hc, srv.URL)
	ft.finish()
	if f := ft.failures(); f != "" {
		t.Fatalf("recording reported: %s", f)
	}
	return got, srv.URL
}

// sameReply compares replies, bodies as JSON when they are JSON (replay
// serves JSON re-encoded with sorted keys).
func sameReply(a, b reply) bool {
	if a.Status != b.Status || a.Location != b.Location {
		return false
	}
	var ja, jb any
	if json.Unmarshal([]byte(a.Body), &ja) == nil && json.Unmarshal([]byte(b.Body), &jb) == nil {
		return reflect.DeepEqual(ja, jb)
	}
	return a.Body == b.Body
}

func TestRecordThenReplay(t *testing.T) {
	dir := t.TempDir()
	recorded, recBase := recordOnce(t, dir, "TestConformance/contacts/create")
	path := filepath.Join(dir, "contacts__create.json")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no recording at %s: %v", path, err)
	}

	// Replay against another base (another port): the upstream is not
	// involved, and URLs in responses follow the client's base.
	srv, hits := upstream(t)
	ft := &fakeT{name: "TestConformance/contacts/create"}
	hc := replayClient(ft, RecordOptions{Dir: dir, Secrets: []string{canary}})
	replayed := exercise(t, hc, srv.URL)
	ft.finish()
	if f := ft.failures(); f != "" {
		t.Fatalf("replay reported: %s", f)
	}
	if hits.Load() != 0 {
		t.Errorf("replay sent %d requests upstream", hits.Load())
	}
	for i := range recorded {
		want := recorded[i]
		// What the recording cannot give back: the credential the upstream
		// echoed, and the recording upstream's own address.
		want.Body = strings.ReplaceAll(strings.ReplaceAll(want.Body, canary, redacted), recBase, srv.URL)
		want.Location = strings.ReplaceAll(want.Location, recBase, srv.URL)
		if !sameReply(replayed[i], want) {
			t.Errorf("replayed response %d:\n got %+v\nwant %+v", i, replayed[i], want)
		}
	}
	if !strings.Contains(replayed[0].Body, srv.URL+"/contacts?cursor=10") {
		t.Errorf("replayed pagination URL does not use the client's base %s: %s", srv.URL, replayed[0].Body)
	}
}

func TestRecordingScrubsSecrets(t *testing.T) {
	dir := t.TempDir()
	_, base := recordOnce(t, dir, "TestConformance/contacts/create")
	data, err := os.ReadFile(filepath.Join(dir, "contacts__create.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{canary, "cs_canary", base, "ci_visible_id"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("the recording contains %q:\n%s", leak, data)
		}
	}
	for _, want := range []string{`"REDACTED"`, `"echo_auth": "Bearer REDACTED"`, "{{base}}/contacts?cursor=10", `"score": 1.50`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the recording does not contain %q:\n%s", want, data)
		}
	}
	var rc recording
	if err := json.Unmarshal(data, &rc); err != nil {
		t.Fatal(err)
	}
	if len(rc.Exchanges) != 3 {
		t.Fatalf("%d exchanges recorded, want 3", len(rc.Exchanges))
	}
	first := rc.Exchanges[0]
	for name, h := range map[string]map[string][]string{"request": first.Request.Header, "response": first.Response.Header} {
		for _, k := range []string{"Date", "Content-Length"} {
			if _, ok := h[k]; ok {
				t.Errorf("%s header %s was recorded", name, k)
			}
		}
	}
	checks := map[string]string{
		"Authorization":             first.Request.Header.Get("Authorization"),
		"X-Tidio-Openapi-Client-Id": first.Request.Header.Get("X-Tidio-Openapi-Client-Id"),
		"X-Session-Token":           first.Response.Header.Get("X-Session-Token"),
		"api_token query":           first.Request.Query.Get("api_token"),
		"Accept (kept)":             first.Request.Header.Get("Accept"),
	}
	for what, got := range checks {
		want := redacted
		if what == "Accept (kept)" {
			want = "application/json; version=1"
		}
		if got != want {
			t.Errorf("%s recorded as %q, want %q", what, got, want)
		}
	}
	if got := rc.Exchanges[1].Response.Header.Get("Location"); got != "{{base}}/contacts/2" {
		t.Errorf("Location recorded as %q, want {{base}}/contacts/2", got)
	}
}

func TestRecordingIsByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	_, baseA := recordOnce(t, a, "TestConformance/contacts/create")
	_, baseB := recordOnce(t, b, "TestConformance/contacts/create")
	if baseA == baseB {
		t.Fatalf("both upstreams have base %s; the test needs two ports", baseA)
	}
	da, errA := os.ReadFile(filepath.Join(a, "contacts__create.json"))
	db, errB := os.ReadFile(filepath.Join(b, "contacts__create.json"))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(da, db) {
		t.Errorf("two recordings differ:\n%s\n---\n%s", da, db)
	}
}

func TestReplayRejectsUnexpectedRequests(t *testing.T) {
	dir := t.TempDir()
	recordOnce(t, dir, "TestConformance/contacts/create")
	for _, tc := range []struct {
		name           string
		method, url    string
		body           string
		wantInFailures []string
	}{
		{
			name: "other body", method: http.MethodPost, url: "/contacts",
			body:           `{"email":"eve@example.com","name":"Ada","token":"` + canary + `"}`,
			wantInFailures: []string{"request 2 of 3", `body.email: want "ada@example.com", got "eve@example.com"`},
		},
		{
			name: "other method and path", method: http.MethodDelete, url: "/contacts/1",
			wantInFailures: []string{"method: want POST, got DELETE", "path: want /contacts, got /contacts/1"},
		},
		{
			name: "other query", method: http.MethodPost, url: "/contacts?dry_run=1",
			body:           `{"email":"ada@example.com","name":"Ada","token":"` + canary + `"}`,
			wantInFailures: []string{`query: want "", got "dry_run=1"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{name: "TestConformance/contacts/create"}
			hc := replayClient(ft, RecordOptions{Dir: dir, Secrets: []string{canary}})
			if _, err := sendRequest(hc, http.MethodGet, "http://vendor.test/contacts?cursor=1&limit=2&api_token="+canary, ""); err != nil {
				t.Fatalf("first, expected request: %v", err)
			}
			if _, err := sendRequest(hc, tc.method, "http://vendor.test"+tc.url, tc.body); !errors.Is(err, errMismatch) {
				t.Errorf("unexpected request: got error %v, want %v", err, errMismatch)
			}
			ft.finish()
			f := ft.failures()
			for _, want := range append(tc.wantInFailures, "record again with: DESKBRIDGE_RECORD=1 go test") {
				if !strings.Contains(f, want) {
					t.Errorf("failures do not say %q:\n%s", want, f)
				}
			}
			if strings.Contains(f, "not used") {
				t.Errorf("after a mismatch, unused exchanges were reported too:\n%s", f)
			}
		})
	}
}

func TestReplayRejectsRequestsPastTheRecording(t *testing.T) {
	dir := t.TempDir()
	recordOnce(t, dir, "TestConformance/contacts/create")
	ft := &fakeT{name: "TestConformance/contacts/create"}
	hc := replayClient(ft, RecordOptions{Dir: dir, Secrets: []string{canary}})
	exercise(t, hc, "http://vendor.test")
	if _, err := sendRequest(hc, http.MethodGet, "http://vendor.test/health", ""); !errors.Is(err, errMismatch) {
		t.Errorf("fourth request: got error %v, want %v", err, errMismatch)
	}
	ft.finish()
	if f := ft.failures(); !strings.Contains(f, "unexpected request GET /health: the 3 recorded exchange(s)") {
		t.Errorf("failures: %s", f)
	}
}

func TestReplayReportsUnusedExchanges(t *testing.T) {
	dir := t.TempDir()
	recordOnce(t, dir, "TestConformance/contacts/create")
	ft := &fakeT{name: "TestConformance/contacts/create"}
	hc := replayClient(ft, RecordOptions{Dir: dir, Secrets: []string{canary}})
	if _, err := sendRequest(hc, http.MethodGet, "http://vendor.test/contacts?cursor=1&limit=2&api_token="+canary, ""); err != nil {
		t.Fatal(err)
	}
	if f := ft.failures(); f != "" {
		t.Fatalf("failures before the end: %s", f)
	}
	ft.finish()
	if f := ft.failures(); !strings.Contains(f, "2 of the 3 recorded exchange(s)") || !strings.Contains(f, "the first unused one is POST /contacts") {
		t.Errorf("failures: %q", f)
	}
}

func TestReplayWithoutRecording(t *testing.T) {
	ft := &fakeT{name: "TestConformance/contacts/paging"}
	hc := replayClient(ft, RecordOptions{Dir: t.TempDir()})
	f := ft.failures()
	for _, want := range []string{"no recording for TestConformance/contacts/paging", "contacts__paging.json",
		"record it with: DESKBRIDGE_RECORD=1 go test ./conformance -run '^TestConformance$'"} {
		if !strings.Contains(f, want) {
			t.Errorf("failure does not say %q: %s", want, f)
		}
	}
	if _, err := sendRequest(hc, http.MethodGet, "http://vendor.test/contacts", ""); err == nil {
		t.Error("a request without a recording succeeded")
	}
	ft.finish()
}

// A call abandoned before it is sent is not an exchange: it gets its
// context's error and leaves the recorded sequence as it was.
func TestReplayIgnoresCancelledRequests(t *testing.T) {
	dir := t.TempDir()
	recordOnce(t, dir, "TestConformance/contacts/create")
	ft := &fakeT{name: "TestConformance/contacts/create"}
	hc := replayClient(ft, RecordOptions{Dir: dir, Secrets: []string{canary}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sendRequestContext(ctx, hc, http.MethodGet, "http://vendor.test/anything", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: got %v, want context.Canceled", err)
	}
	exercise(t, hc, "http://vendor.test")
	ft.finish()
	if f := ft.failures(); f != "" {
		t.Errorf("failures: %s", f)
	}
	if n, ok := requestsSent(ft); ok {
		t.Errorf("the request counter outlived the test (%d)", n)
	}
}

func TestRequestsAreCounted(t *testing.T) {
	dir := t.TempDir()
	srv, _ := upstream(t)
	ft := &fakeT{name: "TestConformance/contacts/create"}
	if _, ok := requestsSent(ft); ok {
		t.Fatal("a test without HTTPClient has a request count")
	}
	hc := recordClient(ft, RecordOptions{Dir: dir, Upstream: srv.Client().Transport})
	exercise(t, hc, srv.URL)
	if n, ok := requestsSent(ft); !ok || n != 3 {
		t.Errorf("requestsSent = %d, %v; want 3, true", n, ok)
	}
	ft.finish()
}

func TestBodyEncoding(t *testing.T) {
	for _, tc := range []struct{ in, recorded, back string }{
		{`{"b":1,"a":[1.50,"x<y"]}`, `{"a":[1.50,"x<y"],"b":1}`, `{"a":[1.50,"x<y"],"b":1}`},
		{"plain text", `"plain text"`, "plain text"},
		{`"a JSON string"`, `"\"a JSON string\""`, `"a JSON string"`},
		{`{"a":1} trailing`, `"{\"a\":1} trailing"`, `{"a":1} trailing`},
		{"", "", ""},
		{"null", "null", ""},
	} {
		got := encodeBody([]byte(tc.in))
		if string(got) != tc.recorded {
			t.Errorf("encodeBody(%q) = %s, want %s", tc.in, got, tc.recorded)
		}
		if back := decodeBody(got); string(back) != tc.back {
			t.Errorf("decodeBody(encodeBody(%q)) = %q, want %q", tc.in, back, tc.back)
		}
	}
}

func TestRecordingPath(t *testing.T) {
	for _, tc := range []struct{ dir, name, want string }{
		{"", "TestConformance/contacts/create", filepath.Join("testdata", "conformance", "contacts__create.json")},
		{"rec", "TestConformance/replay/contacts/paging", filepath.Join("rec", "replay__contacts__paging.json")},
		{"rec", "TestSolo", filepath.Join("rec", "TestSolo.json")},
		{"rec", "TestX/odd:name*?", filepath.Join("rec", "odd_name__.json")},
	} {
		if got := recordingPath(tc.dir, tc.name); got != tc.want {
			t.Errorf("recordingPath(%q, %q) = %q, want %q", tc.dir, tc.name, got, tc.want)
		}
	}
}

func TestSensitiveHeaders(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
		"X-Tidio-Openapi-Client-Secret": true, "X-Tidio-Openapi-Client-Id": true, "X-Api-Key": true,
		"X-Session-Token": true, "Accept": false, "Content-Type": false, "X-Ratelimit-Remaining": false,
		"Retry-After": false, "Keep-Alive": false,
	} {
		if got := sensitiveHeader(name); got != want {
			t.Errorf("sensitiveHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUnknownID(t *testing.T) {
	for _, tc := range []struct {
		id    string
		known []string
		want  string
	}{
		{"1", nil, "2"},
		{"ctc_9", nil, "ctc_0"},
		{"agt_1", []string{"agt_1", "agt_2", "agt_3"}, "agt_4"},
		{"3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f", nil, "3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6a"},
		{"ctc_B7OSYsnTUVwBPOGrgYTjvSGS", nil, "ctc_B7OSYsnTUVwBPOGrgYTjvSGT"},
		{"thd_z", nil, "thd_g"},
		{"__", nil, "__0"},
	} {
		if got := unknownID(tc.id, tc.known...); got != tc.want {
			t.Errorf("unknownID(%q, %q) = %q, want %q", tc.id, tc.known, got, tc.want)
		}
	}
}

// TestHTTPClient runs the exported entry point in the mode of the test run:
// it replays testdata/httpclient/scenario.json by default, and rewrites it
// in record mode (DESKBRIDGE_RECORD=1 go test ./conformance -run TestHTTPClient).
func TestHTTPClient(t *testing.T) {
	srv, hits := upstream(t)
	t.Run("scenario", func(t *testing.T) {
		hc := HTTPClient(t, RecordOptions{Dir: filepath.Join("testdata", "httpclient"), Upstream: srv.Client().Transport, Secrets: []string{canary}})
		got := exercise(t, hc, srv.URL)
		if got[0].Status != http.StatusOK || !strings.Contains(got[0].Body, srv.URL+"/contacts?cursor=10") {
			t.Errorf("GET /contacts: %+v", got[0])
		}
		if got[1].Status != http.StatusCreated || got[1].Location != srv.URL+"/contacts/2" {
			t.Errorf("POST /contacts: %+v", got[1])
		}
		if got[2].Body != "ok from "+srv.URL {
			t.Errorf("GET /health: %+v", got[2])
		}
	})
	if want := map[bool]int64{true: 3, false: 0}[Recording()]; hits.Load() != want {
		t.Errorf("the upstream got %d requests, want %d (recording: %v)", hits.Load(), want, Recording())
	}
}

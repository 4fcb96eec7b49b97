package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of injected fault.
type Kind string

// The fault kinds. "Processed" means the vendor handler ran, so the store
// may have changed.
const (
	// KindRateLimit answers 429, with a Retry-After header or none; not
	// processed.
	KindRateLimit Kind = "rate_limit"
	// KindUnavailable answers a 5xx status; not processed.
	KindUnavailable Kind = "unavailable"
	// KindResetBeforeProcessing closes the connection without a response;
	// not processed. The client sees a transport error.
	KindResetBeforeProcessing Kind = "reset_before_processing"
	// KindCommittedThenLost processes the request, then closes the
	// connection without a response: the change is stored but the client
	// sees a transport error (R1's "committed then lost").
	KindCommittedThenLost Kind = "committed_then_lost"
	// KindCommittedThen5xx processes the request, then answers a gateway
	// error (502 or 504) instead of the handler's response.
	KindCommittedThen5xx Kind = "committed_then_5xx"
	// KindSlow delays the response, before processing or (with
	// Fault.AfterCommit) after it.
	KindSlow Kind = "slow"
	// KindMalformed processes the request, then sends its status with the
	// body cut short, so that it is not valid JSON.
	KindMalformed Kind = "malformed"
	// KindMalformedPage processes a list request, then answers 200 with a
	// page that lost its item list, in the way Fault.Page says, or 204
	// (PageNoContent); see MalformedPage.
	KindMalformedPage Kind = "malformed_page"
	// KindCursorLoop answers a later page of a list with an earlier one, so
	// that its next cursor is one the client has followed already; see
	// CursorLoop.
	KindCursorLoop Kind = "cursor_loop"
	// KindCredentialEcho answers an error status whose message echoes the
	// request's credentials; not processed. See CredentialEcho.
	KindCredentialEcho Kind = "credential_echo"
)

// Fault is one injected failure. Build it with the constructors (RateLimit,
// Unavailable, ...) or as a literal.
type Fault struct {
	Kind Kind
	// Status is the status sent by KindRateLimit (default 429),
	// KindUnavailable (default 503) and KindCommittedThen5xx (default 502).
	Status int
	// RetryAfter is the Retry-After header value sent with a status, verbatim
	// ("" sends none), so tests can also send huge, negative, HTTP-date or
	// garbage values.
	RetryAfter string
	// Delay is how long KindSlow waits.
	Delay time.Duration
	// AfterCommit makes KindSlow run the handler first and delay the
	// response, so a client that times out leaves the change committed.
	AfterCommit bool
	// Page is how KindMalformedPage breaks the page.
	Page PageVariant
	// Cursor is the query parameter that carries a list's cursor, for
	// KindCursorLoop ("cursor"; respond.io's "cursorId").
	Cursor string
	// Echo names the request headers whose values KindCredentialEcho
	// echoes, separated by commas (default "Authorization"; the scheme of
	// an "Authorization: Bearer …" value is left out).
	Echo string
	// Offset is the byte offset in the echoed message at which the first
	// credential starts, for KindCredentialEcho (default 190, so that a
	// message clipped at 200 bytes cuts the credential in two).
	Offset int
	// Message is the error message the Respond hook should send in the
	// vendor's shape instead of its own, when not empty. Faults sets it for
	// KindCredentialEcho; a vendor's Respond hook that honours it serves
	// the echo in the vendor's error body.
	Message string
}

// RateLimit is a 429 before processing, with retryAfter as the Retry-After
// header ("" for none).
func RateLimit(retryAfter string) Fault {
	return Fault{Kind: KindRateLimit, Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Unavailable is a 5xx status before processing (0 means 503).
func Unavailable(status int) Fault {
	return Fault{Kind: KindUnavailable, Status: status}.withDefaults()
}

// ResetBeforeProcessing closes the connection before processing.
func ResetBeforeProcessing() Fault { return Fault{Kind: KindResetBeforeProcessing} }

// CommittedThenLost processes the request and then closes the connection
// without a response.
func CommittedThenLost() Fault { return Fault{Kind: KindCommittedThenLost} }

// CommittedThen5xx processes the request and then answers status, a gateway
// error (0 means 502).
func CommittedThen5xx(status int) Fault {
	return Fault{Kind: KindCommittedThen5xx, Status: status}.withDefaults()
}

// Slow waits d, then processes the request normally. If the client gives up
// during the wait, the request is not processed.
func Slow(d time.Duration) Fault { return Fault{Kind: KindSlow, Delay: d} }

// SlowAfterCommit processes the request, then waits d before responding. If
// the client gives up during the wait, the change stays committed.
func SlowAfterCommit(d time.Duration) Fault {
	return Fault{Kind: KindSlow, Delay: d, AfterCommit: true}
}

// Malformed processes the request and sends its response with a truncated,
// invalid JSON body.
func Malformed() Fault { return Fault{Kind: KindMalformed} }

func (f Fault) withDefaults() Fault {
	switch f.Kind {
	case KindRateLimit, KindUnavailable, KindResetBeforeProcessing, KindCommittedThenLost,
		KindCommittedThen5xx, KindSlow, KindMalformed:
	case KindMalformedPage:
		if !slices.Contains(PageVariants(), f.Page) {
			panic(fmt.Sprintf("sim: unknown page variant %q", f.Page))
		}
	case KindCursorLoop:
		if f.Cursor == "" {
			panic("sim: a cursor_loop fault needs the cursor's query parameter (Fault.Cursor)")
		}
	case KindCredentialEcho:
		if f.Echo == "" {
			f.Echo = "Authorization"
		}
		if f.Offset <= 0 {
			f.Offset = defaultEchoOffset
		}
	default:
		panic(fmt.Sprintf("sim: unknown fault kind %q", f.Kind))
	}
	if f.Status == 0 {
		switch f.Kind {
		case KindRateLimit:
			f.Status = http.StatusTooManyRequests
		case KindUnavailable:
			f.Status = http.StatusServiceUnavailable
		case KindCommittedThen5xx:
			f.Status = http.StatusBadGateway
		case KindCredentialEcho:
			f.Status = http.StatusUnauthorized
		}
	}
	return f
}

// String describes the fault, such as "rate_limit 429 Retry-After=30".
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.Kind))
	if f.Status != 0 {
		fmt.Fprintf(&b, " %d", f.Status)
	}
	if f.RetryAfter != "" {
		fmt.Fprintf(&b, " Retry-After=%s", f.RetryAfter)
	}
	if f.Delay != 0 {
		fmt.Fprintf(&b, " %s", f.Delay)
	}
	if f.AfterCommit {
		b.WriteString(" after-commit")
	}
	for _, v := range []string{string(f.Page), f.Cursor, f.Echo} {
		if v != "" {
			b.WriteString(" " + v)
		}
	}
	return b.String()
}

// Match selects requests: by method ("" for any) and by path prefix (""
// for any), compared with r.URL.Path as a plain string prefix, so
// "/contacts" also matches "/contacts/batch"; and, when Query is set, by a
// query parameter the request carries with a value: Query "cursor" selects
// the later pages of a list, whose requests carry the cursor, and leaves its
// first page alone.
type Match struct {
	Method string
	Path   string
	Query  string
}

func (m Match) matches(r *http.Request) bool {
	return m.matchesRoute(r) && (m.Query == "" || r.URL.Query().Get(m.Query) != "")
}

// matchesRoute matches by method and path only.
func (m Match) matchesRoute(r *http.Request) bool {
	return (m.Method == "" || strings.EqualFold(m.Method, r.Method)) &&
		strings.HasPrefix(r.URL.Path, m.Path)
}

// Faults injects failures into a simulator's requests, as middleware around
// its vendor handler (see Wrap and Stack). It is deterministic in two ways:
//
//   - Next scripts faults: the next n requests matching a Match get a given
//     fault, in arrival order.
//   - Chance gives requests matching a Match a seeded probability of a
//     fault. The draw for a request is a hash of Seed, the request (method,
//     path, query, body) and how many identical requests came before it, so
//     the same requests get the same faults in every run whatever order
//     concurrent requests arrive in, and a byte-identical retry gets a fresh
//     draw.
//
// Scripted faults come first; then the Chance rules matching the request,
// in the order they were added, share one draw (so their probabilities add
// up). Every injected fault is counted by kind (Counts).
//
// A connection reset is a transport error for the client, with one
// exception to know about: Go's http.Transport silently resends a request
// that fails this way on a reused keep-alive connection if the request is
// replayable (GET, HEAD, OPTIONS, or one with an Idempotency-Key header).
// The fault is counted, and the client sees the resent request's outcome.
// Non-replayable requests (POST, PATCH, ...) always see the error.
//
// Set the fields before serving; add and clear rules at any time. The zero
// Faults injects nothing. A Faults is safe for concurrent use.
type Faults struct {
	// Seed selects the Chance draws.
	Seed uint64
	// Respond writes the response of a fault that answers with a status
	// (KindRateLimit, KindUnavailable, KindCommittedThen5xx) in the vendor's
	// shape: it must write the status f.Status. A Retry-After header, when
	// the fault has one, is already set. Nil writes a small JSON body.
	Respond func(w http.ResponseWriter, r *http.Request, f Fault)
	// Sleep waits for KindSlow. Nil waits on a timer and gives up when the
	// request's context is done; Clock.Sleep of a manual clock waits no real
	// time at all.
	Sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	script   []*scripted
	chances  []chance
	seen     map[uint64]uint64
	counts   map[Kind]int
	listings map[string]*listing // cursors followed, for KindCursorLoop
}

type scripted struct {
	match Match
	left  int
	fault Fault
}

type chance struct {
	match Match
	p     float64
	fault Fault
}

// maxReadAhead bounds how much of a request body Faults reads ahead of the
// handler (to hash it, or before a Slow delay).
const maxReadAhead = 1 << 20

// Next gives fault to the next n requests matching m. It panics if the
// fault's Kind is not one of the Kind constants.
func (f *Faults) Next(n int, m Match, fault Fault) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, &scripted{match: m, left: n, fault: fault.withDefaults()})
}

// Chance gives each request matching m the probability p of fault. It panics
// if the fault's Kind is not one of the Kind constants.
func (f *Faults) Chance(p float64, m Match, fault Fault) {
	if p <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chances = append(f.chances, chance{match: m, p: p, fault: fault.withDefaults()})
}

// Clear removes every rule, scripted or by chance. Counts are kept.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script, f.chances = nil, nil
}

// Pending returns how many scripted faults are still to be injected.
func (f *Faults) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.script {
		n += s.left
	}
	return n
}

// Counts returns how many faults of each kind were injected so far.
func (f *Faults) Counts() map[Kind]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[Kind]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Injected returns how many faults were injected so far, of all kinds.
func (f *Faults) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.counts {
		n += v
	}
	return n
}

// Wrap returns next with faults injected. A nil *Faults returns next.
//
// The connection-closing faults hijack the connection (HTTP/1.1, as
// httptest servers speak, or the in-process Transport); where that is not
// possible they abort the handler, which closes the connection too.
func (f *Faults) Wrap(next http.Handler) http.Handler {
	if f == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.follow(r)
		fault, ok := f.pick(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		f.inject(w, r, next, fault)
	})
}

func (f *Faults) inject(w http.ResponseWriter, r *http.Request, next http.Handler, fault Fault) {
	switch fault.Kind {
	case KindRateLimit, KindUnavailable:
		f.respond(w, r, fault)
	case KindResetBeforeProcessing:
		hangUp(w)
	case KindCommittedThenLost:
		run(next, r)
		hangUp(w)
	case KindCommittedThen5xx:
		run(next, r)
		f.respond(w, r, fault)
	case KindSlow:
		if !fault.AfterCommit {
			// A server notices that the client hung up (and cancels the
			// request's context) only once it has read the whole body.
			readAhead(r)
			f.sleep(r, fault.Delay)
			next.ServeHTTP(w, r)
			return
		}
		b := run(next, r)
		f.sleep(r, fault.Delay)
		b.copyTo(w, 0, nil)
	case KindMalformed:
		b := run(next, r)
		status := b.finalStatus()
		if !bodyAllowed(status) {
			// A 204 cannot carry the garbage; a broken proxy would send it
			// with a 200.
			status = http.StatusOK
		}
		b.copyTo(w, status, truncateJSON(b.body.Bytes()))
	case KindMalformedPage:
		b := run(next, r)
		if status := b.finalStatus(); status < 200 || status > 299 {
			b.copyTo(w, 0, nil) // an error page has no list to lose
			return
		}
		status, body := brokenPage(b.body.Bytes(), fault.Page)
		b.copyTo(w, status, body)
	case KindCursorLoop:
		next.ServeHTTP(w, f.loopBack(r, fault.Cursor))
	case KindCredentialEcho:
		fault.Message = echoMessage(r, fault)
		f.respond(w, r, fault)
	default:
		panic(fmt.Sprintf("sim: unknown fault kind %q", fault.Kind))
	}
}

// pick chooses the fault for r, if any, and counts it.
func (f *Faults) pick(r *http.Request) (Fault, bool) {
	f.mu.Lock()
	for i, s := range f.script {
		if s.match.matches(r) && f.appliesLocked(s.fault, r) {
			if s.left--; s.left == 0 {
				f.script = slices.Delete(f.script, i, i+1)
			}
			f.countLocked(s.fault)
			f.mu.Unlock()
			return s.fault, true
		}
	}
	var rules []chance
	for _, c := range f.chances {
		if c.match.matches(r) && f.appliesLocked(c.fault, r) {
			rules = append(rules, c)
		}
	}
	f.mu.Unlock()
	if len(rules) == 0 {
		return Fault{}, false
	}

	u := f.draw(r)
	for _, c := range rules {
		if u -= c.p; u < 0 {
			f.mu.Lock()
			f.countLocked(c.fault)
			f.mu.Unlock()
			return c.fault, true
		}
	}
	return Fault{}, false
}

func (f *Faults) countLocked(fault Fault) {
	if f.counts == nil {
		f.counts = map[Kind]int{}
	}
	f.counts[fault.Kind]++
}

// draw returns a number in [0, 1) that depends only on Seed, the request's
// content, and how many identical requests were drawn for before.
func (f *Faults) draw(r *http.Request) float64 {
	h := fnv.New64a()
	io.WriteString(h, r.Method)
	h.Write([]byte{0})
	io.WriteString(h, r.URL.RequestURI())
	h.Write([]byte{0})
	h.Write(readAhead(r))
	key := h.Sum64()

	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[uint64]uint64{}
	}
	n := f.seen[key]
	f.seen[key] = n + 1
	f.mu.Unlock()

	x := mix64(mix64(key^f.Seed) + (n+1)*0x9e3779b97f4a7c15)
	return float64(x>>11) / (1 << 53)
}

// readAhead reads the start of r's body (all of it, up to maxReadAhead) and
// puts it back in front of the rest for the handler.
func readAhead(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(r.Body, maxReadAhead))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	return head
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (f *Faults) respond(w http.ResponseWriter, r *http.Request, fault Fault) {
	if fault.RetryAfter != "" {
		w.Header().Set("Retry-After", fault.RetryAfter)
	}
	if f.Respond != nil {
		f.Respond(w, r, fault)
		return
	}
	body := map[string]string{
		"error": http.StatusText(fault.Status),
		"fault": string(fault.Kind),
	}
	if fault.Message != "" {
		body["message"] = fault.Message
	}
	WriteJSON(w, fault.Status, body)
}

// sleep waits for a Slow fault; if the client gives up meanwhile, the
// handler is abandoned without a response.
func (f *Faults) sleep(r *http.Request, d time.Duration) {
	wait := f.Sleep
	if wait == nil {
		wait = sleepContext
	}
	if err := wait(r.Context(), d); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// run runs next against a buffer, so the handler commits its change while
// the fault decides what the client sees.
func run(next http.Handler, r *http.Request) *bufferWriter {
	b := newBufferWriter(r)
	next.ServeHTTP(b, r)
	return b
}

// hangUp closes the client's connection without a response: a TCP reset
// where the connection allows it, so the client sees "connection reset".
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler also ends the
		// exchange without a response.
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if t, ok := raw.(interface{ NetConn() net.Conn }); ok {
		raw = t.NetConn() // under TLS: reset the TCP connection itself
	}
	if l, ok := raw.(interface{ SetLinger(sec int) error }); ok {
		l.SetLinger(0)
	}
	raw.Close()
}

// truncateJSON returns body cut in half, made certainly invalid as JSON.
func truncateJSON(body []byte) []byte {
	cut := slices.Clone(body[:len(body)/2])
	if len(cut) == 0 || json.Valid(cut) {
		cut = append([]byte(`{"`), cut...)
	}
	if json.Valid(cut) {
		return []byte(`{"malformed`)
	}
	return cut
}

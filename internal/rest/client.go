package rest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/internal/version"
	"github.com/deskbridge/deskbridge/support"
)

// ErrBodyTooLarge is the cause (Error.Err) of a call whose response body
// exceeded Config.MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// ErrRedirectRefused is the cause of a call whose response redirected to
// another host (or port), from https to http, or more than 10 times.
var ErrRedirectRefused = errors.New("redirect refused")

// maxRedirects is how many same-host redirects are followed.
const maxRedirects = 10

// Request is one logical call; Do may send it several times.
type Request struct {
	// Op is the neutral operation, for errors and logs.
	Op support.Operation
	// Method is the HTTP method; "" is GET.
	Method string
	// Path is built with Segments and appended to the base URL.
	Path Path
	// Query is encoded into the URL.
	Query url.Values
	// Body is JSON-encoded once, before the first attempt, so that every
	// retry sends byte-identical bytes; nil sends no body. Pre-encoded JSON
	// goes in as a json.RawMessage (a []byte would be sent as base64). GET,
	// HEAD and OPTIONS requests cannot carry a body.
	Body any
	// Idempotency decides what may be retried after an ambiguous failure.
	Idempotency Idempotency
	// Bucket is the rate-limit bucket; "" is the whole account.
	Bucket string
	// Header holds extra request headers, set over the client's (Send's
	// passthrough: never credentials, which Send refuses).
	Header http.Header
	// RawBody is sent as it is, instead of Body (Send's passthrough).
	RawBody []byte
}

// Response is the vendor's answer to the last attempt.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response header.
	Header http.Header
	// Body is the response body, read through the size limit.
	Body []byte
}

// Client sends requests to one vendor. It is safe for concurrent use.
type Client struct {
	vendor string
	base   string
	rc     *resty.Client
	// hdr holds the request headers, credentials included. It sits behind a
	// pointer so that nothing that formats a Client by reflection (fmt's
	// bad-verb path walks unexported fields without calling Format) can
	// print a credential: a nested pointer prints as an address.
	hdr     *headers
	log     *slog.Logger
	red     *redactor // a pointer, like hdr: fmt prints an address
	limiter support.RateLimiter
	account string
	limit   rate.Limit
	burst   int
	budget  *budget
	rand    func() float64

	maxBody      int64
	maxAttempts  int
	maxWait      time.Duration
	baseDelay    time.Duration
	maxDelay     time.Duration
	maxCallTime  time.Duration // <= 0: no limit
	rateWindow   time.Duration
	remaining    string
	limitHeader  string
	decodeError  func(int, http.Header, []byte) ErrorInfo
	notProcessed func(int, http.Header, []byte) bool
}

// headers are shared by all requests and never written after New; json
// adds Content-Type for requests with a body.
type headers struct{ plain, json http.Header }

// New returns a Client for cfg. It fails with support.ErrInvalid when the
// base URL does not parse, is not absolute, carries user info, a query or a
// fragment, or is not https (http is allowed to loopback hosts only). The
// error never contains the URL or a secret.
func New(cfg Config) (*Client, error) {
	red := newRedactor(cfg.Secrets, cfg.Header)
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, &support.Error{Vendor: cfg.Vendor, Kind: support.ErrInvalid, Message: red.String(err.Error())}
	}
	if msg := checkNumbers(cfg); msg != "" {
		return nil, &support.Error{Vendor: cfg.Vendor, Kind: support.ErrInvalid, Message: msg}
	}

	hc := &http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient // the redirect policy goes on our copy, never on the caller's client
		hc = &cp
	}
	if hc.Transport == nil {
		// resty would otherwise build a transport of its own per client.
		hc.Transport = http.DefaultTransport
	}
	rc := resty.NewWithClient(hc)
	rc.SetLogger(silentLogger{})
	rc.SetRedirectPolicy(resty.RedirectPolicyFunc(checkRedirect))
	// The body is read here, through the size cap; resty would buffer it all.
	rc.SetDoNotParseResponse(true)
	// The headers are built once, here, and handed to every request as they
	// are (resty clones them into the http.Request and writes only missing
	// User-Agent / Content-Type / Accept, which are all present), instead of
	// resty copying client headers into each request key by key.
	hdr := cfg.Header.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if hdr.Get("Accept") == "" {
		hdr.Set("Accept", "application/json")
	}
	if hdr.Get("User-Agent") == "" {
		hdr.Set("User-Agent", version.UserAgent())
	}
	jsonHdr := hdr.Clone()
	jsonHdr.Set("Content-Type", "application/json")

	c := &Client{
		vendor:       cfg.Vendor,
		hdr:          &headers{plain: hdr, json: jsonHdr},
		base:         base,
		rc:           rc,
		log:          cfg.Logger,
		red:          red,
		rand:         cfg.Rand,
		maxBody:      or(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		maxAttempts:  or(cfg.MaxAttempts, DefaultMaxAttempts),
		maxWait:      or(cfg.MaxWait, DefaultMaxWait),
		baseDelay:    or(cfg.BaseDelay, DefaultBaseDelay),
		maxDelay:     or(cfg.MaxDelay, DefaultMaxDelay),
		maxCallTime:  cmp.Or(cfg.MaxCallTime, DefaultMaxCallTime), // negative stays: no limit
		rateWindow:   or(cfg.RateWindow, DefaultRateWindow),
		remaining:    cfg.RemainingHeader,
		decodeError:  cfg.DecodeError,
		notProcessed: cfg.NotProcessed,
		limiter:      cfg.RateLimiter,
		account:      cfg.Account,
		limit:        cfg.RateLimit,
		burst:        or(cfg.Burst, 1),
		limitHeader:  cfg.LimitHeader,
		budget:       newBudget(cmp.Or(cfg.RetryBudget, DefaultRetryBudget)), // negative stays: no retries
	}
	if c.limiter == nil {
		c.limiter = &LocalLimiter{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	return c, nil
}

// or returns v, or def when v is zero or negative.
func or[T int | int64 | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// checkNumbers says what is wrong with the numbers of cfg that New would
// otherwise replace by its defaults without a word (a negative count or
// duration: or keeps only positive values) or could not use (NaN, an
// infinite retry budget); "" when nothing is. Its messages name the field
// as "Config.X": the adapters pass their Config's fields of these names
// through as they are, so a message names what the caller set.
func checkNumbers(cfg Config) string {
	for _, f := range []struct {
		name     string
		negative bool
	}{
		{"MaxBodyBytes", cfg.MaxBodyBytes < 0},
		{"MaxAttempts", cfg.MaxAttempts < 0},
		{"MaxWait", cfg.MaxWait < 0},
		{"BaseDelay", cfg.BaseDelay < 0},
		{"MaxDelay", cfg.MaxDelay < 0},
		{"Burst", cfg.Burst < 0},
		{"RateWindow", cfg.RateWindow < 0},
	} {
		if f.negative {
			return "Config." + f.name + " is negative"
		}
	}
	switch {
	case math.IsNaN(float64(cfg.RateLimit)):
		return "Config.RateLimit is not a number"
	case math.IsNaN(cfg.RetryBudget):
		return "Config.RetryBudget is not a number"
	case math.IsInf(cfg.RetryBudget, 1):
		return "Config.RetryBudget is infinite"
	}
	return ""
}

// checkBaseURL validates raw (S2) and returns it without trailing slashes.
// Its errors never quote raw, which may hold a credential.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("rest: base URL does not parse")
	}
	if u.Scheme == "" || u.Host == "" {
		return "", errors.New("rest: base URL must be absolute (scheme and host)")
	}
	if u.User != nil {
		return "", errors.New("rest: base URL must not carry user info; put credentials in Header")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errors.New("rest: base URL must not have a query or fragment")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", errors.New("rest: base URL must use https (http is allowed to loopback hosts only)")
		}
	default:
		return "", fmt.Errorf("rest: base URL scheme %q is not https", u.Scheme)
	}
	return strings.TrimRight(raw, "/"), nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address
// (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRedirect follows a redirect only to the same scheme-compatible
// host:port; net/http would forward custom auth headers (X-Api-Key, ...) to
// any host, so anything else is refused before it is sent.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirectRefused, maxRedirects)
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) {
		return fmt.Errorf("%w: to another host", ErrRedirectRefused)
	}
	if strings.EqualFold(first.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return fmt.Errorf("%w: from https to http", ErrRedirectRefused)
	}
	return nil
}

// BaseURL returns the base URL, without trailing slashes.
func (c *Client) BaseURL() string { return c.base }

// String shows the vendor and base URL only. The formatting methods have
// value receivers so that a dereferenced Client prints safely too.
func (c Client) String() string {
	return fmt.Sprintf("rest.Client{Vendor: %q, BaseURL: %q}", c.vendor, c.base)
}

// Format writes String for every verb, so that no verb walks the fields.
func (c Client) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs the vendor and base URL only.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vendor", c.vendor), slog.String("base_url", c.base))
}

// Do sends req, retrying as the package documentation describes, and on a
// 2xx response decodes the JSON body into out (when out is not nil and the
// body is not empty). Any failure is a *support.Error. The Response is the
// last one received, also on failure, or nil when none was.
func (c *Client) Do(ctx context.Context, req Request, out any) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if req.Path.empty {
		return nil, c.fail(req, &support.Error{Kind: support.ErrInvalid, Message: "empty path segment (an empty identifier)"})
	}
	var body []byte
	if req.Body != nil || req.RawBody != nil {
		if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
			// resty would drop it silently.
			return nil, c.fail(req, &support.Error{Kind: support.ErrInvalid, Message: "a " + method + " request cannot carry a body"})
		}
		body = req.RawBody
		if req.Body != nil {
			b, err := json.Marshal(req.Body)
			if err != nil {
				return nil, c.fail(req, &support.Error{Kind: support.ErrInvalid, Message: "encoding request body", Err: err})
			}
			body = b
		}
	}
	target := c.base + req.Path.escaped
	if len(req.Query) > 0 {
		target += "?" + req.Query.Encode()
	}
	idem := req.Idempotency.idempotent(method)
	rb := support.RateBucket{Vendor: c.vendor, Account: c.account, Name: req.Bucket, Limit: c.limit, Burst: c.burst}
	parent := ctx
	lim := limit{start: time.Now(), max: c.maxCallTime}
	if lim.max > 0 {
		lim.deadline = lim.start.Add(lim.max)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, lim.deadline)
		defer cancel()
	}
	announce := func(d time.Duration, reason string) { c.logWait(ctx, req, d, reason) }

	for attempt := 1; ; attempt++ {
		if err := c.waitSlot(ctx, rb, lim.deadline, announce); err != nil {
			if lw := (*errLimiterWait)(nil); errors.As(err, &lw) {
				return nil, c.fail(req, &support.Error{Kind: support.ErrRateLimited, RetryAfter: lw.wait, Err: err})
			}
			if le := (*errLimiter)(nil); errors.As(err, &le) {
				// Nothing was sent: the shared pacing is out of reach.
				return nil, c.fail(req, &support.Error{Kind: support.ErrUnavailable, Message: "not sent", Err: err})
			}
			return nil, c.fail(req, lim.ctxError(parent, attempt-1, false))
		}

		start := time.Now()
		support.CountRequest(ctx, method, attempt)
		res, wrote, err := c.send(ctx, method, target, body, req.Header, !idem)
		ra, raOK := time.Duration(0), false
		if res != nil {
			ra, raOK = ParseRetryAfter(res.Header.Get("Retry-After"), time.Now())
			c.observe(ctx, rb, res, ra, raOK)
		}
		c.logAttempt(ctx, req, method, res, attempt, time.Since(start), err)

		if err == nil && res.Status >= 200 && res.Status <= 299 {
			c.budget.refund()
			if out != nil && len(res.Body) > 0 {
				if jerr := json.Unmarshal(res.Body, out); jerr != nil {
					e := &support.Error{Status: res.Status, Message: "malformed JSON in response", Err: c.red.error(jerr)}
					if idem {
						e.Kind = support.ErrUnavailable // asking again is safe: a list stops, to be tried again
					} else {
						e.OutcomeUnknown = true // it took effect, but its result is lost
					}
					return res, c.fail(req, e)
				}
			}
			return res, nil
		}

		var e *support.Error
		retry := false
		switch {
		case err != nil && ctx.Err() != nil:
			return res, c.fail(req, lim.ctxError(parent, attempt, wrote && !idem))
		case errors.Is(err, ErrBodyTooLarge):
			return res, c.fail(req, &support.Error{Status: res.Status, Err: c.red.error(err), OutcomeUnknown: !idem})
		case err != nil:
			status := 0
			if res != nil {
				status = res.Status
			}
			e = &support.Error{Kind: support.ErrUnavailable, Status: status, Err: c.red.error(err)}
			switch {
			case errors.Is(err, ErrRedirectRefused):
				e.Kind = nil
			case isPermanentTransportError(err):
			case !wrote || idem:
				retry = true
			default:
				// Written, not idempotent: it may have taken effect.
				e.OutcomeUnknown = true
			}
		default:
			e = c.statusError(res, ra, raOK)
			switch {
			case res.Status == http.StatusRequestTimeout, res.Status == http.StatusTooManyRequests:
				retry = true
			case res.Status >= 500:
				if idem || (c.notProcessed != nil && c.notProcessed(res.Status, res.Header, res.Body)) {
					retry = true
				} else {
					e.OutcomeUnknown = true
				}
			}
		}

		if !retry || attempt >= c.maxAttempts {
			return res, c.fail(req, e)
		}
		wait := c.maxWait
		if raOK {
			wait = min(ra, wait)
		} else {
			wait = min(c.backoff(attempt-1), wait)
		}
		if lim.passes(wait) {
			e.Message = strings.TrimPrefix(e.Message+"; "+lim.notRetried(wait, attempt), "; ")
			return res, c.fail(req, e)
		}
		if !c.budget.spend() {
			return res, c.fail(req, e)
		}
		c.logRetry(ctx, req, method, attempt, wait, c.fail(req, e))
		if err := sleep(ctx, wait); err != nil {
			return res, c.fail(req, lim.ctxError(parent, attempt, false))
		}
	}
}

// limit is the time limit of one call.
type limit struct {
	start    time.Time
	max      time.Duration // <= 0: none
	deadline time.Time     // start+max; zero when there is no limit
}

// passes reports whether a wait of d from now would end past the limit.
func (l limit) passes(d time.Duration) bool {
	return !l.deadline.IsZero() && time.Now().Add(d).After(l.deadline)
}

// ctxError is the error of a call whose context ended after attempts
// attempts: when the caller's own context (parent) did, its error, of no
// kind; else the call's time limit passed, an ErrUnavailable that matches
// context.DeadlineExceeded and names the time spent and the attempts.
func (l limit) ctxError(parent context.Context, attempts int, unknown bool) *support.Error {
	if err := parent.Err(); err != nil {
		return &support.Error{Err: err, OutcomeUnknown: unknown}
	}
	return &support.Error{
		Kind:    support.ErrUnavailable,
		Message: fmt.Sprintf("no answer within the call's time limit of %s (%s)", l.max, l.spent(attempts)),
		Err:     context.DeadlineExceeded, OutcomeUnknown: unknown,
	}
}

// notRetried explains a retry left out because its wait would pass the
// limit.
func (l limit) notRetried(wait time.Duration, attempts int) string {
	return fmt.Sprintf("not retried: waiting %s more would pass the call's time limit of %s (%s)", wait, l.max, l.spent(attempts))
}

// spent says what the call has spent: "2 attempts in 1m1.5s".
func (l limit) spent(attempts int) string {
	unit := "attempts"
	if attempts == 1 {
		unit = "attempt"
	}
	return fmt.Sprintf("%d %s in %s", attempts, unit, time.Since(l.start).Round(time.Millisecond))
}

// fail fills in the vendor and operation of e.
func (c *Client) fail(req Request, e *support.Error) *support.Error {
	e.Vendor = c.vendor
	e.Op = req.Op
	return e
}

// isPermanentTransportError reports transport failures that a retry cannot
// fix: the vendor's certificate does not verify.
func isPermanentTransportError(err error) bool {
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}

// statusError builds the error for a non-2xx response.
func (c *Client) statusError(res *Response, ra time.Duration, raOK bool) *support.Error {
	var info ErrorInfo
	if c.decodeError != nil {
		// Redacted before the hook clips the vendor's message, so that a cut
		// cannot leave part of a secret; its result is redacted again for
		// forms the raw body hides (JSON escapes).
		info = c.decodeError(res.Status, c.red.header(res.Header), c.red.bytes(res.Body))
	}
	e := &support.Error{
		Status:  res.Status,
		Code:    c.red.String(info.Code),
		Message: c.red.String(info.Message),
		Kind:    info.Kind,
	}
	if e.Message == "" {
		e.Message = http.StatusText(res.Status)
	}
	if e.Kind == nil {
		e.Kind = kindForStatus(res.Status)
	}
	if raOK {
		e.RetryAfter = ra
	}
	return e
}

// backoff is the full-jitter wait before retry n (from 0):
// rand[0, min(maxDelay, baseDelay*2^n)).
func (c *Client) backoff(n int) time.Duration {
	ceil := c.maxDelay
	if n < 63 && c.baseDelay <= c.maxDelay>>n { // so baseDelay<<n cannot overflow
		ceil = c.baseDelay << n
	}
	return time.Duration(c.rand() * float64(ceil))
}

// observe tells the limiter what the vendor said: the pause when it is out
// of requests (a 429, or the remaining header at 0), Retry-After when
// given, else RateWindow, and never longer than MaxWait; and its remaining
// and limit headers. A limiter that cannot take the news (a shared store
// out of reach) is logged: the request itself went through.
func (c *Client) observe(ctx context.Context, rb support.RateBucket, res *Response, ra time.Duration, raOK bool) {
	o := support.RateObservation{Status: res.Status, Remaining: -1, Limit: -1}
	if c.remaining != "" {
		if n, ok := parseRemaining(res.Header.Get(c.remaining)); ok {
			o.Remaining = int(min(n, 1<<31-1))
		}
	}
	if c.limitHeader != "" {
		if n, ok := parseRemaining(res.Header.Get(c.limitHeader)); ok {
			o.Limit = int(min(n, 1<<31-1))
		}
	}
	if res.Status == http.StatusTooManyRequests || o.Remaining == 0 {
		d := c.rateWindow
		if raOK {
			d = ra
		}
		o.Pause = min(d, c.maxWait)
	}
	if o.Pause == 0 && o.Remaining < 0 && o.Limit < 0 {
		return
	}
	if err := c.limiter.Observe(context.WithoutCancel(ctx), rb, o); err != nil && c.log != nil {
		c.log.WarnContext(ctx, "rest: the rate limiter did not take the vendor's answer", "vendor", c.vendor, "error", err)
	}
}

// send makes one attempt. wrote reports whether any of the request may have
// reached the wire (headers or body written, even partially), which is what
// decides whether a non-idempotent request can be resent after an error;
// only those are traced, since the answer changes nothing for the others.
// Transport errors are returned without the *url.Error wrapper, whose text
// holds the full URL.
func (c *Client) send(ctx context.Context, method, target string, body []byte, extra http.Header, traced bool) (res *Response, wrote bool, err error) {
	var written atomic.Bool // trace hooks may run on the transport's writer goroutine
	if traced {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteHeaders: func() { written.Store(true) },
			WroteRequest: func(httptrace.WroteRequestInfo) { written.Store(true) },
		})
	} else {
		written.Store(true) // untraced (idempotent): assume the worst, it is retried anyway
	}
	r := c.rc.R().SetContext(ctx)
	r.Header = c.hdr.plain
	if body != nil {
		r.Header = c.hdr.json
		r.SetBody(bytes.NewReader(body)) // *bytes.Reader: net/http sets GetBody and Content-Length
	}
	if len(extra) > 0 {
		h := r.Header.Clone()
		for k, vs := range extra {
			h[http.CanonicalHeaderKey(k)] = vs
		}
		r.Header = h
	}
	rr, err := r.Execute(method, target)
	var raw *http.Response
	if rr != nil {
		raw = rr.RawResponse
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if raw != nil {
			// A refused redirect: net/http has closed this body already.
			res = &Response{Status: raw.StatusCode, Header: raw.Header}
		}
		return res, written.Load(), err
	}
	defer raw.Body.Close()
	res = &Response{Status: raw.StatusCode, Header: raw.Header}
	res.Body, err = readBody(raw, c.maxBody)
	if errors.Is(err, ErrBodyTooLarge) && (res.Status < 200 || res.Status > 299) {
		// An error body is only read for its message; a cut one will do.
		err = nil
	}
	return res, true, err
}

// readBody reads at most limit bytes of the body. A longer body fails with
// ErrBodyTooLarge (and, when read, its first limit bytes) without reading
// the rest, so an endless body costs about twice limit bytes of memory.
func readBody(raw *http.Response, limit int64) ([]byte, error) {
	if raw.Body == http.NoBody {
		return nil, nil // HEAD, 204, 304: Content-Length may be set, yet no body follows
	}
	if cl := raw.ContentLength; cl > limit {
		// Not read at all: too large to be a result, too large for a message.
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrBodyTooLarge, cl, limit)
	} else if cl >= 0 {
		// Known length: one exact allocation; net/http reports a short body.
		b := make([]byte, cl)
		_, err := io.ReadFull(raw.Body, b)
		return b, err
	}
	return readCapped(raw.Body, limit)
}

// readCapped reads r to EOF or to limit+1 bytes, whichever comes first, into
// chunks of doubling size that are never copied while reading, then joins
// them once: about twice the body allocated in all (growing one slice would
// allocate three to five times it), and about the limit for a body over it.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	var chunks [][]byte
	var total int64
	for size := int64(512); ; size *= 2 {
		buf := make([]byte, min(size, limit+1-total))
		n, err := fill(r, buf)
		total += int64(n)
		chunks = append(chunks, buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return slices.Concat(chunks...), err
		}
		if total > limit {
			// Keep a prefix for an error message; joining it all would
			// double the memory for bytes nobody reads.
			b := slices.Concat(chunks[:min(len(chunks), 8)]...) // 128 KiB at most
			return b[:min(int64(len(b)), limit)], fmt.Errorf("%w (more than %d bytes)", ErrBodyTooLarge, limit)
		}
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return slices.Concat(chunks...), nil
}

// fill reads into buf until it is full or r fails; unlike io.ReadFull it
// keeps io.EOF (the end) apart from a reader's own io.ErrUnexpectedEOF (a
// truncated body).
func fill(r io.Reader, buf []byte) (n int, err error) {
	for n < len(buf) && err == nil {
		var m int
		m, err = r.Read(buf[n:])
		n += m
	}
	if n == len(buf) && err == io.EOF {
		err = nil // the next read reports the end again
	}
	return n, err
}

// logAttempt writes the Debug record of one attempt: never headers, bodies
// or the query, and the path redacted.
func (c *Client) logAttempt(ctx context.Context, req Request, method string, res *Response, attempt int, d time.Duration, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	status := 0
	if res != nil {
		status = res.Status
	}
	attrs := []slog.Attr{
		slog.String("vendor", c.vendor),
		slog.String("op", string(req.Op)),
		slog.String("method", method),
		slog.String("path", c.red.String(req.Path.escaped)),
		slog.Int("status", status),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.red.String(err.Error())))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "rest: attempt", attrs...)
}

// logRetry writes the Warn record of a retry about to wait.
func (c *Client) logRetry(ctx context.Context, req Request, method string, attempt int, wait time.Duration, reason error) {
	if !c.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "rest: retrying",
		slog.String("vendor", c.vendor),
		slog.String("op", string(req.Op)),
		slog.String("method", method),
		slog.String("path", c.red.String(req.Path.escaped)),
		slog.Int("attempt", attempt),
		slog.Duration("wait", wait),
		slog.String("reason", c.red.String(reason.Error())),
	)
}

// logWait writes the Info record of a wait of more than waitNotice before
// an attempt is sent.
func (c *Client) logWait(ctx context.Context, req Request, d time.Duration, reason string) {
	if d <= waitNotice || !c.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "rest: waiting",
		slog.String("vendor", c.vendor),
		slog.String("op", string(req.Op)),
		slog.String("bucket", req.Bucket),
		slog.Duration("wait", d),
		slog.String("reason", reason),
	)
}

// waitNotice is the shortest wait before sending that logWait reports.
const waitNotice = time.Second

// silentLogger keeps resty quiet: its log lines would carry URLs and errors
// past the redactor.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}

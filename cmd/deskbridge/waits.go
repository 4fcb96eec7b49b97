package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// waits shows, while a command runs, what the adapters are waiting for:
// internal/rest logs a record when a call retries ("rest: retrying", Warn)
// and when it waits before sending ("rest: waiting", Info: a rate limit, a
// paused bucket, a Retry-After). The CLI gives the adapters a logger whose
// handler turns each of those records into one short line for the
// display, so that a slow or unreachable vendor is a message as it
// happens, not a blank screen:
//
//	tidio: retrying GET /contacts in 2s (attempt 2 of 4): connection refused
//	respondio: waiting 1.5s (contacts.create_batch: rate limit)
type waits struct {
	mu   sync.Mutex
	show func(string) // the current display's, or nil
	// retries counts the retry records, for the progress display.
	retries atomic.Int64
}

// logger returns the logger to give the adapters.
func (w *waits) logger() *slog.Logger { return slog.New(&waitHandler{w: w}) }

// accountKey is the attribute of a logger for one account (loggerFor):
// its lines name the account instead of its vendor.
const accountKey = "deskbridge_account"

// loggerFor returns the logger to give an account's adapter: its lines
// name the account ("tidio-2 (Tidio): retrying ..."), which tells apart two
// accounts of one vendor.
func (w *waits) loggerFor(account string) *slog.Logger {
	return w.logger().With(accountKey, account)
}

// to makes show receive the notes until the returned func is called,
// which gives them back to the display that had them before.
func (w *waits) to(show func(string)) (restore func()) {
	w.mu.Lock()
	prev := w.show
	w.show = show
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		w.show = prev
		w.mu.Unlock()
	}
}

func (w *waits) note(s string) {
	w.mu.Lock()
	show := w.show
	w.mu.Unlock()
	if show != nil {
		show(s)
	}
}

// noteLine shows a note as a line of its own on stderr: while a command
// has no progress display (checking the accounts, verifying).
func (a *app) noteLine(s string) {
	a.noteMu.Lock()
	defer a.noteMu.Unlock()
	fmt.Fprintln(a.stderr, s)
}

// waitHandler is the slog.Handler behind waits.logger.
type waitHandler struct {
	w     *waits
	attrs []slog.Attr
}

func (h *waitHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *waitHandler) Handle(_ context.Context, r slog.Record) error {
	if s := h.sharedLimitNote(r); s != "" {
		h.w.note(s)
		return nil
	}
	if r.Message != "rest: retrying" && r.Message != "rest: waiting" {
		return nil
	}
	var account, vendor, op, method, path, reason string
	var attempt, maxAttempts int64
	var wait time.Duration
	read := func(a slog.Attr) bool {
		v := a.Value.Resolve()
		switch a.Key {
		case accountKey:
			account = v.String()
		case "vendor":
			vendor = v.String()
		case "op":
			op = v.String()
		case "method":
			method = v.String()
		case "path":
			path = v.String()
		case "reason":
			reason = v.String()
		case "attempt":
			attempt = intValue(v)
		case "max_attempts":
			maxAttempts = intValue(v)
		case "wait":
			if v.Kind() == slog.KindDuration {
				wait = v.Duration()
			}
		}
		return true
	}
	for _, a := range h.attrs {
		read(a)
	}
	r.Attrs(read)
	wait = wait.Round(100 * time.Millisecond)
	who := cmp.Or(account, vendor)
	var s string
	if r.Message == "rest: retrying" {
		h.w.retries.Add(1)
		what := strings.TrimSpace(method + " " + path)
		if what == "" {
			what = op
		}
		s = fmt.Sprintf("%s: retrying %s in %s", who, what, wait)
		if attempt > 0 {
			s += fmt.Sprintf(" (attempt %d", attempt+1) // the record's attempt is the one that failed
			if maxAttempts > 0 {
				s += fmt.Sprintf(" of %d", maxAttempts)
			}
			s += ")"
		}
		if cause := shortReason(reason, vendor, op); cause != "" {
			s += ": " + cause
		}
	} else {
		s = fmt.Sprintf("%s: waiting %s", who, wait)
		if op != "" {
			s += " (" + op
			if reason != "" {
				s += ": " + clip(strings.TrimSpace(reason), 60)
			}
			s += ")"
		}
	}
	h.w.note(s)
	return nil
}

// sharedLimitNote is the line for a record about the shared rate limit
// (--redis-url): its Redis going away and coming back (redislimit's Warn
// and Info records under --redis-local-share), or a pause the vendor asked
// for that could not be shared; "" for other records.
func (h *waitHandler) sharedLimitNote(r slog.Record) string {
	attrs := map[string]slog.Value{}
	for _, a := range h.attrs {
		attrs[a.Key] = a.Value.Resolve()
	}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Resolve()
		return true
	})
	str := func(k string) string {
		if v, ok := attrs[k]; ok {
			return v.String()
		}
		return ""
	}
	switch {
	case r.Message == "rest: the rate limiter did not take the vendor's answer":
		return fmt.Sprintf("%s: the vendor's pause could not be shared: %s", cmp.Or(str(accountKey), str("vendor")), clip(str("error"), 120))
	case !strings.HasPrefix(r.Message, "redislimit: "):
		return ""
	case r.Level >= slog.LevelWarn:
		return fmt.Sprintf("deskbridge: the shared rate limit's Redis at %s is unreachable; pacing each account in this process at %s of its limit until it answers (%s)",
			str("addr"), str("local_share"), clip(str("error"), 120))
	default:
		return fmt.Sprintf("deskbridge: the shared rate limit's Redis at %s answers again; the limits are shared again", str("addr"))
	}
}

// intValue reads an integer attribute however it was logged.
func intValue(v slog.Value) int64 {
	switch v.Kind() {
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return int64(v.Uint64())
	}
	return 0
}

// errorKinds are the texts of the support error kinds a retry gives as
// its reason's first part ("vendor unavailable"), which the line leaves
// out: the retry says as much.
var errorKinds = []string{"vendor unavailable", "rate limited", "outcome unknown"}

// shortReason is the part of a retry's reason (a support.Error's text,
// "tidio: contacts.list: vendor unavailable: dial tcp 127.0.0.1:1:
// connect: connection refused") that says what went wrong: without the
// vendor and the operation (the line names them), the error kind and a
// "retry after" (the line says how long), and for a network error only
// its last part ("connection refused", "no such host", "i/o timeout").
func shortReason(reason, vendor, op string) string {
	parts := strings.Split(strings.TrimSpace(reason), ": ")
	for len(parts) > 0 && (parts[0] == vendor || parts[0] == op || slices.Contains(errorKinds, parts[0])) {
		parts = parts[1:]
	}
	if n := len(parts); n > 0 && strings.HasPrefix(parts[n-1], "retry after ") {
		parts = parts[:n-1]
	}
	if len(parts) == 0 {
		return ""
	}
	for _, netOp := range []string{"dial ", "read ", "write "} {
		if strings.HasPrefix(parts[0], netOp) {
			return clip(parts[len(parts)-1], 60)
		}
	}
	return clip(strings.Join(parts, ": "), 60)
}

func (h *waitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &waitHandler{w: h.w, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], as...)}
}

func (h *waitHandler) WithGroup(string) slog.Handler { return h }

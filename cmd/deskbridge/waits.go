package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// waits shows, while a command runs, what the adapters are waiting for:
// internal/rest logs a record when a call retries ("rest: retrying", Warn)
// and when it waits before sending ("rest: waiting", Info: a rate limit, a
// paused bucket, a Retry-After). The CLI gives the adapters a logger whose
// handler turns those records into one short line for the progress
// display, so that a slow vendor is a message, not a blank screen.
type waits struct {
	mu   sync.Mutex
	show func(string) // the current display's, or nil
}

// logger returns the logger to give the adapters.
func (w *waits) logger() *slog.Logger { return slog.New(&waitHandler{w: w}) }

// to makes show receive the notes until the returned func is called.
func (w *waits) to(show func(string)) (stop func()) {
	w.mu.Lock()
	w.show = show
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		w.show = nil
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

// waitHandler is the slog.Handler behind waits.logger.
type waitHandler struct {
	w     *waits
	attrs []slog.Attr
}

func (h *waitHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *waitHandler) Handle(_ context.Context, r slog.Record) error {
	var verb string
	switch r.Message {
	case "rest: retrying":
		verb = "retrying in"
	case "rest: waiting":
		verb = "waiting"
	default:
		return nil
	}
	var vendor, op, reason string
	var wait time.Duration
	read := func(a slog.Attr) bool {
		switch a.Key {
		case "vendor":
			vendor = a.Value.String()
		case "op":
			op = a.Value.String()
		case "reason":
			reason = a.Value.String()
		case "wait":
			if a.Value.Kind() == slog.KindDuration {
				wait = a.Value.Duration()
			}
		}
		return true
	}
	for _, a := range h.attrs {
		read(a)
	}
	r.Attrs(read)
	s := fmt.Sprintf("%s: %s %s", vendor, verb, wait.Round(100*time.Millisecond))
	if op != "" {
		s += " (" + op
		if reason != "" {
			s += ": " + clip(strings.TrimSpace(reason), 60)
		}
		s += ")"
	}
	h.w.note(s)
	return nil
}

func (h *waitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &waitHandler{w: h.w, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], as...)}
}

func (h *waitHandler) WithGroup(string) slog.Handler { return h }

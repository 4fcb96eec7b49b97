package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The adapters' retry and wait records reach the progress lines as one
// short line each, naming the request, the attempt and the cause; other
// records and a display that has stopped get nothing.
func TestWaitsReachTheProgressLines(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	v := &lineView{w: &out, now: func() time.Time { return clock }, every: lineInterval}
	var w waits
	log := w.logger().With("vendor", "tidio")
	log.Warn("rest: retrying", "op", "contacts.list", "wait", 20*time.Second, "reason", "429 Too Many Requests")
	assert.Empty(t, out.String(), "no display yet")

	restore := w.to(v.note)
	refused := "tidio: contacts.list: vendor unavailable: dial tcp 127.0.0.1:1: connect: connection refused"
	for range 2 {
		log.Warn("rest: retrying", "op", "contacts.list", "method", "GET", "path", "/contacts", "attempt", 1,
			"max_attempts", 4, "wait", 2*time.Second, "reason", refused)
	}
	log.Warn("rest: retrying", "op", "contacts.create_batch", "method", "POST", "path", "/contacts/batch", "attempt", 2,
		"wait", 1500*time.Millisecond, "reason", "tidio: contacts.create_batch: rate limited: HTTP 429: Too Many Requests: retry after 1.5s")
	log.Info("rest: waiting", "op", "contacts.create_batch", "wait", 1500*time.Millisecond, "reason", "rate limit")
	log.Debug("rest: attempt", "op", "contacts.list")
	log.Info("something else")
	restore()
	log.Info("rest: waiting", "op", "contacts.get", "wait", time.Second)
	assert.Equal(t, "  tidio: retrying GET /contacts in 2s (attempt 2 of 4): connection refused\n"+
		"  tidio: retrying POST /contacts/batch in 1.5s (attempt 3): HTTP 429: Too Many Requests\n"+
		"  tidio: waiting 1.5s (contacts.create_batch: rate limit)\n", out.String(),
		"the repeated line within the interval is shown once")
	assert.EqualValues(t, 4, w.retries.Load(), "every retry record is counted, shown or not")
}

// A display that takes the notes over gives them back when it stops.
func TestWaitsRestoreTheEarlierDisplay(t *testing.T) {
	var w waits
	var outer, inner []string
	restoreOuter := w.to(func(s string) { outer = append(outer, s) })
	log := w.logger()
	log.Info("rest: waiting", "vendor", "tidio", "op", "a", "wait", 2*time.Second)
	restoreInner := w.to(func(s string) { inner = append(inner, s) })
	log.Info("rest: waiting", "vendor", "tidio", "op", "b", "wait", 2*time.Second)
	restoreInner()
	log.Info("rest: waiting", "vendor", "tidio", "op", "c", "wait", 2*time.Second)
	restoreOuter()
	log.Info("rest: waiting", "vendor", "tidio", "op", "d", "wait", 2*time.Second)
	assert.Equal(t, []string{"tidio: waiting 2s (a)", "tidio: waiting 2s (c)"}, outer)
	assert.Equal(t, []string{"tidio: waiting 2s (b)"}, inner)
}

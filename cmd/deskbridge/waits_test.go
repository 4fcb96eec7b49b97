package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The adapters' retry and wait records reach the progress lines as one
// short line each; other records and a display that has stopped get
// nothing.
func TestWaitsReachTheProgressLines(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	v := &lineView{w: &out, now: func() time.Time { return clock }, every: lineInterval}
	var w waits
	log := w.logger().With("vendor", "tidio")
	log.Warn("rest: retrying", "op", "contacts.list", "wait", 20*time.Second, "reason", "429 Too Many Requests")
	assert.Empty(t, out.String(), "no display yet")

	stop := w.to(v.note)
	log.Warn("rest: retrying", "op", "contacts.list", "attempt", 1, "wait", 20*time.Second, "reason", "429 Too Many Requests")
	log.Warn("rest: retrying", "op", "contacts.list", "attempt", 2, "wait", 20*time.Second, "reason", "429 Too Many Requests")
	log.Info("rest: waiting", "op", "contacts.create_batch", "wait", 1500*time.Millisecond, "reason", "rate limit")
	log.Debug("rest: attempt", "op", "contacts.list")
	log.Info("something else")
	stop()
	log.Info("rest: waiting", "op", "contacts.get", "wait", time.Second)
	assert.Equal(t, "  tidio: retrying in 20s (contacts.list: 429 Too Many Requests)\n"+
		"  tidio: waiting 1.5s (contacts.create_batch: rate limit)\n", out.String(),
		"the repeated retry within the interval is shown once")
}

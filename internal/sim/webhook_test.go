package sim_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// testSigner signs with a header naming the body's length, and corrupts it
// by replacing the value.
type testSigner struct{}

func (testSigner) Sign(body []byte, at time.Time) http.Header {
	return http.Header{"X-Sig": {strconv.Itoa(len(body)) + "@" + strconv.FormatInt(at.Unix(), 10)}}
}

func (testSigner) Corrupt(h http.Header) http.Header {
	h.Set("X-Sig", "bad")
	return h
}

// receiver records what it accepts and refuses bad signatures with 401;
// failFirst makes it answer 500 to the first n good deliveries.
type receiver struct {
	mu        sync.Mutex
	accepted  []string
	refused   int
	failFirst int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("X-Sig") == "bad" {
		rc.refused++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.failFirst > 0 {
		rc.failFirst--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rc.accepted = append(rc.accepted, string(body))
	w.WriteHeader(http.StatusOK)
}

func newWebhooks(rc *receiver, opts sim.WebhookOptions) *sim.Webhooks {
	opts.URL = "http://receiver/hook"
	opts.Client = &http.Client{Transport: &sim.Transport{Handler: rc}}
	return sim.NewWebhooks(opts, sim.NewClock(time.Time{}), testSigner{})
}

func TestWebhooksDeliverInOrderSigned(t *testing.T) {
	rc := &receiver{}
	w := newWebhooks(rc, sim.WebhookOptions{})
	for _, b := range []string{"a", "bb", "ccc"} {
		w.Enqueue([]byte(b))
	}
	require.NoError(t, w.Flush(context.Background()))
	assert.Equal(t, []string{"a", "bb", "ccc"}, rc.accepted)
	d := w.Deliveries()
	require.Len(t, d, 3)
	assert.Equal(t, "2@"+strconv.FormatInt(sim.Epoch.Unix(), 10), d[1].Header.Get("X-Sig"))
	assert.Equal(t, "application/json", d[1].Header.Get("Content-Type"))
	assert.Equal(t, 0, w.Pending())
}

func TestWebhooksOffWithoutURL(t *testing.T) {
	w := sim.NewWebhooks(sim.WebhookOptions{}, sim.NewClock(time.Time{}), testSigner{})
	w.Enqueue([]byte("a"))
	assert.False(t, w.Enabled())
	assert.Equal(t, 0, w.Pending())
	assert.NoError(t, w.Flush(context.Background()))
	assert.Empty(t, w.Deliveries())
}

func TestWebhooksFaults(t *testing.T) {
	rc := &receiver{}
	w := newWebhooks(rc, sim.WebhookOptions{Duplicates: 1, BadSignatures: 1})
	w.Enqueue([]byte("a"))
	w.Enqueue([]byte("b"))
	require.NoError(t, w.Flush(context.Background()))
	// Each event: a refused bad signature, the good one, its duplicate.
	assert.Equal(t, []string{"a", "a", "b", "b"}, rc.accepted)
	assert.Equal(t, 2, rc.refused)
	var faults []string
	for _, d := range w.Deliveries() {
		faults = append(faults, d.Fault)
	}
	assert.Equal(t, []string{"bad_signature", "", "duplicate", "bad_signature", "", "duplicate"}, faults)
}

func TestWebhooksOutOfOrder(t *testing.T) {
	rc := &receiver{}
	w := newWebhooks(rc, sim.WebhookOptions{OutOfOrder: 1})
	for _, b := range []string{"1", "2", "3", "4"} {
		w.Enqueue([]byte(b))
	}
	require.NoError(t, w.Flush(context.Background()))
	assert.Equal(t, []string{"2", "1", "4", "3"}, rc.accepted)
}

func TestWebhooksRetryAndKeepUndelivered(t *testing.T) {
	rc := &receiver{failFirst: 4}
	w := newWebhooks(rc, sim.WebhookOptions{MaxAttempts: 3})
	w.Enqueue([]byte("a"))
	w.Enqueue([]byte("b"))
	// a: 3 × 500, kept; b: 1 × 500, then accepted.
	require.Error(t, w.Flush(context.Background()))
	assert.Equal(t, []string{"b"}, rc.accepted)
	assert.Equal(t, 1, w.Pending())
	require.NoError(t, w.Flush(context.Background()))
	assert.Equal(t, []string{"b", "a"}, rc.accepted)
	assert.Equal(t, 0, w.Pending())
}

func TestWebhooksSameSeedSameFaults(t *testing.T) {
	run := func() []string {
		rc := &receiver{}
		w := newWebhooks(rc, sim.WebhookOptions{Duplicates: 0.5, OutOfOrder: 0.3, BadSignatures: 0.3, Seed: 7})
		for i := range 20 {
			w.Enqueue([]byte(strconv.Itoa(i)))
		}
		require.NoError(t, w.Flush(context.Background()))
		return rc.accepted
	}
	first := run()
	assert.Equal(t, first, run())
	assert.Greater(t, len(first), 20, "some duplicates at 0.5")
}

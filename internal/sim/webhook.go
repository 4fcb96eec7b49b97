package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// DefaultWebhookTimeout is how long a webhook delivery waits for the
// receiver's answer: Tidio's 4 seconds [D T-wh-del].
const DefaultWebhookTimeout = 4 * time.Second

// DefaultWebhookAttempts is how often a delivery is tried when the receiver
// does not answer 2xx. Tidio tries 10 times over hours [D T-wh-del]; a
// simulator retries at once, a few times.
const DefaultWebhookAttempts = 3

// WebhookOptions configures a simulator's webhook deliveries. The zero value
// delivers nothing.
type WebhookOptions struct {
	// URL is where deliveries are POSTed; "" turns deliveries off.
	URL string
	// Client sends the deliveries; nil means a client with a
	// DefaultWebhookTimeout timeout. Give an in-process client (see
	// Transport) inside a testing/synctest bubble.
	Client *http.Client
	// Duplicates is the chance, from 0 to 1, that a delivery accepted by
	// the receiver is sent once more, unchanged (same delivery ID), as
	// vendors that promise at-least-once delivery do.
	Duplicates float64
	// OutOfOrder is the chance that a delivery is held back and sent after
	// the one queued behind it.
	OutOfOrder float64
	// BadSignatures is the chance that a delivery is first sent with its
	// signature corrupted (the receiver must refuse it) and then again,
	// correctly signed, as a vendor's retry would.
	BadSignatures float64
	// Seed seeds the chance draws: the same seed and events, the same
	// faults.
	Seed uint64
	// MaxAttempts is how often one delivery is tried while the receiver
	// does not answer 2xx; 0 means DefaultWebhookAttempts. A bad-signature
	// attempt does not count.
	MaxAttempts int
}

// Signer returns the headers that sign body, sent at the given time: the
// vendor's signature scheme. Corrupt makes the same headers carry a wrong
// signature, for the BadSignatures fault.
type Signer interface {
	Sign(body []byte, at time.Time) http.Header
	Corrupt(h http.Header) http.Header
}

// Delivery is one attempt to deliver an event, as the receiver saw it.
type Delivery struct {
	// Body is the request body.
	Body []byte
	// Header is the request's headers, signature included.
	Header http.Header
	// Status is the receiver's answer; 0 when it could not be reached.
	Status int
	// Fault names the fault applied to this attempt: "duplicate",
	// "out_of_order", "bad_signature", or "" for none.
	Fault string
	// Err is the transport error, when the receiver could not be reached.
	Err error
}

// Webhooks queues a simulator's events and delivers them, signed, to
// WebhookOptions.URL, with the faults configured. It is safe for
// concurrent use. Events are queued by Enqueue and sent by Flush (tests),
// or by Run in the background (the sandbox).
type Webhooks struct {
	opts   WebhookOptions
	signer Signer
	clock  *Clock

	mu         sync.Mutex
	queue      [][]byte
	log        []Delivery
	rng        *rand.Rand
	wake       chan struct{}
	sendMu     sync.Mutex // one Flush at a time, so that order faults stay deterministic
	retryLater [][]byte
}

// NewWebhooks returns a Webhooks that signs with signer and stamps with
// clock's time. With an empty URL it keeps nothing and sends nothing.
func NewWebhooks(opts WebhookOptions, clock *Clock, signer Signer) *Webhooks {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultWebhookAttempts
	}
	return &Webhooks{
		opts: opts, signer: signer, clock: clock,
		rng:  rand.New(rand.NewPCG(opts.Seed, 0x5eed_0f_3e6_400c)),
		wake: make(chan struct{}, 1),
	}
}

// Enabled reports whether deliveries are configured (a URL is set).
func (w *Webhooks) Enabled() bool { return w != nil && w.opts.URL != "" }

// Enqueue queues one event body for delivery. It does nothing when
// deliveries are off.
func (w *Webhooks) Enqueue(body []byte) {
	if !w.Enabled() {
		return
	}
	w.mu.Lock()
	w.queue = append(w.queue, bytes.Clone(body))
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Pending is the number of events queued and not yet delivered.
func (w *Webhooks) Pending() int {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue) + len(w.retryLater)
}

// Deliveries returns every attempt made so far, in the order sent.
func (w *Webhooks) Deliveries() []Delivery {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Delivery(nil), w.log...)
}

// Flush delivers every queued event now, in the calling goroutine, applying
// the faults. An event the receiver did not accept after MaxAttempts stays
// queued for the next Flush. It returns the last failure of an event that
// stays queued (a status other than 2xx or a transport error), or ctx's
// error.
func (w *Webhooks) Flush(ctx context.Context) error {
	if !w.Enabled() {
		return nil
	}
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	w.mu.Lock()
	queue := append(w.retryLater, w.queue...)
	w.queue, w.retryLater = nil, nil
	w.mu.Unlock()

	var (
		last error
		left [][]byte
	)
	for i := 0; i < len(queue); i++ {
		if err := ctx.Err(); err != nil {
			left = append(left, queue[i:]...)
			last = err
			break
		}
		// An event held back goes right after the one behind it, which
		// is marked out_of_order: it arrives before an older event.
		order, fault := [][]byte{queue[i]}, ""
		if i+1 < len(queue) && w.draw() < w.opts.OutOfOrder {
			order, fault = [][]byte{queue[i+1], queue[i]}, "out_of_order"
			i++
		}
		for _, body := range order {
			if err := w.deliver(ctx, body, fault); err != nil {
				left, last = append(left, body), err
			}
			fault = ""
		}
	}
	if len(left) > 0 {
		w.mu.Lock()
		w.retryLater = append(left, w.retryLater...)
		w.mu.Unlock()
	}
	return last
}

// Run delivers events as they are queued until ctx ends, waiting retry
// between rounds that left events undelivered.
func (w *Webhooks) Run(ctx context.Context, retry time.Duration) {
	if !w.Enabled() {
		return
	}
	for {
		err := w.Flush(ctx)
		var wait <-chan time.Time
		if err != nil && w.Pending() > 0 {
			wait = time.After(retry)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-wait:
		}
	}
}

// deliver sends one event, with a bad-signature attempt first and a
// duplicate after when their faults are drawn, and retries it while the
// receiver does not answer 2xx.
func (w *Webhooks) deliver(ctx context.Context, body []byte, fault string) error {
	h := w.signer.Sign(body, w.clock.Now())
	if w.draw() < w.opts.BadSignatures {
		w.post(ctx, body, w.signer.Corrupt(h.Clone()), "bad_signature")
	}
	var err error
	for range w.opts.MaxAttempts {
		var status int
		status, err = w.post(ctx, body, h, fault)
		if err == nil && status/100 == 2 {
			if w.draw() < w.opts.Duplicates {
				w.post(ctx, body, h, "duplicate")
			}
			return nil
		}
		if err == nil {
			err = fmt.Errorf("webhook receiver answered %d", status)
		}
		if ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
	}
	return err
}

// post makes one attempt and logs it.
func (w *Webhooks) post(ctx context.Context, body []byte, h http.Header, fault string) (int, error) {
	d := Delivery{Body: body, Header: h.Clone(), Fault: fault}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(body))
	if err == nil {
		for k, vs := range h {
			req.Header[k] = append([]string(nil), vs...)
		}
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
		d.Header = req.Header.Clone()
		var resp *http.Response
		if resp, err = w.opts.Client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	d.Err = err
	w.mu.Lock()
	w.log = append(w.log, d)
	w.mu.Unlock()
	return d.Status, err
}

// draw returns the next chance draw in [0, 1).
func (w *Webhooks) draw() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rng.Float64()
}

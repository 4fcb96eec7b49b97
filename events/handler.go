package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// DefaultMaxBody is the body size limit of a Handler, 1 MiB.
const DefaultMaxBody int64 = 1 << 20

// Verifier checks that a delivery comes from the vendor, from its headers and
// its raw body. A non-nil error rejects the delivery with 401.
type Verifier func(h http.Header, body []byte) error

// Parser decodes a verified delivery body. A non-nil error rejects the
// delivery with 400.
type Parser func(body []byte) (Event, error)

// Config is what NewHandler needs from a vendor adapter.
type Config struct {
	// Verify checks each delivery; required.
	Verify Verifier
	// Parse decodes each verified delivery; required.
	Parse Parser
	// Dedup drops deliveries already handed on, by Event.DeliveryID; nil
	// means a MemoryDedup of DefaultDedupCapacity IDs.
	Dedup Dedup
	// MaxBody caps the body in bytes; 0 means DefaultMaxBody. A longer body
	// gets 413.
	MaxBody int64
	// Logger receives why deliveries were rejected; nil means slog.Default().
	Logger *slog.Logger
}

// Handler is the http.Handler NewHandler returns.
type Handler struct {
	cfg     Config
	deliver func(context.Context, Event) error
}

// NewHandler returns a Handler that hands each verified, new event to
// deliver. Its answers, which tell the vendor whether to retry:
//   - 405 for a method other than POST;
//   - 413 for a body over Config.MaxBody;
//   - 401 when Verify fails (nothing is handed on);
//   - 400 when Parse fails;
//   - 200 for a duplicate delivery, not handed on again;
//   - 500 when the Dedup store or deliver fails (the delivery is forgotten
//     again where the store is a Forgetter, so the vendor's retry gets
//     through);
//   - 200 once deliver returns nil.
func NewHandler(cfg Config, deliver func(context.Context, Event) error) (*Handler, error) {
	if cfg.Verify == nil || cfg.Parse == nil || deliver == nil {
		return nil, errors.New("events: handler needs a verifier, a parser and a deliver function")
	}
	if cfg.MaxBody < 0 {
		return nil, fmt.Errorf("events: negative MaxBody %d", cfg.MaxBody)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Dedup == nil {
		d, err := NewMemoryDedup(DefaultDedupCapacity)
		if err != nil {
			return nil, err
		}
		cfg.Dedup = d
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Handler{cfg: cfg, deliver: deliver}, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(ctx, w, http.StatusMethodNotAllowed, fmt.Errorf("method %s", r.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(ctx, w, http.StatusRequestEntityTooLarge, err)
			return
		}
		h.fail(ctx, w, http.StatusBadRequest, fmt.Errorf("reading body: %w", err))
		return
	}
	if err := h.cfg.Verify(r.Header, body); err != nil {
		h.fail(ctx, w, http.StatusUnauthorized, err)
		return
	}
	ev, err := h.cfg.Parse(body)
	if err != nil {
		h.fail(ctx, w, http.StatusBadRequest, err)
		return
	}
	if ev.DeliveryID != "" {
		seen, err := h.cfg.Dedup.Seen(ctx, ev.DeliveryID)
		if err != nil {
			h.fail(ctx, w, http.StatusInternalServerError, fmt.Errorf("dedup: %w", err))
			return
		}
		if seen {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if err := h.deliver(ctx, ev); err != nil {
		if f, ok := h.cfg.Dedup.(Forgetter); ok && ev.DeliveryID != "" {
			if ferr := f.Forget(ctx, ev.DeliveryID); ferr != nil {
				err = errors.Join(err, fmt.Errorf("dedup forget: %w", ferr))
			}
		}
		h.fail(ctx, w, http.StatusInternalServerError, fmt.Errorf("deliver %s: %w", ev.DeliveryID, err))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// fail logs why and answers status with its standard text.
func (h *Handler) fail(ctx context.Context, w http.ResponseWriter, status int, err error) {
	h.cfg.Logger.WarnContext(ctx, "webhook delivery rejected", "status", status, "error", err)
	http.Error(w, http.StatusText(status), status)
}

package rest

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// recordHandler keeps every record, at every level.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func attrs(r slog.Record) map[string]slog.Value {
	m := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value; return true })
	return m
}

// TestLogging: one Debug record per attempt with vendor, op, method,
// escaped path, status, attempt and duration; one Warn per retry; never a
// header, a body or the query.
func TestLogging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &recordHandler{}
		c, _ := newFake(t, Config{Vendor: "acme", Logger: slog.New(h)},
			seq(status(503, `{"secret_body":"x"}`, "Retry-After", "2"), ok(`{"secret_body":"y"}`)))
		_, err := c.Do(t.Context(), Request{
			Op: support.OpUpdateContact, Method: "PUT", Path: Segments("contacts", "a/b"),
			Query: map[string][]string{"email": {"ada@example.com"}}, Body: map[string]string{"secret_field": "z"},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var levels []slog.Level
		for _, r := range h.records {
			levels = append(levels, r.Level)
		}
		if !slices.Equal(levels, []slog.Level{slog.LevelDebug, slog.LevelWarn, slog.LevelDebug}) {
			t.Fatalf("levels %v", levels)
		}
		for i, r := range h.records {
			a := attrs(r)
			if a["vendor"].String() != "acme" || a["op"].String() != string(support.OpUpdateContact) ||
				a["method"].String() != "PUT" || a["path"].String() != "/contacts/a%2Fb" {
				t.Errorf("record %d: %v", i, a)
			}
			var all strings.Builder
			r.Attrs(func(at slog.Attr) bool { all.WriteString(at.String() + " "); return true })
			all.WriteString(r.Message)
			for _, leak := range []string{"secret_body", "secret_field", "ada@example.com", "Authorization", "User-Agent"} {
				if strings.Contains(all.String(), leak) {
					t.Errorf("record %d logs %q: %s", i, leak, all.String())
				}
			}
		}
		first, warn, second := attrs(h.records[0]), attrs(h.records[1]), attrs(h.records[2])
		if first["status"].Int64() != 503 || first["attempt"].Int64() != 1 || first["duration"].Kind() != slog.KindDuration {
			t.Errorf("first attempt: %v", first)
		}
		if warn["wait"].Duration() != 2*time.Second || !strings.Contains(warn["reason"].String(), "503") || warn["attempt"].Int64() != 1 {
			t.Errorf("retry: %v", warn)
		}
		if second["status"].Int64() != 200 || second["attempt"].Int64() != 2 {
			t.Errorf("second attempt: %v", second)
		}
	})
}

package fielddefs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

const op = support.OpCreateContact

var errRefused = errors.New("refused")

// source is a Source over names, read by reads (one answer per call).
func source(reads *atomic.Int32, answer func(n int32) (map[string]bool, error)) Source[map[string]bool] {
	return Source[map[string]bool]{
		Vendor: "v", What: "field definitions",
		Read: func(context.Context, support.Operation) (map[string]bool, error) { return answer(reads.Add(1)) },
		Check: func(names map[string]bool, name string, _ *string) string {
			if !names[name] {
				return "undefined"
			}
			return ""
		},
		Refused: func(err error) bool { return errors.Is(err, errRefused) },
	}
}

func names(n ...string) map[string]bool {
	m := map[string]bool{}
	for _, s := range n {
		m[s] = true
	}
	return m
}

// TestSharedRead: concurrent callers share one read; one whose context ends
// stops waiting with its own error while the read goes on for the others.
func TestSharedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reads atomic.Int32
		release := make(chan struct{})
		c := New(source(&reads, func(int32) (map[string]bool, error) { <-release; return names("a"), nil }))
		var wg sync.WaitGroup
		results := make([][]support.Warning, 5)
		for i := range results {
			wg.Go(func() {
				_, ws, err := Split(t.Context(), c, op, map[string]string{"a": "1", "b": "2"})
				assert.NoError(t, err)
				results[i] = ws
			})
		}
		synctest.Wait() // one reads, the others wait
		ctx, cancel := context.WithCancel(t.Context())
		var cancelled error
		wg.Go(func() { _, _, cancelled = Split(ctx, c, op, map[string]string{"a": "1"}) })
		synctest.Wait()
		cancel()
		synctest.Wait()
		require.ErrorIs(t, cancelled, context.Canceled)
		close(release)
		wg.Wait()
		assert.Equal(t, int32(1), reads.Load(), "reads")
		for _, ws := range results {
			assert.Equal(t, []support.Warning{{Field: "custom_fields.b", Message: "undefined"}}, ws)
		}
	})
}

// TestFailedReadNotKept: a failed read fails the call, sends nothing, and
// the next call reads again.
func TestFailedReadNotKept(t *testing.T) {
	var reads atomic.Int32
	boom := &support.Error{Vendor: "v", Status: http.StatusInternalServerError}
	c := New(source(&reads, func(n int32) (map[string]bool, error) {
		if n == 1 {
			return nil, boom
		}
		return names("a"), nil
	}))
	sent := 0
	_, err := Write(t.Context(), c, op, []map[string]string{{"a": "1"}}, func([]map[string]string) error { sent++; return nil })
	require.ErrorIs(t, err, boom)
	assert.Zero(t, sent, "sent after a failed read")
	keep, ws, err := Split(t.Context(), c, op, map[string]string{"a": "1", "b": "2"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1"}, keep)
	assert.Len(t, ws, 1)
	assert.Equal(t, int32(2), reads.Load(), "reads")
}

// TestNotAvailableKept: 404, 403 and 405 are kept as "cannot tell": fields
// are sent unchecked, never read again (not even after a refusal), and the
// Logger gets a Debug record.
func TestNotAvailableKept(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusForbidden, http.StatusMethodNotAllowed} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var reads atomic.Int32
			var logs bytes.Buffer
			src := source(&reads, func(int32) (map[string]bool, error) { return nil, &support.Error{Vendor: "v", Status: status} })
			src.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := New(src)
			in := map[string]*string{"a": support.Ptr("1"), "b": nil}
			keep, ws, err := Split(t.Context(), c, op, in)
			require.NoError(t, err)
			assert.Equal(t, in, keep)
			assert.Empty(t, ws)
			sends := 0
			_, err = Write(t.Context(), c, op, []map[string]*string{in}, func(k []map[string]*string) error {
				sends++
				assert.Equal(t, in, k[0])
				return errRefused
			})
			require.ErrorIs(t, err, errRefused)
			assert.Equal(t, 1, sends, "sends")
			assert.Equal(t, int32(1), reads.Load(), "reads")
			assert.Contains(t, logs.String(), "level=DEBUG")
			assert.Contains(t, logs.String(), "v: field definitions not available")
		})
	}
}

// TestOneReread: a refused field the definitions allowed has them read
// again, once per Cache, and the write sent again without what they no
// longer allow; a later refusal reads nothing.
func TestOneReread(t *testing.T) {
	var reads atomic.Int32
	c := New(source(&reads, func(n int32) (map[string]bool, error) {
		if n == 1 {
			return names("a", "b", "c"), nil
		}
		return names("a", "c"), nil
	}))
	var sent []map[string]string
	ws, err := Write(t.Context(), c, op, []map[string]string{{"a": "1", "b": "2"}, {"c": "3"}}, func(k []map[string]string) error {
		sent = append(sent, k[0])
		if len(sent) == 1 {
			return errRefused
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []map[string]string{{"a": "1", "b": "2"}, {"a": "1"}}, sent)
	assert.Equal(t, [][]support.Warning{{{Field: "custom_fields.b", Message: "undefined"}}, nil}, ws)
	assert.Equal(t, int32(2), reads.Load(), "reads")

	sends := 0
	_, err = Write(t.Context(), c, op, []map[string]string{{"a": "1"}}, func([]map[string]string) error { sends++; return errRefused })
	require.ErrorIs(t, err, errRefused)
	assert.Equal(t, 1, sends, "sends once the re-read is spent")
	assert.Equal(t, int32(2), reads.Load(), "reads once the re-read is spent")
}

// TestRereadAllowsAll: when the fresh definitions allow every field sent,
// the refusal stands and nothing is sent again; a failed re-read is the same.
func TestRereadAllowsAll(t *testing.T) {
	for name, second := range map[string]error{"same": nil, "failed": &support.Error{Status: http.StatusBadGateway}} {
		t.Run(name, func(t *testing.T) {
			var reads atomic.Int32
			c := New(source(&reads, func(n int32) (map[string]bool, error) {
				if n == 2 && second != nil {
					return nil, second
				}
				return names("a"), nil
			}))
			sends := 0
			_, err := Write(t.Context(), c, op, []map[string]string{{"a": "1"}}, func([]map[string]string) error { sends++; return errRefused })
			require.ErrorIs(t, err, errRefused)
			assert.Equal(t, 1, sends, "sends")
			assert.Equal(t, int32(2), reads.Load(), "reads")
		})
	}
}

// TestNoFieldsNoRead: a write without custom fields reads nothing.
func TestNoFieldsNoRead(t *testing.T) {
	var reads atomic.Int32
	c := New(source(&reads, func(int32) (map[string]bool, error) { return names(), nil }))
	ws, err := Write(t.Context(), c, op, []map[string]string{nil, {}}, func([]map[string]string) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, [][]support.Warning{nil, nil}, ws)
	assert.Zero(t, reads.Load())
}

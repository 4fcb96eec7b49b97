package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// syncBuffer is a bytes buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// migrate --every runs a pass, waits, and runs again, carrying over the
// contacts added to the source meanwhile, until interrupted.
func TestMigrateEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := seeded(t, people(3))
		dst := seeded(t, nil)
		a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": dst})
		var stderr syncBuffer
		a.stderr = &stderr
		ctx, cancel := context.WithCancel(context.Background())
		state := filepath.Join(t.TempDir(), "s.db")
		done := make(chan int)
		go func() {
			done <- a.run(ctx, []string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state, "--every", "5m"})
		}()
		synctest.Wait()
		assert.Len(t, listAll(t, dst), 3, "the first pass")
		assert.Contains(t, stderr.String(), "next pass in 5m0s")

		_, err := src.CreateContact(context.Background(), support.ContactInput{FirstName: "Late", Email: "late@example.com"})
		require.NoError(t, err)
		time.Sleep(4 * time.Minute)
		synctest.Wait()
		assert.Len(t, listAll(t, dst), 3, "no pass before the interval")
		time.Sleep(time.Minute)
		synctest.Wait()
		assert.Len(t, listAll(t, dst), 4, "the second pass carried the new contact over")
		assert.Equal(t, 2, strings.Count(stderr.String(), "next pass in"))

		cancel()
		assert.Equal(t, exitOK, <-done)
		assert.Contains(t, stderr.String(), "stopped between passes")
	})
}

func TestEveryNeedsAState(t *testing.T) {
	a := newTestApp(fullEnv, nil)
	for _, args := range [][]string{
		{"--every", "5m"},
		{"--every", "5m", "--dry-run"},
		{"--every", "10ms", "--state", "s.db"},
	} {
		code := a.exec(context.Background(), append([]string{"migrate", "--from", "tidio", "--to", "respondio"}, args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, a.errOut.String())
	}
}

package main

import (
	"bytes"
	"context"
	"os"
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

// --verify finds the mapped contacts the target no longer holds, and the
// run migrates them again.
func TestMigrateVerify(t *testing.T) {
	src := seeded(t, people(3))
	dst := seeded(t, nil)
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": dst})
	state := filepath.Join(t.TempDir(), "s.db")
	args := []string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state}
	require.Equal(t, exitOK, a.exec(context.Background(), args...), a.errOut.String())
	gone := listAll(t, dst)[1]
	require.NoError(t, dst.DeleteContact(context.Background(), support.ID(gone.ID)))

	require.Equal(t, exitOK, a.exec(context.Background(), args...), a.errOut.String())
	assert.Len(t, listAll(t, dst), 2, "without --verify the ID map is trusted")

	require.Equal(t, exitOK, a.exec(context.Background(), append(args, "--verify")...), a.errOut.String())
	assert.Contains(t, a.errOut.String(), "Verified 3 of 3 mapped contacts in respond.io: 1 missing, forgotten")
	assert.Contains(t, a.errOut.String(), gone.ID)
	assert.Len(t, listAll(t, dst), 3, "migrated again")
}

// A corrupt state file is a configuration error naming the file, and is
// left as it was.
func TestCorruptStateExit2(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.db")
	require.NoError(t, os.WriteFile(state, bytes.Repeat([]byte{0xA5}, 16<<10), 0o600))
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(2)), "respondio": seeded(t, nil)})
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state)
	assert.Equal(t, exitUsage, code, a.errOut.String())
	assert.Contains(t, a.errOut.String(), state)
	assert.NotContains(t, a.errOut.String(), "panic")
	b, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{0xA5}, 16<<10), b, "never overwritten")
}

package events

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

func TestMemoryCheckpoint(t *testing.T) {
	var m MemoryCheckpoint
	ctx := context.Background()
	got, err := m.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, got, "nothing saved yet")
	data := []byte(`{"a":1}`)
	require.NoError(t, m.Save(ctx, data))
	data[2] = 'X' // the checkpoint keeps its own copy
	got, err = m.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, `{"a":1}`, string(got))
	got[2] = 'Y'
	again, _ := m.Load(ctx)
	assert.Equal(t, `{"a":1}`, string(again), "Load returns a copy")

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				_ = m.Save(ctx, []byte{byte('0' + i)})
				_, _ = m.Load(ctx)
			}
		})
	}
	wg.Wait()
}

func TestFileCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.json")
	f, err := NewFileCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, path, f.Path())
	got, err := f.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, got, "a missing file is nothing saved")

	require.NoError(t, f.Save(ctx, []byte("one")))
	require.NoError(t, f.Save(ctx, []byte("two")))
	got, err = f.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	// Another FileCheckpoint of the same path (a new process) reads it.
	g, err := NewFileCheckpoint(path)
	require.NoError(t, err)
	got, err = g.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
}

func TestFileCheckpointSaveFailureKeepsTheOldData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.json")
	f, err := NewFileCheckpoint(path)
	require.NoError(t, err)
	require.NoError(t, f.Save(ctx, []byte("old")))
	// The rename fails: the path became a non-empty directory.
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.MkdirAll(filepath.Join(path, "x"), 0o700))
	err = f.Save(ctx, []byte("new"))
	require.Error(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the temporary file is removed")
}

func TestNewFileCheckpointRefusesBadPaths(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", filepath.Join(dir, "missing", "feed.json"), dir} {
		_, err := NewFileCheckpoint(path)
		assert.Error(t, err, path)
	}
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := NewFileCheckpoint(filepath.Join(file, "feed.json"))
	assert.Error(t, err, "the directory is a file")
}

// A state survives encoding, and the same state encodes to the same bytes.
func TestWatchStateRoundTrip(t *testing.T) {
	st := newWatchState("memory", "memory")
	st.ContactsRead, st.ConversationsRead = true, true
	st.Contacts["ctc_1"] = contactState{Fingerprint: "ab", Changes: 2}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := convState{Status: support.StatusOpen, Assignee: "agent:agt_1", UpdatedAt: at, Changes: 1, MessagesRead: true}
	c.add("msg_1", at)
	c.add("msg_2", at.Add(time.Minute))
	st.Conversations["conv_1"] = c
	data := st.encode()
	back, err := decodeWatchState(data)
	require.NoError(t, err)
	assert.Equal(t, st, back)
	assert.Equal(t, string(data), string(back.encode()))
}

func TestDecodeWatchStateRefusesBadData(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"not JSON", `{`, "not a change feed checkpoint"},
		{"null", `null`, "format version 0"},
		{"another version", `{"version":2,"vendor":"memory"}`, "format version 2"},
		{"no vendor", `{"version":1}`, "names no vendor"},
		{"unknown field", `{"version":1,"vendor":"memory","cursor":"x"}`, "unknown field"},
		{"trailing data", `{"version":1,"vendor":"memory"} {}`, "data after"},
		{"empty contact ID", `{"version":1,"vendor":"memory","contacts":{"":{"fp":"x"}}}`, "empty ID"},
		{"negative count", `{"version":1,"vendor":"memory","conversations":{"c":{"n":-1}}}`, "negative"},
		{"empty message ID", `{"version":1,"vendor":"memory","conversations":{"c":{"recent":{"":"2026-01-02T03:04:05Z"}}}}`, "empty ID"},
		{"bad time", `{"version":1,"vendor":"memory","conversations":{"c":{"latest":"yesterday"}}}`, "not a change feed checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeWatchState([]byte(tc.data))
			require.ErrorIs(t, err, ErrBadCheckpoint)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWatchStateCheck(t *testing.T) {
	st := newWatchState("respondio", "respondio https://api.respond.io/v2 key:0123456789ab")
	require.NoError(t, st.check("respondio", "respondio https://api.respond.io/v2 key:0123456789ab"))
	err := st.check("tidio", "tidio x")
	require.ErrorIs(t, err, ErrBadCheckpoint)
	assert.ErrorContains(t, err, `vendor "respondio"`)
	err = st.check("respondio", "respondio https://api.respond.io/v2 key:ffffffffffff")
	require.ErrorIs(t, err, ErrBadCheckpoint)
	assert.ErrorContains(t, err, "account")
}

// The watermark: the IDs of the five minutes before the newest message are
// kept, and older ones forgotten (the floor covers them).
func TestWatermark(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	var w watermark
	assert.False(t, w.seen("a", at))
	w.add("a", at)
	w.add("b", at) // the same instant
	assert.True(t, w.seen("a", at))
	assert.True(t, w.seen("b", at))
	assert.False(t, w.seen("c", at), "another message at the same instant")
	assert.False(t, w.seen("d", at.Add(-4*time.Minute)), "late, within the window")
	w.add("e", at.Add(10*time.Minute))
	assert.Equal(t, at.Add(5*time.Minute), w.Floor)
	assert.Equal(t, map[string]time.Time{"e": at.Add(10 * time.Minute)}, w.Recent, "a and b are under the floor")
	assert.True(t, w.seen("a", at), "under the floor: seen")
	assert.True(t, w.seen("zz", at.Add(5*time.Minute)), "at the floor: seen")
	assert.False(t, w.seen("f", at.Add(6*time.Minute)))
	w.add("f", at.Add(6*time.Minute)) // late, within the window
	assert.Equal(t, at.Add(10*time.Minute), w.Latest)
	assert.Len(t, w.Recent, 2)

	var zero watermark // a vendor that stamps no time: every ID is kept
	zero.add("x", time.Time{})
	zero.add("y", time.Time{})
	assert.True(t, zero.seen("x", time.Time{}))
	assert.False(t, zero.seen("z", time.Time{}))
	assert.Len(t, zero.Recent, 2)
}

// The checkpoint is plain JSON that names its vendor and version.
func TestWatchStateIsVersionedJSON(t *testing.T) {
	var v map[string]any
	require.NoError(t, json.Unmarshal(newWatchState("tidio", "tidio x").encode(), &v))
	assert.Equal(t, float64(watchVersion), v["version"])
	assert.Equal(t, "tidio", v["vendor"])
	assert.True(t, strings.HasPrefix(string(newWatchState("tidio", "").encode()), `{"version":1,`))
}

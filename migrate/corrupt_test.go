package migrate

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// writeState writes a valid state of n entries at path and closes it.
func writeState(t *testing.T, path string, n int) {
	t.Helper()
	st, err := OpenState(path)
	require.NoError(t, err)
	c := &Commit{Checkpoints: map[string]string{cpPhase: phaseDone}}
	for i := range n {
		c.Entries = append(c.Entries, Entry{SourceID: fmt.Sprintf("s%05d", i), TargetID: fmt.Sprintf("t%05d", i), Outcome: Created,
			Keys: []string{fmt.Sprintf("email:person%05d@example.com", i)}})
	}
	require.NoError(t, st.Commit(c))
	require.NoError(t, st.Close())
}

// leafPage returns the ID of a leaf page in use in the bbolt file at path.
func leafPage(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	require.NoError(t, err)
	defer db.Close()
	id := -1
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		for p := 2; ; p++ {
			info, err := tx.Page(p)
			if err != nil || info == nil {
				return err
			}
			if info.Type == "leaf" {
				id = p
				return nil
			}
		}
	}))
	require.Positive(t, id, "no leaf page")
	return id
}

// smash overwrites the first 64 bytes of page id (its header: bbolt then
// finds a page that "self identifies as 0") in the file at path.
func smash(t *testing.T, path string, id int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteAt(make([]byte, 64), int64(id*os.Getpagesize()))
	require.NoError(t, err)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// Item 7: a state file with a damaged page is a clear error naming the file
// and what to do, never a panic, and the file is left exactly as it was.
func TestCorruptStateOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeState(t, path, 2000)
	smash(t, path, leafPage(t, path))
	before := fileSum(t, path)

	st, err := OpenState(path)
	require.Error(t, err)
	assert.Nil(t, st)
	assert.ErrorIs(t, err, ErrCorruptState)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "new state file")
	assert.Contains(t, err.Error(), "backup")
	assert.Equal(t, before, fileSum(t, path), "the corrupt file was changed")

	// Not a state file at all: the same error, the file untouched.
	other := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(other, []byte("not a database, but something the user wants to keep"), 0o600))
	_, err = OpenState(other)
	assert.ErrorIs(t, err, ErrCorruptState)
	b, _ := os.ReadFile(other)
	assert.Equal(t, "not a database, but something the user wants to keep", string(b))
}

// Item 7: damage found by an operation of an open FileState (bbolt panics
// on it) is ErrCorruptState too, and from then on nothing is written.
func TestCorruptStateOperations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeState(t, path, 2000)
	leaf := leafPage(t, path)
	st, err := OpenState(path)
	require.NoError(t, err)
	defer st.Close()
	smash(t, path, leaf) // the file is mapped: reads see the damage
	before := fileSum(t, path)

	var found error
	for i := range 2000 {
		if _, _, err := st.Entry(fmt.Sprintf("s%05d", i)); err != nil {
			found = err
			break
		}
	}
	if found == nil {
		_, found = st.Pending()
	}
	require.Error(t, found, "no operation noticed the damaged page")
	assert.ErrorIs(t, found, ErrCorruptState)
	assert.Contains(t, found.Error(), path)

	err = st.Commit(&Commit{Entries: []Entry{{SourceID: "new", TargetID: "t", Outcome: Created}}})
	assert.ErrorIs(t, err, ErrCorruptState)
	_, err = st.Checkpoint(cpPhase)
	assert.True(t, errors.Is(err, ErrCorruptState), "a damaged state keeps refusing: %v", err)
	assert.Equal(t, before, fileSum(t, path), "a damaged file was written to")
}

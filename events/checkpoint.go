package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// ErrBadCheckpoint is matched by the error of a checkpoint Watch cannot
// resume from: malformed, of another format version, or made for another
// vendor or account (support.Client.Account, as migrate's state files
// check it: on vendors whose account is named by a fingerprint of the
// credential, respond.io's, a new token is another account). Nothing is
// overwritten: the feed stops, and the app chooses another checkpoint (or
// removes this one, to start over with a first poll).
var ErrBadCheckpoint = errors.New("events: bad checkpoint")

// MemoryCheckpoint is a Checkpoint in memory, for a feed that need not
// survive the process. The zero value is ready; it is safe for concurrent
// use.
type MemoryCheckpoint struct {
	mu   sync.Mutex
	data []byte
}

// Load implements Checkpoint: a copy of the data last saved, or nil.
func (m *MemoryCheckpoint) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.data), nil
}

// Save implements Checkpoint, keeping a copy of data.
func (m *MemoryCheckpoint) Save(_ context.Context, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = bytes.Clone(data)
	return nil
}

// FileCheckpoint is a Checkpoint in a file, replaced atomically on each
// Save: the data goes to a temporary file in the same directory, which is
// synced and then renamed over the file, so that a crash leaves the old
// data or the new, never a mix. The file is readable by its owner only
// (0600). It is safe for concurrent use within one process; two processes
// must not share one file.
type FileCheckpoint struct {
	path string
	mu   sync.Mutex
}

// NewFileCheckpoint returns the FileCheckpoint of path. The file need not
// exist (Load then returns nil), but its directory must.
func NewFileCheckpoint(path string) (*FileCheckpoint, error) {
	if path == "" {
		return nil, errors.New("events: checkpoint: empty file path")
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("events: checkpoint: the directory of %s: %w", path, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("events: checkpoint: %s is not a directory", dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("events: checkpoint: %s is a directory", path)
	}
	return &FileCheckpoint{path: path}, nil
}

// Path returns the file's path.
func (f *FileCheckpoint) Path() string { return f.path }

// Load implements Checkpoint: the file's content, or nil and no error when
// the file does not exist.
func (f *FileCheckpoint) Load(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("events: checkpoint: %w", err)
	}
	return data, nil
}

// Save implements Checkpoint, replacing the file atomically.
func (f *FileCheckpoint) Save(_ context.Context, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("events: checkpoint: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("events: checkpoint: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("events: checkpoint: syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("events: checkpoint: closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		os.Remove(tmp.Name())
		done = true
		return fmt.Errorf("events: checkpoint: %w", err)
	}
	done = true
	// The rename is durable once the directory is synced; where a
	// directory cannot be synced (some systems), the data is still whole.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// watchVersion is the version of the checkpoint format.
const watchVersion = 1

// watchState is what a change feed has seen: the content of its
// checkpoint, as JSON.
type watchState struct {
	Version int    `json:"version"`
	Vendor  string `json:"vendor"`
	Account string `json:"account"`
	// ContactsRead and ConversationsRead report that a poll has read
	// those lists; until then a poll records them silently (or emits
	// them, with Backlog).
	ContactsRead      bool                    `json:"contacts_read,omitempty"`
	Contacts          map[string]contactState `json:"contacts,omitempty"`
	ConversationsRead bool                    `json:"conversations_read,omitempty"`
	Conversations     map[string]convState    `json:"conversations,omitempty"`
}

// contactState is what the feed knows of a contact.
type contactState struct {
	// Fingerprint is a hash of the contact's neutral fields.
	Fingerprint string `json:"fp"`
	// Changes counts the updates emitted, for their DeliveryIDs.
	Changes int `json:"n,omitempty"`
}

// convState is what the feed knows of a conversation.
type convState struct {
	Status    support.ConversationStatus `json:"status,omitempty"`
	Assignee  string                     `json:"assignee,omitempty"`
	UpdatedAt time.Time                  `json:"updated_at,omitzero"`
	// Changes counts the status and assignee changes emitted, for their
	// DeliveryIDs.
	Changes int `json:"n,omitempty"`
	// MessagesRead reports that the watermark covers the conversation's
	// messages; Unread that they must be read at the next poll (a change
	// was emitted, the messages after it were not yet).
	MessagesRead bool `json:"messages_read,omitempty"`
	Unread       bool `json:"unread,omitempty"`
	watermark
}

// watermark says which messages of a conversation have been seen: every
// message created at or before Floor, and those of Recent. Recent holds
// the messages seen within lateWindow before Latest, the newest CreatedAt
// seen; Floor is lateWindow before Latest (or later, see Watch).
type watermark struct {
	Floor  time.Time            `json:"floor,omitzero"`
	Latest time.Time            `json:"latest,omitzero"`
	Recent map[string]time.Time `json:"recent,omitempty"`
}

// seen reports whether the message id created at at was seen.
func (w *watermark) seen(id string, at time.Time) bool {
	if !w.Floor.IsZero() && !at.After(w.Floor) {
		return true
	}
	_, ok := w.Recent[id]
	return ok
}

// add records the message id created at at, and forgets the IDs that the
// floor now covers.
func (w *watermark) add(id string, at time.Time) {
	if at.After(w.Latest) {
		w.Latest = at
	}
	if floor := w.Latest.Add(-lateWindow); w.Latest.After(time.Time{}.Add(lateWindow)) && floor.After(w.Floor) {
		w.Floor = floor
	}
	if w.Recent == nil {
		w.Recent = map[string]time.Time{}
	}
	w.Recent[id] = at
	for k, t := range w.Recent {
		if !w.Floor.IsZero() && !t.After(w.Floor) {
			delete(w.Recent, k)
		}
	}
}

// clone returns a copy of w that shares nothing with it.
func (w watermark) clone() watermark {
	out := w
	if w.Recent != nil {
		out.Recent = make(map[string]time.Time, len(w.Recent))
		for k, v := range w.Recent {
			out.Recent[k] = v
		}
	}
	return out
}

func newWatchState(vendor, account string) *watchState {
	return &watchState{Version: watchVersion, Vendor: vendor, Account: account,
		Contacts: map[string]contactState{}, Conversations: map[string]convState{}}
}

// encode returns st as JSON; the same state always gives the same bytes.
func (st *watchState) encode() []byte {
	data, err := json.Marshal(st)
	if err != nil {
		panic("events: encoding a watch state: " + err.Error()) // strings, numbers and times always encode
	}
	return data
}

// decodeWatchState reads a checkpoint's data. Anything but a checkpoint of
// this version (unknown fields, trailing data, empty IDs) is an error
// matching ErrBadCheckpoint.
func decodeWatchState(data []byte) (*watchState, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st watchState
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: not a change feed checkpoint: %v", ErrBadCheckpoint, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the checkpoint", ErrBadCheckpoint)
	}
	switch {
	case st.Version != watchVersion:
		return nil, fmt.Errorf("%w: format version %d; this library reads version %d", ErrBadCheckpoint, st.Version, watchVersion)
	case st.Vendor == "":
		return nil, fmt.Errorf("%w: it names no vendor", ErrBadCheckpoint)
	}
	for id, c := range st.Contacts {
		if id == "" || c.Changes < 0 {
			return nil, fmt.Errorf("%w: a contact with an empty ID or a negative change count", ErrBadCheckpoint)
		}
	}
	for id, c := range st.Conversations {
		if id == "" || c.Changes < 0 {
			return nil, fmt.Errorf("%w: a conversation with an empty ID or a negative change count", ErrBadCheckpoint)
		}
		for mid := range c.Recent {
			if mid == "" {
				return nil, fmt.Errorf("%w: conversation %.40q: a message with an empty ID", ErrBadCheckpoint, id)
			}
		}
	}
	if st.Contacts == nil {
		st.Contacts = map[string]contactState{}
	}
	if st.Conversations == nil {
		st.Conversations = map[string]convState{}
	}
	return &st, nil
}

// check refuses a state made for another vendor or account than the
// client's.
func (st *watchState) check(vendor, account string) error {
	if st.Vendor != vendor {
		return fmt.Errorf("%w: it was made for vendor %.40q, and this client is %.40q: a checkpoint serves the feed of one account", ErrBadCheckpoint, st.Vendor, vendor)
	}
	if st.Account != account {
		return fmt.Errorf("%w: it was made for the account %.80q, and this client reaches %.80q: a checkpoint serves the feed of one account", ErrBadCheckpoint, st.Account, account)
	}
	return nil
}

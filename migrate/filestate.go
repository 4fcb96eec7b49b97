package migrate

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/deskbridge/deskbridge/support"
)

// Buckets of a FileState.
var (
	bucketEntries = []byte("entries") // source ID → Entry (JSON)
	bucketPending = []byte("pending") // source ID → "" for every Pending entry
	bucketKeys    = []byte("keys")    // normalized key → target ID
	bucketTargets = []byte("targets") // target ID → Target (JSON)
	bucketMeta    = []byte("meta")    // checkpoint name → value
	bucketSeen    = []byte("seen")    // source ID → "" for every contact the pass listed
)

// ErrCorruptState is matched (errors.Is) by the errors of a FileState
// whose file is damaged: a page that is not what bbolt expects, a checksum
// that does not match, a record that cannot be decoded. The error names the
// file and what to do. The file is never written again once found corrupt,
// so nothing it still holds is lost: restore it from a backup, or start
// with a new state file (the target keeps what was written; a new state
// matches those contacts instead of creating them again).
var ErrCorruptState = errors.New("the state file is corrupt")

// FileState is a State kept in a single file (a bbolt database). Every
// Commit is one bbolt read-write transaction, which is atomic and is synced
// to disk before Commit returns, so a process killed at any point leaves the
// state as of its last completed commit point. Nothing of the ID map or the
// target index is held in memory, so a migration's memory does not grow with
// the number of contacts (apart from bbolt's record of the pages it allocated
// since the file was opened: about 2 bytes per contact).
//
// A damaged file is reported, never repaired or overwritten: OpenState
// checks the whole file before it writes anything, and every method turns
// what bbolt reports of a damaged page (an error, or a panic) into an
// error matching ErrCorruptState, after which the FileState refuses every
// call.
//
// A FileState is safe for concurrent use, but a file can be open in one
// FileState (one process) at a time.
type FileState struct {
	db   *bolt.DB
	path string
	// broken is the first corruption found; every call fails with it.
	broken atomic.Pointer[error]
}

// OpenState opens the state file at path, creating it if needed. It fails
// after a second if another process holds the file. A file that is not a
// valid state (damaged pages, another kind of file) fails with an error
// matching ErrCorruptState, and is left exactly as it was.
func OpenState(path string) (*FileState, error) {
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		// Check every page read-only first: a damaged file must be found
		// before the read-write open, which may write to it.
		if err := checkFile(path); err != nil {
			return nil, err
		}
	}
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		return err
	})
	if err != nil {
		return nil, stateError(path, "open state", err)
	}
	s := &FileState{db: db, path: path}
	err = s.update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEntries, bucketPending, bucketKeys, bucketTargets, bucketMeta, bucketSeen} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate: initialize state: %w", err)
	}
	return s, nil
}

// checkFile opens the bbolt file at path read-only and checks its pages
// (bbolt's consistency check), so that damage is found before anything is
// written.
func checkFile(path string) error {
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		return err
	})
	if err != nil {
		return stateError(path, "open state", err)
	}
	defer db.Close()
	err = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			var first error
			for err := range tx.Check() { // drained: the check runs to its end
				if first == nil {
					first = &corruption{err}
				}
			}
			return first
		})
	})
	if err != nil {
		return stateError(path, "check state", err)
	}
	return nil
}

// corruption marks an error as damage to the file.
type corruption struct{ err error }

func (c *corruption) Error() string { return c.err.Error() }
func (c *corruption) Unwrap() error { return c.err }

// guard calls fn, turning a panic (bbolt panics on pages it finds damaged)
// into a corruption error.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &corruption{fmt.Errorf("%v", p)}
		}
	}()
	return fn()
}

// corrupt reports whether err says the file is damaged.
func corrupt(err error) bool {
	var c *corruption
	return errors.As(err, &c) || errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrInvalidMapping)
}

// stateError is the error of what (an operation) on the file at path.
func stateError(path, what string, err error) error {
	if corrupt(err) {
		return fmt.Errorf("migrate: %s %s: %w (%w); the file was left as it is: restore it from a backup, "+
			"or start with a new state file (the target keeps the contacts already written, and a new state "+
			"matches them instead of creating them again)", what, path, ErrCorruptState, err)
	}
	return fmt.Errorf("migrate: %s %s: %w", what, path, err)
}

// view and update run fn in a read or read-write transaction. A damaged
// file (found now or before) fails them with ErrCorruptState, and the
// FileState is then refused for good, so that a damaged file is never
// written to.
func (s *FileState) view(fn func(*bolt.Tx) error) error { return s.tx(false, fn) }

func (s *FileState) update(fn func(*bolt.Tx) error) error { return s.tx(true, fn) }

func (s *FileState) tx(write bool, fn func(*bolt.Tx) error) error {
	if p := s.broken.Load(); p != nil {
		return *p
	}
	err := guard(func() error {
		if write {
			return s.db.Update(fn)
		}
		return s.db.View(fn)
	})
	if err == nil || !corrupt(err) {
		return err
	}
	err = stateError(s.path, "state", err)
	s.broken.CompareAndSwap(nil, &err)
	return *s.broken.Load()
}

// Close closes the file. Closing in the middle of a migration is safe: the
// next run resumes from the last commit point.
func (s *FileState) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("migrate: close state: %w", err)
	}
	return nil
}

// Entry returns the ID-map entry of a source contact.
func (s *FileState) Entry(sourceID string) (Entry, bool, error) {
	var e Entry
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketEntries).Get([]byte(sourceID))
		if v == nil {
			return nil
		}
		ok = true
		return decodeEntry(sourceID, v, &e)
	})
	return e, ok, err
}

// Lookup returns the target contact indexed under a normalized key.
func (s *FileState) Lookup(key string) (Target, bool, error) {
	var t Target
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketKeys).Get([]byte(key))
		if id == nil {
			return nil
		}
		v := tx.Bucket(bucketTargets).Get(id)
		if v == nil {
			return nil
		}
		ok = true
		var st storedTarget
		if err := json.Unmarshal(v, &st); err != nil {
			return &corruption{fmt.Errorf("target %q: %w", id, err)}
		}
		t = st.target(string(id))
		return nil
	})
	return t, ok, err
}

// Checkpoint returns a saved checkpoint, "" when there is none.
func (s *FileState) Checkpoint(name string) (string, error) {
	var v string
	err := s.view(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get([]byte(name)))
		return nil
	})
	return v, err
}

// Entries returns up to limit entries in source ID order, after the source
// ID after ("" is from the start).
func (s *FileState) Entries(after string, limit int) ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketEntries).Cursor()
		k, v := cur.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = cur.Next()
		}
		for ; k != nil && len(out) < limit; k, v = cur.Next() {
			var e Entry
			if err := decodeEntry(string(k), v, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Target returns the indexed target contact with this ID.
func (s *FileState) Target(id string) (Target, bool, error) {
	var t Target
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTargets).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		var st storedTarget
		if err := json.Unmarshal(v, &st); err != nil {
			return &corruption{fmt.Errorf("target %q: %w", id, err)}
		}
		t = st.target(id)
		return nil
	})
	return t, ok, err
}

// Seen reports whether the current pass listed the source contact.
func (s *FileState) Seen(sourceID string) (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketSeen).Get([]byte(sourceID)) != nil
		return nil
	})
	return ok, err
}

// Pending returns the entries whose Outcome is Pending, by source ID.
func (s *FileState) Pending() ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bolt.Tx) error {
		entries := tx.Bucket(bucketEntries)
		return tx.Bucket(bucketPending).ForEach(func(k, _ []byte) error {
			v := entries.Get(k)
			if v == nil {
				return &corruption{fmt.Errorf("pending %q has no entry", k)}
			}
			var e Entry
			if err := decodeEntry(string(k), v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// Commit applies c in one transaction, synced to disk before it returns.
func (s *FileState) Commit(c *Commit) error {
	err := s.update(func(tx *bolt.Tx) error {
		var reset [][]byte
		if c.ResetIndex {
			reset = append(reset, bucketKeys, bucketTargets)
		}
		if c.ResetSeen {
			reset = append(reset, bucketSeen)
		}
		for _, name := range reset {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		seen := tx.Bucket(bucketSeen)
		for _, id := range c.Seen {
			if err := seen.Put([]byte(id), nil); err != nil {
				return err
			}
		}
		entries, pending := tx.Bucket(bucketEntries), tx.Bucket(bucketPending)
		for _, id := range c.Drop {
			if err := entries.Delete([]byte(id)); err != nil {
				return err
			}
			if err := pending.Delete([]byte(id)); err != nil {
				return err
			}
		}
		for _, e := range c.Entries {
			if e.SourceID == "" {
				return errors.New("entry without a source ID")
			}
			id := []byte(e.SourceID)
			// The source ID is the key; not repeating it in the value
			// keeps a large map small.
			v := e
			v.SourceID = ""
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := entries.Put(id, b); err != nil {
				return err
			}
			if e.Outcome == Pending {
				err = pending.Put(id, nil)
			} else {
				err = pending.Delete(id)
			}
			if err != nil {
				return err
			}
		}
		keys, targets := tx.Bucket(bucketKeys), tx.Bucket(bucketTargets)
		for _, t := range c.Targets {
			b, err := json.Marshal(toStored(t))
			if err != nil {
				return err
			}
			if err := targets.Put([]byte(t.ID), b); err != nil {
				return err
			}
			for _, k := range t.Keys {
				if keys.Get([]byte(k)) != nil {
					continue
				}
				if err := keys.Put([]byte(k), []byte(t.ID)); err != nil {
					return err
				}
			}
		}
		meta := tx.Bucket(bucketMeta)
		for k, v := range c.Checkpoints {
			if err := meta.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrCorruptState) {
			return err
		}
		return fmt.Errorf("migrate: state commit: %w", err)
	}
	return nil
}

// csvHeader is the first row ExportCSV writes.
var csvHeader = []string{"source_id", "target_id", "outcome", "resolved", "keys", "warnings", "reason"}

// ExportCSV writes the ID map as CSV, one row per source contact in source ID
// order, after the header row
//
//	source_id,target_id,outcome,resolved,keys,warnings,reason
//
// keys are space-separated normalized keys ("email:ada@example.com
// phone:+442079460958"); warnings are "field: message" items separated by
// "; ". Contacts that failed have an empty target_id and a reason. outcome
// is an Outcome: "upserted" (with resolved true) marks a contact whose
// upsert's response was lost, found in the target, of which it cannot be
// told whether the upsert created it, updated it or left it as it was;
// "created" with resolved true is only ever a lost create of a contact the
// target's index did not hold.
func (s *FileState) ExportCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	err := s.view(func(tx *bolt.Tx) error {
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
			var e Entry
			if err := decodeEntry(string(k), v, &e); err != nil {
				return err
			}
			warns := make([]string, len(e.Warnings))
			for i, w := range e.Warnings {
				warns[i] = w.String()
			}
			return cw.Write([]string{
				e.SourceID, e.TargetID, string(e.Outcome), strconv.FormatBool(e.Resolved),
				strings.Join(e.Keys, " "), strings.Join(warns, "; "), e.Reason,
			})
		})
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return fmt.Errorf("migrate: export CSV: %w", err)
	}
	return nil
}

// storedTarget is how a Target is kept on disk: without its ID (the key)
// and without empty fields, as there may be millions. It holds every field
// of support.ContactInput (under its json names, which are the names older
// files used for the fields they kept), so that a matched contact is
// compared with all that the target holds: an index that forgot a field
// (email consent, which every Tidio contact has) took every contact that
// sets it for changed, and sent an update that changed nothing. Listed
// keeps Target.listed, so that a contact indexed from a list that omits
// fields is read before it is compared, as a dry run (indexed in memory)
// reads it.
type storedTarget struct {
	Keys []string `json:"keys,omitempty"`
	support.ContactInput
	Listed bool `json:"listed,omitempty"`
}

func toStored(t Target) storedTarget {
	return storedTarget{Keys: t.Keys, ContactInput: t.Fields, Listed: t.listed}
}

func (s storedTarget) target(id string) Target {
	return Target{ID: id, Keys: s.Keys, Fields: s.ContactInput, listed: s.Listed}
}

func decodeEntry(sourceID string, v []byte, e *Entry) error {
	var se storedEntry
	err := json.Unmarshal(v, &se)
	if err == nil && se.Input != nil && string(se.Input) != "null" {
		se.Entry.Input, err = decodeInput(se.Input)
	}
	if err != nil {
		return &corruption{fmt.Errorf("entry %q: %w", sourceID, err)}
	}
	*e = se.Entry
	e.SourceID = sourceID
	return nil
}

// storedEntry is how an Entry is read from disk: its input raw, for
// decodeInput.
type storedEntry struct {
	Entry
	Input json.RawMessage `json:"input,omitempty"`
}

// decodeInput decodes a stored Entry.Input. Entries stored before
// support.ContactInput had json tags hold it keyed by its Go field names
// ("FirstName", always present: nothing was omitted), and their warnings
// keyed "Field" and "Message" (which encoding/json matches to "field" and
// "message", ignoring case).
func decodeInput(raw json.RawMessage) (*support.ContactInput, error) {
	var probe struct {
		Legacy json.RawMessage `json:"FirstName"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, err
	}
	var in support.ContactInput
	if probe.Legacy == nil {
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, err
		}
		return &in, nil
	}
	var old legacyInput
	if err := json.Unmarshal(raw, &old); err != nil {
		return nil, err
	}
	in = support.ContactInput{
		FirstName: old.FirstName, LastName: old.LastName, Email: old.Email, Phone: old.Phone,
		Language: old.Language, Country: old.Country, City: old.City, EmailConsent: old.EmailConsent,
		Lifecycle: old.Lifecycle, AvatarURL: old.AvatarURL, ExternalID: old.ExternalID,
		Tags: old.Tags, CustomFields: old.CustomFields,
	}
	return &in, nil
}

// legacyInput is support.ContactInput as entries stored before it had json
// tags hold it.
type legacyInput struct {
	FirstName    string            `json:"FirstName"`
	LastName     string            `json:"LastName"`
	Email        string            `json:"Email"`
	Phone        string            `json:"Phone"`
	Language     string            `json:"Language"`
	Country      string            `json:"Country"`
	City         string            `json:"City"`
	EmailConsent support.Consent   `json:"EmailConsent"`
	Lifecycle    string            `json:"Lifecycle"`
	AvatarURL    string            `json:"AvatarURL"`
	ExternalID   string            `json:"ExternalID"`
	Tags         []string          `json:"Tags"`
	CustomFields map[string]string `json:"CustomFields"`
}

package migrate

import (
	"maps"
	"slices"
	"sync"

	"github.com/deskbridge/deskbridge/support"
)

// Outcome is what a migration did with one source contact.
type Outcome string

// Outcomes of a source contact. Created, Updated, Unchanged, Matched and
// Upserted mean the contact is in the target and mapped; the other ones mean
// it is not (yet).
const (
	// Created: a new target contact was stored. A write whose response was
	// lost (Entry.Resolved) is Created only when it was a create of a contact
	// that the index showed absent (StrategyBatch), never an upsert.
	Created Outcome = "created"
	// Updated: an existing target contact matched and was changed. After a
	// lost upsert, it is the contact found still differing and then updated.
	Updated Outcome = "updated"
	// Unchanged: an existing target contact matched and already had the
	// values; nothing was written (or the write changed nothing).
	Unchanged Outcome = "unchanged"
	// Matched: an existing target contact matched and was left as it is,
	// because the target cannot update contacts. Warnings list what differs.
	Matched Outcome = "matched"
	// Upserted: an upsert's response was lost (Entry.Resolved) and the
	// contact was then found in the target with the values sent: it is
	// mapped, but whether the upsert created it, updated it or found it
	// already up to date cannot be told (the target shows the contact only
	// as it is after the write), so no guess is recorded.
	Upserted Outcome = "upserted"
	// Skipped: the contact was mapped by an earlier run; nothing was sent.
	// It is a report outcome only, never stored.
	Skipped Outcome = "skipped"
	// Failed: the target refused the contact; the reason says why. Nothing
	// was stored, so the next run tries it again.
	Failed Outcome = "failed"
	// Conflict: the target contact that a match key found for the contact
	// is another person, because an earlier match key has a different,
	// non-empty value on both (the identity rule; Report.IdentityConflicts
	// lists them). Nothing was written. Like Failed, the next run tries it
	// again: unless the source or the target changed, it is a conflict
	// again, and costs no write.
	Conflict Outcome = "conflict"
	// Pending: an intent. A create or an upsert (Entry.Write) was (or was
	// about to be) sent and its result is not recorded yet. The next run
	// looks the contact up in the target instead of sending it again.
	Pending Outcome = "pending"
	// Unresolved: a write's result was lost and neither the target's
	// lookups nor a listing of it can tell whether it was stored: the
	// listing holds more new contacts with its fields than there were such
	// writes (see "Crash safety" in the package documentation), or the
	// target cannot list its contacts. It may or may not be in the target;
	// it is never sent again automatically and is reported as a failure on
	// every run until someone checks it.
	Unresolved Outcome = "unresolved"
)

// mapped reports whether the outcome means the contact is in the target.
func (o Outcome) mapped() bool {
	return o == Created || o == Updated || o == Unchanged || o == Matched || o == Upserted
}

// Write is the kind of write a Pending entry stands for, which decides the
// outcome recorded when the contact is found after the write's response was
// lost.
type Write string

// Kinds of write.
const (
	// WriteCreate: a create of a contact that the index showed absent from
	// the target (StrategyBatch): found, the contact is Created.
	WriteCreate Write = "create"
	// WriteUpsert: an upsert (StrategyUpsert), which may have matched a
	// contact already in the target: found, the contact is Upserted.
	WriteUpsert Write = "upsert"
)

// Entry is one row of the ID map: what happened to a source contact.
type Entry struct {
	// SourceID is the contact's ID on the source platform.
	SourceID string `json:"source_id"`
	// TargetID is the contact's ID on the target platform, when mapped.
	TargetID string `json:"target_id,omitempty"`
	// Outcome is what happened; Pending marks an intent.
	Outcome Outcome `json:"outcome"`
	// Write is, on a Pending entry, the write the intent stands for; empty
	// on the other entries. An intent stored without it (by an earlier
	// version) is taken as a create when its pass used StrategyBatch and as
	// an upsert otherwise.
	Write Write `json:"write,omitempty"`
	// Keys are the normalized keys the contact can be found by in the
	// target: "external_id:…", "email:…" (lower case), "phone:…" (E.164).
	Keys []string `json:"keys,omitempty"`
	// Warnings list the fields the target could not hold as given.
	Warnings []support.Warning `json:"warnings,omitempty"`
	// Reason says why the contact failed or is unresolved.
	Reason string `json:"reason,omitempty"`
	// Kind, Status and Code are, on a Failed entry, those of its Failure:
	// the error kind ("invalid input", ...), the vendor's HTTP status and
	// its error code, when known, so that a later run that reports the
	// refusal again without sending the contact (Failure.Remembered) tells
	// them too. Empty on entries stored by an earlier version, whose
	// remembered failures have a Reason only.
	Kind   string `json:"kind,omitempty"`
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	// Resolved is true when the write's response was lost and the result was
	// established by looking the contact up in the target: Created for a
	// create, Upserted or Updated for an upsert (see the Outcomes).
	Resolved bool `json:"resolved,omitempty"`
	// Input is, on a Pending entry, the prepared input the write sends (with
	// the first name of Options.FirstNameFrom, where the write may need it), so
	// that a contact the target cannot look up by a key (a name or a phone
	// only, on a target that finds contacts by email alone) can be found
	// after a crash by its fields, in a listing of the target; nil on the
	// other entries, and on intents stored by an earlier version.
	Input *support.ContactInput `json:"input,omitempty"`
	// Fingerprint is a hash of the contact's mapped input (Options.Map's
	// result, normalized: see Fingerprint) as last written or refused. A
	// run compares it with the source contact's current one: unchanged, a
	// mapped contact is skipped and a refused one is not sent again (unless
	// Options.RetryFailed); changed, a mapped contact is brought up to date
	// and a refused one is tried again. Empty on entries stored by an
	// earlier version, which adopt the current fingerprint without a write.
	Fingerprint string `json:"fp,omitempty"`
}

// Target is a contact of the target platform as the migration knows it: its
// ID, the normalized keys it is found by, and its writable fields (to decide
// whether a matched source contact changes anything).
type Target struct {
	// ID is the contact's ID on the target platform.
	ID string `json:"id"`
	// Keys are its normalized keys, as in Entry.Keys.
	Keys []string `json:"keys,omitempty"`
	// Fields are its writable fields, as last read or written.
	Fields support.ContactInput `json:"fields"`
	// listed: Fields are as the target's list gave them, without the
	// fields it omits (Capabilities.ListOmits); set only for a target
	// whose list omits some. FileState stores it with the target.
	listed bool
}

// Commit is one atomic change to a State: all of it is applied durably, or
// none of it.
type Commit struct {
	// ResetIndex drops every indexed target (before the rest is applied), at
	// the start of a pass that indexes the target again.
	ResetIndex bool
	// Drop removes the entries of these source IDs.
	Drop []string
	// Entries are stored by SourceID, replacing earlier ones. An entry is
	// pending exactly when its Outcome is Pending.
	Entries []Entry
	// Targets are stored by ID, and indexed under each of their Keys that
	// is not indexed yet: the first contact found with a key keeps it, as
	// support.ContactsAPI.GetContact returns the earliest of duplicates.
	Targets []Target
	// Checkpoints are saved by name.
	Checkpoints map[string]string
	// ResetSeen forgets which source contacts the pass listed (before the
	// rest is applied), at the start of a pass.
	ResetSeen bool
	// Seen are source IDs the current pass listed, so that a complete pass
	// can tell the mapped contacts it did not list (deleted in the source).
	Seen []string
}

func (c *Commit) empty() bool {
	return !c.ResetIndex && !c.ResetSeen && len(c.Drop) == 0 && len(c.Entries) == 0 && len(c.Targets) == 0 &&
		len(c.Checkpoints) == 0 && len(c.Seen) == 0
}

// State holds a migration's ID map (source ID → Entry), its index of the
// target's contacts (normalized key → Target) and its checkpoints. A migration
// run with the same State continues where the last one stopped.
//
// A State serves one Run at a time; Run calls Commit at each commit point,
// from one goroutine. FileState is the durable implementation; a nil
// Options.State is an in-memory one that lives for one run.
type State interface {
	// Entry returns the ID-map entry of a source contact.
	Entry(sourceID string) (Entry, bool, error)
	// Lookup returns the target contact indexed under a normalized key.
	Lookup(key string) (Target, bool, error)
	// Checkpoint returns a saved checkpoint, "" when there is none.
	Checkpoint(name string) (string, error)
	// Pending returns the entries whose Outcome is Pending.
	Pending() ([]Entry, error)
	// Commit applies c atomically and durably.
	Commit(c *Commit) error
	// Entries returns up to limit entries in source ID order, those after
	// the source ID after ("" is from the start), for Verify and for
	// finding the contacts a pass did not list.
	Entries(after string, limit int) ([]Entry, error)
	// Seen reports whether the current pass listed the source contact
	// (Commit.Seen).
	Seen(sourceID string) (bool, error)
	// Target returns the indexed target contact with this ID.
	Target(id string) (Target, bool, error)
}

// Checkpoint names. The phase says where the current pass is.
const (
	cpPhase        = "phase"
	cpSourceCursor = "source.cursor"
	cpIndexCursor  = "index.cursor"
	cpSourceVendor = "source.vendor"
	cpTargetVendor = "target.vendor"
	cpStrategy     = "strategy"
	cpSourceAcct   = "source.account"
	cpTargetAcct   = "target.account"
	// cpPassListed is how many source contacts the pages that the current
	// pass finished held (those before cpSourceCursor); cpSourceTotal, how
	// many the last complete pass listed. Both feed Progress.Total; a state
	// written before them has neither, and its runs have no total.
	cpPassListed  = "pass.listed"
	cpSourceTotal = "source.total"

	phaseIndex = "index"
	phaseCopy  = "copy"
	phaseDone  = "done"
)

// memState is the State used when Options.State is nil. Its memory grows
// with the number of contacts; OpenState keeps it on disk instead.
type memState struct {
	mu          sync.Mutex
	entries     map[string]Entry
	pending     map[string]bool
	keys        map[string]string
	targets     map[string]Target
	checkpoints map[string]string
	seen        map[string]bool
}

func newMemState() *memState {
	return &memState{
		entries: map[string]Entry{}, pending: map[string]bool{}, keys: map[string]string{},
		targets: map[string]Target{}, checkpoints: map[string]string{}, seen: map[string]bool{},
	}
}

func (m *memState) Entries(after string, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, id := range slices.Sorted(maps.Keys(m.entries)) {
		if id > after && len(out) < limit {
			out = append(out, m.entries[id])
		}
	}
	return out, nil
}

func (m *memState) Target(id string) (Target, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.targets[id]
	return t, ok, nil
}

func (m *memState) Seen(sourceID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen[sourceID], nil
}

func (m *memState) Entry(sourceID string) (Entry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[sourceID]
	return e, ok, nil
}

func (m *memState) Lookup(key string) (Target, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.keys[key]
	if !ok {
		return Target{}, false, nil
	}
	t, ok := m.targets[id]
	return t, ok, nil
}

func (m *memState) Checkpoint(name string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.checkpoints[name], nil
}

func (m *memState) Pending() ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Entry, 0, len(m.pending))
	for _, id := range slices.Sorted(maps.Keys(m.pending)) {
		out = append(out, m.entries[id])
	}
	return out, nil
}

func (m *memState) Commit(c *Commit) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.ResetIndex {
		clear(m.keys)
		clear(m.targets)
	}
	if c.ResetSeen {
		clear(m.seen)
	}
	for _, id := range c.Seen {
		m.seen[id] = true
	}
	for _, id := range c.Drop {
		delete(m.entries, id)
		delete(m.pending, id)
	}
	for _, e := range c.Entries {
		m.entries[e.SourceID] = e
		if e.Outcome == Pending {
			m.pending[e.SourceID] = true
		} else {
			delete(m.pending, e.SourceID)
		}
	}
	for _, t := range c.Targets {
		m.targets[t.ID] = t
		for _, k := range t.Keys {
			if _, ok := m.keys[k]; !ok {
				m.keys[k] = t.ID
			}
		}
	}
	maps.Copy(m.checkpoints, c.Checkpoints)
	return nil
}

// overlay is the State of a dry run: it reads through to the real State and
// keeps every change in memory, so that planning sees its own decisions
// (source duplicates, the fresh index) and the real State is never written.
type overlay struct {
	base  State
	mem   *memState
	reset bool
}

func newOverlay(base State) *overlay { return &overlay{base: base, mem: newMemState()} }

func (o *overlay) Entry(sourceID string) (Entry, bool, error) {
	if e, ok, _ := o.mem.Entry(sourceID); ok {
		return e, true, nil
	}
	return o.base.Entry(sourceID)
}

func (o *overlay) Lookup(key string) (Target, bool, error) {
	if t, ok, _ := o.mem.Lookup(key); ok || o.reset {
		return t, ok, nil
	}
	return o.base.Lookup(key)
}

func (o *overlay) Checkpoint(name string) (string, error) {
	o.mem.mu.Lock()
	v, ok := o.mem.checkpoints[name]
	o.mem.mu.Unlock()
	if ok {
		return v, nil
	}
	return o.base.Checkpoint(name)
}

// Entries returns the real State's entries: a dry run plans, and commits
// no entry Verify or a deletion count needs.
func (o *overlay) Entries(after string, limit int) ([]Entry, error) {
	return o.base.Entries(after, limit)
}

func (o *overlay) Target(id string) (Target, bool, error) {
	if t, ok, _ := o.mem.Target(id); ok || o.reset {
		return t, ok, nil
	}
	return o.base.Target(id)
}

// Seen reports what the dry run listed (it starts a pass of its own).
func (o *overlay) Seen(sourceID string) (bool, error) { return o.mem.Seen(sourceID) }

// Pending returns nothing: a dry run resolves nothing, and reports the
// records that the real run would resolve as skipped.
func (o *overlay) Pending() ([]Entry, error) { return nil, nil }

func (o *overlay) Commit(c *Commit) error {
	if c.ResetIndex {
		o.reset = true
	}
	return o.mem.Commit(c)
}

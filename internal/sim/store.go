package sim

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Store is an in-memory collection of values keyed by ID, kept in insertion
// order, safe for concurrent use. It is what a simulator keeps its contacts,
// conversations and messages in, and what tests read to count duplicates.
//
// Every ID gets a position when it is first put; replacing its value keeps
// the position, deleting it and putting it again moves it to the end. Page
// lists values in position order from a position key (the ID of the last
// value already seen), so a listing neither repeats nor skips values that
// exist throughout, whatever is inserted or deleted between pages. An ID keeps
// working as a position key after it is deleted.
//
// Indexes (see Index) find values by secondary keys such as a normalised
// email in constant time, which keeps dedup-on-create fast on large stores.
//
// Values are stored as given: store plain values (not pointers or values
// sharing maps and slices with the caller) if snapshots should not change
// under a test's feet. The zero Store is empty and ready to use.
type Store[V any] struct {
	mu      sync.RWMutex
	byID    map[string]*slot[V]
	order   []*slot[V] // by pos; deleted slots stay until compacted
	dead    int        // deleted slots still in order
	lastPos uint64
	gone    map[string]uint64 // deleted ID -> its last position
	indexes map[string]*index[V]
}

type slot[V any] struct {
	id      string
	pos     uint64
	val     V
	deleted bool
}

type index[V any] struct {
	keys func(V) []string
	m    map[string][]*slot[V] // each list sorted by pos
}

// Entry is one value of a Store with its ID.
type Entry[V any] struct {
	ID    string
	Value V
}

// Page is one page of a Store listing.
type Page[V any] struct {
	// Items are the page's entries, in position order.
	Items []Entry[V]
	// Next is the position key to pass to Page for the following page, or ""
	// if no matching entry follows this page.
	Next string
}

// Tx is a view of a Store inside Atomically, holding its write lock. Its
// changes apply as they are made; there is no rollback.
type Tx[V any] struct{ s *Store[V] }

// Atomically runs fn with the store locked for writing, so that a lookup and
// the write that depends on it (dedup on create, an all-or-nothing batch)
// cannot interleave with other requests. fn must not call the Store's own
// methods, only tx's, and must not keep tx after returning.
func (s *Store[V]) Atomically(fn func(tx *Tx[V])) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&Tx[V]{s: s})
}

// Get returns the value stored under id.
func (s *Store[V]) Get(id string) (V, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.get(id)
}

// Put stores v under id and reports whether id is new. A new ID goes to the
// end of the order; an existing one keeps its position.
func (s *Store[V]) Put(id string, v V) (created bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(id, v)
}

// Delete removes id and reports whether it was there.
func (s *Store[V]) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delete(id)
}

// Len returns the number of values stored.
func (s *Store[V]) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byID)
}

// Snapshot returns every entry, in order.
func (s *Store[V]) Snapshot() []Entry[V] {
	return s.FindAll(nil)
}

// Values returns every value, in order.
func (s *Store[V]) Values() []V {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]V, 0, len(s.byID))
	for _, sl := range s.order {
		if !sl.deleted {
			out = append(out, sl.val)
		}
	}
	return out
}

// Find returns the first entry, in order, for which keep returns true.
// keep runs with the store locked and must not call its methods.
func (s *Store[V]) Find(keep func(id string, v V) bool) (Entry[V], bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.find(keep)
}

// FindAll returns every entry, in order, for which keep returns true (every
// entry if keep is nil). keep runs with the store locked and must not call
// its methods.
func (s *Store[V]) FindAll(keep func(id string, v V) bool) []Entry[V] {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Entry[V]
	for _, sl := range s.order {
		if !sl.deleted && (keep == nil || keep(sl.id, sl.val)) {
			out = append(out, Entry[V]{sl.id, sl.val})
		}
	}
	return out
}

// Index declares (or replaces) the secondary index name: keys returns the
// keys a value is found under (empty keys are ignored), which Lookup and
// LookupAll then search. Keys need not be unique: Tidio allows two contacts
// with one email. Declare indexes before serving; existing values are
// indexed at once. keys runs with the store locked and must not call its
// methods.
func (s *Store[V]) Index(name string, keys func(v V) []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.indexes == nil {
		s.indexes = map[string]*index[V]{}
	}
	ix := &index[V]{keys: keys, m: map[string][]*slot[V]{}}
	s.indexes[name] = ix
	for _, sl := range s.order {
		if !sl.deleted {
			ix.add(sl)
		}
	}
}

// Lookup returns the first entry, in order, stored under key in the index
// name. It panics if no such index was declared, which is a simulator bug.
func (s *Store[V]) Lookup(name, key string) (Entry[V], bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lookup(name, key)
}

// LookupAll returns every entry, in order, stored under key in the index
// name. It panics if no such index was declared.
func (s *Store[V]) LookupAll(name, key string) []Entry[V] {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lookupAll(name, key)
}

// Page returns up to limit entries for which keep returns true (all entries
// if keep is nil), in order, starting after the position key after ("" for
// the beginning). A limit of zero or less means no limit. An after that was
// never an ID of this store fails with an error matching ErrBadCursor.
// keep runs with the store locked and must not call its methods.
//
// Page finds its starting point by binary search, so listing a large store
// costs time in proportion to what it returns (plus what keep rejects).
func (s *Store[V]) Page(after string, limit int, keep func(id string, v V) bool) (Page[V], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var from uint64
	if after != "" {
		if sl, ok := s.byID[after]; ok {
			from = sl.pos
		} else if pos, ok := s.gone[after]; ok {
			from = pos
		} else {
			return Page[V]{}, fmt.Errorf("%w: unknown position %q", ErrBadCursor, after)
		}
	}
	var p Page[V]
	i := sort.Search(len(s.order), func(i int) bool { return s.order[i].pos > from })
	for ; i < len(s.order); i++ {
		sl := s.order[i]
		if sl.deleted || (keep != nil && !keep(sl.id, sl.val)) {
			continue
		}
		if limit > 0 && len(p.Items) == limit {
			p.Next = p.Items[len(p.Items)-1].ID
			break
		}
		p.Items = append(p.Items, Entry[V]{sl.id, sl.val})
	}
	return p, nil
}

// Get returns the value stored under id.
func (tx *Tx[V]) Get(id string) (V, bool) { return tx.s.get(id) }

// Put stores v under id and reports whether id is new; see Store.Put.
func (tx *Tx[V]) Put(id string, v V) (created bool) { return tx.s.put(id, v) }

// Delete removes id and reports whether it was there.
func (tx *Tx[V]) Delete(id string) bool { return tx.s.delete(id) }

// Len returns the number of values stored.
func (tx *Tx[V]) Len() int { return len(tx.s.byID) }

// Find returns the first entry, in order, for which keep returns true.
func (tx *Tx[V]) Find(keep func(id string, v V) bool) (Entry[V], bool) { return tx.s.find(keep) }

// Lookup returns the first entry stored under key in the index name; see
// Store.Lookup.
func (tx *Tx[V]) Lookup(name, key string) (Entry[V], bool) { return tx.s.lookup(name, key) }

// LookupAll returns every entry stored under key in the index name.
func (tx *Tx[V]) LookupAll(name, key string) []Entry[V] { return tx.s.lookupAll(name, key) }

func (s *Store[V]) get(id string) (V, bool) {
	if sl, ok := s.byID[id]; ok {
		return sl.val, true
	}
	var zero V
	return zero, false
}

func (s *Store[V]) put(id string, v V) bool {
	if sl, ok := s.byID[id]; ok {
		for _, ix := range s.indexes {
			ix.remove(sl)
		}
		sl.val = v
		for _, ix := range s.indexes {
			ix.add(sl)
		}
		return false
	}
	if s.byID == nil {
		s.byID = map[string]*slot[V]{}
	}
	s.lastPos++
	sl := &slot[V]{id: id, pos: s.lastPos, val: v}
	s.byID[id] = sl
	s.order = append(s.order, sl)
	delete(s.gone, id)
	for _, ix := range s.indexes {
		ix.add(sl)
	}
	return true
}

func (s *Store[V]) delete(id string) bool {
	sl, ok := s.byID[id]
	if !ok {
		return false
	}
	for _, ix := range s.indexes {
		ix.remove(sl)
	}
	delete(s.byID, id)
	sl.deleted = true
	var zero V
	sl.val = zero // let the value be collected before compaction
	s.dead++
	if s.gone == nil {
		s.gone = map[string]uint64{}
	}
	s.gone[id] = sl.pos
	// Compact once most of order is dead, so deletes stay O(1) amortised.
	if s.dead > 64 && s.dead*2 > len(s.order) {
		s.order = slices.DeleteFunc(s.order, func(sl *slot[V]) bool { return sl.deleted })
		s.dead = 0
	}
	return true
}

func (s *Store[V]) find(keep func(id string, v V) bool) (Entry[V], bool) {
	for _, sl := range s.order {
		if !sl.deleted && keep(sl.id, sl.val) {
			return Entry[V]{sl.id, sl.val}, true
		}
	}
	return Entry[V]{}, false
}

func (s *Store[V]) index(name string) *index[V] {
	ix, ok := s.indexes[name]
	if !ok {
		panic(fmt.Sprintf("sim: Store has no index %q", name))
	}
	return ix
}

func (s *Store[V]) lookup(name, key string) (Entry[V], bool) {
	if l := s.index(name).m[key]; len(l) > 0 {
		return Entry[V]{l[0].id, l[0].val}, true
	}
	return Entry[V]{}, false
}

func (s *Store[V]) lookupAll(name, key string) []Entry[V] {
	l := s.index(name).m[key]
	out := make([]Entry[V], len(l))
	for i, sl := range l {
		out[i] = Entry[V]{sl.id, sl.val}
	}
	return out
}

// add files sl under each of its keys, keeping every list in position order.
func (ix *index[V]) add(sl *slot[V]) {
	for _, k := range ix.uniqueKeys(sl.val) {
		l := ix.m[k]
		i, _ := slices.BinarySearchFunc(l, sl.pos, func(e *slot[V], pos uint64) int {
			switch {
			case e.pos < pos:
				return -1
			case e.pos > pos:
				return 1
			}
			return 0
		})
		ix.m[k] = slices.Insert(l, i, sl)
	}
}

func (ix *index[V]) remove(sl *slot[V]) {
	for _, k := range ix.uniqueKeys(sl.val) {
		l := slices.DeleteFunc(ix.m[k], func(e *slot[V]) bool { return e == sl })
		if len(l) == 0 {
			delete(ix.m, k)
		} else {
			ix.m[k] = l
		}
	}
}

func (ix *index[V]) uniqueKeys(v V) []string {
	keys := ix.keys(v)
	out := keys[:0:0]
	for _, k := range keys {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

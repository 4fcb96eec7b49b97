package events

import (
	"context"
	"fmt"
	"sync"
)

// Dedup remembers the delivery IDs already handled, so that a redelivered
// event reaches the app once. The in-memory MemoryDedup serves one process;
// apps running several replicas behind one webhook URL replace it with a
// shared store.
type Dedup interface {
	// Seen records deliveryID and reports whether it was recorded before.
	Seen(ctx context.Context, deliveryID string) (bool, error)
}

// Forgetter is implemented by a Dedup that can drop a delivery ID again. The
// Handler calls Forget when the app's callback fails, so that the vendor's
// retry of that delivery is handed on rather than dropped as a duplicate.
type Forgetter interface {
	// Forget drops deliveryID, as if Seen had never recorded it.
	Forget(ctx context.Context, deliveryID string) error
}

// DefaultDedupCapacity is the number of delivery IDs NewHandler's default
// MemoryDedup keeps.
const DefaultDedupCapacity = 10000

// MemoryDedup is a Dedup in memory with a fixed capacity: once full, each
// new ID evicts the oldest one. It is safe for concurrent use.
type MemoryDedup struct {
	mu    sync.Mutex
	ring  []string // IDs in insertion order, used as a circular buffer
	next  int      // slot the next ID goes to
	index map[string]int
}

// NewMemoryDedup returns a MemoryDedup keeping up to capacity IDs; capacity
// must be at least 1.
func NewMemoryDedup(capacity int) (*MemoryDedup, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("events: dedup capacity %d, want at least 1", capacity)
	}
	return &MemoryDedup{ring: make([]string, 0, capacity), index: make(map[string]int, capacity)}, nil
}

// Seen implements Dedup.
func (m *MemoryDedup) Seen(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.index[id]; ok {
		return true, nil
	}
	if len(m.ring) < cap(m.ring) {
		m.ring = append(m.ring, id)
		m.index[id] = len(m.ring) - 1
		return false, nil
	}
	if old, ok := m.index[m.ring[m.next]]; ok && old == m.next {
		delete(m.index, m.ring[m.next])
	}
	m.ring[m.next] = id
	m.index[id] = m.next
	m.next = (m.next + 1) % cap(m.ring)
	return false, nil
}

// Forget implements Forgetter. The slot of a forgotten ID stays in the ring
// until it is overwritten.
func (m *MemoryDedup) Forget(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.index, id)
	return nil
}

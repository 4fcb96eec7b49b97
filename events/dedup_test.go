package events_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/events"
)

// TestMemoryDedup: an ID is seen once, the oldest is evicted when full, and
// a forgotten ID is new again.
func TestMemoryDedup(t *testing.T) {
	ctx := t.Context()
	d, err := events.NewMemoryDedup(2)
	require.NoError(t, err)
	seen := func(id string) bool {
		t.Helper()
		s, err := d.Seen(ctx, id)
		require.NoError(t, err)
		return s
	}
	assert.False(t, seen("a"))
	assert.True(t, seen("a"))
	assert.False(t, seen("b"))
	assert.False(t, seen("c"), "c evicts a")
	assert.True(t, seen("b"))
	assert.True(t, seen("c"))
	assert.False(t, seen("a"), "a was evicted, so it is new again (and evicts b)")
	assert.False(t, seen("b"))
	require.NoError(t, d.Forget(ctx, "b"))
	assert.False(t, seen("b"), "forgotten")

	_, err = events.NewMemoryDedup(0)
	assert.Error(t, err)
}

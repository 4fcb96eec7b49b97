package migrate

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// memoryWith returns a memory driver of pageSize holding cs, and cs as
// stored (with the IDs the driver gave them).
func memoryWith(t testing.TB, pageSize int, cs []support.Contact) (*memory.Driver, []support.Contact) {
	t.Helper()
	d := memory.NewDriver(memory.Config{PageSize: pageSize})
	ins := make([]support.ContactInput, len(cs))
	for i := range cs {
		ins[i] = cs[i].Input()
	}
	stored := make([]support.Contact, 0, len(cs))
	for chunk := range slices.Chunk(ins, memory.MaxPageSize) {
		res, err := d.CreateContacts(context.Background(), chunk)
		require.NoError(t, err)
		for _, it := range res.Items {
			stored = append(stored, *it.Contact)
		}
	}
	return d, stored
}

// listAll lists every contact of d.
func listAll(t testing.TB, d support.Driver) []support.Contact {
	t.Helper()
	var out []support.Contact
	for c, err := range support.AllContacts(context.Background(), client(d), support.ContactListOptions{}) {
		require.NoError(t, err)
		out = append(out, c)
	}
	return out
}

// memorySource is d as a source: its contact operations only.
func memorySource(d *memory.Driver) contactDriver {
	return capsOverride{d, contactsOnly(d.Capabilities(), 1)}
}

// memoryTarget is d as a target: like Tidio (batches of maxBatch) when
// maxBatch > 1, and without a batch create otherwise (the upsert strategy).
func memoryTarget(d *memory.Driver, maxBatch int) contactDriver {
	return capsOverride{d, contactsOnly(d.Capabilities(), maxBatch)}
}

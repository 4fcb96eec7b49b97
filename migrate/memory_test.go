package migrate

import (
	"context"
	"slices"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// memoryWith returns a memory platform holding cs, and cs as stored (with
// the IDs the platform gave them).
func memoryWith(t testing.TB, pageSize int, cs []support.Contact) (*memory.Platform, []support.Contact) {
	t.Helper()
	p := memory.New(memory.Config{PageSize: pageSize})
	ins := make([]support.ContactInput, len(cs))
	for i := range cs {
		ins[i] = cs[i].Input()
	}
	stored := make([]support.Contact, 0, len(cs))
	for chunk := range slices.Chunk(ins, memory.MaxPageSize) {
		res, err := p.CreateContacts(context.Background(), chunk)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			stored = append(stored, *it.Contact)
		}
	}
	return p, stored
}

// listAll lists every contact of p.
func listAll(t testing.TB, p support.Platform) []support.Contact {
	t.Helper()
	var out []support.Contact
	for c, err := range support.AllContacts(context.Background(), p, support.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// memoryTarget is p as a target: like Tidio (batches of maxBatch) when
// maxBatch > 1, and without a batch create otherwise (the upsert strategy).
func memoryTarget(p *memory.Platform, maxBatch int) support.Platform {
	if maxBatch > 1 {
		caps := p.Capabilities()
		caps.MaxBatch = maxBatch
		return capsOverride{p, caps}
	}
	return capsOverride{p, without(p.Capabilities(), 1, support.OpCreateContacts)}
}

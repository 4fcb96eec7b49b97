package memory_test

import (
	"fmt"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// BenchmarkUpsert10k upserts 10,000 distinct contacts (each a miss, then a
// create), as a migration into memory does: the cost is the lookups.
func BenchmarkUpsert10k(b *testing.B) {
	for b.Loop() {
		p := memory.New(memory.Config{})
		for i := range 10000 {
			in := support.ContactInput{Email: fmt.Sprintf("c%d@example.com", i), Phone: fmt.Sprintf("+1 415 555 %04d", i)}
			if _, err := p.UpsertContact(ctx, in, support.UpsertOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

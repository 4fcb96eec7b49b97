package memory_test

import (
	"testing"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// TestConformance runs the shared suite: memory declares every operation, so
// every scenario runs in full.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		PageSize: 3,
		New: func(t *testing.T) *support.Client {
			return memory.New(memory.Config{PageSize: 3})
		},
		PassthroughContact: func(id string) support.RawRequest {
			return support.RawRequest{Path: []string{"contacts", id}}
		},
	})
}

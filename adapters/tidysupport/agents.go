package tidysupport

import (
	"context"

	"github.com/deskbridge/deskbridge/support"
)

// whyNoAgents is why agents cannot be listed.
const whyNoAgents = "TidySupport documents no agents or users listing (its docs list a Users section without a known endpoint; VENDORS.md §3)"

// ListAgents fails with ErrUnsupported: TidySupport documents no endpoint
// that lists agents.
func (c *Client) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	return support.Page[support.Agent]{}, support.Unsupported(Vendor, support.OpListAgents, whyNoAgents)
}

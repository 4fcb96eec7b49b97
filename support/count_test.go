package support

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRequestCounts(t *testing.T) {
	CountRequest(context.Background(), "POST", 1) // no counts in the context: nothing to do, no panic
	var c RequestCounts
	ctx := WithRequestCounts(context.Background(), &c)
	CountRequest(ctx, "GET", 1)
	CountRequest(ctx, "POST", 1)
	CountRequest(ctx, "POST", 2)
	CountRequest(ctx, "PATCH", 1)
	CountRequest(ctx, "DELETE", 3)
	assert.Equal(t, int64(1), c.Reads())
	assert.Equal(t, int64(2), c.Writes())
	assert.Equal(t, int64(2), c.Retries())
}

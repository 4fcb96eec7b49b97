package events_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/events"
)

func TestHeaderSecret(t *testing.T) {
	v, err := events.HeaderSecret("X-Hook-Secret", "s3cret")
	require.NoError(t, err)
	assert.NoError(t, v(http.Header{"X-Hook-Secret": {"s3cret"}}, nil))
	assert.Error(t, v(http.Header{"X-Hook-Secret": {"s3cre"}}, nil), "a prefix")
	assert.Error(t, v(http.Header{"X-Hook-Secret": {"s3cret!"}}, nil), "longer")
	assert.Error(t, v(http.Header{}, nil), "missing")
	assert.ErrorContains(t, v(http.Header{"X-Other": {"s3cret"}}, nil), "no X-Hook-Secret header")

	_, err = events.HeaderSecret("", "s")
	assert.Error(t, err)
	_, err = events.HeaderSecret("X-H", "")
	assert.Error(t, err)
}

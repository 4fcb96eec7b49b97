package main

import (
	"context"
	"errors"
	"testing"

	"github.com/deskbridge/deskbridge/support"
)

// Every registered adapter, opened without its credentials, fails with
// ErrInvalid and a nil Platform (not a nil *Client inside a non-nil
// interface, which a caller's p != nil check would take for a platform).
func TestOpenWithoutCredentialsIsNil(t *testing.T) {
	for _, name := range support.Adapters() {
		if name == "memory" {
			continue // needs no credentials
		}
		p, err := support.Open(context.Background(), name, map[string]any{})
		if !errors.Is(err, support.ErrInvalid) || p != nil {
			t.Errorf("%s: p == nil is %v, err %v", name, p == nil, err)
		}
	}
	if len(support.Adapters()) < 3 {
		t.Fatalf("adapters registered: %v", support.Adapters())
	}
}

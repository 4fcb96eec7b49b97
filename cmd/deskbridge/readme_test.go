package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The README's capability matrix is what the adapters' Capabilities() say,
// so it cannot drift from the code. Regenerate it with
// `go run ./cmd/deskbridge capabilities --markdown`.
func TestReadmeCapabilityMatrixIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- capability-matrix:start -->\n", "<!-- capability-matrix:end -->"
	s := string(readme)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", strings.TrimSpace(start), end)
	}
	got := s[i+len(start) : j]
	want, err := currentCapabilityMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("README.md's capability matrix is stale; regenerate it with\n"+
			"  go run ./cmd/deskbridge capabilities --markdown\nREADME has:\n%s\nadapters say:\n%s", got, want)
	}
}

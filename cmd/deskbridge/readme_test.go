package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// readmeBlock returns the README's text between the markers
// <!-- name:start --> and <!-- name:end -->.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	s := string(readme)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q block", strings.TrimSpace(start), end)
	}
	return s[i+len(start) : j]
}

// The README's capability matrix is what the adapters' Capabilities() say,
// so it cannot drift from the code. Regenerate it with
// `go run ./cmd/deskbridge capabilities --markdown`.
func TestReadmeCapabilityMatrixIsCurrent(t *testing.T) {
	got := readmeBlock(t, "capability-matrix")
	want, err := currentCapabilityMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("README.md's capability matrix is stale; regenerate it with\n"+
			"  go run ./cmd/deskbridge capabilities --markdown\nREADME has:\n%s\nadapters say:\n%s", got, want)
	}
}

// The README's table of event kinds is what the adapters' webhook kinds
// and the change feed's PolledKinds say. Regenerate it with
// `go run ./cmd/deskbridge events kinds --markdown`.
func TestReadmeEventKindsAreCurrent(t *testing.T) {
	got := readmeBlock(t, "event-kinds")
	want, err := currentEventKinds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("README.md's event kinds are stale; regenerate them with\n"+
			"  go run ./cmd/deskbridge events kinds --markdown\nREADME has:\n%s\nadapters say:\n%s", got, want)
	}
}

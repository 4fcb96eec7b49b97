package main

import (
	"context"
	"strings"
	"testing"
)

func TestListContacts(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// Every vendor lists the three seeded people, in order; respond.io
	// stores phones in E.164, Tidio as written.
	for _, want := range []string{
		"tidio:\n  Ada Lovelace   ada@example.com    +44 20 7946 0018\n  Grace Hopper   grace@example.com  +1 415 555 0100\n  Alan Turing    alan@example.com",
		"respondio:\n  Ada Lovelace   ada@example.com    +442079460018\n  Grace Hopper   grace@example.com  +14155550100\n  Alan Turing    alan@example.com",
		"tidysupport:\n  Ada Lovelace   ada@example.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "@example.com"); n != 9 {
		t.Errorf("%d contacts listed, want 9:\n%s", n, got)
	}
}

package main

import (
	"context"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	want := `upsert ada@example.com        → created   ctc_1
upsert grace@example.com      → created   ctc_2
upsert ADA@example.com        → updated   ctc_1
upsert alan@example.com       → conflict: found by phone, different email
phone without country code: true
conversation conv_1 (open) with Ada King, assigned to agt_1
  message contact Hi, about my invoice…
  note    agent   Refund approved.
contacts stored: 2
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

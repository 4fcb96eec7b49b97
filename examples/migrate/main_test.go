package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrate(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out, filepath.Join(t.TempDir(), "state.db")); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// 248 new contacts go in 3 batches of up to 100, plus one update; the
	// contact Tidio has under another case of its email is unchanged.
	for _, want := range []string{
		"plan: create 248, update 1, unchanged 1, in 4 write calls\n",
		"run:  created 248, updated 1, unchanged 1, failed 0, in 4 write calls (250 contacts reported by Progress)\n",
		"tidio now holds 250 contacts\n",
		"again: skipped 250, in 0 write calls\n",
		"ID map: 250 rows; the first ones:\n  source_id,target_id,outcome,resolved,keys,warnings,reason\n  1,",
		",unchanged,false,email:customer0@example.com,,\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

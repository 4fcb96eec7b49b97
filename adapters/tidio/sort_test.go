package tidio

import (
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

// TestEarliestFirstZeroTimes: contacts without a creation time go last and
// keep their order, and the others are sorted earliest first around them.
// The old less-function ("unordered when either is zero") left t1 behind a
// zero time here.
func TestEarliestFirstZeroTimes(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	in := []support.Contact{
		{ID: "z1"}, {ID: "t3", CreatedAt: at(3)}, {ID: "z2"}, {ID: "t1", CreatedAt: at(1)},
		{ID: "t2a", CreatedAt: at(2)}, {ID: "z3"}, {ID: "t2b", CreatedAt: at(2)},
	}
	want := []string{"t1", "t2a", "t2b", "t3", "z1", "z2", "z3"}
	sortEarliest(in)
	var got []string
	for _, ct := range in {
		got = append(got, ct.ID)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// A strict weak ordering: antisymmetric, and zero equal only to zero.
	for _, a := range in {
		for _, b := range in {
			if x, y := earliestFirst(a.CreatedAt, b.CreatedAt), earliestFirst(b.CreatedAt, a.CreatedAt); x != -y {
				t.Errorf("compare(%s, %s) = %d but compare(%s, %s) = %d", a.ID, b.ID, x, b.ID, a.ID, y)
			}
		}
	}
}

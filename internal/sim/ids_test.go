package sim_test

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// sequence draws a fixed mix of IDs from g.
func sequence(g *sim.IDs) []string {
	var out []string
	t := sim.Epoch
	for range 5 {
		out = append(out,
			g.Prefixed("ctc_"),
			g.UUID("contact"),
			g.ULID("message", t),
			strings.Repeat("#", int(g.Seq("ticket"))),
		)
		t = t.Add(time.Millisecond)
	}
	return out
}

func TestIDsDeterministic(t *testing.T) {
	a := sequence(&sim.IDs{Seed: 42})
	b := sequence(&sim.IDs{Seed: 42})
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different IDs:\n%v\n%v", a, b)
	}
	c := sequence(&sim.IDs{Seed: 43})
	for i := range a {
		if i%4 != 3 && a[i] == c[i] { // sequences are the same whatever the seed
			t.Fatalf("seeds 42 and 43 both gave %q", a[i])
		}
	}
}

// TestIDsGolden pins the generators: recordings made from simulator
// responses change if these do.
func TestIDsGolden(t *testing.T) {
	g := &sim.IDs{Seed: 1}
	got := []string{
		g.Prefixed("ctc_"), g.Prefixed("ctc_"),
		g.UUID("contact"), g.UUID("contact"),
		g.ULID("message", sim.Epoch), g.ULID("message", sim.Epoch),
	}
	want := []string{
		"ctc_61D6sLf8Z4fiBDhXC87eD8da", "ctc_CzRJlC3GRLRDVmqTSSa7Hh4C",
		"fd071a46-dc94-4c3e-bc2a-09c52a0c78d0", "89495b96-6fb6-4810-af3b-efdb0c21047f",
		"01KDYAK348EK34F2DPX27ENCXP", "01KDYAK348EK34F2DPX27ENCXQ",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("IDs for seed 1 changed:\n got %q\nwant %q", got, want)
	}
}

func TestIDsNamespacesAreIndependent(t *testing.T) {
	a, b := &sim.IDs{Seed: 7}, &sim.IDs{Seed: 7}
	var gotA, gotB []string
	for range 3 {
		gotA = append(gotA, a.UUID("contact"), a.Prefixed("ctc_"))
		// b also makes other IDs in between: the contact IDs must not move.
		b.UUID("operator")
		b.Prefixed("thd_")
		b.Seq("contact")
		gotB = append(gotB, b.UUID("contact"), b.Prefixed("ctc_"))
	}
	if !slices.Equal(gotA, gotB) {
		t.Fatalf("other namespaces changed a namespace's IDs:\n%v\n%v", gotA, gotB)
	}
}

func TestIDsSeq(t *testing.T) {
	var g sim.IDs
	for want := int64(1); want <= 3; want++ {
		if got := g.Seq("a"); got != want {
			t.Fatalf("Seq(a) = %d, want %d", got, want)
		}
	}
	if got := g.Seq("b"); got != 1 {
		t.Fatalf("Seq(b) after three Seq(a) = %d, want 1", got)
	}
}

func TestIDsShapesAndUniqueness(t *testing.T) {
	var g sim.IDs
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	prefRe := regexp.MustCompile(`^ctc_[0-9A-Za-z]{24}$`)
	ulidRe := regexp.MustCompile(`^[0-7][0-9A-HJKMNP-TV-Z]{25}$`)
	seen := map[string]bool{}
	const n = 5000
	for range n {
		for _, id := range []string{g.UUID("x"), g.Prefixed("ctc_"), g.ULID("x", sim.Epoch)} {
			if seen[id] {
				t.Fatalf("duplicate ID %q", id)
			}
			seen[id] = true
		}
	}
	for id := range seen {
		switch {
		case strings.HasPrefix(id, "ctc_"):
			if !prefRe.MatchString(id) {
				t.Fatalf("bad prefixed ID %q", id)
			}
		case strings.Contains(id, "-"):
			if !uuidRe.MatchString(id) {
				t.Fatalf("bad UUID %q", id)
			}
		default:
			if !ulidRe.MatchString(id) {
				t.Fatalf("bad ULID %q", id)
			}
		}
	}
}

func TestULIDMonotonicAndTimed(t *testing.T) {
	var g sim.IDs
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	decodeTime := func(id string) int64 {
		var ms int64
		for _, c := range id[:10] {
			ms = ms<<5 | int64(strings.IndexRune(crockford, c))
		}
		return ms
	}
	at := sim.Epoch
	prev := ""
	times := []time.Time{at, at, at, at.Add(time.Second), at.Add(time.Second), at.Add(-time.Hour), at.Add(2 * time.Second)}
	for i, tm := range times {
		id := g.ULID("m", tm)
		if id <= prev {
			t.Fatalf("ULID %d %q is not above %q", i, id, prev)
		}
		want := tm.UnixMilli()
		if i == 5 { // the clock went backwards: the ULID keeps the later time
			want = at.Add(time.Second).UnixMilli()
		}
		if got := decodeTime(id); got != want {
			t.Fatalf("ULID %d %q encodes time %d, want %d", i, id, got, want)
		}
		prev = id
	}
}

func TestIDsConcurrent(t *testing.T) {
	var g sim.IDs
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				id := g.Prefixed("ctc_")
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate %q", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 1600 {
		t.Fatalf("%d IDs, want 1600", len(seen))
	}
}

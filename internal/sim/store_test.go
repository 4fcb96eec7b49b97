package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/internal/sim"
)

func ids[V any](es []sim.Entry[V]) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestStoreBasics(t *testing.T) {
	var s sim.Store[string]
	if s.Len() != 0 {
		t.Fatal("zero Store is not empty")
	}
	if _, ok := s.Get("a"); ok {
		t.Fatal("Get on empty store found something")
	}
	for _, id := range []string{"a", "b", "c"} {
		if !s.Put(id, "v"+id) {
			t.Fatalf("Put(%s) on a new ID reported not created", id)
		}
	}
	if s.Put("a", "v2") {
		t.Fatal("Put on an existing ID reported created")
	}
	if v, ok := s.Get("a"); !ok || v != "v2" {
		t.Fatalf("Get(a) = %q, %v", v, ok)
	}
	if got := ids(s.Snapshot()); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("replacing a value moved it: %v", got)
	}
	if !s.Delete("b") || s.Delete("b") {
		t.Fatal("Delete reports wrongly")
	}
	s.Put("b", "again")
	if got := ids(s.Snapshot()); !slices.Equal(got, []string{"a", "c", "b"}) {
		t.Fatalf("a deleted then re-put ID should go last: %v", got)
	}
	if got := s.Values(); !slices.Equal(got, []string{"v2", "vc", "again"}) {
		t.Fatalf("Values = %v", got)
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
	e, ok := s.Find(func(id, v string) bool { return strings.HasPrefix(v, "v") && id != "a" })
	if !ok || e.ID != "c" {
		t.Fatalf("Find = %v, %v", e, ok)
	}
	if _, ok := s.Find(func(string, string) bool { return false }); ok {
		t.Fatal("Find matched nothing but reported ok")
	}
	if got := ids(s.FindAll(func(_, v string) bool { return v != "vc" })); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("FindAll = %v", got)
	}
}

func TestStoreIndex(t *testing.T) {
	var s sim.Store[item]
	s.Put("1", item{ID: "1", Email: "a@x"})
	s.Index("email", func(v item) []string { return []string{strings.ToLower(v.Email)} })
	s.Put("2", item{ID: "2", Email: "B@x"})
	s.Put("3", item{ID: "3", Email: "a@x"})
	s.Put("4", item{ID: "4"}) // no email: not indexed

	if e, ok := s.Lookup("email", "a@x"); !ok || e.ID != "1" {
		t.Fatalf("Lookup(a@x) = %v, %v; want the first, 1 (indexed before Index was declared)", e, ok)
	}
	if got := ids(s.LookupAll("email", "a@x")); !slices.Equal(got, []string{"1", "3"}) {
		t.Fatalf("LookupAll(a@x) = %v", got)
	}
	if _, ok := s.Lookup("email", ""); ok {
		t.Fatal("empty keys must not be indexed")
	}
	// Changing the value moves it in the index, keeping order by position.
	s.Put("1", item{ID: "1", Email: "c@x"})
	s.Put("2", item{ID: "2", Email: "a@x"})
	if got := ids(s.LookupAll("email", "a@x")); !slices.Equal(got, []string{"2", "3"}) {
		t.Fatalf("after updates, LookupAll(a@x) = %v, want [2 3]", got)
	}
	if e, ok := s.Lookup("email", "c@x"); !ok || e.ID != "1" || e.Value.Email != "c@x" {
		t.Fatalf("Lookup(c@x) = %v, %v", e, ok)
	}
	s.Delete("2")
	if got := ids(s.LookupAll("email", "a@x")); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("after delete, LookupAll(a@x) = %v", got)
	}
	if got := s.LookupAll("email", "nobody"); len(got) != 0 {
		t.Fatalf("LookupAll(nobody) = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Lookup on an undeclared index did not panic")
		}
	}()
	s.Lookup("phone", "1")
}

// TestStoreAtomicallyDedups shows the dedup-on-create pattern: concurrent
// creates with one email make exactly one value.
func TestStoreAtomicallyDedups(t *testing.T) {
	var s sim.Store[item]
	s.Index("email", func(v item) []string { return []string{v.Email} })
	var g sim.IDs
	var wg sync.WaitGroup
	created := make(chan string, 64)
	for i := range 64 {
		wg.Go(func() {
			email := fmt.Sprintf("u%d@x", i%4)
			s.Atomically(func(tx *sim.Tx[item]) {
				if _, ok := tx.Lookup("email", email); ok {
					return
				}
				id := g.Prefixed("ctc_")
				tx.Put(id, item{ID: id, Email: email})
				created <- id
			})
		})
	}
	wg.Wait()
	close(created)
	if n := len(created); n != 4 || s.Len() != 4 {
		t.Fatalf("%d creates, %d stored; want 4 and 4", n, s.Len())
	}
	s.Atomically(func(tx *sim.Tx[item]) {
		e, ok := tx.Find(func(_ string, v item) bool { return v.Email == "u2@x" })
		if !ok {
			t.Fatal("Tx.Find missed u2@x")
		}
		if v, ok := tx.Get(e.ID); !ok || v.Email != "u2@x" {
			t.Fatalf("Tx.Get = %v, %v", v, ok)
		}
		if len(tx.LookupAll("email", "u2@x")) != 1 || tx.Len() != 4 {
			t.Fatal("Tx view disagrees with the store")
		}
		if !tx.Delete(e.ID) {
			t.Fatal("Tx.Delete failed")
		}
	})
	if s.Len() != 3 {
		t.Fatalf("after Tx.Delete, Len = %d", s.Len())
	}
}

// pageAll lists s from the start, calling between(k) after page k.
func pageAll(t *testing.T, s *sim.Store[int], limit int, between func(k int)) []string {
	t.Helper()
	var got []string
	after := ""
	for k := 0; ; k++ {
		p, err := s.Page(after, limit, nil)
		if err != nil {
			t.Fatalf("page %d: %v", k, err)
		}
		if limit > 0 && len(p.Items) > limit {
			t.Fatalf("page %d has %d items, limit %d", k, len(p.Items), limit)
		}
		got = append(got, ids(p.Items)...)
		if p.Next == "" {
			return got
		}
		if between != nil {
			between(k)
		}
		after = p.Next
	}
}

func TestStorePage(t *testing.T) {
	var s sim.Store[int]
	for i := range 10 {
		s.Put(fmt.Sprint(i), i)
	}
	want := ids(s.Snapshot())
	for _, limit := range []int{1, 3, 5, 10, 11, 0} {
		if got := pageAll(t, &s, limit, nil); !slices.Equal(got, want) {
			t.Fatalf("limit %d: %v", limit, got)
		}
	}
	p, _ := s.Page("", 10, nil)
	if p.Next != "" {
		t.Fatalf("a page ending exactly at the end has Next %q", p.Next)
	}
	even := func(_ string, v int) bool { return v%2 == 0 }
	p, _ = s.Page("", 2, even)
	if got := ids(p.Items); !slices.Equal(got, []string{"0", "2"}) || p.Next != "2" {
		t.Fatalf("filtered page = %v next %q", got, p.Next)
	}
	p, _ = s.Page("6", 2, even)
	if got := ids(p.Items); !slices.Equal(got, []string{"8"}) || p.Next != "" {
		t.Fatalf("last filtered page = %v next %q", got, p.Next)
	}
	var empty sim.Store[int]
	if p, err := empty.Page("", 5, nil); err != nil || len(p.Items) != 0 || p.Next != "" {
		t.Fatalf("empty store page = %v, %v", p, err)
	}
	if _, err := s.Page("never", 5, nil); !errors.Is(err, sim.ErrBadCursor) {
		t.Fatalf("unknown position: err = %v", err)
	}
}

// TestStorePageStableUnderChanges pages while values are inserted and
// deleted between pages, including the very value the cursor names: values
// present throughout are listed exactly once, in order.
func TestStorePageStableUnderChanges(t *testing.T) {
	var s sim.Store[int]
	for i := range 100 {
		s.Put(fmt.Sprint(i), i)
	}
	deleted := map[string]bool{}
	next := 100
	got := pageAll(t, &s, 7, func(k int) {
		// Delete the last value of the page just read (the cursor's key),
		// one not yet listed and one already listed; insert two.
		for _, id := range []string{fmt.Sprint(7*k + 6), fmt.Sprint(7*k + 20), fmt.Sprint(7*k - 3)} {
			if s.Delete(id) {
				deleted[id] = true
			}
		}
		for range 2 {
			s.Put(fmt.Sprint(next), next)
			next++
		}
	})
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
	for i := range next {
		id := fmt.Sprint(i)
		if !deleted[id] && !seen[id] {
			t.Fatalf("%s existed throughout the listing's reach but was skipped", id)
		}
	}
	// IDs are the values, inserted in increasing order: listing order is
	// numeric order.
	for i := 1; i < len(got); i++ {
		var a, b int
		fmt.Sscan(got[i-1], &a)
		fmt.Sscan(got[i], &b)
		if b < a {
			t.Fatalf("out of order: %d after %d", b, a)
		}
	}
}

// TestStorePageConcurrent lists the store while other goroutines insert and
// delete: every value that was there before and never deleted is listed
// exactly once.
func TestStorePageConcurrent(t *testing.T) {
	var s sim.Store[int]
	const base = 2000
	for i := range base {
		s.Put(fmt.Sprint(i), i)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { // inserter
		for i := base; ; i++ {
			select {
			case <-stop:
				return
			default:
				s.Put(fmt.Sprint(i), i)
			}
		}
	})
	wg.Go(func() { // deleter of odd values only
		for i := 1; i < base; i += 2 {
			s.Delete(fmt.Sprint(i))
		}
	})
	got := pageAll(t, &s, 50, nil)
	close(stop)
	wg.Wait()

	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for i := 0; i < base; i += 2 {
		if n := seen[fmt.Sprint(i)]; n != 1 {
			t.Fatalf("value %d listed %d times", i, n)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s listed %d times", id, n)
		}
	}
}

// TestStoreCompaction deletes most of a large store, which compacts its
// order, and checks that paging from a deleted key still resumes in place.
func TestStoreCompaction(t *testing.T) {
	var s sim.Store[int]
	for i := range 1000 {
		s.Put(fmt.Sprint(i), i)
	}
	for i := range 1000 {
		if i%10 != 0 {
			s.Delete(fmt.Sprint(i))
		}
	}
	if s.Len() != 100 {
		t.Fatalf("Len = %d", s.Len())
	}
	p, err := s.Page("555", 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p.Items); !slices.Equal(got, []string{"560", "570", "580"}) || p.Next != "580" {
		t.Fatalf("page after deleted key 555 = %v next %q", got, p.Next)
	}
	if got := len(pageAll(t, &s, 7, nil)); got != 100 {
		t.Fatalf("listed %d of 100", got)
	}
}

// BenchmarkStorePage compares a page at the start of a large store with one
// deep inside it: they should cost the same (binary search, no scan).
func BenchmarkStorePage(b *testing.B) {
	var s sim.Store[int]
	const n = 100_000
	for i := range n {
		s.Put(fmt.Sprint(i), i)
	}
	for _, after := range []string{"", "90000"} {
		b.Run("after="+after, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Page(after, 100, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

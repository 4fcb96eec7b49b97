package support

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numbers is a fake paged list of 0..n-1, size items a page, cursor = offset.
func numbers(n, size int, calls *int) FetchFunc[int] {
	return func(_ context.Context, cursor string) (Page[int], error) {
		*calls++
		off := 0
		if cursor != "" {
			var err error
			if off, err = strconv.Atoi(cursor); err != nil {
				return Page[int]{}, Errorf("", "", ErrInvalid, "bad cursor")
			}
		}
		var p Page[int]
		for i := off; i < n && i < off+size; i++ {
			p.Items = append(p.Items, i)
		}
		if off+size < n {
			p.Next = strconv.Itoa(off + size)
		}
		return p, nil
	}
}

func TestItemsVisitsEveryItemOnce(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 11, 31} {
		calls := 0
		var got []int
		for v, err := range Items(context.Background(), "", numbers(n, 10, &calls)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if len(got) != n {
			t.Fatalf("n=%d: got %d items", n, len(got))
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("n=%d: item %d = %d", n, i, v)
			}
		}
		if wantCalls := max(1, (n+9)/10); calls != wantCalls {
			t.Errorf("n=%d: %d fetches, want %d", n, calls, wantCalls)
		}
	}
}

func TestItemsStopsOnBreak(t *testing.T) {
	calls := 0
	for v, err := range Items(context.Background(), "", numbers(100, 10, &calls)) {
		if err != nil {
			t.Fatal(err)
		}
		if v == 12 {
			break
		}
	}
	if calls != 2 {
		t.Errorf("broke in page 2 but made %d fetches", calls)
	}
}

func TestPagesResumeFromSavedCursor(t *testing.T) {
	calls := 0
	fetch := numbers(35, 10, &calls)
	var saved string
	for p, err := range Pages(context.Background(), "", fetch) {
		if err != nil {
			t.Fatal(err)
		}
		saved = p.Next
		break // stop after the first page, as a crashed process would
	}
	var rest []int
	for v, err := range Items(context.Background(), saved, fetch) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, v)
	}
	if len(rest) != 25 || rest[0] != 10 || rest[24] != 34 {
		t.Errorf("resumed listing = %v, want 10..34", rest)
	}
}

func TestItemsYieldsErrorOnce(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	fetch := func(ctx context.Context, cursor string) (Page[int], error) {
		calls++
		if cursor == "" {
			return Page[int]{Items: []int{1, 2}, Next: "x"}, nil
		}
		return Page[int]{}, boom
	}
	var items, errs int
	for _, err := range Items(context.Background(), "", fetch) {
		if err != nil {
			errs++
			if !errors.Is(err, boom) {
				t.Errorf("error = %v", err)
			}
			continue // a caller that keeps going must not get more
		}
		items++
	}
	if items != 2 || errs != 1 || calls != 2 {
		t.Errorf("items=%d errs=%d calls=%d, want 2, 1, 2", items, errs, calls)
	}
}

func TestPagesDetectsStuckCursor(t *testing.T) {
	fetch := func(ctx context.Context, cursor string) (Page[int], error) {
		return Page[int]{Items: []int{1}, Next: "same"}, nil
	}
	n := 0
	var last error
	for _, err := range Pages(context.Background(), "", fetch) {
		n++
		last = err
		if n > 5 {
			t.Fatal("iteration did not stop on a cursor that does not advance")
		}
	}
	if !errors.Is(last, ErrUnavailable) {
		t.Errorf("last error = %v, want ErrUnavailable", last)
	}
}

func TestPagesHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	for _, err := range Pages(ctx, "", numbers(10, 5, &calls)) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
	if calls != 0 {
		t.Errorf("%d fetches after cancellation", calls)
	}
}

// cycle is a fake list whose cursors run through next (cursor → its next),
// each page holding its cursor as its one item.
func cycle(next map[string]string, calls *[]string) FetchFunc[string] {
	return func(_ context.Context, cursor string) (Page[string], error) {
		*calls = append(*calls, cursor)
		return Page[string]{Items: []string{cursor}, Next: next[cursor]}, nil
	}
}

func TestPagesDetectsCursorLoop(t *testing.T) {
	// 7 → 8 → 7: the cursor repeats one seen two pages before, never the
	// one just given.
	var calls []string
	fetch := cycle(map[string]string{"": "7", "7": "8", "8": "7"}, &calls)
	var items []string
	var errs []error
	for p, err := range Pages(context.Background(), "", fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, p.Items...)
		if len(calls) > 10 {
			t.Fatal("iteration did not stop on a cursor loop")
		}
	}
	require.Len(t, errs, 1)
	err := errs[0]
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), `"7"`, "the error does not name the repeated cursor")
	assert.Equal(t, []string{"", "7"}, items, "the page that loops back was yielded")
	assert.Equal(t, []string{"", "7", "8"}, calls)
}

func TestPagesDetectsLoopToResumedCursor(t *testing.T) {
	var calls []string
	fetch := cycle(map[string]string{"a": "b", "b": "c", "c": "a"}, &calls)
	var last error
	n := 0
	for _, err := range Pages(context.Background(), "a", fetch) {
		n++
		last = err
		require.Less(t, n, 10, "iteration did not stop")
	}
	assert.ErrorIs(t, last, ErrUnavailable)
	assert.Equal(t, []string{"a", "b", "c"}, calls)
}

func TestPagesClipsRepeatedCursor(t *testing.T) {
	long := strings.Repeat("x", 500)
	var calls []string
	fetch := cycle(map[string]string{"": long, long: "y", "y": long}, &calls)
	var last error
	for _, err := range Pages(context.Background(), "", fetch) {
		last = err
		require.Less(t, len(calls), 10, "iteration did not stop")
	}
	require.Error(t, last)
	assert.Less(t, len(last.Error()), 300, "the repeated cursor is not clipped: %s", last)
}

func TestPagesRefusesEmptyLaterPageWithNext(t *testing.T) {
	fetch := func(_ context.Context, cursor string) (Page[int], error) {
		switch cursor {
		case "":
			return Page[int]{Items: []int{1}, Next: "p2"}, nil
		case "p2":
			return Page[int]{Items: []int{}, Next: "p3"}, nil // says there is more, holds nothing
		}
		return Page[int]{Items: []int{3}}, nil
	}
	var got []int
	var last error
	for v, err := range Items(context.Background(), "", fetch) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, v)
	}
	assert.ErrorIs(t, last, ErrUnavailable)
	assert.Contains(t, last.Error(), "no items")
	assert.Equal(t, []int{1}, got)
}

func TestPagesAcceptsEmptyPagesThatAreNoLoss(t *testing.T) {
	for name, pages := range map[string]map[string]Page[int]{
		"empty list":                  {"": {Items: []int{}}},
		"empty first page with next":  {"": {Next: "p2"}, "p2": {Items: []int{2}}},
		"empty last page":             {"": {Items: []int{1}, Next: "p2"}, "p2": {}},
		"filtered on the client side": {"": {Items: []int{1}, Next: "p2"}, "p2": {Next: "p3", Filtered: true}, "p3": {Items: []int{3}}},
	} {
		fetch := func(_ context.Context, cursor string) (Page[int], error) { return pages[cursor], nil }
		for _, err := range Pages(context.Background(), "", fetch) {
			assert.NoError(t, err, name)
		}
	}
}

func TestPagesMemoryOfCursorsIsHashes(t *testing.T) {
	// A long listing of long cursors: what Pages keeps per cursor must not
	// hold the cursor itself (P4: memory flat in the size of the list).
	const pages = 20000
	cursor := func(i int) string { return strconv.Itoa(i) + strings.Repeat("c", 1000) }
	fetch := func(_ context.Context, c string) (Page[int], error) {
		i := 0
		if c != "" {
			i, _ = strconv.Atoi(strings.TrimRight(c, "c"))
		}
		if i+1 == pages {
			return Page[int]{Items: []int{i}}, nil
		}
		return Page[int]{Items: []int{i}, Next: cursor(i + 1)}, nil
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for p, err := range Pages(context.Background(), "", fetch) {
		require.NoError(t, err)
		n += len(p.Items)
		if n == pages-1 {
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
	}
	require.Equal(t, pages, n)
	// 20,000 cursors of 1 KB are 20 MB; their hashes well under 2 MB.
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(4<<20), "Pages keeps the cursors it saw")
}

// emptyPages answers every page after the first with no items and a Next.
type emptyPages struct{ *fake }

func (e emptyPages) ListContacts(_ context.Context, opts ContactListOptions) (Page[Contact], error) {
	if opts.Cursor == "" {
		return Page[Contact]{Items: []Contact{{ID: "c1"}}, Next: "p2"}, nil
	}
	return Page[Contact]{Next: "p3"}, nil
}

// The Client's list call itself refuses a later page that lost its items,
// so that a caller retrying calls asks for it again; the first page of an
// empty list is fine.
func TestListCallRefusesLostItems(t *testing.T) {
	c := NewClient(emptyPages{newFake()})
	_, err := c.ListContacts(context.Background(), ContactListOptions{})
	require.NoError(t, err)
	_, err = c.ListContacts(context.Background(), ContactListOptions{ListOptions: ListOptions{Cursor: "p2-with-a-long-cursor-value"}})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), `"p2-with-"… (27 bytes)`, "a cursor is shown by its first 8 bytes only")
	assert.NotContains(t, err.Error(), "long-cursor")
}

// lastPageEmptied answers the last page (cursor "p2") empty the first time
// it is asked, as a page that lost its items would look, and whole after.
type lastPageEmptied struct {
	*fake
	asked int
}

func (l *lastPageEmptied) ListContacts(_ context.Context, opts ContactListOptions) (Page[Contact], error) {
	if opts.Cursor == "" {
		return Page[Contact]{Items: []Contact{{ID: "c1"}}, Next: "p2"}, nil
	}
	if l.asked++; l.asked == 1 {
		return Page[Contact]{}, nil
	}
	return Page[Contact]{Items: []Contact{{ID: "c2"}}}, nil
}

// A later page that comes back empty and last is asked for once more, so
// that a page that lost its items is not taken for the end of the list.
func TestEmptyLastPageIsAskedAgain(t *testing.T) {
	d := &lastPageEmptied{fake: newFake()}
	var ids []string
	for ct, err := range AllContacts(context.Background(), NewClient(d), ContactListOptions{}) {
		require.NoError(t, err)
		ids = append(ids, ct.ID)
	}
	assert.Equal(t, []string{"c1", "c2"}, ids)
	assert.Equal(t, 2, d.asked, "asked twice, and no more")
}

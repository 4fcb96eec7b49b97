package support

import (
	"context"
	"errors"
	"strconv"
	"testing"
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

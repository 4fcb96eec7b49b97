package support

import (
	"context"
	"fmt"
	"hash/maphash"
	"iter"
)

// Page is one page of a list. Next is an opaque cursor for the page after
// this one, "" on the last page. A cursor can be saved and passed back in
// ListOptions.Cursor later, even by another process, to resume the list.
type Page[T any] struct {
	Items []T
	Next  string
	// Filtered reports that the page left out items the vendor's page had
	// (a filter applied on the client, such as a conversation status the
	// vendor cannot filter by, or a contact deleted while the page was
	// completed), so that it may hold no items and still have a Next. An
	// empty later page with a Next that is not Filtered is a page that lost
	// its items: Pages stops with an error.
	Filtered bool
}

// FetchFunc fetches the page that starts at cursor ("" for the first).
type FetchFunc[T any] func(ctx context.Context, cursor string) (Page[T], error)

// Pages iterates over the pages of a list, starting at cursor ("" for the
// beginning, or a saved Page.Next to resume). Each page is yielded with a nil
// error; a failure is yielded once, with a zero page, and ends the iteration.
// A fetch that fails but returns items (a page was read, the one after it
// cannot be requested) has them yielded first, as a last page, and then
// its error, so that nothing read is lost.
// Breaking out of the loop stops fetching.
//
// A listing ends only at its end. Pages stops with an error of kind
// ErrUnavailable, instead of the page, when the vendor's answers cannot be
// the rest of the list:
//
//   - a cursor loop: a Next seen before in this listing (7 → 8 → 7), the
//     cursor just given included, which would list the same pages
//     forever. Pages keeps a 64-bit hash of each cursor, not the cursor,
//     so its memory grows by a few bytes a page whatever the cursors'
//     length (a collision, about 2⁻⁴⁴ for a million pages, would stop a
//     sound listing, never lose a page);
//   - a page after the first (fetched with a cursor) that holds no items
//     but has a Next, unless it is Filtered: the vendor's page lost its
//     items. An empty page is fine as the first page or as the last.
//
// A page without its item list, or one that cannot be decoded, is the
// fetch's error (each adapter's ListContacts and the other list methods
// fail with ErrUnavailable). migrate lists through Pages, so a source
// listing that stopped this way stops the run, to be resumed.
func Pages[T any](ctx context.Context, cursor string, fetch FetchFunc[T]) iter.Seq2[Page[T], error] {
	return PagesAfter(ctx, cursor, nil, fetch)
}

// PagesAfter is Pages for a listing resumed at cursor after an earlier
// part of it, perhaps in another process: followed reports whether that
// earlier part followed a cursor, so that a loop back into it is detected
// too, before the page that loops is yielded. (Within one process Pages
// remembers the cursors itself; across a resume only the caller can, as
// migrate does in its state.) A nil followed is Pages; an error from it
// ends the iteration.
func PagesAfter[T any](ctx context.Context, cursor string, followed func(cursor string) (bool, error), fetch FetchFunc[T]) iter.Seq2[Page[T], error] {
	return func(yield func(Page[T], error) bool) {
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{}
		if cursor != "" {
			seen[maphash.String(seed, cursor)] = struct{}{}
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(Page[T]{}, err)
				return
			}
			p, err := fetch(ctx, cursor)
			if err != nil {
				if len(p.Items) > 0 && !yield(Page[T]{Items: p.Items, Filtered: p.Filtered}, nil) {
					return
				}
				yield(Page[T]{}, err)
				return
			}
			err = lostItems(cursor, p)
			if err == nil {
				err = checkLoop(seed, seen, cursor, p.Next)
			}
			if err == nil && followed != nil && p.Next != "" && p.Next != cursor {
				var before bool
				if before, err = followed(p.Next); err == nil && before {
					err = &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("paging: cursor loop: the vendor returned the cursor %s, followed before in this listing (before it was resumed): the listing stops rather than repeat its pages", cursorText(p.Next))}
				}
			}
			if err != nil {
				yield(Page[T]{}, err)
				return
			}
			if !yield(p, nil) || p.Next == "" {
				return
			}
			cursor = p.Next
		}
	}
}

// checkLoop returns the error of a page fetched with cursor whose Next is
// next, when next was seen before in the listing, or nil, and records next
// in seen.
func checkLoop(seed maphash.Seed, seen map[uint64]struct{}, cursor, next string) error {
	if next == "" {
		return nil
	}
	h := maphash.String(seed, next)
	switch _, again := seen[h]; {
	case next == cursor:
		return &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("paging: the cursor did not advance (%s): the listing stops rather than repeat that page", cursorText(cursor))}
	case again:
		return &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("paging: cursor loop: the vendor returned the cursor %s, seen before in this listing: the listing stops rather than repeat its pages", cursorText(next))}
	}
	seen[h] = struct{}{}
	return nil
}

// lostItems returns the error of a page fetched with cursor that holds no
// items, is not Filtered and has a Next: a page after the first that lost
// its items (the first page of an empty list has no Next). The Client's
// list calls check it too, so that a caller that retries calls (migrate)
// asks for the page again.
func lostItems[T any](cursor string, p Page[T]) error {
	if cursor == "" || p.Next == "" || len(p.Items) > 0 || p.Filtered {
		return nil
	}
	return &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("paging: the page of cursor %s has no items but a next cursor: the vendor's page lost its items", cursorText(cursor))}
}

// checkedPage fetches the page at cursor and checks it as a later page:
// one that lost its items is an error (lostItems). A later page that comes
// back empty and last is fetched once more, because a page that lost its
// items looks just like the end of the list; the second answer tells a
// passing fault from a list that really ends there (its last contacts
// deleted since the page before): one more request, at the end of a
// listing only, and only when it ends on an empty page.
//
// A fetch that fails with items (a page read whose next page cannot be
// requested) returns them, without a Next, with its error.
func checkedPage[T any](cursor string, fetch func() (Page[T], error)) (Page[T], error) {
	p, err := fetch()
	if err == nil && cursor != "" && len(p.Items) == 0 && p.Next == "" && !p.Filtered {
		p, err = fetch()
	}
	if err != nil {
		return Page[T]{Items: p.Items, Filtered: p.Filtered}, err
	}
	return p, lostItems(cursor, p)
}

// cursorText shows a vendor's cursor in an error: its first 8 bytes and
// its length, never more, since support knows no secret to redact and a
// vendor may echo anything in a cursor.
func cursorText(cursor string) string {
	if len(cursor) <= 8 {
		return fmt.Sprintf("%q", cursor)
	}
	return fmt.Sprintf("%q… (%d bytes)", cursor[:8], len(cursor))
}

// Items iterates over every item of a list, fetching pages as needed,
// starting at cursor ("" for the beginning). A failure is yielded once, with
// the zero T, and ends the iteration.
//
// To resume an interrupted listing, iterate with Pages instead and save each
// page's Next after its items are handled.
func Items[T any](ctx context.Context, cursor string, fetch FetchFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p, err := range Pages(ctx, cursor, fetch) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// AllContacts iterates over every contact of c, from opts.Cursor on.
func AllContacts(ctx context.Context, c *Client, opts ContactListOptions) iter.Seq2[Contact, error] {
	return all(ctx, c, OpListContacts, opts.Cursor, func(ctx context.Context, cursor string) (Page[Contact], error) {
		o := opts
		o.Cursor = cursor
		return c.ListContacts(ctx, o)
	})
}

// AllConversations iterates over every conversation of c matching opts.
func AllConversations(ctx context.Context, c *Client, opts ConversationListOptions) iter.Seq2[Conversation, error] {
	return all(ctx, c, OpListConversations, opts.Cursor, func(ctx context.Context, cursor string) (Page[Conversation], error) {
		o := opts
		o.Cursor = cursor
		return c.ListConversations(ctx, o)
	})
}

// AllMessages iterates over every message of a conversation, oldest first.
func AllMessages(ctx context.Context, c *Client, conversationID string, opts ListOptions) iter.Seq2[Message, error] {
	return all(ctx, c, OpListMessages, opts.Cursor, func(ctx context.Context, cursor string) (Page[Message], error) {
		o := opts
		o.Cursor = cursor
		return c.ListMessages(ctx, conversationID, o)
	})
}

// AllAgents iterates over every agent and team of c.
func AllAgents(ctx context.Context, c *Client, opts ListOptions) iter.Seq2[Agent, error] {
	return all(ctx, c, OpListAgents, opts.Cursor, func(ctx context.Context, cursor string) (Page[Agent], error) {
		o := opts
		o.Cursor = cursor
		return c.ListAgents(ctx, o)
	})
}

// all is Items over c's list op, with the errors Pages finds itself (a
// cursor loop, a page that lost its items) attributed to c's vendor and op.
func all[T any](ctx context.Context, c *Client, op Operation, cursor string, fetch FetchFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range Items(ctx, cursor, fetch) {
			if se, ok := err.(*Error); ok && se.Vendor == "" { //nolint:errorlint // Pages's own errors are not wrapped
				err = c.attr(op, err)
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

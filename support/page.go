package support

import (
	"context"
	"fmt"
	"iter"
)

// Page is one page of a list. Next is an opaque cursor for the page after
// this one, "" on the last page. A cursor can be saved and passed back in
// ListOptions.Cursor later, even by another process, to resume the list.
type Page[T any] struct {
	Items []T
	Next  string
}

// FetchFunc fetches the page that starts at cursor ("" for the first).
type FetchFunc[T any] func(ctx context.Context, cursor string) (Page[T], error)

// Pages iterates over the pages of a list, starting at cursor ("" for the
// beginning, or a saved Page.Next to resume). Each page is yielded with a nil
// error; a failure is yielded once, with a zero page, and ends the iteration.
// Breaking out of the loop stops fetching. A cursor that does not advance (the
// vendor returning the cursor it was given) is reported as an error rather
// than looping forever.
func Pages[T any](ctx context.Context, cursor string, fetch FetchFunc[T]) iter.Seq2[Page[T], error] {
	return func(yield func(Page[T], error) bool) {
		for {
			if err := ctx.Err(); err != nil {
				yield(Page[T]{}, err)
				return
			}
			p, err := fetch(ctx, cursor)
			if err != nil {
				yield(Page[T]{}, err)
				return
			}
			if p.Next != "" && p.Next == cursor {
				yield(Page[T]{}, &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("paging: the cursor did not advance (%q)", clip(cursor))})
				return
			}
			if !yield(p, nil) || p.Next == "" {
				return
			}
			cursor = p.Next
		}
	}
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
	return Items(ctx, opts.Cursor, func(ctx context.Context, cursor string) (Page[Contact], error) {
		o := opts
		o.Cursor = cursor
		return c.ListContacts(ctx, o)
	})
}

// AllConversations iterates over every conversation of c matching opts.
func AllConversations(ctx context.Context, c *Client, opts ConversationListOptions) iter.Seq2[Conversation, error] {
	return Items(ctx, opts.Cursor, func(ctx context.Context, cursor string) (Page[Conversation], error) {
		o := opts
		o.Cursor = cursor
		return c.ListConversations(ctx, o)
	})
}

// AllMessages iterates over every message of a conversation, oldest first.
func AllMessages(ctx context.Context, c *Client, conversationID string, opts ListOptions) iter.Seq2[Message, error] {
	return Items(ctx, opts.Cursor, func(ctx context.Context, cursor string) (Page[Message], error) {
		o := opts
		o.Cursor = cursor
		return c.ListMessages(ctx, conversationID, o)
	})
}

// AllAgents iterates over every agent and team of c.
func AllAgents(ctx context.Context, c *Client, opts ListOptions) iter.Seq2[Agent, error] {
	return Items(ctx, opts.Cursor, func(ctx context.Context, cursor string) (Page[Agent], error) {
		o := opts
		o.Cursor = cursor
		return c.ListAgents(ctx, o)
	})
}

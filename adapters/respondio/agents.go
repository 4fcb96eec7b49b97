package respondio

import (
	"context"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// ListAgents returns a page of the workspace's users, whom conversations
// can be assigned to. respond.io users belong to teams, but teams cannot be
// assigned through the API, so none are listed. Active is true: the API
// lists current members and says nothing more.
//
// It calls GET /space/user?limit=&cursorId= [S R-SDK space.ts].
func (c *Client) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	const op = support.OpListAgents
	var page support.Page[support.Agent]
	q, err := pageQuery(op, opts)
	if err != nil {
		return page, err
	}
	var wp wirePage[wireUser]
	if err := c.call(ctx, op, epListUsers, rest.Segments("space", "user"), rest.Request{Query: q}, &wp); err != nil {
		return page, err
	}
	if page.Next, err = wp.Pagination.nextCursor(op); err != nil {
		return page, err
	}
	page.Items = make([]support.Agent, 0, len(wp.Items))
	for _, u := range wp.Items {
		if u.ID == "" {
			return support.Page[support.Agent]{}, malformed(op, "a user without id")
		}
		page.Items = append(page.Items, support.Agent{
			ID: string(u.ID), Kind: support.KindAgent, Name: support.JoinName(u.FirstName, u.LastName),
			Email: u.Email, Role: u.Role, Active: true, Raw: u.raw,
		})
	}
	return page, nil
}

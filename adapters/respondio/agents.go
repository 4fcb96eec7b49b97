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
func (d *Driver) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	const op = support.OpListAgents
	return listPage(ctx, d, op, epListUsers, rest.Segments("space", "user"), opts, nil,
		func(u *wireUser) (support.Agent, bool, error) {
			if u.ID == "" {
				return support.Agent{}, false, malformed(op, "a user without id")
			}
			return support.Agent{
				ID: string(u.ID), Kind: support.KindAgent, Name: support.JoinName(u.FirstName, u.LastName),
				Email: u.Email, Role: u.Role, Active: true, Raw: u.raw,
			}, true, nil
		})
}

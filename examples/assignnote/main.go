// Command assignnote assigns a customer's conversation to an agent and adds
// an internal note for the team, on every vendor that can do both, and says
// why it skips the others: it checks Capabilities first instead of trying
// and failing with support.ErrUnsupported.
//
// It runs offline: each vendor is a simulator started in this process, on a
// loopback port. To point it at real accounts, build the platforms from real
// credentials instead, for example:
//
//	p, err := tidio.New(tidio.Config{
//		ClientID:     support.Secret(os.Getenv("TIDIO_CLIENT_ID")),
//		ClientSecret: support.Secret(os.Getenv("TIDIO_CLIENT_SECRET")),
//	})
//
// and use a conversation ID from your help desk (ListConversations) rather
// than creating one: creating a conversation writes to the customer on some
// vendors.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	platforms, stop, err := startPlatforms()
	if err != nil {
		return err
	}
	defer stop()
	for _, p := range platforms {
		caps := p.Capabilities()
		var missing []support.Operation
		for _, op := range []support.Operation{support.OpCreateConversation, support.OpListAgents, support.OpAssignConversation, support.OpSendNote} {
			if !caps.Supports(op) {
				missing = append(missing, op)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(w, "%s: skipped, it cannot do %v\n", caps.Vendor, missing)
			continue
		}
		if err := assignAndNote(ctx, w, p); err != nil {
			return fmt.Errorf("%s: %w", caps.Vendor, err)
		}
	}
	return nil
}

// assignAndNote opens a conversation for a customer, assigns it to the first
// agent, adds a note, and reads the conversation back.
func assignAndNote(ctx context.Context, w io.Writer, p *support.Client) error {
	vendor := p.Capabilities().Vendor
	conv, err := p.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email("ada@example.com"),
		Name:    "Ada Lovelace",
		Subject: "Invoice 1042",
		Text:    "Hello, I was charged twice for invoice 1042.",
	})
	if err != nil {
		return err
	}
	var agent *support.Agent
	for a, err := range support.AllAgents(ctx, p, support.ListOptions{}) {
		if err != nil {
			return err
		}
		if a.Kind == support.KindAgent && a.Active {
			agent = &a
			break
		}
	}
	if agent == nil {
		return errors.New("no active agent to assign to")
	}
	if err := p.Assign(ctx, conv.ID, support.Assignee{Kind: support.KindAgent, ID: agent.ID}); err != nil {
		return err
	}
	if _, err := p.SendMessage(ctx, conv.ID, support.NewMessage{
		Text:     "Refund approved; see the billing ticket.",
		Internal: true,
		AuthorID: agent.ID,
	}); err != nil {
		return err
	}

	got, err := p.GetConversation(ctx, conv.ID)
	if err != nil {
		return err
	}
	subject := ""
	if got.Subject != "" { // respond.io's conversations have no subject
		subject = fmt.Sprintf(" %q", got.Subject)
	}
	fmt.Fprintf(w, "%s: conversation%s is %s, assigned to %s (%s)\n", vendor, subject, got.Status, agent.Name, got.Assignee.ID)
	for m, err := range support.AllMessages(ctx, p, conv.ID, support.ListOptions{}) {
		if err != nil {
			return err
		}
		kind := "message"
		if m.Internal {
			kind = "note"
		}
		fmt.Fprintf(w, "  %-7s from %-7s %s\n", kind, m.AuthorKind, m.Text)
	}
	if !p.Capabilities().ListsNotes() {
		// The note is stored, but this vendor's message list never
		// returns notes (respond.io keeps them as comments): an app that
		// needs them later keeps its own copy.
		fmt.Fprintf(w, "  (the note is stored, but %s does not list notes with the messages)\n", vendor)
	}
	return nil
}

// startPlatforms starts a simulator of each vendor on a loopback port and
// returns an adapter for each.
func startPlatforms() ([]*support.Client, func(), error) {
	ts := tidiotest.NewServer(tidiotest.Options{})
	ts.SeedOperator(tidiotest.Operator{Name: "Grace Hopper", Email: "grace@example.com", Role: "admin", Active: true})
	rs := respondiotest.NewServer(respondiotest.Options{})
	ys := tidysupporttest.NewServer(tidysupporttest.Options{})
	stop := func() { ts.Close(); rs.Close(); ys.Close() }

	t, err := tidio.New(tidio.Config{
		ClientID: support.Secret(tidiotest.ClientID), ClientSecret: support.Secret(tidiotest.ClientSecret),
		BaseURL: ts.URL,
		// The simulator enforces no rate limit; a real project allows 60
		// requests a minute, the default pacing.
		RequestsPerMinute: -1,
	})
	if err != nil {
		stop()
		return nil, nil, err
	}
	r, err := respondio.New(respondio.Config{Token: support.Secret(respondiotest.Token), BaseURL: rs.URL(), RateLimit: -1})
	if err != nil {
		stop()
		return nil, nil, err
	}
	y, err := tidysupport.New(tidysupport.Config{APIKey: support.Secret(tidysupporttest.APIKey), WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: ys.URL})
	if err != nil {
		stop()
		return nil, nil, err
	}
	return []*support.Client{t, r, y}, stop, nil
}

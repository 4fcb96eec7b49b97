// Command quickstart shows the deskbridge API end to end against the
// in-process memory platform: create and upsert contacts without duplicates
// and without merging two people, open a conversation, assign it, add a
// note, and read everything back.
//
// It needs no account and no network. To run the same code against a real
// help desk, build the client with an adapter instead of memory.New, for
// example:
//
//	p, err := tidio.New(tidio.Config{
//		ClientID:     support.Secret(os.Getenv("TIDIO_CLIENT_ID")),
//		ClientSecret: support.Secret(os.Getenv("TIDIO_CLIENT_SECRET")),
//	})
//
// and check p.Capabilities() for what that vendor supports.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	p := memory.New(memory.Config{})

	// Upsert is the same on every vendor: match by external ID, email,
	// phone; create or update; say which.
	people := []support.ContactInput{
		{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", ExternalID: "crm-1"},
		{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", Phone: "+1 415 555 0100"},
		{FirstName: "Ada", LastName: "King", Email: "ADA@example.com"}, // same person, other case
	}
	for _, in := range people {
		res, err := p.UpsertContact(ctx, in, support.UpsertOptions{})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "upsert %-22s → %-9s %s\n", in.Email, res.Outcome, res.Contact.ID)
	}

	// Matching never merges two people: this phone is Grace's, but the
	// email says it is someone else. Nothing is written; the error names
	// both keys.
	_, err := p.UpsertContact(ctx, support.ContactInput{FirstName: "Alan", Email: "alan@example.com", Phone: "+14155550100"}, support.UpsertOptions{})
	var conflict *support.IdentityConflict
	if errors.As(err, &conflict) {
		fmt.Fprintf(w, "upsert alan@example.com       → conflict: found by %s, different %s\n", conflict.Key, conflict.Contradicted)
	} else {
		return fmt.Errorf("want an identity conflict, got %v", err)
	}

	// Invalid input fails before any request, with a kind to match on.
	_, err = p.GetContact(ctx, support.Phone("415 555 0100"))
	fmt.Fprintln(w, "phone without country code:", errors.Is(err, support.ErrInvalid))

	ada, err := p.GetContact(ctx, support.Email("ada@EXAMPLE.com"))
	if err != nil {
		return err
	}
	conv, err := p.CreateConversation(ctx, support.NewConversation{
		Contact: support.ID(ada.ID), Subject: "Billing question", Text: "Hi, about my invoice…",
	})
	if err != nil {
		return err
	}
	var agent support.Agent
	for a, err := range support.AllAgents(ctx, p, support.ListOptions{}) {
		if err != nil {
			return err
		}
		if a.Kind == support.KindAgent {
			agent = a
			break
		}
	}
	if err := p.Assign(ctx, conv.ID, support.Assignee{Kind: support.KindAgent, ID: agent.ID}); err != nil {
		return err
	}
	if _, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Text: "Refund approved.", Internal: true, AuthorID: agent.ID}); err != nil {
		return err
	}

	got, err := p.GetConversation(ctx, conv.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "conversation %s (%s) with %s, assigned to %s\n", got.ID, got.Status, ada.Name(), got.Assignee.ID)
	for m, err := range support.AllMessages(ctx, p, conv.ID, support.ListOptions{}) {
		if err != nil {
			return err
		}
		kind := "message"
		if m.Internal {
			kind = "note"
		}
		fmt.Fprintf(w, "  %-7s %-7s %s\n", kind, m.AuthorKind, m.Text)
	}
	n := 0
	for _, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			return err
		}
		n++
	}
	fmt.Fprintln(w, "contacts stored:", n)
	return nil
}

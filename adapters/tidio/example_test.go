package tidio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// exampleClient connects to a fresh simulator; against Tidio, leave BaseURL
// and HTTPClient out and give the project's real credentials.
func exampleClient() (*support.Client, *tidiotest.Server) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	c, err := tidio.New(tidio.Config{
		ClientID:     tidiotest.ClientID,
		ClientSecret: tidiotest.ClientSecret,
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
		// The simulator has no rate limit here; against Tidio, keep the
		// default pacing (or set 120 on Premium).
		RequestsPerMinute: -1,
	})
	if err != nil {
		panic(err)
	}
	return c, srv
}

// Tidio never deduplicates on create, cannot store a language, and cannot
// look contacts up by phone: the Client says so instead of guessing.
func Example() {
	c, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	first, _ := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com", Language: "en"})
	fmt.Println(first.Outcome, first.Warnings)
	second, _ := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
	fmt.Println(second.Outcome, second.Contact.ID != first.Contact.ID)

	found, _ := c.GetContact(ctx, support.Email("ADA@example.com"))
	fmt.Println("by email, the earliest:", found.ID == first.Contact.ID)
	_, err := c.GetContact(ctx, support.Phone("+44 20 7946 0958"))
	fmt.Println("by phone:", errors.Is(err, support.ErrUnsupported))

	up, _ := c.UpsertContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}, support.UpsertOptions{})
	fmt.Println(up.Outcome, up.Contact.ID == first.Contact.ID)

	// The Driver under the Client, for what is Tidio's alone.
	var d *tidio.Driver
	fmt.Println("driver:", c.As(&d), d.Capabilities().MaxBatch)
	// Output:
	// created [language: not stored: tidio has no field to write it]
	// created true
	// by email, the earliest: true
	// by phone: true
	// updated true
	// driver: true 100
}

// A batch with a bad record stores the others and reports the bad one; the
// bad record is refused before any request.
func Example_createContacts() {
	c, srv := exampleClient()
	defer srv.Close()
	res, err := c.CreateContacts(context.Background(), []support.ContactInput{
		{FirstName: "Alan", Email: "alan@example.com"},
		{FirstName: "Broken", Email: "not-an-email"},
		{FirstName: "Katherine", Email: "katherine@example.com"},
	})
	fmt.Println(res.Count(support.Created), "created,", res.Count(support.Failed), "failed")
	var item *support.BatchItemError
	if errors.As(err, &item) {
		fmt.Println("record", item.Index, "is invalid:", errors.Is(item, support.ErrInvalid))
	}
	fmt.Println(srv.Requests("POST /contacts/batch"), "request")
	// Output:
	// 2 created, 1 failed
	// record 1 is invalid: true
	// 1 request
}

// Tickets are Tidio's conversations; closed is Tidio's "solved".
func Example_createConversation() {
	c, srv := exampleClient()
	defer srv.Close()
	alex := srv.SeedOperator(tidiotest.Operator{Name: "Alex Morgan", Email: "alex@example.com", Active: true})
	ctx := context.Background()

	conv, _ := c.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email("grace@example.com"), Subject: "Order #1001", Text: "Where is my order?",
	})
	// Tidio signs every reply with an operator: name one.
	_, _ = c.SendMessage(ctx, conv.ID, support.NewMessage{Text: "It ships tomorrow.", AuthorID: alex.ID})
	_ = c.SetStatus(ctx, conv.ID, support.StatusChange{Status: support.StatusClosed})

	msgs, _ := c.ListMessages(ctx, conv.ID, support.ListOptions{})
	for _, m := range msgs.Items {
		fmt.Println(m.Direction, m.AuthorKind, m.Text)
	}
	id := mustParse(conv.ID)
	tk, _ := srv.Ticket(id)
	fmt.Println("stored status:", tk.Status)
	// Output:
	// inbound contact Where is my order?
	// outbound agent It ships tomorrow.
	// stored status: solved
}

func mustParse(s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		panic(err)
	}
	return n
}

// The passthrough reaches what the neutral API does not cover, here the
// contact property definitions, with the adapter's credentials, pacing and
// error decoding.
func Example_passthrough() {
	c, srv := exampleClient()
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "plan", Label: "Plan", Type: "text"})
	ctx := context.Background()

	res, err := c.Passthrough(ctx, support.RawRequest{Path: []string{"contact-properties"}})
	if err != nil {
		panic(err)
	}
	var body struct {
		Properties []struct{ Name, Label, Type string }
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		panic(err)
	}
	fmt.Println(res.Status, body.Properties)

	// A vendor error comes back decoded, with the answer.
	res, err = c.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", "0f0f0f0f-0000-4000-8000-000000000000"}})
	fmt.Println(res.Status, errors.Is(err, support.ErrNotFound))
	// Output:
	// 200 [{plan Plan text}]
	// 404 true
}

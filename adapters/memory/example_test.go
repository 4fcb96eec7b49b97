package memory_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// Create, upsert and list contacts, as an application's unit test would,
// without any vendor: New returns the *support.Client apps call.
func Example() {
	ctx := context.Background()
	p := memory.New(memory.Config{
		Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
	})

	created, err := p.CreateContact(ctx, support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada.lovelace@example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Outcome, created.Contact.ID, created.Contact.CreatedAt)

	// Upsert matches the contact by email, whatever the case, and updates it.
	updated, err := p.UpsertContact(ctx, support.ContactInput{
		LastName: "King", Email: "Ada.Lovelace@Example.com",
	}, support.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Outcome, updated.Contact.ID, updated.Contact.Name())

	// Someone new: created.
	grace, err := p.UpsertContact(ctx, support.ContactInput{
		FirstName: "Grace", LastName: "Hopper", Phone: "+1 415 555 0100",
	}, support.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(grace.Outcome, grace.Contact.ID)

	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.Name())
	}
	// Output:
	// created ctc_1 2025-01-02 03:04:05 +0000 UTC
	// updated ctc_1 Ada King
	// created ctc_2
	// ctc_1 Ada King
	// ctc_2 Grace Hopper
}

// Page through contacts, and resume later from a saved cursor.
func Example_paging() {
	ctx := context.Background()
	p := memory.New(memory.Config{PageSize: 2})
	for _, name := range []string{"Ada", "Grace", "Alan", "Katherine", "Edsger"} {
		if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: name}); err != nil {
			log.Fatal(err)
		}
	}

	first, err := p.ListContacts(ctx, support.ContactListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range first.Items {
		fmt.Println(c.FirstName)
	}
	saved := first.Next // an opaque string: store it anywhere

	fmt.Println("-- resumed --")
	opts := support.ContactListOptions{ListOptions: support.ListOptions{Cursor: saved}}
	for c, err := range support.AllContacts(ctx, p, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.FirstName)
	}
	// Output:
	// Ada
	// Grace
	// -- resumed --
	// Alan
	// Katherine
	// Edsger
}

// Open the memory platform by name, as programs that choose the vendor at run
// time do.
func Example_open() {
	ctx := context.Background()
	p, err := support.Open(ctx, "memory", map[string]any{"pagesize": "20"})
	if err != nil {
		log.Fatal(err)
	}
	caps := p.Capabilities()
	fmt.Println(caps.Vendor, len(caps.Operations) == len(support.Operations()), caps.CreateDedup)

	_, err = p.GetContact(ctx, support.Email("nobody@example.com"))
	fmt.Println(err)
	// Output:
	// memory true none
	// memory: contacts.get_by_email: not found: no contact with email:nobody@example.com
}

// Read a record as the platform renders it, through the passthrough apps
// use for what the neutral API does not cover.
func Example_passthrough() {
	ctx := context.Background()
	p := memory.New(memory.Config{
		Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
	created, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada", City: "London"})
	if err != nil {
		log.Fatal(err)
	}

	resp, err := p.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", created.Contact.ID}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, string(resp.Body))

	resp, err = p.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", "ctc_9"}})
	fmt.Println(resp.Status, errors.Is(err, support.ErrNotFound))
	// Output:
	// 200 {"id":"ctc_1","first_name":"Ada","city":"London","created_at":"2025-01-02T03:04:05Z"}
	// 404 true
}

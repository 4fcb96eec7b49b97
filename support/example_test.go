package support_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// The quickstart: every adapter's New returns a *support.Client (here the
// in-process memory adapter), and the Client's rules are the same on every
// vendor.
func Example() {
	ctx := context.Background()
	c := memory.New(memory.Config{}) // or tidio.New(...), respondio.New(...), tidysupport.New(...)

	// Upsert matches by external ID, then email, then phone; creates or
	// updates only what differs; and says which.
	res, err := c.UpsertContact(ctx, support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+1 415 555 0100",
	}, support.UpsertOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Outcome, res.Contact.ID)

	res, _ = c.UpsertContact(ctx, support.ContactInput{Email: "ADA@example.com", LastName: "King"}, support.UpsertOptions{})
	fmt.Println(res.Outcome, res.Contact.ID, res.Contact.LastName)

	// Matching never merges two people: the phone is Ada's, the email
	// someone else's.
	res, err = c.UpsertContact(ctx, support.ContactInput{Email: "grace@example.com", Phone: "+14155550100"}, support.UpsertOptions{})
	var ic *support.IdentityConflict
	fmt.Println(res.Outcome, errors.Is(err, support.ErrConflict), errors.As(err, &ic) && ic.Contradicted == support.MatchEmail)

	// Refs address contacts by ID, email or phone; invalid input fails
	// before any request.
	ct, _ := c.GetContact(ctx, support.Phone("+1 (415) 555-0100"))
	fmt.Println(ct.Email)
	_, err = c.GetContact(ctx, support.Phone("415 555 0100"))
	fmt.Println(errors.Is(err, support.ErrInvalid))

	// Iterate any list.
	n := 0
	for _, err := range support.AllContacts(ctx, c, support.ContactListOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println(n, "contact")
	// Output:
	// created ctc_1
	// updated ctc_1 King
	// conflict true true
	// ada@example.com
	// true
	// 1 contact
}

// A migration's contacts, created in the vendor's largest batches, with
// one result per record: bad records are reported, not lost.
func ExampleClient_CreateContacts() {
	c := memory.New(memory.Config{})
	res, err := c.CreateContacts(context.Background(), []support.ContactInput{
		{Email: "ada@example.com"},
		{Email: "not an address"},
		{FirstName: "Grace"},
	})
	fmt.Println(res.Count(support.Created), res.Count(support.Failed))
	var be *support.BatchItemError
	fmt.Println(errors.As(err, &be), be.Index, errors.Is(err, support.ErrInvalid))
	// Output:
	// 2 1
	// true 1 true
}

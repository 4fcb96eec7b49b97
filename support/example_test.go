package support_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/support"
)

// The quickstart (the README shows this body, and a test keeps the two
// equal): every adapter's New returns a *support.Client, here the
// in-process memory platform's, and the Client's rules are the same on
// every vendor.
func Example() {
	ctx := context.Background()
	p := memory.New(memory.Config{}) // tidio.New, respondio.New and tidysupport.New return a *support.Client too

	// Upsert has one contract on every vendor: match by external ID, then email, then phone
	// (the keys that vendor can look up); create, or patch only what differs; say which.
	res, err := p.UpsertContact(ctx, support.ContactInput{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0018",
	}, support.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, res.Contact.ID)

	res, err = p.UpsertContact(ctx, support.ContactInput{Email: "ADA@example.com", LastName: "King"}, support.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, res.Contact.Name())

	// Matching never merges two people: this phone is Ada's, the email someone else's.
	// Nothing is written, and the error names the keys.
	_, err = p.UpsertContact(ctx, support.ContactInput{FirstName: "Grace", Email: "grace@example.com", Phone: "+442079460018"}, support.UpsertOptions{})
	var conflict *support.IdentityConflict
	if errors.As(err, &conflict) {
		fmt.Println(errors.Is(err, support.ErrConflict), conflict.Key, conflict.Contradicted)
	}

	// Address contacts by ID, email or phone (E.164, normalized with libphonenumber);
	// bad input fails before any request.
	ada, err := p.GetContact(ctx, support.Phone("+44 (20) 7946-0018"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = p.GetContact(ctx, support.Phone("020 7946 0018"))
	fmt.Println(ada.Email, errors.Is(err, support.ErrInvalid))

	// Iterate any list, whatever the vendor's paging; break stops fetching.
	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.Name())
	}

	// Errors carry a kind for errors.Is and the vendor's details for errors.As.
	_, err = p.GetContact(ctx, support.Email("grace@example.com"))
	var e *support.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, support.ErrNotFound), e.Vendor, e.Op)
	}

	// What a vendor cannot do fails with support.ErrUnsupported, and is known in advance.
	fmt.Println(p.Capabilities().Supports(support.OpAssignConversation))

	// Many updates go in the vendor's batch updates where it has them (Tidio: 100 a request).
	batch, err := p.UpdateContacts(ctx, []support.ContactPatch{{ID: ada.ID, Update: support.ContactUpdate{City: support.Ptr("London")}}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(batch.Count(support.Updated), "updated")

	// What the neutral API does not cover goes through the passthrough, with the adapter's
	// credentials, rate limiter, body cap, redaction and error decoding.
	raw, err := p.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", ada.ID}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(raw.Status)
	// Output:
	// created ctc_1
	// updated Ada King
	// true phone email
	// ada@example.com true
	// ctc_1 Ada King
	// true memory contacts.get_by_email
	// true
	// 1 updated
	// 200
}

// Upsert is the same on every vendor: it says whether it created the
// contact, updated it (writing only what differs), or found it already as
// given (unchanged, nothing written).
func ExampleClient_UpsertContact() {
	ctx := context.Background()
	p := memory.New(memory.Config{})

	for _, in := range []support.ContactInput{
		{FirstName: "Ada", Email: "ada@example.com", ExternalID: "crm-1"},
		{FirstName: "Ada", LastName: "Lovelace", Email: "ADA@example.com"}, // found by email, whatever the case
		{ExternalID: "crm-1", LastName: "Lovelace"},                        // found by external ID, nothing new
	} {
		res, err := p.UpsertContact(ctx, in, support.UpsertOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Outcome, res.Contact.ID, res.Contact.Name())
	}

	// MatchKeys narrows the lookup: matched by email only, this input is
	// someone new.
	res, err := p.UpsertContact(ctx, support.ContactInput{FirstName: "Ada", ExternalID: "crm-1"},
		support.UpsertOptions{MatchKeys: []support.MatchKey{support.MatchEmail}})
	fmt.Println(res.Outcome, err)
	// Output:
	// created ctc_1 Ada
	// updated ctc_1 Ada Lovelace
	// unchanged ctc_1 Ada Lovelace
	// created <nil>
}

// AllContacts pages through a vendor's list, whatever its paging scheme
// (cursors, next URLs, page numbers); break stops fetching pages.
func ExampleAllContacts() {
	ctx := context.Background()
	p := memory.New(memory.Config{PageSize: 2}) // two contacts a page
	for _, name := range []string{"Ada", "Grace", "Alan", "Katherine", "Edsger"} {
		if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: name}); err != nil {
			log.Fatal(err)
		}
	}

	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			log.Fatal(err) // a failed page is an error, never the end of the list
		}
		fmt.Println(c.ID, c.FirstName)
		if c.FirstName == "Katherine" {
			break
		}
	}
	// Output:
	// ctc_1 Ada
	// ctc_2 Grace
	// ctc_3 Alan
	// ctc_4 Katherine
}

// An update sets the fields that are not nil and leaves the others as
// they are; a pointer to "" clears a field.
func ExampleClient_UpdateContact() {
	ctx := context.Background()
	p := memory.New(memory.Config{})
	if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "Byron", Email: "ada@example.com", City: "London"}); err != nil {
		log.Fatal(err)
	}

	res, err := p.UpdateContact(ctx, support.Email("ada@example.com"), support.ContactUpdate{
		LastName: support.Ptr("Lovelace"),
		City:     support.Ptr(""),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s city=%q\n", res.Outcome, res.Contact.Name(), res.Contact.City)

	// An invalid value is refused before any request, and nothing is written.
	_, err = p.UpdateContact(ctx, support.Email("ada@example.com"), support.ContactUpdate{Email: support.Ptr("not an address")})
	fmt.Println(errors.Is(err, support.ErrInvalid))
	// Output:
	// updated Ada Lovelace city=""
	// true
}

// Every error of the Client matches its kind (ErrNotFound here) with
// errors.Is, and carries the vendor, the operation and the vendor's
// details in an *Error.
func ExampleError() {
	ctx := context.Background()
	p := memory.New(memory.Config{})

	_, err := p.GetContact(ctx, support.Email("nobody@example.com"))
	if errors.Is(err, support.ErrNotFound) {
		fmt.Println("not there:", err)
	}
	var e *support.Error
	if errors.As(err, &e) {
		fmt.Println(e.Vendor, e.Op, e.Kind == support.ErrNotFound)
	}
	// Output:
	// not there: memory: contacts.get_by_email: not found: no contact with email:nobody@example.com
	// memory contacts.get_by_email true
}

// An upsert that finds a contact by one key whose other key says it is
// someone else writes nothing and returns an *IdentityConflict, which
// matches ErrConflict.
func ExampleIdentityConflict() {
	ctx := context.Background()
	p := memory.New(memory.Config{})
	if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Grace", Email: "grace@example.com", Phone: "+1 415 555 0100"}); err != nil {
		log.Fatal(err)
	}

	// The same phone, another email: a family line, a switchboard.
	res, err := p.UpsertContact(ctx, support.ContactInput{FirstName: "Alan", Email: "alan@example.com", Phone: "+14155550100"}, support.UpsertOptions{})
	fmt.Println(res.Outcome, errors.Is(err, support.ErrConflict))
	var ic *support.IdentityConflict
	if errors.As(err, &ic) {
		fmt.Println("found by", ic.Key, "as", ic.Existing.ID, "but the", ic.Contradicted, "differs")
	}
	n := 0
	for _, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "contact, unchanged")
	// Output:
	// conflict true
	// found by phone as ctc_1 but the email differs
	// 1 contact, unchanged
}

// The passthrough sends a request of the caller's making with the
// adapter's credentials, limiter, body cap, redaction and error decoding:
// for what the neutral API does not cover. Each path segment is escaped on
// its own. The memory platform serves its own JSON renderings.
func ExampleClient_Passthrough() {
	ctx := context.Background()
	p := memory.New(memory.Config{})
	created, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada"})
	if err != nil {
		log.Fatal(err)
	}

	resp, err := p.Passthrough(ctx, support.RawRequest{Method: "GET", Path: []string{"contacts", created.Contact.ID}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))

	// A vendor's refusal comes back with the answer, for its body.
	resp, err = p.Passthrough(ctx, support.RawRequest{Path: []string{"contacts", "../agents"}})
	fmt.Println(resp.Status, errors.Is(err, support.ErrNotFound))

	// A request the library would not send fails before any request.
	_, err = p.Passthrough(ctx, support.RawRequest{Method: "TRACE", Path: []string{"contacts"}})
	fmt.Println(errors.Is(err, support.ErrInvalid))
	// Output:
	// 200 application/json
	// 404 true
	// true
}

// Replies and internal notes go into a conversation; a note is seen by the
// team only.
func ExampleClient_SendMessage() {
	ctx := context.Background()
	p := memory.New(memory.Config{})
	if _, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"}); err != nil {
		log.Fatal(err)
	}
	conv, err := p.CreateConversation(ctx, support.NewConversation{
		Contact: support.Email("ada@example.com"), Subject: "Invoice", Text: "Where is my invoice?",
	})
	if err != nil {
		log.Fatal(err)
	}

	if _, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Text: "It is on its way."}); err != nil {
		log.Fatal(err)
	}
	if _, err := p.SendMessage(ctx, conv.ID, support.NewMessage{Text: "Resent on 2 May.", Internal: true}); err != nil {
		log.Fatal(err)
	}
	_, err = p.SendMessage(ctx, conv.ID, support.NewMessage{})
	fmt.Println("empty message:", errors.Is(err, support.ErrInvalid))

	for m, err := range support.AllMessages(ctx, p, conv.ID, support.ListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s internal=%v: %s\n", m.Direction, m.Internal, m.Text)
	}
	// Output:
	// empty message: true
	// inbound internal=false: Where is my invoice?
	// outbound internal=false: It is on its way.
	// outbound internal=true: Resent on 2 May.
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

// Programs that choose the vendor at run time open it by name with a plain
// map, from the environment or a config file. Keys ignore case. Here the
// base URL is a Tidio simulator's; without one the adapter talks to Tidio.
func ExampleOpen() {
	ctx := context.Background()
	srv := tidiotest.NewServer(tidiotest.Options{}) // or the sandbox's, at TIDIO_BASE_URL
	defer srv.Close()

	p, err := support.Open(ctx, tidio.Vendor, map[string]any{
		"clientID":     tidiotest.ClientID, // os.Getenv("TIDIO_CLIENT_ID") for a real project
		"CLIENTSECRET": tidiotest.ClientSecret,
		"baseurl":      srv.URL,
		// Values may be strings, as from the environment. The simulator
		// has no rate limit: no pacing (keep the default against Tidio).
		"requestsPerMinute": "-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := p.UpsertContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"}, support.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Vendor(), res.Outcome)

	// A key that matches no setting is an error naming it.
	_, err = support.Open(ctx, tidio.Vendor, map[string]any{"clientId": "ci_x", "clientSecret": "cs_x", "base_url": srv.URL})
	fmt.Println(errors.Is(err, support.ErrInvalid))
	// Output:
	// tidio created
	// true
}

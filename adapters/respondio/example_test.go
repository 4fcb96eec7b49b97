package respondio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/support"
)

// A contact, its conversation and a reply, against the respond.io
// simulator. Against respond.io itself, leave BaseURL and HTTPClient out.
func Example() {
	srv := respondiotest.NewServer(respondiotest.Options{})
	defer srv.Close()
	ctx := context.Background()
	c, err := respondio.New(respondio.Config{
		Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(),
		RateLimit: -1, // this simulator enforces no limit; respond.io's default is 5 per second per endpoint
	})
	if err != nil {
		panic(err)
	}

	in := support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+44 20 7946 0958"}
	r, err := c.UpsertContact(ctx, in, support.UpsertOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Outcome, r.Contact.ID, r.Contact.Phone)
	r, _ = c.UpsertContact(ctx, in, support.UpsertOptions{})
	fmt.Println(r.Outcome)

	// A plain create of a contact respond.io has: a conflict.
	_, err = c.CreateContact(ctx, in)
	fmt.Println(errors.Is(err, support.ErrConflict))

	conv, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.Email("ADA@example.com"), Text: "Your parcel ships today."})
	if err != nil {
		panic(err)
	}
	fmt.Println(conv.ID, conv.Status)
	if err := c.SetStatus(ctx, conv.ID, support.StatusChange{Status: support.StatusClosed, Category: "Resolved", Summary: "Shipped."}); err != nil {
		panic(err)
	}
	for m, err := range support.AllMessages(ctx, c, conv.ID, support.ListOptions{}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Direction, m.Text)
	}
	// Output:
	// created 1 +442079460958
	// unchanged
	// true
	// 1 open
	// outbound Your parcel ships today.
}

// An internal note goes through the Client like a reply. On respond.io it
// becomes a comment, which the message history does not list:
// Capabilities says so.
func Example_note() {
	srv := respondiotest.NewServer(respondiotest.Options{})
	defer srv.Close()
	srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com", Status: "open"})
	c, _ := respondio.New(respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1})

	note, err := c.SendMessage(context.Background(), "1", support.NewMessage{Text: "Carrier confirms a one-day delay.", Internal: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(note.Internal, note.Text)
	page, _ := c.ListMessages(context.Background(), "1", support.ListOptions{})
	fmt.Println(len(page.Items), c.Capabilities().ListsNotes())
	// Output:
	// true Carrier confirms a one-day delay.
	// 0 false
}

// Merge is respond.io's own: a method of the Driver, which the Client
// reaches with As.
func ExampleDriver_Merge() {
	srv := respondiotest.NewServer(respondiotest.Options{})
	defer srv.Close()
	srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	srv.SeedContact(respondiotest.Contact{FirstName: "Augusta", LastName: "King", Phone: "+442079460958"})
	c, _ := respondio.New(respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1})

	var d *respondio.Driver
	if !c.As(&d) {
		panic("not a respond.io client")
	}
	merged, err := d.Merge(context.Background(), "1", "2", support.ContactInput{LastName: "Lovelace"})
	if err != nil {
		panic(err)
	}
	fmt.Println(merged.ID, merged.Name(), merged.Email, merged.Phone, srv.ContactCount())
	// Output:
	// 1 Ada Lovelace ada@example.com +442079460958 1
}

// Comment is respond.io's own too, and takes a contact Ref (here an email).
func ExampleDriver_Comment() {
	srv := respondiotest.NewServer(respondiotest.Options{})
	defer srv.Close()
	srv.SeedContact(respondiotest.Contact{FirstName: "Ada", Email: "ada@example.com"})
	c, _ := respondio.New(respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1})

	var d *respondio.Driver
	if !c.As(&d) {
		panic("not a respond.io client")
	}
	note, err := d.Comment(context.Background(), support.Email("ada@example.com"), "Carrier confirms a one-day delay.")
	if err != nil {
		panic(err)
	}
	fmt.Println(note.Internal, note.ConversationID, note.CreatedAt.Format("2006-01-02"))
	fmt.Println(len(srv.Comments(1)))
	// Output:
	// true 1 2026-01-02
	// 1
}

// Client.Passthrough reaches what the neutral API does not cover, with the
// adapter's token, rate limiter and error decoding: here respond.io's
// workspace tags (POST and DELETE /space/tag, by name). A POST is sent
// once; a refusal comes back as an error of its kind with the answer.
func Example_passthrough() {
	srv := respondiotest.NewServer(respondiotest.Options{})
	defer srv.Close()
	ctx := context.Background()
	c, _ := respondio.New(respondio.Config{Token: respondiotest.Token, BaseURL: srv.URL(), HTTPClient: srv.Client(), RateLimit: -1})

	res, err := c.Passthrough(ctx, support.RawRequest{Method: "POST", Path: []string{"space", "tag"},
		Body: []byte(`{"name":"VIP","description":"VIP customers","colorCode":"#FF0000"}`)})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, strings.TrimSpace(string(res.Body)))
	res, err = c.Passthrough(ctx, support.RawRequest{Method: "POST", Path: []string{"space", "tag"}, Body: []byte(`{"name":"VIP"}`)})
	fmt.Println(res.Status, errors.Is(err, support.ErrConflict))
	res, err = c.Passthrough(ctx, support.RawRequest{Method: "DELETE", Path: []string{"space", "tag"}, Body: []byte(`{"name":"VIP"}`)})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, strings.TrimSpace(string(res.Body)))
	// Output:
	// 200 {"id":1,"name":"VIP","description":"VIP customers","colorCode":"#FF0000"}
	// 409 true
	// 200 {"code":200,"message":"Tag deleted successfully"}
}

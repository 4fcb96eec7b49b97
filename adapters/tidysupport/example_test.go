package tidysupport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

// TidySupport returns the existing contact for a known email: the Client
// reads the email first, says so with the outcome "matched", and warns about
// what it could not change.
func Example() {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{}) // the offline simulator
	defer srv.Close()
	ctx := context.Background()

	p, err := tidysupport.New(tidysupport.Config{
		APIKey:      tidysupporttest.APIKey,
		WorkspaceID: tidysupporttest.WorkspaceID,
		BaseURL:     srv.URL, // leave empty for https://api.tidysupport.com
		RateLimit:   rate.Inf,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := p.CreateContact(ctx, support.ContactInput{FirstName: "Ada", LastName: "King", Email: "ADA@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.Outcome, again.Outcome, again.Contact.ID == first.Contact.ID)
	for _, w := range again.Warnings {
		fmt.Println("warning:", w.Field)
	}

	c, err := p.GetContact(ctx, support.Email("ada@example.com"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Name())

	err = p.SetStatus(ctx, "thd_1", support.StatusChange{Status: support.StatusClosed})
	fmt.Println(errors.Is(err, support.ErrUnsupported))
	// Output:
	// created matched true
	// warning: last_name
	// Ada Lovelace
	// true
}

// Listing pages through /v1/customers with its cursor; support.AllContacts
// fetches the pages as needed.
func Example_listContacts() {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	defer srv.Close()
	for _, email := range []string{"ada@example.com", "grace@example.com", "alan@example.com"} {
		srv.SeedContact(tidysupporttest.Contact{Email: email})
	}
	p, err := tidysupport.New(tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: srv.URL, RateLimit: rate.Inf,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := support.ContactListOptions{ListOptions: support.ListOptions{Limit: 2}}
	for c, err := range support.AllContacts(context.Background(), p, opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Email)
	}
	fmt.Println(srv.Stats.Count(tidysupporttest.RouteListCustomers), "requests")
	// Output:
	// ada@example.com
	// grace@example.com
	// alan@example.com
	// 2 requests
}

// Programs that choose the vendor at run time open it from a plain map.
func Example_open() {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	defer srv.Close()
	p, err := support.Open(context.Background(), "tidysupport", map[string]any{
		"apiKey":      tidysupporttest.APIKey,
		"workspaceID": tidysupporttest.WorkspaceID,
		"baseURL":     srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	caps := p.Capabilities()
	fmt.Println(caps.Vendor, caps.CreateDedup, caps.MaxBatch, caps.Statuses)
	// Output:
	// tidysupport email 1 [open closed]
}

// Archived conversations, hidden from TidySupport's default inbox, are
// listed by the driver's own ListConversations, reached with Client.As.
func ExampleDriver_ListConversations() {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{})
	defer srv.Close()
	ada := srv.SeedContact(tidysupporttest.Contact{Email: "ada@example.com"})
	srv.SeedConversation(tidysupporttest.Conversation{ContactID: ada.ID, Subject: "Open"})
	srv.SeedConversation(tidysupporttest.Conversation{ContactID: ada.ID, Subject: "Old", Status: "ARCHIVED"})
	client, err := tidysupport.New(tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: srv.URL, RateLimit: rate.Inf,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var d *tidysupport.Driver
	if !client.As(&d) {
		return
	}
	page, err := d.ListConversations(context.Background(), support.ConversationListOptions{Status: tidysupport.StatusArchived})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range page.Items {
		fmt.Println(c.Subject, c.Status)
	}
	// Output:
	// Old closed
}

// The knowledge base is not part of the neutral API: Client.Passthrough
// lists its articles (GET /v1/workspaces/{workspaceId}/knowledge/articles,
// offset paging [D TS-kb]) with the adapter's key, rate limiter and error
// decoding.
func Example_passthrough() {
	srv := tidysupporttest.NewServer(tidysupporttest.Options{}) // the offline simulator
	defer srv.Close()
	srv.SeedArticle(tidysupporttest.Article{Title: "How to reset your password", IsPublished: true})
	srv.SeedArticle(tidysupporttest.Article{Title: "Billing FAQ", Source: "CRAWLER", IsPublished: true})
	p, err := tidysupport.New(tidysupport.Config{
		APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: srv.URL, RateLimit: rate.Inf,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := p.Passthrough(context.Background(), support.RawRequest{
		Path:  []string{"v1", "workspaces", tidysupporttest.WorkspaceID, "knowledge", "articles"},
		Query: url.Values{"limit": {"10"}, "offset": {"0"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var kb struct {
		Articles []struct{ Title, Source string }
		Total    int
	}
	if err := json.Unmarshal(resp.Body, &kb); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range kb.Articles {
		fmt.Println(a.Title, "/", a.Source)
	}
	fmt.Println(resp.Status, kb.Total, "articles")
	// Output:
	// How to reset your password / MANUAL
	// Billing FAQ / CRAWLER
	// 200 2 articles
}

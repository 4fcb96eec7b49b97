package redislimit_test

import (
	"fmt"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
)

// Every replica of an app, and a migration beside it, gives its adapter a
// Limiter on the same Redis: they then share the account's quota. NewFromURL
// does not connect; Ping at start says at once whether Redis answers.
func Example() {
	lim, err := redislimit.NewFromURL("redis://localhost:6379/0", redislimit.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lim.Close()
	_, err = tidio.New(tidio.Config{
		ClientID:          "ci_your_client_id",
		ClientSecret:      "cs_your_client_secret",
		RequestsPerMinute: 120, // Premium: every process must say the same
		RateLimiter:       lim,
	})
	fmt.Println(err)

	// A URL of another scheme is refused before anything is sent.
	_, err = redislimit.NewFromURL("http://localhost:6379", redislimit.Config{})
	fmt.Println(err)
	// Output:
	// <nil>
	// redislimit: bad Redis URL (expected redis://[user:password@]host[:port][/db] or rediss://…): scheme "http"
}

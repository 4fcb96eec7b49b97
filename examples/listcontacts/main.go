// Command listcontacts lists the contacts of every vendor through the
// adapter registry, the way a program that picks its help desk at run time
// (from a config file, say) would: by name, with a plain config map.
//
// It runs offline: each vendor is a simulator started in this process, on a
// loopback port, seeded with a few contacts. To point it at real accounts,
// replace each config map by real credentials and drop the base URL, for
// example:
//
//	support.Open(ctx, "tidio", map[string]any{
//		"clientID":     os.Getenv("TIDIO_CLIENT_ID"),     // ci_…
//		"clientSecret": os.Getenv("TIDIO_CLIENT_SECRET"), // cs_…
//	})
//	support.Open(ctx, "respondio", map[string]any{"token": os.Getenv("RESPONDIO_TOKEN")})
//	support.Open(ctx, "tidysupport", map[string]any{
//		"apiKey":      os.Getenv("TIDYSUPPORT_API_KEY"),
//		"workspaceID": os.Getenv("TIDYSUPPORT_WORKSPACE_ID"),
//	})
//
// (and keep the adapters' default rate limits, which match the vendors').
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	// Each adapter registers itself under its name.
	_ "github.com/deskbridge/deskbridge/adapters/respondio"
	_ "github.com/deskbridge/deskbridge/adapters/tidio"
	_ "github.com/deskbridge/deskbridge/adapters/tidysupport"

	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/support"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// people are seeded into every simulator.
var people = []struct{ first, last, email, phone string }{
	{"Ada", "Lovelace", "ada@example.com", "+44 20 7946 0018"},
	{"Grace", "Hopper", "grace@example.com", "+1 415 555 0100"},
	{"Alan", "Turing", "alan@example.com", ""},
}

func run(ctx context.Context, w io.Writer) error {
	configs, stop := startSimulators()
	defer stop()

	for _, name := range []string{"tidio", "respondio", "tidysupport"} {
		p, err := support.Open(ctx, name, configs[name])
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s:\n", name)
		// AllContacts pages through the vendor's list, whatever its
		// paging scheme; break stops fetching.
		for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(w, "  %-14s %-18s %s\n", c.Name(), c.Email, c.Phone)
		}
	}
	return nil
}

// startSimulators starts the three simulators on loopback ports, seeds
// them, and returns the registry config of each.
func startSimulators() (map[string]map[string]any, func()) {
	t := tidiotest.NewServer(tidiotest.Options{})
	r := respondiotest.NewServer(respondiotest.Options{})
	ts := tidysupporttest.NewServer(tidysupporttest.Options{})
	for _, p := range people {
		t.SeedContact(tidiotest.Contact{FirstName: p.first, LastName: p.last, Email: p.email, Phone: p.phone})
		if _, err := r.SeedContact(respondiotest.Contact{FirstName: p.first, LastName: p.last, Email: p.email, Phone: p.phone}); err != nil {
			panic(err) // the seed data is valid for respond.io
		}
		ts.SeedContact(tidysupporttest.Contact{Name: p.first + " " + p.last, Email: p.email, Phone: p.phone})
	}
	configs := map[string]map[string]any{
		"tidio": {"clientID": tidiotest.ClientID, "clientSecret": tidiotest.ClientSecret, "baseURL": t.URL},
		// The simulators' base URLs are plain http on loopback, which the
		// adapters accept for loopback hosts only.
		"respondio":   {"token": respondiotest.Token, "baseURL": r.URL()},
		"tidysupport": {"apiKey": tidysupporttest.APIKey, "workspaceID": tidysupporttest.WorkspaceID, "baseURL": ts.URL},
	}
	return configs, func() { t.Close(); r.Close(); ts.Close() }
}
